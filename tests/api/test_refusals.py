"""Every refusal of the API: the right status, a French message, and nothing changed."""

import datetime as dt
import io

import pytest

from applications import services
from applications.models import Dossier, DossierStatus
from portal.db import db, utcnow
from portal.models import CallStatus

from ..conftest import PDF_BYTES, complete_data
from .helpers import bearer, state


def _complete(world, factory):
    dossier = factory.dossier(world.call, world.staff_a, complete=True)
    db.session.commit()
    return dossier


def _upload(client, token, dossier_id, data, name, kind_id=None):
    form = {"file": (io.BytesIO(data), name)}
    if kind_id is not None:
        form["kind_id"] = str(kind_id)
    return client.post(
        f"/api/v1/dossiers/{dossier_id}/attachments",
        headers=bearer(token),
        data=form,
        content_type="multipart/form-data",
    )


# ---------------------------------------------------------------- object level


def test_another_establishments_dossier_is_404_everywhere(client, world, factory, api):
    dossier = _complete(world, factory)
    services.submit_dossier(world.head_a, dossier)
    db.session.commit()
    att_id = dossier.attachments[0].id
    other = factory.dossier(world.call, world.head_a)  # a draft too: edit paths stay open
    db.session.commit()
    before, before_other = state(dossier.id), state(other.id)
    b = bearer(api.head_b)
    requests = [
        client.get(f"/api/v1/dossiers/{dossier.id}", headers=b),
        client.patch(f"/api/v1/dossiers/{other.id}", headers=b, json={"title": "piraté"}),
        _upload(client, api.head_b, other.id, PDF_BYTES, "x.pdf"),
        client.get(f"/api/v1/dossiers/{dossier.id}/attachments/{att_id}", headers=b),
        client.post(f"/api/v1/dossiers/{other.id}/submit", headers=b),
        client.get(f"/api/v1/dossiers/{dossier.id}/receipt", headers=b),
        client.get("/api/v1/dossiers/999999", headers=b),
    ]
    for response in requests:
        assert response.status_code == 404, response.request.path
        assert "n'existe pas ou ne vous est pas accessible" in response.get_json()["error"]
    # a hidden dossier cannot be told from an id that names nothing
    assert requests[0].get_json() == requests[-1].get_json()
    assert state(dossier.id) == before and state(other.id) == before_other


def test_a_reviewer_does_not_see_an_unassigned_or_draft_dossier(client, world, factory, api):
    dossier = factory.dossier(world.call, world.head_a)
    db.session.commit()
    for token in (api.reviewer, api.call_admin, api.observer):  # a draft is the establishment's
        assert (
            client.get(f"/api/v1/dossiers/{dossier.id}", headers=bearer(token)).status_code == 404
        )


def test_attachment_of_another_dossier_is_404(client, world, factory, api):
    mine = factory.dossier(world.call, world.head_a)
    theirs = factory.dossier(world.call, world.head_b, complete=True)
    db.session.commit()
    response = client.get(
        f"/api/v1/dossiers/{mine.id}/attachments/{theirs.attachments[0].id}",
        headers=bearer(api.head_a),
    )
    assert response.status_code == 404


def test_staff_cannot_submit(client, world, factory, api):
    dossier = _complete(world, factory)
    before = state(dossier.id)
    response = client.post(f"/api/v1/dossiers/{dossier.id}/submit", headers=bearer(api.staff_a))
    assert response.status_code == 403
    assert response.get_json()["error"] == "Seul le chef d'établissement peut déposer le dossier."
    assert state(dossier.id) == before
    assert before["dossier"]["status"] == "draft" and before["submissions"] == 0


def test_a_call_admin_cannot_create_a_dossier(client, world, api):
    response = client.post(
        "/api/v1/dossiers", headers=bearer(api.call_admin), json={"call_id": world.call.id}
    )
    assert response.status_code == 403
    assert db.session.query(Dossier).count() == 0


# ---------------------------------------------------------------- conflicts


