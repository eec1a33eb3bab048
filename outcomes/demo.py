"""The outcomes area's demo data: the practice sheets (after the funding area's final reports).

The deposited final reports of the demo get the head's publication consent; the coordinator
writes their sheets from the dossier and the report and validates all but one (a draft stays), so
the catalogue, a sheet, her list, her « À faire » and her home all show something.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from funding.models import FinalReport
from portal.db import db, utcnow
from portal.models import Role, User

from .services import catalogue_sheets

RESULTS = "Les jeunes accompagnés ont repris pied dans leur scolarité ; l'équipe poursuit l'action."


def load_sheets(users: list[User]) -> list:
    coordinator = next((u for u in users if u.has_role(Role.coordinator)), None)
    if coordinator is None:
        return []
    deposited = list(
        db.session.scalars(
            select(FinalReport)
            .where(FinalReport.status.in_(catalogue_sheets.DEPOSITED))
            .order_by(FinalReport.id)
        )
    )
    sheets = []
    for index, report in enumerate(deposited):
        if not report.publication_consent:
            report.publication_consent = True  # the head agreed on the report (demo's past)
            report.consent_changed_at = utcnow() - dt.timedelta(days=20)
        db.session.flush()
        if index == len(deposited) - 1 and len(deposited) > 4:
            continue  # one project still « à rédiger »
        wording = catalogue_sheets.prefill(report)
        wording["results"] = wording["results"] or RESULTS
        publish = index < len(deposited) - (2 if len(deposited) > 4 else 1)
        sheets.append(
            catalogue_sheets.save(coordinator, report.dossier_id, wording, publish=publish)
        )
    return sheets


def on_demo_loading(_sender=None, *, users, **_):
    """Receiver of `portal.signals.demo_loading`: the practice sheets (areas' order: after
    funding's final reports)."""
    # One step per area: the area's other demo parts (La Lettre) are called from here, after.
    return ("outcomes", lambda: load_sheets(users))
