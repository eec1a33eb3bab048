"""Submission, and the receipt of each submission (PDF)."""

from __future__ import annotations

import io

from flask import flash, redirect, send_file, url_for
from flask_login import current_user, login_required

from portal.errors import Conflict, NotFound, ServiceError
from portal.web import done, refused

from .. import services
from ..documents import receipt_filename, render_receipt
from .blueprint import bp
from .common import load_dossier


@bp.post("/<int:dossier_id>/deposer")
@login_required
def submit(dossier_id: int):
    dossier = load_dossier(dossier_id)
    try:
        services.submit_dossier(current_user, dossier)
    except ServiceError as exc:
        refused(exc)  # rolls back; 403 and 404 go on to the error page
        if isinstance(exc, Conflict):
            flash(exc.message, "warning")
            return redirect(url_for("applications.detail", dossier_id=dossier.id))
        flash(exc.message, "error")
        return redirect(url_for("applications.step", dossier_id=dossier.id, step="recapitulatif"))
    return done(
        f"Le dossier a été déposé sous la référence {dossier.reference}. Le récépissé de "
        "dépôt est disponible ci-dessous.",
        url_for("applications.detail", dossier_id=dossier.id),
    )


@bp.get("/<int:dossier_id>/recepisse/<int:number>")
@login_required
def receipt(dossier_id: int, number: int):
    dossier = load_dossier(dossier_id)
    submission = services.get_submission(dossier, number)
    if submission is None:
        raise NotFound("Ce récépissé n'existe pas.")
    pdf = render_receipt(dossier, submission)
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=receipt_filename(dossier, submission),
    )
