"""A call's deadline after opening: extended for all (audited, drafts told), one establishment let
in late by derogation (audited; the others still refused), archived calls read-only everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from applications import services as dossiers
from applications.models import Dossier, DossierStatus
from portal.calls import deadlines, lifecycle
from portal.db import db, utcnow
from portal.errors import Conflict, PermissionDenied, ServiceError
from portal.formatting import format_due
from portal.models import AuditEvent, CallDerogation, CallStatus, OutboxMessage

from ..conftest import login
from .helpers import paris_day


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _mail(subject_part: str):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains(subject_part))
    ).all()


def _late_call(factory):
    return factory.call(
        opens_at=utcnow() - dt.timedelta(days=30), deadline=utcnow() + dt.timedelta(hours=1)
    )


def _past(call):
    call.deadline_at = utcnow() - dt.timedelta(minutes=5)
    db.session.flush()


# ---------------------------------------------------------------- extension


def test_extension_is_audited_and_told_to_the_establishments_with_a_draft(world, factory):
    factory.dossier(world.call, world.staff_a)
    old = world.call.deadline_at
    new = old + dt.timedelta(days=7)
    deadlines.extend_deadline(world.call_admin, world.call, new, "Panne du portail le 10.")
    assert world.call.deadline_at == new
    [event] = _events("call_deadline_extended")
    assert event.changes == {
        "deadline_at": [old.isoformat(), new.isoformat()],
        "reason": "Panne du portail le 10.",
    }
    told = {m.recipient for m in _mail("Date limite prolongée")}
    # Lycée A has a draft: its head and staff are told; Lycée B has none.
    assert told == {world.head_a.email, world.staff_a.email}
    assert format_due(new) in _mail("Date limite prolongée")[0].body


@pytest.mark.parametrize(
    "delta,reason,field,message",
    [
        (dt.timedelta(days=3), "", "reason", "Indiquez le motif"),
        (-dt.timedelta(days=1), "Motif", "deadline_at", "postérieure à l'actuelle"),
        (None, "Motif", "deadline_at", "Indiquez la nouvelle date"),
        (dt.timedelta(days=3), "x" * 2001, "reason", "au plus 2000 caractères"),
    ],
)
def test_a_refused_extension_says_why_on_its_field_and_changes_nothing(
    world, delta, reason, field, message
):
    old = world.call.deadline_at
    with pytest.raises(ServiceError) as refused:
        deadlines.extend_deadline(
            world.call_admin, world.call, old + delta if delta else None, reason
        )
    assert message in refused.value.errors[field]
    assert world.call.deadline_at == old and not _events("call_deadline_extended")


def test_only_call_administrators_extend_and_only_open_calls(world, factory):
    later = world.call.deadline_at + dt.timedelta(days=2)
    with pytest.raises(PermissionDenied):
        deadlines.extend_deadline(world.head_a, world.call, later, "Motif")
    draft = factory.call(status=CallStatus.draft)
    with pytest.raises(Conflict, match="appel ouvert"):
        deadlines.extend_deadline(world.call_admin, draft, later, "Motif")


# ---------------------------------------------------------------- derogation


def test_a_derogation_lets_one_establishment_submit_late_and_no_other(world, factory):
    call = _late_call(factory)
    mine = factory.dossier(call, world.head_a, complete=True)
    dossiers.add_attachment(world.head_a, mine, "budget.pdf", _pdf(), kind_id=_required(call))
    theirs = factory.dossier(call, world.head_b, complete=True)
    dossiers.add_attachment(world.head_b, theirs, "budget.pdf", _pdf(), kind_id=_required(call))
    _past(call)
    until = utcnow() + dt.timedelta(days=2)
    deadlines.grant_derogation(world.call_admin, call, world.est_a.uai, until, "Inondation.")
    [event] = _events("call_derogation_granted")
    assert event.changes["uai"] == world.est_a.uai
    assert event.changes["reason"] == [None, "Inondation."]
    dossiers.submit_dossier(world.head_a, mine)
    assert mine.status == DossierStatus.submitted
    with pytest.raises(ServiceError, match="La date limite de dépôt est passée") as refused:
        dossiers.submit_dossier(world.head_b, theirs)
    assert "service gestionnaire" in refused.value.message
    assert theirs.status == DossierStatus.draft


@pytest.mark.parametrize(
    "uai,hours,reason,field",
    [
        ("", 24, "Motif", "uai"),
        ("9999999Z", 24, "Motif", "uai"),
        (None, -1, "Motif", "until"),
        (None, 24, " ", "reason"),
    ],
)
def test_a_refused_derogation_says_why_and_grants_nothing(
    world, factory, uai, hours, reason, field
):
    call = _late_call(factory)
    _past(call)
    with pytest.raises(ServiceError) as refused:
        deadlines.grant_derogation(
            world.call_admin,
            call,
            world.est_a.uai if uai is None else uai,
            utcnow() + dt.timedelta(hours=hours),
            reason,
        )
    assert field in refused.value.errors
    assert db.session.scalar(select(func.count(CallDerogation.id))) == 0


def test_a_derogation_ends_at_its_end(world, factory):
    call = _late_call(factory)
    _past(call)
    until = utcnow() + dt.timedelta(hours=2)
    deadlines.grant_derogation(world.call_admin, call, world.est_a.uai, until, "Motif")
    assert call.submission_end_for(world.est_a.id) == until
    assert call.submission_end_for(world.est_b.id) is None
    assert call.submission_end_for(world.est_a.id, until) is None


# ---------------------------------------------------------------- archives


def test_an_archived_call_refuses_every_write_with_a_409(world, factory):
    call = factory.call()
    dossier = factory.dossier(call, world.head_a)
    call.deadline_at = utcnow() - dt.timedelta(minutes=1)
    lifecycle.mark_decided(world.call_admin, call)
    lifecycle.move_call(world.call_admin, call, "follow_up")
    lifecycle.move_call(world.call_admin, call, "archive")
    db.session.commit()  # a rollback below goes back here
    # The call itself…
    call.title = "Autre titre"
    with pytest.raises(Conflict, match="archivé"):
        db.session.flush()
    db.session.rollback()
    # …and anything under it, whatever the area.
    dossier = db.session.get(Dossier, dossier.id)
    dossier.title = "Changé"
    with pytest.raises(Conflict, match="archivé"):
        db.session.flush()
    db.session.rollback()
    call = db.session.get(type(call), call.id)
    with pytest.raises(Conflict, match="archivé"):
        deadlines.extend_deadline(world.call_admin, call, utcnow() + dt.timedelta(days=3), "M")
    assert call.status == CallStatus.archived


def test_an_archived_call_is_still_listed_and_readable(client, world, factory):
    call = factory.call(
        opens_at=utcnow() - dt.timedelta(days=60), deadline=utcnow() - dt.timedelta(days=1)
    )
    lifecycle.mark_decided(world.call_admin, call)
    lifecycle.move_call(world.call_admin, call, "follow_up")
    lifecycle.move_call(world.call_admin, call, "archive")
    db.session.flush()
    login(client, world.call_admin)
    assert call.title in client.get("/appels/").get_data(as_text=True)
    page = client.get(f"/appels/{call.id}").get_data(as_text=True)
    assert "Appel archivé" in page
    response = client.post(
        f"/appels/{call.id}/date-limite",
        data={"day": paris_day(5), "time": "23:59", "reason": "Motif"},
    )
    assert response.status_code == 409
    assert "archivé" in response.get_data(as_text=True)


# ---------------------------------------------------------------- pages


def test_the_deadline_page_extends_and_grants(client, world, factory):
    factory.dossier(world.call, world.head_a)
    login(client, world.call_admin)
    page = client.get(f"/appels/{world.call.id}/date-limite").get_data(as_text=True)
    assert "Prolonger la date limite" in page and 'name="csrf_token"' in page
    response = client.post(
        f"/appels/{world.call.id}/date-limite",
        data={"day": paris_day(45), "time": "12:00", "reason": "Vacances décalées."},
    )
    assert response.status_code == 302
    assert f"{db.session.get(type(world.call), world.call.id).deadline_at:%H}" != ""
    assert _events("call_deadline_extended")
    response = client.post(
        f"/appels/{world.call.id}/derogations",
        data={"uai": world.est_b.uai, "day": paris_day(60), "time": "", "reason": "Sinistre."},
    )
    assert response.status_code == 302
    page = client.get(f"/appels/{world.call.id}/date-limite").get_data(as_text=True)
    assert "Sinistre." in page and world.est_b.name in page


def test_a_refused_form_is_a_400_with_the_error_on_its_field(client, world):
    login(client, world.call_admin)
    old = world.call.deadline_at
    response = client.post(
        f"/appels/{world.call.id}/date-limite",
        data={"day": "31/02/2027", "time": "12:00", "reason": "Motif"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="day-error"' in page and "Date invalide" in page
    response = client.post(
        f"/appels/{world.call.id}/date-limite",
        data={"day": paris_day(40), "time": "12:00", "reason": ""},
    )
    assert response.status_code == 400
    assert 'id="reason-error"' in response.get_data(as_text=True)
    response = client.post(
        f"/appels/{world.call.id}/derogations",
        data={"uai": "nope", "day": paris_day(40), "time": "12:00", "reason": "Motif"},
    )
    assert response.status_code == 400
    assert 'id="uai-error"' in response.get_data(as_text=True)
    assert db.session.get(type(world.call), world.call.id).deadline_at == old


def test_the_head_past_the_deadline_is_told_plainly_whom_to_contact(client, world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    _past(world.call)
    login(client, world.head_a)
    page = client.get(f"/dossiers/{dossier.id}/etape/recapitulatif").get_data(as_text=True)
    page = page.replace("&#39;", "'")
    assert "Le dossier ne peut plus être déposé" in page
    assert "service gestionnaire de l'appel à projets" in page
    assert "Corrigez les points suivants" not in page


def _pdf():
    from ..conftest import PDF_BYTES

    return PDF_BYTES


def _required(call):
    return call.required_attachment_kinds[0].id
