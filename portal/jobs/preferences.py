"""What each person wants to be told, per kind of notification: immediately, in a daily digest,
or never. Mandatory kinds (decisions, completion requests) are always sent immediately."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from portal.db import db

from .models import NotificationMode, NotificationPreference

# kind → (what the person reads on "Mes notifications", mandatory). `notify()` treats a kind
# missing here as an immediate one nobody can turn off.
KINDS: dict[str, tuple[str, bool]] = {
    "decision": ("Décisions sur les dossiers", True),
    "completion_request": ("Demandes de compléments", True),
    "message": ("Nouveaux messages sur un dossier", False),
    "assignment": ("Dossiers confiés pour évaluation", False),
    "review_phase": ("Ouverture et clôture des phases d'évaluation", False),
    "proposal": ("Propositions de la commission à valider", False),
    "report_deposited": ("Bilans déposés à valider", False),
    "reminder": ("Rappels d'échéance", False),
}


def is_mandatory(kind: str) -> bool:
    return KINDS.get(kind, ("", True))[1]


def choosable() -> list[tuple[str, str]]:
    return [(kind, label) for kind, (label, mandatory) in KINDS.items() if not mandatory]


def modes_for(user_ids: Iterable[int], kind: str) -> dict[int, NotificationMode]:
    """{user id: mode} for these users and this kind, in one query (immediate when unset)."""
    ids = list(user_ids)
    if is_mandatory(kind) or not ids:
        return {i: NotificationMode.immediate for i in ids}
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.mode).where(
                NotificationPreference.kind == kind, NotificationPreference.user_id.in_(ids)
            )
        ).all()
    )
    return {i: chosen.get(i, NotificationMode.immediate) for i in ids}


def preferences_of(user) -> dict[str, NotificationMode]:
    """{kind: mode} for every choosable kind."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.mode).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, NotificationMode.immediate) for kind, _ in choosable()}


def save_preferences(user, modes: dict[str, NotificationMode]) -> None:
    """Replace the person's choices; mandatory and unknown kinds are ignored."""
    allowed = {kind for kind, _ in choosable()}
    db.session.execute(
        delete(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
    for kind, mode in modes.items():
        if kind in allowed and mode != NotificationMode.immediate:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, mode=mode))
    db.session.flush()
