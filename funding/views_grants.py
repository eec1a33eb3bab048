"""Grant pages (/financement/dossiers/<id>…): the grant as the establishment and the officers see
it, the agreement (generation, PDF, signed copy, signature) and the final report.

Thin views: load the dossier (404 for who may not read it), call a service in funding.agreements
or funding.reports, commit once, flash, redirect; a refusal re-renders the page with the error on
its field (400, 409), a permission refusal is the policy's 403/404.
"""
from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from applications.models import EXPENSE_CATEGORIES, Dossier, DossierStatus
from portal.db import db
from portal.errors import NotFound, PermissionDenied, ServiceError
from portal.formatting import format_money
from applications.policy import require_dossier
from portal.permissions import Permission, can

from . import agreements, money, reports, uploads
from .forms_grants import (ConfirmForm, CorrectionsForm, GenerateAgreementForm, ReportAttachmentForm,
                           ReportForm, SignatureForm, SignedAgreementForm)
from .models import ReportStatus
from .services import OF_FUNDER, commitment_figures, commitments_of, granted_parts, today
from .views import bp


def _load(dossier_id: int) -> Dossier:
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound()
    require_dossier(current_user, Permission.VIEW_GRANT, dossier)
    return dossier


def _refused(exc: ServiceError) -> bool:
    return isinstance(exc, (PermissionDenied, NotFound))


def _grant_url(dossier: Dossier, anchor: str | None = None) -> str:
    return url_for("funding.grant", dossier_id=dossier.id, _anchor=anchor)


# ---------------------------------------------------------------- the grant page

def _grant_context(dossier: Dossier) -> dict:
    decision = agreements.final_decision(dossier)
    granted = granted_parts(decision) if decision else {}
    figures = sorted(commitment_figures(commitments_of(dossier)),
                     key=lambda f: agreements.FUNDERS.index(f.commitment.funder))
    committed = {f.commitment.funder for f in figures}
    payments = sorted((p for f in figures for p in f.commitment.payments),
                      key=lambda p: (p.paid_on, p.id))
    clawbacks = [c for f in figures for c in f.commitment.clawbacks]
    agreement = agreements.agreement_of(dossier)
    report = reports.report_of(dossier)
    accepted = dossier.status == DossierStatus.accepted
    unsigned = agreement is None or agreement.signed_on is None
    return {
        "dossier": dossier, "decision": decision, "figures": figures,
        "granted_total": sum(granted.values(), money.ZERO),
        "awaiting": [(f, amount) for f, amount in granted.items()
                     if amount > 0 and f not in committed],
        "payments": payments, "clawbacks": clawbacks,
        "paid_total": sum((p.amount for p in payments), money.ZERO),
        "to_pay_total": sum((max(f.to_pay, money.ZERO) for f in figures
                             if f.commitment.status.value == "active"), money.ZERO),
        "open_clawbacks_total": sum((f.open_clawbacks for f in figures), money.ZERO),
        "agreement": agreement,
        "schedule": agreements.payment_schedule(agreement) if agreement else [],
        "report": report, "report_late": reports.is_late(report, dossier),
        "report_parts": reports.parts(report, dossier),
        "may_generate": accepted and unsigned and can(current_user, Permission.MANAGE_AGREEMENT,
                                                      dossier),
        "may_upload": bool(agreement) and unsigned and can(current_user,
                                                           Permission.SIGN_AGREEMENT, dossier),
        "may_record": (bool(agreement) and unsigned and accepted
                       and can(current_user, Permission.MANAGE_AGREEMENT, dossier)),
        "may_write_report": can(current_user, Permission.EDIT_REPORT, dossier)
        and (report is None or report.status in reports.EDITABLE),
        "may_review": bool(report) and report.status == ReportStatus.submitted
        and can(current_user, Permission.REVIEW_REPORT, dossier),
        "rounding_rule": money.ROUNDING_RULE,
    }


