"""Officers' money pages through HTTP: commitments, one commitment's operations, payments.

Each refusal is checked for its status, its French message on the right field, and that nothing
changed in the database (`_ledger`); happy paths check what the officer sees afterwards.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from applications import workflow
from funding import dashboard, services
from funding.models import (
    Clawback,
    Commitment,
    CommitmentStatus,
    Envelope,
    FinalReport,
    Payment,
    ReportStatus,
)
from portal.db import db
from portal.formatting import format_money
from portal.models import AuditEvent

from ..conftest import login
from ..helpers import count_queries
from .conftest import REGION, STATE, commitment_of


def _text(response) -> str:
    """The page as a person reads it: entities decoded, every kind of space a plain one."""
    body = html.unescape(response.get_data(as_text=True))
    return re.sub(r"[\s\u00a0\u202f]+", " ", body)


def _money(value) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", format_money(Decimal(value)))


def _ledger() -> tuple:
    """Every money row and the audit trail's length: equal before and after = nothing changed."""
    db.session.expire_all()
    return (
        db.session.execute(
            select(Envelope.id, Envelope.amount, Envelope.version).order_by(Envelope.id)
        ).all(),
        db.session.execute(
            select(
                Commitment.id,
                Commitment.amount,
                Commitment.status,
                Commitment.change_reason,
                Commitment.version,
            ).order_by(Commitment.id)
        ).all(),
        db.session.execute(
            select(Payment.id, Payment.amount, Payment.reference).order_by(Payment.id)
        ).all(),
        db.session.execute(
            select(
                Clawback.id, Clawback.amount, Clawback.status, Clawback.settled_reference
            ).order_by(Clawback.id)
        ).all(),
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
    )


def _url(commitment, action: str = "") -> str:
    return f"/financement/engagements/{commitment.id}{action}"


def _pay(client, commitment, amount="500,00", reference="M-2026-001", kind="advance", paid_on=None):
    return client.post(
        _url(commitment, "/paiements"),
        data={
            "kind": kind,
            "amount": amount,
            "reference": reference,
            "paid_on": paid_on or services.today().isoformat(),
        },
    )


def _value(body: str, field_id: str) -> str:
    """The value an input is prefilled with."""
    tag = re.search(rf'<input [^>]*id="{field_id}"[^>]*>', body)
    assert tag, field_id
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def _selected(body: str, field_id: str) -> str:
    select_ = re.search(rf'<select [^>]*id="{field_id}"[^>]*>(.*?)</select>', body)
    assert select_, field_id
    return re.search(r'<option selected value="([^"]*)"', select_.group(1)).group(1)


def _row(body: str, commitment) -> str:
    """A commitment's row of the list, its cells' text trimmed."""
    row = re.search(rf'<tr id="engagement-{commitment.id}">(.*?)</tr>', body)
    assert row, commitment.id
    return re.sub(r">\s+|\s+<", lambda m: m.group(0).strip(), row.group(1))


def _field_error(body: str, field_id: str) -> str:
    """The error shown under a field (tied to it by aria-describedby)."""
    assert f'aria-describedby="{field_id}-error"' in body, field_id
    match = re.search(rf'<p id="{field_id}-error" class="fr-error-text">([^<]*)</p>', body)
    assert match, field_id
    return match.group(1)


@pytest.fixture
def officer(money_world, client):
    """The State's officer, logged in, and a funded dossier: State 1 000,00 €, Région 2 000,00 €."""
    o = money_world
    o.decision = o.funded("1000.00", "2000.00")
    o.c_state = commitment_of(o.decision, STATE)
    o.c_region = commitment_of(o.decision, REGION)
    login(client, o.budget_state)
    return o


# ---------------------------------------------------------------- happy paths


def test_the_advance_is_proposed_at_the_call_rate_recorded_and_shown(client, officer):
    o = officer
    body = _text(client.get(_url(o.c_state)))
    # 50 % (the call's rate) of 1 000,00 €, prefilled; today's date; the rounding rule stated
    assert _value(body, "payment-amount") == "500,00"
    assert _selected(body, "payment-kind") == "advance"
    assert _value(body, "payment-paid_on") == services.today().isoformat()
    assert "demi-centime étant arrondi au centime supérieur" in body
    assert "avance de 50 % à la signature" in body

    response = _pay(client, o.c_state, "500,00", "M-2026-001")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_url(o.c_state))
    page = _text(client.get(_url(o.c_state)))
    assert "Paiement enregistré : avance de 500,00 € (mandat M-2026-001)" in page
    assert f'data-figure="paid">{_money("500")}' in page
    assert f'data-figure="to_pay">{_money("500")}' in page
    assert "M-2026-001" in page and "Stéphane Budget" in page
    # the next proposal is what remains, as an instalment (the report is not validated)
    assert _value(page, "payment-amount") == "500,00"
    assert _selected(page, "payment-kind") == "instalment"
    payment = db.session.scalar(select(Payment))
    assert (payment.amount, payment.kind.value, payment.funder) == (
        Decimal("500.00"),
        "advance",
        STATE,
    )
    assert payment.paid_on == services.today()


