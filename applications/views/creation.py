"""A new dossier for an open call."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.calls.services import get_call
from portal.db import db
from portal.errors import NotFound, ServiceError
from portal.permissions import Permission, require
from portal.web import refused

from .. import services
from ..forms import NewDossierForm
from .blueprint import bp
from .steps import STEP_SLUGS


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
    return render_template("applications/new.html", form=form, call=call, error=error), status
