"""The final report's figures in the API: read by who reads the grant, saved by the establishment
with the page's checks (nothing saved on error), consent by the head only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from funding.services import reports
from portal.auth.services import issue_api_token
from portal.db import db

from ..api.helpers import bearer
from .helpers import _data, _sign, _state


@pytest.fixture
def ra(money_world):
    o = money_world
    o.dossier = _sign(o, o.accepted("1000.00", "2000.00").dossier)
    indicator = o.dossier.indicators[0]
    indicator.unit, indicator.direction, indicator.target_value = "%", "down", Decimal("10")
    db.session.commit()
    o.tokens = {
        who: issue_api_token(getattr(o, who))
        for who in ("head_a", "staff_a", "head_b", "budget_state", "observer", "reviewer")
    }
    db.session.commit()
    return o


def _url(o, tail: str = "") -> str:
    return f"/api/v1/dossiers/{o.dossier.id}/final-report{tail}"


def _h(o, who):
    return bearer(o.tokens[who])


def test_the_report_is_read_by_who_reads_the_grant(client, ra):
    o = ra
    assert client.get(_url(o), headers=_h(o, "head_a")).status_code == 404  # not started
    reports.save(o.head_a, o.dossier, _data(achieved=("9",)))
    db.session.commit()
    for who in ("head_a", "staff_a", "budget_state", "observer"):
        response = client.get(_url(o), headers=_h(o, who))
        assert response.status_code == 200, who
    body = response.get_json()
    assert body["young_reached"] == 22
    assert body["reach"] == {"at_risk": 12, "left_without_qualification": 0, "return_path": 10}
    assert body["outcomes"]["unknown"] == 4 and sum(body["outcomes"].values()) == 22
    (line,) = body["indicators"]
    assert line["target_value"] == "10.00" and line["achieved_value"] == "9.00"
    assert line["target_met"] is True and line["unit"] == "%" and line["direction"] == "down"
    assert body["publication_consent"] is False and body["consent_changed_at"] is None
    for who in ("head_b", "reviewer"):
        assert client.get(_url(o), headers=_h(o, who)).status_code == 404, who


def test_the_establishment_saves_figures_with_the_same_checks(client, ra):
    o = ra
    response = client.patch(
        _url(o),
        json={
            "reach": {"at_risk": 7, "return_path": 3},
            "outcomes": {"stayed_in_school": 6, "returned_to_training": 4},
            "indicators": ["12,5"],
        },
        headers=_h(o, "staff_a"),
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["young_reached"] == 10 and body["indicators"][0]["achieved_value"] == "12.50"
    assert body["indicators"][0]["target_met"] is False
    before = _state(o.dossier)
    for payload, field, message in (
        ({"outcomes": {"stayed_in_school": 6}}, "outcomes", "il en manque 4"),
        ({"reach": {"at_risk": -1}}, "reach-at_risk", "nombre entier"),
        ({"indicators": ["beaucoup"]}, "indicators-0-achieved", "n'est pas un nombre"),
        ({"indicators": [-3]}, "indicators-0-achieved", "positive ou nulle"),
    ):
        response = client.patch(_url(o), json=payload, headers=_h(o, "head_a"))
        assert response.status_code == 400, payload
        assert message in response.get_json()["errors"][field], payload
        assert _state(o.dossier) == before
    response = client.patch(_url(o), json={"reach": {"retired": 1}}, headers=_h(o, "head_a"))
    assert response.status_code == 400 and _state(o.dossier) == before
    response = client.patch(_url(o), json={"reach": {"at_risk": 1}}, headers=_h(o, "budget_state"))
    assert response.status_code == 403 and _state(o.dossier) == before


def test_consent_by_the_head_only(client, ra):
    o = ra
    reports.save(o.head_a, o.dossier, _data(achieved=("9",)))
    db.session.commit()
    before = _state(o.dossier)
    for who, status in (("staff_a", 403), ("budget_state", 403), ("head_b", 404)):
        response = client.put(
            _url(o, "/consent"), json={"publication_consent": True}, headers=_h(o, who)
        )
        assert response.status_code == status, who
    response = client.put(
        _url(o, "/consent"), json={"publication_consent": "oui"}, headers=_h(o, "head_a")
    )
    assert response.status_code == 400
    assert _state(o.dossier) == before
    response = client.put(
        _url(o, "/consent"), json={"publication_consent": True}, headers=_h(o, "head_a")
    )
    assert response.status_code == 200 and response.get_json()["publication_consent"] is True
    response = client.put(
        _url(o, "/consent"), json={"publication_consent": False}, headers=_h(o, "head_a")
    )
    body = response.get_json()
    assert body["publication_consent"] is False and body["consent_changed_at"]
    assert body["status"] == "draft"
