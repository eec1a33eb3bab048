"""How an endpoint documents itself: `@doc(summary, responses, **operation)` next to its route,
and the component schemas an area brings, named once with `register_schemas({...})`.

    @bp.get("/dossiers/<int:dossier_id>")
    @doc("Un dossier", {"200": json_response(DossierSchema, "Le dossier."), "404": NOT_FOUND},
         operationId="getDossier")
    def get_dossier(dossier_id): ...

An operation is an OpenAPI operation object in which a schema may be a marshmallow Schema class
(apispec's MarshmallowPlugin turns it into a reference). The path parameters come from the route
itself, and "401" is added to every operation that needs a token (`security` not `[]`);
`portal.api.openapi` assembles the document from the routes of the blueprint.
"""

from __future__ import annotations

from marshmallow import Schema

from portal.schemas import (
    AttachmentKindSchema,
    AxisSchema,
    CallSchema,
    ErrorSchema,
    EstablishmentSchema,
)

ATTRIBUTE = "openapi_operation"

# Component name → marshmallow schema, in the order the areas registered them.
SCHEMAS: dict[str, type[Schema]] = {}


def register_schemas(schemas: dict[str, type[Schema]]) -> None:
    """Name the component schemas an area brings (the same name twice must be the same class)."""
    for name, cls in schemas.items():
        if SCHEMAS.setdefault(name, cls) is not cls:
            raise ValueError(f"two OpenAPI component schemas named {name!r}")


def doc(summary: str, responses: dict, **operation):
    """Record the OpenAPI operation of a view function (for every method of its route)."""

    def record(view):
        setattr(view, ATTRIBUTE, {"summary": summary, "responses": responses, **operation})
        return view

    return record


def operation_of(view) -> dict | None:
    return getattr(view, ATTRIBUTE, None)


def json_response(schema, description: str) -> dict:
    """A JSON response whose body follows `schema` (a Schema class or a schema object)."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_body(schema) -> dict:
    """A required JSON request body following `schema`."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def error(description: str) -> dict:
    """A refusal: `{"error": …, "errors": {…}}` (portal's JSON error format)."""
    return json_response(ErrorSchema, description)


def list_of(schema) -> dict:
    """`{"items": [...]}`, the shape of every list the API answers."""
    return {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": schema}},
    }


def binary(media_type: str, description: str) -> dict:
    """A file in the response (a PDF, an attachment)."""
    return {
        "description": description,
        "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
    }


NOT_FOUND = error("Introuvable ou non accessible.")
INVALID = error("Requête invalide (message en français, détail par champ dans errors).")
UNAUTHORIZED = error("Jeton absent ou invalide.")

register_schemas(
    {
        "Error": ErrorSchema,
        "Call": CallSchema,
        "Axis": AxisSchema,
        "AttachmentKind": AttachmentKindSchema,
        "Establishment": EstablishmentSchema,
    }
)
