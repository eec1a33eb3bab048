"""The budget pages cost the same number of queries with 10 or 500 committed dossiers.

The 500 dossiers are written with bulk inserts (dossiers, final decisions, agreements,
commitments, payments, clawbacks): the services' path is tested elsewhere, here only the reading
side is measured.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import insert

from applications.models import Dossier, DossierStatus
from funding import dashboard
from funding.models import (
    Clawback,
    ClawbackStatus,
    Commitment,
    GrantAgreement,
    Payment,
    PaymentKind,
)
from portal.db import db, utcnow
from review.models import Decision, DecisionOutcome

from ..conftest import login
from ..helpers import count_queries
from .conftest import REGION, STATE

_made = {"n": 0}


def add_committed_dossiers(o, count: int) -> None:
    """`count` funded dossiers of Lycée A and B, each committed by both funders, half of them
    with an advance paid, every tenth with a settled clawback, every seventh with a late report."""
    now, today = utcnow(), dt.date.today()
    start = _made["n"]
    _made["n"] += count
    rows = []
    for i in range(count):
        est = o.est_a if i % 2 else o.est_b
        rows.append(
            {
                "call_id": o.call.id,
                "establishment_id": est.id,
                "created_by_id": o.head_a.id,
                "status": DossierStatus.funded,
                "reference": f"QC-{start + i:05d}",
                "title": f"Projet {i}",
                "main_axis": 1 + i % 4,
                "submitted_at": now,
                "decision_published_at": now,
            }
        )
    dossier_ids = list(db.session.scalars(insert(Dossier).returning(Dossier.id), rows))
    decision_ids = list(
        db.session.scalars(
            insert(Decision).returning(Decision.id),
            [
                {
                    "dossier_id": d,
                    "outcome": DecisionOutcome.accept,
                    "amount_state": Decimal("600.00"),
                    "amount_region": Decimal("400.00"),
                    "motivation": "Retenu.",
                    "proposed_by_id": o.call_admin.id,
                    "state_validated_by_id": o.copilot.id,
                    "region_validated_by_id": o.copilot.id,
                    "state_validated_at": now,
                    "region_validated_at": now,
                    "finalised_at": now,
                    "published_at": now,
                }
                for d in dossier_ids
            ],
        )
    )
    db.session.execute(
        insert(GrantAgreement),
        [
            {
                "dossier_id": d,
                "number": f"CONV-QC-{start + n:05d}",
                "generated_by_id": o.budget.id,
                "report_due_on": today - dt.timedelta(days=1)
                if n % 7 == 0
                else today + dt.timedelta(days=200),
                "advance_rate": Decimal("50.00"),
            }
            for n, d in enumerate(dossier_ids)
        ],
    )
    commitments = []
    for i, (d, decision) in enumerate(zip(dossier_ids, decision_ids)):
        for funder, amount in ((STATE, Decimal("600.00")), (REGION, Decimal("400.00"))):
            commitments.append(
                {
                    "call_id": o.call.id,
                    "dossier_id": d,
                    "decision_id": decision,
                    "funder": funder,
                    "department_code": "86" if i % 2 else "17",
                    "axis_number": 1 + i % 4,
                    "initial_amount": amount,
                    "amount": amount,
                    "created_at": now,
                }
            )
    commitment_ids = list(
        db.session.scalars(insert(Commitment).returning(Commitment.id), commitments)
    )
    payments, clawbacks = [], []
    for n, (cid, row) in enumerate(zip(commitment_ids, commitments)):
        i = n // 2
        if i % 2 == 0:
            payments.append(
                {
                    "commitment_id": cid,
                    "funder": row["funder"],
                    "kind": PaymentKind.advance,
                    "amount": row["amount"] / 2,
                    "paid_on": today,
                    "reference": f"QC-{start + i}",
                    "recorded_by_id": o.budget.id,
                }
            )
            if i % 10 == 0:
                clawbacks.append(
                    {
                        "commitment_id": cid,
                        "amount": Decimal("10.00"),
                        "reason": "Trop versé.",
                        "status": ClawbackStatus.settled,
                        "settled_on": today,
                        "settled_reference": f"T-{cid}",
                    }
                )
    if payments:
        db.session.execute(insert(Payment), payments)
    if clawbacks:
        db.session.execute(insert(Clawback), clawbacks)
    db.session.flush()


@pytest.fixture
def big_world(money_world):
    from funding import services

    o = money_world
    services.set_envelope(o.budget_state, o.call, STATE, "1000000.00")
    services.set_envelope(o.budget_region, o.call, REGION, "1000000.00")
    services.set_envelope(o.budget_state, o.call, STATE, "500000.00", department_code="86")
    services.set_envelope(o.budget_region, o.call, REGION, "300000.00", axis_number=2)
    db.session.flush()
    return o


def _count(client, url: str) -> int:
    client.get(url)  # warm up (caches, the login's first request)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return counter.count


@pytest.mark.parametrize(
    "who, url",
    [
        ("observer", "/financement/appels/{call}"),
        ("observer", "/financement/appels/{call}?financeur=region"),
        ("budget_state", "/financement/appels/{call}/enveloppes"),
        ("observer", "/financement/"),
        ("budget_region", "/"),
        ("observer", "/"),
    ],
)
def test_budget_pages_cost_the_same_with_10_or_500_dossiers(client, big_world, who, url):
    o = big_world
    url = url.format(call=o.call.id)
    login(client, getattr(o, who))
    add_committed_dossiers(o, 10)
    few = _count(client, url)
    add_committed_dossiers(o, 490)
    many = _count(client, url)
    assert many == few, (few, many)


def test_the_500_dossiers_add_up_on_the_dashboard(client, big_world):
    """The bulk rows are what the dashboard sums (so the test above measures real work)."""
    o = big_world
    add_committed_dossiers(o, 500)
    budget = dashboard.call_budget(o.call)
    state = budget.for_funder(STATE)
    assert state.commitments == 500 and state.committed == Decimal("300000.00")
    assert state.payments == Decimal("75000.00")  # 250 advances of 300
    assert state.paid == Decimal("75000.00") - 50 * Decimal("10.00")
    assert sum(b.committed for b in state.by_department) == state.committed
    assert len([a for a in budget.alerts if a.kind == "late_report"]) == 72  # 0, 7, …, 497
    login(client, o.observer)
    page = client.get(f"/financement/appels/{o.call.id}").get_data(as_text=True)
    assert "300\u202f000,00\u00a0€" in page
