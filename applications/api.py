"""/api/v1 endpoints of the dossiers: list, create, read, save sections, attach, submit, receipt.

Every write goes through applications.services (which asks portal.permissions), then one commit;
a refusal is a ServiceError that the app's handler turns into `{"error": …, "errors": {…}}` with
its status. A dossier the user may not read answers 404, as on the pages.
"""

from __future__ import annotations

import io

from flask import jsonify, request, send_file, url_for
from marshmallow import Schema, fields
from sqlalchemy import false, select
from sqlalchemy.orm import selectinload

from portal.api import (
    INVALID,
    NOT_FOUND,
    api_user,
    binary,
    bp,
    commit,
    created,
    doc,
    error,
    flush,
    items,
    json_body,
    json_response,
    list_of,
    load,
    register_schemas,
)
from portal.calls import services as call_services
from portal.db import db
from portal.errors import NotFound, ServiceError
from portal.pagination import PAGE_SIZE, paginate
from portal.permissions import Permission, can
from portal.schemas import load_input
from portal.storage import send_stored

from . import api_reference, services  # noqa: F401  (api_reference: its endpoints)
from . import documents as receipts
from . import schemas as s
from .models import Dossier, Message
from .policy import visible_dossiers
from .services import labels, listing

STALE = (
    "Ce dossier a été modifié entre-temps par une autre requête. Relisez-le "
    "(GET) puis renvoyez vos modifications."
)
MISSING = "Ce dossier n'existe pas ou ne vous est pas accessible."
STORAGE_DOWN = error("Le stockage des documents ne répond pas (rien n'a été enregistré).")

register_schemas(
    {
        "EstablishmentRef": s.EstablishmentRefSchema,
        "Dossier": s.DossierSchema,
        "DossierListItem": s.DossierListItemSchema,
        "Target": s.TargetSchema,
        "Totals": s.TotalsSchema,
        "Partner": s.PartnerSchema,
        "Action": s.ActionSchema,
        "Indicator": s.IndicatorSchema,
        "Expense": s.ExpenseSchema,
        "Resource": s.ResourceSchema,
        "Attachment": s.AttachmentSchema,
        "Blocker": s.BlockerSchema,
        "Submission": s.SubmissionSchema,
        "DossierCreate": s.DossierCreateInput,
        "DossierPatch": s.DossierPatchInput,
        "PartnerInput": s.PartnerInput,
        "ActionInput": s.ActionInput,
        "IndicatorInput": s.IndicatorInput,
        "ExpenseInput": s.ExpenseInput,
        "ResourceInput": s.ResourceInput,
        "ThreadEntry": s.ThreadEntrySchema,
        "MessageInput": s.MessageInput,
    }
)

UNEDITABLE = error("Dossier non modifiable.")


def _dossier(dossier_id: int) -> Dossier:
    """The dossier if the user may read it, else 404 (its existence is confidential)."""
    return load(Dossier, dossier_id, Permission.VIEW_DOSSIER, missing=MISSING, hide=True)


def _dossier_response(dossier: Dossier):
    return jsonify(s.DossierSchema().dump(dossier))


@bp.get("/dossiers")
@doc(
    "Dossiers visibles",
    {"200": json_response(list_of(s.DossierListItemSchema), "Liste.")},
    operationId="listDossiers",
    parameters=[
        {"name": "call_id", "in": "query", "required": False, "schema": {"type": "integer"}}
    ],
)
def list_dossiers():
    """The dossiers the user may read, by the same clause as the pages' lists."""
    query = select(Dossier).where(visible_dossiers(api_user())).order_by(Dossier.id)
    query = query.options(selectinload(Dossier.establishment))
    call_id = request.args.get("call_id")
    if call_id is not None:
        if not call_id.isdigit():
            raise ServiceError("call_id doit être un nombre entier.", field="call_id")
        query = query.where(  # beyond the database's integer ids, no call has it
            Dossier.call_id == int(call_id) if int(call_id) < 2**31 else false()
        )
    return items(s.DossierListItemSchema, db.session.scalars(query).all())


@bp.post("/dossiers")
@doc(
    "Créer un brouillon de dossier",
    {
        "201": json_response(s.DossierSchema, "Dossier créé."),
        "400": INVALID,
        "403": error("Seul un personnel d'établissement crée un dossier."),
    },
    operationId="createDossier",
    requestBody=json_body(s.DossierCreateInput),
)
def create_dossier():
    user = api_user()
    data = load_input(s.DossierCreateInput(), request.get_json(silent=True))
    try:
        call = call_services.get_call(user, data["call_id"])
    except NotFound:
        raise ServiceError(
            f"Aucun appel à projets publié n'a l'identifiant {data['call_id']}.", field="call_id"
        ) from None
    dossier = services.create_dossier(user, call, title=data["title"])
    commit(STALE)
    return created(
        s.DossierSchema().dump(dossier), url_for("api.get_dossier", dossier_id=dossier.id)
    )


