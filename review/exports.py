"""Ranking and reviews as tables (header, rows); portal.exports writes them as CSV or XLSX.

The tables are built from a `review.ranking.Ranking`, so an export holds exactly the rows the
ranking page shows the same user: conflicted dossiers and their reviews never appear.
"""

from __future__ import annotations

from portal.models import INSTITUTION_LABELS

from .ranking import Ranking, RankingRow

Table = tuple[list[str], list[list]]


def ranking_table(ranking: Ranking, rows: list[RankingRow]) -> Table:
    header = [
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
    body = []
    for row in rows:
        est = row.dossier.establishment
        body.append(
            [
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
        )
    return header, body


def reviews_table(ranking: Ranking, rows: list[RankingRow]) -> Table:
    """One line per submitted review: scores per criterion (flags as Oui/Non), total, z-score."""
    criteria = ranking.criteria
    header = (
        ["Référence", "Établissement", "Instructeur", "Institution"]
        + [c.label + ("" if c.scoring else " (oui/non)") for c in criteria]
        + ["Total /20", "Score standardisé (z)", "Avis", "Montant proposé (€)", "Commentaire"]
    )
    body = []
    for row in rows:
        for line in row.reviews:
            review = line.review
            scores = {s.criterion_id: s for s in review.scores}
            cells = []
            for criterion in criteria:
                score = scores.get(criterion.id)
                if score is None:
                    cells.append(None)
                elif criterion.scoring:
                    cells.append(score.value)
                else:
                    cells.append(score.flag)
            body.append(
                [
                    row.dossier.reference,
                    row.dossier.establishment.name,
                    line.reviewer_label,
                    INSTITUTION_LABELS[review.institution],
                    *cells,
                    line.total,
                    line.z,
                    review.opinion.label if review.opinion else "",
                    review.proposed_amount,
                    review.comment,
                ]
            )
    return header, body
