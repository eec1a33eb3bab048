"""A dossier's attachments: stored once checked (format and extension) and once the database
accepted their row, removed, read back (streamed)."""

from __future__ import annotations

import uuid

from portal import audit
from portal.db import db, utcnow
from portal.errors import ServiceError
from portal.filetypes import check_upload
from portal.models import User
from portal.permissions import Permission
from portal.storage import Chunks, get_store, write_after_flush

from ..models import Attachment, Dossier
from ..policy import require_dossier
from .drafting import require_editable


def add_attachment(
    user: User, dossier: Dossier, filename: str, data: bytes, kind_id: int | None = None
) -> Attachment:
    """Store a file whose content is one of the accepted formats and matches its extension."""
    require_editable(user, dossier)
    checked = check_upload(filename, data)
    filename = checked.filename
    kind = None
    if kind_id not in (None, ""):
        kind = next(
            (k for k in dossier.call.attachment_kinds if str(k.id) == str(kind_id).strip()), None
        )
        if kind is None:
            raise ServiceError(
                "Choisissez le type de pièce parmi ceux que demande l'appel.", field="kind_id"
            )
    sha = checked.sha256
    key = f"dossiers/{dossier.id}/{uuid.uuid4().hex}"
    attachment = Attachment(
        kind=kind,
        filename=filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=sha,
        storage_key=key,
        uploaded_by=user,
    )
    dossier.attachments.append(attachment)
    dossier.updated_at = utcnow()
    # The row first (refused now if the database refuses it), then the bytes.
    write_after_flush(db.session, key, data, attachment.content_type)
    audit.record(
        user,
        "attachment_added",
        dossier,
        {
            "attachment_id": attachment.id,
            "filename": filename,
            "sha256": sha,
            "kind": kind.label if kind else None,
        },
    )
    return attachment


def remove_attachment(user: User, attachment: Attachment) -> None:
    dossier = db.session.get(Dossier, attachment.dossier_id)
    require_editable(user, dossier)
    dossier.attachments.remove(attachment)
    dossier.updated_at = utcnow()
    audit.record(
        user,
        "attachment_removed",
        dossier,
        {"attachment_id": attachment.id, "filename": attachment.filename},
    )
    # The bytes stay in the store: a snapshot of an earlier submission may refer to them.


def read_attachment(user: User, attachment: Attachment) -> Chunks:
    """The attachment's bytes, streamed from the store (closed once read)."""
    dossier = db.session.get(Dossier, attachment.dossier_id)
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    return get_store().open_stream(attachment.storage_key)
