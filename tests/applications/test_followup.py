"""The applications area's « À faire » and reminders: drafts to submit before the deadline,
completion requests, dossiers to screen; the deadline's J-7 and J-1, the completion's due date."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from applications import services
from applications.followup import deadline_occasion, due_reminders
from portal.auth.services import issue_api_token
from portal.db import db, utcnow
from portal.formatting import PARIS
from portal.jobs.reminders import run_reminders
from portal.models import OutboxMessage
from portal.todo import todo_list

from ..conftest import login
from ..helpers import count_queries


def _kinds(user, now=None):
    return [(i["kind"], i["count"]) for i in todo_list(user, now or utcnow())]


def test_the_head_is_told_of_drafts_with_the_time_and_today_on_the_last_day(client, world, factory):
    now = utcnow()
    last_day = dt.datetime.combine(now.astimezone(PARIS).date(), dt.time(23, 59), tzinfo=PARIS)
    call = factory.call(deadline=last_day.astimezone(dt.UTC), opens_at=now - dt.timedelta(days=5))
    draft = factory.dossier(call, world.head_a)
    items = todo_list(world.head_a, min(now, last_day - dt.timedelta(hours=3)))
    item = next(i for i in items if i["url"].endswith(f"/dossiers/{draft.id}"))
    assert item["kind"] == "draft_to_submit"
    assert "aujourd'hui à 23 h 59" in item["due_text"]
    login(client, world.head_a)
    page = client.get("/").get_data(as_text=True).replace("&#39;", "'")
    assert '<h2 id="a-faire">À faire</h2>' in page
    assert page.index("À faire") < page.index("Appels à projets ouverts")
    assert "Déposer le dossier « Projet d'essai »" in page
    # Another establishment's head sees nothing of it.
    assert all(draft.title not in i["label"] for i in todo_list(world.head_b, now))


def test_the_list_is_sorted_by_due_date(world, factory):
    later = factory.call(deadline=utcnow() + dt.timedelta(days=20))
    sooner = factory.call(deadline=utcnow() + dt.timedelta(days=2))
    factory.dossier(later, world.head_a)
    factory.dossier(sooner, world.head_a)
    dues = [i["due"] for i in todo_list(world.head_a, utcnow()) if i["due"]]
    assert dues == sorted(dues) and len(dues) >= 2
    assert "Date limite le" in todo_list(world.head_a, utcnow())[-1]["due_text"]


def test_a_completion_request_waits_for_the_establishment_and_the_call_office_screens(
    world, factory
):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    services.submit_dossier(world.head_a, dossier)
    assert ("dossiers_to_screen", 1) in _kinds(world.call_admin)
    due = utcnow() + dt.timedelta(days=5)
    services.request_completion(world.call_admin, dossier, "La pièce manque.", due_at=due)
    db.session.flush()
    item = next(i for i in todo_list(world.staff_a, utcnow()) if i["kind"] == "completion_request")
    assert item["due"] == due and dossier.reference in item["label"]
    assert ("dossiers_to_screen", 1) not in _kinds(world.call_admin)


def test_the_api_lists_the_same_items(client, world, factory):
    factory.dossier(world.call, world.head_a)
    token = issue_api_token(world.head_a)
    body = client.get("/api/v1/a-faire", headers={"Authorization": f"Bearer {token}"}).get_json()
    page_items = todo_list(world.head_a, utcnow())
    assert [i["label"] for i in body["items"]] == [i["label"] for i in page_items]
    first = body["items"][0]
    assert set(first) == {"kind", "label", "url", "due", "due_text", "late", "count"}
    assert first["due"].startswith(str(world.call.deadline_at.year)) and first["late"] is False
    assert client.get("/api/v1/a-faire").status_code == 401


def test_the_query_count_does_not_grow_with_the_dossiers(world, factory):
    def queries():
        db.session.flush()
        db.session.expire_all()
        with count_queries() as counted:
            todo_list(world.head_a, utcnow())
            todo_list(world.call_admin, utcnow())
        return counted.count

    factory.dossier(world.call, world.head_a)
    few = queries()
    for _ in range(6):
        call = factory.call()
        factory.dossier(call, world.head_a)
        submitted = factory.dossier(call, world.head_a, complete=True)
        services.submit_dossier(world.head_a, submitted)
    assert queries() == few


def test_the_deadline_occasions():
    deadline = utcnow()
    assert deadline_occasion(deadline, deadline - dt.timedelta(days=6)) == "J-7"
    assert deadline_occasion(deadline, deadline - dt.timedelta(hours=20)) == "J-1"


def test_deadline_reminders_go_at_j7_and_j1_once_each_to_the_draft_s_establishment(world, factory):
    deadline = utcnow() + dt.timedelta(days=10)
    call = factory.call(deadline=deadline)
    draft = factory.dossier(call, world.head_a)
    assert run_reminders(deadline - dt.timedelta(days=10)) == 0  # too early
    assert run_reminders(deadline - dt.timedelta(days=6)) == 2  # head and staff of Lycée A
    assert run_reminders(deadline - dt.timedelta(days=5)) == 0  # J-7 already sent
    assert run_reminders(deadline - dt.timedelta(hours=12)) == 2  # J-1
    assert run_reminders(deadline - dt.timedelta(hours=2)) == 0
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.like("Rappel : dossier à déposer%"))
    ).all()
    assert sorted(m.recipient for m in mails) == sorted(
        [world.head_a.email, world.staff_a.email] * 2
    )
    assert draft.title in mails[0].body and world.head_b.email not in {m.recipient for m in mails}


def test_a_submitted_dossier_gets_no_deadline_reminder(world, factory):
    deadline = utcnow() + dt.timedelta(days=3)
    call = factory.call(deadline=deadline)
    dossier = factory.dossier(call, world.head_a, complete=True)
    services.submit_dossier(world.head_a, dossier)
    assert [r for r in due_reminders(now=utcnow()) if r["kind"] == "call_deadline"] == []


def test_a_completion_request_is_recalled_the_day_before_it_is_due(world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    services.submit_dossier(world.head_a, dossier)
    due = utcnow() + dt.timedelta(days=3)
    services.request_completion(world.call_admin, dossier, "La pièce manque.", due_at=due)
    db.session.flush()
    assert run_reminders(due - dt.timedelta(days=2)) == 0
    assert run_reminders(due - dt.timedelta(hours=10)) == 2
    assert run_reminders(due - dt.timedelta(hours=5)) == 0
    subjects = db.session.scalars(
        select(OutboxMessage.subject).where(OutboxMessage.subject.like("Rappel : compléments%"))
    ).all()
    assert subjects == [f"Rappel : compléments du dossier {dossier.reference} attendus"] * 2