@bp.get("/dossiers/<int:dossier_id>")
@doc(
    "Un dossier",
    {"200": json_response(s.DossierSchema, "Le dossier."), "404": NOT_FOUND},
    operationId="getDossier",
)
def get_dossier(dossier_id: int):
    return _dossier_response(_dossier(dossier_id))


@bp.patch("/dossiers/<int:dossier_id>")
@doc(
    "Enregistrer tout ou partie des sections",
    {
        "200": json_response(s.DossierSchema, "Dossier enregistré."),
        "400": INVALID,
        "403": UNEDITABLE,
        "404": NOT_FOUND,
        "409": error("Version périmée : le dossier a changé entre-temps."),
    },
    operationId="updateDossier",
    requestBody=json_body(s.DossierPatchInput),
)
def update_dossier(dossier_id: int):
    """Save any subset of the sections; with "version", a stale edit is refused (409)."""
    dossier = _dossier(dossier_id)
    data = load_input(s.DossierPatchInput(), request.get_json(silent=True))
    version = data.pop("version", None)
    if not data:
        raise ServiceError("Aucune section à enregistrer : envoyez au moins un champ du dossier.")
    services.update_dossier(api_user(), dossier, data, expected_version=version)
    flush(STALE)
    commit(STALE)
    return _dossier_response(dossier)


@bp.post("/dossiers/<int:dossier_id>/attachments")
@doc(
    "Joindre une pièce",
    {
        "201": json_response(s.AttachmentSchema, "Pièce jointe (avec son SHA-256)."),
        "400": INVALID,
        "403": UNEDITABLE,
        "404": NOT_FOUND,
        "413": error("Fichier trop volumineux."),
        "503": STORAGE_DOWN,
    },
    operationId="uploadAttachment",
    requestBody={
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "kind_id": {"type": "integer"},
                    },
                }
            }
        },
    },
)
def upload_attachment(dossier_id: int):
    """multipart/form-data: `file`, and optionally `kind_id` (a kind of piece the call asks for)."""
    dossier = _dossier(dossier_id)
    form = {k: v for k, v in request.form.items() if not (k == "kind_id" and v == "")}
    data = load_input(s.AttachmentUploadInput(), form)
    upload = request.files.get("file")
    filename = upload.filename if upload is not None else ""
    content = upload.read() if upload is not None else b""
    attachment = services.add_attachment(
        api_user(), dossier, filename or "", content, kind_id=data.get("kind_id")
    )
    flush(STALE)
    commit(STALE)
    return created(
        s.AttachmentSchema().dump(attachment),
        url_for("api.download_attachment", dossier_id=dossier.id, attachment_id=attachment.id),
    )


