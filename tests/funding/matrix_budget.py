"""Permission-matrix entries of the budget pages (funding/views_budget.py), for the lead to wire
into tests/test_permission_matrix.py:

    (endpoint, method): (url_fn, allowed principals, data_fn or None)

Readers are the call administrator, the observer and the budget officer (`budget` is the Région's);
only the funder's own officers change its envelopes. Fuller role tests (both funders, every bad
input, applicants on every page) are in tests/funding/test_budget_pages.py.
"""

from __future__ import annotations

from types import SimpleNamespace

READERS = {"call_admin", "budget", "observer"}


def matrix_objects(o):
    """Envelopes on o.call: both funders' main envelopes (the State's set by an officer made
    here) and a Région sub-envelope for axis 4 with nothing committed (deletable). Idempotent."""
    if getattr(o, "budget_matrix", None) is None:
        from funding import services
        from portal.db import db
        from portal.models import Institution, Role

        from ..conftest import Factory

        officer = Factory().user(
            Role.budget_officer,
            institution=Institution.state,
            email="budget.etat.matrice@test.ac-poitiers.fr",
        )
        services.set_envelope(officer, o.call, Institution.state, "100000")
        services.set_envelope(o.budget, o.call, Institution.region, "100000")
        sub = services.set_envelope(o.budget, o.call, Institution.region, "5000", axis_number=4)
        db.session.flush()
        o.budget_matrix = SimpleNamespace(state_officer=officer, sub_envelope=sub)
    return o.budget_matrix


def _call_id(o) -> int:
    return matrix_objects(o) and o.call.id


MATRIX_ENTRIES = {
    ("funding.index", "GET"): (lambda o: "/financement/", READERS, None),
    ("funding.dashboard", "GET"): (lambda o: f"/financement/appels/{_call_id(o)}", READERS, None),
    ("funding.envelopes", "GET"): (
        lambda o: f"/financement/appels/{_call_id(o)}/enveloppes",
        READERS,
        None,
    ),
    ("funding.envelopes", "POST"): (
        lambda o: f"/financement/appels/{_call_id(o)}/enveloppes",
        {"budget"},
        lambda o: {"amount": "120 000"},
    ),
    ("funding.delete_envelope", "POST"): (
        lambda o: f"/financement/enveloppes/{matrix_objects(o).sub_envelope.id}/supprimer",
        {"budget"},
        lambda o: {},
    ),
    ("funding.export_commitments", "GET"): (
        lambda o: f"/financement/appels/{_call_id(o)}/engagements.csv",
        READERS,
        None,
    ),
    ("funding.export_payments", "GET"): (
        lambda o: f"/financement/appels/{_call_id(o)}/paiements.xlsx",
        READERS,
        None,
    ),
}
