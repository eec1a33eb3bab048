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

from applications import workflow
from applications.models import EXPENSE_CATEGORIES, Dossier, DossierStatus
from applications.policy import require_dossier
from applications.services import notify_establishment
from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, NotFound, ServiceError
from portal.formatting import format_date, format_datetime, format_integer, format_money
from portal.models import User
from portal.permissions import Permission, can, require
from portal.reference import OUTCOMES, YOUNG_CATEGORIES
from portal.storage import Chunks

from .. import uploads
from ..models import FinalReport, ReportAttachment, ReportExpense, ReportIndicator, ReportStatus
from ..workflow import REPORT
from . import report_outcomes as figures
from .agreements import agreement_of
from .common import parse_money
from .notices import report_deposited

# the report's reading side and its review, under the one name the pages and the API use
from .report_parts import (  # noqa: F401
    FUNDERS,
    SettlementLine,
    active_commitments,
    dues_fixed,
    is_late,
    justified_of,
    parts,
    pending_funders,
    report_due_at,
    report_of,
    settlement_preview,
    stored_due,
    validatable_funders,
    validated_at,
    validated_by_id,
)
from .report_parts import fingerprint as preview_fingerprint  # noqa: F401
from .report_review import STALE, PartValidated, request_corrections, validate  # noqa: F401

EDITABLE = (ReportStatus.draft, ReportStatus.corrections_requested)
TEXT_LIMIT = 10_000
MAX_YOUNG = 100_000


def _is_own(user: User, dossier: Dossier) -> bool:
    """Someone of the establishment who may see its grant (they get the clear refusals)."""
    return user.establishment_id == dossier.establishment_id and can(
        user, Permission.VIEW_GRANT, dossier
    )


def _require_editable(user: User, dossier: Dossier) -> FinalReport | None:
    """The establishment may write while the dossier is funded and the report not submitted;
    its members get a clear reason otherwise, others the policy's 404/403."""
    require_dossier(user, Permission.VIEW_GRANT, dossier)
    report = report_of(dossier)
    if _is_own(user, dossier):
        if dossier.status == DossierStatus.closed:
            raise Conflict(
                f"Le dossier {dossier.reference} est soldé : le bilan ne peut plus "
                "être déposé ni modifié."
            )
        if dossier.status == DossierStatus.accepted:
            raise Conflict(
                "La convention n'est pas encore signée : le bilan se rédige une fois le "
                "dossier conventionné."
            )
        if dossier.status == DossierStatus.reporting or (report and report.status not in EDITABLE):
            raise Conflict(
                "Le bilan a déjà été déposé : il ne peut plus être modifié, sauf si les "
                "services financeurs demandent des corrections."
            )
    require(
        user,
        Permission.EDIT_REPORT,
        dossier,
        message="Seul l'établissement porteur rédige le bilan final.",
    )
    return report


def get_or_create(user: User, dossier: Dossier) -> FinalReport:
    """The report being written; created as a draft listing the dossier's indicators."""
    report = _require_editable(user, dossier)
    if report is not None:
        return report
    report = FinalReport(dossier_id=dossier.id, status=ReportStatus.draft)
    report.indicators = [
        ReportIndicator(position=i, name=ind.name, target=ind.target, indicator_id=ind.id)
        for i, ind in enumerate(dossier.indicators)
    ]
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
        errors["young_reached"] = (
            f"Indiquez un nombre entier de jeunes, entre 0 et {format_integer(MAX_YOUNG)}."
        )
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
        lines.append(
            ReportExpense(
                position=list(EXPENSE_CATEGORIES).index(category),
                category=category,
                label=label,
                amount=amount,
            )
        )
    return sorted(lines, key=lambda line: line.position)


def save(user: User, dossier: Dossier, data: dict) -> FinalReport:
    """Save a draft: any subset of `actions_carried_out`, `reach` ({category: count}), `outcomes`
    ({outcome: count}), `indicators` (values achieved, in the dossier's order: numbers, or an
    older report's free text), `expenses` (rows {category, amount, label}) and, for the head
    only, `publication_consent` (True gives it). `young_reached` is the sum of `reach` (a total
    sent with it must match; alone, it is kept as given). All or nothing, errors keyed by field
    (`reach-at_risk`, `outcomes`, `indicators-0-achieved`, `expenses-1-amount`…)."""
    report = get_or_create(user, dossier)
    errors: dict[str, str] = {}
    changes: dict = {}
    if "actions_carried_out" in data:
        text = str(data.get("actions_carried_out") or "").strip()
        if len(text) > TEXT_LIMIT:
            errors["actions_carried_out"] = (
                f"Ce texte fait au plus {format_integer(TEXT_LIMIT)} caractères."
            )
        changes["actions_carried_out"] = text
    reach = outcomes = None
    if "reach" in data:
        reach = figures.parse_counts(data.get("reach"), YOUNG_CATEGORIES, "reach", errors)
        figures.check_young_reached(data.get("young_reached"), reach, errors)
    elif "young_reached" in data:
        changes["young_reached"] = _young(data.get("young_reached"), errors)
    if "outcomes" in data:
        outcomes = figures.parse_counts(data.get("outcomes"), OUTCOMES, "outcomes", errors)
    figures.check_sums(
        reach if reach is not None else figures.reach_of(report),
        outcomes if outcomes is not None else figures.outcomes_of(report),
        errors,
    )
    achieved = None
    if "indicators" in data:
        values = data.get("indicators")
        if not isinstance(values, list):
            errors["indicators"] = "Liste des valeurs atteintes illisible."
        else:
            achieved = figures.indicator_values(report, values, errors)
    expenses = _expenses(data.get("expenses"), errors) if "expenses" in data else None
    consent = data.get("publication_consent") is True
    if consent and not report.publication_consent:
        require(user, Permission.CONSENT_PUBLICATION, dossier, message=figures.HEAD_ONLY)
    if errors:
        raise ServiceError(
            "Le bilan n'a pas été enregistré : corrigez les champs signalés.", errors=errors
        )
    diff = audit.diff({k: getattr(report, k) for k in changes}, changes)
    for key, value in changes.items():
        setattr(report, key, value)
    figures.apply_counts(report, reach, outcomes, diff)
    if achieved is not None:
        figures.apply_indicators(report, achieved, diff)
    if expenses is not None:
        old = [(e.category, str(e.amount), e.label) for e in report.expenses]
        new = [(e.category, str(e.amount), e.label) for e in expenses]
        if old != new:
            report.expenses = expenses
            diff["expenses"] = [old, new]
    db.session.flush()
    if diff:
        audit.record(user, "report_saved", report, diff)
    if consent and not report.publication_consent:
        figures.set_consent(user, dossier, True)
    return report