def _grant_page(dossier: Dossier, status: int = 200, error: str | None = None, **forms):
    ctx = _grant_context(dossier)
    agreement = ctx["agreement"]
    ctx["generate_form"] = forms.get("generate_form") or GenerateAgreementForm(
        formdata=None, report_due_on=agreement.report_due_on.strftime("%d/%m/%Y")
        if agreement else "")
    ctx["signed_form"] = forms.get("signed_form") or SignedAgreementForm(formdata=None)
    ctx["signature_form"] = forms.get("signature_form") or SignatureForm(
        formdata=None, signed_on=today().strftime("%d/%m/%Y"))
    ctx["error"] = error
    ctx["form_errors"] = [(f.id, message) for form in forms.values() for f in form
                          for message in f.errors if f.name != "csrf_token"]
    return render_template("funding/grant/grant.html", **ctx), status


@bp.get("/dossiers/<int:dossier_id>")
@login_required
def grant(dossier_id: int):
    return _grant_page(_load(dossier_id))


def _act_on_grant(dossier: Dossier, form_name: str, form, action, success: str,
                  anchor: str):
    """Run an agreement service; on refusal re-render the grant page with the error on its field."""
    try:
        action()
    except ServiceError as exc:
        if _refused(exc):
            raise
        db.session.rollback()
        field = exc.field if exc.field and exc.field in form else None
        if field:
            form[field].errors = [exc.message]
        return _grant_page(dossier, exc.status, error=None if field else exc.message,
                           **{form_name: form})
    db.session.commit()
    flash(success, "success")
    return redirect(_grant_url(dossier, anchor))


@bp.post("/dossiers/<int:dossier_id>/convention")
@login_required
def generate_agreement(dossier_id: int):
    dossier = _load(dossier_id)
    form = GenerateAgreementForm()
    return _act_on_grant(
        dossier, "generate_form", form,
        lambda: agreements.generate(current_user, dossier, form.report_due_on.data),
        "La convention a été générée ; l'établissement peut la télécharger et la faire signer.",
        "convention")


@bp.get("/dossiers/<int:dossier_id>/convention.pdf")
@login_required
def agreement_pdf(dossier_id: int):
    dossier = _load(dossier_id)
    agreement = agreements.agreement_of(dossier)
    if agreement is None:
        raise NotFound("La convention de ce dossier n'a pas encore été générée.")
    return send_file(io.BytesIO(agreements.pdf(agreement)), mimetype="application/pdf",
                     as_attachment=True, download_name=agreements.pdf_filename(agreement))


@bp.post("/dossiers/<int:dossier_id>/convention-signee")
@login_required
def upload_signed_agreement(dossier_id: int):
    dossier = _load(dossier_id)
    form = SignedAgreementForm()
    upload = request.files.get("file")
    filename = upload.filename if upload else ""
    data = upload.read() if upload else b""
    return _act_on_grant(
        dossier, "signed_form", form,
        lambda: agreements.upload_signed(current_user, dossier, filename, data),
        f"La convention signée « {filename} » a été déposée ; les services financeurs vont "
        "enregistrer la signature.", "convention")


@bp.get("/dossiers/<int:dossier_id>/convention-signee")
@login_required
def signed_agreement(dossier_id: int):
    dossier = _load(dossier_id)
    agreement = agreements.read_signed(current_user, dossier)
    return send_file(io.BytesIO(uploads.read(agreement.signed_key)), mimetype="application/pdf",
                     as_attachment=True, download_name=agreement.signed_filename)


@bp.post("/dossiers/<int:dossier_id>/signature")
@login_required
def record_signature(dossier_id: int):
    dossier = _load(dossier_id)
    form = SignatureForm()
    return _act_on_grant(
        dossier, "signature_form", form,
        lambda: agreements.record_signature(current_user, dossier, form.signed_on.data),
        "La signature est enregistrée : le dossier est conventionné et l'établissement a été "
        "prévenu.", "convention")


