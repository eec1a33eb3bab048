"""The review area's follow-up: phase end dates set by the call office, the reviewers' and
co-pilots' « À faire », the phase-end reminder, and the mails to reviewers and co-pilots."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from applications import services as dossiers
from portal.db import db, utcnow
from portal.formatting import PARIS
from portal.jobs.models import NotificationMode
from portal.jobs.preferences import save_preferences
from portal.jobs.reminders import run_reminders
from portal.models import AuditEvent, OutboxMessage
from portal.todo import todo_list
from review.models import PhaseKind
from review.services import commission as commission_svc
from review.services import decisions, phases

from ..conftest import login
from .helpers import build_commission, setup_matrix_objects


def _setup(world, factory):
    world.submitted = factory.dossier(world.call, world.head_a, complete=True)
    dossiers.submit_dossier(world.head_a, world.submitted)
    return setup_matrix_objects(world)


def _url(world):
    return f"/instruction/appels/{world.call.id}/commission/phases/fins"


def _ends(world):
    return {p.kind: p.ends_at for p in commission_svc.phases(world.call)}


def _mails(subject_start):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.like(f"{subject_start}%"))
    ).all()


def test_the_call_office_sets_the_phases_end_dates_in_paris_time(client, world, factory):
    _setup(world, factory)
    login(client, world.call_admin)
    page = client.get(f"/instruction/appels/{world.call.id}/commission").get_data(as_text=True)
    assert 'type="datetime-local"' in page and "Dates de fin" in page
    response = client.post(
        _url(world),
        data={"ends_independent_scoring": "2030-01-15T18:00", "ends_deliberation": ""},
    )
    assert response.status_code == 302
    ends = _ends(world)
    expected = dt.datetime(2030, 1, 15, 18, 0, tzinfo=PARIS).astimezone(dt.UTC)
    assert ends[PhaseKind.independent_scoring] == expected
    assert ends[PhaseKind.deliberation] is None
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "commission_phase_ends_set"
            )
        )
        == 1
    )
    page = client.get(f"/instruction/appels/{world.call.id}/commission").get_data(as_text=True)
    assert 'value="2030-01-15T18:00"' in page


def test_a_wrong_date_or_order_is_refused_in_french_and_changes_nothing(client, world, factory):
    _setup(world, factory)
    login(client, world.call_admin)
    response = client.post(_url(world), data={"ends_independent_scoring": "demain"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (
        "Indiquez une date et une heure" in page and 'id="ends_independent_scoring-error"' in page
    )
    response = client.post(
        _url(world),
        data={
            "ends_independent_scoring": "2030-01-15T18:00",
            "ends_deliberation": "2030-01-10T18:00",
        },
    )
    assert response.status_code == 400
    assert "doit se terminer après la phase" in response.get_data(as_text=True)
    assert set(_ends(world).values()) == {None}
    login(client, world.reviewer)
    response = client.post(_url(world), data={"ends_independent_scoring": "2030-01-15T18:00"})
    assert response.status_code in (403, 404)
    assert set(_ends(world).values()) == {None}


def test_the_reviewer_s_to_do_shows_the_phase_end_and_is_recalled_two_days_before(world, factory):
    s = _setup(world, factory)
    ends = utcnow() + dt.timedelta(days=5)
    phases.set_phase_ends(world.call_admin, world.call, {"independent_scoring": ends})
    db.session.flush()
    item = next(i for i in todo_list(world.reviewer, utcnow()) if i["kind"] == "reviews_to_do")
    assert item["due"] == ends and item["count"] == 1
    assert item["url"].endswith(f"/instruction/evaluations/{s.review.id}")
    assert run_reminders(ends - dt.timedelta(days=3)) == 0
    assert run_reminders(ends - dt.timedelta(days=1)) == 1
    assert run_reminders(ends - dt.timedelta(hours=2)) == 0
    (mail,) = _mails("Rappel : évaluations attendues")
    assert mail.recipient == world.reviewer.email


def test_opening_a_phase_tells_the_commission_as_each_chose(world, factory):
    _setup(world, factory)
    save_preferences(world.copilot, {"review_phase": NotificationMode.never})
    phases.advance_phase(world.call_admin, world.call, "deliberation")
    recipients = {m.recipient for m in _mails("Phase « Délibération » ouverte")}
    assert recipients == {world.reviewer.email}


def test_a_proposal_is_sent_to_the_co_pilots_and_waits_in_their_to_do(world, factory):
    c = build_commission(world, factory, count=2)
    decisions.record_proposal(world.call_admin, c.session, c.dossiers[0], "accept", "1000", "0")
    decisions.record_proposal(world.call_admin, c.session, c.dossiers[1], "adjourn")
    mails = _mails("Proposition à valider")
    assert sorted(m.recipient for m in mails) == sorted(
        [c.copilot_state.email, c.copilot_region.email]
    )
    assert c.dossiers[0].reference in mails[0].subject
    item = next(
        i for i in todo_list(c.copilot_region, utcnow()) if i["kind"] == "proposals_to_validate"
    )
    assert item["count"] == 1
    assert item["url"].endswith(f"/instruction/appels/{world.call.id}/decisions")


def _todo_queries(*people) -> int:
    from ..helpers import count_queries

    db.session.flush()
    db.session.expire_all()
    with count_queries() as counted:
        for person in people:
            todo_list(person, utcnow())
    return counted.count


def test_the_reviewer_s_to_do_costs_the_same_queries_whatever_the_dossiers(world, factory):
    from review.services import assignment, screening

    _setup(world, factory)
    phases.set_phase_ends(
        world.call_admin, world.call, {"independent_scoring": utcnow() + dt.timedelta(days=5)}
    )
    few = _todo_queries(world.reviewer)
    for _ in range(5):
        dossier = factory.dossier(world.call, world.head_a, complete=True)
        dossiers.submit_dossier(world.head_a, dossier)
        screening.screen_dossier(world.call_admin, dossier, "eligible")
        assignment.assign_reviewer(world.call_admin, world.call, dossier.id, world.reviewer.id)
    assert _todo_queries(world.reviewer) == few
    item = next(i for i in todo_list(world.reviewer, utcnow()) if i["kind"] == "reviews_to_do")
    assert item["count"] == 6


def test_the_co_pilots_to_do_costs_the_same_queries_whatever_the_proposals(world, factory):
    c = build_commission(world, factory, count=6)
    decisions.record_proposal(world.call_admin, c.session, c.dossiers[0], "accept", "1000", "0")
    few = _todo_queries(c.copilot_region, c.copilot_state)
    for dossier in c.dossiers[1:]:
        decisions.record_proposal(world.call_admin, c.session, dossier, "accept", "1000", "0")
    assert _todo_queries(c.copilot_region, c.copilot_state) == few
    item = next(
        i for i in todo_list(c.copilot_region, utcnow()) if i["kind"] == "proposals_to_validate"
    )
    assert item["count"] == 6
