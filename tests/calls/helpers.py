"""Shared helpers for the call tests."""

from __future__ import annotations

import datetime as dt

from portal.db import utcnow
from portal.demo import AXES
from portal.formatting import to_paris


def paris_day(days: int) -> str:
    """The Paris calendar date `days` from today, as a browser's date input sends it."""
    return f"{to_paris(utcnow() + dt.timedelta(days=days)):%Y-%m-%d}"


def form_data(**overrides) -> dict:
    data = {
        "title": "Appel à projets 2014-2015",
        "school_year": "2014-2015",
        "themes": "Prévenir le décrochage.",
        **{f"axes-{i}": label for i, label in enumerate(AXES)},
        "fields": ["prevention", "intervention"],
        "eligible_kinds": ["lgt", "lp"],
        "opens_date": paris_day(-1),
        "opens_time": "08:00",
        "deadline_date": paris_day(30),
        "deadline_time": "23:59",
        "max_amount": "15 000,00",
        "advance_rate": "50",
        "attachment_kinds-0-label": "Budget prévisionnel détaillé",
        "attachment_kinds-0-required": "y",
        "attachment_kinds-1-label": "Lettre de soutien d'un partenaire",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
