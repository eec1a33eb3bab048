"""Grant pages (/financement/dossiers/<id>…): the grant as the establishment and the officers see
it, and its agreement (generation, PDF, signed copy, signature).

Thin views: load the dossier (404 for who may not read it), call a service in
funding.services.agreements, commit once, flash, redirect; a refusal re-renders the page with the
error on its field (400, 409), a permission refusal is the policy's 403/404.
"""

from __future__ import annotations

import io

from flask import render_template, request, send_file, url_for
from flask_login import current_user, login_required

from applications.models import Dossier, DossierStatus
from portal.errors import NotFound, ServiceError
from portal.formatting import format_date
from portal.permissions import Permission, can
from portal.storage import send_stored
from portal.web import done, load, refused, status_of

from .. import documents, money, uploads
from ..forms import GenerateAgreementForm, SignatureForm, SignedAgreementForm
from ..models import CommitmentStatus, ReportStatus
from ..services import agreements, commitment_figures, commitments_of, granted_parts, reports, today
from . import bp


def grant_dossier(dossier_id: int) -> Dossier:
    """The dossier of a grant page: 404 for who may not read its grant."""
    return load(Dossier, dossier_id, Permission.VIEW_GRANT, dossier=True)


def grant_url(dossier: Dossier, anchor: str | None = None) -> str:
    return url_for("funding.grant", dossier_id=dossier.id, _anchor=anchor)


def upload_of(field: str = "file") -> tuple[str, bytes]:
    """The posted file's name and bytes ("" and b"" when none)."""
    upload = request.files.get(field)
    return (upload.filename, upload.read()) if upload else ("", b"")


def form_errors_of(*forms) -> list[tuple[str, str]]:
    """(field id, message) of every error the forms carry (their CSRF token aside)."""
    return [
        (f.id, message)
        for form in forms
        if form is not None
        for f in form
        for message in f.errors
        if f.name != "csrf_token"
    ]


def first_unplaced(summary: list[tuple[str, str]]) -> str | None:
    """The refusal's message that belongs to no field (shown as the page's alert)."""
    return next((message for anchor, message in summary if not anchor), None)


# ---------------------------------------------------------------- the grant page


def _grant_context(dossier: Dossier) -> dict:
    decision = agreements.final_decision(dossier)
    granted = granted_parts(decision) if decision else {}
    figures = sorted(
        commitment_figures(commitments_of(dossier)),
        key=lambda f: agreements.FUNDERS.index(f.commitment.funder),
    )
    committed = {f.commitment.funder for f in figures}
    payments = sorted(
        (p for f in figures for p in f.commitment.payments), key=lambda p: (p.paid_on, p.id)
    )
    clawbacks = [c for f in figures for c in f.commitment.clawbacks]
    agreement = agreements.agreement_of(dossier)
    report = reports.report_of(dossier)
    accepted = dossier.status == DossierStatus.accepted
    unsigned = agreement is None or agreement.signed_on is None
    return {
        "dossier": dossier,
        "decision": decision,
        "figures": figures,
        "granted_total": sum(granted.values(), money.ZERO),
        "awaiting": [
            (f, amount) for f, amount in granted.items() if amount > 0 and f not in committed
        ],
        "payments": payments,
        "clawbacks": clawbacks,
        "paid_total": sum((p.amount for p in payments), money.ZERO),
        "to_pay_total": sum(
            (
                max(f.to_pay, money.ZERO)
                for f in figures
                if f.commitment.status == CommitmentStatus.active
            ),
            money.ZERO,
        ),
        "open_clawbacks_total": sum((f.open_clawbacks for f in figures), money.ZERO),
        "agreement": agreement,
        "schedule": agreements.payment_schedule(agreement) if agreement else [],
        "report": report,
        "report_late": reports.is_late(report, dossier),
        "report_parts": reports.parts(report, dossier),
        "may_consent": can(current_user, Permission.CONSENT_PUBLICATION, dossier),
        "may_generate": accepted
        and unsigned
        and can(current_user, Permission.MANAGE_AGREEMENT, dossier),
        "may_upload": bool(agreement)
        and unsigned
        and can(current_user, Permission.SIGN_AGREEMENT, dossier),
        "may_record": (
            bool(agreement)
            and unsigned
            and accepted
            and can(current_user, Permission.MANAGE_AGREEMENT, dossier)
        ),
        "may_write_report": can(current_user, Permission.EDIT_REPORT, dossier)
        and (report is None or report.status in reports.EDITABLE),
        "may_review": bool(report)
        and report.status == ReportStatus.submitted
        and can(current_user, Permission.REVIEW_REPORT, dossier),
        "rounding_rule": money.ROUNDING_RULE,
    }


