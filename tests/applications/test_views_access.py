"""Confidentiality over HTTP: another establishment's dossier does not exist for you."""

import io

import pytest
from sqlalchemy import func, select

from applications import services
from applications.models import Attachment, Dossier, DossierStatus, Submission
from portal.db import db

from ..conftest import PDF_BYTES, login


def fresh(dossier_id) -> Dossier:
    db.session.expire_all()
    return db.session.get(Dossier, dossier_id)


@pytest.fixture
def dossier_a(world, factory):
    """A submitted dossier of establishment A, with one attachment and a receipt."""
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    services.submit_dossier(world.head_a, dossier)
    db.session.flush()
    return dossier


@pytest.fixture
def draft_a(world, factory):
    return factory.dossier(world.call, world.head_a, complete=True)


def test_establishment_b_gets_404_everywhere_and_changes_nothing(client, world, dossier_a, draft_a):
    attachment = dossier_a.attachments[0]
    draft_attachment = draft_a.attachments[0]
    version = fresh(draft_a.id).version
    login(client, world.head_b)
    gets = [
        f"/dossiers/{dossier_a.id}",
        f"/dossiers/{draft_a.id}",
        f"/dossiers/{draft_a.id}/etape/presentation",
        f"/dossiers/{draft_a.id}/etape/recapitulatif",
        f"/dossiers/{dossier_a.id}/pieces/{attachment.id}",
        f"/dossiers/{dossier_a.id}/recepisse/1",
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Raccrocher par le projet" not in response.get_data(as_text=True)
    posts = [
        (
            f"/dossiers/{draft_a.id}/etape/presentation",
            {"title": "Piraté", "version": str(version)},
        ),
        (
            f"/dossiers/{draft_a.id}/etape/budget",
            {"expenses-0-category": "other", "expenses-0-amount": "1", "version": str(version)},
        ),
        (f"/dossiers/{draft_a.id}/deposer", {}),
        (f"/dossiers/{draft_a.id}/retirer", {"reason": "x"}),
        (f"/dossiers/{draft_a.id}/pieces/{draft_attachment.id}/supprimer", {}),
        (f"/dossiers/{dossier_a.id}/complements", {"message": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    response = client.post(
        f"/dossiers/{draft_a.id}/pieces",
        content_type="multipart/form-data",
        data={"kind_id": "", "file": (io.BytesIO(PDF_BYTES), "x.pdf")},
    )
    assert response.status_code == 404
    draft = fresh(draft_a.id)
    assert draft.title == "Raccrocher par le projet" and draft.version == version
    assert draft.status == DossierStatus.draft and len(draft.expenses) == 2
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 2
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
    assert fresh(dossier_a.id).status == DossierStatus.submitted
    listing = client.get("/dossiers/").get_data(as_text=True)
    assert "Raccrocher par le projet" not in listing


def test_a_draft_is_private_to_its_establishment(client, world, draft_a):
    login(client, world.call_admin)
    assert client.get(f"/dossiers/{draft_a.id}").status_code == 404
    assert "Raccrocher" not in client.get("/dossiers/deposes").get_data(as_text=True)


def test_call_admin_reads_a_submitted_dossier_and_its_pieces(client, world, dossier_a):
    login(client, world.call_admin)
    page = client.get(f"/dossiers/{dossier_a.id}").get_data(as_text=True)
    assert dossier_a.reference in page and "Télécharger le récépissé n° 1" in page
    assert "Modifier le dossier" not in page and "Retirer le dossier" not in page
    attachment = dossier_a.attachments[0]
    assert client.get(f"/dossiers/{dossier_a.id}/pieces/{attachment.id}").data == PDF_BYTES
    # Reading is not editing: the stepper sends the reader back to the summary.
    assert client.get(f"/dossiers/{dossier_a.id}/etape/presentation").status_code == 302


def test_a_reviewer_cannot_read_a_freshly_submitted_dossier(client, world, dossier_a):
    login(client, world.reviewer)
    assert client.get(f"/dossiers/{dossier_a.id}").status_code == 404
    assert client.get(f"/dossiers/{dossier_a.id}/recepisse/1").status_code == 404


def test_pages_need_a_login(client, world, dossier_a):
    for url in (
        "/dossiers/",
        "/dossiers/deposes",
        f"/dossiers/{dossier_a.id}",
        f"/dossiers/{dossier_a.id}/recepisse/1",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_unknown_dossier_is_404(client, world):
    login(client, world.head_a)
    assert client.get("/dossiers/999999").status_code == 404
