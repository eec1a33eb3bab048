"""Bulk rows of the outcomes on funded dossiers: young people targeted (two categories), a theme,
a numeric indicator with its target; on the dossiers with a final report, the young people
reached (summing to `young_reached`), their outcomes (the same sum) and the indicator's achieved
value (met on two dossiers out of three). Used by bench/commission_rows.add_funded and by the
outcome dashboard's query-count test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import insert, select

from applications.models import DossierTarget, DossierTheme, Indicator
from funding.models import FinalReport, ReportIndicator, ReportOutcome, ReportReach, ReportStatus
from outcomes.services import outcome_store
from portal.db import db
from portal.reference import Theme

BATCH = 2000


def _insert(model, rows: list[dict], returning=None) -> list:
    out = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        if returning is None:
            db.session.execute(insert(model), chunk)
        else:
            out.extend(db.session.scalars(insert(model).returning(returning), chunk))
    return out


def add_outcomes(
    dossier_ids: list[int], head_id: int, now: dt.datetime, report_every: int | None = None
) -> int:
    """Outcome rows on `dossier_ids` (funded); with `report_every`, first a submitted final
    report on every `report_every`-th dossier without one. Returns the reports filled."""
    if report_every:
        have = set(
            db.session.scalars(
                select(FinalReport.dossier_id).where(FinalReport.dossier_id.in_(dossier_ids))
            )
        )
        _insert(
            FinalReport,
            [
                {
                    "dossier_id": d,
                    "status": ReportStatus.submitted,
                    "actions_carried_out": "Ateliers menés toute l'année.",
                    "young_reached": 20,
                    "submitted_at": now - dt.timedelta(days=3),
                    "submitted_by_id": head_id,
                    "correction_message": "",
                    "version": 1,
                }
                for n, d in enumerate(dossier_ids)
                if n % report_every == 0 and d not in have
            ],
        )
    themes = list(db.session.scalars(select(Theme.id).order_by(Theme.position, Theme.id)))
    _insert(
        DossierTarget,
        [
            {"dossier_id": d, "category": category, "age_band": band, "count": count}
            for d in dossier_ids
            for category, band, count in (("at_risk", "under_16", 15), ("return_path", "16_18", 9))
        ],
    )
    if themes:
        _insert(
            DossierTheme,
            [
                {"dossier_id": d, "theme_id": themes[n % len(themes)]}
                for n, d in enumerate(dossier_ids)
            ],
        )
    indicator_ids = _insert(
        Indicator,
        [
            {
                "dossier_id": d,
                "position": 99,
                "name": "Taux d'assiduité des élèves suivis",
                "unit": "%",
                "direction": "up",
                "baseline_value": Decimal("70.00"),
                "target_value": Decimal("85.00"),
            }
            for d in dossier_ids
        ],
        returning=Indicator.id,
    )
    indicator_of = dict(zip(dossier_ids, indicator_ids))
    reports = db.session.execute(
        select(FinalReport.id, FinalReport.dossier_id, FinalReport.young_reached).where(
            FinalReport.dossier_id.in_(dossier_ids)
        )
    ).all()
    reach, outcomes, achieved = [], [], []
    for n, (report_id, dossier_id, young) in enumerate(reports):
        young = young or 0
        first = young * 3 // 5
        reach += [
            {"report_id": report_id, "category": "at_risk", "count": first},
            {"report_id": report_id, "category": "return_path", "count": young - first},
        ]
        outcomes += [
            {"report_id": report_id, "outcome": "stayed_in_school", "count": young - young // 4},
            {"report_id": report_id, "outcome": "returned_to_training", "count": young // 4},
        ]
        achieved.append(
            {
                "report_id": report_id,
                "position": 99,
                "name": "Taux d'assiduité des élèves suivis",
                "target": "",
                "achieved": "",
                "indicator_id": indicator_of[dossier_id],
                "achieved_value": Decimal("80.00") if n % 3 == 0 else Decimal("90.00"),
            }
        )
    _insert(ReportReach, reach)
    _insert(ReportOutcome, outcomes)
    _insert(ReportIndicator, achieved)
    # bulk inserts bypass the ORM: the dashboard's stored per-dossier figures are rebuilt here
    outcome_store.refresh_dossiers(db.session.connection(), dossier_ids)
    return len(reports)
