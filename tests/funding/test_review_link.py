"""The funding area and the commission: the session's funding line uses the call's envelopes, and a
final accept decision made through the commission's own services commits the money."""

from decimal import Decimal

from funding import services
from funding.models import Commitment
from portal.db import db
from review.services import decisions

from ..conftest import login
from ..review.helpers import build_commission
from .conftest import REGION, STATE


def test_the_session_draws_its_line_against_the_funding_envelopes(client, money_world):
    o = money_world
    c = build_commission(o)
    services.set_envelope(o.budget_region, o.call, REGION, "4500.00")
    login(client, c.copilot_state)
    page = client.get(f"/instruction/seances/{c.session.id}").get_data(as_text=True)
    assert "Enveloppe de la Région (4\u202f500,00\u00a0€)" in page
    # a figure typed in the query string still wins, to try another amount
    page = client.get(f"/instruction/seances/{c.session.id}?enveloppe_region=9000")
    assert "Enveloppe de la Région (9\u202f000,00\u00a0€)" in page.get_data(as_text=True)


def test_validation_by_both_copilots_commits_each_granted_part(money_world):
    o = money_world
    c = build_commission(o)
    decision = decisions.record_proposal(
        o.call_admin, c.session, c.dossiers[0], "accept", "1200", "800,50"
    )
    decisions.validate_decision(c.copilot_state, decision)
    assert db.session.query(Commitment).filter_by(dossier_id=decision.dossier_id).count() == 0
    decisions.validate_decision(c.copilot_region, decision)
    parts = {cm.funder: cm.amount for cm in services.commitments_of(decision.dossier)}
    assert parts == {STATE: Decimal("1200.00"), REGION: Decimal("800.50")}
