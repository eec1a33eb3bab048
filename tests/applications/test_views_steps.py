"""Editing step by step: drafts save half-filled, every bad input is refused with a French
message tied to its field, and nothing is saved."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from applications import services
from applications.models import Dossier, DossierStatus
from portal.db import db
from portal.models import AuditEvent

from ..conftest import PDF_BYTES, login

NARROW = "\u202f"
NBSP = "\u00a0"


def fresh(dossier_id) -> Dossier:
    db.session.expire_all()
    return db.session.get(Dossier, dossier_id)


def post_step(client, dossier, step, data, version=None):
    data = dict(data)
    data.setdefault("version", str(version if version is not None else fresh(dossier.id).version))
    return client.post(f"/dossiers/{dossier.id}/etape/{step}", data=data)


@pytest.fixture
def draft(world, factory):
    return factory.dossier(world.call, world.staff_a, complete=True)


def test_every_step_page_renders_with_labels_and_two_blank_rows(client, world, draft):
    login(client, world.staff_a)
    expectations = {
        "presentation": ['for="title">Titre du projet', 'for="summary">Résumé'],
        "axes-et-public": [
            "Axe principal",
            "Autres axes concernés",
            "Champs d&#39;action",
            'for="targets-at_risk__16_18"',
        ],
        "partenaires": ['id="partners-2-name"', 'id="partners-1-name"', "Nom du partenaire"],
        "actions": ['id="actions-2-title"', "Intitulé de l&#39;action", "Date de début"],
        "indicateurs": ['id="indicators-2-name"', "Valeur cible"],
        "budget": [
            'id="expenses-3-amount"',
            'id="resources-4-amount"',
            'inputmode="decimal"',
            "Budget équilibré",
        ],
        "pieces-jointes": ['for="file">Fichier', 'for="kind_id">Type de pièce', "piece.pdf"],
        "recapitulatif": ["Le dossier est complet"],
    }
    for step, needles in expectations.items():
        response = client.get(f"/dossiers/{draft.id}/etape/{step}")
        assert response.status_code == 200, step
        page = response.get_data(as_text=True)
        assert 'class="fr-stepper"' in page
        for needle in needles:
            assert needle in page, (step, needle)
    assert client.get(f"/dossiers/{draft.id}/etape/inconnue").status_code == 404


def test_a_half_filled_draft_is_saved(client, world, factory):
    dossier = factory.dossier(world.call, world.staff_a)
    login(client, world.staff_a)
    response = post_step(client, dossier, "presentation", {"title": "Brouillon", "summary": ""})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/etape/presentation")
    assert fresh(dossier.id).title == "Brouillon"


def test_save_and_continue_goes_to_the_next_step(client, world, draft):
    login(client, world.staff_a)
    response = post_step(
        client,
        draft,
        "presentation",
        {"title": "Nouveau titre", "summary": "Résumé", "action": "next"},
    )
    assert response.headers["Location"].endswith("/etape/axes-et-public")


def test_unbalanced_budget_is_saved_but_announced_with_the_amount(client, world, draft):
    login(client, world.staff_a)
    response = post_step(
        client,
        draft,
        "budget",
        {
            "expenses-0-category": "services",
            "expenses-0-amount": "6 000,00",
            "resources-0-source": "region",
            "resources-0-amount": "7 200,00",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/dossiers/{draft.id}/etape/budget").get_data(as_text=True)
    assert f"les recettes dépassent les dépenses de 1{NARROW}200,00{NBSP}€" in page
    assert f"Écart : 1{NARROW}200,00{NBSP}€" in page
    recap = client.get(f"/dossiers/{draft.id}/etape/recapitulatif").get_data(as_text=True)
    assert f"dépassent les dépenses de 1{NARROW}200,00{NBSP}€" in recap
    assert "/etape/budget#resources" in recap


@pytest.mark.parametrize(
    "amount, message",
    [
        ("-50", "Un montant ne peut pas être négatif."),
        ("12,345", "Un montant a au plus deux décimales (les centimes)."),
        ("99 999 999 999", "est trop élevé pour un projet"),
        ("douze", "n&#39;est pas un montant : écrivez par exemple 1 234,50."),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_saved(client, world, draft, amount, message):
    login(client, world.staff_a)
    before = fresh(draft.id).version
    response = post_step(
        client,
        draft,
        "budget",
        {
            "expenses-0-category": "services",
            "expenses-0-label": "Intervenant",
            "expenses-0-amount": "100,00",
            "expenses-1-category": "equipment",
            "expenses-1-label": "Tapis",
            "expenses-1-amount": amount,
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'href="#expenses-1-amount"' in page  # the error summary links to the input
    assert 'aria-describedby="expenses-1-amount-error"' in page
    assert 'id="expenses-1-amount-error"' in page and "fr-input-group--error" in page
    assert f'value="{amount}"' in page and 'value="Tapis"' in page  # typed values kept
    dossier = fresh(draft.id)
    assert dossier.version == before
    assert dossier.total_expenses == Decimal("7234.50")


def test_row_errors_follow_the_row_even_after_blank_rows(client, world, draft):
    login(client, world.staff_a)
    response = post_step(
        client,
        draft,
        "partenaires",
        {
            "partners-0-name": "",
            "partners-0-kind": "",
            "partners-0-role": "",
            "partners-1-name": "",
            "partners-1-kind": "association",
            "partners-1-role": "Soutien",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'aria-describedby="partners-1-name-error"' in page
    assert "Indiquez le nom du partenaire" in page
    assert [p.name for p in fresh(draft.id).partners] == ["Mission locale"]


def test_bad_scalar_fields_are_refused(client, world, draft):
    login(client, world.staff_a)
    response = post_step(
        client,
        draft,
        "axes-et-public",
        {"main_axis": "9", "fields": ["prevention"], "targets-at_risk__16_18": "-3"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choisissez l&#39;axe principal parmi les axes de l&#39;appel." in page
    assert "Le nombre de jeunes ne peut pas être négatif." in page
    assert 'aria-describedby="targets-at_risk__16_18-error"' in page
    dossier = fresh(draft.id)
    assert dossier.main_axis == 2 and dossier.target_count == 24


def test_end_date_before_start_date(client, world, draft):
    login(client, world.staff_a)
    response = post_step(
        client,
        draft,
        "actions",
        {
            "actions-0-title": "Atelier",
            "actions-0-start_date": "2015-06-01",
            "actions-0-end_date": "01/02/2015",
        },
    )
    assert response.status_code == 400
    assert "La date de fin précède la date de début." in response.get_data(as_text=True)
    assert fresh(draft.id).actions[0].title == "Atelier théâtre"


def test_stale_version_shows_the_conflict_and_saves_nothing(client, world, draft):
    login(client, world.staff_a)
    old = fresh(draft.id).version
    assert (
        post_step(
            client, draft, "presentation", {"title": "Onglet 1", "summary": "x"}, version=old
        ).status_code
        == 302
    )
    response = post_step(
        client, draft, "presentation", {"title": "Onglet 2", "summary": "y"}, version=old
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "a été modifié entre-temps" in page
    assert 'value="Onglet 2"' in page  # what was typed is still there to copy
    assert fresh(draft.id).title == "Onglet 1"


def test_garbage_version_counts_as_stale(client, world, draft):
    login(client, world.staff_a)
    response = post_step(client, draft, "presentation", {"title": "x"}, version="abc")
    assert response.status_code == 409
    assert fresh(draft.id).title == "Raccrocher par le projet"


def test_a_form_without_csrf_token_is_refused(client, world, draft):
    login(client, world.staff_a)
    response = client.post(
        f"/dossiers/{draft.id}/etape/presentation",
        csrf=False,
        data={"title": "Forgé", "version": str(fresh(draft.id).version)},
    )
    assert response.status_code == 400
    assert "jeton CSRF" in response.get_data(as_text=True)
    assert fresh(draft.id).title == "Raccrocher par le projet"


def test_a_submitted_dossier_cannot_be_edited(client, world, draft):
    services.submit_dossier(world.head_a, draft)
    db.session.flush()
    version = fresh(draft.id).version
    updates = (
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "dossier_updated")
    )
    events = db.session.scalar(updates)
    login(client, world.head_a)
    response = client.get(f"/dossiers/{draft.id}/etape/presentation")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "il ne peut pas être modifié" in page
    assert "Modifier le dossier" not in page
    response = post_step(
        client, draft, "presentation", {"title": "Modifié après dépôt"}, version=version
    )
    assert response.status_code == 409
    assert "il ne peut plus être modifié" in response.get_data(as_text=True)
    attachment_id = fresh(draft.id).attachments[0].id
    response = client.post(
        f"/dossiers/{draft.id}/pieces",
        content_type="multipart/form-data",
        data={"kind_id": "", "file": (io.BytesIO(PDF_BYTES), "ajout.pdf")},
    )
    assert response.status_code == 409
    response = client.post(f"/dossiers/{draft.id}/pieces/{attachment_id}/supprimer")
    assert response.status_code == 409
    dossier = fresh(draft.id)
    assert dossier.title == "Raccrocher par le projet" and dossier.version == version
    assert dossier.status == DossierStatus.submitted
    assert [a.id for a in dossier.attachments] == [attachment_id]
    assert db.session.scalar(updates) == events


def test_posting_to_a_step_without_a_form_is_not_allowed(client, world, draft):
    login(client, world.staff_a)
    assert client.post(f"/dossiers/{draft.id}/etape/recapitulatif", data={}).status_code == 405


def test_an_empty_budget_is_not_called_balanced(client, world, factory):
    dossier = factory.dossier(world.call, world.staff_a)
    login(client, world.staff_a)
    page = client.get(f"/dossiers/{dossier.id}/etape/budget").get_data(as_text=True)
    assert "Budget vide : ajoutez au moins une dépense" in page
    assert "Budget équilibré" not in page
    # the saved state's blocker is marked, so the live totals can replace it once typing starts
    assert '<li data-blocker="expenses">Le budget ne comporte aucune dépense.</li>' in page
