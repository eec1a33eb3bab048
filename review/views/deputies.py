"""A co-pilot's deputy for a call: named (or replaced) and removed by the co-pilot."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user, login_required

from portal.errors import PermissionDenied, ServiceError
from portal.models import Call
from portal.web import done, load, refused

from ..forms import DeputyForm
from ..services import deputies as svc
from ..services.decisions import FOR_INSTITUTION
from . import bp


def _copiloted(call_id: int):
    call = load(Call, call_id)
    row = svc.copilot_row(current_user, call.id)
    if row is None:
        raise PermissionDenied("Seul le co-pilote de l'appel désigne son suppléant.")
    return call, row


def _page(call, row, form=None, status=200):
    people = svc.deputy_candidates(current_user, call)
    deputy = svc.deputy_row(call.id, row.institution)
    return render_template(
        "review/commission/deputy.html",
        call=call,
        deputy=deputy,
        for_institution=FOR_INSTITUTION[row.institution],
        form=form or DeputyForm(formdata=None, people=people),
        form_errors=[(form.deputy_id.id, form.deputy_id.errors[0])]
        if form is not None and form.deputy_id.errors
        else [],
    ), status


@bp.get("/appels/<int:call_id>/suppleant")
@login_required
def deputy(call_id: int):
    call, row = _copiloted(call_id)
    return _page(call, row)


@bp.post("/appels/<int:call_id>/suppleant")
@login_required
def name_deputy(call_id: int):
    call, row = _copiloted(call_id)
    form = DeputyForm(people=svc.deputy_candidates(current_user, call))
    try:
        form.check_input()
        named = svc.name_deputy(current_user, call, form.deputy_id.data)
    except ServiceError as exc:
        if exc.status == 409:
            raise
        refused(exc)
        form.deputy_id.errors = [exc.message]
        return _page(call, row, form, 400)
    return done(
        f"{named.deputy.full_name} est votre suppléant pour cet appel.",
        url_for("review.deputy", call_id=call.id),
    )


@bp.post("/appels/<int:call_id>/suppleant/retirer")
@login_required
def remove_deputy(call_id: int):
    call, _ = _copiloted(call_id)
    svc.remove_deputy(current_user, call)
    return done(
        "Vous n'avez plus de suppléant pour cet appel.", url_for("review.deputy", call_id=call.id)
    )
