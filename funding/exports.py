"""Commitments and payments of a call as tables for the finance systems: CSV or XLSX.

Same conventions as review/exports.py: CSV semicolon-separated, UTF-8 with a byte-order mark,
decimal comma, free text defused against spreadsheet formulas; XLSX written by openpyxl in
write-only mode, numbers kept as numbers.

Rows are read in batches (keyset pagination, `BATCH` rows a query) and written as they come, so
memory stays constant whatever the number of dossiers: the CSV is streamed line by line, the XLSX
is spooled to a temporary file and streamed from it. The figures come from
`funding.services.commitment_figures`, so the columns add up to the dashboard's totals:
Σ "Montant engagé" = committed, Σ "Payé" = paid (payments − settled clawbacks),
Σ "Reste à payer" = to pay, Σ payment amounts = payments.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import and_, or_, select

from applications.models import Dossier
from portal.db import db
from portal.models import Establishment, Institution
from review.exports import _csv_cell, _xlsx_cell

from . import services
from .models import (FUNDER_LABELS, PAYMENT_KIND_LABELS, Commitment, CommitmentStatus, Payment)

BATCH = 500
CHUNK = 64 * 1024
STATUS_LABELS = {CommitmentStatus.active: "Actif", CommitmentStatus.cancelled: "Annulé"}

COMMITMENT_HEADER = ["Référence du dossier", "Établissement", "UAI", "Département", "Axe",
                     "Financeur", "Montant accordé (€)", "Montant engagé (€)", "Payé (€)",
                     "Reste à payer (€)", "Statut"]
PAYMENT_HEADER = ["Date du paiement", "Financeur", "Dossier", "Référence (mandat)", "Type",
                  "Montant (€)"]


# ---------------------------------------------------------------- rows, in batches

def commitment_rows(call_id: int, funder: Institution | None = None,
                    batch: int = BATCH) -> Iterator[list]:
    """One row per commitment (cancelled ones too: money may have moved on them), ordered by
    dossier reference then funder; three queries per `batch` rows."""
    last: tuple[str, int] | None = None
    while True:
        query = (select(Commitment, Dossier.reference, Establishment.name, Establishment.uai)
                 .join(Dossier, Dossier.id == Commitment.dossier_id)
                 .join(Establishment, Establishment.id == Dossier.establishment_id)
                 .where(Commitment.call_id == call_id)
                 .order_by(Dossier.reference, Commitment.id).limit(batch))
        if funder is not None:
            query = query.where(Commitment.funder == funder)
        if last is not None:
            query = query.where(or_(Dossier.reference > last[0],
                                    and_(Dossier.reference == last[0], Commitment.id > last[1])))
        rows = db.session.execute(query).all()
        if not rows:
            return
        figures = services.commitment_figures([row[0] for row in rows])
        for (commitment, reference, name, uai), fig in zip(rows, figures):
            yield [reference, name, uai, commitment.department_code, commitment.axis_number,
                   FUNDER_LABELS[commitment.funder], commitment.initial_amount, commitment.amount,
                   fig.paid - fig.settled, fig.to_pay, STATUS_LABELS[commitment.status]]
        last = (rows[-1][1], rows[-1][0].id)
        if len(rows) < batch:
            return


def payment_rows(call_id: int, funder: Institution | None = None,
                 batch: int = BATCH) -> Iterator[list]:
    """One row per payment, by date then recording order; one query per `batch` rows."""
    last = None
    while True:
        query = (select(Payment.id, Payment.paid_on, Payment.funder, Dossier.reference,
                        Payment.reference, Payment.kind, Payment.amount)
                 .join(Commitment, Commitment.id == Payment.commitment_id)
                 .join(Dossier, Dossier.id == Commitment.dossier_id)
                 .where(Commitment.call_id == call_id)
                 .order_by(Payment.paid_on, Payment.id).limit(batch))
        if funder is not None:
            query = query.where(Payment.funder == funder)
        if last is not None:
            query = query.where(or_(Payment.paid_on > last[0],
                                    and_(Payment.paid_on == last[0], Payment.id > last[1])))
        rows = db.session.execute(query).all()
        if not rows:
            return
        for payment_id, paid_on, payment_funder, dossier, reference, kind, amount in rows:
            yield [paid_on, FUNDER_LABELS[payment_funder], dossier, reference,
                   PAYMENT_KIND_LABELS[kind], Decimal(amount)]
        last = (rows[-1][1], rows[-1][0])
        if len(rows) < batch:
            return


# ---------------------------------------------------------------- writers

def _csv_value(value) -> str:
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return _csv_cell(value)


def csv_chunks(header: list[str], rows: Iterator[list]) -> Iterator[str]:
    """The table as CSV text, one chunk per line, the first starting with the BOM."""
    import csv
    import io
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_value(c) for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(header)
    for cells in rows:
        yield line(cells)


def xlsx_file(header: list[str], rows: Iterator[list], title: str):
    """The table as an XLSX workbook written row by row to a temporary file (rewound)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for cells in rows:
        out = []
        for value in cells:
            if hasattr(value, "strftime"):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "DD/MM/YYYY"
                out.append(cell)
            elif isinstance(value, Decimal):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "#,##0.00"
                out.append(cell)
            else:
                out.append(_xlsx_cell(value))
        sheet.append(out)
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def file_chunks(handle) -> Iterator[bytes]:
    """Read a file in CHUNK-sized pieces, closing (and so deleting) it at the end."""
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()
