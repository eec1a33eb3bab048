"""Dossier pages: the establishment's list, the stepper form, attachments, submission, receipts,
and the call administrator's list of submitted dossiers.

Views are thin: load the dossier, check the policy, parse the form, call a service, commit once.
"""
from __future__ import annotations

import io
from decimal import Decimal

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.calls.services import get_call
from portal.db import db, utcnow
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.formatting import format_date, parse_amount
from portal.models import ACADEMY_DEPARTMENTS, FIELDS, Establishment
from portal.pagination import paginate
from portal.permissions import (Permission, can, require, require_dossier, status_shown_to,
                                visible_dossiers)

from . import services
from .forms import (ActionsForm, AttachmentForm, AxesForm, BudgetForm, CompletionRequestForm,
                    IndicatorsForm, NewDossierForm, PartnersForm, PresentationForm, WithdrawForm,
                    initial_data)
from .models import (EXPENSE_CATEGORIES, PARTNER_KINDS, RESOURCE_SOURCES, STATUS_BADGES,
                     STATUS_LABELS, Attachment,
                     Dossier, DossierStatus)
from .receipts import render_receipt, receipt_filename

bp = Blueprint("applications", __name__, url_prefix="/dossiers")

# (slug, title, form class or None): the stepper, in order.
STEPS = [
    ("presentation", "Présentation", PresentationForm),
    ("axes-et-public", "Axes et public", AxesForm),
    ("partenaires", "Partenaires", PartnersForm),
    ("actions", "Actions et calendrier", ActionsForm),
    ("indicateurs", "Indicateurs", IndicatorsForm),
    ("budget", "Budget", BudgetForm),
    ("pieces-jointes", "Pièces jointes", None),
    ("recapitulatif", "Récapitulatif et dépôt", None),
]
STEP_SLUGS = [s[0] for s in STEPS]
# Where each blocker of services.submission_blockers is fixed.
ANCHOR_STEPS = {
    "title": "presentation", "summary": "presentation",
    "main_axis": "axes-et-public", "other_axes": "axes-et-public", "fields": "axes-et-public",
    "target_count": "axes-et-public", "partners": "partenaires", "actions": "actions",
    "indicators": "indicateurs", "expenses": "budget", "resources": "budget",
    "attachments": "pieces-jointes",
}
SAVED = "Les modifications ont été enregistrées."


def _load(dossier_id: int) -> Dossier:
    """The dossier if the current user may read it; 404 otherwise (existence is confidential)."""
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound()
    require_dossier(current_user, Permission.VIEW_DOSSIER, dossier)
    return dossier


def blocker_links(dossier: Dossier, blockers) -> list[tuple[str | None, str]]:
    """(url to the step and field that fixes it, message)."""
    out = []
    for anchor, message in blockers:
        step = ANCHOR_STEPS.get(anchor)
        url = None
        if step:
            url = url_for("applications.step", dossier_id=dossier.id, step=step,
                          _anchor=anchor)
        out.append((url, message))
    return out


def next_action(dossier: Dossier, now=None) -> str:
    """What the establishment has to do next, in a few words."""
    now = now or utcnow()
    deadline = format_date(dossier.call.deadline_at)
    open_now = dossier.call.accepts_submissions(now)
    if dossier.status == DossierStatus.draft:
        return f"À déposer avant le {deadline}" if open_now else "Date limite de dépôt dépassée"
    if dossier.status == DossierStatus.incomplete:
        request = dossier.open_completion_request
        if request is not None and now < request.due_at:
            return f"À compléter avant le {format_date(request.due_at)}"
        return "Délai pour compléter dépassé"
    return {
        DossierStatus.submitted: "En attente de l'examen de recevabilité",
        DossierStatus.eligible: "En attente d'instruction",
        DossierStatus.in_review: "En cours d'instruction",
        DossierStatus.reviewed: "En attente de la commission",
        DossierStatus.accepted: "Convention à signer",
        DossierStatus.funded: "Bilan attendu",
    }.get(dossier.establishment_status(), "Aucune action attendue")


def shown_status(dossier):
    return status_shown_to(current_user, dossier)


