"""Permission-matrix entries of the grant pages (agreement, signed copy, signature, final report).

`MATRIX_ENTRIES`: (endpoint, method) → (url_fn, allowed principals, data_fn or None), to wire into
tests/test_permission_matrix.py as `Rule(url_fn, allowed, data_fn)`. The objects are built on
demand by `matrix_objects(o)` (cached on `o`): three dossiers of Lycée A, accepted (agreement
generated, signed copy deposited), funded (draft report with a document) and reporting (report
submitted); envelopes of both funders; `o.budget` is the Région's officer.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from funding import services
from funding.services import agreements, reports
from portal.db import db
from portal.models import Institution, Role

from ..conftest import PDF_BYTES, Factory
from .conftest import accepted

# who reads a grant: its establishment, the budget officers, observers and call administrators
VIEWERS = {"head_a", "staff_a", "budget", "observer", "call_admin"}
ESTABLISHMENT_A = {"head_a", "staff_a"}
OFFICER = {"budget"}

REPORT = {
    "actions_carried_out": "Ateliers menés de novembre à juin.",
    "reach": {"at_risk": 20},
    "outcomes": {"stayed_in_school": 15, "unknown": 5},
    "indicators": ["9 %"],
    "expenses": [{"category": "services", "amount": "1000.00", "label": "Intervenant"}],
}


def matrix_objects(o):
    """The grant objects of the matrix (built once per test, on the matrix's `objects`)."""
    grants = getattr(o, "grants", None)
    if grants is not None:
        return grants
    grants = SimpleNamespace()
    factory = Factory()
    state_officer = factory.user(
        Role.budget_officer,
        institution=Institution.state,
        email="matrice.etat@test.ac-poitiers.fr",
        name="Agent État",
    )
    services.set_envelope(state_officer, o.call, Institution.state, "100000.00")
    services.set_envelope(o.budget, o.call, Institution.region, "100000.00")
    due = services.today() + dt.timedelta(days=200)

    def agreed():
        dossier = accepted(o, "1000.00", "2000.00", factory=factory).dossier
        agreements.generate(o.budget, dossier, due)
        agreements.upload_signed(o.head_a, dossier, "convention-signee.pdf", PDF_BYTES)
        return dossier

    def funded():
        dossier = agreed()
        agreements.record_signature(o.budget, dossier, services.today())
        reports.save(o.head_a, dossier, REPORT)
        return dossier

    grants.accepted = agreed()
    grants.funded = funded()
    grants.attachment = reports.add_attachment(o.head_a, grants.funded, "facture.pdf", PDF_BYTES)
    grants.reporting = funded()
    reports.add_attachment(o.head_a, grants.reporting, "facture.pdf", PDF_BYTES)  # required
    reports.submit(o.head_a, grants.reporting)
    db.session.flush()
    o.grants = grants
    return grants


def _url(kind: str, tail: str = ""):
    return lambda o: f"/financement/dossiers/{getattr(matrix_objects(o), kind).id}{tail}"


MATRIX_ENTRIES = {
    ("funding.grant", "GET"): (_url("funded"), VIEWERS, None),
    ("funding.generate_agreement", "POST"): (
        _url("accepted", "/convention"),
        OFFICER,
        lambda o: {
            "report_due_on": (services.today() + dt.timedelta(days=300)).strftime("%d/%m/%Y")
        },
    ),
    ("funding.agreement_pdf", "GET"): (_url("accepted", "/convention.pdf"), VIEWERS, None),
    # the head only; an empty post is refused on its field (400), past the policy
    ("funding.upload_signed_agreement", "POST"): (
        _url("accepted", "/convention-signee"),
        {"head_a"},
        lambda o: {},
    ),
    ("funding.signed_agreement", "GET"): (_url("funded", "/convention-signee"), VIEWERS, None),
    ("funding.record_signature", "POST"): (
        _url("accepted", "/signature"),
        OFFICER,
        lambda o: {"signed_on": services.today().strftime("%d/%m/%Y")},
    ),
    ("funding.report", "GET"): (_url("funded", "/bilan"), VIEWERS, None),
    ("funding.report", "POST"): (
        _url("funded", "/bilan"),
        ESTABLISHMENT_A,
        lambda o: {"action": "save", "actions_carried_out": "Texte modifié."},
    ),
    ("funding.report_attachment", "POST"): (
        _url("funded", "/bilan/pieces"),
        ESTABLISHMENT_A,
        lambda o: {},
    ),
    ("funding.remove_report_attachment", "POST"): (
        lambda o: (
            f"/financement/dossiers/{matrix_objects(o).funded.id}/bilan/pieces/"
            f"{o.grants.attachment.id}/supprimer"
        ),
        ESTABLISHMENT_A,
        lambda o: {},
    ),
    ("funding.download_report_attachment", "GET"): (
        lambda o: (
            f"/financement/dossiers/{matrix_objects(o).funded.id}/bilan/pieces/"
            f"{o.grants.attachment.id}"
        ),
        VIEWERS,
        None,
    ),
    ("funding.validate_report", "POST"): (
        _url("reporting", "/bilan/validation"),
        OFFICER,
        lambda o: {},
    ),
    ("funding.request_report_corrections", "POST"): (
        _url("reporting", "/bilan/corrections"),
        OFFICER,
        lambda o: {"message": "Joignez les factures."},
    ),
}
