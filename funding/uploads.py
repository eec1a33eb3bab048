"""Files the establishment gives the funders: the signed agreement, the final report's documents.

Checked like a dossier's attachments (applications.services.add_attachment): recognised by their
content, never by their name, within MAX_UPLOAD_MB; stored through the app's DocumentStore under
an opaque key, with their SHA-256.
"""
from __future__ import annotations

import uuid

from portal import filetypes
from portal.errors import ServiceError
from portal.filetypes import CheckedFile
from portal.storage import get_store


def check_upload(filename: str, data: bytes, *, pdf_only: bool = False,
                 field: str = "file") -> CheckedFile:
    """The portal's upload check (portal.filetypes.check_upload); `pdf_only` for the signed
    agreement."""
    checked = filetypes.check_upload(filename, data, field=field)
    if pdf_only and checked.format != "pdf":
        raise ServiceError(f"Le fichier « {checked.filename} » n'est pas un PDF : déposez la "
                           "convention signée, numérisée au format PDF.", field=field)
    return checked


def store(prefix: str, checked: CheckedFile) -> str:
    """Put the bytes in the DocumentStore; returns the new key. The bytes of a replaced or removed
    file stay in the store: the audit trail names them by their hash."""
    key = f"{prefix}/{uuid.uuid4().hex}"
    get_store().put(key, checked.data, checked.content_type)
    return key


def read(key: str) -> bytes:
    return get_store().get(key)
