"""The kernel's /api/v1 endpoints: calls, establishments, and the OpenAPI document.

Parse and validate, call the same services as the pages. A refusal is a ServiceError that the
app's handler turns into `{"error": …, "errors": {…}}` with its status, after rolling the session
back. The areas' endpoints are in their own `api.py`.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy import select

from portal import uai as uai_rules
from portal.calls import services as call_services
from portal.db import db
from portal.errors import ServiceError
from portal.models import Establishment
from portal.permissions import APPLICANT_ROLES, Permission, can, require
from portal.schemas import CallSchema, EstablishmentSchema, TodoItemSchema

from .core import api_user, bp, items
from .docs import NOT_FOUND, doc, error, json_response, list_of
from .openapi import build_document

# ---------------------------------------------------------------- calls


@bp.get("/calls")
@doc(
    "Appels à projets publiés (et en préparation pour leurs gestionnaires)",
    {"200": json_response(list_of(CallSchema), "Liste des appels.")},
    operationId="listCalls",
)
def list_calls():
    """Calls that have been published (drafts too for those who manage calls)."""
    return items(CallSchema, call_services.visible_calls(api_user()))


@bp.get("/calls/<int:call_id>")
@doc(
    "Un appel à projets",
    {"200": json_response(CallSchema, "L'appel."), "404": NOT_FOUND},
    operationId="getCall",
)
def get_call(call_id: int):
    return jsonify(CallSchema().dump(call_services.get_call(api_user(), call_id)))


# ---------------------------------------------------------------- establishments


@bp.get("/establishments")
@doc(
    "Établissements (tous pour les gestionnaires, le sien pour un établissement)",
    {
        "200": json_response(list_of(EstablishmentSchema), "Liste des établissements."),
        "400": error("UAI invalide."),
        "403": error("Accès refusé."),
    },
    operationId="listEstablishments",
    parameters=[
        {
            "name": "uai",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "pattern": "^[0-9]{7}[A-Za-z]$"},
            "description": "Filtre sur un UAI (7 chiffres et la lettre de contrôle).",
        }
    ],
)
def list_establishments():
    """All establishments for those allowed to view them; an applicant sees their own."""
    user = api_user()
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
    return items(EstablishmentSchema, db.session.scalars(query).all())


# ---------------------------------------------------------------- the document


@bp.get("/openapi.json")
@doc(
    "Ce document",
    {
        "200": {
            "description": "Document OpenAPI 3.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
    security=[],
    operationId="getOpenApi",
)
def openapi_document():
    """The OpenAPI document (public: it describes, it does not disclose)."""
    return jsonify(build_document(current_app))


# ---------------------------------------------------------------- to-do


@bp.get("/a-faire")
@doc(
    "Ce qui attend la personne du jeton (« À faire »), échéance la plus proche d'abord",
    {"200": json_response(list_of(TodoItemSchema), "Liste des tâches.")},
    operationId="listTodo",
)
def list_todo():
    """The same list as on top of the home page."""
    from portal.db import utcnow
    from portal.todo import todo_list

    return items(TodoItemSchema, todo_list(api_user(), utcnow()))
