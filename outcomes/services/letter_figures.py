"""The Lettre's key figures for the period the coordinator sets: a few small GROUP BY queries on
the outcome data (the full dashboard is outcomes/services/dashboard*.py).

- projects funded: dossiers with a funder's part granted (not cancelled) during the period;
- amounts granted: those parts' initial amounts, per funder and in all;
- establishments: how many carry those projects;
- young people reached: from the final reports validated during the period.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from applications.models import Dossier
from funding.models import Commitment, CommitmentStatus, FinalReport, ReportStatus
from portal.db import db
from portal.formatting import PARIS, format_date, format_integer, format_money
from portal.models import INSTITUTION_LABELS


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the first day's midnight to the day after the last one's, in Paris time."""
    low = dt.datetime.combine(start, dt.time.min, tzinfo=PARIS)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=PARIS)
    return low.astimezone(dt.UTC), high.astimezone(dt.UTC)


def key_figures(start: dt.date, end: dt.date) -> dict:
    """The figures as plain data (frozen into a published issue): labels and formatted values."""
    low, high = _bounds(start, end)
    granted = (
        Commitment.status != CommitmentStatus.cancelled,
        Commitment.created_at >= low,
        Commitment.created_at < high,
    )
    by_funder = db.session.execute(
        select(Commitment.funder, func.sum(Commitment.initial_amount))
        .where(*granted)
        .group_by(Commitment.funder)
        .order_by(Commitment.funder)
    ).all()
    projects, establishments = db.session.execute(
        select(
            func.count(func.distinct(Commitment.dossier_id)),
            func.count(func.distinct(Dossier.establishment_id)),
        )
        .join(Dossier, Dossier.id == Commitment.dossier_id)
        .where(*granted)
    ).one()
    reports, young = db.session.execute(
        select(
            func.count(FinalReport.id), func.coalesce(func.sum(FinalReport.young_reached), 0)
        ).where(
            FinalReport.status == ReportStatus.validated,
            FinalReport.submitted_at >= low,
            FinalReport.submitted_at < high,
        )
    ).one()
    total = sum((Decimal(amount or 0) for _, amount in by_funder), Decimal("0.00"))
    figures = [
        {"label": "Projets financés", "value": format_integer(projects or 0)},
        {"label": "Montant accordé", "value": format_money(total)},
    ]
    figures += [
        {"label": f"dont {INSTITUTION_LABELS[funder]}", "value": format_money(Decimal(amount))}
        for funder, amount in by_funder
    ]
    figures += [
        {"label": "Établissements porteurs", "value": format_integer(establishments or 0)},
        {
            "label": "Jeunes accompagnés (bilans validés)",
            "value": format_integer(int(young or 0)),
        },
        {"label": "Bilans validés", "value": format_integer(reports or 0)},
    ]
    return {
        "period": f"du {format_date(start)} au {format_date(end)}",
        "items": figures,
    }