def add_attachment(user: User, dossier: Dossier, filename: str, data: bytes) -> ReportAttachment:
    """A supporting document (invoices, attendance sheets…), checked like a dossier's pieces."""
    report = get_or_create(user, dossier)
    checked = uploads.check_upload(filename, data)
    attachment = ReportAttachment(
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        storage_key=uploads.new_key(f"reports/{dossier.id}"),
        uploaded_by_id=user.id,
    )
    report.attachments.append(attachment)
    uploads.store(attachment.storage_key, checked)  # flushes the row, then writes the bytes
    audit.record(
        user,
        "report_attachment_added",
        report,
        {"attachment_id": attachment.id, "filename": checked.filename, "sha256": checked.sha256},
    )
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
    audit.record(
        user,
        "report_attachment_removed",
        report,
        {
            "attachment_id": attachment_id,
            "filename": attachment.filename,
            "sha256": attachment.sha256,
        },
    )
    return attachment.filename


def read_attachment(
    user: User, dossier: Dossier, attachment_id: int
) -> tuple[ReportAttachment, Chunks]:
    """The document and its bytes, streamed from the store."""
    require_dossier(user, Permission.VIEW_GRANT, dossier)
    attachment = attachment_of(dossier, attachment_id)
    return attachment, uploads.read(attachment.storage_key)


# ---------------------------------------------------------------- submission


def missing_parts(report: FinalReport | None) -> dict[str, str]:
    """What still prevents submission, field → French message (empty when complete)."""
    out: dict[str, str] = {}
    if report is None or not report.actions_carried_out.strip():
        out["actions_carried_out"] = "Décrivez les actions menées."
    out.update(figures.missing(report))
    if report is None or not report.expenses:
        out["expenses"] = "Indiquez au moins une dépense réalisée."
    if report is None or not report.attachments:
        out["attachments"] = (
            "Joignez au moins une pièce justificative (factures, feuilles d'émargement…) "
            "avant de déposer le bilan."
        )
    return out


def submit(user: User, dossier: Dossier) -> FinalReport:
    """The head submits the report: every part required; late (after the due date) is accepted
    but flagged; the dossier moves to reporting."""
    _require_editable(user, dossier)
    require(
        user,
        Permission.SUBMIT_REPORT,
        dossier,
        message="Seul le chef d'établissement peut déposer le bilan final.",
    )
    report = get_or_create(user, dossier)
    problems = missing_parts(report)
    if problems:
        raise ServiceError(
            "Le bilan ne peut pas être déposé : " + " ".join(problems.values()), errors=problems
        )
    before, after = workflow.transition(dossier, "submit_report")
    previous, _ = REPORT.transition(report, "submit")
    report.submitted_at = utcnow()
    report.submitted_by_id = user.id
    db.session.flush()
    late = is_late(report, dossier)
    audit.record(
        user,
        "report_submitted",
        report,
        {
            "status": [previous.value, report.status.value],
            "late": late,
            "expenses_total": report.expenses_total,
        },
    )
    audit.record(user, "dossier_reporting", dossier, {"status": [before.value, after.value]})
    agreement = agreement_of(dossier)
    notify_establishment(
        dossier,
        f"Bilan final du dossier {dossier.reference} déposé",
        f"Le bilan final du dossier « {dossier.title} » a été déposé le "
        f"{format_datetime(report.submitted_at)} par {user.full_name}"
        + (
            f", après la date limite du {format_date(agreement.report_due_on)} (déposé en retard)"
            if late
            else ""
        )
        + f".\n\nDépenses déclarées : {format_money(report.expenses_total)}.\n"
        "Les services financeurs vont l'examiner.",
    )
    report_deposited(dossier, agreement, late)
    return report
