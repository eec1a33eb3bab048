"""Permission-matrix entries of the reference lists a dossier draws on, in the API: every
signed-in user (an open call's common indicators are as public as the call)."""

from __future__ import annotations

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

MATRIX_ENTRIES = {
    ("api.list_themes", "GET"): (lambda o: "/api/v1/reference/themes", USERS, None),
    ("api.list_partner_kinds", "GET"): (lambda o: "/api/v1/reference/partner-kinds", USERS, None),
    ("api.list_call_indicators", "GET"): (
        lambda o: f"/api/v1/calls/{o.call.id}/indicators",
        USERS,
        None,
    ),
}
