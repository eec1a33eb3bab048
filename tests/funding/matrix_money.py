"""Permission-matrix entries of the officers' money pages (funding/views_money.py).

`MATRIX_ENTRIES` maps (endpoint, method) to (url_fn, allowed principals, data_fn or None), for
tests/test_permission_matrix.py to wrap in its Rule. The matrix world has no money: `matrix_objects`
builds it on demand (cached on `o`): envelopes of 100 000,00 € per funder, a funded dossier of
Lycée A (State 1 000,00 €, Région 2 000,00 €) with a Région payment and an open Région clawback,
and an accepted dossier whose Région part (150 000,00 €) did not fit the envelope.

The matrix's `budget` principal is the Région's officer: he reads every money page and operates on
the Région's commitment; the call administrator and the observer read but are refused every change
(403 from the services); applicants, reviewers, co-pilots and administrators reach nothing.
"""

from __future__ import annotations

from types import SimpleNamespace

from funding import services
from portal.db import db
from portal.models import Institution, Role

from ..conftest import Factory

READERS = {"call_admin", "budget", "observer"}
REGION_OFFICER = {"budget"}


def matrix_objects(o) -> SimpleNamespace:
    """The money of the matrix world (idempotent: built once, cached as `o.money`)."""
    if getattr(o, "money", None) is not None:
        return o.money
    from .conftest import accepted, commitment_of, funded

    factory = Factory()
    factory._n = 20_000  # keep clear of the world's (and other areas') users and establishments
    if getattr(o, "factory", None) is None:
        o.factory = factory
    m = SimpleNamespace()
    m.state_officer = factory.user(
        Role.budget_officer, institution=Institution.state, name="Stéphane Budget"
    )
    services.set_envelope(m.state_officer, o.call, Institution.state, "100000.00")
    services.set_envelope(o.budget, o.call, Institution.region, "100000.00")
    decision = funded(o, "1000.00", "2000.00")
    m.commitment = commitment_of(decision, Institution.region)
    m.state_commitment = commitment_of(decision, Institution.state)
    services.record_payment(o.budget, m.commitment, "1000", services.today(), "MATRIX-R-1")
    m.clawback = services.create_clawback(o.budget, m.commitment, "100", "Trop versé.")
    m.pending = accepted(o, "0", "150000.00", factory=factory)  # refused: over the envelope
    db.session.flush()
    o.money = m
    return m


def _m(o) -> SimpleNamespace:
    return matrix_objects(o)


MATRIX_ENTRIES = {
    ("funding.commitments", "GET"): (
        lambda o: f"/financement/appels/{_m(o) and o.call.id}/engagements",
        READERS,
        None,
    ),
    ("funding.commit_again", "POST"): (
        lambda o: f"/financement/decisions/{_m(o).pending.id}/engager",
        REGION_OFFICER,
        lambda o: {"funder": "region"},
    ),
    ("funding.commitment", "GET"): (
        lambda o: f"/financement/engagements/{_m(o).commitment.id}",
        READERS,
        None,
    ),
    ("funding.record_payment", "POST"): (
        lambda o: f"/financement/engagements/{_m(o).commitment.id}/paiements",
        REGION_OFFICER,
        lambda o: {},
    ),
    ("funding.reduce_commitment", "POST"): (
        lambda o: f"/financement/engagements/{_m(o).commitment.id}/reduire",
        REGION_OFFICER,
        lambda o: {},
    ),
    ("funding.create_clawback", "POST"): (
        lambda o: f"/financement/engagements/{_m(o).commitment.id}/reversements",
        REGION_OFFICER,
        lambda o: {},
    ),
    ("funding.settle_clawback", "POST"): (
        lambda o: f"/financement/reversements/{_m(o).clawback.id}/solder",
        REGION_OFFICER,
        lambda o: {},
    ),
    ("funding.payments", "GET"): (
        lambda o: f"/financement/appels/{_m(o) and o.call.id}/paiements",
        READERS,
        None,
    ),
}
