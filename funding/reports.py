"""The final report (*bilan*): written by the establishment, reviewed by a budget officer.

- `save` keeps a draft (any part, half-filled or not; what is typed must still be readable);
  attachments are added and removed while the report is editable.
- `submit` (the head) requires every part; after the agreement's due date it is still accepted,
  and flagged as late.
- `request_corrections` sends it back (the dossier returns to funded, editable again), until a
  funder has validated its part;
- `validate`: each funder's budget officer validates their own funder's part. The first validation
  fixes the justified amount (the expenses' total) and what every funder owes; each validation
  settles that funder's commitment only (funding.services.settle_funder_on_report: balance to pay
  or clawback). The report is validated once every committed funder has validated its part
  (funding.report_parts), and the dossier closes when everything is settled.

Like every service: policy first, audit, flush, never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from applications import workflow
from applications.models import EXPENSE_CATEGORIES, Dossier, DossierStatus
from applications.services import notify_establishment
from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.formatting import PARIS, format_date, format_datetime, format_money
from portal.models import Institution, User
from applications.policy import require_dossier
from portal.permissions import Permission, can, require

from . import money, uploads
from .agreements import agreement_of
from .models import FinalReport, ReportAttachment, ReportExpense, ReportIndicator, ReportStatus
from .report_parts import (FUNDERS, SettlementLine, active_commitments, dues_fixed,  # noqa: F401
                           justified_of, parts, pending_funders, settlement_preview, stored_due,
                           validatable_funders, validated_at, validated_by_id)
from .report_parts import fingerprint as preview_fingerprint
from .services import OF_FUNDER, parse_funder, parse_money, settle_funder_on_report

EDITABLE = (ReportStatus.draft, ReportStatus.corrections_requested)
TEXT_LIMIT = 10_000
MAX_YOUNG = 100_000


# ---------------------------------------------------------------- reading

def report_of(dossier: Dossier) -> FinalReport | None:
    return db.session.scalar(select(FinalReport).where(FinalReport.dossier_id == dossier.id))


def is_late(report: FinalReport | None, dossier: Dossier) -> bool:
    """Submitted after the agreement's due date (Paris day): accepted, but flagged."""
    agreement = agreement_of(dossier)
    if report is None or report.submitted_at is None or agreement is None:
        return False
    return report.submitted_at.astimezone(PARIS).date() > agreement.report_due_on


def _is_own(user: User, dossier: Dossier) -> bool:
    """Someone of the establishment who may see its grant (they get the clear refusals)."""
    return (user.establishment_id == dossier.establishment_id
            and can(user, Permission.VIEW_GRANT, dossier))


def _require_editable(user: User, dossier: Dossier) -> FinalReport | None:
    """The establishment may write while the dossier is funded and the report not submitted;
    its members get a clear reason otherwise, others the policy's 404/403."""
    require_dossier(user, Permission.VIEW_GRANT, dossier)
    report = report_of(dossier)
    if _is_own(user, dossier):
        if dossier.status == DossierStatus.closed:
            raise Conflict(f"Le dossier {dossier.reference} est soldé : le bilan ne peut plus "
                           "être déposé ni modifié.")
        if dossier.status == DossierStatus.accepted:
            raise Conflict("La convention n'est pas encore signée : le bilan se rédige une fois le "
                           "dossier conventionné.")
        if dossier.status == DossierStatus.reporting or (report and report.status not in EDITABLE):
            raise Conflict("Le bilan a déjà été déposé : il ne peut plus être modifié, sauf si les "
                           "services financeurs demandent des corrections.")
    require(user, Permission.EDIT_REPORT, dossier,
            message="Seul l'établissement porteur rédige le bilan final.")
    return report


