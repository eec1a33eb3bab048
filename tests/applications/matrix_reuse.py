"""Permission-matrix entry of a new dossier started from a previous one: only the members of the
previous dossier's establishment (another establishment's head gets a 404)."""

from __future__ import annotations

MATRIX_ENTRIES = {
    ("applications.new_from_previous", "POST"): (
        lambda o: "/dossiers/nouveau/depuis-un-dossier",
        {"head_a", "staff_a"},
        lambda o: {"call_id": o.call.id, "previous_id": o.draft.id},
    ),
}
