"""The commission's phases: independent scoring → deliberation → decision, one step at a time."""

from __future__ import annotations

import datetime as dt

from portal import audit
from portal.db import db
from portal.errors import Conflict, ServiceError
from portal.formatting import paris_to_utc
from portal.models import Call, User
from portal.permissions import Permission, require

from ..models import PhaseKind, ReviewPhase
from .commission import phases, settings_or_refuse
from .notices import phase_opened


def advance_phase(user: User, call: Call, target: str) -> ReviewPhase:
    """Move the call to the next phase (independent scoring → deliberation → decision).

    Only one step forward at a time: going back, staying, or skipping a phase is refused, so a
    double click or a stale page cannot move the commission twice.
    """
    require(user, Permission.MANAGE_COMMISSION, call)
    settings = settings_or_refuse(call)
    try:
        kind = PhaseKind(target)
    except ValueError:
        raise ServiceError("Choisissez la phase suivante.", field="target") from None
    rows = {p.kind: p for p in phases(call)}
    current = db.session.get(ReviewPhase, settings.current_phase_id)
    wanted = rows[kind]
    if wanted.position == current.position:
        raise Conflict(f"La commission est déjà en phase « {kind.label} ».")
    if wanted.position < current.position:
        raise Conflict(
            f"On ne revient pas en arrière : la commission est en phase « {current.kind.label} »."
        )
    if wanted.position > current.position + 1:
        following = next(p for p in rows.values() if p.position == current.position + 1)
        raise Conflict(f"Passez d'abord par la phase « {following.kind.label} ».")
    settings.current_phase_id = wanted.id
    db.session.flush()
    audit.record(
        user, "commission_phase_changed", call, {"phase": [current.kind.value, wanted.kind.value]}
    )
    phase_opened(call, wanted)
    return wanted


def _ends_at(raw, field: str) -> dt.datetime | None:
    """A phase end typed as Paris wall-clock time ("2014-12-12T18:00"); empty: no end date."""
    text = (raw or "").strip() if isinstance(raw, str) else raw
    if not text:
        return None
    if isinstance(text, dt.datetime):
        return text if text.tzinfo else paris_to_utc(text)
    try:
        return paris_to_utc(dt.datetime.fromisoformat(text))
    except ValueError:
        raise ServiceError(
            "Indiquez une date et une heure (par exemple 12/12/2014 18:00).", field=field
        ) from None


def set_phase_ends(user: User, call: Call, values: dict) -> list[ReviewPhase]:
    """The call office sets when each phase ends (reviewers see it, and are reminded two days
    before); each phase ends after the one before it. `values`: {phase kind: text or None}."""
    require(user, Permission.MANAGE_COMMISSION, call)
    settings_or_refuse(call)
    rows = phases(call)
    errors: dict[str, str] = {}
    ends: dict[int, dt.datetime | None] = {}
    for phase in rows:
        field = f"ends_{phase.kind.value}"
        try:
            ends[phase.id] = _ends_at(values.get(phase.kind.value), field)
        except ServiceError as exc:
            errors[field] = exc.message
    previous = None
    for phase in rows:
        field = f"ends_{phase.kind.value}"
        end = ends.get(phase.id)
        if end is None or field in errors:
            continue
        if previous is not None and end <= previous[1]:
            errors[field] = (
                f"La phase « {phase.kind.label} » doit se terminer après la phase "
                f"« {previous[0].kind.label} »."
            )
        previous = (phase, end)
    if errors:
        first = next(iter(errors))
        raise ServiceError(errors[first], field=first, errors=errors)
    changes = {}
    for phase in rows:
        if phase.ends_at != ends[phase.id]:
            changes[phase.kind.value] = [
                phase.ends_at.isoformat() if phase.ends_at else None,
                ends[phase.id].isoformat() if ends[phase.id] else None,
            ]
            phase.ends_at = ends[phase.id]
    db.session.flush()
    if changes:
        audit.record(user, "commission_phase_ends_set", call, changes)
    return rows