def get_or_create(user: User, dossier: Dossier) -> FinalReport:
    """The report being written; created as a draft listing the dossier's indicators."""
    report = _require_editable(user, dossier)
    if report is not None:
        return report
    report = FinalReport(dossier_id=dossier.id, status=ReportStatus.draft)
    report.indicators = [ReportIndicator(position=i, name=ind.name, target=ind.target)
                         for i, ind in enumerate(dossier.indicators)]
    db.session.add(report)
    db.session.flush()
    audit.record(user, "report_created", report, {"dossier_id": dossier.id})
    return report


# ---------------------------------------------------------------- writing

def _young(raw, errors: dict):
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip().replace(" ", "").replace("\u202f", ""))
    except ValueError:
        value = -1
    if value < 0 or value > MAX_YOUNG:
        errors["young_reached"] = ("Indiquez un nombre entier de jeunes, entre 0 et "
                                   f"{MAX_YOUNG:_}.".replace("_", "\u202f"))
        return None
    return value


def _expenses(rows, errors: dict) -> list[ReportExpense]:
    """One line per category with an amount (zero allowed); blank rows are ignored."""
    if not isinstance(rows, list) or len(rows) > len(EXPENSE_CATEGORIES) * 2:
        errors["expenses"] = "Liste de dépenses illisible."
        return []
    lines, seen = [], set()
    for i, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        category = str(row.get("category") or "")
        raw = str(row.get("amount") or "").strip()
        label = str(row.get("label") or "").strip()
        if not raw and not label:
            continue
        if category not in EXPENSE_CATEGORIES or category in seen:
            errors[f"expenses-{i}-amount"] = "Catégorie de dépense inconnue ou répétée."
            continue
        seen.add(category)
        if len(label) > 200:
            errors[f"expenses-{i}-label"] = "Ce libellé fait au plus 200 caractères."
        if not raw:
            errors[f"expenses-{i}-amount"] = "Indiquez le montant dépensé (0 si rien)."
            continue
        try:
            amount = parse_money(raw, f"expenses-{i}-amount", allow_zero=True)
        except ServiceError as exc:
            errors[f"expenses-{i}-amount"] = exc.message
            continue
        lines.append(ReportExpense(position=list(EXPENSE_CATEGORIES).index(category),
                                   category=category, label=label, amount=amount))
    return sorted(lines, key=lambda line: line.position)


def save(user: User, dossier: Dossier, data: dict) -> FinalReport:
    """Save a draft: any subset of `actions_carried_out`, `young_reached`, `indicators` (achieved
    values, in the dossier's order), `expenses` (rows {category, amount, label}); all or nothing,
    errors keyed by field (`young_reached`, `indicators-0-achieved`, `expenses-1-amount`…)."""
    report = get_or_create(user, dossier)
    errors: dict[str, str] = {}
    changes: dict = {}
    if "actions_carried_out" in data:
        text = str(data.get("actions_carried_out") or "").strip()
        if len(text) > TEXT_LIMIT:
            errors["actions_carried_out"] = (f"Ce texte fait au plus {TEXT_LIMIT:_} "
                                             "caractères.".replace("_", "\u202f"))
        changes["actions_carried_out"] = text
    if "young_reached" in data:
        changes["young_reached"] = _young(data.get("young_reached"), errors)
    achieved = None
    if "indicators" in data:
        values = data.get("indicators") or []
        achieved = [str(values[i] if i < len(values) else "").strip()
                    for i in range(len(report.indicators))]
        for i, value in enumerate(achieved):
            if len(value) > 100:
                errors[f"indicators-{i}-achieved"] = "Cette valeur fait au plus 100 caractères."
    expenses = _expenses(data.get("expenses"), errors) if "expenses" in data else None
    if errors:
        raise ServiceError("Le bilan n'a pas été enregistré : corrigez les champs signalés.",
                           errors=errors)
    diff = audit.diff({k: getattr(report, k) for k in changes}, changes)
    for key, value in changes.items():
        setattr(report, key, value)
    if achieved is not None:
        old = [ind.achieved for ind in report.indicators]
        for ind, value in zip(report.indicators, achieved):
            ind.achieved = value
        if old != achieved:
            diff["indicators"] = [old, achieved]
    if expenses is not None:
        old = [(e.category, str(e.amount), e.label) for e in report.expenses]
        new = [(e.category, str(e.amount), e.label) for e in expenses]
        if old != new:
            report.expenses = expenses
            diff["expenses"] = [old, new]
    db.session.flush()
    if diff:
        audit.record(user, "report_saved", report, diff)
    return report


