"""Each reviewer's submitted totals per call (`ReviewerStanding`), kept up to date in SQL, and the
ranking's calibration table read from them.

A reviewer's rows are rebuilt, by one DELETE and one INSERT … SELECT over that reviewer's reviews,
in the flush that changes what they sum: a review's stored total, status, institution, reviewer
or dossier, a review's deletion, a dossier's state or reference (it enters or leaves the ranked
states), a dossier's deletion. Bulk loads that bypass the ORM call `refresh_call`
(review.totals.refresh_call does, through review.standing_store).

`reviewer_summaries` reads the stored rows of the call and takes away, in the same statement, the
reviews of the few ranked dossiers the reader may not see: a reader with VIEW_RANKING (call
administrator or co-pilot) sees every ranked dossier of the call except those they declared a
conflict with, those of their own establishment and those they still have to review themselves,
so only those candidates are tested against the one policy's clause (`_visible_ranked`). The
GROUP BY over every visible review (`summaries_by_aggregate`) stays the reference.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, delete, event, false, func, insert, inspect, not_, select, union
from sqlalchemy.orm import Session

from applications.models import Dossier
from portal.db import db
from portal.models import INSTITUTION_SHORT_LABELS, Call, User
from portal.permissions import Permission, require

from .models import ConflictDeclaration, Review, ReviewerStanding, ReviewStatus
from .policy import IN_REVIEW_STATES, SCORABLE
from .ranking import ReviewerSummary, _visible_ranked, shows_reviewer_names

_REVIEW_FIELDS = ("total_cents", "status", "institution", "dossier_id", "reviewer_id")
_DOSSIER_FIELDS = ("status", "reference")
_PENDING = "review.reviewer_store.reviewers"
_HUNDRED = Decimal(100)
_COLUMNS = ["call_id", "reviewer_id", "institution", "n_submitted", "n_totals", "sum_cents"]


def _rows(where):
    return (
        select(
            Dossier.call_id,
            Review.reviewer_id,
            Review.institution,
            func.count(),
            func.count(Review.total_cents),
            func.coalesce(func.sum(Review.total_cents), 0),
        )
        .join(Dossier, Dossier.id == Review.dossier_id)
        .where(
            Review.status == ReviewStatus.submitted,
            Dossier.status.in_(IN_REVIEW_STATES),
            Dossier.reference.is_not(None),
            where,
        )
        .group_by(Dossier.call_id, Review.reviewer_id, Review.institution)
    )


def refresh_reviewers(connection, reviewer_ids) -> None:
    """Rebuild every row of these reviewers from their reviews."""
    ids = sorted({i for i in reviewer_ids if i is not None})
    if not ids:
        return
    connection.execute(delete(ReviewerStanding).where(ReviewerStanding.reviewer_id.in_(ids)))
    connection.execute(
        insert(ReviewerStanding).from_select(_COLUMNS, _rows(Review.reviewer_id.in_(ids)))
    )


def refresh_call(connection, call_id: int) -> None:
    """Rebuild the rows of the call (after a bulk load)."""
    connection.execute(delete(ReviewerStanding).where(ReviewerStanding.call_id == call_id))
    connection.execute(
        insert(ReviewerStanding).from_select(_COLUMNS, _rows(Dossier.call_id == call_id))
    )


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def _reviewers_of(session: Session, dossier_ids) -> set[int]:
    if not dossier_ids:
        return set()
    return set(
        session.connection().scalars(
            select(Review.reviewer_id).where(Review.dossier_id.in_(sorted(dossier_ids)))
        )
    )


def _before_flush(session: Session, flush_context, instances) -> None:
    # A deleted dossier takes its reviews with it (ON DELETE CASCADE): their reviewers are only
    # known before the flush.
    gone = {obj.id for obj in session.deleted if isinstance(obj, Dossier) and obj.id is not None}
    if gone:
        session.info.setdefault(_PENDING, set()).update(_reviewers_of(session, gone))


def _after_flush(session: Session, flush_context) -> None:
    ids = session.info.pop(_PENDING, set())
    dossiers = set()
    for obj in session.new:
        if isinstance(obj, Review):
            ids.add(obj.reviewer_id)
    for obj in session.deleted:
        if isinstance(obj, Review):
            ids.add(inspect(obj).dict.get("reviewer_id"))  # never a load of a deleted row
    for obj in session.dirty:
        if isinstance(obj, Review) and _changed(obj, _REVIEW_FIELDS):
            ids.add(obj.reviewer_id)
            ids.update(inspect(obj).attrs.reviewer_id.history.deleted or ())
        elif isinstance(obj, Dossier) and _changed(obj, _DOSSIER_FIELDS):
            dossiers.add(obj.id)
    ids |= _reviewers_of(session, dossiers)
    ids.discard(None)
    if ids:
        refresh_reviewers(session.connection(), ids)


def register() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


# ---------------------------------------------------------------- the calibration table


def _hidden(user: User, call: Call):
    """Per reviewer and institution, the submitted reviews of the call's ranked dossiers that the
    reader may not see (only the candidates: conflicts, own establishment, own pending reviews)."""
    candidates = [
        select(ConflictDeclaration.dossier_id).where(ConflictDeclaration.user_id == user.id),
        select(Review.dossier_id).where(Review.reviewer_id == user.id, Review.status.in_(SCORABLE)),
    ]
    if user.establishment_id is not None:
        candidates.append(
            select(Dossier.id).where(
                Dossier.establishment_id == user.establishment_id, Dossier.call_id == call.id
            )
        )
    visible = func.coalesce(and_(*_visible_ranked(user, call)), false())
    return (
        select(
            Review.reviewer_id.label("reviewer_id"),
            Review.institution.label("institution"),
            func.count().label("n_submitted"),
            func.count(Review.total_cents).label("n_totals"),
            func.coalesce(func.sum(Review.total_cents), 0).label("sum_cents"),
        )
        .join(Dossier, Dossier.id == Review.dossier_id)
        .where(
            Review.status == ReviewStatus.submitted,
            Dossier.call_id == call.id,
            Dossier.status.in_(IN_REVIEW_STATES),
            Dossier.reference.is_not(None),
            Dossier.id.in_(union(*candidates)),
            not_(visible),
        )
        .group_by(Review.reviewer_id, Review.institution)
        .subquery("hidden")
    )


def reviewer_summaries(user: User, call: Call) -> list[ReviewerSummary]:
    """Each reviewer's number of submitted totals and mean among the rows the user may see,
    harshest first (as `Ranking.reviewers`), in one statement on the stored rows."""
    require(user, Permission.VIEW_RANKING, call)
    s, hidden = ReviewerStanding, _hidden(user, call)

    def left(column):
        return getattr(s, column) - func.coalesce(getattr(hidden.c, column), 0)

    rows = db.session.execute(
        select(
            s.reviewer_id,
            s.institution,
            User.full_name,
            left("n_submitted"),
            left("n_totals"),
            left("sum_cents"),
        )
        .join(User, User.id == s.reviewer_id)
        .outerjoin(
            hidden,
            and_(hidden.c.reviewer_id == s.reviewer_id, hidden.c.institution == s.institution),
        )
        .where(s.call_id == call.id)
        .order_by(s.reviewer_id, s.institution)
    ).all()
    return _summaries(user, [r for r in rows if r[3] > 0], lambda r: r[4:6])


def summaries_by_aggregate(user: User, call: Call) -> list[ReviewerSummary]:
    """The reference: the same table by one GROUP BY over every visible submitted review."""
    require(user, Permission.VIEW_RANKING, call)
    where = _visible_ranked(user, call)
    rows = db.session.execute(
        select(
            Review.reviewer_id,
            Review.institution,
            User.full_name,
            func.count(),
            func.count(Review.total_cents),
            func.coalesce(func.sum(Review.total_cents), 0),
        )
        .join(User, User.id == Review.reviewer_id)
        .join(Dossier, Dossier.id == Review.dossier_id)
        .where(Review.status == ReviewStatus.submitted, *where)
        .group_by(Review.reviewer_id, Review.institution, User.full_name)
        .order_by(Review.reviewer_id, Review.institution)
    ).all()
    return _summaries(user, rows, lambda r: r[4:6])


def _summaries(user: User, rows, figures) -> list[ReviewerSummary]:
    names = shows_reviewer_names(user)
    numbers: dict = {}
    out = []
    for row in rows:
        reviewer_id, institution, full_name = row[:3]
        count, total = figures(row)
        numbers[institution] = numbers.get(institution, 0) + 1
        if names or reviewer_id == user.id:
            label = full_name
        else:
            label = f"Instructeur {INSTITUTION_SHORT_LABELS[institution]} {numbers[institution]}"
        mean = (
            (Decimal(int(total)) / _HUNDRED / count).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if count
            else None
        )
        out.append(ReviewerSummary(label, institution, int(count), mean))
    return sorted(out, key=lambda s: (s.mean is None, s.mean or 0, s.label))
