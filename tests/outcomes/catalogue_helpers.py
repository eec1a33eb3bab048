"""Helpers of the catalogue tests: a funded dossier with a deposited final report (rows written
directly: the report's own rules are tests/funding's business) and its practice sheet."""

from __future__ import annotations

import html

from funding.models import FinalReport, ReportReach, ReportStatus
from outcomes.services import catalogue_sheets
from portal.db import db, utcnow


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def reported(o, *, consent=True, actions="Ateliers de remobilisation chaque semaine.", author=None):
    """A funded dossier of Lycée A with a submitted final report; the head's consent as given."""
    decision = o.funded("1000.00", "2000.00", author=author)
    dossier = decision.dossier
    report = FinalReport(
        dossier_id=dossier.id,
        status=ReportStatus.submitted,
        actions_carried_out=actions,
        young_reached=22,
        submitted_at=utcnow(),
        publication_consent=consent,
        consent_changed_at=utcnow(),
    )
    report.reach = [
        ReportReach(category="at_risk", count=15),
        ReportReach(category="return_path", count=7),
    ]
    db.session.add(report)
    db.session.flush()
    return dossier


def sheet(
    o, dossier, *, title="Raccrocher par le théâtre", summary=None, results=None, publish=True
):
    """The coordinator's sheet of `dossier`, validated unless `publish` is false."""
    return catalogue_sheets.save(
        o.coordinator,
        dossier.id,
        {
            "title": title,
            "summary": summary
            or "Un atelier de théâtre hebdomadaire pour lutter contre le décrochage.",
            "results": results or "Quinze élèves ont retrouvé le chemin de la classe.",
        },
        publish=publish,
    )
