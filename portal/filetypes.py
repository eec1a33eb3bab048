"""Recognise an upload by its content, never by its name.

Accepted: PDF, PNG, JPEG, and the zip-based office formats DOCX, XLSX (Office Open XML) and
ODT, ODS (OpenDocument), told apart by the parts inside the zip.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

from .inputs import safe_filename

ACCEPTED = {
    "pdf": ("application/pdf", "PDF"),
    "png": ("image/png", "PNG"),
    "jpeg": ("image/jpeg", "JPEG"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "odt": ("application/vnd.oasis.opendocument.text", "ODT"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ODS"),
}

EXTENSIONS = {
    "pdf": "pdf",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "docx": "docx",
    "xlsx": "xlsx",
    "odt": "odt",
    "ods": "ods",
}

ACCEPTED_LABEL = "PDF, ODT, ODS, DOCX, XLSX, PNG ou JPEG"


def sniff(data: bytes) -> str | None:
    """Return the format key of ACCEPTED that the bytes really are, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    return None


def _sniff_zip(data: bytes) -> str | None:
    """Tell the office formats apart by the names inside the zip, decompressing nothing big.

    OpenDocument's `mimetype` entry must be stored uncompressed and tiny (as the standard says):
    a compressed or large one is refused rather than inflated (zip bombs).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                info = zf.getinfo("mimetype")
                if info.compress_type != zipfile.ZIP_STORED or info.file_size > 100:
                    return None
                with zf.open(info) as entry:
                    mimetype = entry.read(100).decode("ascii", "replace").strip()
                for key in ("odt", "ods"):
                    if mimetype == ACCEPTED[key][0]:
                        return key
                return None
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
    except Exception:  # noqa: BLE001 - any malformed, encrypted or exotic zip is simply not accepted
        return None
    return None


def extension_format(filename: str) -> str | None:
    if "." not in filename:
        return None
    return EXTENSIONS.get(filename.rsplit(".", 1)[1].lower())


@dataclass
class CheckedFile:
    filename: str
    data: bytes
    content_type: str
    sha256: str
    format: str

    @property
    def size(self) -> int:
        return len(self.data)


def check_upload(filename: str, data: bytes, *, field: str = "file") -> CheckedFile:
    """The file if its content is an accepted format matching its extension, within
    MAX_UPLOAD_BYTES; else a French ServiceError on `field`. Every upload goes through here."""
    from flask import current_app

    from .errors import ServiceError
    from .formatting import format_size

    # Control characters (a NUL breaks PostgreSQL and every later download) are dropped: the
    # file is kept under a safe name, the person need not rename it.
    filename = safe_filename(filename).replace("\\", "/").rsplit("/", 1)[-1].strip()
    if len(filename) > 255:  # keep the extension, which says the format
        stem, dot, ext = filename.rpartition(".")
        filename = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) < 20 else filename[:255]
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    if not filename:
        raise ServiceError("Choisissez un fichier à joindre.", field=field)
    if not data:
        raise ServiceError(f"Le fichier « {filename} » est vide.", field=field)
    if len(data) > max_bytes:
        raise ServiceError(
            f"Le fichier « {filename} » dépasse la taille maximale de {format_size(max_bytes)}.",
            field=field,
        )
    actual = sniff(data)
    if actual is None:
        raise ServiceError(
            f"Le fichier « {filename} » n'est pas d'un format accepté "
            f"({ACCEPTED_LABEL}) : son contenu n'a pas été reconnu.",
            field=field,
        )
    if extension_format(filename) != actual:
        raise ServiceError(
            f"Le contenu du fichier « {filename} » ne correspond pas à son extension "
            f"(c'est un fichier {ACCEPTED[actual][1]}). Renommez-le ou choisissez "
            "le bon fichier.",
            field=field,
        )
    return CheckedFile(
        filename, data, ACCEPTED[actual][0], hashlib.sha256(data).hexdigest(), actual
    )
