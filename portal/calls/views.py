"""Call set-up by call administrators; any signed-in person may read a published call."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from portal.db import db, utcnow
from portal.errors import Conflict, ServiceError
from portal.formatting import format_due
from portal.models import CALL_STATUS_LABELS, CallStatus
from portal.permissions import Permission, can, require
from portal.web import REFUSED, done, status_of

from . import deadlines, duplication, lifecycle, services
from .deadline_forms import DerogationForm, DuplicateForm, ExtendDeadlineForm
from .forms import CallForm

bp = Blueprint("calls", __name__, url_prefix="/appels")


@bp.get("/")
@login_required
def index():
    now = utcnow()
    calls = services.visible_calls(current_user)
    manager = can(current_user, Permission.MANAGE_CALLS)
    counts = services.submitted_counts() if manager else {}
    return render_template(
        "calls/index.html",
        groups=services.calls_by_status(calls, now),
        counts=counts,
        manager=manager,
        now=now,
        STATUS_LABELS=CALL_STATUS_LABELS,
    )


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def new():
    require(current_user, Permission.MANAGE_CALLS)
    form = CallForm()
    summary = []
    if form.validate_on_submit():
        try:
            call = services.create_call(current_user, form.to_data())
            db.session.commit()
        except ServiceError as exc:
            if exc.status != 400:
                raise
            db.session.rollback()
            summary = form.attach_errors(exc.errors) or [("", exc.message)]
        else:
            flash(
                f"L'appel « {call.title} » a été créé. Il reste en préparation tant que vous ne "
                "l'ouvrez pas.",
                "success",
            )
            return redirect(url_for("calls.detail", call_id=call.id))
    elif form.is_submitted():
        summary = form.summary()
    status = REFUSED if form.is_submitted() else 200
    return render_template(
        "calls/form.html", form=form, call=None, locked=False, form_errors=summary
    ), status


@bp.get("/<int:call_id>")
@login_required
def detail(call_id: int, open_errors: dict | None = None, status: int = 200):
    call = services.get_call(current_user, call_id)
    now = utcnow()
    manager = can(current_user, Permission.MANAGE_CALLS, call)
    blockers = (
        services.opening_blockers(call, now) if manager and call.status == CallStatus.draft else {}
    )
    return render_template(
        "calls/detail.html",
        call=call,
        now=now,
        manager=manager,
        effective=call.effective_status(now),
        STATUS_LABELS=CALL_STATUS_LABELS,
        blockers=blockers,
        open_errors=open_errors,
        editable=manager and services.editable(call, now),
        kind_labels=services.kind_labels(call),
        field_labels=services.field_labels(call),
    ), status


@bp.route("/<int:call_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(call_id: int):
    call = services.get_call(current_user, call_id)
    require(current_user, Permission.MANAGE_CALLS, call)
    if not services.editable(call):
        flash("Cet appel est clos : il ne peut plus être modifié.", "error")
        return redirect(url_for("calls.detail", call_id=call.id))
    locked = call.status != CallStatus.draft
    form = CallForm(call=call)
    summary = []
    status = 200
    if form.validate_on_submit():
        try:
            services.update_call(
                current_user, call, form.to_data(locked=locked), expected_version=form.version.data
            )
            db.session.commit()
        except (ServiceError, StaleDataError) as exc:
            db.session.rollback()
            if isinstance(exc, StaleDataError):
                exc = Conflict(services.STALE_MESSAGE)
            if exc.status in (403, 404):
                raise
            status = status_of(exc)
            summary = form.attach_errors(exc.errors) or [("", exc.message)]
            call = services.get_call(current_user, call_id)  # fresh after the rollback
        else:
            flash("Les modifications de l'appel ont été enregistrées.", "success")
            return redirect(url_for("calls.detail", call_id=call.id))
    elif form.is_submitted():
        summary, status = form.summary(), REFUSED
    return render_template(
        "calls/form.html",
        form=form,
        call=call,
        locked=locked,
        form_errors=summary,
        kind_labels=services.kind_labels(call),
        field_labels=services.field_labels(call),
    ), status


@bp.post("/<int:call_id>/ouvrir", endpoint="open")
@login_required
def open_(call_id: int):
    call = services.get_call(current_user, call_id)
    try:
        lifecycle.open_call(current_user, call)
        db.session.commit()
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        db.session.rollback()
        if exc.status == 409:
            flash(exc.message, "error")
            return redirect(url_for("calls.detail", call_id=call_id))
        return detail(call_id, open_errors=exc.errors or {"": exc.message}, status=REFUSED)
    flash(
        f"L'appel « {call.title} » est ouvert : les établissements éligibles peuvent créer "
        "leurs dossiers.",
        "success",
    )
    return redirect(url_for("calls.detail", call_id=call.id))


@bp.post("/<int:call_id>/<any(suivi, archiver):move>", endpoint="move")
@login_required
def move(call_id: int, move: str):
    """A decided call into follow-up (« suivi »), then to the archives (« archiver »)."""
    call = services.get_call(current_user, call_id)
    action = {"suivi": "follow_up", "archiver": "archive"}[move]
    try:
        lifecycle.move_call(current_user, call, action)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("calls.detail", call_id=call_id))
    _, message = lifecycle.LATER_MOVES[action]
    return done(message.format(title=call.title), url_for("calls.detail", call_id=call.id))


# ---------------------------------------------------------------- the deadline after opening


def _deadline_page(call, extend_form=None, derogation_form=None, summary=None, status=200):
    now = utcnow()
    return render_template(
        "calls/deadline.html",
        call=call,
        now=now,
        effective=call.effective_status(now),
        extend_form=extend_form or ExtendDeadlineForm(formdata=None),
        derogation_form=derogation_form or DerogationForm(formdata=None),
        form_errors=summary or [],
        derogations=sorted(call.derogations, key=lambda d: d.establishment.name),
    ), status


def _managed_call(call_id: int):
    call = services.get_call(current_user, call_id)
    require(current_user, Permission.MANAGE_CALLS, call)
    return call


@bp.get("/<int:call_id>/date-limite")
@login_required
def deadline(call_id: int):
    return _deadline_page(_managed_call(call_id))


@bp.post("/<int:call_id>/date-limite")
@login_required
def extend_deadline(call_id: int):
    call = _managed_call(call_id)
    form = ExtendDeadlineForm()
    try:
        form.check_input()
        deadlines.extend_deadline(current_user, call, form.moment(), form.reason.data)
    except ServiceError as exc:
        if exc.status == 409:
            raise
        db.session.rollback()
        summary = form.attach(exc.errors or {"": exc.message})
        return _deadline_page(call, extend_form=form, summary=summary, status=REFUSED)
    return done(
        f"La date limite est prolongée jusqu'au {format_due(call.deadline_at)} ; les "
        "établissements ayant un brouillon sont prévenus.",
        url_for("calls.deadline", call_id=call.id),
    )


@bp.post("/<int:call_id>/derogations")
@login_required
def grant_derogation(call_id: int):
    call = _managed_call(call_id)
    form = DerogationForm()
    try:
        form.check_input()
        derogation = deadlines.grant_derogation(
            current_user,
            call,
            form.uai.data,
            form.moment(),
            form.reason.data,
        )
    except ServiceError as exc:
        if exc.status == 409:
            raise
        db.session.rollback()
        summary = form.attach(exc.errors or {"": exc.message})
        return _deadline_page(call, derogation_form=form, summary=summary, status=REFUSED)
    return done(
        f"{derogation.establishment.name} peut déposer son dossier jusqu'au "
        f"{format_due(derogation.until)}, par dérogation.",
        url_for("calls.deadline", call_id=call.id),
    )


# ---------------------------------------------------------------- the next school year


@bp.route("/<int:call_id>/dupliquer", methods=["GET", "POST"])
@login_required
def duplicate(call_id: int):
    source = _managed_call(call_id)
    parts = duplication.duplication_parts(source)
    form = DuplicateForm(parts=parts)
    summary: list = []
    if request.method == "POST":
        try:
            form.check_input()
            call, _ = duplication.duplicate_call(
                current_user,
                source,
                form.title.data,
                form.school_year.data,
                form.parts.data or [],
            )
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            db.session.rollback()
            summary = form.attach(exc.errors or {"": exc.message})
        else:
            return done(
                f"L'appel « {call.title} » a été créé en préparation à partir de « "
                f"{source.title} ». Vérifiez ses dates d'ouverture et de dépôt avant de l'ouvrir.",
                url_for("calls.detail", call_id=call.id),
            )
    else:
        year = duplication.next_school_year(source.school_year)
        form.school_year.data = year
        form.title.data = source.title.replace(source.school_year, year)
        form.parts.data = []
    return render_template(
        "calls/duplicate.html",
        source=source,
        form=form,
        kernel_parts=duplication.KERNEL_PARTS,
        area_parts=[p for p in parts if not p["confirm"]],
        form_errors=summary,
    ), (REFUSED if summary else 200)


from . import indicator_views  # noqa: E402,F401  (registers its routes on bp)
