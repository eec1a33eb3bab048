"""Shared by the Lettre's tests: public and private sheets, a composed issue."""

from __future__ import annotations

import datetime as dt

from funding.models import FinalReport
from outcomes.models import PracticeSheet
from outcomes.services import letter
from portal.db import db, utcnow


def sheet(world, factory, title: str, *, consent: bool = True, validated: bool = True):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    db.session.add(FinalReport(dossier_id=dossier.id, publication_consent=consent))
    found = PracticeSheet(
        dossier_id=dossier.id,
        status="validated" if validated else "draft",
        title=title,
        summary=f"Ce que fait {title}.",
        results="Neuf jeunes sur dix restés scolarisés.",
        validated_at=utcnow() if validated else None,
    )
    db.session.add(found)
    db.session.flush()
    return found


def data(**changes) -> dict:
    today = dt.date(2026, 11, 15)
    base = {
        "number": 1,
        "issue_date": today,
        "title": "Premier numéro",
        "editorial": "Bonjour **à toutes et à tous**.",
        "period_start": dt.date(2025, 9, 1),
        "period_end": dt.date(2026, 8, 31),
        "sheets": [],
    }
    return base | changes


def form(**changes) -> dict:
    """The compose form's fields, as a browser posts them."""
    values = data(**changes)
    body = {
        "number": str(values["number"]),
        "issue_date": values["issue_date"].isoformat()
        if isinstance(values["issue_date"], dt.date)
        else values["issue_date"],
        "title": values["title"],
        "editorial": values["editorial"],
        "period_start": values["period_start"].isoformat(),
        "period_end": values["period_end"].isoformat(),
    }
    if values["sheets"]:
        body["sheets"] = [str(i) for i in values["sheets"]]
    return body


def issue(world, **changes):
    return letter.create(world.coordinator, data(**changes))
