"""Read-side of the officers' money pages: the lists of commitments, payments and clawbacks.

Each list loads one page of rows with what it shows (dossier, establishment) eagerly, the figures
of the page's commitments in bulk (funding.services.figures), and totals as SQL sums over every
matching row — not only the page — so the totals equal the dashboard's figures to the cent, in a
number of queries that does not grow with the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from applications.models import Dossier, DossierStatus
from portal.db import db
from portal.models import (
    INSTITUTION_LABELS,
    AuditEvent,
    Call,
    CallStatus,
    Department,
    Establishment,
    Institution,
    User,
)
from portal.pagination import Page, paginate
from review.models import Decision

from ..models import Clawback, ClawbackStatus, Commitment, CommitmentStatus, Payment
from .alerts import late_report_conditions, open_clawback_condition
from .commitments import uncommitted
from .common import ZERO
from .common import today as paris_today
from .figures import CommitmentFigures, envelope_figures, main_remaining


@dataclass
class Totals:
    """Sums over every row matching the filters (the dashboard's definitions)."""

    count: int = 0
    granted: Decimal = ZERO
    committed: Decimal = ZERO  # active commitments only, as the dashboard
    payments: Decimal = ZERO
    settled: Decimal = ZERO
    claimed: Decimal = ZERO  # clawbacks, open or settled

    @property
    def paid(self) -> Decimal:
        """Money out, net of what was paid back (the dashboard's « versé »)."""
        return self.payments - self.settled

    @property
    def to_pay(self) -> Decimal:
        return self.committed - (self.payments - self.claimed)


@dataclass
class CommitmentRow:
    commitment: Commitment
    figures: CommitmentFigures
    department: str
    axis: str

    @property
    def paid(self) -> Decimal:
        return self.figures.paid - self.figures.settled

    @property
    def status(self) -> tuple[str, str]:
        """(label, DSFR badge class) of the commitment."""
        c = self.commitment
        if c.status == CommitmentStatus.cancelled:
            return "Annulé", "fr-badge--error"
        if self.figures.to_pay == 0 and self.figures.paid > 0:
            return "Versé", "fr-badge--success"
        if self.figures.open_clawbacks > 0:
            return "Reversement attendu", "fr-badge--warning"
        if c.amount < c.initial_amount:
            return "Réduit", "fr-badge--new"
        return "Engagé", "fr-badge--info"


@dataclass
class CommitmentList:
    page: Page
    rows: list[CommitmentRow]
    totals: Totals


# the list's « Suivi » filter: the dashboard's alerts, as SQL conditions (same definitions)
FOLLOW_UPS = {
    "bilan-en-retard": "Bilan final en retard",
    "reversement-attendu": "Reversement attendu",
}
SORTS = {"montant": "Montant engagé, du plus grand au plus petit"}  # default: by reference


def _follow_up(follow: str | None, today: dt.date) -> list:
    if follow == "bilan-en-retard":  # conditions on the dossier, joined
        return list(late_report_conditions(today))
    if follow == "reversement-attendu":
        return [open_clawback_condition()]
    return []


def commitment_list(
    call,
    funder: Institution | None,
    status: CommitmentStatus | None,
    page,
    follow: str | None = None,
    sort: str | None = None,
) -> CommitmentList:
    """One page of the call's commitments, filtered and sorted in SQL (by dossier reference, or
    by amount committed), with totals over all matches."""
    follow_up = _follow_up(follow, paris_today())
    where = [Commitment.call_id == call.id, *follow_up]
    if funder is not None:
        where.append(Commitment.funder == funder)
    if status is not None:
        where.append(Commitment.status == status)
    by_funder = case((Commitment.funder == Institution.state, 0), else_=1)
    order = (
        (Commitment.amount.desc(), Dossier.reference, by_funder)
        if sort == "montant"
        else (Dossier.reference, by_funder)
    )
    totals = _commitment_totals(where, on_dossier=bool(follow_up))
    stmt = (
        select(Commitment, Department.name, *_figure_columns())
        .join(Commitment.dossier)
        .outerjoin(Department, Department.code == Commitment.department_code)
        # a commitment's dossier is of its call: said again, the planner reads only its dossiers
        .where(*where, Dossier.call_id == call.id)
        .options(contains_eager(Commitment.dossier).joinedload(Dossier.establishment))
        .order_by(*order)
    )
    result = paginate(stmt, page, total=totals.count, rows=True)
    axes = {a.number: a.label for a in call.axes}
    rows = []
    for c, department, *sums in result.items:
        rows.append(
            CommitmentRow(
                c,
                CommitmentFigures(c, *(Decimal(v or 0) for v in sums)),
                f"{c.department_code} — {department or ''}",
                f"{c.axis_number} — {axes.get(c.axis_number, '')}" if c.axis_number else "—",
            )
        )
    result.items = [row.commitment for row in rows]
    return CommitmentList(result, rows, totals)


def _figure_columns() -> tuple:
    """Paid, claimed (open or settled) and settled back on each commitment of a page, as the
    page's own columns (`commitment_figures`' sums, without their two queries)."""
    settled = Clawback.status == ClawbackStatus.settled
    return (
        select(func.sum(Payment.amount))
        .where(Payment.commitment_id == Commitment.id)
        .correlate(Commitment)
        .scalar_subquery(),
        select(func.sum(Clawback.amount))
        .where(Clawback.commitment_id == Commitment.id)
        .correlate(Commitment)
        .scalar_subquery(),
        select(func.sum(case((settled, Clawback.amount), else_=0)))
        .where(Clawback.commitment_id == Commitment.id)
        .correlate(Commitment)
        .scalar_subquery(),
    )


def _commitment_totals(where: list, on_dossier: bool = True) -> Totals:
    """Sums over every matching commitment (`where` may name the dossier: it is joined, unless
    `on_dossier` is false — no condition on it, and no join over the call's dossiers), in one
    query: the payments' and clawbacks' sums are its uncorrelated subqueries."""
    active = Commitment.status == CommitmentStatus.active
    settled = Clawback.status == ClawbackStatus.settled

    def joined(stmt):
        return stmt.join(Dossier, Dossier.id == Commitment.dossier_id) if on_dossier else stmt

    payments = (
        joined(select(func.sum(Payment.amount)).join(Payment.commitment))
        .where(*where)
        .correlate(None)
        .scalar_subquery()
    )
    claimed, settled_back = (
        joined(select(func.sum(column)).join(Clawback.commitment))
        .where(*where)
        .correlate(None)
        .scalar_subquery()
        for column in (Clawback.amount, case((settled, Clawback.amount), else_=0))
    )
    count, granted, committed, paid, claimed_total, settled_total = db.session.execute(
        joined(
            select(
                func.count(Commitment.id),
                func.sum(Commitment.initial_amount),
                func.sum(case((active, Commitment.amount), else_=0)),
                payments,
                claimed,
                settled_back,
            )
        ).where(*where)
    ).one()
    return Totals(
        count=count or 0,
        granted=Decimal(granted or 0),
        committed=Decimal(committed or 0),
        payments=Decimal(paid or 0),
        settled=Decimal(settled_total or 0),
        claimed=Decimal(claimed_total or 0),
    )


@dataclass
class PendingPart:
    """A final decision's part that no commitment holds yet, and why."""

    decision: object
    funder: Institution
    amount: Decimal
    reason: str
    remaining: Decimal | None  # what the funder's main envelope still holds (None: no envelope)

    @property
    def funder_label(self) -> str:
        return INSTITUTION_LABELS[self.funder]


def pending_parts(call) -> list[PendingPart]:
    """`uncommitted` with the last refusal's reason (audit) and the envelope's remainder."""
    pending = uncommitted(call.id)
    if not pending:
        return []
    dossier_ids = {decision.dossier_id for decision, _, _ in pending}
    reasons: dict[tuple, str] = {}
    for event in db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == "commitment_refused",
            AuditEvent.object_type == "dossier",
            AuditEvent.object_id.in_(dossier_ids),
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    ):
        changes = event.changes or {}
        reasons[(event.object_id, changes.get("funder"))] = changes.get("reason", "")
    remaining = main_remaining(call.id)
    return [
        PendingPart(
            decision,
            funder,
            amount,
            reasons.get((decision.dossier_id, funder.value), ""),
            remaining.get(funder),
        )
        for decision, funder, amount in pending
    ]


