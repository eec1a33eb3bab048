"""The area's PDFs: the submission receipt (récépissé de dépôt), rendered by WeasyPrint from the
frozen snapshot."""

from __future__ import annotations

from flask import render_template

from .models import Dossier, Submission


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
