"""Files the establishment gives the funders: the signed agreement, the final report's documents.

Checked like a dossier's attachments (applications.services.add_attachment): recognised by their
content, never by their name, within MAX_UPLOAD_MB; stored through the app's DocumentStore under
an opaque key, with their SHA-256.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from flask import current_app

from portal.errors import ServiceError
from portal.filetypes import ACCEPTED, ACCEPTED_LABEL, extension_format, sniff
from portal.formatting import format_size
from portal.storage import get_store


@dataclass
class CheckedFile:
    filename: str
    data: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def check_upload(filename: str, data: bytes, *, pdf_only: bool = False,
                 field: str = "file") -> CheckedFile:
    """The file if its content is an accepted format matching its extension; else a ServiceError
    on `field` (nothing stored)."""
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    if not filename:
        raise ServiceError("Choisissez un fichier.", field=field)
    if not data:
        raise ServiceError(f"Le fichier « {filename} » est vide.", field=field)
    if len(data) > max_bytes:
        raise ServiceError(f"Le fichier « {filename} » dépasse la taille maximale de "
                           f"{format_size(max_bytes)}.", field=field)
    actual = sniff(data)
    if pdf_only and actual != "pdf":
        raise ServiceError(f"Le fichier « {filename} » n'est pas un PDF : déposez la convention "
                           "signée, numérisée au format PDF.", field=field)
    if actual is None:
        raise ServiceError(f"Le fichier « {filename} » n'est pas d'un format accepté "
                           f"({ACCEPTED_LABEL}) : son contenu n'a pas été reconnu.", field=field)
    if extension_format(filename) != actual:
        raise ServiceError(f"Le contenu du fichier « {filename} » ne correspond pas à son extension "
                           f"(c'est un fichier {ACCEPTED[actual][1]}). Renommez-le ou choisissez "
                           "le bon fichier.", field=field)
    return CheckedFile(filename, data, ACCEPTED[actual][0], hashlib.sha256(data).hexdigest())


def store(prefix: str, checked: CheckedFile) -> str:
    """Put the bytes in the DocumentStore; returns the new key. The bytes of a replaced or removed
    file stay in the store: the audit trail names them by their hash."""
    key = f"{prefix}/{uuid.uuid4().hex}"
    get_store().put(key, checked.data, checked.content_type)
    return key


def read(key: str) -> bytes:
    return get_store().get(key)
