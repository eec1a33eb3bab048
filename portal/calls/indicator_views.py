"""The call office's page of a call's common indicators: the list (each editable), add, remove."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from portal.db import db
from portal.errors import ServiceError
from portal.forms import PortalForm
from portal.permissions import Permission, require
from portal.reference import DIRECTIONS, CallIndicator
from portal.web import confirmation_page, confirmed, done, refused, status_of

from . import indicators as services
from . import services as call_services
from .views import bp


class IndicatorForm(PortalForm):
    label = StringField("Libellé", description="Exemple : taux d'absentéisme.")
    unit = StringField("Unité", description="Facultatif. Exemple : %, jeunes, heures.")
    direction = SelectField(
        "Sens", choices=[SelectChoice(k, v) for k, v in DIRECTIONS.items()], validate_choice=False
    )
    measurement = TextAreaField("Comment il est mesuré", description="Source, période, calcul.")


def _call(call_id: int):
    call = call_services.get_call(current_user, call_id)
    require(current_user, Permission.MANAGE_CALLS, call)
    return call


def _render(call, forms=None, new_form=None, summary=None, status=200, conflict=None):
    rows = []
    for ci in services.indicators_of(call):
        form = (forms or {}).get(ci.id)
        if form is None:
            form = IndicatorForm(formdata=None, prefix=f"ind-{ci.id}", obj=ci)
        rows.append((ci, form))
    return render_template(
        "calls/indicators.html",
        call=call,
        rows=rows,
        editable=call.status in services.EDITABLE,
        new_form=new_form or IndicatorForm(formdata=None, prefix="new"),
        summary=summary,
        conflict=conflict,
    ), status


def _data(form) -> dict:
    return {k: form[k].data for k in ("label", "unit", "direction", "measurement")}


@bp.get("/<int:call_id>/indicateurs")
@login_required
def indicators(call_id: int):
    return _render(_call(call_id))


@bp.post("/<int:call_id>/indicateurs")
@login_required
def add_indicator(call_id: int):
    call = _call(call_id)
    form = IndicatorForm(prefix="new")
    try:
        form.check_input()
        ci = services.add_indicator(current_user, call, _data(form))
    except ServiceError as exc:
        summary = refused(exc, form)
        return _render(call, new_form=form, summary=summary, status=status_of(exc))
    return done(f"L'indicateur « {ci.label} » est ajouté.", url_for(".indicators", call_id=call.id))


def _indicator(call, indicator_id: int) -> CallIndicator:
    ci = db.session.get(CallIndicator, indicator_id)
    if ci is None or ci.call_id != call.id:
        abort(404)
    return ci


@bp.post("/<int:call_id>/indicateurs/<int:indicator_id>")
@login_required
def update_indicator(call_id: int, indicator_id: int):
    call = _call(call_id)
    ci = _indicator(call, indicator_id)
    form = IndicatorForm(prefix=f"ind-{ci.id}")
    try:
        form.check_input()
        services.update_indicator(current_user, ci, _data(form))
    except ServiceError as exc:
        summary = refused(exc, form)
        return _render(call, {indicator_id: form}, summary=summary, status=status_of(exc))
    return done(
        f"L'indicateur « {ci.label} » est enregistré.", url_for(".indicators", call_id=call.id)
    )


@bp.post("/<int:call_id>/indicateurs/<int:indicator_id>/retirer")
@login_required
def remove_indicator(call_id: int, indicator_id: int):
    call = _call(call_id)
    ci = _indicator(call, indicator_id)
    label = ci.label
    if not confirmed():
        return confirmation_page(
            f"Retirer l'indicateur « {label} » de l'appel ?",
            [
                "Il ne sera plus proposé aux dossiers (ce qui est possible tant qu'aucun ne l'a retenu)."
            ],
            button="Retirer l'indicateur",
            cancel_url=url_for(".indicators", call_id=call.id),
        )
    try:
        services.remove_indicator(current_user, ci)
    except ServiceError as exc:
        summary = refused(exc)
        return _render(call, summary=summary, status=status_of(exc))
    return done(
        f"L'indicateur « {label} » est retiré de l'appel.", url_for(".indicators", call_id=call.id)
    )
