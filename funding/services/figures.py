"""Figures are never stored: committed, paid and remaining are summed from the rows, in a constant
number of queries, so a dashboard reconciles to the cent with the lists it summarises.

Per commitment:
- paid = the payments; claimed = its clawbacks (open or settled); net = paid − claimed;
- to pay = amount − net, never negative: a payment may not exceed it, a reduction may not go
  below net, a clawback may not exceed net.
Per envelope: committed = Σ amounts, paid = Σ payments − Σ settled clawbacks (money out),
remaining = envelope − committed, to pay = Σ (amount − net).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, literal, select, union_all

from applications.models import Dossier
from portal.db import db
from portal.models import Establishment, Institution

from .. import money
from ..models import Clawback, ClawbackStatus, Commitment, CommitmentStatus, Envelope, Payment
from .common import ZERO


@dataclass
class Totals:
    committed: Decimal = ZERO
    payments: Decimal = ZERO
    settled: Decimal = ZERO  # clawbacks paid back
    open: Decimal = ZERO  # clawbacks still owed
    commitments: int = 0  # active ones

    @property
    def paid(self) -> Decimal:
        """Money out, net of what was paid back."""
        return self.payments - self.settled

    @property
    def to_pay(self) -> Decimal:
        return self.committed - (self.payments - self.settled - self.open)

    def add(self, other: Totals) -> None:
        self.committed += other.committed
        self.payments += other.payments
        self.settled += other.settled
        self.open += other.open
        self.commitments += other.commitments


@dataclass
class EnvelopeFigures:
    envelope: Envelope
    totals: Totals

    @property
    def amount(self) -> Decimal:
        return self.envelope.amount

    @property
    def committed(self) -> Decimal:
        return self.totals.committed

    @property
    def paid(self) -> Decimal:
        return self.totals.paid

    @property
    def remaining(self) -> Decimal:
        return self.envelope.amount - self.totals.committed

    @property
    def to_pay(self) -> Decimal:
        return self.totals.to_pay

    @property
    def open_clawbacks(self) -> Decimal:
        return self.totals.open

    @property
    def rate(self) -> Decimal:
        """Committed share of the envelope, in percent."""
        return money.committed_rate(self.totals.committed, self.envelope.amount)


def kind_scope_totals(call_id: int) -> dict[tuple, Totals]:
    """Totals per (funder, département, axis, kind of establishment) of the call, in one query
    (a UNION ALL of the commitments', the payments' and the clawbacks' sums, each grouped by
    scope: no per-commitment sums joined back), from which the envelopes' figures and the
    dashboard's breakdowns are all summed."""
    scope = (
        Commitment.funder,
        Commitment.department_code,
        Commitment.axis_number,
        Establishment.kind,
    )

    def scoped(stmt, *group):
        # a commitment's dossier is of its call: said again, only the call's dossiers are read
        return (
            stmt.join(Dossier, Dossier.id == Commitment.dossier_id)
            .join(Establishment, Establishment.id == Dossier.establishment_id)
            .where(Commitment.call_id == call_id, Dossier.call_id == call_id)
            .group_by(*scope, *group)
        )

    active = Commitment.status == CommitmentStatus.active
    settled_part = case((Clawback.status == ClawbackStatus.settled, 2), else_=3)
    committed = scoped(
        select(
            *scope,
            literal(0),
            func.sum(case((active, Commitment.amount), else_=0)),
            func.count(case((active, Commitment.id))),
        )
    )
    # payments and clawbacks count even on a cancelled commitment (money did move)
    paid = scoped(
        select(*scope, literal(1), func.sum(Payment.amount), literal(0))
        .select_from(Payment)
        .join(Commitment, Commitment.id == Payment.commitment_id)
    )
    claimed = scoped(
        select(*scope, settled_part, func.sum(Clawback.amount), literal(0))
        .select_from(Clawback)
        .join(Commitment, Commitment.id == Clawback.commitment_id),
        settled_part,
    )
    result: dict[tuple, Totals] = defaultdict(Totals)
    for *key, part, amount, count in db.session.execute(union_all(committed, paid, claimed)):
        totals = result[tuple(key)]
        value = money.cents(amount or 0)  # to the cent: SQLite sums a CASE as a float
        if part == 0:
            totals.committed, totals.commitments = value, count or 0
        elif part == 1:
            totals.payments = value
        elif part == 2:
            totals.settled = value
        else:
            totals.open = value
    # a scope of cancelled commitments only: no money moved
    return defaultdict(
        Totals,
        {key: t for key, t in result.items() if t.commitments or t.payments or t.settled or t.open},
    )


