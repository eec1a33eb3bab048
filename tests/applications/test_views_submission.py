"""Submission over HTTP: who may submit, what blocks it, once only, the receipt."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from applications import services
from applications.models import CompletionRequest, Dossier, DossierStatus, Submission
from portal.db import db, utcnow

from ..conftest import login

NARROW = "\u202f"
NBSP = "\u00a0"


def fresh(dossier_id) -> Dossier:
    db.session.expire_all()
    return db.session.get(Dossier, dossier_id)


def submissions() -> int:
    return db.session.scalar(select(func.count()).select_from(Submission))


@pytest.fixture
def complete(world, factory):
    return factory.dossier(world.call, world.staff_a, complete=True)


def test_submission_by_staff_who_is_not_the_head_is_forbidden(client, world, complete):
    login(client, world.staff_a)
    response = client.post(f"/dossiers/{complete.id}/deposer")
    assert response.status_code == 403
    dossier = fresh(complete.id)
    assert dossier.status == DossierStatus.draft and dossier.reference is None
    assert submissions() == 0


def test_a_second_submit_creates_one_submission_only(client, world, complete):
    login(client, world.head_a)
    assert client.post(f"/dossiers/{complete.id}/deposer").status_code == 302
    response = client.post(f"/dossiers/{complete.id}/deposer")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "a déjà été déposé" in page
    assert submissions() == 1
    assert fresh(complete.id).reference == "AAP-2014-0001"


def test_unbalanced_budget_blocks_submission_with_the_amount(client, world, complete):
    services.update_dossier(
        world.head_a, complete, {"resources": [{"category": "region", "amount": "8434.50"}]}
    )
    db.session.flush()
    login(client, world.head_a)
    recap = client.get(f"/dossiers/{complete.id}/etape/recapitulatif").get_data(as_text=True)
    assert "Déposer le dossier</button>" not in recap
    response = client.post(f"/dossiers/{complete.id}/deposer")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"les recettes dépassent les dépenses de 1{NARROW}200,00{NBSP}€" in page
    assert fresh(complete.id).status == DossierStatus.draft
    assert submissions() == 0


def test_a_request_above_the_call_maximum_blocks_submission(client, world, factory):
    call = factory.call(max_amount="5000.00")
    dossier = factory.dossier(call, world.head_a, complete=True)  # asks 6 000,00 €
    login(client, world.head_a)
    response = client.post(f"/dossiers/{dossier.id}/deposer")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        f"La subvention demandée (6{NARROW}000,00{NBSP}€) dépasse le maximum de l&#39;appel "
        f"(5{NARROW}000,00{NBSP}€)."
    ) in page
    assert fresh(dossier.id).status == DossierStatus.draft and submissions() == 0


def test_a_missing_required_attachment_blocks_submission(client, world, complete):
    for attachment in list(complete.attachments):
        services.remove_attachment(world.head_a, attachment)
    db.session.flush()
    login(client, world.head_a)
    recap = client.get(f"/dossiers/{complete.id}/etape/recapitulatif").get_data(as_text=True)
    assert "Pièce obligatoire manquante : Budget prévisionnel détaillé." in recap
    assert "/etape/pieces-jointes#attachments" in recap
    response = client.post(f"/dossiers/{complete.id}/deposer")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pièce obligatoire manquante" in page
    assert fresh(complete.id).status == DossierStatus.draft and submissions() == 0


def test_submission_after_the_deadline_is_refused_by_the_server(client, world, complete):
    world.call.deadline_at = utcnow() - dt.timedelta(minutes=1)
    db.session.flush()
    login(client, world.head_a)
    recap = client.get(f"/dossiers/{complete.id}/etape/recapitulatif").get_data(as_text=True)
    assert "La date limite de dépôt est passée" in recap
    assert "Déposer le dossier</button>" not in recap
    response = client.post(f"/dossiers/{complete.id}/deposer")  # the form posted anyway
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "La date limite de dépôt est passée" in page
    assert fresh(complete.id).status == DossierStatus.draft and submissions() == 0


def test_blockers_link_to_the_step_and_field_that_fix_them(client, world, factory):
    dossier = factory.dossier(world.call, world.staff_a)
    dossier.title = ""
    db.session.flush()
    login(client, world.staff_a)
    recap = client.get(f"/dossiers/{dossier.id}/etape/recapitulatif").get_data(as_text=True)
    for link in (
        "/etape/presentation#title",
        "/etape/presentation#summary",
        "/etape/axes-et-public#main_axis",
        "/etape/axes-et-public#fields",
        "/etape/axes-et-public#target_count",
        "/etape/actions#actions",
        "/etape/indicateurs#indicators",
        "/etape/budget#expenses",
        "/etape/pieces-jointes#attachments",
    ):
        assert f'href="/dossiers/{dossier.id}{link}"' in recap, link
    step = client.get(f"/dossiers/{dossier.id}/etape/presentation").get_data(as_text=True)
    assert 'id="title"' in step and 'id="summary"' in step


def test_call_admin_requests_completion_then_the_head_resubmits(client, world, complete):
    services.submit_dossier(world.head_a, complete)
    db.session.flush()
    login(client, world.call_admin)
    page = client.get(f"/dossiers/{complete.id}").get_data(as_text=True)
    assert "Demander des compléments" in page
    response = client.post(f"/dossiers/{complete.id}/complements", data={"message": ""})
    assert response.status_code == 400
    assert "Indiquez ce que l&#39;établissement doit compléter." in response.get_data(as_text=True)
    assert fresh(complete.id).status == DossierStatus.submitted
    response = client.post(
        f"/dossiers/{complete.id}/complements", data={"message": "Joignez la lettre du partenaire."}
    )
    assert response.status_code == 302
    assert fresh(complete.id).status == DossierStatus.incomplete

    client.post("/deconnexion")
    login(client, world.head_a)
    page = client.get(f"/dossiers/{complete.id}").get_data(as_text=True)
    assert "Joignez la lettre du partenaire." in page and "Modifier le dossier" in page
    assert client.post(f"/dossiers/{complete.id}/deposer").status_code == 302
    dossier = fresh(complete.id)
    assert dossier.status == DossierStatus.submitted and len(dossier.submissions) == 2
    assert dossier.completion_requests[0].answered_at is not None
    response = client.get(f"/dossiers/{complete.id}/recepisse/2")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert client.get(f"/dossiers/{complete.id}/recepisse/3").status_code == 404


def test_applicants_cannot_request_completion(client, world, complete):
    services.submit_dossier(world.head_a, complete)
    db.session.flush()
    login(client, world.head_a)
    assert "Demander des compléments" not in client.get(f"/dossiers/{complete.id}").get_data(
        as_text=True
    )
    response = client.post(f"/dossiers/{complete.id}/complements", data={"message": "x"})
    assert response.status_code == 403
    assert fresh(complete.id).status == DossierStatus.submitted
    assert db.session.scalar(select(func.count()).select_from(CompletionRequest)) == 0
