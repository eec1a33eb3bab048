"""Each submitted review's weighted total, kept on the review itself (`Review.total_cents`).

The ranking, its exports and the session page aggregate these stored totals in SQL instead of
loading every score of the call. They are kept in the same flush as the change that moves them: a
`before_flush` listener recomputes the total of every review that is new or changed, whose scores
changed, or whose call's grid changed, with `review.aggregation.weighted_total` (the reference);
a review that is not submitted has none. Bulk loads that bypass the ORM call `refresh_call`.
"""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from applications.models import Dossier
from portal.db import db

from . import standing_store
from .aggregation import weighted_total
from .models import Criterion, Review, ReviewStatus, Score


def cents(total) -> int | None:
    return None if total is None else int(total * 100)


def review_total(review: Review, criteria: list[Criterion]) -> int | None:
    """The review's total /20 in hundredths (None unless submitted, or without any score)."""
    if review.status != ReviewStatus.submitted:
        return None
    scoring = {c.id for c in criteria if c.scoring}
    scores = {s.criterion_id: s.value for s in review.scores if s.criterion_id in scoring}
    try:
        return cents(weighted_total(scores, criteria))
    except ValueError:  # a score off the grid's scale: no total rather than a failed flush
        return None


def _criteria(session: Session, call_id: int, cache: dict) -> list[Criterion]:
    if call_id not in cache:
        cache[call_id] = list(
            session.scalars(
                select(Criterion)
                .where(Criterion.call_id == call_id)
                .order_by(Criterion.position, Criterion.id)
            )
        )
    return cache[call_id]


def _before_flush(session: Session, flush_context, instances) -> None:
    touched = [*session.new, *session.dirty, *session.deleted]
    reviews = {id(o): o for o in touched if isinstance(o, Review) and o not in session.deleted}
    score_owners = {o.review_id for o in touched if isinstance(o, Score) and o.review_id}
    grid_calls = {o.call_id for o in touched if isinstance(o, Criterion) and o.call_id}
    if not (reviews or score_owners or grid_calls):
        return
    with session.no_autoflush:
        for review_id in score_owners:
            review = session.get(Review, review_id)
            if review is not None and review not in session.deleted:
                reviews[id(review)] = review
        if grid_calls:
            for review in session.scalars(
                select(Review)
                .join(Dossier, Dossier.id == Review.dossier_id)
                .where(Dossier.call_id.in_(grid_calls), Review.status == ReviewStatus.submitted)
            ):
                reviews[id(review)] = review
        cache: dict = {}
        for review in reviews.values():
            if review.status != ReviewStatus.submitted:
                value = None
            else:
                dossier = review.dossier or session.get(Dossier, review.dossier_id)
                value = review_total(review, _criteria(session, dossier.call_id, cache))
            if review.total_cents != value:
                review.total_cents = value


def refresh_call(call_id: int) -> int:
    """Recompute the stored total of every review of the call and its dossiers' standing rows
    (after a bulk load); the number of reviews whose total changed. The caller commits."""
    criteria = _criteria(db.session, call_id, {})
    changed = 0
    for review in db.session.scalars(
        select(Review)
        .join(Dossier, Dossier.id == Review.dossier_id)
        .where(Dossier.call_id == call_id)
        .options(selectinload(Review.scores))
    ):
        value = review_total(review, criteria)
        if review.total_cents != value:
            review.total_cents, changed = value, changed + 1
    db.session.flush()
    standing_store.refresh_call(db.session.connection(), call_id)
    return changed


def register() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