def fold(detailed: dict[tuple, Totals]) -> dict[tuple, Totals]:
    """Totals per (funder, département, axis): the kinds of establishment summed."""
    result: dict[tuple, Totals] = defaultdict(Totals)
    for (funder, department, axis, _kind), part in detailed.items():
        result[(funder, department, axis)].add(part)
    return result


def scope_totals(call_id: int) -> dict[tuple, Totals]:
    """Totals per (funder, département, axis) of the call's active commitments: three queries."""
    return fold(kind_scope_totals(call_id))


def _matches(envelope: Envelope, key: tuple) -> bool:
    funder, department, axis = key
    return (
        envelope.funder == funder
        and envelope.department_code in (None, department)
        and envelope.axis_number in (None, axis)
    )


def envelope_figures(
    call_id: int, funder: Institution | None = None, totals: dict[tuple, Totals] | None = None
) -> list[EnvelopeFigures]:
    """Every envelope of the call (main ones first), with its figures: four queries in all (one
    when the caller already has the call's `scope_totals`)."""
    query = select(Envelope).where(Envelope.call_id == call_id)
    if funder is not None:
        query = query.where(Envelope.funder == funder)
    envelopes = db.session.scalars(query).all()
    envelopes = sorted(
        envelopes,
        key=lambda e: (e.funder.value, not e.is_main, e.department_code or "", e.axis_number or 0),
    )
    if totals is None:
        totals = scope_totals(call_id)
    figures = []
    for envelope in envelopes:
        mine = Totals()
        for key, value in totals.items():
            if _matches(envelope, key):
                mine.add(value)
        figures.append(EnvelopeFigures(envelope, mine))
    return figures


def main_remaining(call_id: int) -> dict[Institution, Decimal]:
    """What each funder's main envelope still holds (envelope − its active commitments, as
    `envelope_figures` has it), in one small query: no breakdown per scope."""
    committed = (
        select(func.sum(Commitment.amount))
        .where(
            Commitment.call_id == call_id,
            Commitment.status == CommitmentStatus.active,
            Commitment.funder == Envelope.funder,
        )
        .correlate(Envelope)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Envelope, committed).where(
            Envelope.call_id == call_id,
            Envelope.department_code.is_(None),
            Envelope.axis_number.is_(None),
        )
    ).all()
    return {e.funder: e.amount - Decimal(total or 0) for e, total in rows}


@dataclass
class CommitmentFigures:
    commitment: Commitment
    paid: Decimal
    claimed: Decimal
    settled: Decimal

    @property
    def net(self) -> Decimal:
        return self.paid - self.claimed

    @property
    def to_pay(self) -> Decimal:
        return self.commitment.amount - self.net

    @property
    def open_clawbacks(self) -> Decimal:
        return self.claimed - self.settled


def commitment_figures(commitments: list[Commitment]) -> list[CommitmentFigures]:
    """Paid and claimed amounts of each commitment, in two queries whatever their number."""
    ids = [c.id for c in commitments]
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    claimed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    settled: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if ids:
        for cid, total in db.session.execute(
            select(Payment.commitment_id, func.sum(Payment.amount))
            .where(Payment.commitment_id.in_(ids))
            .group_by(Payment.commitment_id)
        ):
            paid[cid] = Decimal(total or 0)
        for cid, status, total in db.session.execute(
            select(Clawback.commitment_id, Clawback.status, func.sum(Clawback.amount))
            .where(Clawback.commitment_id.in_(ids))
            .group_by(Clawback.commitment_id, Clawback.status)
        ):
            claimed[cid] += Decimal(total or 0)
            if status == ClawbackStatus.settled:
                settled[cid] += Decimal(total or 0)
    return [CommitmentFigures(c, paid[c.id], claimed[c.id], settled[c.id]) for c in commitments]


def figures_of(commitment: Commitment) -> CommitmentFigures:
    return commitment_figures([commitment])[0]


def commitments_of(dossier: Dossier) -> list[Commitment]:
    return list(
        db.session.scalars(
            select(Commitment)
            .where(Commitment.dossier_id == dossier.id)
            .order_by(Commitment.funder)
        )
    )
