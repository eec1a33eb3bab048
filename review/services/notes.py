"""Internal notes on a dossier: written and read by the call office, the call's co-pilots and the
dossier's assigned reviewers (Permission.VIEW_NOTES); never shown to its establishment."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from applications.models import Dossier
from applications.policy import require_dossier
from portal import audit
from portal.db import db, utcnow
from portal.errors import ServiceError
from portal.models import User
from portal.permissions import Permission

from ..models import InternalNote

NOTE_LIMIT = 5000


def notes_of(user: User, dossier: Dossier) -> list[InternalNote]:
    """The dossier's notes, oldest first (one query)."""
    require_dossier(user, Permission.VIEW_NOTES, dossier)
    return list(
        db.session.scalars(
            select(InternalNote)
            .options(joinedload(InternalNote.author))
            .where(InternalNote.dossier_id == dossier.id)
            .order_by(InternalNote.created_at, InternalNote.id)
        )
    )


def add_note(
    user: User, dossier: Dossier, body: str, now: dt.datetime | None = None
) -> InternalNote:
    require_dossier(user, Permission.VIEW_NOTES, dossier)
    body = (body or "").strip()
    if not body:
        raise ServiceError("Écrivez la note : une note vide n'est pas enregistrée.", field="body")
    if len(body) > NOTE_LIMIT:
        raise ServiceError("La note fait au plus 5 000 caractères.", field="body")
    note = InternalNote(dossier_id=dossier.id, author=user, body=body, created_at=now or utcnow())
    db.session.add(note)
    db.session.flush()
    # The audit row names the note, never its text: the dossier's history stays free of it.
    audit.record(user, "note_added", dossier, {"note_id": note.id})
    return note
