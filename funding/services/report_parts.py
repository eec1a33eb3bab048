"""Each funder's part of the final report (read only): who validated what, what each funder owes,
and the settlement an officer previews before validating their own part.

The State's officer validates the State's part, the Région's officer the Région's: what each funder
owes is fixed at the first validation (funding.money.due_per_funder over the active commitments,
stored on the report), then each funder settles its own commitment when its officer validates
(funding.services.settlement). The report is validated once every funder with an
active commitment has validated its part.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from applications.models import Dossier, DossierStatus
from portal.db import db
from portal.formatting import PARIS, format_datetime
from portal.models import INSTITUTION_LABELS, Institution, User
from portal.permissions import Permission, can

from .. import money
from ..models import Commitment, CommitmentStatus, FinalReport, ReportStatus
from .agreements import agreement_of
from .common import OF_FUNDER
from .figures import commitment_figures, commitments_of

FUNDERS = (Institution.state, Institution.region)
SHORT_LABELS = {Institution.state: "État", Institution.region: "Région"}


# ---------------------------------------------------------------- the report and its columns per funder


def report_of(dossier: Dossier) -> FinalReport | None:
    return db.session.scalar(select(FinalReport).where(FinalReport.dossier_id == dossier.id))


def is_late(report: FinalReport | None, dossier: Dossier) -> bool:
    """Submitted after the agreement's due date (Paris day): accepted, but flagged."""
    agreement = agreement_of(dossier)
    if report is None or report.submitted_at is None or agreement is None:
        return False
    return report.submitted_at.astimezone(PARIS).date() > agreement.report_due_on


def report_due_at(dossier: Dossier) -> dt.datetime | None:
    """The last moment to deposit the report: its due day at 23 h 59, Paris time."""
    agreement = agreement_of(dossier)
    if agreement is None:
        return None
    return agreement.report_due_at


def validated_at(report: FinalReport, funder: Institution) -> dt.datetime | None:
    return getattr(report, f"{funder.value}_validated_at")


def validated_by_id(report: FinalReport, funder: Institution) -> int | None:
    return getattr(report, f"{funder.value}_validated_by_id")


def stored_due(report: FinalReport, funder: Institution) -> Decimal | None:
    return getattr(report, f"due_{funder.value}")


def dues_fixed(report: FinalReport | None) -> bool:
    """A funder validated its part: the justified amount and every funder's due are fixed."""
    return report is not None and any(validated_at(report, f) is not None for f in FUNDERS)


def active_commitments(dossier: Dossier) -> list[Commitment]:
    return [c for c in commitments_of(dossier) if c.status == CommitmentStatus.active]


def pending_funders(report: FinalReport, dossier: Dossier) -> list[Institution]:
    """Funders with an active commitment whose officer has not validated their part yet."""
    return [c.funder for c in active_commitments(dossier) if validated_at(report, c.funder) is None]


# ---------------------------------------------------------------- what the pages show


@dataclass
class Part:
    funder: Institution
    due: Decimal | None
    validated_at: dt.datetime | None
    validated_by: User | None

    @property
    def label(self) -> str:
        return f"Part {SHORT_LABELS[self.funder]}"

    @property
    def text(self) -> str:
        """ "Part État validée le … par …" or "Part Région en attente"."""
        if self.validated_at is None:
            return f"{self.label} en attente"
        by = f" par {self.validated_by.full_name}" if self.validated_by else ""
        return f"{self.label} validée le {format_datetime(self.validated_at)}{by}"


def parts(report: FinalReport | None, dossier: Dossier) -> list[Part]:
    """Each funder's part of a submitted or validated report: the funders with an active
    commitment, and those who validated (their commitment may since be settled to zero)."""
    if report is None or report.status not in (ReportStatus.submitted, ReportStatus.validated):
        return []
    active = {c.funder for c in active_commitments(dossier)}
    result = []
    for funder in FUNDERS:
        at = validated_at(report, funder)
        if funder in active or at is not None:
            by_id = validated_by_id(report, funder)
            result.append(
                Part(
                    funder,
                    stored_due(report, funder),
                    at,
                    db.session.get(User, by_id) if by_id else None,
                )
            )
    return result


def validatable_funders(
    user: User, report: FinalReport | None, dossier: Dossier
) -> list[Institution]:
    """The parts `user` may validate now: their own funders', committed and still pending."""
    if (
        report is None
        or report.status != ReportStatus.submitted
        or dossier.status != DossierStatus.reporting
        or not can(user, Permission.REVIEW_REPORT, dossier)
    ):
        return []
    return [f for f in pending_funders(report, dossier) if can(user, Permission.MANAGE_MONEY, f)]


@dataclass
class SettlementLine:
    funder: Institution
    granted: Decimal
    due: Decimal
    paid: Decimal  # net of clawbacks already claimed
    balance: Decimal
    clawback: Decimal
    validated_at: dt.datetime | None = None

    @property
    def funder_label(self) -> str:
        return INSTITUTION_LABELS[self.funder]

    @property
    def of_funder(self) -> str:
        return OF_FUNDER[self.funder]


def justified_of(report: FinalReport) -> Decimal:
    """The justified spending: fixed at the first validation, else the expenses' total."""
    if dues_fixed(report) and report.justified_amount is not None:
        return report.justified_amount
    return report.expenses_total


def settlement_preview(dossier: Dossier, report: FinalReport) -> list[SettlementLine]:
    """Per funder (nothing changed): what validating its part settles — the due (stored once fixed,
    else computed as the first validation will), already paid net, the balance or the clawback.
    A part already validated shows what remains: the balance still to pay, the clawback still
    open. The same rules as funding.services.settle_funder_on_report."""
    justified = justified_of(report)
    fixed = dues_fixed(report)
    active = active_commitments(dossier)
    computed = money.due_per_funder({c.funder: c.amount for c in active}, justified)
    shown = [
        c
        for c in commitments_of(dossier)
        if c.status == CommitmentStatus.active or validated_at(report, c.funder) is not None
    ]
    lines = []
    for figures in commitment_figures(shown):
        c = figures.commitment
        at = validated_at(report, c.funder)
        if at is not None:
            balance = (
                max(figures.to_pay, money.ZERO)
                if c.status == CommitmentStatus.active
                else money.ZERO
            )
            due = stored_due(report, c.funder)
            lines.append(
                SettlementLine(
                    c.funder,
                    c.initial_amount,
                    c.amount if due is None else due,
                    figures.net,
                    balance,
                    figures.open_clawbacks,
                    at,
                )
            )
            continue
        due = stored_due(report, c.funder) if fixed else computed.get(c.funder, money.ZERO)
        owed = min(due if due is not None else money.ZERO, c.amount)
        balance, clawback = money.settlement(owed, figures.net)
        lines.append(
            SettlementLine(c.funder, c.initial_amount, owed, figures.net, balance, clawback)
        )
    return sorted(lines, key=lambda line: FUNDERS.index(line.funder))


def fingerprint(report: FinalReport, lines: list[SettlementLine]) -> str:
    """A short digest of the report's version and the preview's figures: the validation form
    posts it back, so a payment or a clawback recorded meanwhile shows as a change."""
    text = "|".join(
        [str(report.version)]
        + [
            f"{line.funder.value}:{line.due}:{line.paid}:{line.balance}:{line.clawback}:"
            f"{line.validated_at is not None}"
            for line in lines
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]
