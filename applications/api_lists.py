"""/api/v1 list of the call office: the submitted dossiers the user may read, searched, filtered,
sorted and paginated in SQL by the same query as the page (`applications.services.listing`),
with the counts per status; the labels only for the call office."""

from __future__ import annotations

from flask import jsonify, request
from marshmallow import Schema, fields

from portal.api import api_user, bp, doc, json_response, register_schemas
from portal.pagination import PAGE_SIZE, paginate
from portal.permissions import Permission, can

from . import schemas as s
from .services import labels, listing


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
