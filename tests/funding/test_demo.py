"""The demo's money (`flask --app wsgi demo`): every funding screen has something to show, and the
dashboard's figures reconcile to the cent with the commitments and payments they summarise."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from applications.models import Dossier, DossierStatus
from funding import dashboard, services
from funding import demo as funding_demo
from funding.models import (
    Clawback,
    ClawbackStatus,
    Commitment,
    CommitmentStatus,
    FinalReport,
    GrantAgreement,
    Payment,
    PaymentKind,
    ReportStatus,
)
from portal import demo
from portal.auth.services import issue_api_token
from portal.db import db
from portal.models import AuditEvent, Institution, Role, User
from portal.storage import get_store

from ..api.helpers import bearer

D = Decimal
ZERO = D("0.00")


def _sum(query) -> Decimal:
    return D(db.session.scalar(query) or 0)


def test_demo_money_reconciles_to_the_cent(app, client):
    demo.load("mot-de-passe-demo")
    call = funding_demo.decided_call()
    budget = dashboard.call_budget(call)
    envelopes = services.envelope_figures(call.id)
    commitments = db.session.scalars(select(Commitment).where(Commitment.call_id == call.id)).all()
    figures = services.commitment_figures(commitments)
    for funder in Institution:
        mine = budget.for_funder(funder)
        active = [
            c for c in commitments if c.funder == funder and c.status == CommitmentStatus.active
        ]
        payments = _sum(
            select(func.sum(Payment.amount))
            .join(Payment.commitment)
            .where(Commitment.call_id == call.id, Payment.funder == funder)
        )
        settled = _sum(
            select(func.sum(Clawback.amount))
            .join(Clawback.commitment)
            .where(
                Commitment.call_id == call.id,
                Commitment.funder == funder,
                Clawback.status == ClawbackStatus.settled,
            )
        )
        still_owed = _sum(
            select(func.sum(Clawback.amount))
            .join(Clawback.commitment)
            .where(
                Commitment.call_id == call.id,
                Commitment.funder == funder,
                Clawback.status == ClawbackStatus.open,
            )
        )
        assert mine.committed == sum((c.amount for c in active), ZERO) > 0
        assert mine.paid == payments - settled > 0
        assert mine.clawbacks_open == still_owed > 0
        assert mine.to_pay == sum(
            (f.to_pay for f in figures if f.commitment.funder == funder), ZERO
        )
        main = next(e for e in envelopes if e.envelope.funder == funder and e.envelope.is_main)
        assert (main.amount, main.committed, main.paid, main.to_pay) == (
            mine.envelope,
            mine.committed,
            mine.paid,
            mine.to_pay,
        )
        assert mine.remaining == mine.envelope - mine.committed
        for bars in (mine.by_department, mine.by_axis, mine.by_kind):
            assert sum((b.committed for b in bars), ZERO) == mine.committed
            assert sum((b.paid for b in bars), ZERO) == mine.paid
        assert mine.over_time[-1][1:] == (mine.committed, mine.paid)
    # the Région's sub-envelopes cover the académie's départements: they add up to its total
    subs = [
        e for e in envelopes if e.envelope.funder == Institution.region and not e.envelope.is_main
    ]
    assert sorted(e.envelope.department_code for e in subs) == ["16", "17", "79", "86"]
    assert sum((e.committed for e in subs), ZERO) == budget.for_funder(Institution.region).committed

    # the finance systems' view through the API gives the same figures
    observer = db.session.scalar(
        select(User).where(User.email == "observateur@demo.ac-poitiers.fr")
    )
    headers = bearer(issue_api_token(observer))
    db.session.commit()
    api_budget = client.get(f"/api/v1/calls/{call.id}/budget", headers=headers).get_json()
    api_commitments = client.get(f"/api/v1/commitments?call={call.id}", headers=headers).get_json()
    api_payments = client.get(f"/api/v1/payments?call={call.id}", headers=headers).get_json()
    for funder in ("state", "region"):
        mine = api_budget["funders"][funder]
        items = [i for i in api_commitments["items"] if i["funder"] == funder]
        assert sum(D(i["amount"]) for i in items) == D(mine["committed"])
        assert sum(D(i["paid"]) for i in items) == D(mine["paid"])
        assert sum(D(i["to_pay"]) for i in items) == D(mine["to_pay"])
        assert sum(D(p["amount"]) for p in api_payments["items"] if p["funder"] == funder) == D(
            mine["payments"]
        )


def _status(dossier: Dossier) -> DossierStatus:
    db.session.refresh(dossier)
    return dossier.status


def test_demo_shows_every_stage_of_the_money(app):
    demo.load("mot-de-passe-demo")
    call = funding_demo.decided_call()
    dossiers = db.session.scalars(
        select(Dossier).where(Dossier.call_id == call.id).order_by(Dossier.reference)
    ).all()
    statuses = {d.status for d in dossiers}
    assert {
        DossierStatus.accepted,
        DossierStatus.funded,
        DossierStatus.reporting,
        DossierStatus.closed,
    } <= statuses
    reports = {r.dossier_id: r for r in db.session.scalars(select(FinalReport))}
    open_clawbacks = services.open_clawbacks(call.id)
    by_stage = {}
    for d in dossiers:
        report = reports.get(d.id)
        if d.status == DossierStatus.closed:
            by_stage["closed"] = d
            assert report.status == ReportStatus.validated
            kinds = {p.kind for c in services.commitments_of(d) for p in c.payments}
            assert kinds == {PaymentKind.advance, PaymentKind.balance}
            assert all(
                f.to_pay == 0 for f in services.commitment_figures(services.commitments_of(d))
            )
        elif d.status == DossierStatus.reporting and report.status == ReportStatus.submitted:
            by_stage["report_submitted"] = d
            assert report.attachments and report.expenses
        elif d.status == DossierStatus.reporting and report.status == ReportStatus.validated:
            by_stage["clawback"] = d
            assert any(c.commitment.dossier_id == d.id for c in open_clawbacks)
        elif d.status == DossierStatus.funded:
            by_stage["funded"] = d
            assert report is None
    assert set(by_stage) == {"closed", "report_submitted", "clawback", "funded"}
    # every report gives its reach, their outcomes (same total) and a value per indicator
    written = [reports[by_stage[k].id] for k in ("closed", "report_submitted", "clawback")]
    for report in written:
        reached = sum(r.count for r in report.reach)
        assert reached > 0 and report.young_reached == reached
        assert sum(o.count for o in report.outcomes) == reached
        assert report.indicators
        assert all(i.indicator_id and i.achieved_value is not None for i in report.indicators)
    assert sum(r.publication_consent for r in written) >= 2
    # the advance is paid on every signed dossier, and only there
    for d in dossiers:
        paid = {p.kind for c in services.commitments_of(d) for p in c.payments}
        signed = db.session.scalar(
            select(GrantAgreement.signed_on).where(GrantAgreement.dossier_id == d.id)
        )
        assert (PaymentKind.advance in paid) == (signed is not None), d.reference
    # signed copies are in the app's document store
    for agreement in db.session.scalars(
        select(GrantAgreement).where(GrantAgreement.signed_key.is_not(None))
    ):
        assert get_store().get(agreement.signed_key) == demo.DEMO_PDF
    # one agreement awaits the head's signature; one decision awaits its Région commitment
    waiting = db.session.scalars(
        select(GrantAgreement).where(GrantAgreement.signed_on.is_(None))
    ).all()
    assert len(waiting) == 1 and _status(waiting[0].dossier) == DossierStatus.accepted
    pending = services.uncommitted(call.id)
    assert [(f, a) for _, f, a in pending] == [(Institution.region, pending[0][2])]
    stuck = pending[0][0].dossier
    assert (
        db.session.scalar(select(GrantAgreement).where(GrantAgreement.dossier_id == stuck.id))
        is None
    )
    assert [c.funder for c in services.commitments_of(stuck)] == [Institution.state]
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "commitment_refused", AuditEvent.actor_id.is_not(None))
        )
        == 1
    )
    alerts = {a.kind for a in dashboard.call_budget(call).alerts}
    assert {"uncommitted", "clawback", "envelope", "late_report"} <= alerts
    # both funders have a budget officer to log in as
    officers = {
        g.institution
        for u in db.session.scalars(select(User))
        for g in u.grants
        if g.role == Role.budget_officer
    }
    assert officers == {Institution.state, Institution.region}
