"""Ranking and reviews as tables, written as CSV (French Excel's dialect) or XLSX.

The tables are built from a `review.ranking.Ranking`, so an export holds exactly the rows the
ranking page shows the same user: conflicted dossiers and their reviews never appear.
CSV: semicolon-separated, UTF-8 with a byte-order mark, decimal comma, streamed row by row.
XLSX: openpyxl in write-only mode, numbers kept as numbers.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

from portal.models import INSTITUTION_LABELS

from .models import OPINION_LABELS
from .ranking import Ranking, RankingRow

Table = tuple[list[str], list[list]]


def ranking_table(ranking: Ranking, rows: list[RankingRow]) -> Table:
    header = ["Rang", "Référence", "Établissement", "UAI", "Département", "Titre du projet",
              "Demandé à la Région (€)", "Demandé au rectorat (€)", "Moyenne État /20",
              "Moyenne Région /20", "Note /20", "Écart État–Région", "Dispersion",
              "Évaluations État", "Évaluations Région", "Signalé", "Motif du signalement"]
    body = []
    for row in rows:
        est = row.dossier.establishment
        body.append([row.rank, row.dossier.reference, est.name, est.uai, est.department_code,
                     row.dossier.title, row.amount_region, row.amount_state, row.state_mean,
                     row.region_mean, row.score, row.gap, row.spread,
                     row.aggregate.count_state, row.aggregate.count_region, row.flagged,
                     row.reason_text])
    return header, body


def reviews_table(ranking: Ranking, rows: list[RankingRow]) -> Table:
    """One line per submitted review: scores per criterion (flags as Oui/Non), total, z-score."""
    criteria = ranking.criteria
    header = (["Référence", "Établissement", "Instructeur", "Institution"]
              + [c.label + ("" if c.scoring else " (oui/non)") for c in criteria]
              + ["Total /20", "Score standardisé (z)", "Avis", "Montant proposé (€)",
                 "Commentaire"])
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
            body.append([row.dossier.reference, row.dossier.establishment.name,
                         line.reviewer_label, INSTITUTION_LABELS[review.institution], *cells,
                         line.total, line.z,
                         OPINION_LABELS.get(review.opinion, "") if review.opinion else "",
                         review.proposed_amount, review.comment])
    return header, body


# ---------------------------------------------------------------- CSV

def _text(value: str) -> str:
    """Free text never starts a formula in a spreadsheet (a leading apostrophe defuses it)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, str):
        return _text(value)
    return str(value)


def csv_chunks(table: Table) -> Iterator[str]:
    """The table as CSV text, one chunk per line (the first starts with the BOM)."""
    header, body = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def line(cells: Iterable) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_cell(c) for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(header)
    for cells in body:
        yield line(cells)


# ---------------------------------------------------------------- XLSX

def _xlsx_cell(value):
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, str):
        return _text(value)
    return value


def xlsx_bytes(table: Table, title: str) -> bytes:
    from openpyxl import Workbook
    header, body = table
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for cells in body:
        sheet.append([_xlsx_cell(c) for c in cells])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
