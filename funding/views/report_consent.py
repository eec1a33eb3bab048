"""The final report's consent to publication and its PDF (/financement/dossiers/<id>/bilan…).

Only the head of the establishment gives or withdraws the consent
(funding.services.report_outcomes.set_consent); withdrawing is possible at any time, even once
the report is validated, and asks for a confirmation first (portal.web.confirmed). Neither
changes the report's status.
"""

from __future__ import annotations

import io

from flask import send_file, url_for
from flask_login import current_user, login_required

from portal.errors import NotFound, ServiceError
from portal.permissions import Permission, require
from portal.web import confirmation_page, confirmed, done, refused, status_of

from .. import documents
from ..forms import ConfirmForm
from ..services import report_outcomes as figures
from ..services import reports
from . import bp
from .grants import grant_dossier
from .reports import _report_page


def _consent_url(dossier) -> str:
    return url_for("funding.report", dossier_id=dossier.id, _anchor="publication")


@bp.post("/dossiers/<int:dossier_id>/bilan/publication")
@login_required
def give_publication_consent(dossier_id: int):
    dossier = grant_dossier(dossier_id)
    ConfirmForm().check_input()
    try:
        figures.set_consent(current_user, dossier, True)
    except ServiceError as exc:
        refused(exc)
        return _report_page(dossier, status=status_of(exc), error=exc.message)
    return done(
        "Votre accord est enregistré : le projet pourra être présenté dans le catalogue public "
        "des pratiques, une fois sa fiche validée par la coordination MLDS.",
        _consent_url(dossier),
    )


@bp.post("/dossiers/<int:dossier_id>/bilan/publication/retrait")
@login_required
def withdraw_publication_consent(dossier_id: int):
    dossier = grant_dossier(dossier_id)
    ConfirmForm().check_input()
    if not confirmed():
        require(current_user, Permission.CONSENT_PUBLICATION, dossier, message=figures.HEAD_ONLY)
        return confirmation_page(
            "Retirer l'accord de publication du projet ?",
            figures.WITHDRAW_CONSEQUENCES,
            button="Retirer l'accord",
            cancel_url=_consent_url(dossier),
        )
    report = reports.report_of(dossier)
    had_consent = bool(report and report.publication_consent)
    try:
        figures.set_consent(current_user, dossier, False)
    except ServiceError as exc:
        refused(exc)
        return _report_page(dossier, status=status_of(exc), error=exc.message)
    return done(
        "L'accord de publication est retiré : le projet n'apparaît plus dans le catalogue public."
        if had_consent
        else "Aucun accord de publication n'était donné : rien n'a changé.",
        _consent_url(dossier),
    )


@bp.get("/dossiers/<int:dossier_id>/bilan.pdf")
@login_required
def report_pdf(dossier_id: int):
    dossier = grant_dossier(dossier_id)
    report = reports.report_of(dossier)
    if report is None:
        raise NotFound("Le bilan final de ce dossier n'a pas encore été commencé.")
    return send_file(
        io.BytesIO(documents.report_pdf(report)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=documents.report_pdf_filename(report),
    )
