"""The budget alerts: envelopes almost spent, late final reports, clawbacks awaited, granted parts
not committed.

The dashboard and the budget officers' home show them counted per kind (three queries whatever
the size of the call), each with a link to the full filtered list; the API lists them one by one
(`alerts`, computed only when asked). Late reports and awaited clawbacks are SQL conditions shared
with the commitments list's « Suivi » filter, so a count and its list always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import exists, func, select

from applications.models import Dossier, DossierStatus
from portal.db import db
from portal.formatting import format_date, format_decimal, format_money
from portal.models import INSTITUTION_LABELS, Institution

from ..models import Clawback, ClawbackStatus, Commitment, FinalReport, GrantAgreement, ReportStatus
from .commitments import uncommitted_totals_with
from .envelopes import envelope_label

ALERT_RATE = Decimal(90)  # percent of an envelope committed


@dataclass
class Alert:
    kind: str  # envelope | late_report | clawback | uncommitted
    message: str
    funder: Institution | None = None
    dossier_id: int | None = None


@dataclass
class AlertCount:
    """One kind of alert (for one funder, or for both when `funder` is None), counted."""

    kind: str
    count: int
    message: str
    funder: Institution | None = None


def late_report_conditions(today: dt.date) -> tuple:
    """Conditions on `Dossier` (joined): funded, its report due before today, not validated."""
    validated = (
        exists()
        .where(FinalReport.dossier_id == Dossier.id, FinalReport.status == ReportStatus.validated)
        .correlate(Dossier)
    )
    due = (
        exists()
        .where(GrantAgreement.dossier_id == Dossier.id, GrantAgreement.report_due_on < today)
        .correlate(Dossier)
    )
    return (Dossier.status == DossierStatus.funded, due, ~validated)


def open_clawback_condition():
    """Condition on `Commitment`: a clawback is still awaited on it."""
    return (
        exists()
        .where(Clawback.commitment_id == Commitment.id, Clawback.status == ClawbackStatus.open)
        .correlate(Commitment)
    )


def _envelope_alerts(envelopes: list) -> list[Alert]:
    """One per envelope committed at 90 % or more (as many as envelopes, never per dossier)."""
    return [
        Alert(
            "envelope",
            f"L'{envelope_label(figures.envelope)} est "
            f"engagée à {format_decimal(figures.rate)} % (reste "
            f"{format_money(figures.remaining)}).",
            figures.envelope.funder,
        )
        for figures in envelopes
        if figures.amount > 0 and figures.rate >= ALERT_RATE
    ]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def alert_counts(call, envelopes: list, today: dt.date) -> tuple[list[AlertCount], dict]:
    """The call's alerts counted per kind (and funder), in three queries; with the granted parts
    awaiting commitment per funder: {funder: (count, amount)}."""
    counts = [AlertCount(a.kind, 1, a.message, a.funder) for a in _envelope_alerts(envelopes)]
    late_reports = (
        select(Dossier.id, GrantAgreement.report_due_on)
        .join(GrantAgreement, GrantAgreement.dossier_id == Dossier.id)
        .where(Dossier.call_id == call.id, *late_report_conditions(today))
        .subquery()
    )
    # the late reports' count and oldest date, asked with the parts awaiting commitment
    pending, (late, oldest) = uncommitted_totals_with(
        call.id,
        select(func.count()).select_from(late_reports).scalar_subquery(),
        select(func.min(late_reports.c.report_due_on)).scalar_subquery(),
    )
    if late:
        counts.append(
            AlertCount(
                "late_report",
                late,
                f"{_plural(late, 'bilan final est', 'bilans finaux sont')} en retard ; le plus "
                f"ancien était attendu le {format_date(oldest)}.",
            )
        )
    for funder, dossiers, amount in db.session.execute(
        select(
            Commitment.funder,
            func.count(func.distinct(Commitment.dossier_id)),
            func.sum(Clawback.amount),
        )
        .join(Clawback, Clawback.commitment_id == Commitment.id)
        .where(Commitment.call_id == call.id, Clawback.status == ClawbackStatus.open)
        .group_by(Commitment.funder)
        .order_by(Commitment.funder)
    ):
        counts.append(
            AlertCount(
                "clawback",
                dossiers,
                f"Reversements attendus sur {_plural(dossiers, 'dossier', 'dossiers')} : "
                f"{format_money(Decimal(amount))} ({INSTITUTION_LABELS[funder]}).",
                funder,
            )
        )
    for funder, (count, amount) in pending.items():
        if count:
            counts.append(
                AlertCount(
                    "uncommitted",
                    count,
                    f"{_plural(count, 'dossier retenu n’est', 'dossiers retenus ne sont')} pas "
                    f"engagé{'s' if count > 1 else ''} : {format_money(amount)} "
                    f"({INSTITUTION_LABELS[funder]}).",
                    funder,
                )
            )
    return counts, pending


def alert_list(call, envelopes: list, pending: list, today: dt.date) -> list[Alert]:
    """Every alert one by one (the API's `alerts`): one per envelope, late report, dossier with a
    clawback awaited, and granted part awaiting commitment."""
    alerts = _envelope_alerts(envelopes)
    late = db.session.execute(
        select(Dossier.id, Dossier.reference, GrantAgreement.report_due_on)
        .join(GrantAgreement, GrantAgreement.dossier_id == Dossier.id)
        .where(Dossier.call_id == call.id, *late_report_conditions(today))
        .order_by(GrantAgreement.report_due_on, Dossier.reference)
    ).all()
    for dossier_id, reference, due in late:
        alerts.append(
            Alert(
                "late_report",
                f"Bilan du dossier {reference} en retard : attendu le {format_date(due)}.",
                None,
                dossier_id,
            )
        )
    for dossier_id, reference, funder, amount in db.session.execute(
        select(Dossier.id, Dossier.reference, Commitment.funder, func.sum(Clawback.amount))
        .join(Commitment, Commitment.dossier_id == Dossier.id)
        .join(Clawback, Clawback.commitment_id == Commitment.id)
        .where(Commitment.call_id == call.id, Clawback.status == ClawbackStatus.open)
        .group_by(Dossier.id, Dossier.reference, Commitment.funder)
        .order_by(Dossier.reference)
    ):
        alerts.append(
            Alert(
                "clawback",
                f"Reversement de {format_money(Decimal(amount))} attendu "
                f"sur le dossier {reference} ({INSTITUTION_LABELS[funder]}).",
                funder,
                dossier_id,
            )
        )
    for decision, funder, amount in pending:
        alerts.append(
            Alert(
                "uncommitted",
                f"Dossier {decision.dossier.reference} retenu mais non "
                f"engagé : {format_money(amount)} ({INSTITUTION_LABELS[funder]}).",
                funder,
                decision.dossier_id,
            )
        )
    return alerts


__all__ = [
    "ALERT_RATE",
    "Alert",
    "AlertCount",
    "alert_counts",
    "alert_list",
    "late_report_conditions",
    "open_clawback_condition",
]
