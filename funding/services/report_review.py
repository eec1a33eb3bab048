"""The officers' review of a submitted final report: corrections requested, or each funder's part
validated (the first validation fixes what every funder owes; each settles its own commitment,
funding.services.settlement). Policy first, audit, flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from applications import workflow
from applications.models import Dossier, DossierStatus
from applications.policy import require_dossier
from applications.services import notify_establishment
from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, PermissionDenied, ServiceError
from portal.formatting import format_datetime, format_money
from portal.models import Institution, User
from portal.permissions import Permission, can, require

from .. import money
from ..models import FinalReport, ReportStatus
from ..workflow import REPORT
from .common import OF_FUNDER, parse_funder
from .report_parts import (
    FUNDERS,
    active_commitments,
    dues_fixed,
    parts,
    pending_funders,
    report_of,
    settlement_preview,
    stored_due,
    validated_at,
    validated_by_id,
)
from .report_parts import fingerprint as preview_fingerprint
from .settlement import settle_funder_on_report


def _submitted(user: User, dossier: Dossier, lock: bool = False) -> FinalReport:
    """The submitted report an officer reviews; an officer gets a clear reason when there is none
    (already validated, even on a dossier since closed), others the policy's 404/403. With `lock`
    the report row is locked and re-read (SELECT … FOR UPDATE): the two funders' validations and
    a request for corrections are serialised."""
    require_dossier(user, Permission.VIEW_GRANT, dossier)
    report = report_of(dossier)
    if report is not None and lock:
        report = db.session.scalars(
            select(FinalReport)
            .where(FinalReport.id == report.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
    if (
        report is not None
        and report.status == ReportStatus.validated
        and can(user, Permission.MANAGE_AGREEMENT, dossier)
    ):
        raise Conflict(f"Le bilan a déjà été validé le {format_datetime(report.reviewed_at)}.")
    require(
        user,
        Permission.REVIEW_REPORT,
        dossier,
        message="Seuls les agents budgétaires examinent le bilan final.",
    )
    if (
        report is None
        or report.status != ReportStatus.submitted
        or dossier.status != DossierStatus.reporting
    ):
        raise Conflict("Aucun bilan déposé n'attend d'examen sur ce dossier.")
    return report


def request_corrections(user: User, dossier: Dossier, message: str) -> FinalReport:
    """An officer sends the report back with what to correct; the establishment edits it again.
    Refused once a funder validated its part (what each funder owes is fixed then)."""
    report = _submitted(user, dossier, lock=True)
    done = [part for part in parts(report, dossier) if part.validated_at is not None]
    if done:
        raise Conflict(
            " ; ".join(part.text for part in done) + " : des corrections ne peuvent "
            "plus être demandées sur ce bilan."
        )
    message = (message or "").strip()
    if not message:
        raise ServiceError("Indiquez ce que l'établissement doit corriger.", field="message")
    if len(message) > 5000:
        raise ServiceError("Le message fait au plus 5 000 caractères.", field="message")
    before, after = workflow.transition(dossier, "request_report_corrections")
    REPORT.transition(report, "request_corrections")
    report.correction_message = message
    report.reviewed_at = utcnow()
    report.reviewed_by_id = user.id
    db.session.flush()
    audit.record(user, "report_corrections_requested", report, {"message": message})
    audit.record(user, "dossier_funded", dossier, {"status": [before.value, after.value]})
    notify_establishment(
        dossier,
        f"Bilan du dossier {dossier.reference} : corrections demandées",
        f"Les services financeurs demandent de corriger le bilan final du "
        f"dossier « {dossier.title} » :\n\n{message}\n\nModifiez le bilan sur le "
        "portail puis déposez-le à nouveau.",
    )
    return report


STALE = (
    "Le bilan a changé depuis l'affichage (une autre validation, un versement ou un "
    "reversement a été enregistré entre-temps) : vérifiez le règlement ci-dessous avant de "
    "valider."
)


@dataclass
class PartValidated:
    """What validating a funder's part settled, and which parts remain."""

    funder: Institution
    due: Decimal
    balance: Decimal
    clawback: Decimal
    pending: list[Institution]

    @property
    def complete(self) -> bool:
        return not self.pending


def _funder_to_validate(user: User, funder) -> Institution:
    """The part the officer validates: the one they may change, or the one they chose."""
    if funder not in (None, ""):
        return parse_funder(funder)
    mine = [f for f in FUNDERS if can(user, Permission.MANAGE_MONEY, f)]
    if len(mine) > 1:
        raise ServiceError(
            "Vous êtes agent budgétaire de l’État et de la Région : choisissez la "
            "part du bilan que vous validez.",
            field="funder",
        )
    if not mine:
        raise PermissionDenied(
            "Seuls les agents budgétaires d'un financeur du dossier valident "
            "sa part du bilan final."
        )
    return mine[0]


