"""The final report's pages (/financement/dossiers/<id>/bilan…): written and submitted by the
establishment, its documents, reviewed by the funders' officers (corrections, each funder's part
validated).

Thin views: load the dossier (404 for who may not read it), call funding.services.reports, commit
once, flash, redirect; a refusal re-renders the report page with the error on its field (400, 409).
"""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from applications.models import EXPENSE_CATEGORIES, Dossier, DossierStatus
from portal.db import utcnow
from portal.errors import ServiceError
from portal.formatting import format_money
from portal.permissions import Permission, can
from portal.reference import OUTCOMES, YOUNG_CATEGORIES
from portal.storage import send_stored
from portal.web import done, refused, status_of

from .. import money
from ..forms import ConfirmForm, CorrectionsForm, ReportAttachmentForm, ReportForm
from ..models import ReportStatus
from ..services import OF_FUNDER, agreements, reports
from ..services import report_outcomes as figures
from . import bp
from .grants import first_unplaced, form_errors_of, grant_dossier, grant_url, upload_of


def _planned_by_category(dossier: Dossier) -> dict:
    planned = {key: money.ZERO for key in EXPENSE_CATEGORIES}
    for line in dossier.expenses:
        planned[line.category] = planned.get(line.category, money.ZERO) + line.amount
    return planned


def _report_page(
    dossier: Dossier,
    form: ReportForm | None = None,
    status: int = 200,
    form_errors=None,
    error: str | None = None,
    attachment_form=None,
    corrections_form=None,
    funder_error: str | None = None,
):
    report = reports.report_of(dossier)
    editable = can(current_user, Permission.EDIT_REPORT, dossier) and (
        report is None or report.status in reports.EDITABLE
    )
    may_review = (
        report is not None
        and report.status == ReportStatus.submitted
        and can(current_user, Permission.REVIEW_REPORT, dossier)
    )
    if form is None:
        form = ReportForm.for_report(report, dossier)
    spent = {e.category: e.amount for e in (report.expenses if report else [])}
    if corrections_form is not None or attachment_form is not None:
        form_errors = (form_errors or []) + form_errors_of(corrections_form, attachment_form)
    if funder_error:
        form_errors = (form_errors or []) + [("funder", funder_error)]
    preview = reports.settlement_preview(dossier, report) if may_review else []
    return render_template(
        "funding/grant/report.html",
        dossier=dossier,
        report=report,
        form=form,
        editable=editable,
        may_review=may_review,
        form_errors=form_errors,
        error=error,
        agreement=agreements.agreement_of(dossier),
        late=reports.is_late(report, dossier),
        due_at=reports.report_due_at(dossier),
        now=utcnow(),
        expenses_error=next((m for anchor, m in form_errors or [] if anchor == "expenses"), None),
        indicators=figures.indicator_lines(report, dossier),
        young_categories=YOUNG_CATEGORIES,
        outcome_labels=OUTCOMES,
        reach=figures.reach_of(report),
        outcomes=figures.outcomes_of(report),
        may_consent=figures.may_consent(current_user, dossier),
        consent_consequences=figures.WITHDRAW_CONSEQUENCES,
        count_errors={
            anchor: m for anchor, m in form_errors or [] if anchor in ("reach", "outcomes")
        },
        categories=EXPENSE_CATEGORIES,
        planned=_planned_by_category(dossier),
        spent=spent,
        preview=preview,
        report_parts=reports.parts(report, dossier),
        justified=reports.justified_of(report) if report else None,
        fingerprint=reports.preview_fingerprint(report, preview) if may_review else "",
        validatable=reports.validatable_funders(current_user, report, dossier),
        may_correct=may_review and not reports.dues_fixed(report),
        funder_error=funder_error,
        of_funder=OF_FUNDER,
        attachment_form=attachment_form or ReportAttachmentForm(formdata=None),
        corrections_form=corrections_form or CorrectionsForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        rounding_rule=money.ROUNDING_RULE,
    ), status


def _report_url(dossier: Dossier, anchor: str | None = None) -> str:
    return url_for("funding.report", dossier_id=dossier.id, _anchor=anchor)