def test_the_commitments_list_shows_every_column_and_totals(client, officer):
    o = officer
    services.record_payment(o.budget_state, o.c_state, "500", services.today(), "M-1")
    body = _text(client.get(f"/financement/appels/{o.call.id}/engagements"))
    row = _row(body, o.c_state)
    assert o.decision.dossier.reference in row and "Raccrocher par le projet" in row
    for cell in (
        "Lycée A",
        "86 — Vienne",
        "2 — Axe 2",
        "État (rectorat)",
        _money("1000"),
        _money("500"),
        "Engagé",
    ):
        assert f">{cell}<" in row, cell
    assert ">Région<" in _row(body, o.c_region) and f">{_money('2000')}<" in _row(body, o.c_region)
    assert f'data-total="committed">{_money("3000")}' in body
    assert f'data-total="paid">{_money("500")}' in body
    assert f'data-total="to_pay">{_money("2500")}' in body
    only_state = _text(client.get(f"/financement/appels/{o.call.id}/engagements?financeur=state"))
    assert f'data-total="committed">{_money("1000")}' in only_state
    assert "1 engagement." in only_state
    cancelled = _text(client.get(f"/financement/appels/{o.call.id}/engagements?statut=cancelled"))
    assert "Aucun engagement ne correspond" in cancelled


def test_a_reduction_releases_the_money_and_is_in_the_history(client, officer):
    o = officer
    response = client.post(
        _url(o.c_state, "/reduire"),
        data={
            "amount": "600,00",
            "reason": "Une action abandonnée.",
            "version": str(o.c_state.version),
        },
    )
    assert response.status_code == 302
    page = _text(client.get(_url(o.c_state)))
    assert "Engagement ramené à 600,00 €" in page
    assert f'data-figure="committed">{_money("600")}' in page
    assert f"Engagement réduit par Stéphane Budget : {_money('1000')} → {_money('600')}" in page
    state = next(f for f in services.envelope_figures(o.call.id) if f.envelope.funder == STATE)
    assert state.remaining == Decimal("99400.00")
    db.session.refresh(o.c_state)
    assert o.c_state.version == 2
    # cancelling is final: the unconfirmed form only gets the confirmation page, nothing changes
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    response = client.post(
        _url(o.c_state, "/reduire"),
        data={"amount": "0", "reason": "Projet abandonné.", "version": "2"},
    )
    assert response.status_code == 200
    page = _text(response)
    assert 'id="annulation-definitive"' in page and "Cette annulation est définitive" in page
    assert "ne pourra plus être rétabli" in page
    assert '<input type="hidden" name="confirm" value="1">' in page
    assert 'name="reason" value="Projet abandonné."' in page
    db.session.expire_all()
    assert (o.c_state.status, o.c_state.amount, o.c_state.version) == (
        CommitmentStatus.active,
        Decimal("600.00"),
        2,
    )
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    # a wrong confirmation value is no confirmation
    response = client.post(
        _url(o.c_state, "/reduire"),
        data={"amount": "0", "reason": "Projet abandonné.", "version": "2", "confirm": "oui"},
    )
    assert response.status_code == 200 and "Cette annulation est définitive" in _text(response)
    response = client.post(
        _url(o.c_state, "/reduire"),
        data={"amount": "0", "reason": "Projet abandonné.", "version": "2", "confirm": "1"},
    )
    assert response.status_code == 302
    page = _text(client.get(_url(o.c_state)))
    assert "Engagement annulé pour le dossier" in page and "Engagement annulé</span>" in page
    assert 'action="/financement/engagements/%d/paiements"' % o.c_state.id not in page


