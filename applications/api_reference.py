"""/api/v1 reference lists a dossier's structured data draws on: themes, partner kinds, and a
call's common indicators (what `PATCH /dossiers/<id>` accepts in `themes`, `partners[].kind` and
`indicators[].call_indicator_id`). Imported by applications.api."""

from __future__ import annotations

from marshmallow import Schema, fields

from portal.api import NOT_FOUND, api_user, bp, doc, items, json_response, list_of, register_schemas
from portal.calls import services as call_services
from portal.reference import DIRECTIONS

from . import schemas as s
from .services import structured


class ReferenceItemSchema(Schema):
    code = fields.String()
    label = fields.String()
    active = fields.Boolean(
        metadata={"description": "Inactif : gardé par les dossiers qui l'ont, plus proposé."}
    )


class CallIndicatorSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    unit = fields.String()
    direction = fields.String(metadata={"enum": list(DIRECTIONS)})
    measurement = fields.String(metadata={"description": "Comment il est mesuré."})


register_schemas(
    {
        "ReferenceItem": ReferenceItemSchema,
        "CallIndicator": CallIndicatorSchema,
        "TargetCell": s.TargetCellSchema,  # the dossier's targets (applications.schemas)
        "TargetInput": s.TargetInput,
    }
)


@bp.get("/reference/themes")
@doc(
    "Thèmes de la liste de référence",
    {"200": json_response(list_of(ReferenceItemSchema), "Liste.")},
    operationId="listThemes",
)
def list_themes():
    api_user()
    return items(ReferenceItemSchema, structured.themes_list())


@bp.get("/reference/partner-kinds")
@doc(
    "Types de partenaires de la liste de référence",
    {"200": json_response(list_of(ReferenceItemSchema), "Liste.")},
    operationId="listPartnerKinds",
)
def list_partner_kinds():
    api_user()
    return items(ReferenceItemSchema, structured.partner_kinds())


@bp.get("/calls/<int:call_id>/indicators")
@doc(
    "Indicateurs communs d'un appel",
    {"200": json_response(list_of(CallIndicatorSchema), "Liste."), "404": NOT_FOUND},
    operationId="listCallIndicators",
)
def list_call_indicators(call_id: int):
    call = call_services.get_call(api_user(), call_id)
    return items(CallIndicatorSchema, structured.call_indicators(call))
