"""What the outcomes area answers to the kernel's « À faire » (portal.signals.todo_items): the
coordinator's practice sheets to write and validate (one query)."""

from __future__ import annotations

from flask import url_for

from portal.models import Role

from .services import catalogue_sheets


def todo_items(user, now=None, **_) -> list[dict]:
    if not user.has_role(Role.coordinator):
        return []
    counts = catalogue_sheets.counts()
    waiting = counts["todo"] + counts["draft"]
    if not waiting:
        return []
    return [
        {
            "kind": "practice_sheets_to_validate",
            "label": f"Rédiger et valider {waiting} fiche{'s' if waiting > 1 else ''} de "
            "pratique pour le catalogue public",
            "url": url_for("outcomes.sheets_list"),
            "due": None,
            "count": waiting,
        }
    ]
