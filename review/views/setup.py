"""Commission set-up pages (/instruction/appels/<call_id>/commission, …/grille): the rules, the
phases, the members and the scoring grid. Thin: parse, call a service, commit once, render or
redirect."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from portal.db import db
from portal.errors import ServiceError
from portal.models import INSTITUTION_LABELS, ROLE_LABELS, Call
from portal.permissions import Permission
from portal.web import done, load, refused, status_of

from ..forms import CriterionForm, MemberForm, PhaseEndsForm, SettingsForm
from ..services import commission, grid, members, phases, settings
from . import bp

RACE = (
    "Une autre modification a eu lieu au même moment (un double clic ou un collègue). "
    "Rechargez la page : votre dernière action n'a pas été enregistrée."
)


def managed_call(call_id: int) -> Call:
    """The call whose commission the current user manages (404, then 403)."""
    return load(Call, call_id, Permission.MANAGE_COMMISSION)


def _setup_page(
    call,
    status=200,
    settings_form=None,
    member_form=None,
    criterion_form=None,
    form_errors=None,
    ends_form=None,
):
    rules = commission.settings_of(call)
    if settings_form is None:
        settings_form = SettingsForm(formdata=None)
        settings_form.fill(rules)
    member_form = member_form or MemberForm(formdata=None)
    grants: dict = {}
    for u, r, i in commission.eligible_people():  # one option per person, naming each grant
        grants.setdefault(u, []).append(f"{ROLE_LABELS[r]} {INSTITUTION_LABELS[i]}")
    member_form.user_id.choices = [SelectChoice("", "Choisissez une personne")] + [
        SelectChoice(str(u.id), f"{u.full_name} — {', '.join(labels)}")
        for u, labels in grants.items()
    ]
    criterion_form = criterion_form or CriterionForm(formdata=None)
    rows = commission.phases(call)
    current = commission.current_phase(call)
    following = next((p for p in rows if current and p.position == current.position + 1), None)
    if ends_form is None:
        ends_form = PhaseEndsForm(formdata=None)
        ends_form.fill(rows)
    return render_template(
        "review/setup/index.html",
        call=call,
        settings=rules,
        settings_form=settings_form,
        member_form=member_form,
        criterion_form=criterion_form,
        ends_form=ends_form,
        phases=rows,
        current=current,
        following=following,
        members=commission.members(call),
        criteria=commission.criteria(call),
        grid_locked=commission.has_submitted_reviews(call),
        form_errors=form_errors or [],
        INSTITUTION_LABELS=INSTITUTION_LABELS,
    ), status


def _setup_url(call_id: int, anchor: str = "") -> str:
    return url_for("review.commission_setup", call_id=call_id) + anchor


@bp.get("/appels/<int:call_id>/commission")
@login_required
def commission_setup(call_id: int):
    return _setup_page(managed_call(call_id))


@bp.post("/appels/<int:call_id>/commission/regles")
@login_required
def save_settings(call_id: int):
    call = managed_call(call_id)
    form = SettingsForm()
    try:
        form.check_input()
        settings.save_settings(
            current_user, call, {f.name: f.data for f in form if f.name != "csrf_token"}
        )
    except ServiceError as exc:
        summary = refused(exc, form)
        return _setup_page(
            managed_call(call_id), status_of(exc), settings_form=form, form_errors=summary
        )
    return done("Les règles de la commission ont été enregistrées.", _setup_url(call_id))


@bp.post("/appels/<int:call_id>/commission/phase")
@login_required
def advance_phase(call_id: int):
    call = managed_call(call_id)
    try:
        phase = phases.advance_phase(current_user, call, request.form.get("target", ""))
    except ServiceError as exc:
        summary = refused(exc)
        return _setup_page(managed_call(call_id), status_of(exc), form_errors=summary)
    return done(f"La commission est passée en phase « {phase.kind.label} ».", _setup_url(call_id))


@bp.post("/appels/<int:call_id>/commission/phases/fins")
@login_required
def phase_ends(call_id: int):
    call = managed_call(call_id)
    form = PhaseEndsForm()
    try:
        form.check_input()
        phases.set_phase_ends(current_user, call, form.values())
    except ServiceError as exc:
        summary = refused(exc, form)
        return _setup_page(
            managed_call(call_id), status_of(exc), ends_form=form, form_errors=summary
        )
    return done("Les dates de fin des phases ont été enregistrées.", _setup_url(call_id, "#phases"))


def _member_action(call_id: int, action, success: str):
    call = managed_call(call_id)
    try:
        action(call)
        return done(success, _setup_url(call_id, "#membres"))
    except IntegrityError:
        db.session.rollback()
        return _setup_page(managed_call(call_id), 409, form_errors=[("", RACE)])
    except ServiceError as exc:
        form = MemberForm() if request.form.get("user_id") is not None else None
        summary = refused(exc, form)
        return _setup_page(
            managed_call(call_id), status_of(exc), member_form=form, form_errors=summary
        )


@bp.post("/appels/<int:call_id>/commission/membres")
@login_required
def add_member(call_id: int):
    form = MemberForm()
    form.check_input()
    return _member_action(
        call_id,
        lambda call: members.add_member(
            current_user, call, form.user_id.data, form.institution.data or ""
        ),
        "Le membre a été ajouté à la commission.",
    )


@bp.post("/appels/<int:call_id>/commission/membres/<int:member_id>/copilote")
@login_required
def designate_copilot(call_id: int, member_id: int):
    return _member_action(
        call_id,
        lambda call: members.designate_copilot(current_user, call, member_id),
        "Le co-pilote a été désigné.",
    )


@bp.post("/appels/<int:call_id>/commission/membres/<int:member_id>/retirer")
@login_required
def remove_member(call_id: int, member_id: int):
    return _member_action(
        call_id,
        lambda call: members.remove_member(current_user, call, member_id),
        "Le membre a été retiré de la commission.",
    )


# ---------------------------------------------------------------- grid


def _criterion_data(form: CriterionForm) -> dict:
    return {f.name: f.data for f in form if f.name != "csrf_token"}


@bp.post("/appels/<int:call_id>/grille")
@login_required
def add_criterion(call_id: int):
    call = managed_call(call_id)
    form = CriterionForm()
    try:
        form.check_input()
        grid.add_criterion(current_user, call, _criterion_data(form))
    except ServiceError as exc:
        summary = refused(exc, form)
        return _setup_page(
            managed_call(call_id), status_of(exc), criterion_form=form, form_errors=summary
        )
    return done("Le critère a été ajouté à la grille.", _setup_url(call_id, "#grille"))


@bp.route("/appels/<int:call_id>/grille/<int:criterion_id>", methods=["GET", "POST"])
@login_required
def edit_criterion(call_id: int, criterion_id: int):
    call = managed_call(call_id)
    criterion = grid.get_criterion(call, criterion_id)
    form = CriterionForm()
    summary, status = [], 200
    if request.method == "POST":
        try:
            form.check_input()
            grid.update_criterion(current_user, criterion, _criterion_data(form))
        except ServiceError as exc:
            summary, status = refused(exc, form), status_of(exc)
            call = managed_call(call_id)
            criterion = grid.get_criterion(call, criterion_id)
        else:
            return done("Le critère a été modifié.", _setup_url(call_id, "#grille"))
    else:
        form.fill(criterion)
    return render_template(
        "review/setup/criterion.html",
        call=call,
        criterion=criterion,
        form=form,
        form_errors=summary,
    ), status


@bp.post("/appels/<int:call_id>/grille/<int:criterion_id>/supprimer")
@login_required
def delete_criterion(call_id: int, criterion_id: int):
    call = managed_call(call_id)
    criterion = grid.get_criterion(call, criterion_id)
    try:
        grid.delete_criterion(current_user, criterion)
    except ServiceError as exc:
        summary = refused(exc)
        return _setup_page(managed_call(call_id), status_of(exc), form_errors=summary)
    return done("Le critère a été retiré de la grille.", _setup_url(call_id, "#grille"))
