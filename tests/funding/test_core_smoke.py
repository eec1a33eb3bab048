"""First checks of the money services (fuller tests in the other files of this folder)."""

from decimal import Decimal

from funding import services

from .conftest import REGION, STATE, commitment_of


def test_a_final_accept_commits_each_part_and_envelopes_add_up(money_world):
    o = money_world
    decision = o.accepted("1000.00", "2500.50")
    figures = {f.envelope.funder: f for f in services.envelope_figures(o.call.id)}
    assert figures[STATE].committed == Decimal("1000.00")
    assert figures[REGION].committed == Decimal("2500.50")
    assert figures[REGION].remaining == Decimal("97499.50")
    assert commitment_of(decision, STATE).amount == Decimal("1000.00")


def test_advance_then_report_then_clawback_closes(money_world):
    o = money_world
    decision = o.funded("1000.00", "3000.00")
    dossier = decision.dossier
    c_state, c_region = commitment_of(decision, STATE), commitment_of(decision, REGION)
    services.record_payment(o.budget_state, c_state, "500,00", "2026-11-01", "M-1")
    services.record_payment(o.budget_region, c_region, "1500,00", "2026-11-01", "R-1")
    from applications import workflow
    from funding import money
    from funding.models import FinalReport, ReportStatus
    from portal.db import db

    workflow.transition(dossier, "submit_report")
    report = FinalReport(dossier_id=dossier.id, status=ReportStatus.submitted)
    db.session.add(report)
    db.session.flush()
    # due: min(4000, 1000) shared 1/4 – 3/4; each funder's officer settles its own part
    due = money.due_per_funder({STATE: c_state.amount, REGION: c_region.amount}, Decimal("1000"))
    result = {
        funder: services.settle_funder_on_report(officer, dossier, funder, due[funder])
        for funder, officer in ((STATE, o.budget_state), (REGION, o.budget_region))
    }
    report.status = ReportStatus.validated  # both parts validated
    db.session.flush()
    assert not services.close_if_settled(o.budget_region, dossier)  # clawbacks are open
    assert result[STATE] == (Decimal("250.00"), Decimal("0.00"), Decimal("250.00"))
    assert result[REGION] == (Decimal("750.00"), Decimal("0.00"), Decimal("750.00"))
    assert dossier.status.value == "reporting"
    for clawback in services.open_clawbacks(o.call.id):
        officer = o.budget_state if clawback.commitment.funder == STATE else o.budget_region
        services.settle_clawback(officer, clawback, "2026-11-20", f"T-{clawback.id}")
    assert dossier.status.value == "closed"
    figures = {f.envelope.funder: f for f in services.envelope_figures(o.call.id)}
    assert figures[STATE].committed == Decimal("250.00") and figures[STATE].paid == Decimal(
        "250.00"
    )
    assert figures[REGION].paid == Decimal("750.00") and figures[REGION].to_pay == 0


def test_call_budget_sums_match_the_envelope_figures(money_world):
    from funding import dashboard

    o = money_world
    o.accepted("1000.00", "0")
    o.accepted("0", "95000.00")
    budget = dashboard.call_budget(o.call)
    assert budget.for_funder(STATE).committed == Decimal("1000.00")
    assert budget.for_funder(REGION).rate == Decimal("95.0")
    assert [a.kind for a in budget.alerts] == ["envelope"]
    assert sum(b.committed for b in budget.for_funder(REGION).by_department) == Decimal("95000.00")
    assert budget.for_funder(STATE).over_time[-1][1] == Decimal("1000.00")
