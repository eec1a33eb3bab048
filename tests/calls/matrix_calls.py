"""Permission-matrix entries of a call's later life: its deadline (extension, derogations) and its
copy for the next school year — call administrators (and the platform administrator, who manages
calls) only. An empty POST is a refused form (400) for them, a 403 for everyone else."""

from __future__ import annotations

CALL_STAFF = {"call_admin", "admin"}

MATRIX_ENTRIES = {
    ("calls.deadline", "GET"): (lambda o: f"/appels/{o.call.id}/date-limite", CALL_STAFF, None),
    ("calls.extend_deadline", "POST"): (
        lambda o: f"/appels/{o.call.id}/date-limite",
        CALL_STAFF,
        lambda o: {},
    ),
    ("calls.grant_derogation", "POST"): (
        lambda o: f"/appels/{o.call.id}/derogations",
        CALL_STAFF,
        lambda o: {},
    ),
    ("calls.duplicate", "GET"): (lambda o: f"/appels/{o.call.id}/dupliquer", CALL_STAFF, None),
    ("calls.duplicate", "POST"): (
        lambda o: f"/appels/{o.call.id}/dupliquer",
        CALL_STAFF,
        lambda o: {},
    ),
}