def add_attachment(user: User, dossier: Dossier, filename: str, data: bytes) -> ReportAttachment:
    """A supporting document (invoices, attendance sheets…), checked like a dossier's pieces."""
    report = get_or_create(user, dossier)
    checked = uploads.check_upload(filename, data)
    attachment = ReportAttachment(filename=checked.filename, content_type=checked.content_type,
                                  size=checked.size, sha256=checked.sha256,
                                  storage_key=uploads.store(f"reports/{dossier.id}", checked),
                                  uploaded_by_id=user.id)
    report.attachments.append(attachment)
    db.session.flush()
    audit.record(user, "report_attachment_added", report,
                 {"attachment_id": attachment.id, "filename": checked.filename,
                  "sha256": checked.sha256})
    return attachment


def attachment_of(dossier: Dossier, attachment_id: int) -> ReportAttachment:
    report = report_of(dossier)
    attachment = db.session.get(ReportAttachment, attachment_id)
    if report is None or attachment is None or attachment.report_id != report.id:
        raise NotFound()
    return attachment


def remove_attachment(user: User, dossier: Dossier, attachment_id: int) -> str:
    """Remove a document while the report is editable; returns its file name."""
    report = _require_editable(user, dossier)
    attachment = attachment_of(dossier, attachment_id)
    report.attachments.remove(attachment)
    db.session.flush()
    audit.record(user, "report_attachment_removed", report,
                 {"attachment_id": attachment_id, "filename": attachment.filename,
                  "sha256": attachment.sha256})
    return attachment.filename


def read_attachment(user: User, dossier: Dossier, attachment_id: int) -> tuple[ReportAttachment, bytes]:
    require_dossier(user, Permission.VIEW_GRANT, dossier)
    attachment = attachment_of(dossier, attachment_id)
    return attachment, uploads.read(attachment.storage_key)


# ---------------------------------------------------------------- submission

def missing_parts(report: FinalReport | None) -> dict[str, str]:
    """What still prevents submission, field → French message (empty when complete)."""
    out: dict[str, str] = {}
    if report is None or not report.actions_carried_out.strip():
        out["actions_carried_out"] = "Décrivez les actions menées."
    if report is None or report.young_reached is None:
        out["young_reached"] = "Indiquez le nombre de jeunes touchés."
    for i, ind in enumerate(report.indicators if report else []):
        if not ind.achieved.strip():
            out[f"indicators-{i}-achieved"] = f"Indiquez la valeur atteinte pour « {ind.name} »."
    if report is None or not report.expenses:
        out["expenses"] = "Indiquez au moins une dépense réalisée."
    return out


def submit(user: User, dossier: Dossier) -> FinalReport:
    """The head submits the report: every part required; late (after the due date) is accepted
    but flagged; the dossier moves to reporting."""
    _require_editable(user, dossier)
    require(user, Permission.SUBMIT_REPORT, dossier,
            message="Seul le chef d'établissement peut déposer le bilan final.")
    report = get_or_create(user, dossier)
    problems = missing_parts(report)
    if problems:
        raise ServiceError("Le bilan ne peut pas être déposé : " + " ".join(problems.values()),
                           errors=problems)
    before, after = workflow.transition(dossier, "submit_report")
    previous = report.status
    report.status = ReportStatus.submitted
    report.submitted_at = utcnow()
    report.submitted_by_id = user.id
    db.session.flush()
    late = is_late(report, dossier)
    audit.record(user, "report_submitted", report,
                 {"status": [previous.value, report.status.value], "late": late,
                  "expenses_total": report.expenses_total})
    audit.record(user, "dossier_reporting", dossier, {"status": [before.value, after.value]})
    agreement = agreement_of(dossier)
    notify_establishment(dossier, f"Bilan final du dossier {dossier.reference} déposé",
                         f"Le bilan final du dossier « {dossier.title} » a été déposé le "
                         f"{format_datetime(report.submitted_at)} par {user.full_name}"
                         + (f", après la date limite du {format_date(agreement.report_due_on)} "
                            "(déposé en retard)" if late else "")
                         + f".\n\nDépenses déclarées : {format_money(report.expenses_total)}.\n"
                         "Les services financeurs vont l'examiner.")
    return report


