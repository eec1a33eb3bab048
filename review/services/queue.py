"""A reviewer's queue: their assignments across calls, progress per call, the next one to do."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from applications.models import Dossier, DossierStatus
from applications.policy import visible_dossiers
from portal.db import db
from portal.models import Call, Establishment, Role, User

from ..models import (
    ConflictDeclaration,
    PhaseKind,
    Review,
    ReviewPhase,
    ReviewSettings,
    ReviewStatus,
)
from .scoring import UNFINISHED


@dataclass
class QueueRow:
    review: Review
    dossier: Dossier
    call_title: str
    establishment: str
    phase: PhaseKind | None
    phase_ends_at: object

    @property
    def unfinished(self) -> bool:
        return self.review.status in UNFINISHED

    @property
    def status_label(self) -> str:
        return self.review.status.label

    @property
    def status_badge(self) -> str:
        return self.review.status.badge_class

    @property
    def phase_label(self) -> str:
        return self.phase.label if self.phase else "Phase non ouverte"


def reviewer_queue(user: User) -> list[QueueRow]:
    """The user's assignments across calls, in queue order, in one query.

    Only non-declined reviews of dossiers the user may read (`visible_dossiers`), never a dossier
    they are conflicted with (declared, or their own establishment's), never a withdrawn dossier.
    """
    if not user.has_role(Role.reviewer, Role.copilot):
        return []
    not_declared = ~Review.dossier_id.in_(
        select(ConflictDeclaration.dossier_id).where(ConflictDeclaration.user_id == user.id)
    )
    query = (
        select(
            Review, Dossier, Call.title, Establishment.name, ReviewPhase.kind, ReviewPhase.ends_at
        )
        .join(Dossier, Review.dossier_id == Dossier.id)
        .join(Call, Dossier.call_id == Call.id)
        .join(Establishment, Dossier.establishment_id == Establishment.id)
        .outerjoin(ReviewSettings, ReviewSettings.call_id == Dossier.call_id)
        .outerjoin(ReviewPhase, ReviewPhase.id == ReviewSettings.current_phase_id)
        .where(
            Review.reviewer_id == user.id,
            Review.status != ReviewStatus.declined,
            Dossier.status != DossierStatus.withdrawn,
            visible_dossiers(user),
            not_declared,
        )
        .order_by(Dossier.call_id, Dossier.reference, Review.id)
    )
    if user.establishment_id is not None:
        query = query.where(Dossier.establishment_id != user.establishment_id)
    return [
        QueueRow(review, dossier, title, establishment, kind, ends_at)
        for review, dossier, title, establishment, kind, ends_at in db.session.execute(query)
    ]


def queue_summary(rows: list[QueueRow]) -> list[dict]:
    """Per call: progress (done/total), current phase, its end, the first unfinished review."""
    calls: dict[int, dict] = {}
    for row in rows:
        entry = calls.setdefault(
            row.dossier.call_id,
            {
                "call_id": row.dossier.call_id,
                "call_title": row.call_title,
                "phase": row.phase,
                "phase_label": row.phase_label,
                "phase_ends_at": row.phase_ends_at,
                "done": 0,
                "total": 0,
                "resume": None,
            },
        )
        entry["total"] += 1
        if row.review.status == ReviewStatus.submitted:
            entry["done"] += 1
        elif entry["resume"] is None:
            entry["resume"] = row.review.id
    return list(calls.values())


def next_unfinished(rows: list[QueueRow], current_id: int) -> int | None:
    """The id of the next unfinished review after `current_id` in queue order (wrapping round)."""
    ids = [row.review.id for row in rows]
    start = ids.index(current_id) + 1 if current_id in ids else 0
    for row in rows[start:] + rows[:start]:
        if row.unfinished and row.review.id != current_id:
            return row.review.id
    return None
