"""A new dossier for an open call: from nothing, or from one of the establishment's previous
dossiers."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.calls.services import get_call
from portal.db import db
from portal.errors import NotFound, ServiceError
from portal.permissions import Permission, require
from portal.web import refused

from .. import services
from ..forms import NewDossierForm, PreviousDossierForm
from .blueprint import bp
from .steps import STEP_SLUGS


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def new():
    call = _call_from_request()
    form = NewDossierForm()
    error = None
    if request.method == "POST":
        try:
            form.check_input()
            dossier = services.create_dossier(current_user, call, title=form.title.data or "")
        except ServiceError as exc:
            refused(exc)
            if exc.field == "title":
                form.title.errors = [exc.message]
            else:
                error = exc.message
        else:
            db.session.commit()
            flash(
                "Le dossier a été créé. Complétez-le étape par étape ; chaque étape s'enregistre.",
                "success",
            )
            return redirect(url_for("applications.step", dossier_id=dossier.id, step=STEP_SLUGS[0]))
    status = 400 if (error or form.title.errors) else 200
    return _page(call, form=form, error=error), status


def _call_from_request():
    call_id = request.values.get("call_id", "")
    if not call_id.isdigit():
        raise NotFound("Cet appel à projets n'existe pas.")
    call = get_call(current_user, int(call_id))  # a draft call stays hidden (404)
    require(current_user, Permission.CREATE_DOSSIER, call)
    return call


def _page(call, form=None, previous_form=None, error=None, previous_error=None):
    previous = services.previous_dossiers(current_user, call)
    return render_template(
        "applications/new.html",
        form=form or NewDossierForm(formdata=None),
        previous_form=previous_form or PreviousDossierForm(formdata=None, dossiers=previous),
        has_previous=bool(previous),
        call=call,
        error=error,
        previous_error=previous_error,
    )


@bp.post("/nouveau/depuis-un-dossier")
@login_required
def new_from_previous():
    call = _call_from_request()
    form = PreviousDossierForm(dossiers=services.previous_dossiers(current_user, call))
    try:
        form.check_input()
        if not (form.previous_id.data or "").isdigit():
            raise ServiceError("Choisissez le dossier de départ.", field="previous_id")
        dossier = services.create_from_previous(current_user, call, form.previous_id.data)
    except ServiceError as exc:
        refused(exc)  # 404 for a dossier not of the establishment
        if exc.field == "previous_id":
            form.previous_id.errors = [exc.message]
            return _page(call, previous_form=form), 400
        return _page(call, previous_form=form, previous_error=exc.message), 400
    db.session.commit()
    flash(
        "Le dossier a été créé à partir du précédent : mettez à jour le budget et les dates des "
        "actions, et joignez les pièces demandées (elles ne sont pas reprises).",
        "success",
    )
    return redirect(url_for("applications.step", dossier_id=dossier.id, step=STEP_SLUGS[0]))