# ---------------------------------------------------------------- the final report

def _planned_by_category(dossier: Dossier) -> dict:
    planned = {key: money.ZERO for key in EXPENSE_CATEGORIES}
    for line in dossier.expenses:
        planned[line.category] = planned.get(line.category, money.ZERO) + line.amount
    return planned


def _report_page(dossier: Dossier, form: ReportForm | None = None, status: int = 200,
                 form_errors=None, error: str | None = None, attachment_form=None,
                 corrections_form=None, funder_error: str | None = None):
    report = reports.report_of(dossier)
    editable = (can(current_user, Permission.EDIT_REPORT, dossier)
                and (report is None or report.status in reports.EDITABLE))
    may_review = (report is not None and report.status == ReportStatus.submitted
                  and can(current_user, Permission.REVIEW_REPORT, dossier))
    if form is None:
        form = ReportForm.for_report(report, dossier)
    spent = {e.category: e.amount for e in (report.expenses if report else [])}
    for other in (corrections_form, attachment_form):
        if other is not None:
            form_errors = (form_errors or []) + [(f.id, m) for f in other for m in f.errors
                                                 if f.name != "csrf_token"]
    if funder_error:
        form_errors = (form_errors or []) + [("funder", funder_error)]
    preview = reports.settlement_preview(dossier, report) if may_review else []
    report_parts = reports.parts(report, dossier)
    return render_template(
        "funding/grant/report.html", dossier=dossier, report=report, form=form,
        editable=editable, may_review=may_review, form_errors=form_errors, error=error,
        agreement=agreements.agreement_of(dossier), late=reports.is_late(report, dossier),
        expenses_error=next((m for anchor, m in form_errors or [] if anchor == "expenses"), None),
        indicators=report.indicators if report else dossier.indicators,
        categories=EXPENSE_CATEGORIES, planned=_planned_by_category(dossier), spent=spent,
        preview=preview, report_parts=report_parts,
        justified=reports.justified_of(report) if report else None,
        fingerprint=reports.preview_fingerprint(report, preview) if may_review else "",
        validatable=reports.validatable_funders(current_user, report, dossier),
        may_correct=may_review and not reports.dues_fixed(report),
        funder_error=funder_error, of_funder=OF_FUNDER,
        attachment_form=attachment_form or ReportAttachmentForm(formdata=None),
        corrections_form=corrections_form or CorrectionsForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None), rounding_rule=money.ROUNDING_RULE), status


@bp.route("/dossiers/<int:dossier_id>/bilan", methods=["GET", "POST"])
@login_required
def report(dossier_id: int):
    dossier = _load(dossier_id)
    if request.method == "GET":
        return _report_page(dossier)
    form = ReportForm.for_report(reports.report_of(dossier), dossier, formdata=request.form)
    submitting = request.form.get("action") == "submit"
    try:
        reports.save(current_user, dossier, form.service_data())
        if submitting:
            reports.submit(current_user, dossier)
    except ServiceError as exc:
        if _refused(exc):
            raise
        db.session.rollback()
        errors = form.attach_errors(exc.errors) if exc.errors else None
        return _report_page(dossier, form, exc.status, form_errors=errors,
                            error=None if errors else exc.message)
    db.session.commit()
    if submitting:
        flash("Le bilan final a été déposé ; les services financeurs vont l'examiner."
              + (" Il est déposé après la date limite : il est signalé « déposé en retard »."
                 if reports.is_late(reports.report_of(dossier), dossier) else ""), "success")
        return redirect(_grant_url(dossier, "bilan"))
    flash("Le brouillon du bilan a été enregistré.", "success")
    return redirect(url_for("funding.report", dossier_id=dossier.id))


