"""The money rules as properties (Hypothesis).

First the pure rules of funding/money.py against exact rational arithmetic (Fraction); then the
services in the test database: a final report's settlement, and random sequences of envelope
changes, commitments, reductions, payments and clawbacks (a state machine) checked after every
step against an independent model (tests/funding/ledger.py), the envelope figures and the
dashboard, to the cent. Each database example runs in a savepoint rolled back at its end.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from applications import workflow
from funding import money, services
from funding.models import FinalReport, ReportStatus
from portal.db import db

from .conftest import REGION, STATE, commitment_of
from .db_checks import is_money, rolled_back
from .ledger import LedgerMachine, ledger_world

PURE = settings(max_examples=300, deadline=None)
# The database examples use the test's fixtures, rolled back per example by a savepoint.
IN_DB = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2)
amounts0 = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("999999.99"), places=2)
rates = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("100.00"), places=2)


def half_up_cents(exact: Fraction) -> Decimal:
    """The oracle: an exact non-negative amount rounded to the cent, half a cent up."""
    cents = math.floor(exact * 100 + Fraction(1, 2))
    return Decimal(cents) / 100


# ---------------------------------------------------------------- pure rules


@PURE
@given(amounts, rates)
def test_advance_is_the_exact_share_rounded_half_up(granted, rate):
    advance = money.advance(granted, rate)
    assert is_money(advance)
    assert advance == half_up_cents(Fraction(granted) * Fraction(rate) / 100)
    assert Decimal(0) <= advance <= granted


@PURE
@given(amounts, rates)
def test_advance_plus_balance_is_the_grant(granted, rate):
    advance = money.advance(granted, rate)
    assert advance + (granted - advance) == granted
    (line,) = services.schedule({STATE: granted}, rate)
    assert line.advance == advance and line.advance + line.balance == granted
    assert is_money(line.balance) and line.balance >= 0


def test_half_a_cent_goes_up():
    assert money.advance(Decimal("1234.45"), Decimal(50)) == Decimal("617.23")
    assert money.advance(Decimal("0.01"), Decimal(50)) == Decimal("0.01")
    assert money.advance(Decimal("0.03"), Decimal(50)) == Decimal("0.02")
    assert "demi-centime" in money.ROUNDING_RULE


@PURE
@given(amounts0, amounts0, amounts0)
def test_due_parts_add_up_to_what_is_owed(state, region, justified):
    due = money.due_per_funder({STATE: state, REGION: region}, justified)
    assert set(due) == {STATE, REGION}
    assert all(is_money(part) for part in due.values())
    assert due[STATE] + due[REGION] == min(state + region, justified)
    assert Decimal(0) <= due[STATE] <= state and Decimal(0) <= due[REGION] <= region
    total = Fraction(state + region)
    if total:
        owed = Fraction(min(state + region, justified))
        for funder, grant in ((STATE, state), (REGION, region)):
            # each part is the proportional share, within a cent
            assert abs(Fraction(due[funder]) - owed * Fraction(grant) / total) <= Fraction(1, 100)


@PURE
@given(amounts0, amounts0, amounts0, rates, st.data())
def test_advance_balance_and_clawback_add_up_to_what_is_due(state, region, justified, rate, data):
    """For any amount paid between 0 and the grant (the advance among them), what was paid plus
    the balance minus the clawback is what is due, and both funders together owe min(granted,
    justified)."""
    granted = {STATE: state, REGION: region}
    due = money.due_per_funder(granted, justified)
    for funder, grant in granted.items():
        for paid in (
            money.advance(grant, rate),
            data.draw(st.decimals(min_value=0, max_value=grant, places=2)),
        ):
            balance, clawback = money.settlement(due[funder], paid)
            assert is_money(balance) and is_money(clawback)
            assert paid + balance - clawback == due[funder]
            assert balance >= 0 and clawback >= 0 and (balance == 0 or clawback == 0)
            assert clawback <= paid
    assert sum(due.values()) == min(state + region, justified)


# ---------------------------------------------------------------- the services, in the database

grants = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("20000.00"), places=2)
shares = st.fractions(min_value=0, max_value=1)


@IN_DB
@given(grants, grants, shares, shares, amounts0)
def test_a_validated_report_settles_every_funder_to_the_cent(
    money_world, state, region, paid_state, paid_region, justified
):
    """Pay any part of each grant, validate the report with any justified spending: each funder's
    paid + balance − clawback is its due, the commitments become the dues, and paying the balances
    and settling the clawbacks closes the dossier with nothing left to pay."""
    if state + region == 0:
        return
    o = money_world
    with rolled_back():
        decision = o.funded(str(state), str(region))
        dossier = decision.dossier
        paid = {}
        for funder, grant, share, officer in (
            (STATE, state, paid_state, o.budget_state),
            (REGION, region, paid_region, o.budget_region),
        ):
            paid[funder] = half_up_cents(Fraction(grant) * share)
            if paid[funder] > 0:
                services.record_payment(
                    officer,
                    commitment_of(decision, funder),
                    paid[funder],
                    services.today(),
                    f"AV-{funder.value}",
                )
        workflow.transition(dossier, "submit_report")
        report = FinalReport(dossier_id=dossier.id, status=ReportStatus.submitted)
        db.session.add(report)
        db.session.flush()
        expected = money.due_per_funder({STATE: state, REGION: region}, justified)
        officers = {STATE: o.budget_state, REGION: o.budget_region}
        # each funder's officer settles its own part; the report is validated once both are
        result = {
            c.funder: services.settle_funder_on_report(
                officers[c.funder], dossier, c.funder, expected[c.funder], justified=justified
            )
            for c in services.commitments_of(dossier)
        }
        report.status = ReportStatus.validated
        db.session.flush()
        services.close_if_settled(o.budget_region, dossier)  # as the last validation does
        assert sum(due for due, _, _ in result.values()) == min(state + region, justified)
        for funder, (due, balance, clawback) in result.items():
            assert due == expected[funder]
            assert paid[funder] + balance - clawback == due
            assert commitment_of(decision, funder).amount == due
        budget = services.envelope_figures(o.call.id)
        assert sum(f.committed for f in budget) == min(state + region, justified)
        for clawback in services.open_clawbacks(o.call.id):
            officer = o.budget_state if clawback.commitment.funder == STATE else o.budget_region
            services.settle_clawback(officer, clawback, services.today(), f"T-{clawback.id}")
        for funder, (_due, balance, _clawback) in result.items():
            if balance > 0:
                officer = o.budget_state if funder == STATE else o.budget_region
                services.record_payment(
                    officer,
                    commitment_of(decision, funder),
                    balance,
                    services.today(),
                    f"SOLDE-{funder.value}",
                    kind="balance",
                )
        assert dossier.status.value == "closed"
        for figures in services.envelope_figures(o.call.id):
            assert figures.to_pay == 0 and figures.open_clawbacks == 0
            assert figures.paid == figures.committed  # money out is exactly what was owed
            assert is_money(figures.paid) and is_money(figures.committed)


@pytest.fixture
def ledger(world, factory):
    return ledger_world(world, factory)


def test_random_money_sequences_keep_every_figure_reconciled(ledger):
    """Random sequences of envelope changes, commitments, reductions, payments, clawbacks and
    settlements, by the right officer or the wrong one: every step is checked against the
    model, refused steps change nothing, and envelopes, commitments and the dashboard agree."""
    run_state_machine_as_test(
        lambda: LedgerMachine(ledger),
        settings=settings(max_examples=30, stateful_step_count=20, deadline=None),
    )
