"""A dossier's attachments: upload, removal, download."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user, login_required

from portal.errors import NotFound, ServiceError
from portal.filetypes import check_upload
from portal.storage import send_stored
from portal.web import done, load, refused

from .. import services
from ..forms import AttachmentForm
from ..models import Attachment, Dossier
from .blueprint import bp
from .common import load_dossier
from .steps import attachments_page


def _load_attachment(dossier: Dossier, attachment_id: int) -> Attachment:
    attachment = load(Attachment, attachment_id)
    if attachment.dossier_id != dossier.id:
        raise NotFound()
    return attachment


@bp.post("/<int:dossier_id>/pieces")
@login_required
def upload(dossier_id: int):
    dossier = load_dossier(dossier_id)
    form = AttachmentForm()
    upload = request.files.get("file")
    filename = upload.filename if upload else ""
    data = upload.read() if upload else b""
    try:
        form.check_input()
        if dossier.call.attachment_kinds and not (form.kind_id.data or "").strip():
            _refuse_without_kind(dossier, filename, data)
        services.add_attachment(
            current_user, dossier, filename, data, kind_id=form.kind_id.data or None
        )
    except ServiceError as exc:
        if exc.status == 409:
            raise
        refused(exc)
        # A problem of the upload itself is the file field's, whatever key the rule gave it.
        summary = []
        for key, message in (exc.errors or {"file": exc.message}).items():
            field = form[key] if key in ("file", "kind_id") else form.file
            field.errors = list(field.errors or []) + [message]
            summary.append((field.id, message))
        return attachments_page(dossier, form, 400, form_errors=summary)
    return done(
        f"Le fichier « {filename} » a été joint au dossier."
        + (_remaining_sentence(dossier) or " Toutes les pièces obligatoires sont jointes."),
        url_for("applications.step", dossier_id=dossier.id, step="pieces-jointes"),
    )


def _refuse_without_kind(dossier: Dossier, filename: str, data: bytes) -> None:
    """A file without its type is never filed as "Autre" by default (the piece the call requires
    would stay missing): refused, with what is wrong with the file too, if anything."""
    services.require_editable(current_user, dossier)  # a locked dossier: 409 first
    errors = {
        "kind_id": "Choisissez le type de pièce de ce fichier." + _remaining_sentence(dossier)
    }
    try:
        check_upload(filename, data)
    except ServiceError as exc:
        errors["file"] = exc.message
    raise ServiceError(errors["kind_id"], errors=errors)


def _remaining_sentence(dossier: Dossier) -> str:
    """ " Pièces obligatoires encore à joindre : A, B." or "" when none remains."""
    present = {a.kind_id for a in dossier.attachments}
    missing = [k.label for k in dossier.call.attachment_kinds if k.required and k.id not in present]
    if not missing:
        return ""
    return " Pièces obligatoires encore à joindre : " + ", ".join(missing) + "."


@bp.post("/<int:dossier_id>/pieces/<int:attachment_id>/supprimer")
@login_required
def remove_attachment(dossier_id: int, attachment_id: int):
    dossier = load_dossier(dossier_id)
    attachment = _load_attachment(dossier, attachment_id)
    filename = attachment.filename
    services.remove_attachment(current_user, attachment)
    return done(
        f"Le fichier « {filename} » a été retiré du dossier.",
        url_for("applications.step", dossier_id=dossier.id, step="pieces-jointes"),
    )


@bp.get("/<int:dossier_id>/pieces/<int:attachment_id>")
@login_required
def download(dossier_id: int, attachment_id: int):
    dossier = load_dossier(dossier_id)
    attachment = _load_attachment(dossier, attachment_id)
    return send_stored(
        services.read_attachment(current_user, attachment),
        mimetype=attachment.content_type,
        filename=attachment.filename,
        size=attachment.size,
    )
