"""Permission-matrix entries of the reference lists (themes, partner kinds): the platform
administrator only. An empty POST is a refused form (400) for the admin, a 403 for others."""

from __future__ import annotations

from sqlalchemy import select

from portal.db import db
from portal.reference import Theme


def _theme_id(o) -> int:
    return db.session.scalar(select(Theme.id).order_by(Theme.id).limit(1))


MATRIX_ENTRIES = {
    ("admin.reference_list", "GET"): (lambda o: "/admin/referentiels/themes", {"admin"}, None),
    ("admin.add_reference", "POST"): (
        lambda o: "/admin/referentiels/types-de-partenaires",
        {"admin"},
        lambda o: {},
    ),
    ("admin.update_reference", "POST"): (
        lambda o: f"/admin/referentiels/themes/{_theme_id(o)}",
        {"admin"},
        lambda o: {"item-%d-label" % _theme_id(o): ""},
    ),
}
