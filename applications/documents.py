"""The area's documents: the submission receipt (récépissé de dépôt) and the whole dossier as one
PDF, rendered by WeasyPrint from the frozen snapshot; a dossier's attachments as one ZIP, streamed
from the store."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from flask import render_template

from .models import Dossier, Submission
from .services import structured


def render_receipt(dossier: Dossier, submission: Submission) -> bytes:
    """PDF bytes for one submission; everything shown comes from the frozen snapshot."""
    from weasyprint import HTML

    html = render_template(
        "applications/receipt.html",
        dossier=dossier,
        submission=submission,
        snap=submission.snapshot,
    )
    return HTML(string=html).write_pdf()


def receipt_filename(dossier: Dossier, submission: Submission) -> str:
    return f"recepisse-{dossier.reference}-{submission.number}.pdf"


def render_dossier_pdf(dossier: Dossier, submission: Submission, now) -> bytes:
    """The whole dossier as last submitted (its frozen snapshot: texts, partners, actions,
    indicators, budget, attachments listed), as one PDF."""
    from weasyprint import HTML

    html = render_template(
        "applications/dossier_pdf.html",
        dossier=dossier,
        submission=submission,
        snap=submission.snapshot,
        labels=structured.dossier_labels(),
        now=now,
    )
    return HTML(string=html).write_pdf()


def dossier_pdf_filename(dossier: Dossier) -> str:
    return f"dossier-{dossier.reference}.pdf"


# ---------------------------------------------------------------- the attachments as one ZIP

UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def safe_name(filename: str, index: int) -> str:
    """A name for the archive: no folder (so no path traversal), no control or reserved
    character, no leading dot, numbered so that two pieces of the same name both arrive."""
    base = re.split(r"[/\\]", filename or "")[-1]
    base = UNSAFE.sub("_", base).strip().lstrip(".").strip() or "piece"
    return f"{index:02d}-{base[-150:]}"


class _Sink(io.RawIOBase):
    """Where zipfile writes: the bytes are taken away as soon as written (not seekable, so
    zipfile writes data descriptors and never goes back)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def zip_chunks(entries) -> Iterator[bytes]:
    """A ZIP archive, chunk by chunk, of `entries`: (name in the archive, chunks of its bytes),
    each file read from the store as it is written (never a whole file in memory)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in entries:
            with archive.open(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), "w") as out:
                for chunk in chunks:
                    out.write(chunk)
                    if data := sink.take():
                        yield data
            if data := sink.take():
                yield data
    yield sink.take()


def attachments_zip_filename(dossier: Dossier) -> str:
    return f"pieces-{dossier.reference or dossier.id}.zip"
