"""Commitments and payments of a call as tables for the finance systems, and its final reports'
figures (young people reached, outcomes, indicators target vs achieved, consent): CSV or XLSX.

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
from sqlalchemy.orm import selectinload

from applications.models import Dossier
from portal.db import db
from portal.models import INSTITUTION_LABELS, Establishment, Institution
from portal.reference import OUTCOMES, YOUNG_CATEGORIES

from .models import Commitment, FinalReport, Payment, ReportIndicator
from .services.figures import commitment_figures
from .services.report_outcomes import indicator_lines, outcomes_of, reach_of

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


# ---------------------------------------------------------------- final reports

REPORT_HEADER = [
    "Référence du dossier",
    "Établissement",
    "UAI",
    "Statut du bilan",
    "Jeunes touchés",
    *(f"Touchés : {label}" for label in YOUNG_CATEGORIES.values()),
    *(f"Situation : {label}" for label in OUTCOMES.values()),
    "Indicateurs avec cible chiffrée",
    "Cibles atteintes",
    "Indicateurs (cible → atteint)",
    "Accord de publication",
]


def _indicators_text(lines) -> str:
    met = {True: "atteinte", False: "non atteinte", None: "non mesurable"}
    return " ; ".join(
        f"{line.name} : {line.target or '—'} → {line.achieved or '—'} ({met[line.met]})"
        for line in lines
    )


def report_rows(call_id: int, batch: int = BATCH) -> Iterator[list]:
    """One row per final report of the call (by dossier reference): the young people reached by
    category, their outcomes, the indicators target vs achieved, the consent; a few queries per
    `batch` rows."""
    last: str | None = None
    while True:
        query = (
            select(FinalReport, Dossier.reference, Establishment.name, Establishment.uai)
            .join(Dossier, Dossier.id == FinalReport.dossier_id)
            .join(Establishment, Establishment.id == Dossier.establishment_id)
            .where(Dossier.call_id == call_id)
            .options(
                selectinload(FinalReport.reach),
                selectinload(FinalReport.outcomes),
                selectinload(FinalReport.indicators).joinedload(ReportIndicator.indicator),
            )
            .order_by(Dossier.reference)
            .limit(batch)
        )
        if last is not None:
            query = query.where(Dossier.reference > last)
        rows = db.session.execute(query).all()
        if not rows:
            return
        for report, reference, name, uai in rows:
            reach, outcomes = reach_of(report), outcomes_of(report)
            lines = indicator_lines(report, None)
            yield [
                reference,
                name,
                uai,
                report.status.label,
                report.young_reached,
                *(reach.get(key, 0) for key in YOUNG_CATEGORIES),
                *(outcomes.get(key, 0) for key in OUTCOMES),
                sum(1 for line in lines if line.met is not None),
                sum(1 for line in lines if line.met),
                _indicators_text(lines),
                "oui" if report.publication_consent else "non",
            ]
        last = rows[-1][1]
        if len(rows) < batch:
            return
