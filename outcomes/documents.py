"""The outcomes area's documents: an issue of La Lettre de la MLDS as a PDF (WeasyPrint), from
the same content and the same partial template as its page."""

from __future__ import annotations

from flask import render_template

from .models import LetterIssue


def letter_pdf(issue: LetterIssue, content: dict) -> bytes:
    from weasyprint import HTML

    html = render_template("outcomes/letter/pdf.html", issue=issue, content=content)
    return HTML(string=html).write_pdf()


def letter_pdf_filename(issue: LetterIssue) -> str:
    return f"lettre-mlds-{issue.number}-v{issue.version}.pdf"
