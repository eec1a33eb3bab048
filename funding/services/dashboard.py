"""The budget dashboard's figures, per call and per funder, in a constant number of queries.

Everything here is summed from the commitments and payments themselves, so the dashboard, its
lists, the exports and the API (`GET /calls/{id}/budget`) reconcile to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from sqlalchemy import Date, cast, func, literal, null, select, union_all

from portal.db import db
from portal.models import (
    INSTITUTION_LABELS,
    KIND_LABELS,
    Call,
    Department,
    Institution,
)

from .. import money
from ..models import (
    Clawback,
    ClawbackStatus,
    Commitment,
    CommitmentStatus,
    Payment,
)
from .alerts import ALERT_RATE, Alert, AlertCount, alert_counts, alert_list
from .commitments import uncommitted
from .common import hour_to_paris_month, utc_hour
from .common import today as paris_today
from .figures import EnvelopeFigures, Totals, envelope_figures, fold, kind_scope_totals

ZERO = Decimal("0.00")
__all__ = ["ALERT_RATE", "Alert", "AlertCount", "Bar", "CallBudget", "FunderBudget", "call_budget"]


@dataclass
class Bar:
    key: str
    label: str
    committed: Decimal = ZERO
    paid: Decimal = ZERO


@dataclass
class FunderBudget:
    funder: Institution
    envelope: Decimal = ZERO  # the main envelope (0 when none is set)
    has_envelope: bool = False
    committed: Decimal = ZERO
    paid: Decimal = ZERO  # payments − settled clawbacks
    payments: Decimal = ZERO
    clawbacks_open: Decimal = ZERO
    clawbacks_settled: Decimal = ZERO
    uncommitted: Decimal = ZERO  # final decisions' parts awaiting commitment
    commitments: int = 0
    by_department: list[Bar] = field(default_factory=list)
    by_axis: list[Bar] = field(default_factory=list)
    by_kind: list[Bar] = field(default_factory=list)
    # cumulative, per month "YYYY-MM": (committed, paid)
    over_time: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return INSTITUTION_LABELS[self.funder]

    @property
    def remaining(self) -> Decimal:
        return self.envelope - self.committed

    @property
    def to_pay(self) -> Decimal:
        return self.committed - (self.payments - self.clawbacks_settled - self.clawbacks_open)

    @property
    def rate(self) -> Decimal:
        return money.committed_rate(self.committed, self.envelope)


@dataclass
class CallBudget:
    call: Call
    funders: dict[Institution, FunderBudget]
    envelopes: list[EnvelopeFigures]  # sub-envelopes included
    alert_counts: list[AlertCount]  # per kind (and funder): what the pages show
    today: dt.date

    def for_funder(self, funder: Institution) -> FunderBudget:
        return self.funders[funder]

    def counts_for(self, funders) -> list[AlertCount]:
        """The counted alerts about no funder in particular or about one of `funders`."""
        return [a for a in self.alert_counts if a.funder is None or a.funder in funders]

    @cached_property
    def alerts(self) -> list[Alert]:
        """Every alert one by one (the API): computed only when asked."""
        return alert_list(self.call, self.envelopes, uncommitted(self.call.id), self.today)


def call_budget(call: Call, today: dt.date | None = None) -> CallBudget:
    """Figures of both funders for the call: envelopes, totals, breakdowns, series and alerts."""
    today = today or paris_today()
    funders = {f: FunderBudget(f) for f in (Institution.state, Institution.region)}
    detailed = kind_scope_totals(call.id)
    totals = fold(detailed)
    envelopes = envelope_figures(call.id, totals=totals)
    for figures in envelopes:
        if figures.envelope.is_main:
            budget = funders[figures.envelope.funder]
            budget.envelope = figures.envelope.amount
            budget.has_envelope = True
    for (funder, _department, _axis), part in totals.items():
        _add(funders[funder], part)
    _breakdowns(call, funders, detailed)
    _series(call.id, funders)
    counts, pending = alert_counts(call, envelopes, today)
    for funder, (_count, amount) in pending.items():
        funders[funder].uncommitted += amount
    return CallBudget(call, funders, envelopes, counts, today)


def _add(budget: FunderBudget, part: Totals) -> None:
    """A funder's totals are the sums of its scopes' (the envelopes' figures come from the same)."""
    budget.committed += part.committed
    budget.commitments += part.commitments
    budget.payments += part.payments
    budget.clawbacks_settled += part.settled
    budget.clawbacks_open += part.open
    budget.paid = budget.payments - budget.clawbacks_settled


def _breakdowns(call: Call, funders: dict, detailed: dict) -> None:
    """Committed and paid per département, main axis and kind of establishment: summed from the
    call's totals per (funder, département, axis, kind), no query of their own but the names."""
    departments = dict(db.session.execute(select(Department.code, Department.name)).all())
    axes = {a.number: a.label for a in call.axes}
    for position, name in ((1, "department"), (2, "axis"), (3, "kind")):
        bars: dict = {f: {} for f in funders}
        for key, part in detailed.items():
            if not (part.commitments or part.payments or part.settled):
                continue
            values = bars[key[0]].setdefault(key[position], [ZERO, ZERO])
            values[0] += part.committed
            values[1] += part.paid
        for funder, values in bars.items():
            rows = []
            for key, (committed_total, paid_total) in values.items():
                if name == "department":
                    label = f"{departments.get(key, key)} ({key})"
                elif name == "axis":
                    label = f"Axe {key} – {axes[key]}" if key in axes else "Sans axe principal"
                else:
                    kind = getattr(key, "value", key)
                    label = KIND_LABELS.get(key, kind)
                rows.append(
                    Bar(str(getattr(key, "value", key)), label, committed_total, paid_total)
                )
            setattr(funders[funder], f"by_{name}", sorted(rows, key=lambda b: b.key))


def _series(call_id: int, funders: dict) -> None:
    """Cumulative committed (by commitment month, current amounts) and paid (by payment month,
    less the clawbacks settled, by settlement month): the three sums in one UNION ALL query."""
    monthly: dict = {f: defaultdict(lambda: [ZERO, ZERO]) for f in funders}
    hour = utc_hour(Commitment.created_at)
    no_day = cast(null(), Date)
    committed = (
        select(Commitment.funder, literal(0), hour, no_day, func.sum(Commitment.amount))
        .where(Commitment.call_id == call_id, Commitment.status == CommitmentStatus.active)
        .group_by(Commitment.funder, hour)
    )
    paid = (
        select(Commitment.funder, literal(1), null(), Payment.paid_on, func.sum(Payment.amount))
        .join(Payment.commitment)
        .where(Commitment.call_id == call_id)
        .group_by(Commitment.funder, Payment.paid_on)
    )
    settled = (
        select(
            Commitment.funder, literal(2), null(), Clawback.settled_on, func.sum(Clawback.amount)
        )
        .join(Clawback.commitment)
        .where(Commitment.call_id == call_id, Clawback.status == ClawbackStatus.settled)
        .group_by(Commitment.funder, Clawback.settled_on)
    )
    for funder, part, created_hour, day, total in db.session.execute(
        union_all(committed, paid, settled)
    ):
        if part == 0:
            monthly[funder][hour_to_paris_month(created_hour)][0] += Decimal(total)
        else:
            sign = 1 if part == 1 else -1
            monthly[funder][day.strftime("%Y-%m")][1] += sign * Decimal(total or 0)
    for funder, months in monthly.items():
        committed = paid = ZERO
        series = []
        for month in sorted(months):
            committed += months[month][0]
            paid += months[month][1]
            series.append((month, committed, paid))
        funders[funder].over_time = series
