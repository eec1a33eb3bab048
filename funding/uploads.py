"""Files the establishment gives the funders: the signed agreement, the final report's documents.

Checked like a dossier's attachments (applications.services.add_attachment): recognised by their
content, never by their name, within MAX_UPLOAD_MB; stored through the app's DocumentStore under
an opaque key, with their SHA-256, once the database accepted their row; streamed back.
"""

from __future__ import annotations

import uuid

from portal import filetypes
from portal.db import db
from portal.errors import ServiceError
from portal.filetypes import CheckedFile
from portal.storage import Chunks, get_store, write_after_flush


def check_upload(
    filename: str, data: bytes, *, pdf_only: bool = False, field: str = "file"
) -> CheckedFile:
    """The portal's upload check (portal.filetypes.check_upload); `pdf_only` for the signed
    agreement."""
    checked = filetypes.check_upload(filename, data, field=field)
    if pdf_only and checked.format != "pdf":
        raise ServiceError(
            f"Le fichier « {checked.filename} » n'est pas un PDF : déposez la "
            "convention signée, numérisée au format PDF.",
            field=field,
        )
    return checked


def new_key(prefix: str) -> str:
    """An opaque key for a new file under `prefix`."""
    return f"{prefix}/{uuid.uuid4().hex}"


def store(key: str, checked: CheckedFile) -> None:
    """Flush the row that names `key` (refused now if the database refuses it), then put the
    bytes; they are deleted again if the transaction does not commit
    (portal.storage.write_after_flush). The bytes of a replaced or removed file stay in the
    store: the audit trail names them by their hash."""
    write_after_flush(db.session, key, checked.data, checked.content_type)


def read(key: str) -> Chunks:
    """The file's bytes, streamed from the store."""
    return get_store().open_stream(key)