def validate(
    user: User, dossier: Dossier, funder=None, expected_version=None, fingerprint=None
) -> PartValidated:
    """An officer validates their own funder's part of the submitted report.

    The first validation fixes the justified amount (the expenses' total) and every funder's due
    (stored on the report); then only this funder's commitment is settled (balance to pay or
    clawback, funding.services.settle_funder_on_report). The report is validated, and the dossier
    may close, once every funder with an active commitment has validated. `expected_version` and
    `fingerprint` (the page's report version and preview digest) refuse a stale page; None skips
    the check (a caller that showed nothing).
    """
    report = _submitted(user, dossier, lock=True)
    funder = _funder_to_validate(user, funder)
    require(
        user,
        Permission.MANAGE_MONEY,
        funder,
        message=f"Seuls les agents budgétaires {OF_FUNDER[funder]} valident sa part du bilan.",
    )
    at = validated_at(report, funder)
    if at is not None:
        by = db.session.get(User, validated_by_id(report, funder))
        raise Conflict(
            f"La part {OF_FUNDER[funder]} du bilan a déjà été validée le "
            f"{format_datetime(at)}" + (f" par {by.full_name}" if by else "") + "."
        )
    if funder not in {c.funder for c in active_commitments(dossier)}:
        raise PermissionDenied(
            f"Aucun engagement {OF_FUNDER[funder]} n'est actif sur ce "
            "dossier : seuls les agents budgétaires de ses financeurs "
            "valident le bilan."
        )
    if expected_version is not None and str(expected_version).strip() != str(report.version):
        raise Conflict(STALE)
    if fingerprint is not None and fingerprint != preview_fingerprint(
        report, settlement_preview(dossier, report)
    ):
        raise Conflict(STALE)
    first = not dues_fixed(report)
    if first:
        report.justified_amount = report.expenses_total
        dues = money.due_per_funder(
            {c.funder: c.amount for c in active_commitments(dossier)}, report.justified_amount
        )
        report.due_state = dues.get(Institution.state)
        report.due_region = dues.get(Institution.region)
    owed = stored_due(report, funder)
    if owed is None:
        raise Conflict(
            f"Aucun montant dû {OF_FUNDER[funder]} n'a été fixé à la première "
            "validation : la part ne peut pas être validée."
        )
    now = utcnow()
    setattr(report, f"{funder.value}_validated_by_id", user.id)
    setattr(report, f"{funder.value}_validated_at", now)
    pending = pending_funders(report, dossier)
    if not pending:
        REPORT.transition(report, "validate")
        report.reviewed_at = now
        report.reviewed_by_id = user.id
    db.session.flush()
    changes = {"funder": funder.value, "due": owed, "justified_amount": report.justified_amount}
    if first:
        changes["dues"] = {"state": report.due_state, "region": report.due_region}
    audit.record(user, "report_part_validated", report, changes)
    if not pending:
        audit.record(
            user,
            "report_validated",
            report,
            {
                "justified_amount": report.justified_amount,
                "status": [ReportStatus.submitted.value, ReportStatus.validated.value],
            },
        )
    due, balance, clawback = settle_funder_on_report(
        user, dossier, funder, owed, justified=report.justified_amount
    )
    result = PartValidated(funder, due, balance, clawback, pending)
    _notify_part(dossier, report, result)
    return result


def _notify_part(dossier: Dossier, report: FinalReport, result: PartValidated) -> None:
    """The establishment learns what this funder will still pay, or claim back."""
    of = OF_FUNDER[result.funder]
    if result.clawback > 0:
        outcome = (
            f"un reversement de {format_money(result.clawback)} vous sera demandé (trop-perçu)"
        )
    elif result.balance > 0:
        outcome = f"solde à recevoir : {format_money(result.balance)}"
    else:
        outcome = "entièrement versé"
    after = (
        "Le bilan est entièrement validé."
        if result.complete
        else " ".join(
            f"La part {OF_FUNDER[f]} reste à valider par ses services." for f in result.pending
        )
    )
    if dossier.status == DossierStatus.closed:
        after += " Le dossier est soldé."
    subject = (
        f"Bilan du dossier {dossier.reference} validé"
        if result.complete
        else f"Bilan du dossier {dossier.reference} : part {of} validée"
    )
    notify_establishment(
        dossier,
        subject,
        f"Les services {of} ont validé leur part du bilan final du dossier "
        f"« {dossier.title} ». Dépenses justifiées : "
        f"{format_money(report.justified_amount)}.\n\n"
        f"- Part {of} : montant dû {format_money(result.due)} ; {outcome}.\n\n" + after,
    )