@bp.post("/dossiers/<int:dossier_id>/bilan/pieces")
@login_required
def report_attachment(dossier_id: int):
    dossier = _load(dossier_id)
    form = ReportAttachmentForm()
    upload = request.files.get("file")
    filename = upload.filename if upload else ""
    data = upload.read() if upload else b""
    try:
        reports.add_attachment(current_user, dossier, filename, data)
    except ServiceError as exc:
        if _refused(exc):
            raise
        db.session.rollback()
        if exc.field == "file":
            form.file.errors = [exc.message]
        return _report_page(dossier, status=exc.status, attachment_form=form,
                            error=None if exc.field == "file" else exc.message)
    db.session.commit()
    flash(f"La pièce « {filename} » a été jointe au bilan.", "success")
    return redirect(url_for("funding.report", dossier_id=dossier.id, _anchor="pieces"))


@bp.post("/dossiers/<int:dossier_id>/bilan/pieces/<int:attachment_id>/supprimer")
@login_required
def remove_report_attachment(dossier_id: int, attachment_id: int):
    dossier = _load(dossier_id)
    try:
        filename = reports.remove_attachment(current_user, dossier, attachment_id)
    except ServiceError as exc:
        if _refused(exc):
            raise
        db.session.rollback()
        return _report_page(dossier, status=exc.status, error=exc.message)
    db.session.commit()
    flash(f"La pièce « {filename} » a été retirée du bilan.", "success")
    return redirect(url_for("funding.report", dossier_id=dossier.id, _anchor="pieces"))


@bp.get("/dossiers/<int:dossier_id>/bilan/pieces/<int:attachment_id>")
@login_required
def download_report_attachment(dossier_id: int, attachment_id: int):
    dossier = _load(dossier_id)
    attachment, data = reports.read_attachment(current_user, dossier, attachment_id)
    return send_file(io.BytesIO(data), mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.filename)


@bp.post("/dossiers/<int:dossier_id>/bilan/validation")
@login_required
def validate_report(dossier_id: int):
    """An officer validates their own funder's part; the form posts the part (`funder`), the
    report's `version` and the preview's digest (`preview`): a stale page is refused (409)."""
    dossier = _load(dossier_id)
    try:
        result = reports.validate(current_user, dossier, request.form.get("funder") or None,
                                  expected_version=request.form.get("version", ""),
                                  fingerprint=request.form.get("preview") or None)
    except ServiceError as exc:
        if _refused(exc):
            raise
        db.session.rollback()
        return _report_page(dossier, status=exc.status,
                            error=None if exc.field == "funder" else exc.message,
                            funder_error=exc.message if exc.field == "funder" else None)
    db.session.commit()
    outcome = (f"un reversement de {format_money(result.clawback)} est à demander"
               if result.clawback > 0
               else f"un solde de {format_money(result.balance)} reste à verser"
               if result.balance > 0 else "tout est versé")
    after = (" Le bilan est entièrement validé." if result.complete
             else "".join(f" La part {OF_FUNDER[f]} reste à valider par ses services."
                          for f in result.pending))
    flash(f"La part {OF_FUNDER[result.funder]} du bilan est validée : {outcome}.{after}"
          + (" Le dossier est soldé." if dossier.status == DossierStatus.closed else ""),
          "success")
    return redirect(_grant_url(dossier, "bilan"))


@bp.post("/dossiers/<int:dossier_id>/bilan/corrections")
@login_required
def request_report_corrections(dossier_id: int):
    dossier = _load(dossier_id)
    form = CorrectionsForm()
    try:
        reports.request_corrections(current_user, dossier, form.message.data or "")
    except ServiceError as exc:
        if _refused(exc):
            raise
        db.session.rollback()
        if exc.field == "message":
            form.message.errors = [exc.message]
        return _report_page(dossier, status=exc.status, corrections_form=form,
                            error=None if exc.field == "message" else exc.message)
    db.session.commit()
    flash("La demande de corrections a été envoyée à l'établissement ; le bilan lui revient.",
          "success")
    return redirect(_grant_url(dossier, "bilan"))
