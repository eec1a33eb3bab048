"""A new draft started from one of the establishment's previous dossiers (year after year).

The project's content is copied (title, summary, axes, fields, public, partners, actions,
indicators, budget lines); the actions' dates are left empty and the budget is to update for the
new call; attachments are never copied. Flushes, never commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal import audit
from portal.db import db
from portal.errors import NotFound
from portal.models import Call, User

from ..models import Action, BudgetLine, Dossier, DossierTarget, Indicator, Partner
from ..policy import is_member
from .drafting import create_dossier


def previous_dossiers(user: User, call: Call) -> list[Dossier]:
    """The establishment's dossiers one may start from (any call, newest first)."""
    if user.establishment_id is None:
        return []
    return list(
        db.session.scalars(
            select(Dossier)
            .where(Dossier.establishment_id == user.establishment_id, Dossier.title != "")
            .order_by(Dossier.created_at.desc(), Dossier.id.desc())
        )
    )


def create_from_previous(
    user: User, call: Call, previous_id, now: dt.datetime | None = None
) -> Dossier:
    """A new draft for `call`, its content copied from the establishment's dossier `previous_id`
    (another establishment's dossier: 404, its existence is not told)."""
    previous = db.session.get(Dossier, int(previous_id)) if str(previous_id).isdigit() else None
    if previous is None or not is_member(user, previous):
        raise NotFound("Ce dossier n'existe pas ou n'appartient pas à votre établissement.")
    dossier = create_dossier(user, call, title=previous.title, now=now)
    numbers = {a.number for a in call.axes}
    dossier.summary = previous.summary
    dossier.main_axis = previous.main_axis if previous.main_axis in numbers else None
    dossier.other_axes = [n for n in previous.other_axes or [] if n in numbers]
    dossier.fields = [f for f in previous.fields or [] if f in (call.fields or [])]
    dossier.target_count = previous.target_count
    dossier.target_ages = previous.target_ages
    dossier.target_levels = previous.target_levels
    dossier.target_profile = previous.target_profile
    dossier.partners = [
        Partner(name=p.name, kind=p.kind, role=p.role, position=p.position)
        for p in previous.partners
    ]
    dossier.actions = [
        Action(title=a.title, description=a.description, position=a.position)
        for a in previous.actions
    ]
    # A common indicator belongs to the previous call: the new dossier keeps it as its own.
    dossier.indicators = [
        Indicator(
            name=i.name,
            baseline=i.baseline,
            target=i.target,
            unit=i.unit,
            direction=i.direction,
            baseline_value=i.baseline_value,
            target_value=i.target_value,
            position=i.position,
        )
        for i in previous.indicators
    ]
    dossier.targets = [
        DossierTarget(category=t.category, age_band=t.age_band, count=t.count)
        for t in previous.targets
    ]
    dossier.themes = [t for t in previous.themes if t.active]
    dossier.budget_lines = [
        BudgetLine(
            kind=b.kind, category=b.category, label=b.label, amount=b.amount, position=b.position
        )
        for b in previous.budget_lines
    ]
    db.session.flush()
    audit.record(
        user,
        "dossier_copied",
        dossier,
        {"from_dossier_id": previous.id, "call_id": call.id},
    )
    return dossier
