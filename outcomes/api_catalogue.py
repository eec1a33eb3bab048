"""/api/v1/practices: the public catalogue of practices (the same rule as its pages: consent on
the final report AND a validated sheet), searchable and filtered like /pratiques."""

from __future__ import annotations

from flask import jsonify, request

from portal.api import NOT_FOUND, bp, doc, json_response, public, register_schemas

from . import schemas as s
from .services import catalogue

register_schemas(
    {
        "PracticeList": s.PracticeListSchema,
        "Practice": s.PracticeSchema,
        "PracticeIndicator": s.PracticeIndicatorSchema,
    }
)

PARAMETERS = [
    {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
    for name in ("q", "axe", "champ", "theme", "departement", "type", "annee", "page")
]


@bp.get("/practices")
@doc(
    "Catalogue des pratiques : recherche plein texte, filtres, pagination",
    {"200": json_response(s.PracticeListSchema, "Une page des fiches publiées.")},
    security=[],
    operationId="listPractices",
    parameters=PARAMETERS,
)
@public
def list_practices():
    """The same parameters as the page /pratiques; unknown values are ignored."""
    result = catalogue.search(catalogue.Filters.parse(request.args), request.args.get("page"))
    return jsonify(s.PracticeListSchema().dump(result))


@bp.get("/practices/<int:sheet_id>")
@doc(
    "Une fiche de pratique publiée",
    {"200": json_response(s.PracticeSchema, "La fiche."), "404": NOT_FOUND},
    security=[],
    operationId="getPractice",
)
@public
def get_practice(sheet_id: int):
    return jsonify(s.PracticeSchema().dump(catalogue.sheet_view(sheet_id)))
