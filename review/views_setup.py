"""Commission set-up and assignment pages (/instruction/appels/<call_id>/…), and a reviewer's
conflict declaration. Thin: parse, call review.setup, commit once, render or redirect."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from applications.models import Dossier
from portal.db import db
from portal.errors import NotFound, ServiceError
from portal.models import INSTITUTION_LABELS, ROLE_LABELS
from portal.permissions import Permission, require
from applications.policy import require_dossier

from . import services, setup
from .forms_setup import (ApplyImportForm, ConflictForm, CriterionForm, ImportForm,
                          ManualAssignmentForm, MemberForm, SettingsForm)
from .models import PHASE_LABELS
from .views import bp

RACE = ("Une autre modification a eu lieu au même moment (un double clic ou un collègue). "
        "Rechargez la page : votre dernière action n'a pas été enregistrée.")


def _attach(form, exc: ServiceError) -> list[tuple[str, str]]:
    """Tie a service's errors to the form's inputs; (anchor, message) pairs for the summary."""
    summary = []
    for key, message in (exc.errors or {"": exc.message}).items():
        target = getattr(form, key, None) if form is not None and key else None
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors or []) + [message]
            summary.append((target.id, message))
        else:
            summary.append(("", message))
    return summary


def _refused(exc: ServiceError) -> int:
    db.session.rollback()
    if exc.status in (403, 404):
        raise exc
    return 409 if exc.status == 409 else 422


# ---------------------------------------------------------------- set-up page

def _setup_page(call, status=200, settings_form=None, member_form=None, criterion_form=None,
                form_errors=None):
    settings = setup.settings_of(call)
    if settings_form is None:
        settings_form = SettingsForm(formdata=None)
        settings_form.fill(settings)
    member_form = member_form or MemberForm(formdata=None)
    grants: dict = {}
    for u, r, i in setup.eligible_people():  # one option per person, naming each grant
        grants.setdefault(u, []).append(f"{ROLE_LABELS[r]} {INSTITUTION_LABELS[i]}")
    member_form.user_id.choices = [SelectChoice("", "Choisissez une personne")] + [
        SelectChoice(str(u.id), f"{u.full_name} — {', '.join(labels)}")
        for u, labels in grants.items()]
    criterion_form = criterion_form or CriterionForm(formdata=None)
    phases = setup.phases(call)
    current = setup.current_phase(call)
    following = next((p for p in phases if current and p.position == current.position + 1), None)
    return render_template(
        "review/setup/index.html", call=call, settings=settings, settings_form=settings_form,
        member_form=member_form, criterion_form=criterion_form, phases=phases, current=current,
        following=following, members=setup.members(call), criteria=setup.criteria(call),
        grid_locked=setup.has_submitted_reviews(call), form_errors=form_errors or [],
        PHASE_LABELS=PHASE_LABELS, INSTITUTION_LABELS=INSTITUTION_LABELS), status


@bp.get("/appels/<int:call_id>/commission")
@login_required
def commission_setup(call_id: int):
    return _setup_page(setup.get_call(current_user, call_id))


@bp.post("/appels/<int:call_id>/commission/regles")
@login_required
def save_settings(call_id: int):
    call = setup.get_call(current_user, call_id)
    form = SettingsForm()
    try:
        setup.save_settings(current_user, call,
                            {f.name: f.data for f in form if f.name != "csrf_token"})
        db.session.commit()
    except ServiceError as exc:
        status = _refused(exc)
        call = setup.get_call(current_user, call_id)
        return _setup_page(call, status, settings_form=form, form_errors=_attach(form, exc))
    flash("Les règles de la commission ont été enregistrées.", "success")
    return redirect(url_for("review.commission_setup", call_id=call_id))


@bp.post("/appels/<int:call_id>/commission/phase")
@login_required
def advance_phase(call_id: int):
    call = setup.get_call(current_user, call_id)
    try:
        phase = setup.advance_phase(current_user, call, request.form.get("target", ""))
        db.session.commit()
    except ServiceError as exc:
        status = _refused(exc)
        return _setup_page(setup.get_call(current_user, call_id), status,
                           form_errors=[("", exc.message)])
    flash(f"La commission est passée en phase « {PHASE_LABELS[phase.kind]} ».", "success")
    return redirect(url_for("review.commission_setup", call_id=call_id))


def _member_action(call_id: int, action, success: str):
    call = setup.get_call(current_user, call_id)
    try:
        action(call)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _setup_page(setup.get_call(current_user, call_id), 409, form_errors=[("", RACE)])
    except ServiceError as exc:
        status = _refused(exc)
        form = MemberForm() if request.form.get("user_id") is not None else None
        return _setup_page(setup.get_call(current_user, call_id), status, member_form=form,
                           form_errors=_attach(form, exc))
    flash(success, "success")
    return redirect(url_for("review.commission_setup", call_id=call_id) + "#membres")


@bp.post("/appels/<int:call_id>/commission/membres")
@login_required
def add_member(call_id: int):
    form = MemberForm()
    return _member_action(call_id, lambda call: setup.add_member(
        current_user, call, form.user_id.data, form.institution.data or ""),
        "Le membre a été ajouté à la commission.")


@bp.post("/appels/<int:call_id>/commission/membres/<int:member_id>/copilote")
@login_required
def designate_copilot(call_id: int, member_id: int):
    return _member_action(call_id,
                          lambda call: setup.designate_copilot(current_user, call, member_id),
                          "Le co-pilote a été désigné.")


@bp.post("/appels/<int:call_id>/commission/membres/<int:member_id>/retirer")
@login_required
def remove_member(call_id: int, member_id: int):
    return _member_action(call_id, lambda call: setup.remove_member(current_user, call, member_id),
                          "Le membre a été retiré de la commission.")


# ---------------------------------------------------------------- grid

def _criterion_data(form: CriterionForm) -> dict:
    return {f.name: f.data for f in form if f.name != "csrf_token"}


@bp.post("/appels/<int:call_id>/grille")
@login_required
def add_criterion(call_id: int):
    call = setup.get_call(current_user, call_id)
    form = CriterionForm()
    try:
        setup.add_criterion(current_user, call, _criterion_data(form))
        db.session.commit()
    except ServiceError as exc:
        status = _refused(exc)
        return _setup_page(setup.get_call(current_user, call_id), status, criterion_form=form,
                           form_errors=_attach(form, exc))
    flash("Le critère a été ajouté à la grille.", "success")
    return redirect(url_for("review.commission_setup", call_id=call_id) + "#grille")


@bp.route("/appels/<int:call_id>/grille/<int:criterion_id>", methods=["GET", "POST"])
@login_required
def edit_criterion(call_id: int, criterion_id: int):
    call = setup.get_call(current_user, call_id)
    criterion = setup.get_criterion(call, criterion_id)
    form = CriterionForm()
    summary, status = [], 200
    if request.method == "POST":
        try:
            setup.update_criterion(current_user, criterion, _criterion_data(form))
            db.session.commit()
        except ServiceError as exc:
            status = _refused(exc)
            summary = _attach(form, exc)
            call = setup.get_call(current_user, call_id)
            criterion = setup.get_criterion(call, criterion_id)
        else:
            flash("Le critère a été modifié.", "success")
            return redirect(url_for("review.commission_setup", call_id=call_id) + "#grille")
    else:
        form.fill(criterion)
    return render_template("review/setup/criterion.html", call=call, criterion=criterion,
                           form=form, form_errors=summary), status


@bp.post("/appels/<int:call_id>/grille/<int:criterion_id>/supprimer")
@login_required
def delete_criterion(call_id: int, criterion_id: int):
    call = setup.get_call(current_user, call_id)
    criterion = setup.get_criterion(call, criterion_id)
    try:
        setup.delete_criterion(current_user, criterion)
        db.session.commit()
    except ServiceError as exc:
        status = _refused(exc)
        return _setup_page(setup.get_call(current_user, call_id), status,
                           form_errors=[("", exc.message)])
    flash("Le critère a été retiré de la grille.", "success")
    return redirect(url_for("review.commission_setup", call_id=call_id) + "#grille")


# ---------------------------------------------------------------- assignment page

def _assignment_page(call, status=200, manual_form=None, import_form=None, form_errors=None,
                     shortfalls=None):
    cov = setup.coverage(call)
    manual_form = manual_form or ManualAssignmentForm(formdata=None)
    manual_form.dossier_id.choices = [SelectChoice("", "Choisissez un dossier")] + [
        SelectChoice(str(d.id), f"{d.reference} — {d.establishment.name}") for d in cov.dossiers]
    manual_form.user_id.choices = [SelectChoice("", "Choisissez un instructeur")] + [
        SelectChoice(str(m.user_id), f"{m.user.full_name} — {INSTITUTION_LABELS[m.institution]}")
        for m in cov.members]
    return render_template(
        "review/setup/assignments.html", call=call, cov=cov, manual_form=manual_form,
        import_form=import_form or ImportForm(formdata=None), form_errors=form_errors or [],
        shortfalls=shortfalls, current=setup.current_phase(call), PHASE_LABELS=PHASE_LABELS,
        INSTITUTION_LABELS=INSTITUTION_LABELS), status


@bp.get("/appels/<int:call_id>/affectations")
@login_required
def assignments(call_id: int):
    return _assignment_page(setup.get_call(current_user, call_id))


def _assignment_action(call_id: int, action, form=None):
    call = setup.get_call(current_user, call_id)
    try:
        outcome = action(call)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None, _assignment_page(setup.get_call(current_user, call_id), 409,
                                      form_errors=[("", RACE)])
    except ServiceError as exc:
        status = _refused(exc)
        return None, _assignment_page(setup.get_call(current_user, call_id), status,
                                      manual_form=form, form_errors=_attach(form, exc))
    return outcome, None


@bp.post("/appels/<int:call_id>/affectations/automatique")
@login_required
def run_assignment(call_id: int):
    result, page = _assignment_action(call_id,
                                      lambda call: setup.run_assignment(current_user, call))
    if page:
        return page
    flash(f"{len(result.created)} affectation{'s' if len(result.created) != 1 else ''} "
          f"créée{'s' if len(result.created) != 1 else ''}.", "success")
    if result.shortfalls:
        call = setup.get_call(current_user, call_id)
        return _assignment_page(call, shortfalls=result.shortfalls)
    return redirect(url_for("review.assignments", call_id=call_id))


@bp.post("/appels/<int:call_id>/affectations/ajouter")
@login_required
def assign_reviewer(call_id: int):
    form = ManualAssignmentForm()
    _, page = _assignment_action(call_id, lambda call: setup.assign_reviewer(
        current_user, call, form.dossier_id.data or "", form.user_id.data or ""), form)
    if page:
        return page
    flash("L'instructeur a été affecté au dossier ; il en est informé par courriel.", "success")
    return redirect(url_for("review.assignments", call_id=call_id))


@bp.post("/appels/<int:call_id>/affectations/<int:review_id>/retirer")
@login_required
def remove_assignment(call_id: int, review_id: int):
    _, page = _assignment_action(call_id, lambda call: setup.remove_assignment(
        current_user, call, review_id))
    if page:
        return page
    flash("L'affectation a été retirée.", "success")
    return redirect(url_for("review.assignments", call_id=call_id))


@bp.post("/appels/<int:call_id>/affectations/import")
@login_required
def preview_import(call_id: int):
    call = setup.get_call(current_user, call_id)
    form = ImportForm()
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = ["Choisissez le fichier CSV des affectations."]
        return _assignment_page(call, 422, import_form=form,
                                form_errors=[(form.file.id, form.file.errors[0])])
    data = upload.read()
    try:
        lines = setup.preview_import(current_user, call, data)
    except ServiceError as exc:
        status = _refused(exc)
        return _assignment_page(setup.get_call(current_user, call_id), status, import_form=form,
                                form_errors=_attach(form, exc))
    apply_form = ApplyImportForm(formdata=None)
    apply_form.content.data = data.decode("utf-8-sig")
    return render_template("review/setup/import_preview.html", call=call, lines=lines,
                           apply_form=apply_form, errors=sum(1 for l in lines if not l.ok))


@bp.post("/appels/<int:call_id>/affectations/import/appliquer")
@login_required
def apply_import(call_id: int):
    form = ApplyImportForm()
    call = setup.get_call(current_user, call_id)
    try:
        created = setup.apply_import(current_user, call, form.content.data or "")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _assignment_page(setup.get_call(current_user, call_id), 409,
                                form_errors=[("", RACE)])
    except ServiceError as exc:
        status = _refused(exc)
        call = setup.get_call(current_user, call_id)
        try:
            lines = setup.preview_import(current_user, call, form.content.data or "")
        except ServiceError:
            lines = []
        return render_template("review/setup/import_preview.html", call=call, lines=lines,
                               apply_form=form, errors=sum(1 for l in lines if not l.ok),
                               refused=exc.message), status
    flash(f"{len(created)} affectation{'s' if len(created) != 1 else ''} "
          f"importée{'s' if len(created) != 1 else ''}.", "success")
    return redirect(url_for("review.assignments", call_id=call_id))


# ---------------------------------------------------------------- a reviewer declines

@bp.route("/dossiers/<int:dossier_id>/conflit", methods=["GET", "POST"])
@login_required
def declare_conflict(dossier_id: int):
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound()
    # Only a reader (an assigned reviewer) reaches the page: a member may not learn of dossiers
    # they were not given, and a conflict once declared hides the dossier (404 afterwards).
    require(current_user, Permission.VIEW_DOSSIER, dossier, hide=True)
    require_dossier(current_user, Permission.DECLARE_CONFLICT, dossier)
    form = ConflictForm()
    summary, status = [], 200
    if request.method == "POST":
        try:
            services.declare_conflict(current_user, dossier, form.kind.data or "",
                                      form.comment.data or "")
            db.session.commit()
        except ServiceError as exc:
            status = _refused(exc)
            summary = _attach(form, exc)
            dossier = db.session.get(Dossier, dossier_id)
        else:
            flash(f"Votre conflit d'intérêts avec le dossier {dossier.reference} est enregistré : "
                  "il vous a été retiré.", "success")
            return redirect(url_for("review.my_reviews"))
    return render_template("review/setup/conflict.html", dossier=dossier, form=form,
                           form_errors=summary), status