# ---------------------------------------------------------------- review

def _submitted(user: User, dossier: Dossier, lock: bool = False) -> FinalReport:
    """The submitted report an officer reviews; an officer gets a clear reason when there is none
    (already validated, even on a dossier since closed), others the policy's 404/403. With `lock`
    the report row is locked and re-read (SELECT … FOR UPDATE): the two funders' validations and
    a request for corrections are serialised."""
    require_dossier(user, Permission.VIEW_GRANT, dossier)
    report = report_of(dossier)
    if report is not None and lock:
        report = db.session.scalars(select(FinalReport).where(FinalReport.id == report.id)
                                    .with_for_update()
                                    .execution_options(populate_existing=True)).one()
    if (report is not None and report.status == ReportStatus.validated
            and can(user, Permission.MANAGE_AGREEMENT, dossier)):
        raise Conflict(f"Le bilan a déjà été validé le {format_datetime(report.reviewed_at)}.")
    require(user, Permission.REVIEW_REPORT, dossier,
            message="Seuls les agents budgétaires examinent le bilan final.")
    if report is None or report.status != ReportStatus.submitted \
            or dossier.status != DossierStatus.reporting:
        raise Conflict("Aucun bilan déposé n'attend d'examen sur ce dossier.")
    return report


def request_corrections(user: User, dossier: Dossier, message: str) -> FinalReport:
    """An officer sends the report back with what to correct; the establishment edits it again.
    Refused once a funder validated its part (what each funder owes is fixed then)."""
    report = _submitted(user, dossier, lock=True)
    done = [part for part in parts(report, dossier) if part.validated_at is not None]
    if done:
        raise Conflict(" ; ".join(part.text for part in done) + " : des corrections ne peuvent "
                       "plus être demandées sur ce bilan.")
    message = (message or "").strip()
    if not message:
        raise ServiceError("Indiquez ce que l'établissement doit corriger.", field="message")
    if len(message) > 5000:
        raise ServiceError("Le message fait au plus 5 000 caractères.", field="message")
    before, after = workflow.transition(dossier, "request_report_corrections")
    report.status = ReportStatus.corrections_requested
    report.correction_message = message
    report.reviewed_at = utcnow()
    report.reviewed_by_id = user.id
    db.session.flush()
    audit.record(user, "report_corrections_requested", report, {"message": message})
    audit.record(user, "dossier_funded", dossier, {"status": [before.value, after.value]})
    notify_establishment(dossier, f"Bilan du dossier {dossier.reference} : corrections demandées",
                         f"Les services financeurs demandent de corriger le bilan final du "
                         f"dossier « {dossier.title} » :\n\n{message}\n\nModifiez le bilan sur le "
                         "portail puis déposez-le à nouveau.")
    return report


STALE = ("Le bilan a changé depuis l'affichage (une autre validation, un versement ou un "
         "reversement a été enregistré entre-temps) : vérifiez le règlement ci-dessous avant de "
         "valider.")


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
        raise ServiceError("Vous êtes agent budgétaire de l’État et de la Région : choisissez la "
                           "part du bilan que vous validez.", field="funder")
    if not mine:
        raise PermissionDenied("Seuls les agents budgétaires d'un financeur du dossier valident "
                               "sa part du bilan final.")
    return mine[0]


