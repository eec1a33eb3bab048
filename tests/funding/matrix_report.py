"""Permission-matrix entries of the final report's figures and consent (issue 10): the consent
given and withdrawn by the head only, the report's PDF, and the API of the figures.

Objects: matrix_grants.matrix_objects (Lycée A's funded dossier with a draft report).
"""

from __future__ import annotations

from .matrix_budget import READERS
from .matrix_grants import ESTABLISHMENT_A, VIEWERS, matrix_objects

HEAD = {"head_a"}


def _url(tail: str, api: bool = False):
    base = "/api/v1/dossiers" if api else "/financement/dossiers"
    return lambda o: f"{base}/{matrix_objects(o).funded.id}{tail}"


MATRIX_ENTRIES = {
    ("funding.give_publication_consent", "POST"): (_url("/bilan/publication"), HEAD, lambda o: {}),
    # without the confirmation field the head gets the confirmation page (200), others 403/404
    ("funding.withdraw_publication_consent", "POST"): (
        _url("/bilan/publication/retrait"),
        HEAD,
        lambda o: {},
    ),
    ("funding.report_pdf", "GET"): (_url("/bilan.pdf"), VIEWERS, None),
    # the call's final reports with their figures, for who reads the budget
    ("funding.export_reports", "GET"): (
        lambda o: f"/financement/appels/{matrix_objects(o) and o.call.id}/bilans.csv",
        READERS,
        None,
    ),
    ("api.get_final_report", "GET"): (_url("/final-report", api=True), VIEWERS, None),
    ("api.update_final_report", "PATCH"): (
        _url("/final-report", api=True),
        ESTABLISHMENT_A,
        lambda o: {"reach": {"at_risk": 20}},
    ),
    ("api.set_publication_consent", "PUT"): (
        _url("/final-report/consent", api=True),
        HEAD,
        lambda o: {"publication_consent": True},
    ),
}
