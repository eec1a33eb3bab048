"""Rules found in review: one advance per commitment, no payment before the signature, a project
whose every commitment is cancelled is withdrawn, and refused operations change nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from applications.models import DossierStatus
from funding import services
from funding.models import Clawback, CommitmentStatus, GrantAgreement, Payment
from portal.db import db
from portal.errors import Conflict, ServiceError

from .conftest import REGION, STATE, commitment_of


def _payments() -> int:
    return db.session.scalar(select(func.count(Payment.id)))


def test_a_second_advance_is_refused_an_instalment_is_not(money_world):
    o = money_world
    commitment = commitment_of(o.funded("1000.00", "0"), STATE)
    services.record_payment(o.budget_state, commitment, "500,00", services.today(), "A-1")
    with pytest.raises(ServiceError) as refused:
        services.record_payment(
            o.budget_state, commitment, "100,00", services.today(), "A-2", kind="advance"
        )
    assert refused.value.field == "kind" and "déjà versée" in refused.value.message
    assert _payments() == 1
    services.record_payment(
        o.budget_state, commitment, "100,00", services.today(), "A-2", kind="instalment"
    )
    assert _payments() == 2
    assert services.proposed_payment(commitment, Decimal("50"))[0].value == "instalment"


def test_a_payment_dated_before_the_signature_is_refused(money_world):
    o = money_world
    decision = o.funded("1000.00", "0")
    signed_on = db.session.scalar(
        select(GrantAgreement.signed_on).where(GrantAgreement.dossier_id == decision.dossier_id)
    )
    with pytest.raises(ServiceError) as refused:
        services.record_payment(
            o.budget_state,
            commitment_of(decision, STATE),
            "100,00",
            signed_on - dt.timedelta(days=1),
            "EARLY-1",
        )
    assert refused.value.field == "paid_on" and "précède la signature" in refused.value.message
    assert _payments() == 0


def test_cancelling_every_commitment_withdraws_the_project(money_world):
    o = money_world
    decision = o.accepted("1000.00", "2000.00")
    dossier = decision.dossier
    services.reduce_commitment(
        o.budget_state, commitment_of(decision, STATE), "0", "Projet abandonné par l'établissement."
    )
    assert dossier.status == DossierStatus.accepted  # the Région's part is still committed
    services.reduce_commitment(
        o.budget_region,
        commitment_of(decision, REGION),
        "0",
        "Projet abandonné par l'établissement.",
    )
    assert dossier.status == DossierStatus.withdrawn
    assert {c.status for c in services.commitments_of(dossier)} == {CommitmentStatus.cancelled}
    figures = {f.envelope.funder: f for f in services.envelope_figures(o.call.id)}
    assert figures[STATE].committed == 0 and figures[REGION].remaining == Decimal("100000.00")


def test_a_funded_project_abandoned_after_its_advance_closes_once_paid_back(money_world):
    o = money_world
    decision = o.funded("1000.00", "0")
    commitment = commitment_of(decision, STATE)
    services.record_payment(o.budget_state, commitment, "500,00", services.today(), "ADV-9")
    with pytest.raises(ServiceError):  # cannot cancel while 500 € are kept
        services.reduce_commitment(o.budget_state, commitment, "0", "Abandon.")
    clawback = services.create_clawback(o.budget_state, commitment, "500,00", "Abandon du projet.")
    assert commitment.status == CommitmentStatus.active  # 500 € still committed
    services.reduce_commitment(o.budget_state, commitment, "0", "Abandon du projet.")
    assert decision.dossier.status == DossierStatus.funded  # the clawback is still open
    services.settle_clawback(o.budget_state, clawback, services.today(), "TR-1")
    assert decision.dossier.status == DossierStatus.withdrawn
    assert db.session.get(Clawback, clawback.id).status.value == "settled"


def test_a_withdrawn_dossier_s_commitment_no_longer_changes(money_world):
    o = money_world
    decision = o.accepted("1000.00", "0")
    commitment = commitment_of(decision, STATE)
    services.reduce_commitment(o.budget_state, commitment, "0", "Abandon.")
    assert decision.dossier.status == DossierStatus.withdrawn
    with pytest.raises(Conflict) as refused:
        services.reduce_commitment(o.budget_state, commitment, "0", "Encore.")
    assert "déjà annulé" in refused.value.message
    assert commitment.change_reason == "Abandon."


def test_no_reduction_while_the_report_awaits_its_validations(money_world):
    from applications import workflow
    from funding.models import FinalReport, ReportStatus

    o = money_world
    decision = o.funded("1000.00", "1000.00")
    workflow.transition(decision.dossier, "submit_report")
    db.session.add(FinalReport(dossier_id=decision.dossier_id, status=ReportStatus.submitted))
    db.session.flush()
    commitment = commitment_of(decision, REGION)
    with pytest.raises(Conflict) as refused:
        services.reduce_commitment(o.budget_region, commitment, "0", "Abandon.")
    assert "en cours de validation" in refused.value.message
    assert commitment.amount == Decimal("1000.00") and commitment.change_reason == ""