# ---------------------------------------------------------------- payments and clawbacks


def parse_month(raw: str | None) -> tuple[dt.date, dt.date] | None:
    """`2026-11` → (first day, first day of the next month); None when absent or unreadable."""
    try:
        start = dt.datetime.strptime((raw or "").strip(), "%Y-%m").date()
    except ValueError:
        return None
    end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, end


@dataclass
class PaymentList:
    page: Page
    recorders: dict[int, User]
    count: int
    total: Decimal
    months: list[str] = field(default_factory=list)


def payment_list(call, funder: Institution | None, month: str | None, page) -> PaymentList:
    """One page of the call's payments (latest first), with the total of every matching one."""
    where = [Commitment.call_id == call.id]
    if funder is not None:
        where.append(Payment.funder == funder)
    bounds = parse_month(month)
    if bounds is not None:
        where += [Payment.paid_on >= bounds[0], Payment.paid_on < bounds[1]]
    stmt = (
        select(Payment)
        .join(Payment.commitment)
        .join(Commitment.dossier)
        .where(*where)
        .options(contains_eager(Payment.commitment).contains_eager(Commitment.dossier))
        .order_by(Payment.paid_on.desc(), Payment.id.desc())
    )
    result = paginate(stmt, page)
    ids = {p.recorded_by_id for p in result.items}
    recorders = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    )
    count, total = db.session.execute(
        select(func.count(Payment.id), func.sum(Payment.amount))
        .join(Payment.commitment)
        .where(*where)
    ).one()
    days = db.session.scalars(
        select(Payment.paid_on)
        .join(Payment.commitment)
        .where(Commitment.call_id == call.id)
        .distinct()
    )
    months = sorted({d.strftime("%Y-%m") for d in days}, reverse=True)
    return PaymentList(result, recorders, count or 0, Decimal(total or 0), months)


