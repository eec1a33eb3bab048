"""When a dossier's money is done: the final report validated, the balance paid, every clawback
settled (closed), or every commitment cancelled (withdrawn).
"""

from __future__ import annotations

from sqlalchemy import select

from applications import workflow
from applications.models import Dossier, DossierStatus
from portal import audit
from portal.db import db
from portal.models import Institution, User

from ..models import CommitmentStatus, FinalReport, ReportStatus
from .figures import commitment_figures, commitments_of


def report_validated(dossier: Dossier) -> bool:
    """The final report is fully validated: every funder with an active commitment validated
    its part."""
    return (
        db.session.scalar(select(FinalReport.status).where(FinalReport.dossier_id == dossier.id))
        == ReportStatus.validated
    )


def funder_validated(dossier: Dossier, funder: Institution) -> bool:
    """The funder's officer validated its part of the final report (the funder may pay its
    balance), or the whole report is validated."""
    row = db.session.execute(
        select(
            FinalReport.status, FinalReport.state_validated_at, FinalReport.region_validated_at
        ).where(FinalReport.dossier_id == dossier.id)
    ).first()
    if row is None:
        return False
    status, state_at, region_at = row
    at = state_at if funder == Institution.state else region_at
    return status == ReportStatus.validated or at is not None


def lock_dossier(dossier: Dossier) -> Dossier:
    """Serialise the money events of one dossier (two funders paying their balances at once)."""
    return db.session.scalars(
        select(Dossier)
        .where(Dossier.id == dossier.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def close_if_settled(user: User | None, dossier: Dossier) -> bool:
    """Close a dossier whose report is validated, balance paid and clawbacks settled; mark as
    withdrawn an accepted or funded dossier whose every commitment was cancelled (nothing kept,
    nothing owed). The dossier row is locked first, so concurrent last payments of both funders
    cannot each miss the other's and leave it open."""
    if dossier.status not in (
        DossierStatus.accepted,
        DossierStatus.funded,
        DossierStatus.reporting,
    ):
        return False
    dossier = lock_dossier(dossier)
    commitments = commitments_of(dossier)
    figures = commitment_figures(commitments)
    if any(f.open_clawbacks > 0 for f in figures):
        return False
    if dossier.status in (DossierStatus.accepted, DossierStatus.funded):
        if not commitments or any(c.status == CommitmentStatus.active for c in commitments):
            return False
        action, event = "renounce", "dossier_renounced"
    else:
        if not report_validated(dossier):
            return False
        if any(f.commitment.status == CommitmentStatus.active and f.to_pay != 0 for f in figures):
            return False
        action, event = "close", "dossier_closed"
    before, after = workflow.transition(dossier, action)
    db.session.flush()
    audit.record(user, event, dossier, {"status": [before.value, after.value]})
    return True
