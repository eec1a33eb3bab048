"""Call rules at the service level (what the API will call too)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.calls import lifecycle, services, workflow
from portal.db import db, utcnow
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.models import AuditEvent, Call, CallStatus


def _data(**overrides) -> dict:
    data = {
        "title": "Appel",
        "school_year": "2014-2015",
        "themes": "",
        "fields": ["prevention"],
        "eligible_kinds": ["college"],
        "opens_at": dt.datetime(2014, 9, 1, 8, 0),
        "deadline_at": dt.datetime(2014, 12, 12, 23, 59),
        "max_amount": "15000",
        "advance_rate": "50",
        "attachment_kinds": [
            {"label": "Budget", "required": True},
            {"label": "", "required": True},  # blank row: ignored
            {"label": "Annexe", "required": False},
        ],
    }
    data.update(overrides)
    return data


def test_naive_times_are_paris_wall_clock_in_winter_and_summer(world):
    call = services.create_call(
        world.call_admin,
        _data(
            opens_at=dt.datetime(2014, 6, 2, 8, 0), deadline_at=dt.datetime(2014, 12, 12, 23, 59)
        ),
    )
    assert call.opens_at == dt.datetime(2014, 6, 2, 6, 0, tzinfo=dt.UTC)  # UTC+2
    assert call.deadline_at == dt.datetime(2014, 12, 12, 22, 59, tzinfo=dt.UTC)  # UTC+1
    assert [k.label for k in call.attachment_kinds] == ["Budget", "Annexe"]
    assert call.required_attachment_kinds[0].label == "Budget"
    assert [a.label for a in call.axes][0].startswith("Mettre en œuvre")  # default axes


def test_every_problem_is_reported_at_once_and_nothing_is_created(world):
    before = db.session.scalar(select(func.count()).select_from(Call))
    with pytest.raises(ServiceError) as caught:
        services.create_call(
            world.call_admin,
            _data(
                title="",
                school_year="2015",
                max_amount="0",
                advance_rate="100,5",
                deadline_at=dt.datetime(2014, 8, 1),
                axes=["a", "b", "", "d"],
                attachment_kinds=[{"label": "Budget"}, {"label": "budget"}],
            ),
        )
    assert set(caught.value.errors) == {
        "title",
        "school_year",
        "max_amount",
        "advance_rate",
        "deadline_at",
        "axes-2",
        "attachment_kinds-1-label",
    }
    assert db.session.scalar(select(func.count()).select_from(Call)) == before


def test_only_call_managers_create(world):
    with pytest.raises(PermissionDenied):
        services.create_call(world.head_a, _data())
    with pytest.raises(PermissionDenied):
        services.create_call(world.reviewer, _data())


def test_open_call_refuses_changes_to_what_dossiers_refer_to(world):
    call = world.call
    with pytest.raises(ServiceError) as caught:
        services.update_call(
            world.call_admin,
            call,
            {
                "axes": ["Un", "Deux", "Trois", "Quatre"],
                "eligible_kinds": ["college"],
                "attachment_kinds": [],
            },
            expected_version=call.version,
        )
    assert set(caught.value.errors) == {"axes", "eligible_kinds", "attachment_kinds"}
    # Sending them unchanged is fine.
    services.update_call(
        world.call_admin,
        call,
        {"axes": [a.label for a in call.axes], "title": "Titre revu"},
        expected_version=call.version,
    )
    assert call.title == "Titre revu"


def test_open_call_deadline_cannot_move_into_the_past(world):
    with pytest.raises(ServiceError) as caught:
        services.update_call(
            world.call_admin, world.call, {"deadline_at": utcnow() - dt.timedelta(minutes=5)}
        )
    assert "dans le futur" in caught.value.errors["deadline_at"]


def test_stale_version_is_a_conflict(world, factory):
    call = factory.call(status=CallStatus.draft)
    with pytest.raises(Conflict, match="modifié entre-temps"):
        services.update_call(
            world.call_admin, call, {"title": "x"}, expected_version=call.version + 1
        )
    assert call.title != "x"


def test_workflow_opens_by_hand_then_decides_follows_up_and_archives(world, factory):
    assert {
        (CallStatus.draft, "open"): CallStatus.open,
        (CallStatus.open, "decide"): CallStatus.decided,
        (CallStatus.decided, "follow_up"): CallStatus.follow_up,
        (CallStatus.follow_up, "archive"): CallStatus.archived,
    } == workflow.TRANSITIONS
    call = factory.call(status=CallStatus.draft)
    lifecycle.open_call(world.call_admin, call)
    assert call.status == CallStatus.open
    with pytest.raises(Conflict, match="« Ouvert »"):
        lifecycle.open_call(world.call_admin, call)
    late = factory.call(
        status=CallStatus.open,
        opens_at=utcnow() - dt.timedelta(days=9),
        deadline=utcnow() - dt.timedelta(days=1),
    )
    with pytest.raises(Conflict, match="« Clos »"):
        lifecycle.open_call(world.call_admin, late)


def test_drafts_are_hidden_from_people_who_do_not_manage_calls(world, factory):
    draft = factory.call(status=CallStatus.draft)
    with pytest.raises(NotFound):
        services.get_call(world.head_a, draft.id)
    with pytest.raises(NotFound):
        lifecycle.open_call(world.observer, draft)
    assert services.get_call(world.call_admin, draft.id) is draft
    assert draft not in services.visible_calls(world.head_a)
    assert world.call in services.visible_calls(world.head_a)
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "call_opened")
        )
        == 0
    )


def test_changing_only_an_axis_still_bumps_the_version(world, factory):
    call = factory.call(status=CallStatus.draft)
    version = call.version
    labels = [a.label for a in call.axes]
    labels[3] = "Quatrième axe reformulé"
    services.update_call(world.call_admin, call, {"axes": labels}, expected_version=version)
    db.session.flush()
    assert call.version == version + 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "call_updated")).one()
    assert event.changes == {"axes": [["Axe 1", "Axe 2", "Axe 3", "Axe 4"], labels]}
