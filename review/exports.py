"""Ranking and reviews as tables (header, rows); portal.exports writes them as CSV or XLSX.

Rows are generators over review.standings: the database is read in batches while the file is
written, so an export holds exactly the rows the ranking page shows the same user (conflicted
dossiers and their reviews never appear) without building the whole ranking first.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import Integer, case, cast, func, select

from applications.models import Dossier
from portal.db import db
from portal.models import INSTITUTION_LABELS, INSTITUTION_SHORT_LABELS, Call, Establishment, User
from portal.permissions import Permission, require

from .aggregation import standardiser
from .models import Criterion, Review, ReviewStatus, Score
from .ranking import RankingQuery, _visible_ranked, settings_for, shows_reviewer_names
from .standings import BATCH, _filters, _sort_columns, ranked_subquery, row_of

RANKING_HEADER = [
    "Rang",
    "Référence",
    "Établissement",
    "UAI",
    "Département",
    "Titre du projet",
    "Demandé à la Région (€)",
    "Demandé au rectorat (€)",
    "Moyenne État /20",
    "Moyenne Région /20",
    "Note /20",
    "Écart État–Région",
    "Dispersion",
    "Évaluations État",
    "Évaluations Région",
    "Signalé",
    "Motif du signalement",
]
_HUNDRED = Decimal(100)


def ranking_rows(user: User, call: Call, query: RankingQuery) -> Iterator[list]:
    """The ranking's lines as `iter_ranking` orders and filters them (review.standings), read
    BATCH rows at a time as plain columns: the dossier's and establishment's few fields beside
    the ranked figures, no ORM objects (an export reads every row of the call)."""
    require(user, Permission.VIEW_RANKING, call)
    settings = settings_for(call)
    ranked = ranked_subquery(user, call, settings)
    statement = (
        select(
            Dossier.reference,
            Dossier.title,
            Establishment.name,
            Establishment.uai,
            Establishment.department_code,
            ranked,
        )
        .join(ranked, ranked.c.id == Dossier.id)
        .join(Establishment, Establishment.id == Dossier.establishment_id)
        .where(*_filters(ranked, query))
        .order_by(*_sort_columns(ranked, query))
        .execution_options(yield_per=BATCH)
    )
    for r in db.session.execute(statement):
        row = row_of(None, r, settings)
        yield [
            row.rank,
            r.reference,
            r.name,
            r.uai,
            r.department_code,
            r.title,
            row.amount_region,
            row.amount_state,
            row.state_mean,
            row.region_mean,
            row.score,
            row.gap,
            row.spread,
            row.aggregate.count_state,
            row.aggregate.count_region,
            row.flagged,
            row.reason_text,
        ]


def _criteria(call: Call) -> list[Criterion]:
    return list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.call_id == call.id)
            .order_by(Criterion.position, Criterion.id)
        )
    )


def reviews_header(call: Call) -> tuple[list[str], list[Criterion]]:
    criteria = _criteria(call)
    header = (
        ["Référence", "Établissement", "Instructeur", "Institution"]
        + [c.label + ("" if c.scoring else " (oui/non)") for c in criteria]
        + ["Total /20", "Score standardisé (z)", "Avis", "Montant proposé (€)", "Commentaire"]
    )
    return header, criteria


def _calibration(user: User, call: Call) -> dict:
    """Per reviewer: the z-score of a total among the submitted totals of the rows the user may
    see (the population of `calibrate`, from n, Σx and Σx² in SQL), and its « Instructeur État 1 »
    number."""
    where = _visible_ranked(user, call)
    total = Review.total_cents
    rows = db.session.execute(
        select(
            Review.reviewer_id,
            Review.institution,
            func.count(total),
            func.coalesce(func.sum(total), 0),
            func.coalesce(func.sum(total * total), 0),
        )
        .where(
            Review.status == ReviewStatus.submitted,
            Review.dossier_id.in_(select(Dossier.id).where(*where)),
        )
        .group_by(Review.reviewer_id, Review.institution)
        .order_by(Review.reviewer_id, Review.institution)
    ).all()
    out, numbers = {}, {}
    for reviewer_id, institution, n, sum_x, sum_x2 in rows:
        numbers[institution] = numbers.get(institution, 0) + 1
        z = standardiser(
            int(n), Decimal(int(sum_x)) / _HUNDRED, Decimal(int(sum_x2)) / (_HUNDRED * _HUNDRED)
        )
        out[reviewer_id] = (z, numbers[institution])
    return out


def _scores_subquery(criteria: list[Criterion]):
    """Per review: one column per criterion (its value, or its yes/no as 1/0), from one GROUP BY
    over the scores of the call's criteria (a score per review and criterion, unique)."""
    columns = [
        func.max(
            case(
                (
                    Score.criterion_id == c.id,
                    Score.value if c.scoring else cast(Score.flag, Integer),
                ),
                else_=None,
            )
        ).label(f"c{i}")
        for i, c in enumerate(criteria)
    ]
    return (
        select(Score.review_id.label("review_id"), *columns)
        .where(Score.criterion_id.in_([c.id for c in criteria]))
        .group_by(Score.review_id)
        .subquery("given")
    )


