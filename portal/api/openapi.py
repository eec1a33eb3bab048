"""The OpenAPI 3 document of /api/v1, its component schemas generated from the marshmallow ones.

apispec is not a dependency, so a small converter maps the field types we use; the paths are
written out by hand next to it. A test checks that every /api/v1 route appears here and that the
document validates.
"""
from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields

from applications import schemas as app_schemas
from funding import schemas as funding_schemas
from portal import schemas as core_schemas
from review import schemas as review_schemas

from . import bp

COMPONENTS: dict[str, type[Schema]] = {
    "Error": core_schemas.ErrorSchema,
    "Call": core_schemas.CallSchema,
    "Axis": core_schemas.AxisSchema,
    "AttachmentKind": core_schemas.AttachmentKindSchema,
    "Establishment": core_schemas.EstablishmentSchema,
    "EstablishmentRef": app_schemas.EstablishmentRefSchema,
    "Dossier": app_schemas.DossierSchema,
    "DossierListItem": app_schemas.DossierListItemSchema,
    "Target": app_schemas.TargetSchema,
    "Totals": app_schemas.TotalsSchema,
    "Partner": app_schemas.PartnerSchema,
    "Action": app_schemas.ActionSchema,
    "Indicator": app_schemas.IndicatorSchema,
    "Expense": app_schemas.ExpenseSchema,
    "Resource": app_schemas.ResourceSchema,
    "Attachment": app_schemas.AttachmentSchema,
    "Blocker": app_schemas.BlockerSchema,
    "Submission": app_schemas.SubmissionSchema,
    "DossierCreate": app_schemas.DossierCreateInput,
    "DossierPatch": app_schemas.DossierPatchInput,
    "PartnerInput": app_schemas.PartnerInput,
    "ActionInput": app_schemas.ActionInput,
    "IndicatorInput": app_schemas.IndicatorInput,
    "ExpenseInput": app_schemas.ExpenseInput,
    "ResourceInput": app_schemas.ResourceInput,
    "RankingItem": review_schemas.RankingItemSchema,
    "Review": review_schemas.ReviewSchema,
    "Score": review_schemas.ScoreSchema,
    "Decision": review_schemas.DecisionSchema,
    "ReviewInput": review_schemas.ReviewInput,
    "ScoreInput": review_schemas.ScoreInput,
    "Envelope": funding_schemas.EnvelopeSchema,
    "Commitment": funding_schemas.CommitmentSchema,
    "Payment": funding_schemas.PaymentSchema,
    "PaymentInput": funding_schemas.PaymentInput,
    "CallBudget": funding_schemas.CallBudgetSchema,
    "FunderBudgets": funding_schemas.FundersSchema,
    "FunderBudget": funding_schemas.FunderBudgetSchema,
    "BudgetBar": funding_schemas.BarSchema,
    "BudgetPoint": funding_schemas.BudgetPointSchema,
    "BudgetAlert": funding_schemas.AlertSchema,
}
_NAMES = {cls: name for name, cls in COMPONENTS.items()}

_SIMPLE = [  # order matters: subclasses first
    (fields.AwareDateTime, {"type": "string", "format": "date-time"}),
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.Decimal, {"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Float, {"type": "number"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.String, {"type": "string"}),
]
_META_KEYS = ("description", "example", "enum", "format", "nullable", "oneOf")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def field_to_openapi(field: fields.Field) -> dict:
    """One marshmallow field → an OpenAPI 3.0 schema object."""
    meta = dict(field.metadata)
    if "$ref" in meta:
        return _ref(meta["$ref"])
    if isinstance(field, fields.Nested):
        nested = field.nested if isinstance(field.nested, type) else type(field.nested)
        out = _ref(_NAMES[nested])
        return {"allOf": [out], "nullable": True} if field.allow_none else out
    if isinstance(field, fields.List):
        out = {"type": "array", "items": field_to_openapi(field.inner)}
    elif isinstance(field, fields.Dict):
        values = field.value_field
        out = {"type": "object",
               "additionalProperties": field_to_openapi(values) if values else {}}
    elif "type" in meta:  # Method/Function/custom fields say what they produce
        out = {"type": meta["type"]}
        if "items" in meta:
            items = meta["items"]
            out["items"] = _ref(items["$ref"]) if "$ref" in items else items
    else:
        out = next((dict(schema) for cls, schema in _SIMPLE if isinstance(field, cls)), {})
    for key in _META_KEYS:
        if key in meta:
            out[key] = meta[key]
    if field.allow_none:
        out["nullable"] = True
    return out


def schema_to_openapi(schema_cls: type[Schema]) -> dict:
    schema = schema_cls()
    props, required = {}, []
    for name, field in schema.fields.items():
        key = field.data_key or name
        props[key] = field_to_openapi(field)
        if field.required:
            required.append(key)
    out = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    if issubclass(schema_cls, core_schemas.InputSchema):
        out["additionalProperties"] = False
    if schema_cls.__doc__:
        out["description"] = " ".join(schema_cls.__doc__.split())
    return out


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


def _list_of(name: str) -> dict:
    return {"type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": _ref(name)}}}