def _grant_page(dossier: Dossier, status: int = 200, error: str | None = None, **forms):
    ctx = _grant_context(dossier)
    agreement = ctx["agreement"]
    ctx["generate_form"] = forms.get("generate_form") or GenerateAgreementForm(
        formdata=None, report_due_on=format_date(agreement.report_due_on) if agreement else ""
    )
    ctx["signed_form"] = forms.get("signed_form") or SignedAgreementForm(formdata=None)
    ctx["signature_form"] = forms.get("signature_form") or SignatureForm(
        formdata=None, signed_on=format_date(today())
    )
    ctx["error"] = error
    ctx["form_errors"] = form_errors_of(*forms.values())
    return render_template("funding/grant/grant.html", **ctx), status


@bp.get("/dossiers/<int:dossier_id>")
@login_required
def grant(dossier_id: int):
    return _grant_page(grant_dossier(dossier_id))


def _act_on_grant(dossier: Dossier, form_name: str, form, action, success: str, anchor: str):
    """Run an agreement service; on refusal re-render the grant page with the error on its field."""
    try:
        form.check_input()
        action()
    except ServiceError as exc:
        error = first_unplaced(refused(exc, form))
        return _grant_page(dossier, status_of(exc), error=error, **{form_name: form})
    return done(success, grant_url(dossier, anchor))


@bp.post("/dossiers/<int:dossier_id>/convention")
@login_required
def generate_agreement(dossier_id: int):
    dossier = grant_dossier(dossier_id)
    form = GenerateAgreementForm()
    return _act_on_grant(
        dossier,
        "generate_form",
        form,
        lambda: agreements.generate(current_user, dossier, form.report_due_on.data),
        "La convention a été générée ; l'établissement peut la télécharger et la faire signer.",
        "convention",
    )


@bp.get("/dossiers/<int:dossier_id>/convention.pdf")
@login_required
def agreement_pdf(dossier_id: int):
    dossier = grant_dossier(dossier_id)
    agreement = agreements.agreement_of(dossier)
    if agreement is None:
        raise NotFound("La convention de ce dossier n'a pas encore été générée.")
    return send_file(
        io.BytesIO(documents.agreement_pdf(agreement)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=documents.agreement_pdf_filename(agreement),
    )


@bp.post("/dossiers/<int:dossier_id>/convention-signee")
@login_required
def upload_signed_agreement(dossier_id: int):
    dossier = grant_dossier(dossier_id)
    form = SignedAgreementForm()
    filename, data = upload_of()
    return _act_on_grant(
        dossier,
        "signed_form",
        form,
        lambda: agreements.upload_signed(current_user, dossier, filename, data),
        f"La convention signée « {filename} » a été déposée ; les services financeurs vont "
        "enregistrer la signature.",
        "convention",
    )


@bp.get("/dossiers/<int:dossier_id>/convention-signee")
@login_required
def signed_agreement(dossier_id: int):
    dossier = grant_dossier(dossier_id)
    agreement = agreements.read_signed(current_user, dossier)
    return send_stored(
        uploads.read(agreement.signed_key),
        mimetype="application/pdf",
        filename=agreement.signed_filename,
        size=agreement.signed_size,
    )


@bp.post("/dossiers/<int:dossier_id>/signature")
@login_required
def record_signature(dossier_id: int):
    dossier = grant_dossier(dossier_id)
    form = SignatureForm()
    return _act_on_grant(
        dossier,
        "signature_form",
        form,
        lambda: agreements.record_signature(current_user, dossier, form.signed_on.data),
        "La signature est enregistrée : le dossier est conventionné et l'établissement a été "
        "prévenu.",
        "convention",
    )