@bp.route("/dossiers/<int:dossier_id>/bilan", methods=["GET", "POST"])
@login_required
def report(dossier_id: int):
    dossier = grant_dossier(dossier_id)
    if request.method == "GET":
        return _report_page(dossier)
    form = ReportForm.for_report(reports.report_of(dossier), dossier, formdata=request.form)
    submitting = request.form.get("action") == "submit"
    try:
        reports.save(current_user, dossier, form.service_data())
        if submitting:
            reports.submit(current_user, dossier)
    except ServiceError as exc:
        refused(exc)  # the report's rows are nested fields: attach_errors places the messages
        problems = dict(exc.errors or {})
        attachment_form = None
        if "attachments" in problems:  # no supporting document: the message goes on the upload
            attachment_form = ReportAttachmentForm(formdata=None)
            attachment_form.file.errors = [problems.pop("attachments")]
        errors = form.attach_errors(problems) if problems else []
        return _report_page(
            dossier,
            form,
            status_of(exc),
            form_errors=errors,
            error=None if errors or attachment_form else exc.message,
            attachment_form=attachment_form,
        )
    if submitting:
        late = reports.is_late(reports.report_of(dossier), dossier)
        return done(
            "Le bilan final a été déposé ; les services financeurs vont l'examiner."
            + (
                " Il est déposé après la date limite : il est signalé « déposé en retard »."
                if late
                else ""
            ),
            grant_url(dossier, "bilan"),
        )
    return done("Le brouillon du bilan a été enregistré.", _report_url(dossier))


@bp.post("/dossiers/<int:dossier_id>/bilan/pieces")
@login_required
def report_attachment(dossier_id: int):
    dossier = grant_dossier(dossier_id)
    form = ReportAttachmentForm()
    filename, data = upload_of()
    try:
        form.check_input()
        reports.add_attachment(current_user, dossier, filename, data)
    except ServiceError as exc:
        error = first_unplaced(refused(exc, form))
        return _report_page(dossier, status=status_of(exc), attachment_form=form, error=error)
    return done(f"La pièce « {filename} » a été jointe au bilan.", _report_url(dossier, "pieces"))


@bp.post("/dossiers/<int:dossier_id>/bilan/pieces/<int:attachment_id>/supprimer")
@login_required
def remove_report_attachment(dossier_id: int, attachment_id: int):
    dossier = grant_dossier(dossier_id)
    try:
        filename = reports.remove_attachment(current_user, dossier, attachment_id)
    except ServiceError as exc:
        refused(exc)
        return _report_page(dossier, status=status_of(exc), error=exc.message)
    return done(f"La pièce « {filename} » a été retirée du bilan.", _report_url(dossier, "pieces"))


@bp.get("/dossiers/<int:dossier_id>/bilan/pieces/<int:attachment_id>")
@login_required
def download_report_attachment(dossier_id: int, attachment_id: int):
    dossier = grant_dossier(dossier_id)
    attachment, chunks = reports.read_attachment(current_user, dossier, attachment_id)
    return send_stored(
        chunks, mimetype=attachment.content_type, filename=attachment.filename, size=attachment.size
    )


@bp.post("/dossiers/<int:dossier_id>/bilan/validation")
@login_required
def validate_report(dossier_id: int):
    """An officer validates their own funder's part; the form posts the part (`funder`), the
    report's `version` and the preview's digest (`preview`): a stale page is refused (409)."""
    dossier = grant_dossier(dossier_id)
    try:
        result = reports.validate(
            current_user,
            dossier,
            request.form.get("funder") or None,
            expected_version=request.form.get("version", ""),
            fingerprint=request.form.get("preview") or None,
        )
    except ServiceError as exc:
        refused(exc)
        on_funder = exc.field == "funder"
        return _report_page(
            dossier,
            status=status_of(exc),
            error=None if on_funder else exc.message,
            funder_error=exc.message if on_funder else None,
        )
    outcome = (
        f"un reversement de {format_money(result.clawback)} est à demander"
        if result.clawback > 0
        else f"un solde de {format_money(result.balance)} reste à verser"
        if result.balance > 0
        else "tout est versé"
    )
    after = (
        " Le bilan est entièrement validé."
        if result.complete
        else "".join(
            f" La part {OF_FUNDER[f]} reste à valider par ses services." for f in result.pending
        )
    )
    return done(
        f"La part {OF_FUNDER[result.funder]} du bilan est validée : {outcome}.{after}"
        + (" Le dossier est soldé." if dossier.status == DossierStatus.closed else ""),
        grant_url(dossier, "bilan"),
    )


@bp.post("/dossiers/<int:dossier_id>/bilan/corrections")
@login_required
def request_report_corrections(dossier_id: int):
    dossier = grant_dossier(dossier_id)
    form = CorrectionsForm()
    try:
        form.check_input()
        reports.request_corrections(current_user, dossier, form.message.data or "")
    except ServiceError as exc:
        error = first_unplaced(refused(exc, form))
        return _report_page(dossier, status=status_of(exc), corrections_form=form, error=error)
    return done(
        "La demande de corrections a été envoyée à l'établissement ; le bilan lui revient.",
        grant_url(dossier, "bilan"),
    )
