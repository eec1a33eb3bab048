"""Call set-up by call administrators; any signed-in person may read a published call."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from portal.db import db, utcnow
from portal.errors import Conflict, ServiceError
from portal.models import CALL_STATUS_LABELS, CallStatus
from portal.permissions import Permission, can, require
from portal.web import REFUSED, done, status_of

from . import lifecycle, services
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
