"""The call office's work on its list: actions on a selection, the filtered list as a file, the
labels (defined, set on a dossier, removed), a whole dossier as one PDF, its attachments as a ZIP."""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import exports as tables
from portal.db import db, utcnow
from portal.errors import Conflict, ServiceError
from portal.models import Call
from portal.permissions import Permission, can, require
from portal.storage import get_store, send_stored
from portal.web import done, load, refused, status_of

from .. import documents, exports
from ..forms import BulkForm, DossierLabelForm, LabelForm
from ..models import Label
from ..services import bulk, labels, listing
from .blueprint import bp
from .common import load_dossier
from .detail import detail_context
from .lists import list_context

BATCH = 500


def _back() -> str:
    """The list with the filters the selection was made under (sent back as hidden fields)."""
    args = listing.Filters.parse(request.form, current_user).args()
    return url_for("applications.submitted", **args)


def _export(dossiers, fmt: str, name: str):
    office = can(current_user, Permission.MANAGE_LABELS)

    def rows():
        for start in range(0, len(dossiers), BATCH):
            batch = dossiers[start : start + BATCH]
            found = labels.labels_of(d.id for d in batch) if office else None
            yield from exports.rows(batch, found, listing.themes_of(d.id for d in batch))

    return tables.download(exports.header(office), rows(), fmt, name, "Dossiers")


@bp.post("/deposes/selection")
@login_required
def bulk_action():
    """Request completion of, label or export the ticked dossiers (each re-checked)."""
    form = BulkForm()
    action = request.form.get("action", "")
    try:
        form.check_input()
        dossiers = bulk.selection(current_user, request.form.getlist("dossier"))
        if action == "complements":
            count = bulk.request_completions(current_user, dossiers, form.message.data or "")
            message = f"{count} demande{'s' if count > 1 else ''} de compléments envoyée" + (
                "s." if count > 1 else "."
            )
        elif action == "etiquette":
            label, count = bulk.set_labels(current_user, dossiers, _int(form.label.data))
            message = f"Étiquette « {label.name} » posée sur {count} dossier" + (
                "s." if count > 1 else "."
            )
        elif action == "export":
            fmt = form.format.data or "csv"
            if fmt not in tables.FORMATS:
                raise ServiceError("Choisissez le format CSV ou XLSX.", field="format")
            return _export(dossiers, fmt, "dossiers-selection")
        else:
            raise ServiceError("Choisissez une action à appliquer à la sélection.", field="action")
    except ServiceError as exc:
        errors = refused(exc, form)
        errors = [(anchor or "selection", text) for anchor, text in errors]
        ctx = list_context(request.form, bulk_form=form, form_errors=errors)
        ctx["selected"] = set(request.form.getlist("dossier"))
        return render_template("applications/submitted.html", **ctx), status_of(exc)
    return done(message, _back())


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.get("/deposes/export.<fmt>")
@login_required
def export_list(fmt: str):
    """The filtered list (every page of it), as CSV or XLSX, read in batches."""
    if fmt not in tables.FORMATS:
        abort(404)
    filters = listing.Filters.parse(request.args, current_user)
    dossiers = list(
        db.session.scalars(
            listing.dossier_query(current_user, filters).execution_options(yield_per=BATCH)
        )
    )
    return _export(dossiers, fmt, "dossiers")


# ---------------------------------------------------------------- labels


@bp.route("/etiquettes", methods=["GET", "POST"])
@login_required
def labels_page():
    """The call office's labels: those of every call and those of one call; a new one."""
    require(current_user, Permission.MANAGE_LABELS)
    form = LabelForm()
    calls = list(db.session.scalars(select(Call).order_by(Call.deadline_at.desc())))
    errors, status = [], 200
    if request.method == "POST":
        try:
            form.check_input()
            call_id = _int(form.call.data)
            call = None
            if form.call.data:
                call = db.session.get(Call, call_id) if call_id else None
                if call is None:
                    raise ServiceError("Choisissez un appel à projets de la liste.", field="call")
            label = labels.create_label(current_user, form.name.data or "", call)
            return done(f"L'étiquette « {label.name} » a été créée.", url_for(".labels_page"))
        except ServiceError as exc:
            errors, status = refused(exc, form), status_of(exc)
    return render_template(
        "applications/labels.html",
        form=form,
        calls=calls,
        labels=labels.labels_for_calls(),
        form_errors=errors,
    ), status


@bp.post("/etiquettes/<int:label_id>/supprimer")
@login_required
def delete_label(label_id: int):
    require(current_user, Permission.MANAGE_LABELS)
    label = load(Label, label_id)
    name = label.name
    labels.delete_label(current_user, label)
    return done(f"L'étiquette « {name} » a été supprimée.", url_for(".labels_page"))


@bp.post("/<int:dossier_id>/etiquettes")
@login_required
def set_label(dossier_id: int):
    dossier = load_dossier(dossier_id, Permission.LABEL_DOSSIER)
    form = DossierLabelForm()
    try:
        form.check_input()
        label = labels.get_label(_int(form.label.data))
        labels.set_label(current_user, dossier, label)
    except ServiceError as exc:
        errors = refused(exc, form)
        return render_template(
            "applications/detail.html",
            **detail_context(dossier, label_form=form, form_errors=errors),
        ), status_of(exc)
    return done(
        f"Étiquette « {label.name} » posée.",
        url_for(".detail", dossier_id=dossier.id) + "#etiquettes",
    )


@bp.post("/<int:dossier_id>/etiquettes/<int:label_id>/retirer")
@login_required
def remove_label(dossier_id: int, label_id: int):
    dossier = load_dossier(dossier_id, Permission.LABEL_DOSSIER)
    label = load(Label, label_id)
    labels.remove_label(current_user, dossier, label)
    return done(
        f"Étiquette « {label.name} » retirée.",
        url_for(".detail", dossier_id=dossier.id) + "#etiquettes",
    )


# ---------------------------------------------------------------- documents


def _submitted(dossier):
    submission = dossier.latest_submission
    if submission is None:
        raise Conflict("Ce dossier n'a pas encore été déposé : il n'a pas de version complète.")
    return submission


@bp.get("/<int:dossier_id>/dossier.pdf")
@login_required
def dossier_pdf(dossier_id: int):
    """The whole dossier, as last submitted, as one PDF."""
    dossier = load_dossier(dossier_id)
    pdf = documents.render_dossier_pdf(dossier, _submitted(dossier), utcnow())
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{documents.dossier_pdf_filename(dossier)}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/<int:dossier_id>/pieces.zip")
@login_required
def attachments_zip(dossier_id: int):
    """The dossier's attachments as one ZIP, each streamed from the store into the archive."""
    dossier = load_dossier(dossier_id)
    if not dossier.attachments:
        raise Conflict("Ce dossier n'a aucune pièce jointe.")
    store = get_store()
    pieces = [
        (documents.safe_name(a.filename, i), a.storage_key)
        for i, a in enumerate(dossier.attachments, start=1)
    ]
    entries = ((name, store.open_stream(key)) for name, key in pieces)
    return send_stored(
        documents.zip_chunks(entries),
        mimetype="application/zip",
        filename=documents.attachments_zip_filename(dossier),
    )