_ID = {"name": "dossier_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_COMMON = {"401": _error("Jeton absent ou invalide.")}


def _op(summary: str, responses: dict, **extra) -> dict:
    op = {"summary": summary, "responses": {**responses, **_COMMON}}
    op.update(extra)
    return op


def build_document() -> dict:
    pdf = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
    not_found = _error("Introuvable ou non accessible.")
    invalid = _error("Requête invalide (message en français, détail par champ dans errors).")
    paths = {
        "/calls": {"get": _op("Appels à projets publiés (et en préparation pour leurs gestionnaires)",
                              {"200": _json(_list_of("Call"), "Liste des appels.")},
                              operationId="listCalls")},
        "/calls/{call_id}": {"get": _op(
            "Un appel à projets", {"200": _json(_ref("Call"), "L'appel."), "404": not_found},
            operationId="getCall",
            parameters=[{"name": "call_id", "in": "path", "required": True,
                         "schema": {"type": "integer"}}])},
        "/establishments": {"get": _op(
            "Établissements (tous pour les gestionnaires, le sien pour un établissement)",
            {"200": _json(_list_of("Establishment"), "Liste des établissements."),
             "400": _error("UAI invalide."), "403": _error("Accès refusé.")},
            operationId="listEstablishments",
            parameters=[{"name": "uai", "in": "query", "required": False,
                         "schema": {"type": "string", "pattern": "^[0-9]{7}[A-Za-z]$"},
                         "description": "Filtre sur un UAI (7 chiffres et la lettre de contrôle)."}])},
        "/dossiers": {
            "get": _op("Dossiers visibles", {"200": _json(_list_of("DossierListItem"), "Liste.")},
                       operationId="listDossiers",
                       parameters=[{"name": "call_id", "in": "query", "required": False,
                                    "schema": {"type": "integer"}}]),
            "post": _op("Créer un brouillon de dossier",
                        {"201": _json(_ref("Dossier"), "Dossier créé."), "400": invalid,
                         "403": _error("Seul un personnel d'établissement crée un dossier.")},
                        operationId="createDossier",
                        requestBody={"required": True, "content": {"application/json": {
                            "schema": _ref("DossierCreate")}}}),
        },
        "/dossiers/{dossier_id}": {
            "parameters": [_ID],
            "get": _op("Un dossier", {"200": _json(_ref("Dossier"), "Le dossier."),
                                      "404": not_found}, operationId="getDossier"),
            "patch": _op("Enregistrer tout ou partie des sections",
                         {"200": _json(_ref("Dossier"), "Dossier enregistré."), "400": invalid,
                          "403": _error("Dossier non modifiable."), "404": not_found,
                          "409": _error("Version périmée : le dossier a changé entre-temps.")},
                         operationId="updateDossier",
                         requestBody={"required": True, "content": {"application/json": {
                             "schema": _ref("DossierPatch")}}}),
        },
        "/dossiers/{dossier_id}/attachments": {
            "parameters": [_ID],
            "post": _op("Joindre une pièce",
                        {"201": _json(_ref("Attachment"), "Pièce jointe (avec son SHA-256)."),
                         "400": invalid, "403": _error("Dossier non modifiable."),
                         "404": not_found, "413": _error("Fichier trop volumineux.")},
                        operationId="uploadAttachment",
                        requestBody={"required": True, "content": {"multipart/form-data": {
                            "schema": {"type": "object", "required": ["file"], "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "kind_id": {"type": "integer"}}}}}}),
        },
        "/dossiers/{dossier_id}/attachments/{attachment_id}": {
            "parameters": [_ID, {"name": "attachment_id", "in": "path", "required": True,
                                 "schema": {"type": "integer"}}],
            "get": _op("Télécharger une pièce jointe",
                       {"200": {"description": "Le fichier.", "content": {
                           "application/octet-stream": {"schema": {"type": "string",
                                                                   "format": "binary"}}}},
                        "404": not_found}, operationId="downloadAttachment"),
        },
        "/dossiers/{dossier_id}/submit": {
            "parameters": [_ID],
            "post": _op("Déposer le dossier (chef d'établissement)",
                        {"201": _json(_ref("Submission"), "Dossier déposé."),
                         "400": _error("Le dossier ne peut pas être déposé (errors : ce qui manque)."),
                         "403": _error("Seul le chef d'établissement dépose."), "404": not_found,
                         "409": _error("Déjà déposé.")},
                        operationId="submitDossier"),
        },
        "/dossiers/{dossier_id}/receipt": {
            "parameters": [_ID],
            "get": _op("Récépissé de dépôt (PDF) du dernier dépôt",
                       {"200": {"description": "Le récépissé.", **pdf}, "404": not_found},
                       operationId="getReceipt"),
        },
    }
    paths.update(_review_paths(not_found, invalid))
    paths.update(_funding_paths())
    return {
        "openapi": "3.0.3",
        "info": {"title": "Portail AAP décrochage scolaire — API", "version": "1",
                 "description": "API de l'appel à projets conjoint rectorat–Région. "
                                "Jeton : `flask --app wsgi create-token EMAIL`. Montants en "
                                "chaînes décimales (\"1234.50\"), dates ISO 8601 en UTC."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "Jeton créé par `flask create-token`."}},
            "schemas": {name: schema_to_openapi(cls) for name, cls in COMPONENTS.items()},
        },
    }


def _review_paths(not_found: dict, invalid: dict) -> dict:
    """The review area's endpoints (portal/api/review.py)."""
    review_id = {"name": "review_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    review_ok = _json(_ref("Review"), "L'évaluation.")
    return {
        "/calls/{call_id}/ranking": {"get": _op(
            "Classement d'un appel (gestionnaires, co-pilotes), meilleure note d'abord",
            {"200": _json(_list_of("RankingItem"), "Dossiers classés."),
             "403": _error("Réservé aux gestionnaires et aux co-pilotes de l'appel."),
             "404": not_found},
            operationId="getCallRanking",
            parameters=[{"name": "call_id", "in": "path", "required": True,
                         "schema": {"type": "integer"}}])},
        "/dossiers/{dossier_id}/reviews": {
            "parameters": [_ID],
            "get": _op("Évaluations d'un dossier que l'appelant peut lire",
                       {"200": _json(_list_of("Review"), "Évaluations."),
                        "403": _error("Réservé à la commission."), "404": not_found},
                       operationId="listDossierReviews")},
        "/reviews/{review_id}": {
            "parameters": [review_id],
            "get": _op("Une évaluation", {"200": review_ok, "404": not_found},
                       operationId="getReview"),
            "put": _op("Enregistrer son évaluation (et la soumettre avec submit: true)",
                       {"200": review_ok, "400": invalid,
                        "403": _error("Évaluation d'un autre, ou phase qui ne le permet pas."),
                        "404": not_found,
                        "409": _error("Évaluation déjà soumise, ou version périmée.")},
                       operationId="putReview",
                       requestBody={"required": True, "content": {"application/json": {
                           "schema": _ref("ReviewInput")}}})},
        "/dossiers/{dossier_id}/decision": {
            "parameters": [_ID],
            "get": _op("Décision sur un dossier",
                       {"200": _json(_ref("Decision"), "La décision."),
                        "404": _error("Pas de décision, ou non accessible.")},
                       operationId="getDossierDecision")},
    }


def _funding_paths() -> dict:
    """The funding area's endpoints (portal/api/funding.py)."""
    call_path = {"name": "call_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    call_query = {"name": "call", "in": "query", "required": True, "schema": {"type": "integer"},
                  "description": "Identifiant de l'appel à projets (obligatoire)."}
    funder_query = {"name": "funder", "in": "query", "required": False,
                    "schema": {"type": "string", "enum": ["state", "region"]},
                    "description": "Filtre sur un financeur : state (État) ou region (Région)."}
    money = (" Montants en chaînes décimales à deux décimales (\"1234.50\"), jamais en "
             "nombres flottants.")
    readers = _error("Réservé aux agents budgétaires, aux observateurs et aux gestionnaires de "
                     "l'appel.")
    bad_query = _error("Paramètre call absent ou non entier, ou financeur inconnu.")
    unknown_call = _error("Appel à projets inconnu.")
    return {
        "/calls/{call_id}/envelopes": {"get": _op(
            "Enveloppes et sous-enveloppes d'un appel, avec engagé, versé, reste à engager et "
            "reste à verser",
            {"200": _json(_list_of("Envelope"), "Enveloppes (globales d'abord)."),
             "400": _error("Financeur inconnu."), "403": readers, "404": unknown_call},
            operationId="listCallEnvelopes", description="Chiffres de l'enveloppe." + money,
            parameters=[call_path, funder_query])},
        "/calls/{call_id}/budget": {"get": _op(
            "Tableau de bord budgétaire d'un appel (les chiffres de la page Budget)",
            {"200": _json(_ref("CallBudget"), "Chiffres par financeur, enveloppes, alertes."),
             "403": readers, "404": unknown_call},
            operationId="getCallBudget",
            description="Les mêmes chiffres que le tableau de bord : ils se rapprochent au "
                        "centime des listes /commitments et /payments." + money,
            parameters=[call_path])},
        "/commitments": {"get": _op(
            "Engagements d'un appel (un par financeur et par dossier retenu)",
            {"200": _json(_list_of("Commitment"), "Engagements, par dossier."),
             "400": bad_query, "403": readers, "404": unknown_call},
            operationId="listCommitments",
            description="La somme des montants (amount) égale l'engagé du tableau de bord." + money,
            parameters=[call_query, funder_query])},
        "/payments": {
            "get": _op("Paiements d'un appel, par date",
                       {"200": _json(_list_of("Payment"), "Paiements."),
                        "400": bad_query, "403": readers, "404": unknown_call},
                       operationId="listPayments", description="Paiements enregistrés." + money,
                       parameters=[call_query, funder_query]),
            "post": _op(
                "Enregistrer un paiement sur un engagement (agents budgétaires de son financeur)",
                {"201": _json(_ref("Payment"), "Paiement enregistré."),
                 "400": _error("Paiement refusé (errors, par champ) : montant nul, négatif, à plus "
                               "de deux décimales ou supérieur au reste à verser, référence "
                               "absente, date invalide ou future, solde avant le bilan."),
                 "403": _error("Engagement d'un autre financeur, ou pas agent budgétaire."),
                 "404": _error("Engagement inconnu."),
                 "409": _error("Référence déjà enregistrée par ce financeur, engagement annulé, "
                               "convention non signée, ou modification concurrente.")},
                operationId="createPayment",
                description="Envoyez le montant de préférence en chaîne décimale (\"1250.00\") : "
                            "un nombre JSON est accepté, mais un flottant peut être inexact.",
                requestBody={"required": True, "content": {"application/json": {
                    "schema": _ref("PaymentInput")}}})},
    }


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI document (public: it describes, it does not disclose)."""
    document = build_document()
    document["paths"]["/openapi.json"] = {"get": {
        "summary": "Ce document", "security": [], "operationId": "getOpenApi",
        "responses": {"200": {"description": "Document OpenAPI 3.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}}
    return jsonify(document)
