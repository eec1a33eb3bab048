"""The input rules every boundary applies (forms, API bodies, uploaded filenames), once.

- Control characters: NUL and the other C0 control characters are refused in every text, except
  TAB, LF and CR in multi-line texts (a `<textarea>`; in the API every string may hold them, since
  a JSON string cannot say whether it is one line or several). A single-line form field holding
  CR or LF is refused too (a browser never sends one). Uploaded filenames are sanitised instead
  (`safe_filename`): the control characters are dropped, the file is kept.
- Lengths: a text longer than its field's limit (the column's length where there is one,
  `column_limit`) is refused with the limit shown, never truncated.
- Dates: a date typed for a call's work (actions, payments, reports) must fall within the call's
  school year ± 2 years (`call_window`).
"""

from __future__ import annotations

import datetime as dt
import re

from .formatting import format_date, format_integer

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f]")

CONTROL_MESSAGE = (
    "Ce champ contient un caractère invisible non autorisé (caractère de contrôle) : retirez-le."
)


def control_problem(value, *, multiline: bool = True) -> str | None:
    """The French refusal when `value` (a string) holds a forbidden control character, else None."""
    if not isinstance(value, str):
        return None
    pattern = _CONTROL if multiline else _CONTROL_SINGLE_LINE
    return CONTROL_MESSAGE if pattern.search(value) else None


def length_problem(value, limit: int | None) -> str | None:
    """ "5 000 caractères au plus, vous en avez saisi 1 048 576" when `value` is over `limit`."""
    if limit is None or not isinstance(value, str):
        return None
    count = len(value.strip())
    if count <= limit:
        return None
    return (
        f"{format_integer(limit)} caractères au plus, vous en avez saisi {format_integer(count)}."
    )


def text_problem(value, limit: int | None = None, *, multiline: bool = True) -> str | None:
    return control_problem(value, multiline=multiline) or length_problem(value, limit)


def column_limit(column) -> int | None:
    """The length of a String column (`Model.__table__.c.name` or `Model.name`), or None."""
    prop = getattr(column, "property", None)
    if prop is not None and hasattr(prop, "columns"):
        column = prop.columns[0]
    return getattr(column.type, "length", None)


def safe_filename(name: str) -> str:
    """An uploaded file's name without control characters (any of C0 and DEL)."""
    return re.sub(r"[\x00-\x1f\x7f]", "", name or "")


def school_year_window(start_year: int) -> tuple[dt.date, dt.date]:
    """The school year starting in `start_year`, ± 2 years: 2026 → 2024-09-01 … 2029-08-31."""
    return dt.date(start_year - 2, 9, 1), dt.date(start_year + 3, 8, 31)


def call_window(call, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """School year "2026-2027" → 2024-09-01 … 2029-08-31 (`Call.school_year` is "AAAA-AAAA").

    With `today` (dates of what happens now: payments, signatures, the report's deadline), the
    end reaches today's school year ± 2 as well: an older call's money is still paid today."""
    first, last = school_year_window(int(str(call.school_year)[:4]))
    if today is not None:
        current = today.year if today.month >= 9 else today.year - 1
        last = max(last, school_year_window(current)[1])
    return first, last


def date_problem(day: dt.date | None, call, today: dt.date | None = None) -> str | None:
    """The French refusal when `day` lies outside the call's plausible window, else None."""
    if day is None or call is None:
        return None
    first, last = call_window(call, today)
    if first <= day <= last:
        return None
    return (
        f"La date du {format_date(day)} est hors de la période de l'appel à projets "
        f"{call.school_year} : indiquez une date entre le {format_date(first)} et le "
        f"{format_date(last)}."
    )
