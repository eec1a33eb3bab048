"""A call's later states: « Décidé » once its results are published, then « En suivi », « Archivé »
by the call administrator from the call's page, each move audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.calls import lifecycle
from portal.db import db, utcnow
from portal.errors import Conflict, PermissionDenied
from portal.models import AuditEvent, CallStatus

from ..conftest import login


def _closed_call(factory):
    return factory.call(
        opens_at=utcnow() - dt.timedelta(days=60), deadline=utcnow() - dt.timedelta(days=1)
    )


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_published_results_decide_a_closed_call_once(world, factory):
    call = _closed_call(factory)
    assert lifecycle.mark_decided(world.call_admin, call) is True
    assert call.status == CallStatus.decided
    [event] = _events("call_decided")
    assert event.changes == {"status": ["open", "decided"]} and event.object_id == call.id
    # A later publication (new decisions) leaves the decided call as it is.
    assert lifecycle.mark_decided(world.call_admin, call) is False
    assert call.status == CallStatus.decided and len(_events("call_decided")) == 1


def test_a_call_still_open_to_submissions_is_not_decided(world, factory):
    call = factory.call()
    assert lifecycle.mark_decided(world.call_admin, call) is False
    assert call.status == CallStatus.open and not _events("call_decided")


def test_only_a_decided_call_goes_into_follow_up_and_only_then_to_the_archives(world, factory):
    call = factory.call()
    with pytest.raises(
        Conflict, match="Seul un appel décidé peut passer en suivi ; celui-ci est « Ouvert »"
    ):
        lifecycle.move_call(world.call_admin, call, "follow_up")
    with pytest.raises(Conflict, match="Seul un appel en suivi peut être archivé"):
        lifecycle.move_call(world.call_admin, call, "archive")
    call.status = CallStatus.decided
    with pytest.raises(PermissionDenied):
        lifecycle.move_call(world.head_a, call, "follow_up")
    lifecycle.move_call(world.call_admin, call, "follow_up")
    assert call.status == CallStatus.follow_up
    lifecycle.move_call(world.call_admin, call, "archive")
    assert call.status == CallStatus.archived
    assert [e.changes for e in _events("call_followed_up")] == [
        {"status": ["decided", "follow_up"]}
    ]
    assert [e.changes for e in _events("call_archived")] == [{"status": ["follow_up", "archived"]}]


def test_the_call_admin_moves_a_decided_call_from_its_page(client, world, factory):
    call = _closed_call(factory)
    call.status = CallStatus.decided
    db.session.commit()
    login(client, world.call_admin)
    page = client.get(f"/appels/{call.id}").get_data(as_text=True)
    assert "Passer l'appel en suivi" in page.replace("&#39;", "'")
    response = client.post(f"/appels/{call.id}/suivi")
    assert response.status_code == 302
    db.session.refresh(call)
    assert call.status == CallStatus.follow_up
    [event] = _events("call_followed_up")
    assert event.actor_id == world.call_admin.id
    page = client.get(f"/appels/{call.id}").get_data(as_text=True)
    assert "Archiver l'appel" in page.replace("&#39;", "'")
    # A second « suivi » is refused with the reason, and changes nothing.
    response = client.post(f"/appels/{call.id}/suivi", follow_redirects=True)
    assert "Seul un appel décidé peut passer en suivi" in response.get_data(as_text=True)
    assert len(_events("call_followed_up")) == 1
    response = client.post(f"/appels/{call.id}/archiver")
    assert response.status_code == 302
    db.session.refresh(call)
    assert call.status == CallStatus.archived


def test_an_applicant_may_not_move_a_call(client, world, factory):
    call = _closed_call(factory)
    call.status = CallStatus.decided
    db.session.commit()
    login(client, world.head_a)
    assert "Passer l'appel en suivi" not in client.get(f"/appels/{call.id}").get_data(as_text=True)
    assert client.post(f"/appels/{call.id}/suivi").status_code == 403
    db.session.refresh(call)
    assert call.status == CallStatus.decided
