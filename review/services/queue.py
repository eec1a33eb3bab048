"""A reviewer's queue: their assignments across calls, progress per call, the next one to do."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select

from applications.models import Dossier, DossierStatus
from applications.policy import visible_dossiers
from portal.db import db
from portal.models import Call, Establishment, Role, User
from portal.pagination import PAGE_SIZE, Page

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


def _in_queue(user: User, stmt, establishment: bool = False, phases: bool = True):
    """`stmt` joined and filtered to the user's queue: non-declined reviews of dossiers the user
    may read (`visible_dossiers`), never a dossier they are conflicted with (declared, or their
    own establishment's), never a withdrawn dossier."""
    not_declared = ~Review.dossier_id.in_(
        select(ConflictDeclaration.dossier_id).where(ConflictDeclaration.user_id == user.id)
    )
    stmt = stmt.select_from(Review).join(Dossier, Review.dossier_id == Dossier.id)
    if establishment:
        stmt = stmt.join(Establishment, Dossier.establishment_id == Establishment.id)
    if phases:
        stmt = _phases(stmt)
    stmt = stmt.where(
        Review.reviewer_id == user.id,
        Review.status != ReviewStatus.declined,
        Dossier.status != DossierStatus.withdrawn,
        _readable(user),
        not_declared,
    )
    if user.establishment_id is not None:
        stmt = stmt.where(Dossier.establishment_id != user.establishment_id)
    return stmt


def _readable(user: User):
    """`visible_dossiers(user)` on the queue's rows. Each is the user's own non-declined review of
    a dossier they declared no conflict with and do not belong to, so for a reviewer or co-pilot
    the review area's reader clause comes down to the dossier having a reference: the clause
    leads with that test, and PostgreSQL no longer joins the user's reviews a second time to
    find out (the other readers' clauses, kept after it, are read only for a dossier without)."""
    clause = visible_dossiers(user)
    if user.active and user.has_role(Role.reviewer, Role.copilot):
        return or_(Dossier.reference.is_not(None), clause)
    return clause


def _phases(stmt):
    return (
        stmt.join(Call, Dossier.call_id == Call.id)
        .outerjoin(ReviewSettings, ReviewSettings.call_id == Dossier.call_id)
        .outerjoin(ReviewPhase, ReviewPhase.id == ReviewSettings.current_phase_id)
    )


QUEUE_ORDER = (Dossier.call_id, Dossier.reference, Review.id)
_ROW = (Review, Dossier, Call.title, Establishment.name, ReviewPhase.kind, ReviewPhase.ends_at)


def _rows(user: User, offset: int | None = None, limit: int | None = None) -> list[QueueRow]:
    if limit is None:
        query = _in_queue(user, select(*_ROW), establishment=True).order_by(*QUEUE_ORDER)
    else:
        # The page's reviews are chosen on narrow columns, then joined to what the rows show.
        chosen = (
            _in_queue(
                user,
                select(Review.id.label("id"), *QUEUE_ORDER[:2]),
                phases=False,
            )
            .order_by(*QUEUE_ORDER)
            .offset(offset or 0)
            .limit(limit)
            .subquery("chosen")
        )
        query = _phases(
            select(*_ROW)
            .select_from(chosen)
            .join(Review, Review.id == chosen.c.id)
            .join(Dossier, Review.dossier_id == Dossier.id)
            .join(Establishment, Dossier.establishment_id == Establishment.id)
        ).order_by(chosen.c.call_id, chosen.c.reference, chosen.c.id)
    return [
        QueueRow(review, dossier, title, establishment, kind, ends_at)
        for review, dossier, title, establishment, kind, ends_at in db.session.execute(query)
    ]


def reviewer_queue(user: User) -> list[QueueRow]:
    """The user's assignments across calls, in queue order, in one query (every row: the API and
    the tests; the page shows one page of it, `queue_page`)."""
    if not user.has_role(Role.reviewer, Role.copilot):
        return []
    return _rows(user)


def queue_page(user: User, page, summary: list[dict], per_page: int | None = None) -> Page:
    """One page of the queue (`summary` gives the total: no count query), in queue order."""
    per_page = per_page or PAGE_SIZE
    total = sum(entry["total"] for entry in summary)
    pages = max(1, -(-total // per_page))
    try:
        number = int(page or 1)
    except (TypeError, ValueError):
        number = 1
    number = min(max(1, number), pages)
    items = _rows(user, (number - 1) * per_page, per_page) if total else []
    return Page(items=items, total=total, page=number, pages=pages)


def queue_summary(user: User) -> list[dict]:
    """Per call: progress (done/total), current phase, its end, the first unfinished review (in
    queue order) — one query whatever the number of assignments (window functions: at most two
    rows a call come back, the first submitted and the first not submitted)."""
    if not user.has_role(Role.reviewer, Role.copilot):
        return []
    submitted = case((Review.status == ReviewStatus.submitted, 1), else_=0)
    # the windows run on the narrow rows; the call's title and phase join the few rows kept
    inner = _in_queue(
        user,
        select(
            Dossier.call_id.label("call_id"),
            Review.id.label("review_id"),
            submitted.label("submitted"),
            func.row_number()
            .over(partition_by=(Dossier.call_id, submitted), order_by=QUEUE_ORDER[1:])
            .label("position"),
            func.count().over(partition_by=Dossier.call_id).label("total"),
            func.sum(submitted).over(partition_by=Dossier.call_id).label("done"),
        ),
        phases=False,
    ).subquery()
    calls: dict[int, dict] = {}
    statement = (
        select(
            inner,
            Call.title.label("call_title"),
            ReviewPhase.kind.label("phase"),
            ReviewPhase.ends_at.label("phase_ends_at"),
        )
        .join(Call, Call.id == inner.c.call_id)
        .outerjoin(ReviewSettings, ReviewSettings.call_id == inner.c.call_id)
        .outerjoin(ReviewPhase, ReviewPhase.id == ReviewSettings.current_phase_id)
        .where(inner.c.position == 1)
        .order_by(inner.c.call_id)
    )
    for row in db.session.execute(statement):
        entry = calls.setdefault(
            row.call_id,
            {
                "call_id": row.call_id,
                "call_title": row.call_title,
                "phase": row.phase,
                "phase_label": row.phase.label if row.phase else "Phase non ouverte",
                "phase_ends_at": row.phase_ends_at,
                "done": int(row.done or 0),
                "total": int(row.total),
                "resume": None,
            },
        )
        if not row.submitted:
            entry["resume"] = row.review_id
    return list(calls.values())


def next_unfinished(user: User, current_id: int) -> int | None:
    """The id of the next unfinished review after `current_id` in queue order (wrapping round):
    the queue's ids and statuses only, one query."""
    rows = db.session.execute(
        _in_queue(user, select(Review.id, Review.status)).order_by(*QUEUE_ORDER)
    ).all()
    ids = [review_id for review_id, _ in rows]
    start = ids.index(current_id) + 1 if current_id in ids else 0
    for review_id, status in rows[start:] + rows[:start]:
        if status in UNFINISHED and review_id != current_id:
            return review_id
    return None
