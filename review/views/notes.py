"""Internal notes are written from the dossier's page; this page group takes the post."""

from flask import render_template, url_for
from flask_login import current_user, login_required

from applications.models import Dossier
from applications.views import detail_context
from portal.errors import ServiceError
from portal.permissions import Permission
from portal.web import done, load

from ..forms import NoteForm
from ..services import notes
from . import bp, refused_here


@bp.post("/dossiers/<int:dossier_id>/notes")
@login_required
def add_note(dossier_id: int):
    dossier = load(Dossier, dossier_id, Permission.VIEW_NOTES)
    form = NoteForm()
    try:
        form.check_input()
        notes.add_note(current_user, dossier, form.body.data or "")
    except ServiceError as exc:
        summary = refused_here(exc, form)
        dossier = load(Dossier, dossier_id)
        return render_template(
            "applications/detail.html",
            **detail_context(dossier, note_form=form, form_errors=summary),
        ), 400
    return done(
        "La note interne a été enregistrée.",
        url_for("applications.detail", dossier_id=dossier.id, _anchor="notes-internes"),
    )