@bp.record_once
def _template_globals(state):
    # Globals, not a context processor: imported macros (the status badge) see them too.
    state.app.jinja_env.globals.update(next_action=next_action, shown_status=shown_status,
                                       STATUS_LABELS=STATUS_LABELS, STATUS_BADGES=STATUS_BADGES)


# ---------------------------------------------------------------- lists

@bp.get("/")
@login_required
def index():
    dossiers = []
    if current_user.establishment_id is not None:
        dossiers = db.session.scalars(
            select(Dossier)
            .where(visible_dossiers(current_user),
                   Dossier.establishment_id == current_user.establishment_id)
            .options(joinedload(Dossier.call))
            .order_by(Dossier.updated_at.desc(), Dossier.id.desc())
        ).unique().all()
    calls = services.open_calls() if can(current_user, Permission.CREATE_DOSSIER) else []
    return render_template("applications/index.html", dossiers=dossiers, calls=calls)


@bp.get("/deposes")
@login_required
def submitted():
    """Submitted dossiers the user may read, filtered; a constant number of queries."""
    status = request.args.get("statut", "")
    department = request.args.get("departement", "")
    query = (select(Dossier)
             .where(visible_dossiers(current_user), Dossier.reference.is_not(None))
             .options(joinedload(Dossier.call),
                      joinedload(Dossier.establishment).joinedload(Establishment.department),
                      selectinload(Dossier.budget_lines),
                      selectinload(Dossier.completion_requests))
             .order_by(Dossier.reference))
    statuses = [s for s in DossierStatus if s != DossierStatus.draft]
    if status:
        if status not in {s.value for s in statuses}:
            status = ""
        else:
            query = query.where(Dossier.status == DossierStatus(status))
    if department:
        if department not in ACADEMY_DEPARTMENTS:
            department = ""
        else:
            query = query.where(Dossier.establishment_id.in_(
                select(Establishment.id).where(Establishment.department_code == department)))
    result = paginate(query, request.args.get("page"), unique=True)
    return render_template("applications/submitted.html", dossiers=result.items, result=result,
                           statuses=[(s.value, STATUS_LABELS[s]) for s in statuses],
                           departments=sorted(ACADEMY_DEPARTMENTS.items()),
                           status=status, department=department)


# ---------------------------------------------------------------- creation

@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def new():
    call_id = request.values.get("call_id", "")
    if not call_id.isdigit():
        raise NotFound("Cet appel à projets n'existe pas.")
    call = get_call(current_user, int(call_id))  # a draft call stays hidden (404)
    require(current_user, Permission.CREATE_DOSSIER, call)
    form = NewDossierForm()
    error = None
    if request.method == "POST":
        try:
            dossier = services.create_dossier(current_user, call, title=form.title.data or "")
        except (PermissionDenied, NotFound):
            raise
        except ServiceError as exc:
            db.session.rollback()
            if exc.field == "title":
                form.title.errors = [exc.message]
            else:
                error = exc.message
        else:
            db.session.commit()
            flash("Le dossier a été créé. Complétez-le étape par étape ; chaque étape "
                  "s'enregistre.", "success")
            return redirect(url_for("applications.step", dossier_id=dossier.id,
                                    step=STEP_SLUGS[0]))
    status = 400 if (error or form.title.errors) else 200
    return render_template("applications/new.html", form=form, call=call, error=error), status


# ---------------------------------------------------------------- reading

def detail_context(dossier: Dossier, **extra) -> dict:
    from review.forms import ScreeningForm
    from review.services import latest_screening
    ctx = {
        "dossier": dossier,
        "screening": latest_screening(dossier) if dossier.reference else None,
        "screening_form": extra.pop("screening_form", None) or ScreeningForm(formdata=None),
        "completion_form": (extra.pop("completion_form", None)
                            or CompletionRequestForm(formdata=None)),
        "withdraw_form": WithdrawForm(formdata=None),
        "labels": form_labels(),
    }
    ctx.update(extra)
    return ctx


def form_labels() -> dict:
    return {"expense": EXPENSE_CATEGORIES, "resource": RESOURCE_SOURCES,
            "partner": PARTNER_KINDS, "fields": FIELDS}


@bp.get("/<int:dossier_id>")
@login_required
def detail(dossier_id: int):
    dossier = _load(dossier_id)
    return render_template("applications/detail.html", **detail_context(dossier))