def reviews_rows(
    user: User, call: Call, query: RankingQuery, criteria: list[Criterion]
) -> Iterator[list]:
    """One line per submitted review of the kept rows, in ranking order, read BATCH rows at a
    time (a server-side cursor on PostgreSQL) as plain columns, no ORM objects: the kept dossiers
    numbered in the ranking's order (the sort of review.standings, on one row per dossier), their
    submitted reviews, and each review's scores pivoted by criterion."""
    settings = settings_for(call)
    calibration = _calibration(user, call)
    names = shows_reviewer_names(user)
    ranked = ranked_subquery(user, call, settings)
    kept = (
        select(
            Dossier.id.label("id"),
            Dossier.reference.label("reference"),
            Establishment.name.label("establishment"),
            func.row_number().over(order_by=_sort_columns(ranked, query)).label("position"),
        )
        .select_from(ranked)
        .join(Dossier, Dossier.id == ranked.c.id)
        .join(Establishment, Establishment.id == Dossier.establishment_id)
        .where(*_filters(ranked, query))
        .subquery("kept")
    )
    given = _scores_subquery(criteria) if criteria else None
    statement = (
        select(
            Review.reviewer_id,
            Review.institution,
            Review.total_cents,
            Review.opinion,
            Review.proposed_amount,
            Review.comment,
            kept.c.reference,
            kept.c.establishment,
            User.full_name,
            *(given.c[f"c{i}"] for i in range(len(criteria))),
        )
        .join(kept, kept.c.id == Review.dossier_id)
        .join(User, User.id == Review.reviewer_id)
        .where(Review.status == ReviewStatus.submitted)
        .order_by(kept.c.position, Review.id)
        .execution_options(yield_per=BATCH)
    )
    if given is not None:
        statement = statement.outerjoin(given, given.c.review_id == Review.id)
    flags = [i for i, c in enumerate(criteria, start=9) if not c.scoring]
    hundredth = Decimal("0.01")
    for row in db.session.execute(statement):
        reviewer_id, institution, total_cents, opinion, amount, comment, reference, name, full = (
            row[:9]
        )
        z, number = calibration[reviewer_id]
        total = None if total_cents is None else Decimal(total_cents) / _HUNDRED
        if names or reviewer_id == user.id:
            label = full
        else:
            label = f"Instructeur {INSTITUTION_SHORT_LABELS[institution]} {number}"
        scores = list(row[9:])
        for i in flags:
            if scores[i - 9] is not None:
                scores[i - 9] = bool(scores[i - 9])
        yield [
            reference,
            name,
            label,
            INSTITUTION_LABELS[institution],
            *scores,
            None if total is None else total.quantize(hundredth),
            None if total is None else z(total),
            opinion.label if opinion else "",
            amount,
            comment,
        ]