def test_double_submit_is_409_and_one_submission(client, world, factory, api):
    dossier = _complete(world, factory)
    url = f"/api/v1/dossiers/{dossier.id}/submit"
    assert client.post(url, headers=bearer(api.head_a)).status_code == 201
    after_first = state(dossier.id)
    response = client.post(url, headers=bearer(api.head_a))
    assert response.status_code == 409
    assert "déjà été déposé" in response.get_json()["error"]
    assert "AAP-2014-0001" in response.get_json()["error"]
    assert state(dossier.id) == after_first and after_first["submissions"] == 1


def test_stale_version_on_patch_is_409(client, world, factory, api):
    dossier = factory.dossier(world.call, world.staff_a)
    db.session.commit()
    url = f"/api/v1/dossiers/{dossier.id}"
    read = client.get(url, headers=bearer(api.staff_a)).get_json()
    # a colleague saves first
    first = client.patch(
        url,
        headers=bearer(api.head_a),
        json={"title": "Version du chef", "version": read["version"]},
    )
    assert first.status_code == 200
    before = state(dossier.id)
    response = client.patch(
        url,
        headers=bearer(api.staff_a),
        json={"title": "Version périmée", "version": read["version"]},
    )
    assert response.status_code == 409
    assert "modifié entre-temps" in response.get_json()["error"]
    assert state(dossier.id) == before
    assert before["dossier"]["title"] == "Version du chef"


# ---------------------------------------------------------------- submission rules


def test_unbalanced_budget_refuses_submission(client, world, factory, api):
    dossier = _complete(world, factory)
    services.update_dossier(
        world.head_a, dossier, {"resources": [{"category": "region", "amount": "8434.50"}]}
    )
    db.session.commit()
    before = state(dossier.id)
    response = client.post(f"/api/v1/dossiers/{dossier.id}/submit", headers=bearer(api.head_a))
    assert response.status_code == 400
    body = response.get_json()
    assert "Le dossier ne peut pas être déposé" in body["error"]
    assert (
        "les recettes dépassent les dépenses de 1\u202f200,00\u00a0€" in body["errors"]["resources"]
    )
    assert state(dossier.id) == before and before["submissions"] == 0


def test_request_above_the_calls_maximum_refuses_submission(client, world, factory, api):
    dossier = _complete(world, factory)
    response = client.patch(
        f"/api/v1/dossiers/{dossier.id}",
        headers=bearer(api.head_a),
        json={
            "expenses": [{"category": "services", "label": "Intervenants", "amount": "20000.00"}],
            "resources": [
                {"source": "region", "amount": "10000.00"},
                {"source": "state", "amount": "10000.00"},
            ],
        },
    )
    assert response.status_code == 200
    before = state(dossier.id)
    response = client.post(f"/api/v1/dossiers/{dossier.id}/submit", headers=bearer(api.head_a))
    assert response.status_code == 400
    assert "dépasse le maximum de l'appel (15\u202f000,00\u00a0€)" in response.get_json()["error"]
    assert state(dossier.id) == before


def test_missing_attachment_refuses_submission(client, world, factory, api):
    dossier = factory.dossier(world.call, world.head_a)
    services.update_dossier(world.head_a, dossier, complete_data())
    db.session.commit()
    before = state(dossier.id)
    response = client.post(f"/api/v1/dossiers/{dossier.id}/submit", headers=bearer(api.head_a))
    assert response.status_code == 400
    assert (
        response.get_json()["errors"]["attachments"]
        == "Pièce obligatoire manquante : Budget prévisionnel détaillé."
    )
    assert state(dossier.id) == before


def test_submission_after_the_deadline_is_refused(client, world, factory, api):
    dossier = _complete(world, factory)
    world.call.deadline_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    before = state(dossier.id)
    response = client.post(f"/api/v1/dossiers/{dossier.id}/submit", headers=bearer(api.head_a))
    assert response.status_code == 400
    assert "La date limite de dépôt est passée" in response.get_json()["error"]
    assert state(dossier.id) == before
    assert db.session.get(Dossier, dossier.id).status == DossierStatus.draft
    # nor can a new dossier be created
    response = client.post(
        "/api/v1/dossiers", headers=bearer(api.head_a), json={"call_id": world.call.id}
    )
    assert response.status_code == 400
    assert "n'accepte pas de dossier" in response.get_json()["error"]


