"""Commitments and payments of a call as tables for the finance systems: CSV or XLSX.

This module only says what the tables hold (headers and row generators); the files are written by
the kernel's portal.exports (CSV in French Excel's dialect, XLSX with numbers kept as numbers).

Rows are read in batches (keyset pagination, `BATCH` rows a query) and written as they come, so
memory stays constant whatever the number of dossiers. The figures come from
`funding.services.figures.commitment_figures`, so the columns add up to the dashboard's totals:
Σ "Montant engagé" = committed, Σ "Payé" = paid (payments − settled clawbacks),
Σ "Reste à payer" = to pay, Σ payment amounts = payments.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import and_, or_, select

from applications.models import Dossier
from portal.db import db
from portal.models import INSTITUTION_LABELS, Establishment, Institution

from .models import Commitment, Payment
from .services.figures import commitment_figures

BATCH = 500

COMMITMENT_HEADER = [
    "Référence du dossier",
    "Établissement",
    "UAI",
    "Département",
    "Axe",
    "Financeur",
    "Montant accordé (€)",
    "Montant engagé (€)",
    "Payé (€)",
    "Reste à payer (€)",
    "Statut",
]
PAYMENT_HEADER = [
    "Date du paiement",
    "Financeur",
    "Dossier",
    "Référence (mandat)",
    "Type",
    "Montant (€)",
]


# ---------------------------------------------------------------- rows, in batches


def commitment_rows(
    call_id: int, funder: Institution | None = None, batch: int = BATCH
) -> Iterator[list]:
    """One row per commitment (cancelled ones too: money may have moved on them), ordered by
    dossier reference then funder; three queries per `batch` rows."""
    last: tuple[str, int] | None = None
    while True:
        query = (
            select(Commitment, Dossier.reference, Establishment.name, Establishment.uai)
            .join(Dossier, Dossier.id == Commitment.dossier_id)
            .join(Establishment, Establishment.id == Dossier.establishment_id)
            .where(Commitment.call_id == call_id)
            .order_by(Dossier.reference, Commitment.id)
            .limit(batch)
        )
        if funder is not None:
            query = query.where(Commitment.funder == funder)
        if last is not None:
            query = query.where(
                or_(
                    Dossier.reference > last[0],
                    and_(Dossier.reference == last[0], Commitment.id > last[1]),
                )
            )
        rows = db.session.execute(query).all()
        if not rows:
            return
        figures = commitment_figures([row[0] for row in rows])
        for (commitment, reference, name, uai), fig in zip(rows, figures):
            yield [
                reference,
                name,
                uai,
                commitment.department_code,
                commitment.axis_number,
                INSTITUTION_LABELS[commitment.funder],
                commitment.initial_amount,
                commitment.amount,
                fig.paid - fig.settled,
                fig.to_pay,
                commitment.status.label,
            ]
        last = (rows[-1][1], rows[-1][0].id)
        if len(rows) < batch:
            return


def payment_rows(
    call_id: int, funder: Institution | None = None, batch: int = BATCH
) -> Iterator[list]:
    """One row per payment, by date then recording order; one query per `batch` rows."""
    last = None
    while True:
        query = (
            select(
                Payment.id,
                Payment.paid_on,
                Payment.funder,
                Dossier.reference,
                Payment.reference,
                Payment.kind,
                Payment.amount,
            )
            .join(Commitment, Commitment.id == Payment.commitment_id)
            .join(Dossier, Dossier.id == Commitment.dossier_id)
            .where(Commitment.call_id == call_id)
            .order_by(Payment.paid_on, Payment.id)
            .limit(batch)
        )
        if funder is not None:
            query = query.where(Payment.funder == funder)
        if last is not None:
            query = query.where(
                or_(
                    Payment.paid_on > last[0],
                    and_(Payment.paid_on == last[0], Payment.id > last[1]),
                )
            )
        rows = db.session.execute(query).all()
        if not rows:
            return
        for _payment_id, paid_on, payment_funder, dossier, reference, kind, amount in rows:
            yield [
                paid_on,
                INSTITUTION_LABELS[payment_funder],
                dossier,
                reference,
                kind.label,
                Decimal(amount),
            ]
        last = (rows[-1][1], rows[-1][0])
        if len(rows) < batch:
            return
