"""Permission-matrix entries of the users administration added with the edit page
(portal/admin/views.py): administrators only."""

from __future__ import annotations

MATRIX_ENTRIES = {
    ("admin.edit_user", "GET"): (lambda o: f"/admin/utilisateurs/{o.head_a.id}", {"admin"}, None),
    ("admin.edit_user", "POST"): (
        lambda o: f"/admin/utilisateurs/{o.staff_a.id}",
        {"admin"},
        lambda o: {"roles": ["applicant_staff"], "uai": o.est_a.uai},
    ),
}