# ---------------------------------------------------------------- input validation


@pytest.mark.parametrize(
    "amount, message",
    [
        ("-5.00", "Un montant ne peut pas être négatif."),
        (-5, "Un montant ne peut pas être négatif."),
        ("99999999999", "est trop élevé pour un projet"),
        ("12.345", "Un montant a au plus deux décimales (les centimes)."),
        (12.345, "Un montant a au plus deux décimales (les centimes)."),
        ("douze", "« douze » n'est pas un montant"),
        ("NaN", "n'est pas un montant"),
        (None, "Indiquez un montant."),
        (True, "Montant attendu"),
        ([12], "Montant attendu"),
    ],
)
def test_bad_amounts_are_refused(client, world, factory, api, amount, message):
    dossier = _complete(world, factory)
    before = state(dossier.id)
    response = client.patch(
        f"/api/v1/dossiers/{dossier.id}",
        headers=bearer(api.head_a),
        json={"expenses": [{"category": "services", "label": "Intervenant", "amount": amount}]},
    )
    assert response.status_code == 400
    body = response.get_json()
    assert message in body["errors"]["expenses-0-amount"]
    assert state(dossier.id) == before


def test_french_amount_with_comma_is_accepted(client, world, factory, api):
    dossier = _complete(world, factory)
    response = client.patch(
        f"/api/v1/dossiers/{dossier.id}",
        headers=bearer(api.head_a),
        json={"expenses": [{"category": "services", "amount": "1 234,50"}]},
    )
    assert response.status_code == 200
    assert response.get_json()["expenses"][0]["amount"] == "1234.50"


@pytest.mark.parametrize(
    "body, error, errors",
    [
        ({"colour": "bleu"}, "Champ inconnu : colour.", {"colour": "Champ inconnu."}),
        ({"title": "x", "colour": 1, "size": 2}, "Champs inconnus : colour, size.", None),
        (
            {"partners": [{"name": "GRETA", "phone": "05"}]},
            "Champ inconnu : partners-0-phone.",
            None,
        ),
        ({"reference": "AAP-2014-9999"}, "Champ inconnu : reference.", None),
        ({"title": 12}, "La requête est invalide", {"title": "Texte attendu."}),
        ({"main_axis": "deux"}, "La requête est invalide", {"main_axis": "Nombre entier attendu."}),
        ({"main_axis": 2.5}, "La requête est invalide", {"main_axis": "Nombre entier attendu."}),
        ({"other_axes": "1,2"}, "La requête est invalide", {"other_axes": "Liste attendue."}),
        ({"partners": ["GRETA"]}, "La requête est invalide", {"partners-0": "Objet JSON attendu."}),
        (
            {"actions": [{"title": "A", "start_date": "03/11/2014"}]},
            "La requête est invalide",
            {
                "actions-0-start_date": "Date invalide : format AAAA-MM-JJ attendu (par exemple 2014-11-03)."
            },
        ),
        ({"version": "1"}, "La requête est invalide", {"version": "Nombre entier attendu."}),
        ({}, "Aucune section à enregistrer", None),
        ({"version": 1}, "Aucune section à enregistrer", None),
    ],
)
def test_malformed_patch_bodies_are_400_in_french(client, world, factory, api, body, error, errors):
    dossier = factory.dossier(world.call, world.head_a)
    db.session.commit()
    before = state(dossier.id)
    response = client.patch(f"/api/v1/dossiers/{dossier.id}", headers=bearer(api.head_a), json=body)
    assert response.status_code == 400
    assert error in response.get_json()["error"]
    if errors is not None:
        assert response.get_json()["errors"] == errors
    assert state(dossier.id) == before


