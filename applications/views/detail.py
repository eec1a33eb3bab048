"""The dossier's page, and what is done from it: withdrawal, a request for completion."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user, login_required

from portal.db import utcnow
from portal.errors import ServiceError
from portal.web import done, refused

from .. import services
from ..forms import CompletionRequestForm, WithdrawForm
from ..models import Dossier
from ..signals import panels_of
from .blueprint import bp
from .common import form_labels, load_dossier, next_action


def detail_context(dossier: Dossier, **extra) -> dict:
    """The dossier page's context; the panels of higher areas (screening, decision) come through
    `applications.signals.dossier_panels`, and `extra` overrides any of it (a refused form)."""
    panels, panel_context = panels_of(dossier, current_user)
    ctx = {
        "dossier": dossier,
        **panel_context,
        "panels": panels,
        "completion_form": (
            extra.pop("completion_form", None) or CompletionRequestForm(formdata=None)
        ),
        "withdraw_form": WithdrawForm(formdata=None),
        "labels": form_labels(),
        "now": utcnow(),
        "next_step_text": next_action(dossier),
    }
    ctx.update(extra)
    return ctx


@bp.get("/<int:dossier_id>")
@login_required
def detail(dossier_id: int):
    dossier = load_dossier(dossier_id)
    return render_template("applications/detail.html", **detail_context(dossier))


@bp.post("/<int:dossier_id>/retirer")
@login_required
def withdraw(dossier_id: int):
    dossier = load_dossier(dossier_id)
    form = WithdrawForm()
    form.check_input()
    services.withdraw_dossier(current_user, dossier, form.reason.data or "")
    return done("Le dossier a été retiré.", url_for("applications.detail", dossier_id=dossier.id))


@bp.post("/<int:dossier_id>/complements")
@login_required
def request_completion(dossier_id: int):
    dossier = load_dossier(dossier_id)
    form = CompletionRequestForm()
    try:
        form.check_input()
        services.request_completion(current_user, dossier, form.message.data or "")
    except ServiceError as exc:
        if exc.status == 409:
            raise
        refused(exc)
        form.message.errors = [exc.message]
        return render_template(
            "applications/detail.html",
            **detail_context(
                dossier, completion_form=form, form_errors=[(form.message.id, exc.message)]
            ),
        ), 400
    return done(
        "La demande de compléments a été envoyée à l'établissement ; le dossier est "
        "« À compléter ».",
        url_for("applications.detail", dossier_id=dossier.id),
    )
