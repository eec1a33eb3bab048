"""Issue 9, input at the boundary, on the money pages and API: a control character in a payment
reference, an implausible report deadline — refused on the field, nothing changed."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from funding.models import GrantAgreement
from portal.db import db
from portal.inputs import CONTROL_MESSAGE

from ..api.helpers import bearer, cli_token
from ..conftest import login
from .conftest import STATE, commitment_of
from .test_money_pages import _ledger, _pay

CONTROL = "Ce champ contient un caractère invisible non autorisé (caractère de contrôle)"


def _page(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


def test_a_control_character_in_the_payment_reference_is_refused(client, money_world):
    o = money_world
    commitment = commitment_of(o.funded("1000.00", "2000.00"), STATE)
    login(client, o.budget_state)
    before = _ledger()
    response = _pay(client, commitment, reference="M-2026\x00-001")
    assert response.status_code == 400
    body = _page(response)
    assert CONTROL in body and 'id="payment-reference-error"' in body
    assert _ledger() == before


def test_a_control_character_in_the_payment_api_is_refused(client, money_world):
    o = money_world
    commitment = commitment_of(o.funded("1000.00", "2000.00"), STATE)
    token = cli_token(o.budget_state)
    db.session.commit()
    before = _ledger()
    response = client.post(
        "/api/v1/payments",
        headers=bearer(token),
        json={
            "commitment_id": commitment.id,
            "kind": "advance",
            "amount": "100.00",
            "paid_on": "2026-11-30",
            "reference": "M\x00",
        },
    )
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"reference": CONTROL_MESSAGE}
    assert _ledger() == before


def test_a_report_deadline_in_year_9999_is_refused(client, money_world):
    o = money_world
    dossier = o.accepted("1000.00", "2000.00").dossier
    login(client, o.budget_region)
    agreements = db.session.scalar(select(func.count()).select_from(GrantAgreement))
    response = client.post(
        f"/financement/dossiers/{dossier.id}/convention", data={"report_due_on": "31/12/9999"}
    )
    assert response.status_code == 400
    body = re.sub(r"\s+", " ", _page(response))
    assert "hors de la période de l'appel à projets 2014-2015" in body
    assert 'aria-describedby="report_due_on-error"' in body
    assert db.session.scalar(select(func.count()).select_from(GrantAgreement)) == agreements
