"""Assignment pages (/instruction/appels/<call_id>/affectations…): automatic, by hand, withdrawn,
imported from a CSV file; and a reviewer's conflict declaration, which withdraws their
assignment. Thin: parse, call a service, commit once, render or redirect."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from applications.models import Dossier
from applications.policy import require_dossier
from portal.db import db
from portal.errors import ServiceError
from portal.models import INSTITUTION_LABELS
from portal.permissions import Permission
from portal.web import REFUSED, done, load, refused, status_of

from ..forms import ApplyImportForm, ConflictForm, ImportForm, ManualAssignmentForm
from ..services import assignment, assignment_import, commission, conflicts, coverage
from . import bp
from .setup import RACE, managed_call


def _assignment_page(
    call, status=200, manual_form=None, import_form=None, form_errors=None, shortfalls=None
):
    cov = coverage.coverage(call)
    manual_form = manual_form or ManualAssignmentForm(formdata=None)
    manual_form.dossier_id.choices = [SelectChoice("", "Choisissez un dossier")] + [
        SelectChoice(str(d.id), f"{d.reference} — {d.establishment.name}") for d in cov.dossiers
    ]
    manual_form.user_id.choices = [SelectChoice("", "Choisissez un instructeur")] + [
        SelectChoice(str(m.user_id), f"{m.user.full_name} — {INSTITUTION_LABELS[m.institution]}")
        for m in cov.members
    ]
    return render_template(
        "review/setup/assignments.html",
        call=call,
        cov=cov,
        manual_form=manual_form,
        import_form=import_form or ImportForm(formdata=None),
        form_errors=form_errors or [],
        shortfalls=shortfalls,
        current=commission.current_phase(call),
        INSTITUTION_LABELS=INSTITUTION_LABELS,
    ), status


def _assignments_url(call_id: int) -> str:
    return url_for("review.assignments", call_id=call_id)


@bp.get("/appels/<int:call_id>/affectations")
@login_required
def assignments(call_id: int):
    return _assignment_page(managed_call(call_id))


def _assignment_action(call_id: int, action, form=None):
    call = managed_call(call_id)
    try:
        if form is not None:
            form.check_input()
        outcome = action(call)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None, _assignment_page(managed_call(call_id), 409, form_errors=[("", RACE)])
    except ServiceError as exc:
        summary = refused(exc, form)
        return None, _assignment_page(
            managed_call(call_id), status_of(exc), manual_form=form, form_errors=summary
        )
    return outcome, None


@bp.post("/appels/<int:call_id>/affectations/automatique")
@login_required
def run_assignment(call_id: int):
    result, page = _assignment_action(
        call_id, lambda call: assignment.run_assignment(current_user, call)
    )
    if page:
        return page
    plural = "s" if len(result.created) != 1 else ""
    done_message = f"{len(result.created)} affectation{plural} créée{plural}."
    if result.shortfalls:
        flash(done_message, "success")
        return _assignment_page(managed_call(call_id), shortfalls=result.shortfalls)
    return done(done_message, _assignments_url(call_id))


@bp.post("/appels/<int:call_id>/affectations/ajouter")
@login_required
def assign_reviewer(call_id: int):
    form = ManualAssignmentForm()
    _, page = _assignment_action(
        call_id,
        lambda call: assignment.assign_reviewer(
            current_user, call, form.dossier_id.data or "", form.user_id.data or ""
        ),
        form,
    )
    if page:
        return page
    return done(
        "L'instructeur a été affecté au dossier ; il en est informé par courriel.",
        _assignments_url(call_id),
    )


@bp.post("/appels/<int:call_id>/affectations/<int:review_id>/retirer")
@login_required
def remove_assignment(call_id: int, review_id: int):
    _, page = _assignment_action(
        call_id, lambda call: assignment.remove_assignment(current_user, call, review_id)
    )
    if page:
        return page
    return done("L'affectation a été retirée.", _assignments_url(call_id))


@bp.post("/appels/<int:call_id>/affectations/import")
@login_required
def preview_import(call_id: int):
    call = managed_call(call_id)
    form = ImportForm()
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = ["Choisissez le fichier CSV des affectations."]
        return _assignment_page(
            call, REFUSED, import_form=form, form_errors=[(form.file.id, form.file.errors[0])]
        )
    data = upload.read()
    try:
        form.check_input()
        lines = assignment_import.preview_import(current_user, call, data)
    except ServiceError as exc:
        summary = refused(exc, form)
        return _assignment_page(
            managed_call(call_id), status_of(exc), import_form=form, form_errors=summary
        )
    apply_form = ApplyImportForm(formdata=None)
    apply_form.content.data = data.decode("utf-8-sig")
    return render_template(
        "review/setup/import_preview.html",
        call=call,
        lines=lines,
        apply_form=apply_form,
        errors=sum(1 for line in lines if not line.ok),
    )


@bp.post("/appels/<int:call_id>/affectations/import/appliquer")
@login_required
def apply_import(call_id: int):
    form = ApplyImportForm()
    call = managed_call(call_id)
    try:
        form.check_input()
        created = assignment_import.apply_import(current_user, call, form.content.data or "")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _assignment_page(managed_call(call_id), 409, form_errors=[("", RACE)])
    except ServiceError as exc:
        refused(exc)
        call = managed_call(call_id)
        try:
            lines = assignment_import.preview_import(current_user, call, form.content.data or "")
        except ServiceError:
            lines = []
        return render_template(
            "review/setup/import_preview.html",
            call=call,
            lines=lines,
            apply_form=form,
            errors=sum(1 for line in lines if not line.ok),
            refused=exc.message,
        ), status_of(exc)
    plural = "s" if len(created) != 1 else ""
    return done(f"{len(created)} affectation{plural} importée{plural}.", _assignments_url(call_id))


# ---------------------------------------------------------------- a reviewer declines


@bp.route("/dossiers/<int:dossier_id>/conflit", methods=["GET", "POST"])
@login_required
def declare_conflict(dossier_id: int):
    # Only a reader (an assigned reviewer) reaches the page: a member may not learn of dossiers
    # they were not given, and a conflict once declared hides the dossier (404 afterwards).
    dossier = load(Dossier, dossier_id, Permission.VIEW_DOSSIER, hide=True)
    require_dossier(current_user, Permission.DECLARE_CONFLICT, dossier)
    form = ConflictForm()
    summary, status = [], 200
    if request.method == "POST":
        try:
            form.check_input()
            conflicts.declare_conflict(
                current_user, dossier, form.kind.data or "", form.comment.data or ""
            )
        except ServiceError as exc:
            summary, status = refused(exc, form), status_of(exc)
            dossier = db.session.get(Dossier, dossier_id)
        else:
            return done(
                f"Votre conflit d'intérêts avec le dossier {dossier.reference} est "
                "enregistré : il vous a été retiré.",
                url_for("review.my_reviews"),
            )
    return render_template(
        "review/setup/conflict.html", dossier=dossier, form=form, form_errors=summary
    ), status
