"""What the outcomes area answers to the kernel's signals: the coordinator's home section
(portal.signals.home_sections): the practice sheets by state (one query)."""

from __future__ import annotations

from portal.models import Role

from .services import catalogue_sheets


def home_sections(user, **_) -> dict:
    if not user.has_role(Role.coordinator):
        return {}
    return {"coordinator": {"sheets": catalogue_sheets.counts()}}