# ---------------------------------------------------------------- the stepper

def _step_context(dossier: Dossier, slug: str, **extra) -> dict:
    index = STEP_SLUGS.index(slug)
    blockers = services.submission_blockers(dossier)
    ctx = {
        "dossier": dossier, "steps": STEPS, "step": slug, "step_index": index,
        "step_title": STEPS[index][1],
        "next_step": STEPS[index + 1] if index + 1 < len(STEPS) else None,
        "blockers": blocker_links(dossier, blockers),
        # The blockers this step can fix, shown as a reminder on the step itself.
        "step_blockers": [(a, m) for a, m in blockers if ANCHOR_STEPS.get(a) == slug],
        "labels": form_labels(),
    }
    ctx.update(extra)
    return ctx


def _budget_totals(form: BudgetForm) -> dict:
    """Totals of what the form shows (typed values included), ignoring unreadable amounts."""
    def total(name):
        out = Decimal("0.00")
        for entry in form[name].entries:
            try:
                out += parse_amount(entry.form.amount.data or "0")
            except ValueError:
                pass
        return out
    expenses, resources = total("expenses"), total("resources")
    return {"expenses": expenses, "resources": resources, "difference": resources - expenses}


@bp.route("/<int:dossier_id>/etape/<step>", methods=["GET", "POST"])
@login_required
def step(dossier_id: int, step: str):
    dossier = _load(dossier_id)
    if step not in STEP_SLUGS:
        raise NotFound()
    form_cls = STEPS[STEP_SLUGS.index(step)][2]
    if request.method == "POST":
        if form_cls is None:
            abort(405)
        return _save_step(dossier, step, form_cls)
    if not can(current_user, Permission.EDIT_DOSSIER, dossier):
        flash(f"Ce dossier est « {dossier.status_label} » : il ne peut pas être modifié.",
              "warning")
        return redirect(url_for("applications.detail", dossier_id=dossier.id))
    if step == "pieces-jointes":
        return _attachments_page(dossier)
    if step == "recapitulatif":
        return render_template("applications/step.html",
                               **_step_context(dossier, step, form=None))
    form = form_cls(formdata=None, data=initial_data(dossier))
    form.add_blank_rows(2)
    return _render_step(dossier, step, form)


def _render_step(dossier, step, form, status=200, **extra):
    if isinstance(form, AxesForm):
        form.set_axes(dossier.call)
    if isinstance(form, BudgetForm):
        extra["totals"] = _budget_totals(form)
    return render_template("applications/step.html",
                           **_step_context(dossier, step, form=form, **extra)), status


def _save_step(dossier: Dossier, step: str, form_cls):
    form = form_cls()
    try:
        services.update_dossier(current_user, dossier, form.service_data(),
                                expected_version=form.expected_version())
    except (PermissionDenied, NotFound):
        raise
    except Conflict as exc:
        db.session.rollback()
        return _render_step(dossier, step, form, 409, conflict=exc.message)
    except ServiceError as exc:
        db.session.rollback()
        errors = form.attach_errors(exc.errors or {"__all__": exc.message})
        return _render_step(dossier, step, form, 400, form_errors=errors)
    db.session.commit()
    flash(SAVED, "success")
    index = STEP_SLUGS.index(step)
    if request.form.get("action") == "next" and index + 1 < len(STEPS):
        step = STEP_SLUGS[index + 1]
    return redirect(url_for("applications.step", dossier_id=dossier.id, step=step))


# ---------------------------------------------------------------- attachments

def _attachments_page(dossier: Dossier, form: AttachmentForm | None = None, status: int = 200,
                      form_errors=None):
    if form is None:
        form = AttachmentForm(formdata=None)
    form.set_kinds(dossier.call)
    max_mb = _max_upload_mb()
    return render_template("applications/step.html",
                           **_step_context(dossier, "pieces-jointes", form=form,
                                           form_errors=form_errors, max_mb=max_mb)), status


def _max_upload_mb() -> str:
    size = current_app.config["MAX_UPLOAD_BYTES"]
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} Mo"
    return f"{max(1, size // 1024)} Ko"