@bp.get("/dossiers/<int:dossier_id>/attachments/<int:attachment_id>")
@doc(
    "Télécharger une pièce jointe",
    {
        "200": binary("application/octet-stream", "Le fichier."),
        "404": NOT_FOUND,
        "503": STORAGE_DOWN,
    },
    operationId="downloadAttachment",
)
def download_attachment(dossier_id: int, attachment_id: int):
    dossier = _dossier(dossier_id)
    attachment = next((a for a in dossier.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound("Cette pièce jointe n'existe pas dans ce dossier.")
    response = send_stored(
        services.read_attachment(api_user(), attachment),
        mimetype=attachment.content_type,
        filename=attachment.filename,
        size=attachment.size,
    )
    response.headers["X-Content-SHA256"] = attachment.sha256
    return response


@bp.post("/dossiers/<int:dossier_id>/submit")
@doc(
    "Déposer le dossier (chef d'établissement)",
    {
        "201": json_response(s.SubmissionSchema, "Dossier déposé."),
        "400": error("Le dossier ne peut pas être déposé (errors : ce qui manque)."),
        "403": error("Seul le chef d'établissement dépose."),
        "404": NOT_FOUND,
        "409": error("Déjà déposé."),
    },
    operationId="submitDossier",
)
def submit_dossier(dossier_id: int):
    """Submit (head of establishment only): 201 with the reference and the snapshot's hash."""
    dossier = _dossier(dossier_id)
    submission = services.submit_dossier(api_user(), dossier)
    flush(STALE)
    commit(STALE)
    return created(
        s.SubmissionSchema().dump(submission), url_for("api.dossier_receipt", dossier_id=dossier.id)
    )


@bp.get("/dossiers/<int:dossier_id>/receipt")
@doc(
    "Récépissé de dépôt (PDF) du dernier dépôt",
    {"200": binary("application/pdf", "Le récépissé."), "404": NOT_FOUND},
    operationId="getReceipt",
)
def dossier_receipt(dossier_id: int):
    """The latest submission's receipt (PDF), rendered from its frozen snapshot."""
    dossier = _dossier(dossier_id)
    submission = services.get_submission(dossier)
    if submission is None:
        raise NotFound("Ce dossier n'a pas encore été déposé : il n'a pas de récépissé.")
    pdf = receipts.render_receipt(dossier, submission)
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=receipts.receipt_filename(dossier, submission),
    )


# ---------------------------------------------------------------- the dossier's thread

NOT_IN_THREAD = "Ce dossier n'existe pas ou vous ne prenez pas part à ses échanges."


def _thread_dossier(dossier_id: int) -> Dossier:
    return load(Dossier, dossier_id, Permission.USE_THREAD, missing=NOT_IN_THREAD, hide=True)


@bp.get("/dossiers/<int:dossier_id>/messages")
@doc(
    "Le fil des échanges d'un dossier",
    {
        "200": json_response(
            list_of(s.ThreadEntrySchema), "Messages et demandes de compléments, par date."
        ),
        "404": NOT_FOUND,
    },
    operationId="listDossierMessages",
    description="Lire le fil le marque comme lu pour vous (`unread` dit ce qui ne l'était pas).",
)
def list_messages(dossier_id: int):
    user = api_user()
    dossier = _thread_dossier(dossier_id)
    entries = services.thread_of(user, dossier)
    body = {"items": s.ThreadEntrySchema(many=True).dump(entries)}
    services.mark_read(user, dossier)
    commit(STALE)
    return body


@bp.post("/dossiers/<int:dossier_id>/messages")
@doc(
    "Écrire dans le fil d'un dossier",
    {
        "201": json_response(s.ThreadEntrySchema, "Message envoyé."),
        "400": INVALID,
        "404": NOT_FOUND,
    },
    operationId="postDossierMessage",
    requestBody=json_body(s.MessageInput),
)
def post_message(dossier_id: int):
    user = api_user()
    dossier = _thread_dossier(dossier_id)
    data = load_input(s.MessageInput(), request.get_json(silent=True))
    message = services.post_message(user, dossier, data["body"])
    commit(STALE)
    entry = next(e for e in services.thread_of(user, dossier) if e.message is message)
    return created(
        s.ThreadEntrySchema().dump(entry), url_for("api.list_messages", dossier_id=dossier.id)
    )


@bp.get("/dossiers/<int:dossier_id>/messages/<int:message_id>/attachment")
@doc(
    "Télécharger la pièce jointe d'un message",
    {"200": binary("application/octet-stream", "Le fichier."), "404": NOT_FOUND},
    operationId="downloadMessageAttachment",
)
def message_attachment(dossier_id: int, message_id: int):
    user = api_user()
    dossier = _thread_dossier(dossier_id)
    message = load(Message, message_id, missing="Ce message n'existe pas dans ce dossier.")
    if message.dossier_id != dossier.id or message.attachment_key is None:
        raise NotFound("Ce message n'a pas de pièce jointe dans ce dossier.")
    response = send_stored(
        services.read_message_attachment(user, message),
        mimetype=message.attachment_content_type,
        filename=message.attachment_filename,
        size=message.attachment_size,
    )
    response.headers["X-Content-SHA256"] = message.attachment_sha256
    return response


# ---------------------------------------------------------------- the call office's list
# The submitted dossiers the user may read, searched, filtered, sorted and paginated in SQL by the
# same query as the page /dossiers/deposes (applications.services.listing), with the counts per
# status; the labels only for the call office (they are internal).


class LabelSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    call_id = fields.Integer(allow_none=True, metadata={"description": "null : tous les appels"})


class OfficeListItemSchema(s.DossierListItemSchema):
    requested_total = fields.Decimal(as_string=True, metadata={"description": "Région + rectorat"})
    # Filled by the endpoint, for the call office only (labels are internal).
    labels = fields.List(
        fields.Nested(LabelSchema),
        dump_only=True,
        metadata={"description": "Pour les gestionnaires de l'appel seulement"},
    )


class OfficeListSchema(Schema):
    items = fields.List(fields.Nested(OfficeListItemSchema))
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()
    counts = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Par statut, tous filtres sauf le statut appliqués"},
    )


register_schemas(
    {"Label": LabelSchema, "OfficeListItem": OfficeListItemSchema, "OfficeList": OfficeListSchema}
)

PARAMETERS = [
    {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
    for name in (*listing.PARAMETERS, "recevabilite", "page")
]


@bp.get("/submitted-dossiers")
@doc(
    "Dossiers déposés : recherche, filtres, tri, pagination",
    {"200": json_response(OfficeListSchema, "Une page de la liste et les nombres par statut.")},
    operationId="searchSubmittedDossiers",
    parameters=PARAMETERS,
)
def search_submitted_dossiers():
    """The same parameters as the page /dossiers/deposes; unknown values are ignored."""
    user = api_user()
    filters = listing.Filters.parse(request.args, user)
    result = paginate(
        listing.dossier_query(user, filters), request.args.get("page"), PAGE_SIZE, unique=True
    )
    office = can(user, Permission.MANAGE_LABELS)
    dumped = OfficeListItemSchema(many=True).dump(result.items)
    if office:
        found = labels.labels_of(d.id for d in result.items)
        for item, dossier in zip(dumped, result.items, strict=True):
            item["labels"] = LabelSchema(many=True).dump(found[dossier.id])
    counts = listing.status_counts(user, filters)
    return jsonify(
        {
            "items": dumped,
            "total": result.total,
            "page": result.page,
            "pages": result.pages,
            "counts": {status.value: n for status, n in counts.items()},
        }
    )
