"""What an issue of the Lettre says, as plain data: the preview and the published page, the PDF and
the mail all render this same dict (`content`), built live for a draft and frozen at publication.

Only public sheets are featured: validated by the coordinator AND agreed to by the head on the
final report. A sheet whose consent is later withdrawn disappears from published issues too
(`visible`): the frozen issue keeps its text, the page stops showing it.
"""

from __future__ import annotations

import datetime as dt

from babel import dates as babel_dates
from sqlalchemy.orm import joinedload

from applications.models import Dossier
from portal.db import db, utcnow
from portal.formatting import LOCALE, format_datetime

from .. import policy
from ..models import LetterIssue, PracticeSheet
from . import letter_figures, letter_markdown, public_calls


def long_date(value: dt.date) -> str:
    """« 3 novembre 2026 »."""
    return babel_dates.format_date(value, "d MMMM y", locale=LOCALE)


def public_sheets_query():
    """The sheets anyone may read (one rule: `outcomes.policy.public_sheets`)."""
    return policy.public_sheets()


def public_sheets() -> list[PracticeSheet]:
    """For the compose form: every public sheet, the most recently validated first."""
    query = public_sheets_query().options(
        joinedload(PracticeSheet.dossier).joinedload(Dossier.establishment)
    )
    return list(
        db.session.scalars(query.order_by(PracticeSheet.validated_at.desc(), PracticeSheet.id))
    )


def public_sheet_ids(ids) -> set[int]:
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            public_sheets_query()
            .with_only_columns(PracticeSheet.id)
            .where(PracticeSheet.id.in_(ids))
        )
    )


def _sheet(sheet: PracticeSheet) -> dict:
    est = sheet.dossier.establishment
    return {
        "id": sheet.id,
        "title": sheet.title or sheet.dossier.title,
        "summary": sheet.summary,
        "results": sheet.results,
        "establishment": est.name,
        "town": est.commune,
    }


def build(issue: LetterIssue, now: dt.datetime | None = None) -> dict:
    """The issue as it reads now (a draft's preview; frozen by `publish`)."""
    now = now or utcnow()
    chosen = public_sheet_ids([link.sheet_id for link in issue.sheets])
    corrects = issue.corrects
    return {
        "number": issue.number,
        "version": issue.version,
        "title": issue.title,
        "date": issue.issue_date.isoformat(),
        "date_label": long_date(issue.issue_date),
        "editorial": issue.editorial,  # the Markdown source: the text of the mail
        "editorial_html": str(letter_markdown.render(issue.editorial)),
        "figures": letter_figures.key_figures(issue.period_start, issue.period_end),
        "sheets": [_sheet(link.sheet) for link in issue.sheets if link.sheet_id in chosen],
        "calls": [
            {
                "id": call.id,
                "title": call.title,
                "school_year": call.school_year,
                "deadline": format_datetime(call.deadline_at),
            }
            for call in public_calls.open_calls(now)
        ],
        "correction": (
            {"version": corrects.version, "date_label": long_date(corrects.issue_date)}
            if corrects is not None
            else None
        ),
    }


def visible(content: dict) -> dict:
    """A published issue as shown now: the sheets still public, nothing else changed."""
    still = public_sheet_ids([s["id"] for s in content.get("sheets", [])])
    return {**content, "sheets": [s for s in content.get("sheets", []) if s["id"] in still]}
