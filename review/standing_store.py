"""The per-dossier figures the ranking reads (`DossierStanding`), kept up to date in SQL.

A dossier's row is rebuilt, by one DELETE and one INSERT … SELECT, in the flush that changes what it
sums: a review's stored total, status, institution or dossier (review.totals computes the total in
`before_flush`), a budget line's amount, kind or category, a deletion. A grid change re-totals the
call's reviews, which then rebuild their dossiers. Bulk loads that bypass the ORM call
`refresh_dossiers` (review.totals.refresh_call does). Sums are integers (hundredths of a point, cents
of a euro): exact on every database.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, and_, case, cast, delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from applications.models import BudgetLine, Dossier

from .models import DossierStanding, Review, ReviewStatus

_REVIEW_FIELDS = ("total_cents", "status", "institution", "dossier_id")
_LINE_FIELDS = ("amount", "kind", "category", "dossier_id")
_CHUNK = 500
_PENDING = "review.standing_store.dossiers"


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def _rows(where_review, where_line, where_dossier):
    total = Review.total_cents
    is_state = Review.institution == "state"
    is_region = Review.institution == "region"
    figures = (
        select(
            Review.dossier_id.label("dossier_id"),
            func.sum(case((is_state, 1), else_=0)).label("n_state"),
            func.sum(case((is_region, 1), else_=0)).label("n_region"),
            func.sum(case((is_state, total), else_=0)).label("sum_state"),
            func.sum(case((is_region, total), else_=0)).label("sum_region"),
            func.max(total).label("high"),
            func.min(total).label("low"),
        )
        .where(Review.status == ReviewStatus.submitted, total.is_not(None), where_review)
        .group_by(Review.dossier_id)
        .subquery("figures")
    )

    def cents(category):
        amount = case((BudgetLine.category == category, BudgetLine.amount), else_=0)
        return cast(func.round(func.sum(amount) * 100), BigInteger)

    asked = (
        select(
            BudgetLine.dossier_id.label("dossier_id"),
            cents("region").label("region"),
            cents("state").label("state"),
        )
        .where(BudgetLine.kind == "resource", where_line)
        .group_by(BudgetLine.dossier_id)
        .subquery("asked")
    )
    n_s = func.coalesce(figures.c.n_state, 0)
    n_r = func.coalesce(figures.c.n_region, 0)
    return (
        select(
            Dossier.id,
            n_s,
            n_r,
            func.coalesce(figures.c.sum_state, 0),
            func.coalesce(figures.c.sum_region, 0),
            figures.c.high,
            figures.c.low,
            *derived(n_s, n_r, figures.c.sum_state, figures.c.sum_region, figures.c),
            func.coalesce(asked.c.region, 0),
            func.coalesce(asked.c.state, 0),
        )
        .outerjoin(figures, figures.c.dossier_id == Dossier.id)
        .outerjoin(asked, asked.c.dossier_id == Dossier.id)
        .where(where_dossier)
    )


def half_up(numerator, denominator):
    """round(numerator / denominator) half up, for non-negative integers (exact in SQL)."""
    return (2 * numerator + denominator) // (2 * denominator)


def derived(n_s, n_r, s, r, f):
    """State mean, Région mean, score, gap, spread (hundredths) from the counts and sums, as
    review.aggregation computes them (score: the mean of the two institutions' means)."""
    both = and_(n_s > 0, n_r > 0)
    state_mean = case((n_s > 0, half_up(s, n_s)), else_=None)
    region_mean = case((n_r > 0, half_up(r, n_r)), else_=None)
    score = case(
        (both, half_up(s * n_r + r * n_s, 2 * n_s * n_r)),
        (n_s > 0, state_mean),
        else_=region_mean,
    )
    gap = case((both, half_up(func.abs(s * n_r - r * n_s), n_s * n_r)), else_=None)
    return state_mean, region_mean, score, gap, f.high - f.low


_COLUMNS = [
    "dossier_id",
    "n_state",
    "n_region",
    "sum_state",
    "sum_region",
    "high",
    "low",
    "state_mean",
    "region_mean",
    "score",
    "gap",
    "spread",
    "asked_region_cents",
    "asked_state_cents",
]


def refresh_dossiers(connection, dossier_ids) -> None:
    """Rebuild the rows of these dossiers (those that still exist) from their reviews and lines."""
    ids = sorted({i for i in dossier_ids if i is not None})
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        connection.execute(delete(DossierStanding).where(DossierStanding.dossier_id.in_(chunk)))
        connection.execute(
            insert(DossierStanding).from_select(
                _COLUMNS,
                _rows(
                    Review.dossier_id.in_(chunk),
                    BudgetLine.dossier_id.in_(chunk),
                    Dossier.id.in_(chunk),
                ),
            )
        )


def refresh_call(connection, call_id: int) -> None:
    """Rebuild the rows of every dossier of the call, and its reviewers' (after a bulk load)."""
    from .reviewer_store import refresh_call as refresh_reviewers_of_call

    refresh_reviewers_of_call(connection, call_id)
    of_call = select(Dossier.id).where(Dossier.call_id == call_id)
    connection.execute(delete(DossierStanding).where(DossierStanding.dossier_id.in_(of_call)))
    connection.execute(
        insert(DossierStanding).from_select(
            _COLUMNS,
            _rows(
                Review.dossier_id.in_(of_call),
                BudgetLine.dossier_id.in_(of_call),
                Dossier.call_id == call_id,
            ),
        )
    )


def _before_flush(session: Session, flush_context, instances) -> None:
    # A line removed from a dossier's list is deleted as an orphan during the flush: its dossier
    # is only known here, from the list's history.
    for obj in session.dirty:
        if isinstance(obj, Dossier) and _changed(obj, ("budget_lines",)):
            session.info.setdefault(_PENDING, set()).add(obj.id)


def _after_flush(session: Session, flush_context) -> None:
    ids = session.info.pop(_PENDING, set())
    for obj in session.new:
        if isinstance(obj, Review | BudgetLine):
            ids.add(obj.dossier_id)
    for obj in session.deleted:
        if isinstance(obj, Review | BudgetLine):
            ids.add(inspect(obj).dict.get("dossier_id"))  # never a load of a deleted row
    for obj in session.dirty:
        if (
            isinstance(obj, Review)
            and _changed(obj, _REVIEW_FIELDS)
            or isinstance(obj, BudgetLine)
            and _changed(obj, _LINE_FIELDS)
        ):
            ids.add(obj.dossier_id)
            ids.update(inspect(obj).attrs.dossier_id.history.deleted or ())
    ids.discard(None)
    if ids:
        refresh_dossiers(session.connection(), ids)


def register() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
