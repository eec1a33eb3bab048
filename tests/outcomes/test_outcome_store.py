"""The stored per-dossier outcome figures (`dossier_outcome`) stay equal to the reference
computation (outcomes.services.outcome_rows, from the commitments, payments, clawbacks, targets,
indicators and final reports) through random sequences of changes written through the models:
each flush rebuilds the rows of the dossiers it touches, orphans and deletions included."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from sqlalchemy import select

from applications.models import DossierTarget
from funding.models import (
    Clawback,
    ClawbackStatus,
    Commitment,
    CommitmentStatus,
    FinalReport,
    Payment,
    PaymentKind,
    ReportReach,
    ReportStatus,
)
from outcomes.models import DossierOutcome
from outcomes.services import outcome_store
from outcomes.services.outcome_rows import MEASURES, dossier_rows
from portal.db import db, utcnow

from ..funding.conftest import REGION, STATE
from .dashboard_helpers import project


def _stored() -> list[tuple]:
    columns = [DossierOutcome.__table__.c[m] for m in MEASURES]
    stmt = select(DossierOutcome.dossier_id, *columns).order_by(DossierOutcome.dossier_id)
    return [tuple(row) for row in db.session.execute(stmt)]


def _reference() -> list[tuple]:
    rows = db.session.execute(dossier_rows()).all()
    return sorted(tuple(int(v) for v in row) for row in rows)


def test_the_table_has_a_column_per_measure():
    names = [c.name for c in DossierOutcome.__table__.columns]
    assert names == ["dossier_id", *MEASURES]


def test_a_dossier_without_commitment_has_no_row(money_world):
    o = money_world
    accepted = o.accepted("500.00", "0.00", commit=False)
    funded = project(o, "300.00", "200.00", indicators=(("up", "10", "12"),))
    db.session.flush()
    assert [row[0] for row in _stored()] == [funded.id]
    assert accepted.dossier.id not in [row[0] for row in _reference()]
    # 300 € + 200 € granted, in cents; a report handed in: reached, measured, met
    row = dict(zip(["dossier_id", *MEASURES], _stored()[0]))
    assert row["projects"] == 1 and row["reported"] == 1
    assert row["granted_state"] == 30000 and row["granted_region"] == 20000
    assert row["granted_reported"] == 50000
    assert row["measured_projects"] == row["met_all_projects"] == row["indicators_met"] == 1


def _step(rng: random.Random, o, dossiers) -> str:
    dossier = rng.choice(dossiers)
    commitments = list(
        db.session.scalars(select(Commitment).where(Commitment.dossier_id == dossier.id))
    )
    report = db.session.scalar(select(FinalReport).where(FinalReport.dossier_id == dossier.id))
    commitment = rng.choice(commitments)
    op = rng.randrange(12)
    if op == 0:
        db.session.add(
            Payment(
                commitment_id=commitment.id,
                funder=commitment.funder,
                kind=PaymentKind.balance,
                amount=Decimal(rng.randrange(1, 500)),
                paid_on=dt.date.today(),
                reference=f"R-{rng.random()}",
                recorded_by_id=o.budget.id,
            )
        )
    elif op == 1 and commitment.payments:
        db.session.delete(commitment.payments[0])
    elif op == 2:
        share = Decimal(rng.choice(["0", "0.25", "0.5", "1"]))
        commitment.amount = (commitment.initial_amount * share).quantize(Decimal("0.01"))
    elif op == 3:
        active = commitment.status == CommitmentStatus.active
        commitment.status = CommitmentStatus.cancelled if active else CommitmentStatus.active
    elif op == 4:
        db.session.add(
            Clawback(
                commitment_id=commitment.id,
                amount=Decimal(rng.randrange(1, 100)),
                reason="Trop versé.",
                status=rng.choice(list(ClawbackStatus)),
                settled_on=dt.date.today(),
                settled_reference="T",
            )
        )
    elif op == 5 and commitment.clawbacks:
        clawback = commitment.clawbacks[0]
        settled = clawback.status == ClawbackStatus.settled
        clawback.status = ClawbackStatus.open if settled else ClawbackStatus.settled
    elif op == 6 and report is not None:
        report.status = rng.choice(list(ReportStatus))
    elif op == 7 and report is not None and report.reach:
        if rng.random() < 0.5:
            report.reach[0].count = rng.randrange(0, 40)
        else:
            report.reach = report.reach[1:]  # an orphan, deleted in the flush
    elif op == 8 and report is not None:
        have = {r.category for r in report.reach}
        free = [
            c for c in ("at_risk", "left_without_qualification", "return_path") if c not in have
        ]
        if free:
            report.reach = [*report.reach, ReportReach(category=free[0], count=3)]
        for outcome in report.outcomes:
            outcome.count += 1
    elif op == 9:
        have = {(t.category, t.age_band) for t in dossier.targets}
        free = [
            (c, b)
            for c in ("at_risk", "left_without_qualification", "return_path")
            for b in ("under_16", "16_18", "19_25")
            if (c, b) not in have
        ]
        choice = rng.randrange(3)
        if choice == 0 and dossier.targets:
            dossier.targets[0].count = rng.randrange(0, 30)
        elif choice == 1 and dossier.targets:
            dossier.targets = dossier.targets[1:]  # an orphan, deleted in the flush
        elif free:
            category, band = rng.choice(free)
            dossier.targets = [
                *dossier.targets,
                DossierTarget(category=category, age_band=band, count=rng.randrange(1, 9)),
            ]
    elif op == 10:
        for indicator in dossier.indicators:
            indicator.target_value = rng.choice([None, Decimal("10"), Decimal("14")])
            indicator.direction = rng.choice(["up", "down"])
        if report is not None:
            for achieved in report.indicators:
                achieved.achieved_value = rng.choice([None, Decimal("9"), Decimal("12")])
    elif op == 11:
        if report is not None:
            db.session.delete(report)
        else:
            db.session.add(
                FinalReport(
                    dossier_id=dossier.id,
                    status=ReportStatus.submitted,
                    young_reached=5,
                    submitted_at=utcnow(),
                    submitted_by_id=o.head_a.id,
                    reach=[ReportReach(category="at_risk", count=5)],
                )
            )
    db.session.flush()
    return f"op {op} on dossier {dossier.id}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_changes_keep_the_stored_figures_exact(money_world, seed):
    o = money_world
    rng = random.Random(seed)
    dossiers = [
        project(
            o,
            "1000.00",
            "2000.00",
            targets=(("at_risk", "under_16", 10), ("return_path", "16_18", 4)),
            paid=((STATE, "500.00"),),
            settled=((REGION, "20.00"),) if n % 2 else (),
            report=None if n == 2 else ReportStatus.submitted,
            reach=(("at_risk", 8), ("left_without_qualification", 2)),
            outcomes=(("stayed_in_school", 6), ("employment", 4)),
            indicators=(("up", "10", "12"), ("down", "5", "7")),
        )
        for n in range(3)
    ]
    assert _stored() == _reference() and len(_stored()) == 3
    for _ in range(40):
        done = _step(rng, o, dossiers)
        assert _stored() == _reference(), done


def test_refresh_all_rebuilds_what_a_bulk_load_bypassed(money_world):
    o = money_world
    project(o, "100.00", "0.00")
    project(o, "0.00", "250.00", report=None)
    db.session.flush()
    expected = _stored()
    db.session.execute(DossierOutcome.__table__.delete())
    assert _stored() == []
    outcome_store.refresh_all(db.session.connection())
    assert _stored() == expected == _reference()
