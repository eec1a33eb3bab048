"""Permission-matrix entries of the funding API (portal/api/funding.py), wired by
tests/test_permission_matrix.py: (endpoint, method) → (url(o), allowed principals, data(o) or None).

Readers of the budget (VIEW_BUDGET): budget officers, observers, call administrators. Recording a
payment: only the officers of the commitment's funder — the matrix's `budget` is the Région's,
so the payment is posted on a Région commitment of a funded dossier built by `matrix_objects`.
"""

from __future__ import annotations

from types import SimpleNamespace

BUDGET_READERS = {"budget", "observer", "call_admin"}


def matrix_objects(o):
    """A funded dossier of Lycée A with both funders' envelopes and commitments (cached on `o`)."""
    if getattr(o, "funding_api", None) is not None:
        return o.funding_api
    from funding import services
    from portal.db import db
    from portal.models import Institution, Role

    from ..conftest import Factory
    from .conftest import REGION, commitment_of, funded

    factory = Factory()
    if getattr(o, "factory", None) is None:
        o.factory = factory
    state_officer = factory.user(
        Role.budget_officer,
        institution=Institution.state,
        email="budget.etat.matrice@test.ac-poitiers.fr",
    )
    services.set_envelope(state_officer, o.call, Institution.state, "100000.00")
    services.set_envelope(o.budget, o.call, REGION, "100000.00")
    decision = funded(o, "1000.00", "2000.00")
    db.session.flush()
    o.funding_api = SimpleNamespace(
        decision=decision,
        state_officer=state_officer,
        region_commitment=commitment_of(decision, REGION),
    )
    return o.funding_api


def _payment(o) -> dict:
    from funding.services import today

    return {
        "commitment_id": matrix_objects(o).region_commitment.id,
        "amount": "100.00",
        "paid_on": today().isoformat(),
        "reference": "MANDAT-MATRICE-1",
    }


MATRIX_ENTRIES = {
    ("api.call_envelopes", "GET"): (
        lambda o: f"/api/v1/calls/{o.call.id}/envelopes",
        BUDGET_READERS,
        None,
    ),
    ("api.call_budget", "GET"): (
        lambda o: f"/api/v1/calls/{o.call.id}/budget",
        BUDGET_READERS,
        None,
    ),
    ("api.list_commitments", "GET"): (
        lambda o: f"/api/v1/commitments?call={matrix_objects(o) and o.call.id}",
        BUDGET_READERS,
        None,
    ),
    ("api.list_payments", "GET"): (
        lambda o: f"/api/v1/payments?call={matrix_objects(o) and o.call.id}",
        BUDGET_READERS,
        None,
    ),
    ("api.create_payment", "POST"): (lambda o: "/api/v1/payments", {"budget"}, _payment),
}
