"""Administration pages: users (invitations, activation) and establishments."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.db import db
from portal.errors import ServiceError
from portal.models import (
    ACADEMY_DEPARTMENTS,
    INSTITUTION_LABELS,
    KIND_LABELS,
    ROLE_LABELS,
    Establishment,
    Network,
    Role,
    User,
)
from portal.permissions import Permission, can, require
from portal.web import REFUSED, done, form_summary, load, refused, status_of

from . import services
from .forms import EstablishmentForm, InviteForm, UserAccessForm, choices

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _attach_errors(form, exc: ServiceError) -> list[tuple[str | None, str]]:
    """Put a service's field errors on the form's fields; return the error summary's items."""
    summary = []
    for name, message in (exc.errors or {}).items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]
            summary.append((field.id, message))
        else:
            summary.append((None, message))
    if not summary:
        summary.append((None, exc.message))
    return summary


def _form_summary(form) -> list[tuple[str | None, str]]:
    return [
        (getattr(form, name).id if hasattr(form, name) else None, messages[0])
        for name, messages in form.errors.items()
        if messages
    ]


# ------------------------------------------------------------------ users


@bp.get("/utilisateurs")
@login_required
def users():
    require(current_user, Permission.MANAGE_USERS)
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    role = role if role in {r.value for r in Role} else ""
    result = services.search_users(
        current_user, q=q, role=role, page=request.args.get("page", 1, type=int) or 1
    )
    return render_template(
        "admin/users.html",
        result=result,
        q=q,
        role=role,
        filters={k: v for k, v in (("q", q), ("role", role)) if v},
        role_options=[(r.value, ROLE_LABELS[r]) for r in Role],
        INSTITUTION_LABELS=INSTITUTION_LABELS,
    )


@bp.route("/utilisateurs/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    require(current_user, Permission.MANAGE_USERS)
    user = load(User, user_id)
    form = UserAccessForm()
    if request.method == "GET":
        form.roles.data = services.grant_values(user)
        form.uai.data = user.establishment.uai if user.establishment else ""
    summary, status = [], 200
    if form.validate_on_submit():
        try:
            changed = services.update_user_access(
                current_user, user, roles=form.roles.data or [], uai=form.uai.data
            )
        except ServiceError as exc:
            summary, status = refused(exc, form), status_of(exc)
        else:
            return done(
                f"Les rôles et l'établissement de {user.full_name} sont enregistrés."
                if changed
                else f"Rien n'a changé pour {user.full_name}.",
                url_for("admin.users", q=user.email),
            )
    elif request.method == "POST":
        summary, status = form_summary(form), REFUSED
    return render_template("admin/user_form.html", form=form, user=user, summary=summary), status


@bp.route("/utilisateurs/inviter", methods=["GET", "POST"])
@login_required
def invite():
    require(current_user, Permission.MANAGE_USERS)
    form = InviteForm()
    summary = []
    if form.validate_on_submit():
        try:
            user = services.invite_user(
                current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                roles=form.roles.data,
                uai=form.uai.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            summary = _attach_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Invitation envoyée à {user.email}.", "success")
            return redirect(url_for("admin.users"))
    else:
        summary = _form_summary(form)
    return render_template("admin/invite.html", form=form, summary=summary), 400 if summary else 200


@bp.post("/utilisateurs/<int:user_id>/activation")
@login_required
def set_active(user_id: int):
    require(current_user, Permission.MANAGE_USERS)
    user = db.session.get(User, user_id) or abort(404)
    active = request.form.get("active") == "1"
    try:
        services.set_user_active(current_user, user, active)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(
            f"Le compte de {user.full_name} est {'activé' if active else 'désactivé'}.", "success"
        )
    return redirect(url_for("admin.users"))


# ------------------------------------------------------------------ establishments


@bp.get("/etablissements")
@login_required
def establishments():
    require(current_user, Permission.VIEW_ESTABLISHMENTS)
    q = request.args.get("q", "").strip()
    department = request.args.get("departement", "")
    department = department if department in ACADEMY_DEPARTMENTS else ""
    kind = request.args.get("type", "")
    kind = kind if kind in {k.value for k in KIND_LABELS} else ""
    page = request.args.get("page", 1, type=int) or 1
    result = services.search_establishments(
        current_user, q=q, department=department, kind=kind, page=page
    )
    return render_template(
        "admin/establishments.html",
        result=result,
        q=q,
        department=department,
        kind=kind,
        departments=ACADEMY_DEPARTMENTS,
        can_edit=can(current_user, Permission.MANAGE_ESTABLISHMENTS),
    )


def _establishment_form(est: Establishment | None) -> EstablishmentForm:
    form = (
        EstablishmentForm(obj=est)
        if est is not None and request.method == "GET"
        else EstablishmentForm()
    )
    if est is not None and request.method == "GET":
        form.sector.data = "public" if est.public else "private"
        form.kind.data = est.kind.value
        form.network_id.data = str(est.network_id or "")
    networks = db.session.scalars(select(Network).order_by(Network.department_code, Network.name))
    form.network_id.choices = choices(
        [("", "Aucun")] + [(str(n.id), f"{n.name} ({n.department_code})") for n in networks]
    )
    return form


def _form_data(form: EstablishmentForm) -> dict:
    return {
        "uai": form.uai.data,
        "name": form.name.data,
        "kind": form.kind.data,
        "public": form.sector.data == "public",
        "department_code": form.department_code.data,
        "commune": form.commune.data,
        "email": form.email.data,
        "network_id": form.network_id.data,
        "priority_education": form.priority_education.data,
        "siret": form.siret.data,
        "managing_body_name": form.managing_body_name.data,
        "managing_body_siret": form.managing_body_siret.data,
        "managing_body_rna": form.managing_body_rna.data,
        "legal_representative": form.legal_representative.data,
    }


def _edit_page(est: Establishment | None):
    require(current_user, Permission.MANAGE_ESTABLISHMENTS)
    form = _establishment_form(est)
    summary, status = [], 200
    if form.validate_on_submit():
        try:
            if est is None:
                saved = services.create_establishment(current_user, _form_data(form))
            else:
                saved = services.update_establishment(
                    current_user, est, _form_data(form), form.version.data
                )
        except ServiceError as exc:
            db.session.rollback()
            summary, status = _attach_errors(form, exc), exc.status
        else:
            db.session.commit()
            flash(f"L'établissement « {saved.name} » ({saved.uai}) est enregistré.", "success")
            return redirect(url_for("admin.establishments", q=saved.uai))
    elif request.method == "POST":
        # Report the rules' findings too (e.g. a bad UAI next to a missing name), in one go.
        try:
            services.validate_establishment(_form_data(form), est)
        except ServiceError as exc:
            for name, message in exc.errors.items():
                field = getattr(form, name, None)
                if field is not None and not field.errors:
                    field.errors = [message]
        summary, status = _form_summary(form), 400
    return render_template(
        "admin/establishment_form.html", form=form, est=est, summary=summary
    ), status


@bp.route("/etablissements/nouveau", methods=["GET", "POST"])
@login_required
def new_establishment():
    return _edit_page(None)


@bp.route("/etablissements/<int:establishment_id>", methods=["GET", "POST"])
@login_required
def edit_establishment(establishment_id: int):
    require(current_user, Permission.MANAGE_ESTABLISHMENTS)
    est = db.session.get(Establishment, establishment_id) or abort(404)
    return _edit_page(est)


from . import network_views, reference_views  # noqa: E402,F401  (register their routes on bp)
