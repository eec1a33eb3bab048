"""Enumerations that carry their own French label and DSFR badge.

    class CommitmentStatus(LabelledEnum):
        active = "active", "Actif", "success"
        cancelled = "cancelled", "Annulé", "error"

`CommitmentStatus.active.value == "active"` (what the database stores), `.label` is what a person
reads, `.badge` the DSFR badge modifier (`fr-badge--<badge>`). `labels(Enum)` gives the old
`{member: label}` mapping for templates and forms.
"""

from __future__ import annotations

import enum

from wtforms.fields.choices import SelectChoice


class LabelledEnum(str, enum.Enum):
    label: str
    badge: str

    def __new__(cls, value: str, label: str | None = None, badge: str = "info"):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label if label is not None else value
        obj.badge = badge
        return obj

    @classmethod
    def choices(cls, members=None) -> list[SelectChoice]:
        """WTForms choices (value, French label) of all members, or of `members` in that order."""
        return [SelectChoice(m.value, m.label) for m in (members or cls)]


def labels(enum_cls) -> dict:
    """{member: French label} for an enum of LabelledEnum."""
    return {member: member.label for member in enum_cls}
