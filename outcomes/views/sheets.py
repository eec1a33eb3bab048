"""/coordination/fiches: the MLDS coordinator writes, validates and withdraws the practice sheets
of the funded projects whose head agreed to publication."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import Conflict, ServiceError
from portal.permissions import Permission, require
from portal.web import REFUSED, done, form_summary, refused, status_of

from ..forms import SheetForm
from ..services import catalogue_sheets as sheets
from . import bp


@bp.get("/coordination/fiches")
@login_required
def sheets_list():
    require(current_user, Permission.MANAGE_PRACTICE_SHEETS)
    state = request.args.get("etat", "")
    state = state if state in sheets.STATES else ""
    result, by_dossier = sheets.listing(current_user, state, request.args.get("page"))
    return render_template(
        "outcomes/sheets.html",
        result=result,
        by_dossier=by_dossier,
        state=state,
        STATES=sheets.STATES,
        counts=sheets.counts(),
        state_of=sheets.state_of,
    )


def _page(report, sheet, form, form_errors=(), status=200):
    return render_template(
        "outcomes/sheet_form.html",
        report=report,
        dossier=report.dossier,
        sheet=sheet,
        form=form,
        form_errors=list(form_errors),
        STATES=sheets.STATES,
        state=sheets.state_of(sheet),
    ), status


def _filled(report, sheet) -> SheetForm:
    """The form as the sheet stands (or its first wording), whatever was posted."""
    form = SheetForm(formdata=None)
    values = (
        {"title": sheet.title, "summary": sheet.summary, "results": sheet.results}
        if sheet is not None
        else sheets.prefill(report)
    )
    for key, value in values.items():
        getattr(form, key).data = value
    form.version.data = str(sheet.version if sheet is not None else 0)
    return form


@bp.route("/coordination/fiches/<int:dossier_id>", methods=["GET", "POST"])
@login_required
def sheet_edit(dossier_id: int):
    report, sheet = sheets.load(current_user, dossier_id)
    if request.method == "GET":
        return _page(report, sheet, _filled(report, sheet))
    form = SheetForm()
    if not form.validate_on_submit():
        return _page(report, sheet, form, form_summary(form), REFUSED)
    publish = request.form.get("action") == "publish"
    try:
        saved = sheets.save(
            current_user,
            dossier_id,
            form.to_data(),
            expected_version=form.version.data,
            publish=publish,
        )
    except (ServiceError, StaleDataError) as exc:
        if isinstance(exc, StaleDataError):
            exc = Conflict(sheets.STALE)
        summary = refused(exc, form)
        report, sheet = sheets.load(current_user, dossier_id)  # fresh after the rollback
        return _page(report, sheet, form, summary, status_of(exc))
    message = (
        "La fiche est publiée dans le catalogue des pratiques."
        if saved.status == "validated"
        else "Le brouillon de la fiche est enregistré."
    )
    return done(message, url_for("outcomes.sheet_edit", dossier_id=dossier_id))


@bp.post("/coordination/fiches/<int:dossier_id>/retrait")
@login_required
def sheet_unpublish(dossier_id: int):
    report, sheet = sheets.load(current_user, dossier_id)
    form = SheetForm()
    if not form.validate_on_submit():
        return _page(report, sheet, _filled(report, sheet), form_summary(form), REFUSED)
    try:
        sheets.unpublish(current_user, dossier_id, expected_version=form.version.data)
    except (ServiceError, StaleDataError) as exc:
        if isinstance(exc, StaleDataError):
            exc = Conflict(sheets.STALE)
        summary = refused(exc, form)
        report, sheet = sheets.load(current_user, dossier_id)
        return _page(report, sheet, _filled(report, sheet), summary, status_of(exc))
    return done(
        "La fiche est retirée du catalogue ; elle reste en brouillon.",
        url_for("outcomes.sheet_edit", dossier_id=dossier_id),
    )
