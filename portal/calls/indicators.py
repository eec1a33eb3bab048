"""A call's common indicators (portal.reference.CallIndicator): the call office defines them
while the call is in preparation or open; each dossier picks some with a baseline and a target.
One no dossier uses may be removed (the areas answer `portal.signals.reference_in_use`).
Flushes, never commits."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import audit
from portal.db import db
from portal.errors import Conflict, ServiceError
from portal.inputs import length_problem
from portal.models import Call, CallStatus, User
from portal.permissions import Permission, require
from portal.reference import DIRECTIONS, CallIndicator
from portal.signals import answers, reference_in_use

EDITABLE = (CallStatus.draft, CallStatus.open)
LIMITS = {"label": 200, "unit": 40, "measurement": 2000}


def indicators_of(call: Call) -> list[CallIndicator]:
    return list(
        db.session.scalars(
            select(CallIndicator)
            .where(CallIndicator.call_id == call.id)
            .order_by(CallIndicator.position, CallIndicator.id)
        )
    )


def in_use(indicator: CallIndicator) -> int:
    return sum(int(n) for n in answers(reference_in_use, indicator))


def _require_editable(user: User, call: Call) -> None:
    require(user, Permission.MANAGE_CALLS, call)
    if call.status not in EDITABLE:
        raise Conflict(
            f"L'appel est « {call.status.label} » : ses indicateurs communs ne peuvent plus "
            "être modifiés."
        )


def _values(data: dict) -> dict:
    errors: dict[str, str] = {}
    values = {k: str(data.get(k) or "").strip() for k in LIMITS}
    for key, limit in LIMITS.items():
        problem = length_problem(values[key], limit)
        if problem:
            errors[key] = problem
    if not values["label"] and "label" not in errors:
        errors["label"] = "Nommez l'indicateur."
    direction = data.get("direction") or ""
    if direction not in DIRECTIONS:
        errors["direction"] = "Choisissez le sens de l'indicateur."
    values["direction"] = direction
    if errors:
        raise ServiceError(
            "L'indicateur n'a pas été enregistré : corrigez les champs signalés.", errors=errors
        )
    return values


def _check_unique(call: Call, label: str, indicator: CallIndicator | None) -> None:
    same = db.session.scalar(
        select(CallIndicator).where(
            CallIndicator.call_id == call.id, func.lower(CallIndicator.label) == label.lower()
        )
    )
    if same is not None and same is not indicator:
        raise ServiceError(
            "L'indicateur n'a pas été enregistré : corrigez les champs signalés.",
            errors={"label": f"L'appel a déjà un indicateur « {label} »."},
        )


def add_indicator(user: User, call: Call, data: dict) -> CallIndicator:
    _require_editable(user, call)
    values = _values(data)
    _check_unique(call, values["label"], None)
    position = (
        db.session.scalar(
            select(func.max(CallIndicator.position)).where(CallIndicator.call_id == call.id)
        )
        or 0
    ) + 1
    indicator = CallIndicator(call_id=call.id, position=position, **values)
    db.session.add(indicator)
    db.session.flush()
    audit.record(user, "call_indicator_created", indicator, {"call_id": call.id, **values})
    return indicator


def update_indicator(user: User, indicator: CallIndicator, data: dict) -> CallIndicator:
    call = db.session.get(Call, indicator.call_id)
    _require_editable(user, call)
    values = _values(data)
    _check_unique(call, values["label"], indicator)
    before = {k: getattr(indicator, k) for k in values}
    for key, value in values.items():
        setattr(indicator, key, value)
    diff = audit.diff(before, values)
    if diff:
        audit.record(user, "call_indicator_updated", indicator, diff)
    db.session.flush()
    return indicator


def remove_indicator(user: User, indicator: CallIndicator) -> None:
    call = db.session.get(Call, indicator.call_id)
    _require_editable(user, call)
    used = in_use(indicator)
    if used:
        raise Conflict(
            f"L'indicateur « {indicator.label} » est retenu par {used} "
            f"dossier{'s' if used > 1 else ''} : il ne peut plus être retiré de l'appel."
        )
    audit.record(user, "call_indicator_removed", indicator, {"label": indicator.label})
    db.session.delete(indicator)
    db.session.flush()
