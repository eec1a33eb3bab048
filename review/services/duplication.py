"""The review area's part of a call copied for the next school year (kernel signals
`call_duplication_parts` and `call_duplicated`): the commission's rules and phases (end dates to
set), the scoring grid, and — when the call administrator confirms them — the reviewers and
co-pilots. Nothing of a dossier is copied (reviews, scores, conflicts, sessions, decisions)."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.db import db
from portal.models import Call, User

from ..models import CommissionMember, Criterion, ReviewPhase, ReviewSettings

MEMBERS = "review_members"


def _counts(call: Call) -> tuple[int, int, bool]:
    criteria = db.session.scalar(
        select(func.count(Criterion.id)).where(Criterion.call_id == call.id)
    )
    members = db.session.scalar(
        select(func.count(CommissionMember.id)).where(CommissionMember.call_id == call.id)
    )
    settings = db.session.get(ReviewSettings, call.id) is not None
    return criteria or 0, members or 0, settings


def parts(call: Call, **_) -> list[dict]:
    criteria, members, settings = _counts(call)
    out = []
    if settings:
        out.append(
            {
                "key": "review_rules",
                "label": "Règles d'instruction et phases de la commission (dates de fin à fixer)",
                "confirm": False,
            }
        )
    if criteria:
        out.append(
            {
                "key": "review_grid",
                "label": f"Grille d'évaluation ({criteria} critères)",
                "confirm": False,
            }
        )
    if members:
        out.append(
            {
                "key": MEMBERS,
                "label": f"Instructeurs et co-pilotes ({members} personnes, à confirmer)",
                "confirm": True,
            }
        )
    return out


def copy(call: Call, source: Call = None, user: User = None, parts=(), **_) -> list[str]:
    """Copy the source call's review set-up onto the new draft `call`; the labels copied."""
    copied: list[str] = []
    settings = db.session.get(ReviewSettings, source.id)
    if settings is not None:
        rows = [
            ReviewPhase(call_id=call.id, kind=p.kind, position=p.position)
            for p in db.session.scalars(
                select(ReviewPhase)
                .where(ReviewPhase.call_id == source.id)
                .order_by(ReviewPhase.position)
            )
        ]
        db.session.add_all(rows)
        db.session.flush()
        db.session.add(
            ReviewSettings(
                call_id=call.id,
                reviewers_per_dossier=settings.reviewers_per_dossier,
                gap_threshold=settings.gap_threshold,
                spread_threshold=settings.spread_threshold,
                visibility=settings.visibility,
                current_phase_id=rows[0].id if rows else None,
            )
        )
        copied.append("Règles d'instruction et phases de la commission (dates de fin à fixer)")
    criteria = list(
        db.session.scalars(
            select(Criterion).where(Criterion.call_id == source.id).order_by(Criterion.position)
        )
    )
    for c in criteria:
        db.session.add(
            Criterion(
                call_id=call.id,
                position=c.position,
                label=c.label,
                guidance=c.guidance,
                scale_min=c.scale_min,
                scale_max=c.scale_max,
                weight=c.weight,
                required=c.required,
                scoring=c.scoring,
            )
        )
    if criteria:
        copied.append(f"Grille d'évaluation ({len(criteria)} critères)")
    if MEMBERS in (parts or ()):
        members = [
            m
            for m in db.session.scalars(
                select(CommissionMember).where(CommissionMember.call_id == source.id)
            )
            if m.user.active
        ]
        for m in members:
            db.session.add(
                CommissionMember(
                    call_id=call.id,
                    user_id=m.user_id,
                    institution=m.institution,
                    is_copilot=m.is_copilot,
                )
            )
        copied.append(f"Instructeurs et co-pilotes ({len(members)} personnes)")
    db.session.flush()
    return copied
