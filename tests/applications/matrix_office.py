"""Permission-matrix entries of the call office's list and labels (applications/views/office.py,
applications/api_lists.py), wired by tests/test_permission_matrix.py. Refusals with their French
messages: tests/applications/test_office_*.py."""

from __future__ import annotations

APPLICANTS_A = {"head_a", "staff_a"}
USERS = {
    "head_a",
    "staff_a",
    "head_b",
    "call_admin",
    "reviewer",
    "copilot",
    "budget",
    "observer",
    "coordinator",
    "admin",
}


def _label(o):
    """A global label set on o.submitted (cached on `o`)."""
    if getattr(o, "office_label", None) is None:
        from applications import services

        o.office_label = services.create_label(o.call_admin, "Étiquette de la matrice")
        services.set_label(o.call_admin, o.submitted, o.office_label)
    return o.office_label


MATRIX_ENTRIES = {
    # lists are filtered by the policy, not refused: anyone gets their share
    ("applications.export_list", "GET"): (lambda o: "/dossiers/deposes/export.csv", USERS, None),
    ("api.search_submitted_dossiers", "GET"): (lambda o: "/api/v1/submitted-dossiers", USERS, None),
    ("applications.bulk_action", "POST"): (
        lambda o: "/dossiers/deposes/selection",
        {"call_admin"},
        lambda o: {"action": "etiquette", "dossier": str(o.submitted.id), "label": ""},
    ),
    ("applications.labels_page", "GET"): (lambda o: "/dossiers/etiquettes", {"call_admin"}, None),
    ("applications.labels_page", "POST"): (
        lambda o: "/dossiers/etiquettes",
        {"call_admin"},
        lambda o: {"name": "à relancer"},
    ),
    ("applications.delete_label", "POST"): (
        lambda o: f"/dossiers/etiquettes/{_label(o).id}/supprimer",
        {"call_admin"},
        lambda o: {},
    ),
    ("applications.set_label", "POST"): (
        lambda o: f"/dossiers/{o.submitted.id}/etiquettes",
        {"call_admin"},
        lambda o: {"label": str(_label(o).id)},
    ),
    ("applications.remove_label", "POST"): (
        lambda o: f"/dossiers/{o.submitted.id}/etiquettes/{_label(o).id}/retirer",
        {"call_admin"},
        lambda o: {},
    ),
    ("applications.dossier_pdf", "GET"): (
        lambda o: f"/dossiers/{o.submitted.id}/dossier.pdf",
        APPLICANTS_A | {"call_admin"},
        None,
    ),
    ("applications.attachments_zip", "GET"): (
        lambda o: f"/dossiers/{o.submitted.id}/pieces.zip",
        APPLICANTS_A | {"call_admin"},
        None,
    ),
}
