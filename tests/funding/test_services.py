"""Bad input and abuse at the service level: each refused with a French message on the right field,
and nothing changed in the database (money rows, audit trail, dossier states: `snapshot`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from applications import workflow
from applications.models import DossierStatus
from funding import dashboard, services
from funding.models import CommitmentStatus, FinalReport, PaymentKind, ReportStatus
from portal.db import db
from portal.errors import Conflict, PermissionDenied, ServiceError
from portal.models import AuditEvent
from review.services import decisions

from ..review.helpers import build_commission
from .conftest import REGION, STATE, SimpleNamespace, accepted, commitment_of
from .db_checks import snapshot

TODAY = services.today


def refused(action, cls, field, words):
    """The service refuses with exactly `cls`, on `field`, saying `words`, and changes nothing."""
    before = snapshot()
    with pytest.raises(ServiceError) as err:
        action()
    assert type(err.value) is cls, err.value.message
    assert (err.value.field, words in err.value.message) == (field, True), err.value.message
    assert snapshot() == before
    return err.value


@pytest.fixture
def m(money_world):
    """money_world plus a funded dossier (State 1 000,00 €, Région 2 000,00 €), each part with an
    advance of 500,00 € and an open clawback of 100,00 €, and a département sub-envelope."""
    o = money_world
    o.decision = o.funded("1000.00", "2000.00")
    o.dossier = o.decision.dossier
    o.officer = {STATE: o.budget_state, REGION: o.budget_region}
    o.c = {f: commitment_of(o.decision, f) for f in (STATE, REGION)}
    o.claw = {}
    for funder, commitment in o.c.items():
        services.record_payment(o.officer[funder], commitment, "500", TODAY(), f"AV-{funder.value}")
        o.claw[funder] = services.create_clawback(
            o.officer[funder], commitment, "100", "Action annulée."
        )
    o.sub = {
        f: services.set_envelope(o.officer[f], o.call, f, "50000", department_code="17")
        for f in (STATE, REGION)
    }
    db.session.flush()
    return o


# ---------------------------------------------------------------- who may touch the money

OPERATIONS = {
    "envelope": lambda o, u, f: services.set_envelope(u, o.call, f, "90000"),
    "delete_sub_envelope": lambda o, u, f: services.delete_envelope(u, o.sub[f]),
    "commit_again": lambda o, u, f: services.commit_again(u, o.decision, f),
    "payment": lambda o, u, f: services.record_payment(
        u, o.c[f], "10", TODAY(), "X-9", "instalment"
    ),
    "reduce": lambda o, u, f: services.reduce_commitment(u, o.c[f], "850", "Projet réduit."),
    "clawback": lambda o, u, f: services.create_clawback(u, o.c[f], "10", "Trop versé."),
    "settle": lambda o, u, f: services.settle_clawback(u, o.claw[f], TODAY(), "T-1"),
}
OWNER = {STATE: "de l’État (rectorat)", REGION: "de la Région"}


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("funder,intruder", [(STATE, "budget_region"), (REGION, "budget_state")])
def test_an_officer_never_touches_the_other_funders_money(m, operation, funder, intruder):
    refused(
        lambda: OPERATIONS[operation](m, getattr(m, intruder), funder),
        PermissionDenied,
        None,
        f"Seuls les agents budgétaires {OWNER[funder]} peuvent modifier cet argent",
    )


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    "who", ["call_admin", "copilot", "head_a", "staff_a", "observer", "admin", "reviewer"]
)
def test_no_one_but_budget_officers_touches_money(m, operation, who):
    for funder in (STATE, REGION):
        refused(
            lambda f=funder: OPERATIONS[operation](m, getattr(m, who), f),
            PermissionDenied,
            None,
            "Seuls les agents budgétaires",
        )


@pytest.mark.parametrize("operation", ["envelope", "payment", "reduce", "clawback", "settle"])
def test_each_officer_does_it_on_their_own_money(m, operation):
    """The same calls succeed for the right officer: the refusals above are about who, not what."""
    for funder in (STATE, REGION):
        OPERATIONS[operation](m, m.officer[funder], funder)
    db.session.flush()


# ---------------------------------------------------------------- envelopes and commitments


def test_a_commitment_over_the_envelope_is_refused(m):
    services.set_envelope(m.budget_state, m.call, STATE, "1400")  # 900 committed: 500 left
    decision = m.accepted("500.01", "0", commit=False)
    error = refused(
        lambda: services.commit_again(m.budget_state, decision, STATE),
        ServiceError,
        "amount",
        "Engagement refusé : 500,01",
    )
    assert "l'enveloppe de l’État (rectorat) (reste à engager : 500,00" in error.message
    assert services.commit_again(m.budget_state, m.accepted("500", "0", commit=False), STATE)


def test_a_département_sub_envelope_binds_while_the_main_one_has_room(m):
    services.set_envelope(m.budget_region, m.call, REGION, "2000", department_code="86")
    decision = m.accepted("0", "100.01", commit=False)  # Lycée A is in the Vienne (86)
    error = refused(
        lambda: services.commit_again(m.budget_region, decision, REGION),
        ServiceError,
        "amount",
        "Engagement refusé",
    )
    assert "département 86 (reste à engager : 100,00" in error.message
    other = m.accepted("0", "100.01", author=m.head_b, commit=False)  # Lycée B, in 17
    assert services.commit_again(m.budget_region, other, REGION).amount == Decimal("100.01")


def test_an_axis_sub_envelope_binds_too(m):
    services.set_envelope(m.budget_state, m.call, STATE, "900", axis_number=2)  # full already
    decision = m.accepted("0.01", "0", author=m.head_b, commit=False)  # main axis 2 as well
    error = refused(
        lambda: services.commit_again(m.budget_state, decision, STATE),
        ServiceError,
        "amount",
        "axe 2 (reste à engager : 0,00",
    )
    assert "Engagement refusé" in error.message


def test_no_envelope_no_commitment(m, factory):
    elsewhere = SimpleNamespace(**{**vars(m), "call": factory.call()})  # a call without envelopes
    decision = accepted(elsewhere, "800", "0", commit=False)
    refused(
        lambda: services.commit_again(m.budget_state, decision, STATE),
        ServiceError,
        None,
        "Aucune enveloppe de l’État (rectorat) n'est fixée pour cet appel",
    )


def test_a_part_is_committed_once(m):
    refused(
        lambda: services.commit_again(m.budget_state, m.decision, STATE),
        Conflict,
        None,
        "est déjà engagée",
    )


@pytest.mark.parametrize(
    "typed,words",
    [
        ("-100", "négatif"),
        ("12,345", "deux décimales"),
        ("", "Indiquez un montant"),
        ("cent", "pas un montant"),
    ],
)
def test_an_envelope_amount_must_be_money(m, typed, words):
    refused(
        lambda: services.set_envelope(m.budget_state, m.call, STATE, typed),
        ServiceError,
        "amount",
        words,
    )


def test_an_envelope_never_goes_below_what_is_committed(m):
    refused(
        lambda: services.set_envelope(m.budget_state, m.call, STATE, "899,99"),
        ServiceError,
        "amount",
        "déjà engagé : 900,00",
    )
    # a new sub-envelope neither: the dossier's 900,00 € sit in the Vienne (86)
    refused(
        lambda: services.set_envelope(
            m.budget_state, m.call, STATE, "899.99", department_code="86"
        ),
        ServiceError,
        "amount",
        "déjà engagé : 900,00",
    )
    assert services.set_envelope(m.budget_state, m.call, STATE, "900").amount == Decimal(900)


def test_a_sub_envelope_needs_the_main_one_first(m, factory):
    call = factory.call()
    refused(
        lambda: services.set_envelope(m.budget_state, call, STATE, "100", department_code="86"),
        ServiceError,
        "amount",
        "Fixez d'abord l'enveloppe globale de l’État (rectorat)",
    )
    refused(
        lambda: services.set_envelope(m.budget_state, call, STATE, "100", axis_number=1),
        ServiceError,
        "amount",
        "Fixez d'abord l'enveloppe globale",
    )


@pytest.mark.parametrize(
    "kwargs,field,words",
    [
        ({"department_code": "99"}, "department_code", "Le département « 99 » n'existe pas"),
        ({"axis_number": "9"}, "axis_number", "L'appel n'a pas d'axe n° 9"),
        ({"axis_number": "deux"}, "axis_number", "Choisissez un axe"),
        ({"funder": "departement"}, "funder", "Choisissez le financeur"),
    ],
)
def test_an_envelope_scope_must_exist(m, kwargs, field, words):
    funder = kwargs.pop("funder", STATE)
    refused(
        lambda: services.set_envelope(m.budget_state, m.call, funder, "10", **kwargs),
        ServiceError,
        field,
        words,
    )


def test_a_stale_envelope_form_is_a_conflict(m):
    version = m.envelope_state.version
    services.set_envelope(m.budget_state, m.call, STATE, "95000", expected_version=version)
    refused(
        lambda: services.set_envelope(
            m.budget_state, m.call, STATE, "90000", expected_version=version
        ),
        Conflict,
        None,
        "modifiée entre-temps",
    )


def test_envelopes_that_cannot_be_deleted(m):
    refused(
        lambda: services.delete_envelope(m.budget_state, m.envelope_state),
        Conflict,
        None,
        "L'enveloppe globale ne se supprime pas",
    )
    busy = services.set_envelope(m.budget_state, m.call, STATE, "5000", department_code="86")
    refused(
        lambda: services.delete_envelope(m.budget_state, busy),
        Conflict,
        None,
        "porte 900,00\u00a0€ d'engagements",
    )


# ---------------------------------------------------------------- reductions


@pytest.mark.parametrize(
    "typed,reason,field,words",
    [
        ("399,99", "Projet réduit.", "amount", "400,00\u00a0€ ont déjà été versés"),  # 500 − 100
        ("900", "  ", "reason", "Indiquez le motif"),
        ("900", "x" * 2001, "reason", "dépasse 2000 caractères"),
        ("1000", "Projet réduit.", "amount", "doit être inférieur au montant engagé"),
        ("-1", "Projet réduit.", "amount", "négatif"),
        ("500,001", "Projet réduit.", "amount", "deux décimales"),
    ],
)
def test_bad_reductions(m, typed, reason, field, words):
    # the State commitment: 1 000 granted, 500 paid, 100 claimed back (released): 900 committed
    refused(
        lambda: services.reduce_commitment(m.budget_state, m.c[STATE], typed, reason),
        ServiceError,
        field,
        words,
    )
    assert services.reduce_commitment(m.budget_state, m.c[STATE], "400", "Projet réduit.")


def test_a_cancelled_commitment_takes_no_payment_and_no_second_cancel(m):
    decision = m.funded("300", "0")
    commitment = commitment_of(decision, STATE)
    services.reduce_commitment(m.budget_state, commitment, "0", "Projet abandonné.")
    assert commitment.status == CommitmentStatus.cancelled
    refused(
        lambda: services.record_payment(m.budget_state, commitment, "10", TODAY(), "C-1"),
        Conflict,
        None,
        "Cet engagement est annulé",
    )
    refused(
        lambda: services.reduce_commitment(m.budget_state, commitment, "0", "Encore."),
        Conflict,
        None,
        "déjà annulé",
    )


# ---------------------------------------------------------------- payments


@pytest.mark.parametrize(
    "typed,words",
    [
        ("0", "supérieur à zéro"),
        ("-5", "négatif"),
        ("12,345", "deux décimales"),
        ("", "Indiquez un montant"),
        ("abc", "n'est pas un montant"),
    ],
)
def test_a_payment_amount_must_be_positive_money(m, typed, words):
    refused(
        lambda: services.record_payment(m.budget_state, m.c[STATE], typed, TODAY(), "P-1"),
        ServiceError,
        "amount",
        words,
    )


def test_a_payment_never_exceeds_what_remains(m):
    # State: 900 committed, 500 paid, 100 claimed back: 500,00 € remain to pay
    def pay(typed, reference):
        return services.record_payment(
            m.budget_state, m.c[STATE], typed, TODAY(), reference, PaymentKind.instalment
        )

    refused(
        lambda: pay("500,01", "P-1"),
        ServiceError,
        "amount",
        "reste à verser sur l'engagement : 500,00",
    )
    pay("500,00", "P-1")
    refused(
        lambda: pay("0,01", "P-2"), ServiceError, "amount", "reste à verser sur l'engagement : 0,00"
    )


def test_the_advance_is_paid_once(m):
    refused(
        lambda: services.record_payment(
            m.budget_state, m.c[STATE], "10", TODAY(), "P-1", PaymentKind.advance
        ),
        ServiceError,
        "kind",
        "L'avance de cet engagement est déjà versée",
    )


def test_a_payment_reference_is_recorded_once_per_funder(m):
    refused(
        lambda: services.record_payment(m.budget_state, m.c[STATE], "10", TODAY(), " AV-state "),
        Conflict,
        "reference",
        "Le paiement de référence « AV-state » est déjà enregistré (500,00",
    )
    other = commitment_of(m.funded("100", "0"), STATE)  # even on another dossier
    refused(
        lambda: services.record_payment(m.budget_state, other, "10", TODAY(), "AV-state"),
        Conflict,
        "reference",
        "déjà enregistré",
    )
    # the Région's mandate numbers are its own: the same reference is fine there
    payment = services.record_payment(
        m.budget_region, m.c[REGION], "10", TODAY(), "AV-state", PaymentKind.instalment
    )
    assert payment.funder == REGION


@pytest.mark.parametrize(
    "day,field,words",
    [
        (lambda: TODAY() + dt.timedelta(days=1), "paid_on", "est dans le futur"),
        (lambda: "31/02/2026", "paid_on", "n'est pas une date"),
        (lambda: "", "paid_on", "Indiquez une date"),
        (lambda: "1999-12-31", "paid_on", "trop ancienne"),
        (
            lambda: TODAY() - dt.timedelta(days=400),
            "paid_on",
            "précède la signature de la convention",
        ),
    ],
)
def test_a_payment_date_is_a_real_past_date(m, day, field, words):
    refused(
        lambda: services.record_payment(m.budget_state, m.c[STATE], "10", day(), "P-1"),
        ServiceError,
        field,
        words,
    )


@pytest.mark.parametrize(
    "reference,kind,field,words",
    [
        ("", "advance", "reference", "Indiquez la référence"),
        ("M" * 51, "advance", "reference", "dépasse 50 caractères"),
        ("P-1", "gift", "kind", "Choisissez le type de paiement"),
        ("P-1", "balance", "kind", "Le solde se verse après validation du bilan final"),
    ],
)
def test_a_payment_needs_a_reference_and_a_known_kind(m, reference, kind, field, words):
    refused(
        lambda: services.record_payment(m.budget_state, m.c[STATE], "10", TODAY(), reference, kind),
        ServiceError,
        field,
        words,
    )


def test_no_payment_before_the_agreement_is_signed(m):
    commitment = commitment_of(m.accepted("300", "0"), STATE)
    refused(
        lambda: services.record_payment(m.budget_state, commitment, "10", TODAY(), "P-1"),
        Conflict,
        None,
        "les paiements commencent à la signature de la convention",
    )


def test_the_balance_is_paid_once_the_report_is_validated(m):
    workflow.transition(m.dossier, "submit_report")
    report = FinalReport(dossier_id=m.dossier.id, status=ReportStatus.submitted)
    db.session.add(report)
    db.session.flush()
    refused(
        lambda: services.record_payment(
            m.budget_state, m.c[STATE], "10", TODAY(), "S-1", PaymentKind.balance
        ),
        ServiceError,
        "kind",
        "après validation du bilan final",
    )
    report.status = ReportStatus.validated
    db.session.flush()
    services.record_payment(m.budget_state, m.c[STATE], "10", TODAY(), "S-1", PaymentKind.balance)


# ---------------------------------------------------------------- clawbacks


@pytest.mark.parametrize(
    "typed,field,words",
    [
        ("400,01", "amount", "net des reversements : 400,00"),  # 500 paid, 100 already claimed
        ("0", "amount", "supérieur à zéro"),
        ("-3", "amount", "négatif"),
        ("1,005", "amount", "deux décimales"),
    ],
)
def test_a_clawback_never_exceeds_what_was_kept(m, typed, field, words):
    refused(
        lambda: services.create_clawback(m.budget_state, m.c[STATE], typed, "Trop versé."),
        ServiceError,
        field,
        words,
    )
    services.create_clawback(m.budget_state, m.c[STATE], "400", "Trop versé.")
    refused(
        lambda: services.create_clawback(m.budget_state, m.c[STATE], "0,01", "Encore."),
        ServiceError,
        "amount",
        "net des reversements : 0,00",
    )


def test_a_clawback_needs_a_reason(m):
    refused(
        lambda: services.create_clawback(m.budget_state, m.c[STATE], "10", ""),
        ServiceError,
        "reason",
        "Indiquez le motif",
    )


def test_a_clawback_is_settled_once_with_a_reference_and_a_past_date(m):
    claw = m.claw[STATE]
    refused(
        lambda: services.settle_clawback(m.budget_state, claw, TODAY(), " "),
        ServiceError,
        "reference",
        "Indiquez la référence du titre de recette",
    )
    refused(
        lambda: services.settle_clawback(
            m.budget_state, claw, TODAY() + dt.timedelta(days=3), "T-1"
        ),
        ServiceError,
        "settled_on",
        "est dans le futur",
    )
    services.settle_clawback(m.budget_state, claw, TODAY(), "T-1")
    refused(
        lambda: services.settle_clawback(m.budget_state, claw, TODAY(), "T-2"),
        Conflict,
        None,
        "Ce reversement est déjà soldé",
    )


# ---------------------------------------------------------------- the commission's signal


def test_a_final_decision_too_big_for_the_envelope_stays_accepted_and_uncommitted(money_world):
    o = money_world
    c = build_commission(o)
    services.set_envelope(o.budget_state, o.call, STATE, "1000")
    decision = decisions.record_proposal(
        o.call_admin, c.session, c.dossiers[0], "accept", "1200", "800,50"
    )
    decisions.validate_decision(c.copilot_state, decision)
    decisions.validate_decision(c.copilot_region, decision)  # final: the signal commits
    dossier = decision.dossier
    assert dossier.status == DossierStatus.accepted and decision.finalised_at is not None
    assert {x.funder: x.amount for x in services.commitments_of(dossier)} == {
        REGION: Decimal("800.50")
    }
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "commitment_refused", AuditEvent.object_id == dossier.id
        )
    ).one()
    assert event.changes["funder"] == "state" and "Engagement refusé" in event.changes["reason"]
    assert services.uncommitted(o.call.id) == [(decision, STATE, Decimal("1200.00"))]
    budget = dashboard.call_budget(o.call)
    assert budget.for_funder(STATE).uncommitted == Decimal("1200.00")
    assert [a.kind for a in budget.alerts if a.dossier_id == dossier.id] == ["uncommitted"]
    # an officer commits it once the envelope is raised — the Région's officer cannot
    refused(
        lambda: services.commit_again(o.budget_state, decision, STATE),
        ServiceError,
        "amount",
        "Engagement refusé",
    )
    refused(
        lambda: services.commit_again(o.budget_region, decision, STATE),
        PermissionDenied,
        None,
        "Seuls les agents budgétaires de l’État",
    )
    services.set_envelope(o.budget_state, o.call, STATE, "1200")
    commitment = services.commit_again(o.budget_state, decision, STATE)
    assert commitment.amount == Decimal("1200.00") and services.uncommitted(o.call.id) == []
    figures = {f.envelope.funder: f for f in services.envelope_figures(o.call.id)}
    assert (figures[STATE].committed, figures[STATE].remaining) == (
        Decimal("1200.00"),
        Decimal("0.00"),
    )
