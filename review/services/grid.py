"""The scoring grid of a call: criteria scored on a scale with a weight, or yes/no flags.

The grid is locked as soon as one review of the call has been handed in.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func, select

from portal import audit
from portal.db import db
from portal.errors import Conflict, NotFound, ServiceError
from portal.models import Call, User
from portal.permissions import Permission, require

from ..models import Criterion, Score
from .commission import has_submitted_reviews, settings_or_refuse
from .settings import parse_int


def _grid_unlocked(call: Call) -> None:
    if has_submitted_reviews(call):
        raise Conflict(
            "Une évaluation a déjà été rendue pour cet appel : la grille ne peut plus "
            "être modifiée."
        )


def _clean_criterion(data: dict) -> dict:
    errors: dict = {}
    label = str(data.get("label") or "").strip()
    if not label:
        errors["label"] = "Indiquez l'intitulé du critère."
    elif len(label) > 200:
        errors["label"] = "L'intitulé fait au plus 200 caractères."
    guidance = str(data.get("guidance") or "").strip()
    if len(guidance) > 2000:
        errors["guidance"] = "Les consignes font au plus 2 000 caractères."
    scoring = bool(data.get("scoring"))
    required = bool(data.get("required"))
    if scoring:
        low = parse_int(
            data.get("scale_min"),
            "scale_min",
            "Indiquez la note minimale (un nombre entier, par exemple 0).",
            errors,
        )
        high = parse_int(
            data.get("scale_max"),
            "scale_max",
            "Indiquez la note maximale (un nombre entier, par exemple 5).",
            errors,
        )
        if low is not None and high is not None:
            if high <= low:
                errors["scale_max"] = "La note maximale doit être supérieure à la note minimale."
            elif low < 0 or high > 100:
                errors["scale_max"] = "L'échelle va de 0 à 100 au plus."
        text = str(data.get("weight") or "").strip().replace(",", ".")
        try:
            weight = Decimal(text)
        except InvalidOperation:
            weight = None
            errors["weight"] = "Indiquez le coefficient, par exemple 1 ou 1,5."
        if weight is not None:
            if not weight.is_finite() or weight <= 0:
                errors["weight"] = "Le coefficient doit être supérieur à zéro."
            elif weight > 100 or weight != weight.quantize(Decimal("0.01")):
                errors["weight"] = "Le coefficient va jusqu'à 100, avec deux décimales au plus."
    else:  # a yes/no flag: shown, never summed
        low, high, weight = 0, 1, Decimal("1")
    if errors:
        raise ServiceError(next(iter(errors.values())), errors=errors)
    return {
        "label": label,
        "guidance": guidance,
        "scoring": scoring,
        "required": required,
        "scale_min": low,
        "scale_max": high,
        "weight": weight.quantize(Decimal("0.01")),
    }


def _criterion_values(c: Criterion) -> dict:
    return {
        k: getattr(c, k)
        for k in ("label", "guidance", "scoring", "required", "scale_min", "scale_max", "weight")
    }


def get_criterion(call: Call, criterion_id: int) -> Criterion:
    row = db.session.get(Criterion, criterion_id)
    if row is None or row.call_id != call.id:
        raise NotFound("Ce critère n'existe pas.")
    return row


def add_criterion(user: User, call: Call, data: dict) -> Criterion:
    """Add a line to the grid (refused once a review of the call is in)."""
    require(user, Permission.MANAGE_COMMISSION, call)
    settings_or_refuse(call)
    _grid_unlocked(call)
    values = _clean_criterion(data)
    position = (
        db.session.scalar(select(func.max(Criterion.position)).where(Criterion.call_id == call.id))
        or 0
    ) + 1
    row = Criterion(call_id=call.id, position=position, **values)
    db.session.add(row)
    db.session.flush()
    audit.record(user, "criterion_added", row, audit.diff({}, values))
    return row


def update_criterion(user: User, criterion: Criterion, data: dict) -> Criterion:
    call = db.session.get(Call, criterion.call_id)
    require(user, Permission.MANAGE_COMMISSION, call)
    _grid_unlocked(call)
    values = _clean_criterion(data)
    changes = audit.diff(_criterion_values(criterion), values)
    for key, value in values.items():
        setattr(criterion, key, value)
    db.session.flush()
    audit.record(user, "criterion_changed", criterion, changes)
    return criterion


def delete_criterion(user: User, criterion: Criterion) -> None:
    """Remove a line of the grid; scores drafted against it go with it."""
    call = db.session.get(Call, criterion.call_id)
    require(user, Permission.MANAGE_COMMISSION, call)
    _grid_unlocked(call)
    db.session.execute(delete(Score).where(Score.criterion_id == criterion.id))
    values = _criterion_values(criterion)
    audit.record(user, "criterion_removed", criterion, audit.diff(values, {}))
    db.session.delete(criterion)
    db.session.flush()
