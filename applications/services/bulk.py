"""Actions on a selection of the call office's list: one completion request per dossier (through
`request_completion`), a label on each. All or nothing: the first dossier refused refuses the
whole selection, with its reference, and the caller rolls back."""

from __future__ import annotations

from portal.errors import Conflict, ServiceError
from portal.models import User
from portal.permissions import Permission

from ..models import Dossier, Label
from ..policy import require_dossier
from .completion import request_completion
from .labels import get_label, set_label
from .listing import selected_dossiers

NOTHING_SELECTED = "Sélectionnez au moins un dossier dans la liste."
MAX_SELECTION = 500


def selection(user: User, ids) -> list[Dossier]:
    """The ticked dossiers, each one the user may read (a NotFound otherwise, for the whole)."""
    numbers = []
    for value in ids:
        value = (value or "").strip()
        if not value.isdigit() or len(value) > 9:
            raise ServiceError(NOTHING_SELECTED, field="dossier")
        numbers.append(int(value))
    if not numbers:
        raise ServiceError(NOTHING_SELECTED, field="dossier")
    if len(set(numbers)) > MAX_SELECTION:
        raise ServiceError(
            f"Sélectionnez au plus {MAX_SELECTION} dossiers à la fois.", field="dossier"
        )
    return selected_dossiers(user, numbers)


def _each(dossiers: list[Dossier], action) -> None:
    for dossier in dossiers:
        try:
            action(dossier)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            if exc.field in ("message", "label"):  # the same for every dossier: said once
                raise
            kind = Conflict if exc.status == 409 else ServiceError
            raise kind(
                f"{dossier.reference} : {exc.message} Aucun dossier n'a été modifié.",
                field="dossier",
            ) from None


def request_completions(user: User, dossiers: list[Dossier], message: str) -> int:
    """One completion request per dossier, with the same message."""
    _each(dossiers, lambda d: request_completion(user, d, message))
    return len(dossiers)


def set_labels(user: User, dossiers: list[Dossier], label_id) -> tuple[Label, int]:
    """The label on each dossier: (the label, how many dossiers did not carry it yet)."""
    for dossier in dossiers:  # who may not label them is refused before anything else
        require_dossier(user, Permission.LABEL_DOSSIER, dossier)
    label = get_label(label_id)
    added = []
    _each(dossiers, lambda d: added.append(set_label(user, d, label)))
    return label, sum(added)
