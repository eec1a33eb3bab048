"""The /api/v1 endpoints: parse and validate, call the same services as the pages, commit once.

Every write goes through applications.services (which asks portal.permissions); a refusal is a
ServiceError that the app's handler turns into `{"error": …, "errors": {…}}` with its status,
after rolling the session back. Objects the user may not see answer 404, as on the pages.
"""
from __future__ import annotations

import io

from flask import g, jsonify, request, send_file, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from applications import documents as receipts, services
from applications.models import Dossier
from applications.schemas import (AttachmentSchema, AttachmentUploadInput, DossierCreateInput,
                                  DossierListItemSchema, DossierPatchInput, DossierSchema,
                                  SubmissionSchema)
from portal import uai as uai_rules
from portal.db import db
from portal.errors import Conflict, NotFound, ServiceError
from portal.calls import services as call_services
from portal.models import Establishment
from applications.policy import visible_dossiers
from portal.permissions import APPLICANT_ROLES, Permission, can, require
from portal.schemas import CallSchema, EstablishmentSchema, load_input

from . import bp

STALE = ("Ce dossier a été modifié entre-temps par une autre requête. Relisez-le "
         "(GET) puis renvoyez vos modifications.")


def _user():
    return g.api_user


def _items(schema, objects):
    return jsonify({"items": schema(many=True).dump(objects)})


def _commit() -> None:
    """One commit per successful write; a concurrent change of the same row is a 409."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(STALE) from None


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(STALE) from None


# ---------------------------------------------------------------- calls

@bp.get("/calls")
def list_calls():
    """Calls that have been published (drafts too for those who manage calls)."""
    return _items(CallSchema, call_services.visible_calls(_user()))


@bp.get("/calls/<int:call_id>")
def get_call(call_id: int):
    return jsonify(CallSchema().dump(call_services.get_call(_user(), call_id)))


# ---------------------------------------------------------------- establishments

@bp.get("/establishments")
def list_establishments():
    """All establishments for those allowed to view them; an applicant sees their own."""
    user = _user()
    code = request.args.get("uai")
    if code is not None:
        try:
            code = uai_rules.validate(code)
        except ValueError as exc:
            raise ServiceError(str(exc), field="uai") from None
    query = select(Establishment).order_by(Establishment.uai)
    if code is not None:
        query = query.where(Establishment.uai == code)
    if not can(user, Permission.VIEW_ESTABLISHMENTS):
        if user.establishment_id is None or not user.has_role(*APPLICANT_ROLES):
            require(user, Permission.VIEW_ESTABLISHMENTS)  # logs and raises 403
        query = query.where(Establishment.id == user.establishment_id)
    return _items(EstablishmentSchema, db.session.scalars(query).all())


# ---------------------------------------------------------------- dossiers

def _dossier(dossier_id: int) -> Dossier:
    """The dossier if the user may read it, else 404 (its existence is confidential)."""
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound("Ce dossier n'existe pas ou ne vous est pas accessible.")
    require(_user(), Permission.VIEW_DOSSIER, dossier, hide=True)
    return dossier


def _dossier_response(dossier: Dossier, status: int = 200):
    response = jsonify(DossierSchema().dump(dossier))
    response.status_code = status
    return response


@bp.get("/dossiers")
def list_dossiers():
    """The dossiers the user may read, by the same clause as the pages' lists."""
    query = (select(Dossier).where(visible_dossiers(_user()))
             .options(selectinload(Dossier.establishment)).order_by(Dossier.id))
    call_id = request.args.get("call_id")
    if call_id is not None:
        if not call_id.isdigit():
            raise ServiceError("call_id doit être un nombre entier.", field="call_id")
        query = query.where(Dossier.call_id == int(call_id))
    return _items(DossierListItemSchema, db.session.scalars(query).all())


@bp.post("/dossiers")
def create_dossier():
    user = _user()
    data = load_input(DossierCreateInput(), request.get_json(silent=True))
    try:
        call = call_services.get_call(user, data["call_id"])
    except NotFound:
        raise ServiceError(f"Aucun appel à projets publié n'a l'identifiant {data['call_id']}.",
                           field="call_id") from None
    dossier = services.create_dossier(user, call, title=data["title"])
    _commit()
    response = _dossier_response(dossier, 201)
    response.headers["Location"] = url_for("api.get_dossier", dossier_id=dossier.id)
    return response


@bp.get("/dossiers/<int:dossier_id>")
def get_dossier(dossier_id: int):
    return _dossier_response(_dossier(dossier_id))


@bp.patch("/dossiers/<int:dossier_id>")
def update_dossier(dossier_id: int):
    """Save any subset of the sections; with "version", a stale edit is refused (409)."""
    dossier = _dossier(dossier_id)
    data = load_input(DossierPatchInput(), request.get_json(silent=True))
    version = data.pop("version", None)
    if not data:
        raise ServiceError("Aucune section à enregistrer : envoyez au moins un champ du dossier.")
    services.update_dossier(_user(), dossier, data, expected_version=version)
    _flush()
    _commit()
    return _dossier_response(dossier)


@bp.post("/dossiers/<int:dossier_id>/attachments")
def upload_attachment(dossier_id: int):
    """multipart/form-data: `file`, and optionally `kind_id` (a kind of piece the call asks for)."""
    dossier = _dossier(dossier_id)
    form = {k: v for k, v in request.form.items() if not (k == "kind_id" and v == "")}
    data = load_input(AttachmentUploadInput(), form)
    upload = request.files.get("file")
    filename = upload.filename if upload is not None else ""
    content = upload.read() if upload is not None else b""
    attachment = services.add_attachment(_user(), dossier, filename or "", content,
                                         kind_id=data.get("kind_id"))
    _flush()
    _commit()
    response = jsonify(AttachmentSchema().dump(attachment))
    response.status_code = 201
    response.headers["Location"] = url_for("api.download_attachment", dossier_id=dossier.id,
                                           attachment_id=attachment.id)
    return response


@bp.get("/dossiers/<int:dossier_id>/attachments/<int:attachment_id>")
def download_attachment(dossier_id: int, attachment_id: int):
    dossier = _dossier(dossier_id)
    attachment = next((a for a in dossier.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound("Cette pièce jointe n'existe pas dans ce dossier.")
    content = services.read_attachment(_user(), attachment)
    response = send_file(io.BytesIO(content), mimetype=attachment.content_type,
                         as_attachment=True, download_name=attachment.filename)
    response.headers["X-Content-SHA256"] = attachment.sha256
    return response


@bp.post("/dossiers/<int:dossier_id>/submit")
def submit_dossier(dossier_id: int):
    """Submit (head of establishment only): 201 with the reference and the snapshot's hash."""
    dossier = _dossier(dossier_id)
    submission = services.submit_dossier(_user(), dossier)
    _flush()
    _commit()
    response = jsonify(SubmissionSchema().dump(submission))
    response.status_code = 201
    response.headers["Location"] = url_for("api.dossier_receipt", dossier_id=dossier.id)
    return response


@bp.get("/dossiers/<int:dossier_id>/receipt")
def dossier_receipt(dossier_id: int):
    """The latest submission's receipt (PDF), rendered from its frozen snapshot."""
    dossier = _dossier(dossier_id)
    submission = services.get_submission(dossier)
    if submission is None:
        raise NotFound("Ce dossier n'a pas encore été déposé : il n'a pas de récépissé.")
    pdf = receipts.render_receipt(dossier, submission)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=receipts.receipt_filename(dossier, submission))

