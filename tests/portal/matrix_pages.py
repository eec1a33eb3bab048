"""Permission-matrix entries of the frame's public pages (portal/pages.py): everyone, no login."""

from __future__ import annotations

EVERYONE = {
    "anonymous",
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
    ("pages.accessibility", "GET"): (lambda o: "/accessibilite", EVERYONE, None, True),
    ("pages.legal_notice", "GET"): (lambda o: "/mentions-legales", EVERYONE, None, True),
    ("pages.personal_data", "GET"): (lambda o: "/donnees-personnelles", EVERYONE, None, True),
    ("pages.site_map", "GET"): (lambda o: "/plan-du-site", EVERYONE, None, True),
}
