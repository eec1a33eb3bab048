"""Permission-matrix entries of the dossier's thread, history and internal notes, wired by
tests/test_permission_matrix.py: (endpoint, method) → (url(o), allowed principals, data(o) or None).

The thread: the dossier's establishment (head, staff) and the call office. The history: whoever
reads the dossier. Internal notes: the call office and the dossier's assigned reviewer (the
base world's copilot is a commission member, not a designated co-pilot) — never an applicant.
"""

from __future__ import annotations

THREAD = {"head_a", "staff_a", "call_admin"}
NOTES = {"call_admin", "reviewer"}
USERS = {"head_a", "staff_a", "head_b", "call_admin", "reviewer", "copilot", "budget"} | {
    "observer",
    "coordinator",
    "admin",
}


def _message(o):
    """A message with an attachment on o.submitted (cached on `o`)."""
    if getattr(o, "dialogue_message", None) is None:
        from applications import services

        from ..conftest import PDF_BYTES

        o.dialogue_message = services.post_message(
            o.head_a, o.submitted, "Voici le devis.", "devis.pdf", PDF_BYTES
        )
    return o.dialogue_message


def _setup(o):
    from ..review.helpers import setup_matrix_objects

    return setup_matrix_objects(o)


MATRIX_ENTRIES = {
    ("applications.inbox", "GET"): (lambda o: "/dossiers/messages", USERS, None),
    ("applications.thread", "GET"): (
        lambda o: f"/dossiers/{o.submitted.id}/messages",
        THREAD,
        None,
    ),
    ("applications.post_message", "POST"): (
        lambda o: f"/dossiers/{o.submitted.id}/messages",
        THREAD,
        lambda o: {"body": "Bonjour, une question."},
    ),
    ("applications.message_attachment", "GET"): (
        lambda o: f"/dossiers/{o.submitted.id}/messages/{_message(o).id}/piece",
        THREAD,
        None,
    ),
    ("applications.history", "GET"): (
        lambda o: f"/dossiers/{o.submitted.id}/historique",
        THREAD,
        None,
    ),
    ("review.add_note", "POST"): (
        lambda o: f"/instruction/dossiers/{_setup(o) and o.submitted.id}/notes",
        NOTES,
        lambda o: {"body": "À vérifier."},
    ),
    ("api.list_messages", "GET"): (
        lambda o: f"/api/v1/dossiers/{o.submitted.id}/messages",
        THREAD,
        None,
    ),
    ("api.post_message", "POST"): (
        lambda o: f"/api/v1/dossiers/{o.submitted.id}/messages",
        THREAD,
        lambda o: {"body": "Bonjour."},
    ),
    ("api.message_attachment", "GET"): (
        lambda o: f"/api/v1/dossiers/{o.submitted.id}/messages/{_message(o).id}/attachment",
        THREAD,
        None,
    ),
    ("api.list_notes", "GET"): (
        lambda o: f"/api/v1/dossiers/{_setup(o) and o.submitted.id}/notes",
        NOTES,
        None,
    ),
    ("api.add_note", "POST"): (
        lambda o: f"/api/v1/dossiers/{_setup(o) and o.submitted.id}/notes",
        NOTES,
        lambda o: {"body": "À vérifier."},
    ),
}
