"""The review area's notifications to staff (portal.notifications.notify, with each person's
preferences): a proposal to the call's co-pilots, a phase opened to the call's reviewers."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from portal.db import db
from portal.models import Call, User
from portal.notifications import notify
from portal.permissions import Permission, can

from ..models import CommissionMember, Decision, ReviewPhase


def _base() -> str:
    return current_app.config.get("PUBLIC_URL", "").rstrip("/")


def _members(call_id: int, copilots_only: bool) -> list[User]:
    query = (
        select(User)
        .join(CommissionMember, CommissionMember.user_id == User.id)
        .where(CommissionMember.call_id == call_id, User.active.is_(True))
    )
    if copilots_only:
        query = query.where(CommissionMember.is_copilot.is_(True))
    return list(db.session.scalars(query))


def proposal_recorded(user: User, decision: Decision) -> int:
    """Tell the call's co-pilots (not the author, never a conflicted one) that a proposal waits
    for their validation."""
    dossier = decision.dossier
    recipients = [
        p
        for p in _members(dossier.call_id, copilots_only=True)
        if p.id != user.id and can(p, Permission.VIEW_DOSSIER, dossier)
    ]
    return notify(
        recipients,
        "proposal",
        f"Proposition à valider : {dossier.reference}",
        f"Bonjour,\n\nLa commission a proposé « {decision.outcome.label} » pour le dossier "
        f"{dossier.reference} (« {dossier.title} »). Elle attend votre validation : "
        f"{_base()}/instruction/appels/{dossier.call_id}/decisions",
    )


def phase_opened(call: Call, phase: ReviewPhase) -> int:
    """Tell the call's commission members that a phase opened (and when it ends)."""
    from portal.formatting import format_due

    ends = f" Elle se termine le {format_due(phase.ends_at)}." if phase.ends_at else ""
    return notify(
        _members(call.id, copilots_only=False),
        "review_phase",
        f"Phase « {phase.kind.label} » ouverte : {call.title}",
        f"Bonjour,\n\nLa commission de l'appel « {call.title} » est passée en phase "
        f"« {phase.kind.label} ».{ends}\n\nVos dossiers : {_base()}/instruction/mes-dossiers",
    )