def clawbacks_of_call(call, funder: Institution | None = None) -> list[Clawback]:
    """The call's clawbacks, open ones first (oldest first), with their commitment and dossier."""
    where = [Commitment.call_id == call.id]
    if funder is not None:
        where.append(Commitment.funder == funder)
    return list(
        db.session.scalars(
            select(Clawback)
            .join(Clawback.commitment)
            .join(Commitment.dossier)
            .where(*where)
            .options(contains_eager(Clawback.commitment).contains_eager(Commitment.dossier))
            .order_by(
                case((Clawback.status == ClawbackStatus.open, 0), else_=1),
                Clawback.created_at,
                Clawback.id,
            )
        )
    )


# ---------------------------------------------------------------- one commitment


def history(commitment: Commitment) -> list[AuditEvent]:
    """The audit trail of the commitment, its payments and its clawbacks, oldest first."""
    payment_ids = [p.id for p in commitment.payments]
    clawback_ids = [c.id for c in commitment.clawbacks]
    clauses = [(AuditEvent.object_type == "commitment") & (AuditEvent.object_id == commitment.id)]
    if payment_ids:
        clauses.append(
            (AuditEvent.object_type == "payment") & AuditEvent.object_id.in_(payment_ids)
        )
    if clawback_ids:
        clauses.append(
            (AuditEvent.object_type == "clawback") & AuditEvent.object_id.in_(clawback_ids)
        )
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(or_(*clauses))
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def decision_of(commitment: Commitment) -> Decision | None:
    """The final decision the commitment holds a part of."""
    return db.session.get(Decision, commitment.decision_id)


def users_by_id(ids) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


# ---------------------------------------------------------------- the budget pages and the home


def budget_calls() -> list[Call]:
    """The calls past their preparation, latest first."""
    return list(
        db.session.scalars(
            select(Call)
            .where(Call.status != CallStatus.draft)
            .order_by(Call.opens_at.desc(), Call.id.desc())
        )
    )


def main_figures(call_id: int, funder: Institution | None = None) -> dict:
    """The main envelopes' figures of a call, by funder (a funder without envelope is absent)."""
    return {f.envelope.funder: f for f in envelope_figures(call_id, funder) if f.envelope.is_main}


def departments() -> list[tuple[str, str]]:
    """(code, name) of every département, by code."""
    return db.session.execute(
        select(Department.code, Department.name).order_by(Department.code)
    ).all()


def payments_to_record(own: set[Institution], limit: int) -> tuple[list, int]:
    """Active commitments of the institutions' funded dossiers on which nothing is paid yet:
    the first `limit` of them (with the dossier's reference, title, establishment), and how many
    there are."""
    where = (
        Commitment.funder.in_(own),
        Commitment.status == CommitmentStatus.active,
        Dossier.status == DossierStatus.funded,
        ~exists().where(Payment.commitment_id == Commitment.id),
    )
    rows = db.session.execute(
        select(Commitment, Dossier.reference, Dossier.title, Establishment.name)
        .join(Dossier, Dossier.id == Commitment.dossier_id)
        .join(Establishment, Establishment.id == Dossier.establishment_id)
        .where(*where)
        .order_by(Dossier.reference, Commitment.funder)
        .limit(limit)
    ).all()
    count = db.session.scalar(
        select(func.count(Commitment.id))
        .join(Dossier, Dossier.id == Commitment.dossier_id)
        .where(*where)
    )
    return rows, count
