"""Screening: eligible, or ineligible with a motivation the establishment reads."""

import html

import pytest
from sqlalchemy import func, select

from applications import services as dossiers
from applications.models import DossierStatus
from portal.db import db
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.models import AuditEvent, OutboxMessage
from review.models import Screening
from review.services import screening as screening_svc


@pytest.fixture
def submitted(world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    dossiers.submit_dossier(world.head_a, dossier)
    return dossier


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_call_admin_marks_a_dossier_eligible(world, submitted):
    screening_svc.screen_dossier(
        world.call_admin,
        submitted,
        "eligible",
        checklist={"axes_match": True, "budget_consistent": True},
    )
    assert submitted.status == DossierStatus.eligible
    screening = screening_svc.latest_screening(submitted)
    assert screening.checklist["axes_match"] is True
    assert screening.checklist["attachments_readable"] is False
    assert "dossier_screened" in db.session.scalars(select(AuditEvent.action)).all()


def test_ineligible_needs_a_motivation_that_the_establishment_receives(world, submitted):
    mails_before = _count(OutboxMessage)
    with pytest.raises(ServiceError, match="Motivez"):
        screening_svc.screen_dossier(world.call_admin, submitted, "ineligible", motivation="  ")
    assert submitted.status == DossierStatus.submitted and _count(Screening) == 0
    screening_svc.screen_dossier(
        world.call_admin,
        submitted,
        "ineligible",
        motivation="Le projet ne concerne pas le décrochage scolaire.",
    )
    assert submitted.status == DossierStatus.ineligible
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[
        mails_before:
    ]
    assert any("ne concerne pas le décrochage" in m.body for m in mails)


def test_only_call_admins_screen_and_only_submitted_dossiers(world, factory, submitted):
    with pytest.raises(NotFound):  # the platform admin manages people, not dossiers
        screening_svc.screen_dossier(world.admin, submitted, "eligible")
    with pytest.raises(PermissionDenied):  # reads it, but screening is the call admin's
        screening_svc.screen_dossier(world.head_a, submitted, "eligible")
    with pytest.raises(NotFound):  # cannot even see it
        screening_svc.screen_dossier(world.head_b, submitted, "eligible")
    draft = factory.dossier(world.call, world.head_a)
    with pytest.raises(NotFound):  # drafts are the establishment's own business
        screening_svc.screen_dossier(world.call_admin, draft, "eligible")
    screening_svc.screen_dossier(world.call_admin, submitted, "eligible")
    with pytest.raises(Conflict, match="Seul un dossier déposé"):
        screening_svc.screen_dossier(
            world.call_admin, submitted, "ineligible", motivation="Trop tard"
        )
    assert submitted.status == DossierStatus.eligible and _count(Screening) == 1


def test_unknown_outcome_is_refused(world, submitted):
    with pytest.raises(ServiceError, match="recevable"):
        screening_svc.screen_dossier(world.call_admin, submitted, "peut-être")
    assert submitted.status == DossierStatus.submitted


def test_screening_through_the_dossier_page(client, world, submitted):
    from ..conftest import login

    login(client, world.call_admin)
    page = client.get(f"/dossiers/{submitted.id}").get_data(as_text=True)
    assert "Recevabilité" in page and "Liste de contrôle" in page
    url = f"/instruction/dossiers/{submitted.id}/recevabilite"
    refused = client.post(url, data={"outcome": "ineligible", "motivation": ""})
    assert refused.status_code == 400
    assert "Motivez l'irrecevabilité" in html.unescape(refused.get_data(as_text=True))
    assert submitted.status == DossierStatus.submitted
    no_token = client.post(url, data={"outcome": "eligible"}, csrf=False)
    assert no_token.status_code == 400 and submitted.status == DossierStatus.submitted
    done = client.post(
        url,
        data={
            "outcome": "ineligible",
            "check_axes_match": "y",
            "motivation": "Hors du champ de l'appel.",
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert submitted.status == DossierStatus.ineligible
    # The establishment reads the motivation on its dossier's page.
    login(client, world.head_a)
    page = html.unescape(client.get(f"/dossiers/{submitted.id}").get_data(as_text=True))
    assert "Motif : Hors du champ de l'appel." in page
    assert "Liste de contrôle" not in page
