"""The commission's phases: independent scoring → deliberation → decision, one step at a time."""

from __future__ import annotations

from portal import audit
from portal.db import db
from portal.errors import Conflict, ServiceError
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
