"""Ranking and reviews as tables (header, rows); portal.exports writes them as CSV or XLSX.

Rows are generators over review.standings: the database is read in batches while the file is
written, so an export holds exactly the rows the ranking page shows the same user (conflicted
dossiers and their reviews never appear) without building the whole ranking first.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from applications.models import Dossier
from portal.db import db
from portal.models import INSTITUTION_LABELS, INSTITUTION_SHORT_LABELS, Call, User

from .aggregation import standardise
from .models import Criterion, Review, ReviewStatus
from .ranking import RankingQuery, _visible_ranked, settings_for, shows_reviewer_names
from .standings import BATCH, _filters, _sort_columns, iter_ranking, ranked_subquery

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
    for row in iter_ranking(user, call, query):
        est = row.dossier.establishment
        yield [
            row.rank,
            row.dossier.reference,
            est.name,
            est.uai,
            est.department_code,
            row.dossier.title,
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
    """Per (reviewer, institution): n, Σx, Σx² of the submitted totals among the rows the user
    may see (the population of `calibrate`), and its « Instructeur État 1 » number."""
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
        out[reviewer_id] = (
            int(n),
            Decimal(int(sum_x)) / _HUNDRED,
            Decimal(int(sum_x2)) / (_HUNDRED * _HUNDRED),
            numbers[institution],
        )
    return out


def reviews_rows(
    user: User, call: Call, query: RankingQuery, criteria: list[Criterion]
) -> Iterator[list]:
    """One line per submitted review of the kept rows, in ranking order, BATCH at a time."""
    settings = settings_for(call)
    calibration = _calibration(user, call)
    names = shows_reviewer_names(user)
    ranked = ranked_subquery(user, call, settings)
    statement = (
        select(Review)
        .join(Dossier, Dossier.id == Review.dossier_id)
        .join(ranked, ranked.c.id == Dossier.id)
        .join(Dossier.establishment)
        .where(Review.status == ReviewStatus.submitted, *_filters(ranked, query))
        .options(
            joinedload(Review.dossier).joinedload(Dossier.establishment),
            joinedload(Review.reviewer),
            selectinload(Review.scores),
        )
        .order_by(*_sort_columns(ranked, query), Review.id)
        .execution_options(yield_per=BATCH)
    )
    for review in db.session.scalars(statement):
        n, sum_x, sum_x2, number = calibration[review.reviewer_id]
        total = None if review.total_cents is None else Decimal(review.total_cents) / _HUNDRED
        z = None if total is None else standardise(total, n, sum_x, sum_x2)
        if names or review.reviewer_id == user.id:
            label = review.reviewer.full_name
        else:
            label = f"Instructeur {INSTITUTION_SHORT_LABELS[review.institution]} {number}"
        scores = {s.criterion_id: s for s in review.scores}
        cells = []
        for criterion in criteria:
            score = scores.get(criterion.id)
            if score is None:
                cells.append(None)
            else:
                cells.append(score.value if criterion.scoring else score.flag)
        yield [
            review.dossier.reference,
            review.dossier.establishment.name,
            label,
            INSTITUTION_LABELS[review.institution],
            *cells,
            None if total is None else total.quantize(Decimal("0.01")),
            z,
            review.opinion.label if review.opinion else "",
            review.proposed_amount,
            review.comment,
        ]