def validate(user: User, dossier: Dossier, funder=None, expected_version=None,
             fingerprint=None) -> PartValidated:
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
    require(user, Permission.MANAGE_MONEY, funder,
            message=f"Seuls les agents budgétaires {OF_FUNDER[funder]} valident sa part du bilan.")
    at = validated_at(report, funder)
    if at is not None:
        by = db.session.get(User, validated_by_id(report, funder))
        raise Conflict(f"La part {OF_FUNDER[funder]} du bilan a déjà été validée le "
                       f"{format_datetime(at)}" + (f" par {by.full_name}" if by else "") + ".")
    if funder not in {c.funder for c in active_commitments(dossier)}:
        raise PermissionDenied(f"Aucun engagement {OF_FUNDER[funder]} n'est actif sur ce "
                               "dossier : seuls les agents budgétaires de ses financeurs "
                               "valident le bilan.")
    if expected_version is not None and str(expected_version).strip() != str(report.version):
        raise Conflict(STALE)
    if fingerprint is not None and fingerprint != preview_fingerprint(
            report, settlement_preview(dossier, report)):
        raise Conflict(STALE)
    first = not dues_fixed(report)
    if first:
        report.justified_amount = report.expenses_total
        dues = money.due_per_funder({c.funder: c.amount for c in active_commitments(dossier)},
                                    report.justified_amount)
        report.due_state = dues.get(Institution.state)
        report.due_region = dues.get(Institution.region)
    owed = stored_due(report, funder)
    if owed is None:
        raise Conflict(f"Aucun montant dû {OF_FUNDER[funder]} n'a été fixé à la première "
                       "validation : la part ne peut pas être validée.")
    now = utcnow()
    setattr(report, f"{funder.value}_validated_by_id", user.id)
    setattr(report, f"{funder.value}_validated_at", now)
    pending = pending_funders(report, dossier)
    if not pending:
        report.status = ReportStatus.validated
        report.reviewed_at = now
        report.reviewed_by_id = user.id
    db.session.flush()
    changes = {"funder": funder.value, "due": owed, "justified_amount": report.justified_amount}
    if first:
        changes["dues"] = {"state": report.due_state, "region": report.due_region}
    audit.record(user, "report_part_validated", report, changes)
    if not pending:
        audit.record(user, "report_validated", report,
                     {"justified_amount": report.justified_amount,
                      "status": [ReportStatus.submitted.value, ReportStatus.validated.value]})
    due, balance, clawback = settle_funder_on_report(user, dossier, funder, owed,
                                                     justified=report.justified_amount)
    result = PartValidated(funder, due, balance, clawback, pending)
    _notify_part(dossier, report, result)
    return result


def _notify_part(dossier: Dossier, report: FinalReport, result: PartValidated) -> None:
    """The establishment learns what this funder will still pay, or claim back."""
    of = OF_FUNDER[result.funder]
    if result.clawback > 0:
        outcome = (f"un reversement de {format_money(result.clawback)} vous sera demandé "
                   "(trop-perçu)")
    elif result.balance > 0:
        outcome = f"solde à recevoir : {format_money(result.balance)}"
    else:
        outcome = "entièrement versé"
    after = ("Le bilan est entièrement validé." if result.complete else
             " ".join(f"La part {OF_FUNDER[f]} reste à valider par ses services."
                      for f in result.pending))
    if dossier.status == DossierStatus.closed:
        after += " Le dossier est soldé."
    subject = (f"Bilan du dossier {dossier.reference} validé" if result.complete
               else f"Bilan du dossier {dossier.reference} : part {of} validée")
    notify_establishment(dossier, subject,
                         f"Les services {of} ont validé leur part du bilan final du dossier "
                         f"« {dossier.title} ». Dépenses justifiées : "
                         f"{format_money(report.justified_amount)}.\n\n"
                         f"- Part {of} : montant dû {format_money(result.due)} ; {outcome}.\n\n"
                         + after)
