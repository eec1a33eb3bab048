"""Screening is done from the dossier's page; this page group takes the post."""

from flask import render_template, url_for
from flask_login import current_user, login_required

from applications.models import Dossier
from applications.views import detail_context
from portal.errors import ServiceError
from portal.web import done, load

from ..forms import ScreeningForm
from ..services import screening
from . import bp, refused_here


@bp.post("/dossiers/<int:dossier_id>/recevabilite")
@login_required
def screen(dossier_id: int):
    dossier = load(Dossier, dossier_id)
    form = ScreeningForm()
    checklist = {key: getattr(form, f"check_{key}").data for key in screening.CHECKLIST}
    try:
        form.check_input()
        screening.screen_dossier(
            current_user, dossier, form.outcome.data or "", form.motivation.data or "", checklist
        )
    except ServiceError as exc:
        refused_here(exc, form)
        if not exc.errors:
            form.outcome.errors = [exc.message]
        dossier = load(Dossier, dossier_id)
        return render_template(
            "applications/detail.html", **detail_context(dossier, screening_form=form)
        ), 400
    return done(
        f"Dossier {dossier.reference} déclaré {dossier.status_label.lower()}.",
        url_for("applications.detail", dossier_id=dossier.id),
    )