def _load_attachment(dossier: Dossier, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.dossier_id != dossier.id:
        raise NotFound()
    return attachment


@bp.post("/<int:dossier_id>/pieces")
@login_required
def upload(dossier_id: int):
    dossier = _load(dossier_id)
    form = AttachmentForm()
    upload = request.files.get("file")
    filename = upload.filename if upload else ""
    data = upload.read() if upload else b""
    try:
        services.add_attachment(current_user, dossier, filename, data,
                                kind_id=form.kind_id.data or None)
    except (PermissionDenied, NotFound, Conflict):
        raise
    except ServiceError as exc:
        db.session.rollback()
        summary = []
        for key, message in (exc.errors or {"file": exc.message}).items():
            field = form[key] if key in ("file", "kind_id") else form.file
            field.errors = list(field.errors or []) + [message]
            summary.append((field.id, message))
        return _attachments_page(dossier, form, 400, form_errors=summary)
    db.session.commit()
    flash(f"Le fichier « {filename} » a été joint au dossier.", "success")
    return redirect(url_for("applications.step", dossier_id=dossier.id, step="pieces-jointes"))


@bp.post("/<int:dossier_id>/pieces/<int:attachment_id>/supprimer")
@login_required
def remove_attachment(dossier_id: int, attachment_id: int):
    dossier = _load(dossier_id)
    attachment = _load_attachment(dossier, attachment_id)
    filename = attachment.filename
    services.remove_attachment(current_user, attachment)
    db.session.commit()
    flash(f"Le fichier « {filename} » a été retiré du dossier.", "success")
    return redirect(url_for("applications.step", dossier_id=dossier.id, step="pieces-jointes"))


@bp.get("/<int:dossier_id>/pieces/<int:attachment_id>")
@login_required
def download(dossier_id: int, attachment_id: int):
    dossier = _load(dossier_id)
    attachment = _load_attachment(dossier, attachment_id)
    data = services.read_attachment(current_user, attachment)
    return send_file(io.BytesIO(data), mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.filename)


# ---------------------------------------------------------------- submission and after

@bp.post("/<int:dossier_id>/deposer")
@login_required
def submit(dossier_id: int):
    dossier = _load(dossier_id)
    try:
        services.submit_dossier(current_user, dossier)
    except (PermissionDenied, NotFound):
        raise
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for("applications.detail", dossier_id=dossier.id))
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("applications.step", dossier_id=dossier.id, step="recapitulatif"))
    db.session.commit()
    flash(f"Le dossier a été déposé sous la référence {dossier.reference}. Le récépissé de "
          "dépôt est disponible ci-dessous.", "success")
    return redirect(url_for("applications.detail", dossier_id=dossier.id))


@bp.get("/<int:dossier_id>/recepisse/<int:number>")
@login_required
def receipt(dossier_id: int, number: int):
    dossier = _load(dossier_id)
    submission = services.get_submission(dossier, number)
    if submission is None:
        raise NotFound("Ce récépissé n'existe pas.")
    pdf = render_receipt(dossier, submission)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=receipt_filename(dossier, submission))


@bp.post("/<int:dossier_id>/retirer")
@login_required
def withdraw(dossier_id: int):
    dossier = _load(dossier_id)
    form = WithdrawForm()
    services.withdraw_dossier(current_user, dossier, form.reason.data or "")
    db.session.commit()
    flash("Le dossier a été retiré.", "success")
    return redirect(url_for("applications.detail", dossier_id=dossier.id))


@bp.post("/<int:dossier_id>/complements")
@login_required
def request_completion(dossier_id: int):
    dossier = _load(dossier_id)
    form = CompletionRequestForm()
    try:
        services.request_completion(current_user, dossier, form.message.data or "")
    except (PermissionDenied, NotFound, Conflict):
        raise
    except ServiceError as exc:
        db.session.rollback()
        form.message.errors = [exc.message]
        return render_template("applications/detail.html",
                               **detail_context(dossier, completion_form=form,
                                                 form_errors=[(form.message.id, exc.message)])), 400
    db.session.commit()
    flash("La demande de compléments a été envoyée à l'établissement ; le dossier est "
          "« À compléter ».", "success")
    return redirect(url_for("applications.detail", dossier_id=dossier.id))
