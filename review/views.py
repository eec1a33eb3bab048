"""Review pages. Screening is done from the dossier's page; this blueprint takes the posts."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from applications.models import Dossier
from portal.db import db
from portal.errors import NotFound, ServiceError

from . import services
from .forms import ScreeningForm

bp = Blueprint("review", __name__, url_prefix="/instruction")


@bp.post("/dossiers/<int:dossier_id>/recevabilite")
@login_required
def screen(dossier_id: int):
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound()
    form = ScreeningForm()
    checklist = {key: getattr(form, f"check_{key}").data for key in services.CHECKLIST}
    try:
        services.screen_dossier(current_user, dossier, form.outcome.data or "",
                                form.motivation.data or "", checklist)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status in (403, 404, 409):
            raise
        field = getattr(form, exc.field or "outcome", form.outcome)
        field.errors = [exc.message]
        from applications.views import detail_context
        dossier = db.session.get(Dossier, dossier_id)
        return render_template("applications/detail.html",
                               **detail_context(dossier, screening_form=form)), 400
    db.session.commit()
    flash(f"Dossier {dossier.reference} déclaré {dossier.status_label.lower()}.", "success")
    return redirect(url_for("applications.detail", dossier_id=dossier.id))


# The area's other pages register their routes on the same blueprint.
from . import views_commission, views_ranking, views_scoring, views_setup  # noqa: E402,F401
