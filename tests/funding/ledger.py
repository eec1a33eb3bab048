"""An independent model of a call's money and a Hypothesis state machine that drives the services.

The model is plain Python arithmetic on Decimals, written from the rules of the issue rather than
from funding/services.py. Each step predicts success or the exact refusal (class, field, French
words), runs the service, and then checks: a refused step changed nothing in the database; every
envelope's committed + remaining == amount, never over-committed; each commitment's payments −
clawbacks stay within it; the envelopes, the commitments and the dashboard agree to the cent, in
Decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select

from funding import dashboard, services
from funding.models import Clawback, Commitment, CommitmentStatus
from portal.db import db
from portal.errors import Conflict, PermissionDenied, ServiceError
from portal.models import Institution, Role

from .conftest import funded
from .db_checks import is_money, rolled_back, snapshot

STATE, REGION = Institution.state, Institution.region
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# (main envelope), a département's, an axis', a département × axis sub-envelope
SCOPES = [(None, None), ("86", None), (None, 2), ("17", 2)]
# the four funded dossiers: (establishment, main axis) — Lycée A is in 86, Lycée B in 17
DOSSIERS = [("a", 1), ("a", 2), ("b", 2), ("b", 3)]


def ledger_world(o, factory):
    """`world` plus a State officer and four funded dossiers whose parts are not committed yet
    (there is no envelope), two of Lycée A (86) and two of Lycée B (17), on axes 1, 2, 2, 3."""
    o.factory = factory
    o.budget_region = o.budget
    o.budget_state = factory.user(Role.budget_officer, institution=STATE, name="Stéphane Budget")
    o.officers = {STATE: o.budget_state, REGION: o.budget_region}
    o.decisions = []
    for establishment, axis in DOSSIERS:
        decision = funded(o, author=o.head_a if establishment == "a" else o.head_b)
        decision.dossier.main_axis = axis
        o.decisions.append(decision)
    db.session.flush()
    return o


@dataclass
class Line:
    """The model of one commitment."""

    funder: Institution
    department: str
    axis: int
    amount: Decimal
    active: bool = True
    payments: list = field(default_factory=list)  # [amount, kind]
    clawbacks: list = field(default_factory=list)  # [amount, settled]

    @property
    def paid(self):
        return sum((a for a, _ in self.payments), ZERO)

    @property
    def claimed(self):
        return sum((a for a, _ in self.clawbacks), ZERO)

    @property
    def settled(self):
        return sum((a for a, s in self.clawbacks if s), ZERO)

    @property
    def net(self):
        return self.paid - self.claimed

    @property
    def to_pay(self):
        return self.amount - self.net


@dataclass
class Refusal:
    cls: type
    field: str | None
    words: str


def in_scope(line: Line, funder, department, axis) -> bool:
    return (
        line.funder == funder
        and department in (None, line.department)
        and axis in (None, line.axis)
    )


GRANT = st.sampled_from(["0.00", "0.01", "250.00", "999.99", "1000.00", "1234.56", "2500.00"]).map(
    Decimal
)
ENVELOPE = st.one_of(
    st.sampled_from(["0", "1000", "2500", "3500", "5000.01"]).map(Decimal),
    st.decimals(min_value=0, max_value=8000, places=2),
)
FUNDER = st.sampled_from([STATE, REGION])
ACTOR = st.sampled_from(["own", "own", "own", "own", "other"])
MAIN = st.one_of(
    st.sampled_from(["2500", "5000", "10000"]).map(Decimal),
    st.decimals(min_value=0, max_value=10000, places=2),
    st.none(),
)
SUB_SCOPE = st.sampled_from(SCOPES[1:])
PICK = st.integers(0, 7)
PAY = {
    "i": PICK,
    "how": st.sampled_from(["to_pay", "to_pay", "over", "half", "zero", "decimals"]),
    "reference": st.sampled_from(["M-1", "M-2", "M-3", "M-4", "M-5", "M-6"]),
    "kind": st.sampled_from(["advance", "instalment", "instalment", "balance"]),
    "who": ACTOR,
}
DOSSIER = st.integers(0, len(DOSSIERS) - 1)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, o):
        super().__init__()
        self.o = o
        self.example = rolled_back()
        self.example.__enter__()
        self.envelopes: dict[tuple, Decimal] = {}
        self.lines: dict[tuple, Line] = {}
        self.clawbacks: list[tuple[int, tuple, int]] = []  # (clawback id, line key, index)
        self.references = {STATE: set(), REGION: set()}
        self.withdrawn: set[int] = set()

    def teardown(self):
        self.example.__exit__(None, None, None)

    # ------------------------------------------------------------ model helpers

    def committed_in(self, funder, department, axis) -> Decimal:
        return sum(
            (
                line.amount
                for line in self.lines.values()
                if line.active and in_scope(line, funder, department, axis)
            ),
            ZERO,
        )

    def scope_of(self, d):
        establishment, axis = DOSSIERS[d]
        return ("86" if establishment == "a" else "17"), axis

    def actor(self, funder, who):
        return self.o.officers[funder if who == "own" else ({STATE, REGION} - {funder}).pop()]

    def attempt(self, step: str, refusal: Refusal | None, action):
        """Run the service; a predicted refusal must be exactly that one and change nothing."""
        event(f"{step}: {refusal.words if refusal else 'done'}")
        if refusal is None:
            return action()
        before = snapshot()
        with pytest.raises(ServiceError) as err:
            action()
        assert type(err.value) is refusal.cls, err.value.message
        assert err.value.field == refusal.field and refusal.words in err.value.message, (
            err.value.field,
            err.value.message,
        )
        assert snapshot() == before
        return None

    def commit_refusal(self, d, funder) -> Refusal | None:
        part = self.parts[d][funder]
        department, axis = self.scope_of(d)
        if part == 0:
            return Refusal(ServiceError, None, "n'accorde rien")
        if d in self.withdrawn:
            return Refusal(Conflict, None, "il ne peut plus être engagé")
        if (d, funder) in self.lines:
            return Refusal(Conflict, None, "est déjà engagée")
        if (funder, None, None) not in self.envelopes:
            return Refusal(ServiceError, None, "Aucune enveloppe")
        for (f, dep, ax), amount in self.envelopes.items():
            if (
                f == funder
                and dep in (None, department)
                and ax in (None, axis)
                and amount - self.committed_in(f, dep, ax) < part
            ):
                return Refusal(ServiceError, "amount", "Engagement refusé")
        return None

    def maybe_renounced(self, d):
        """A funded dossier whose every commitment is cancelled, with no clawback still owed, is
        withdrawn (nothing kept, nothing owed): its parts can no longer be committed."""
        lines = [line for (dd, _), line in self.lines.items() if dd == d]
        if (
            lines
            and not any(line.active for line in lines)
            and all(settled for line in lines for _, settled in line.clawbacks)
        ):
            self.withdrawn.add(d)

    def record_line(self, d, funder):
        department, axis = self.scope_of(d)
        self.lines[(d, funder)] = Line(funder, department, axis, self.parts[d][funder])

    # ------------------------------------------------------------ steps

    @initialize(
        parts=st.lists(
            st.tuples(GRANT, GRANT).filter(lambda p: p[0] + p[1] > 0),
            min_size=len(DOSSIERS),
            max_size=len(DOSSIERS),
        ),
        mains=st.tuples(MAIN, MAIN),
        subs=st.lists(st.tuples(FUNDER, SUB_SCOPE, ENVELOPE), max_size=3),
    )
    def decide(self, parts, mains, subs):
        """The decisions' parts; usually main envelopes and a few sub-envelopes; then the signal
        commits every decision (so later steps mostly find commitments to work on)."""
        self.parts = [{STATE: s, REGION: r} for s, r in parts]
        for decision, (state, region) in zip(self.o.decisions, parts):
            decision.amount_state, decision.amount_region = state, region
        db.session.flush()
        for funder, amount in zip((STATE, REGION), mains):
            if amount is not None:
                self.set_envelope(funder, (None, None), amount, "own")
        for funder, scope, amount in subs:
            self.set_envelope(funder, scope, amount, "own")
        for d in range(len(DOSSIERS)):
            self.commit_decision(d)

    def pick(self, i):
        """One of the commitments of the example (None while there is none)."""
        keys = sorted(self.lines, key=lambda k: (k[0], k[1].value))
        return keys[i % len(keys)] if keys else None

    @rule(funder=FUNDER, scope=st.sampled_from(SCOPES), amount=ENVELOPE, who=ACTOR)
    def set_envelope(self, funder, scope, amount, who):
        if who == "other":
            refusal = Refusal(PermissionDenied, None, "Seuls les agents budgétaires")
        elif scope != (None, None) and (funder, None, None) not in self.envelopes:
            refusal = Refusal(ServiceError, "amount", "Fixez d'abord l'enveloppe globale")
        elif amount < self.committed_in(funder, *scope):
            refusal = Refusal(ServiceError, "amount", "ne peut pas descendre sous")
        else:
            refusal = None
        typed = f"{amount:.2f}".replace(".", ",")  # as a French form sends it
        self.attempt(
            "envelope",
            refusal,
            lambda: services.set_envelope(
                self.actor(funder, who), self.o.call, funder.value, typed, *scope
            ),
        )
        if refusal is None:
            self.envelopes[(funder, *scope)] = amount

    @rule(d=DOSSIER, funder=FUNDER, who=ACTOR)
    def commit_again(self, d, funder, who):
        refusal = (
            Refusal(PermissionDenied, None, "Seuls les agents budgétaires")
            if who == "other"
            else self.commit_refusal(d, funder)
        )
        decision = self.o.decisions[d]
        self.attempt(
            "commit",
            refusal,
            lambda: services.commit_again(self.actor(funder, who), decision, funder),
        )
        if refusal is None:
            self.record_line(d, funder)

    @rule(d=DOSSIER)
    def commit_decision(self, d):
        """The signal's path: each part commits or is refused (audited) on its own."""
        expected = {}
        for funder in (STATE, REGION):  # the order commit_decision takes them in
            if self.parts[d][funder] > 0:
                expected[funder] = self.commit_refusal(d, funder)
                if expected[funder] is None:
                    self.record_line(d, funder)
        results = services.commit_decision(self.o.decisions[d])
        assert set(results) == set(expected)
        for funder, refusal in expected.items():
            if refusal is None:
                assert results[funder].amount == self.parts[d][funder]
            else:
                assert refusal.words in results[funder]

    @rule(
        i=PICK,
        how=st.sampled_from(["zero", "net", "below", "half", "same", "negative"]),
        reason=st.sampled_from(["Projet abandonné.", "Projet abandonné.", " "]),
        who=ACTOR,
    )
    def reduce(self, i, how, reason, who):
        if self.pick(i) is None:
            return
        d, funder = self.pick(i)
        line = self.lines[(d, funder)]
        new = {
            "zero": ZERO,
            "net": line.net,
            "below": line.net - CENT,
            "same": line.amount,
            "half": (line.amount / 2).quantize(CENT),
            "negative": Decimal("-5.00"),
        }[how]
        if who == "other":
            refusal = Refusal(PermissionDenied, None, "Seuls les agents budgétaires")
        elif new < 0:
            refusal = Refusal(ServiceError, "amount", "négatif")
        elif not reason.strip():
            refusal = Refusal(ServiceError, "reason", "Indiquez le motif")
        elif not line.active:
            refusal = Refusal(Conflict, None, "déjà annulé")
        elif new >= line.amount:
            refusal = Refusal(ServiceError, "amount", "doit être inférieur")
        elif new < line.net:
            refusal = Refusal(ServiceError, "amount", "ont déjà été versés")
        else:
            refusal = None
        commitment = self.commitment(d, funder)
        self.attempt(
            "reduce",
            refusal,
            lambda: services.reduce_commitment(
                self.actor(funder, who), commitment, str(new), reason
            ),
        )
        if refusal is None:
            line.amount = new
            line.active = new > 0
            self.maybe_renounced(d)

    @rule(**PAY)
    def pay_some(self, **kw):
        self.pay(**kw)

    @rule(**PAY)
    def pay_more(self, **kw):  # payments are the commonest step (a second rule doubles its weight)
        self.pay(**kw)

    def pay(self, i, how, reference, kind, who):
        if self.pick(i) is None:
            return
        d, funder = self.pick(i)
        line = self.lines[(d, funder)]
        amount = {
            "to_pay": line.to_pay,
            "over": line.to_pay + CENT,
            "zero": ZERO,
            "half": (line.to_pay / 2).quantize(CENT),
            "decimals": Decimal("12.345"),
        }[how]
        if who == "other":
            refusal = Refusal(PermissionDenied, None, "Seuls les agents budgétaires")
        elif how == "decimals":
            refusal = Refusal(ServiceError, "amount", "deux décimales")
        elif amount <= 0:
            refusal = Refusal(ServiceError, "amount", "supérieur à zéro")
        elif not line.active:
            refusal = Refusal(Conflict, None, "engagement est annulé")
        elif kind == "balance":
            refusal = Refusal(ServiceError, "kind", "après validation du bilan final")
        elif reference in self.references[funder]:
            refusal = Refusal(Conflict, "reference", "est déjà enregistré")
        elif kind == "advance" and any(k == "advance" for _, k in line.payments):
            refusal = Refusal(ServiceError, "kind", "L'avance de cet engagement est déjà versée")
        elif amount > line.to_pay:
            refusal = Refusal(ServiceError, "amount", "dépasse ce qui reste à verser")
        else:
            refusal = None
        commitment = self.commitment(d, funder)
        self.attempt(
            "pay",
            refusal,
            lambda: services.record_payment(
                self.actor(funder, who),
                commitment,
                str(amount).replace(".", ","),
                services.today(),
                reference,
                kind,
            ),
        )
        if refusal is None:
            line.payments.append([amount, kind])
            self.references[funder].add(reference)

    @rule(i=PICK, how=st.sampled_from(["net", "over", "half", "cent"]), who=ACTOR)
    def claw_back(self, i, how, who):
        if self.pick(i) is None:
            return
        d, funder = self.pick(i)
        line = self.lines[(d, funder)]
        amount = {
            "net": line.net,
            "over": line.net + CENT,
            "cent": CENT,
            "half": (line.net / 2).quantize(CENT),
        }[how]
        if who == "other":
            refusal = Refusal(PermissionDenied, None, "Seuls les agents budgétaires")
        elif amount <= 0:
            refusal = Refusal(ServiceError, "amount", "supérieur à zéro")
        elif amount > line.net:
            refusal = Refusal(ServiceError, "amount", "dépasse ce qui a été versé")
        else:
            refusal = None
        commitment = self.commitment(d, funder)
        clawback = self.attempt(
            "clawback",
            refusal,
            lambda: services.create_clawback(
                self.actor(funder, who), commitment, str(amount), "Action non réalisée."
            ),
        )
        if refusal is None:
            line.clawbacks.append([amount, False])
            line.amount = max(ZERO, line.amount - amount)  # the officer's clawback releases it
            line.active = line.amount > 0
            self.clawbacks.append((clawback.id, (d, funder), len(line.clawbacks) - 1))

    @rule(i=st.integers(0, 5), who=ACTOR)
    def settle(self, i, who):
        if not self.clawbacks:
            return
        clawback_id, key, index = self.clawbacks[i % len(self.clawbacks)]
        line = self.lines[key]
        if who == "other":
            refusal = Refusal(PermissionDenied, None, "Seuls les agents budgétaires")
        elif line.clawbacks[index][1]:
            refusal = Refusal(Conflict, None, "déjà soldé")
        else:
            refusal = None
        clawback = db.session.get(Clawback, clawback_id)
        self.attempt(
            "settle",
            refusal,
            lambda: services.settle_clawback(
                self.actor(line.funder, who), clawback, services.today(), f"T-{clawback_id}"
            ),
        )
        if refusal is None:
            line.clawbacks[index][1] = True
            self.maybe_renounced(key[0])

    def commitment(self, d, funder) -> Commitment:
        return db.session.scalar(
            select(Commitment).where(
                Commitment.dossier_id == self.o.decisions[d].dossier_id, Commitment.funder == funder
            )
        )

    # ------------------------------------------------------------ what always holds

    @invariant()
    def figures_reconcile(self):
        """One dashboard per step (its envelopes are services.envelope_figures'), checked three
        ways: envelopes, commitments, the funders' totals."""
        if not hasattr(self, "parts"):
            return
        budget = dashboard.call_budget(self.o.call)
        self.envelopes_hold(budget.envelopes)
        self.commitments_hold()
        self.dashboard_agrees(budget)

    def envelopes_hold(self, figures):
        found = {
            (f.envelope.funder, f.envelope.department_code, f.envelope.axis_number): f
            for f in figures
        }
        assert {key: f.amount for key, f in found.items()} == self.envelopes
        for (funder, department, axis), f in found.items():
            lines = [
                line for line in self.lines.values() if in_scope(line, funder, department, axis)
            ]
            assert all(is_money(v) for v in (f.amount, f.committed, f.remaining, f.paid, f.to_pay))
            assert f.committed == self.committed_in(funder, department, axis)
            assert f.committed + f.remaining == f.amount and f.remaining >= 0
            assert f.paid == sum((line.paid - line.settled for line in lines), ZERO)
            assert f.to_pay == sum(
                (line.amount - line.net for line in lines if line.active), ZERO
            ) + sum((-line.net for line in lines if not line.active), ZERO)

    def commitments_hold(self):
        rows = list(
            db.session.scalars(select(Commitment).where(Commitment.call_id == self.o.call.id))
        )
        assert len(rows) == len(self.lines)
        by_dossier = {decision.dossier_id: d for d, decision in enumerate(self.o.decisions)}
        for figures in services.commitment_figures(rows):
            c = figures.commitment
            line = self.lines[(by_dossier[c.dossier_id], c.funder)]
            assert is_money(c.amount) and c.amount == line.amount
            assert (c.status == CommitmentStatus.active) == line.active
            assert (figures.paid, figures.claimed, figures.settled) == (
                line.paid,
                line.claimed,
                line.settled,
            )
            assert figures.paid - figures.claimed <= c.amount  # never more out than committed

    def dashboard_agrees(self, budget):
        pending = {
            (self.o.decisions[d].id, f)
            for d, parts in enumerate(self.parts)
            for f, amount in parts.items()
            if amount > 0 and (d, f) not in self.lines and d not in self.withdrawn
        }
        statuses = {d: decision.dossier.status.value for d, decision in enumerate(self.o.decisions)}
        assert statuses == {
            d: "withdrawn" if d in self.withdrawn else "funded" for d in range(len(DOSSIERS))
        }
        assert {(dec.id, f) for dec, f, _ in services.uncommitted(self.o.call.id)} == pending
        main = {f.envelope.funder: f for f in budget.envelopes if f.envelope.is_main}
        for funder in (STATE, REGION):
            lines = [line for line in self.lines.values() if line.funder == funder]
            b = budget.for_funder(funder)
            committed = sum((line.amount for line in lines if line.active), ZERO)
            assert b.committed == committed and is_money(b.committed)
            assert b.envelope == self.envelopes.get((funder, None, None), ZERO)
            assert b.remaining == b.envelope - committed
            if funder in main:
                assert (main[funder].committed, main[funder].paid, main[funder].to_pay) == (
                    b.committed,
                    b.paid,
                    b.to_pay,
                )
            assert b.payments == sum((line.paid for line in lines), ZERO)
            assert b.clawbacks_settled == sum((line.settled for line in lines), ZERO)
            assert b.clawbacks_open == sum((line.claimed - line.settled for line in lines), ZERO)
            assert b.paid == b.payments - b.clawbacks_settled and is_money(b.paid)
            assert b.commitments == sum(1 for line in lines if line.active)
            for bars in (b.by_department, b.by_axis, b.by_kind):
                assert sum((bar.committed for bar in bars), ZERO) == committed
                assert sum((bar.paid for bar in bars), ZERO) == b.paid
            if b.over_time:
                assert b.over_time[-1][1:] == (committed, b.paid)
            assert b.uncommitted == sum(
                (
                    self.parts[d][f]
                    for dec_id, f in pending
                    for d, dec in enumerate(self.o.decisions)
                    if dec.id == dec_id and f == funder
                ),
                ZERO,
            )
