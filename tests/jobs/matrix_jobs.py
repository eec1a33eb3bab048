"""Permission-matrix entries of the job queue's pages (tests/test_permission_matrix.py):
(endpoint, method) → (url(o), allowed principals, data(o) or None)."""

from __future__ import annotations

from ..test_permission_matrix import USERS


def _setup(o):
    from ..review.helpers import setup_matrix_objects

    return setup_matrix_objects(o)


MATRIX_ENTRIES = {
    ("auth.notification_settings", "GET"): (lambda o: "/compte/notifications", USERS, None),
    ("auth.notification_settings", "POST"): (
        lambda o: "/compte/notifications",
        USERS,
        lambda o: {
            "message": "digest",
            "assignment": "immediate",
            "review_phase": "immediate",
            "proposal": "never",
            "report_deposited": "digest",
            "reminder": "immediate",
        },
    ),
    ("api.list_todo", "GET"): (lambda o: "/api/v1/a-faire", USERS, None),
    ("review.phase_ends", "POST"): (
        lambda o: f"/instruction/appels/{_setup(o) and o.call.id}/commission/phases/fins",
        {"call_admin"},
        lambda o: {"ends_independent_scoring": "2030-12-12T18:00"},
    ),
}