def test_cancelling_has_its_own_form_whose_modal_says_what_becomes_final(client, officer):
    o = officer
    page = _text(client.get(_url(o.c_state)))
    # the button opens the DSFR modal (JavaScript); the modal's button posts the confirmed form
    assert 'data-portal-confirm="confirmer-annulation"' in page
    assert 'id="confirmer-annulation" class="fr-modal"' in page
    assert 'form="annuler-form" name="confirmed" value="1"' in page
    assert "il ne pourra plus être rétabli" in page
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    cancel = {"intent": "cancel", "amount": "0", "version": str(o.c_state.version)}
    # no reason: refused, the error tied to the cancel form's own field, nothing changed
    response = client.post(_url(o.c_state, "/reduire"), data={**cancel, "confirmed": "1"})
    assert response.status_code == 400
    assert _field_error(_text(response), "cancel-reason")
    # without JavaScript (no confirmation field): the confirmation page, nothing changed
    response = client.post(_url(o.c_state, "/reduire"), data={**cancel, "reason": "Abandon."})
    assert response.status_code == 200 and "Cette annulation est définitive" in _text(response)
    db.session.expire_all()
    assert o.c_state.status == CommitmentStatus.active
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    # the modal's confirmed post cancels
    response = client.post(
        _url(o.c_state, "/reduire"), data={**cancel, "reason": "Abandon.", "confirmed": "1"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (o.c_state.status, o.c_state.amount) == (CommitmentStatus.cancelled, Decimal("0.00"))


def test_a_paid_commitment_offers_no_cancellation(client, officer):
    o = officer
    _pay(client, o.c_state)
    page = _text(client.get(_url(o.c_state)))
    assert 'id="annuler-form"' not in page and 'id="reduce-amount"' in page


def test_a_clawback_is_claimed_then_settled(client, officer):
    o = officer
    services.record_payment(o.budget_state, o.c_state, "500", services.today(), "M-1")
    response = client.post(
        _url(o.c_state, "/reversements"),
        data={"amount": "200,00", "reason": "Action non réalisée."},
    )
    assert response.status_code == 302
    page = _text(client.get(_url(o.c_state)))
    assert "Reversement de 200,00 € demandé" in page and "À recevoir" in page
    assert f'data-figure="committed">{_money("800")}' in page  # the officer's clawback releases it
    clawback = db.session.scalar(select(Clawback))
    listing = _text(client.get(f"/financement/appels/{o.call.id}/paiements"))
    assert f"{_money('200')} restent à recevoir" in listing
    assert (
        f'href="/financement/engagements/{o.c_state.id}#reversement-{clawback.id}">Solder'
        in listing
    )
    response = client.post(
        f"/financement/reversements/{clawback.id}/solder",
        data={"settled_on": services.today().isoformat(), "reference": "T-2026-7"},
    )
    assert response.status_code == 302
    page = _text(client.get(_url(o.c_state)))
    assert "Reversement de 200,00 € soldé (référence T-2026-7)" in page
    assert f"Reçu le {services.today():%d/%m/%Y}" in page
    db.session.refresh(clawback)
    assert clawback.status.value == "settled" and clawback.settled_reference == "T-2026-7"


def test_the_payments_page_filters_by_funder_and_month_with_totals(client, officer):
    o = officer
    earlier = services.today() - dt.timedelta(days=40)
    services.record_payment(o.budget_state, o.c_state, "500", earlier, "M-1")
    services.record_payment(o.budget_region, o.c_region, "1000", services.today(), "R-1")
    services.record_payment(o.budget_state, o.c_state, "100", services.today(), "M-2", "instalment")
    base = f"/financement/appels/{o.call.id}/paiements"
    body = _text(client.get(base))
    assert f"3 paiements pour {_money('1600')}" in body
    assert f'data-total="payments">{_money("1600")}' in body
    assert "Stéphane Budget" in body and "Avance" in body and "Acompte" in body
    assert body.index("R-1") < body.index("M-1")  # latest first
    month = f"{earlier:%Y-%m}"
    body = _text(client.get(f"{base}?mois={month}"))
    assert f"1 paiement pour {_money('500')}" in body and "R-1" not in body
    body = _text(client.get(f"{base}?financeur=state"))
    assert f"2 paiements pour {_money('600')}" in body and "R-1" not in body
    body = _text(client.get(f"{base}?mois=n'importe-quoi"))  # an unreadable month: no filter
    assert f"3 paiements pour {_money('1600')}" in body


def test_the_list_totals_cover_every_page_and_equal_the_dashboard_at_a_constant_query_count(
    client, money_world
):
    o = money_world
    pending = o.accepted("0", "150000.00")  # over the Région's envelope: awaits commitment
    assert services.uncommitted(o.call.id)[0][0].id == pending.id

    def add(count: int):
        for _ in range(count):
            decision = o.funded("100.00", "0")
            commitment = commitment_of(decision, STATE)
            services.record_payment(
                o.budget_state, commitment, "50", services.today(), f"M-{commitment.id}"
            )
            services.create_clawback(o.budget_state, commitment, "10", "Trop versé.")

    def measure() -> tuple[int, str]:
        url = f"/financement/appels/{o.call.id}/engagements"
        client.get(url)  # warm-up
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        return counter.count, _text(response)

    login(client, o.budget_region)
    add(5)
    five, body = measure()
    assert "5 engagements." in body and "Décisions à engager" in body
    add(45)
    fifty, body = measure()
    assert "50 engagements." in body
    assert fifty == five
    add(10)
    sixty, body = measure()
    assert "60 engagements — page 1 sur 2" in body and sixty == five
    assert body.count('<tr id="engagement-') == 50
    budget = dashboard.call_budget(o.call)
    state = budget.for_funder(STATE)
    assert state.committed == Decimal("5400.00")  # 60 × (100 − the 10 clawed back)
    assert f'data-total="committed">{_money(state.committed)}' in body
    assert f'data-total="paid">{_money(state.paid)}' in body
    assert f'data-total="to_pay">{_money(state.to_pay)}' in body
    assert f'data-total="granted">{_money("6000")}' in body


# ---------------------------------------------------------------- refused payments


@pytest.mark.parametrize(
    "amount,words",
    [
        ("1000,01", "dépasse ce qui reste à verser sur l'engagement : 1 000,00 €"),
        ("0", "Le montant doit être supérieur à zéro."),
        ("-5,00", "Un montant ne peut pas être négatif."),
        ("12,345", "Un montant a au plus deux décimales (les centimes)."),
        ("", "Indiquez un montant."),
    ],
)
def test_a_bad_payment_amount_is_refused_on_its_field(client, officer, amount, words):
    o = officer
    before = _ledger()
    response = _pay(client, o.c_state, amount)
    assert response.status_code == 400
    body = _text(response)
    assert words.replace("\u202f", " ") in _field_error(body, "payment-amount")
    assert _value(body, "payment-amount") == amount  # what was typed stays in the field
    assert _ledger() == before


def test_a_payment_reference_cannot_be_recorded_twice(client, officer):
    o = officer
    assert _pay(client, o.c_state, "300,00", "M-2026-9").status_code == 302
    before = _ledger()
    response = _pay(client, o.c_state, "300,00", "M-2026-9")  # the double click
    assert response.status_code == 409
    message = _field_error(_text(response), "payment-reference")
    assert "« M-2026-9 » est déjà enregistré (300,00 €" in message.replace("\u202f", " ")
    assert _ledger() == before
    # the other funder's numbering is its own
    login(client, o.budget_region)
    assert _pay(client, o.c_region, "300,00", "M-2026-9").status_code == 302


def test_no_payment_before_the_agreement_is_signed(client, money_world):
    o = money_world
    commitment = commitment_of(o.accepted("1000.00", "0"), STATE)
    login(client, o.budget_state)
    page = _text(client.get(_url(commitment)))
    assert "les paiements commencent à la signature de la convention" in page
    assert 'id="payment-amount"' not in page
    before = _ledger()
    response = _pay(client, commitment, "500,00")
    assert response.status_code == 409
    assert "les paiements commencent à la signature de la convention" in _text(response)
    assert _ledger() == before


def test_the_balance_waits_for_the_validated_report(client, officer):
    o = officer
    before = _ledger()
    response = _pay(client, o.c_state, "500,00", kind="balance")
    assert response.status_code == 400
    body = _text(response)
    assert _field_error(body, "payment-kind") == (
        "Le solde se verse après validation du bilan final."
    )
    assert _selected(body, "payment-kind") == "balance"
    assert _ledger() == before
    # once the report is validated, the balance is proposed and accepted
    workflow.transition(o.decision.dossier, "submit_report")
    db.session.add(FinalReport(dossier_id=o.decision.dossier_id, status=ReportStatus.validated))
    db.session.flush()
    services.record_payment(o.budget_state, o.c_state, "500", services.today(), "M-1")
    page = _text(client.get(_url(o.c_state)))
    assert _selected(page, "payment-kind") == "balance"
    assert _value(page, "payment-amount") == "500,00"
    assert _pay(client, o.c_state, "500,00", "M-2", kind="balance").status_code == 302


def test_a_future_payment_date_is_refused(client, officer):
    o = officer
    before = _ledger()
    tomorrow = services.today() + dt.timedelta(days=1)
    response = _pay(client, o.c_state, paid_on=tomorrow.isoformat())
    assert response.status_code == 400
    assert "est dans le futur" in _field_error(_text(response), "payment-paid_on")
    assert _ledger() == before


# ---------------------------------------------------------------- the other funder's money


def _operations(o, commitment, clawback):
    return [
        (
            _url(commitment, "/paiements"),
            {
                "kind": "advance",
                "amount": "100,00",
                "paid_on": services.today().isoformat(),
                "reference": "X-1",
            },
        ),
        (
            _url(commitment, "/reduire"),
            {"amount": "10,00", "reason": "Essai.", "version": str(commitment.version)},
        ),
        (_url(commitment, "/reversements"), {"amount": "10,00", "reason": "Essai."}),
        (
            f"/financement/reversements/{clawback.id}/solder",
            {"settled_on": services.today().isoformat(), "reference": "T-1"},
        ),
    ]


@pytest.mark.parametrize("funder", [STATE, REGION], ids=["region-on-state", "state-on-region"])
def test_an_officer_never_touches_the_other_funders_money(client, officer, funder):
    o = officer
    own = {STATE: o.budget_state, REGION: o.budget_region}
    other = {STATE: o.budget_region, REGION: o.budget_state}
    commitment = o.c_state if funder == STATE else o.c_region
    services.record_payment(own[funder], commitment, "100", services.today(), "P-1")
    clawback = services.create_clawback(own[funder], commitment, "20", "Trop versé.")
    login(client, other[funder])
    page = _text(client.get(_url(commitment)))
    assert "Consultation seule" in page
    assert '<form method="post" action="/financement/engagements' not in page
    assert "/solder" not in page
    before = _ledger()
    for url, data in _operations(o, commitment, clawback):
        response = client.post(url, data=data)
        assert response.status_code == 403, url
        assert "Seuls les agents budgétaires" in _text(response)
    assert _ledger() == before


@pytest.mark.parametrize("who", ["head_a", "staff_a", "head_b"])
def test_applicants_reach_no_money_page(client, officer, who):
    o = officer
    services.record_payment(o.budget_state, o.c_state, "100", services.today(), "P-1")
    clawback = services.create_clawback(o.budget_state, o.c_state, "20", "Trop versé.")
    pending = o.accepted("0", "150000.00")
    login(client, getattr(o, who))
    before = _ledger()
    for url in (
        f"/financement/appels/{o.call.id}/engagements",
        _url(o.c_state),
        f"/financement/appels/{o.call.id}/paiements",
    ):
        assert client.get(url).status_code == 403, url
    posts = _operations(o, o.c_state, clawback) + [
        (f"/financement/decisions/{pending.id}/engager", {"funder": "region"})
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 403, url
    assert _ledger() == before


# ---------------------------------------------------------------- clawbacks and reductions


def test_a_clawback_larger_than_what_was_paid_is_refused(client, officer):
    o = officer
    services.record_payment(o.budget_state, o.c_state, "500", services.today(), "M-1")
    before = _ledger()
    response = client.post(
        _url(o.c_state, "/reversements"),
        data={"amount": "500,01", "reason": "Action non réalisée."},
    )
    assert response.status_code == 400
    body = _text(response)
    assert (
        "dépasse ce qui a été versé sur cet engagement, net des reversements : 500,00 €"
        in _field_error(body, "clawback-amount")
    )
    assert _value(body, "clawback-amount") == "500,01"
    assert _ledger() == before


def test_a_commitment_cannot_be_reduced_below_what_was_paid(client, officer):
    o = officer
    services.record_payment(o.budget_state, o.c_state, "500", services.today(), "M-1")
    before = _ledger()
    response = client.post(
        _url(o.c_state, "/reduire"),
        data={"amount": "499,99", "reason": "Projet réduit.", "version": str(o.c_state.version)},
    )
    assert response.status_code == 400
    assert "500,00 € ont déjà été versés" in _field_error(_text(response), "reduce-amount")
    assert _ledger() == before


def test_a_reduction_needs_a_reason(client, officer):
    o = officer
    before = _ledger()
    response = client.post(
        _url(o.c_state, "/reduire"),
        data={"amount": "600,00", "reason": "   ", "version": str(o.c_state.version)},
    )
    assert response.status_code == 400
    body = _text(response)
    assert _field_error(body, "reduce-reason").startswith("Indiquez le motif")
    assert _value(body, "reduce-amount") == "600,00"
    assert _ledger() == before


def test_a_reduction_from_a_stale_page_is_refused(client, officer):
    o = officer
    stale = str(o.c_state.version)
    services.reduce_commitment(o.budget_state, o.c_state, "900", "Première réduction.")
    before = _ledger()
    response = client.post(
        _url(o.c_state, "/reduire"),
        data={"amount": "600,00", "reason": "Seconde réduction.", "version": stale},
    )
    assert response.status_code == 409
    assert "modifié entre-temps" in _text(response)
    assert _ledger() == before


def test_a_clawback_cannot_be_settled_twice(client, officer):
    o = officer
    services.record_payment(o.budget_state, o.c_state, "500", services.today(), "M-1")
    clawback = services.create_clawback(o.budget_state, o.c_state, "100", "Trop versé.")
    url = f"/financement/reversements/{clawback.id}/solder"
    data = {"settled_on": services.today().isoformat(), "reference": "T-1"}
    assert client.post(url, data=data).status_code == 302
    before = _ledger()
    response = client.post(url, data={**data, "reference": "T-2"})
    assert response.status_code == 409
    assert f"Ce reversement est déjà soldé (le {services.today():%d/%m/%Y})" in _text(response)
    assert _ledger() == before


def test_settling_needs_a_reference_shown_on_that_clawbacks_form(client, officer):
    o = officer
    services.record_payment(o.budget_state, o.c_state, "500", services.today(), "M-1")
    clawback = services.create_clawback(o.budget_state, o.c_state, "100", "Trop versé.")
    before = _ledger()
    response = client.post(
        f"/financement/reversements/{clawback.id}/solder",
        data={"settled_on": services.today().isoformat(), "reference": " "},
    )
    assert response.status_code == 400
    assert "Indiquez la référence" in _field_error(
        _text(response), f"settle-{clawback.id}-reference"
    )
    assert _ledger() == before


# ---------------------------------------------------------------- committing again


def test_a_refused_part_is_committed_once_the_envelope_allows_it(client, money_world):
    o = money_world
    decision = o.accepted("0", "150000.00")
    url = f"/financement/decisions/{decision.id}/engager"
    login(client, o.budget_state)  # the State's officer sees the part but may not commit it
    page = _text(client.get(f"/financement/appels/{o.call.id}/engagements"))
    assert "Décisions à engager" in page and url not in page
    assert client.post(url, data={"funder": "region"}).status_code == 403

    login(client, o.budget_region)
    page = _text(client.get(f"/financement/appels/{o.call.id}/engagements"))
    assert "Engagement refusé : 150 000,00 € pour le dossier" in page  # the audited reason
    assert f'action="{url}"' in page
    before = _ledger()
    response = client.post(url, data={"funder": "region"})
    assert response.status_code == 400
    assert "dépasseraient l'enveloppe de la Région (reste à engager : 100 000,00 €)" in _text(
        response
    )
    assert _ledger() == before

    services.set_envelope(o.budget_region, o.call, REGION, "200000.00")
    response = client.post(url, data={"funder": "region"})
    assert response.status_code == 302
    commitment = commitment_of(decision, REGION)
    assert response.headers["Location"].endswith(_url(commitment))
    assert commitment.amount == Decimal("150000.00")
    assert "Engagement de 150 000,00 € enregistré" in _text(client.get(_url(commitment)))
    page = _text(client.get(f"/financement/appels/{o.call.id}/engagements"))
    assert "Décisions à engager" not in page
    assert client.post(url, data={"funder": "region"}).status_code == 409  # already committed


def test_the_commitments_list_sorts_by_amount_in_sql(client, officer):
    o = officer
    url = f"/financement/appels/{o.call.id}/engagements"
    by_reference = _text(client.get(url))
    assert by_reference.index(f'id="engagement-{o.c_state.id}"') < by_reference.index(
        f'id="engagement-{o.c_region.id}"'
    )
    by_amount = _text(client.get(url + "?tri=montant&suivi=nimporte"))  # an unknown filter: all
    assert by_amount.index(f'id="engagement-{o.c_region.id}"') < by_amount.index(
        f'id="engagement-{o.c_state.id}"'
    )
    assert "2 engagements." in by_amount
    assert '<option value="montant" selected>' in by_amount
