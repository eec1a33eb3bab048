"""The funding API: envelopes, commitments, payments (GET, POST), the budget; who may read, who
may record a payment, every refused payment changing nothing, and the figures reconciling."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from funding import services
from funding.models import Commitment, Payment
from portal.auth.services import issue_api_token
from portal.db import db
from portal.models import AuditEvent
from tests.funding.conftest import REGION, STATE, commitment_of, money_world  # noqa: F401
from tests.helpers import count_queries

from .helpers import bearer

D = Decimal
READERS = ["budget_state", "budget_region", "observer", "call_admin"]
REFUSED = ["head_a", "staff_a", "head_b", "reviewer", "admin", "copilot"]


def _day(days_ago: int) -> str:
    return (services.today() - dt.timedelta(days=days_ago)).isoformat()


@pytest.fixture
def fw(money_world):
    """Envelopes of 100 000 € per funder and a Région sub-envelope of 50 000 € for the Vienne (86).
    d1 (Lycée A, 86) funded 1 000 / 2 000, d2 (Lycée B, 17) funded 3 000 / 1 500, d3 (Lycée A)
    accepted 500 / 700, not yet signed. Paid: d1 State 500 and Région 1 000, d2 State 1 500."""
    o = money_world
    services.set_envelope(o.budget_region, o.call, REGION, "50000.00", department_code="86")
    o.d1 = o.funded("1000.00", "2000.00")
    o.d2 = o.funded("3000.00", "1500.00", author=o.head_b)
    o.d3 = o.accepted("500.00", "700.00")
    o.c1_state, o.c1_region = commitment_of(o.d1, STATE), commitment_of(o.d1, REGION)
    o.c2_state, o.c2_region = commitment_of(o.d2, STATE), commitment_of(o.d2, REGION)
    o.c3_state = commitment_of(o.d3, STATE)
    services.record_payment(o.budget_state, o.c1_state, "500.00", _day(20), "ETAT-001")
    services.record_payment(o.budget_region, o.c1_region, "1000.00", _day(15), "REG-001")
    services.record_payment(o.budget_state, o.c2_state, "1500.00", _day(10), "ETAT-002")
    db.session.commit()
    o.tokens = {who: issue_api_token(getattr(o, who)) for who in READERS + REFUSED}
    db.session.commit()
    return o


def _h(o, who: str) -> dict:
    return bearer(o.tokens[who])


def _get(client, o, who, url):
    return client.get(url, headers=_h(o, who))


def _urls(o) -> list[str]:
    return [
        f"/api/v1/calls/{o.call.id}/envelopes",
        f"/api/v1/calls/{o.call.id}/budget",
        f"/api/v1/commitments?call={o.call.id}",
        f"/api/v1/payments?call={o.call.id}",
    ]


def money_state() -> tuple:
    """What a refused payment must leave as it was: payments, audit trail, commitments."""
    db.session.expire_all()
    payments = db.session.execute(select(func.count(Payment.id), func.sum(Payment.amount))).one()
    commitments = db.session.execute(
        select(Commitment.id, Commitment.amount, Commitment.status, Commitment.version).order_by(
            Commitment.id
        )
    ).all()
    audit = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return tuple(payments), [tuple(c) for c in commitments], audit


# ---------------------------------------------------------------- reading


def test_envelopes_with_figures_as_decimal_strings(client, fw):
    response = _get(client, fw, "budget_region", f"/api/v1/calls/{fw.call.id}/envelopes")
    assert response.status_code == 200
    items = response.get_json()["items"]
    keys = [(i["funder"], i["department"], i["axis"]) for i in items]
    assert keys == [("region", None, None), ("region", "86", None), ("state", None, None)]
    region, region_86, state = items
    assert state == {
        "id": fw.envelope_state.id,
        "funder": "state",
        "department": None,
        "axis": None,
        "amount": "100000.00",
        "committed": "4500.00",
        "paid": "2000.00",
        "remaining": "95500.00",
        "to_pay": "2500.00",
        "clawbacks_open": "0.00",
        "rate": "4.50",
    }
    assert (region["committed"], region["paid"], region["remaining"], region["to_pay"]) == (
        "4200.00",
        "1000.00",
        "95800.00",
        "3200.00",
    )
    # the Vienne sub-envelope holds Lycée A's two Région parts, not Lycée B's (Charente-Maritime)
    assert (region_86["amount"], region_86["committed"], region_86["remaining"]) == (
        "50000.00",
        "2700.00",
        "47300.00",
    )


def test_envelopes_of_one_funder(client, fw):
    response = _get(client, fw, "observer", f"/api/v1/calls/{fw.call.id}/envelopes?funder=state")
    assert [i["funder"] for i in response.get_json()["items"]] == ["state"]


def test_commitments_of_a_call_with_paid_and_to_pay(client, fw):
    response = _get(client, fw, "call_admin", f"/api/v1/commitments?call={fw.call.id}")
    assert response.status_code == 200
    items = {(i["dossier_id"], i["funder"]): i for i in response.get_json()["items"]}
    assert len(items) == 6
    c1 = items[(fw.d1.dossier_id, "state")]
    assert c1["id"] == fw.c1_state.id
    assert c1["dossier_reference"] == fw.d1.dossier.reference
    assert (c1["amount"], c1["initial_amount"], c1["paid"], c1["to_pay"], c1["status"]) == (
        "1000.00",
        "1000.00",
        "500.00",
        "500.00",
        "active",
    )
    assert c1["department"] == "86" and c1["axis"] == 2
    assert c1["created_at"].endswith(("Z", "+00:00"))
    c3 = items[(fw.d3.dossier_id, "region")]
    assert (c3["amount"], c3["paid"], c3["to_pay"]) == ("700.00", "0.00", "700.00")


def test_commitments_of_one_funder(client, fw):
    response = _get(
        client, fw, "budget_state", f"/api/v1/commitments?call={fw.call.id}&funder=region"
    )
    items = response.get_json()["items"]
    assert {i["funder"] for i in items} == {"region"} and len(items) == 3


def test_payments_of_a_call_by_date(client, fw):
    response = _get(client, fw, "budget_region", f"/api/v1/payments?call={fw.call.id}")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [i["reference"] for i in items] == ["ETAT-001", "REG-001", "ETAT-002"]
    first = items[0]
    assert first["commitment_id"] == fw.c1_state.id and first["dossier_id"] == fw.d1.dossier_id
    assert (first["funder"], first["kind"], first["amount"], first["paid_on"]) == (
        "state",
        "advance",
        "500.00",
        _day(20),
    )
    only_region = _get(
        client, fw, "budget_region", f"/api/v1/payments?call={fw.call.id}&funder=region"
    ).get_json()["items"]
    assert [i["reference"] for i in only_region] == ["REG-001"]


def test_budget_gives_the_dashboard_figures(client, fw):
    response = _get(client, fw, "observer", f"/api/v1/calls/{fw.call.id}/budget")
    assert response.status_code == 200
    body = response.get_json()
    assert body["call_id"] == fw.call.id
    state, region = body["funders"]["state"], body["funders"]["region"]
    assert (
        state["envelope"],
        state["committed"],
        state["paid"],
        state["remaining"],
        state["to_pay"],
        state["uncommitted"],
        state["rate"],
        state["commitments"],
    ) == ("100000.00", "4500.00", "2000.00", "95500.00", "2500.00", "0.00", "4.50", 3)
    assert (region["committed"], region["paid"], region["clawbacks_open"]) == (
        "4200.00",
        "1000.00",
        "0.00",
    )
    assert {b["key"]: b["committed"] for b in region["by_department"]} == {
        "17": "1500.00",
        "86": "2700.00",
    }
    assert {b["key"]: (b["committed"], b["paid"]) for b in state["by_department"]} == {
        "17": ("3000.00", "1500.00"),
        "86": ("1500.00", "500.00"),
    }
    assert sum(D(b["committed"]) for b in state["by_axis"]) == D("4500.00")
    assert sum(D(b["paid"]) for b in state["by_kind"]) == D("2000.00")
    assert state["over_time"][-1]["committed"] == "4500.00"
    assert state["over_time"][-1]["paid"] == "2000.00"
    assert len(body["envelopes"]) == 3
    assert body["alerts"] == []


def test_budget_alerts_show_an_envelope_almost_spent(client, fw):
    services.set_envelope(fw.budget_state, fw.call, STATE, "4600.00")
    db.session.commit()
    alerts = _get(client, fw, "budget_state", f"/api/v1/calls/{fw.call.id}/budget").get_json()[
        "alerts"
    ]
    assert [(a["kind"], a["funder"], a["dossier_id"]) for a in alerts] == [
        ("envelope", "state", None)
    ]
    assert "97,8 %" in alerts[0]["message"]


@pytest.mark.parametrize("who", READERS)
def test_budget_readers_reach_every_list(client, fw, who):
    for url in _urls(fw):
        response = _get(client, fw, who, url)
        assert response.status_code == 200, (url, response.get_json())


@pytest.mark.parametrize("who", REFUSED)
def test_applicants_reviewers_and_the_admin_are_refused(client, fw, who):
    for url in _urls(fw):
        response = _get(client, fw, who, url)
        assert response.status_code == 403, url
        body = response.get_json()
        assert "réservées aux agents budgétaires" in body["error"]
        assert "items" not in body and "funders" not in body


def test_no_token_is_401(client, fw):
    for url in _urls(fw):
        assert client.get(url).status_code == 401


@pytest.mark.parametrize(
    "url,message",
    [
        ("/api/v1/commitments", "paramètre « call=<identifiant> »"),
        ("/api/v1/commitments?call=", "paramètre « call=<identifiant> »"),
        ("/api/v1/commitments?call=abc", "nombre entier"),
        ("/api/v1/payments", "paramètre « call=<identifiant> »"),
        ("/api/v1/payments?call=1.5", "nombre entier"),
    ],
)
def test_lists_need_a_call_id(client, fw, url, message):
    response = _get(client, fw, "budget_state", url)
    assert response.status_code == 400
    body = response.get_json()
    assert message in body["error"] and "call" in body["errors"]


def test_an_unknown_funder_is_400(client, fw):
    response = _get(client, fw, "budget_state", f"/api/v1/payments?call={fw.call.id}&funder=etat")
    assert response.status_code == 400
    assert response.get_json()["errors"]["funder"].startswith("Choisissez le financeur")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/calls/999999/envelopes",
        "/api/v1/calls/999999/budget",
        "/api/v1/commitments?call=999999",
        "/api/v1/payments?call=999999",
    ],
)
def test_an_unknown_call_is_404(client, fw, url):
    response = _get(client, fw, "budget_state", url)
    assert response.status_code == 404
    assert response.get_json()["error"] == "Cet appel à projets n'existe pas."


def test_lists_take_the_same_number_of_queries_whatever_their_length(client, fw):
    def counts():
        result = []
        for url in _urls(fw):
            with count_queries() as counter:
                assert _get(client, fw, "observer", url).status_code == 200
            result.append(counter.count)
        return result

    before = counts()
    for _ in range(4):
        decision = fw.funded("700.00", "800.00", author=fw.head_b)
        services.record_payment(
            fw.budget_state,
            commitment_of(decision, STATE),
            "350.00",
            _day(3),
            f"ETAT-Q{decision.id}",
        )
    db.session.commit()
    assert counts() == before


# ---------------------------------------------------------------- reconciliation


def _sum(items, key, funder) -> Decimal:
    return sum((D(i[key]) for i in items if i["funder"] == funder), D("0.00"))


def test_commitments_payments_budget_and_envelopes_reconcile(client, fw):
    # one more payment recorded through the API itself, on the Région's side
    posted = client.post(
        "/api/v1/payments",
        headers=_h(fw, "budget_region"),
        json={
            "commitment_id": fw.c2_region.id,
            "amount": "750.00",
            "paid_on": _day(1),
            "reference": "REG-002",
        },
    )
    assert posted.status_code == 201
    commitments = _get(client, fw, "observer", f"/api/v1/commitments?call={fw.call.id}").get_json()[
        "items"
    ]
    payments = _get(client, fw, "observer", f"/api/v1/payments?call={fw.call.id}").get_json()[
        "items"
    ]
    budget = _get(client, fw, "observer", f"/api/v1/calls/{fw.call.id}/budget").get_json()
    envelopes = _get(client, fw, "observer", f"/api/v1/calls/{fw.call.id}/envelopes").get_json()[
        "items"
    ]
    for funder in ("state", "region"):
        main = next(e for e in envelopes if e["funder"] == funder and e["department"] is None)
        figures = budget["funders"][funder]
        committed = _sum(commitments, "amount", funder)
        assert committed == D(figures["committed"]) == D(main["committed"])
        assert (
            _sum(payments, "amount", funder)
            == D(figures["paid"])
            == D(main["paid"])
            == _sum(commitments, "paid", funder)
        )
        assert _sum(commitments, "to_pay", funder) == D(figures["to_pay"]) == D(main["to_pay"])
        assert D(figures["envelope"]) - committed == D(figures["remaining"])
    assert D(budget["funders"]["region"]["paid"]) == D("1750.00")


def test_commitments_reconcile_after_a_clawback(client, fw):
    clawback = services.create_clawback(fw.budget_state, fw.c2_state, "500.00", "Action annulée.")
    services.settle_clawback(fw.budget_state, clawback, _day(1), "TITRE-1")
    db.session.commit()
    commitments = _get(client, fw, "observer", f"/api/v1/commitments?call={fw.call.id}").get_json()[
        "items"
    ]
    budget = _get(client, fw, "observer", f"/api/v1/calls/{fw.call.id}/budget").get_json()
    state = budget["funders"]["state"]
    assert _sum(commitments, "amount", "state") == D(state["committed"]) == D("4000.00")
    assert _sum(commitments, "paid", "state") == D(state["paid"]) == D("1500.00")
    assert _sum(commitments, "to_pay", "state") == D(state["to_pay"])


# ---------------------------------------------------------------- recording a payment


def _post(client, o, who, body):
    return client.post("/api/v1/payments", headers=_h(o, who), json=body)


def _body(o, **changes) -> dict:
    body = {
        "commitment_id": o.c1_region.id,
        "amount": "1000.00",
        "paid_on": _day(2),
        "reference": "REG-100",
        "kind": "instalment",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_an_officer_records_a_payment(client, fw):
    response = _post(client, fw, "budget_region", _body(fw))
    assert response.status_code == 201
    payment = response.get_json()
    assert payment["commitment_id"] == fw.c1_region.id and payment["dossier_id"] == fw.d1.dossier_id
    assert (
        payment["funder"],
        payment["kind"],
        payment["amount"],
        payment["paid_on"],
        payment["reference"],
    ) == ("region", "instalment", "1000.00", _day(2), "REG-100")
    db.session.expire_all()
    stored = db.session.get(Payment, payment["id"])
    assert stored.amount == D("1000.00") and stored.recorded_by_id == fw.budget_region.id
    assert (
        db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "payment_recorded")
            .order_by(AuditEvent.id.desc())
        ).actor_id
        == fw.budget_region.id
    )
    commitments = _get(
        client, fw, "budget_region", f"/api/v1/commitments?call={fw.call.id}&funder=region"
    ).get_json()["items"]
    c1 = next(c for c in commitments if c["id"] == fw.c1_region.id)
    assert (c1["paid"], c1["to_pay"]) == ("2000.00", "0.00")


def test_a_number_amount_is_accepted_and_the_kind_follows_the_schedule(client, fw):
    # Lycée B's Région part has no payment yet: the advance comes first
    response = _post(
        client,
        fw,
        "budget_region",
        _body(fw, commitment_id=fw.c2_region.id, amount=750.5, kind=None),
    )
    assert response.status_code == 201
    assert (response.get_json()["amount"], response.get_json()["kind"]) == ("750.50", "advance")
    # then an instalment (the final report is not validated yet)
    response = _post(
        client,
        fw,
        "budget_region",
        _body(fw, commitment_id=fw.c2_region.id, amount=10, kind=None, reference="REG-101"),
    )
    assert response.status_code == 201
    assert (response.get_json()["amount"], response.get_json()["kind"]) == ("10.00", "instalment")


ABUSES = [
    ("over what remains", {"amount": "1000.01"}, "amount", "dépasse ce qui reste à verser"),
    ("zero", {"amount": "0"}, "amount", "supérieur à zéro"),
    ("negative", {"amount": "-10.00"}, "amount", "négatif"),
    ("negative number", {"amount": -10}, "amount", "négatif"),
    ("three decimals", {"amount": "10.005"}, "amount", "deux décimales"),
    ("three decimals as a number", {"amount": 10.005}, "amount", "deux décimales"),
    ("not an amount", {"amount": "beaucoup"}, "amount", "n'est pas un montant"),
    ("an amount as a boolean", {"amount": True}, "amount", "Montant attendu"),
    ("missing reference", {"reference": None}, "reference", "Champ obligatoire"),
    ("blank reference", {"reference": "   "}, "reference", "Indiquez la référence"),
    (
        "reference too long",
        {"reference": "M" * 51},
        "reference",
        "50 caractères au plus, vous en avez saisi 51",
    ),
    ("bad date", {"paid_on": "2014-02-30"}, "paid_on", "n'est pas une date"),
    ("future date", {"paid_on": _day(-3)}, "paid_on", "dans le futur"),
    ("missing date", {"paid_on": None}, "paid_on", "Champ obligatoire"),
    ("missing amount", {"amount": None}, "amount", "Champ obligatoire"),
    ("unknown kind", {"kind": "gift"}, "kind", "Valeur attendue parmi"),
    (
        "balance before the report",
        {"kind": "balance", "amount": "10.00"},
        "kind",
        "après validation du bilan final",
    ),
    ("commitment id as text", {"commitment_id": "12"}, "commitment_id", "Nombre entier attendu"),
    ("unknown field", {"iban": "FR76"}, "iban", "Champ inconnu"),
]


@pytest.mark.parametrize("label,changes,field,message", ABUSES, ids=[a[0] for a in ABUSES])
def test_a_refused_payment_says_why_and_changes_nothing(client, fw, label, changes, field, message):
    before = money_state()
    response = _post(client, fw, "budget_region", _body(fw, **changes))
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert message in body["errors"][field], body
    assert body["error"]
    assert money_state() == before


def test_a_body_that_is_not_json_is_400_and_changes_nothing(client, fw):
    before = money_state()
    response = client.post("/api/v1/payments", headers=_h(fw, "budget_region"), data="amount=1")
    assert response.status_code == 400
    assert "objet JSON" in response.get_json()["error"]
    assert money_state() == before


def test_the_same_reference_twice_is_409_and_changes_nothing(client, fw):
    before = money_state()
    response = _post(client, fw, "budget_region", _body(fw, reference="REG-001", amount="10.00"))
    assert response.status_code == 409
    body = response.get_json()
    assert "REG-001" in body["error"] and "déjà enregistré" in body["errors"]["reference"]
    assert money_state() == before
    # the State may use its own numbering, even if it matches a Région reference
    assert (
        _post(
            client,
            fw,
            "budget_state",
            _body(fw, commitment_id=fw.c1_state.id, reference="REG-001", amount="10.00"),
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    "who,commitment", [("budget_region", "c1_state"), ("budget_state", "c1_region")]
)
def test_an_officer_cannot_pay_on_the_other_funders_commitment(client, fw, who, commitment):
    before = money_state()
    response = _post(
        client, fw, who, _body(fw, commitment_id=getattr(fw, commitment).id, amount="10.00")
    )
    assert response.status_code == 403
    assert "Seuls les agents budgétaires" in response.get_json()["error"]
    assert money_state() == before


@pytest.mark.parametrize("who", ["observer", "call_admin"] + REFUSED)
def test_only_budget_officers_record_payments(client, fw, who):
    before = money_state()
    response = _post(client, fw, who, _body(fw, amount="10.00"))
    assert response.status_code == 403
    assert "agents budgétaires" in response.get_json()["error"]
    assert money_state() == before


def test_an_unknown_commitment_is_404_and_changes_nothing(client, fw):
    before = money_state()
    response = _post(client, fw, "budget_region", _body(fw, commitment_id=999999))
    assert response.status_code == 404
    assert response.get_json()["error"] == "Aucun engagement n'a l'identifiant 999999."
    assert money_state() == before


def test_no_payment_before_the_agreement_is_signed(client, fw):
    before = money_state()
    response = _post(
        client, fw, "budget_state", _body(fw, commitment_id=fw.c3_state.id, amount="10.00")
    )
    assert response.status_code == 409
    assert "signature de la convention" in response.get_json()["error"]
    assert money_state() == before


def test_no_payment_on_a_cancelled_commitment(client, fw):
    services.reduce_commitment(fw.budget_region, fw.c2_region, "0", "Projet abandonné.")
    db.session.commit()
    before = money_state()
    response = _post(
        client, fw, "budget_region", _body(fw, commitment_id=fw.c2_region.id, amount="10.00")
    )
    assert response.status_code == 409
    assert "annulé" in response.get_json()["error"]
    assert money_state() == before