def test_non_json_body_is_400(client, world, factory, api):
    dossier = factory.dossier(world.call, world.head_a)
    db.session.commit()
    response = client.patch(
        f"/api/v1/dossiers/{dossier.id}", headers=bearer(api.head_a), data="title=x"
    )
    assert response.status_code == 400
    assert "objet JSON" in response.get_json()["error"]
    response = client.patch(
        f"/api/v1/dossiers/{dossier.id}", headers=bearer(api.head_a), json=["title"]
    )
    assert response.status_code == 400


def test_domain_rules_of_patch_come_from_the_service(client, world, factory, api):
    dossier = factory.dossier(world.call, world.head_a)
    db.session.commit()
    before = state(dossier.id)
    response = client.patch(
        f"/api/v1/dossiers/{dossier.id}",
        headers=bearer(api.head_a),
        json={
            "main_axis": 7,
            "fields": ["astrologie"],
            "target_count": -3,
            "actions": [{"title": "A", "start_date": "2015-01-10", "end_date": "2014-12-01"}],
        },
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "Le dossier n'a pas été enregistré : corrigez les champs signalés."
    assert set(body["errors"]) == {"main_axis", "fields", "target_count", "actions-0-end_date"}
    assert body["errors"]["actions-0-end_date"] == "La date de fin précède la date de début."
    assert state(dossier.id) == before


def test_create_refuses_unknown_fields_and_unknown_calls(client, world, factory, api):
    draft_call = factory.call(status=CallStatus.draft)
    db.session.commit()
    h = bearer(api.head_a)
    response = client.post(
        "/api/v1/dossiers", headers=h, json={"call_id": world.call.id, "establishment_id": 3}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "Champ inconnu : establishment_id."
    response = client.post("/api/v1/dossiers", headers=h, json={"title": "Sans appel"})
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"call_id": "Champ obligatoire."}
    for call_id in (999999, draft_call.id):
        response = client.post("/api/v1/dossiers", headers=h, json={"call_id": call_id})
        assert response.status_code == 400
        assert response.get_json()["errors"]["call_id"].startswith("Aucun appel à projets publié")
    assert db.session.query(Dossier).count() == 0


@pytest.mark.parametrize(
    "data, name, message",
    [
        (
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,
            "budget.pdf",
            "n'est pas d'un format accepté",
        ),
        (b"", "budget.pdf", "Le fichier « budget.pdf » est vide."),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "budget.pdf", "ne correspond pas à son extension"),
    ],
)
def test_bad_uploads_are_refused(client, world, factory, api, data, name, message):
    dossier = factory.dossier(world.call, world.head_a)
    db.session.commit()
    before = state(dossier.id)
    response = _upload(
        client, api.head_a, dossier.id, data, name, kind_id=world.call.attachment_kinds[0].id
    )
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert response.get_json()["errors"] == {"file": response.get_json()["error"]}
    assert state(dossier.id) == before


def test_upload_without_file_or_with_a_foreign_kind_is_refused(client, world, factory, api):
    dossier = factory.dossier(world.call, world.head_a)
    other_call = factory.call()
    db.session.commit()
    before = state(dossier.id)
    url = f"/api/v1/dossiers/{dossier.id}/attachments"
    response = client.post(
        url, headers=bearer(api.head_a), data={"kind_id": "1"}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "Choisissez un fichier à joindre."
    response = _upload(
        client,
        api.head_a,
        dossier.id,
        PDF_BYTES,
        "a.pdf",
        kind_id=other_call.attachment_kinds[0].id,
    )
    assert response.status_code == 400
    assert "Choisissez le type de pièce" in response.get_json()["error"]
    response = _upload(client, api.head_a, dossier.id, PDF_BYTES, "a.pdf", kind_id="budget")
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"kind_id": "Nombre entier attendu."}
    response = client.post(
        url,
        headers=bearer(api.head_a),
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(PDF_BYTES), "a.pdf"), "note": "x"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "Champ inconnu : note."
    assert state(dossier.id) == before
