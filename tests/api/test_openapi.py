"""The OpenAPI document: valid OpenAPI 3, generated from the routes, and it describes every
/api/v1 route (a new route without `@doc` fails here)."""

import re

from flask import Flask
from openapi_spec_validator import validate

from portal.api import doc, json_response
from portal.api.openapi import build_document

PREFIX = "/api/v1"
IGNORED = {"HEAD", "OPTIONS"}


def _document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _routes(app):
    """(path as OpenAPI writes it, method) for every /api/v1 rule of the url_map."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
            routes |= {(path, method.lower()) for method in rule.methods - IGNORED}
    return routes


def _operations(document):
    return {
        (path, method): op
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method != "parameters"
    }


def test_the_document_is_valid_openapi_3(client):
    document = _document(client)
    validate(document)
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Jeton créé par `flask create-token`.",
    }
    assert document["security"] == [{"bearerAuth": []}]
    assert document["servers"] == [{"url": "/api/v1"}]


def test_every_api_route_is_documented(app, client):
    document = _document(client)
    routes = _routes(app)
    assert len(routes) >= 10
    for path, method in sorted(routes):
        assert path in document["paths"], path
        assert method in document["paths"][path], (method, path)
    assert set(_operations(document)) == routes  # and nothing documented that is not served


def _public_paths(app) -> set[str]:
    """The paths of the views marked `@public` (answering without a token)."""
    from portal.api.auth import PUBLIC_ENDPOINTS

    return {
        re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
        for rule in app.url_map.iter_rules()
        if rule.endpoint in PUBLIC_ENDPOINTS
    }


def test_every_operation_is_complete(app, client):
    operations = _operations(_document(client))
    ids = [op["operationId"] for op in operations.values()]
    assert len(ids) == len(set(ids)), "operationId must be unique"
    public = _public_paths(app)
    assert {"/openapi.json", "/open-data/subsidies", "/practices"} <= public
    for (path, method), op in operations.items():
        assert op["summary"] and op["responses"], (method, path)
        if path in public:  # documented as needing no token
            assert op["security"] == [] and "401" not in op["responses"]
        else:
            assert "security" not in op and "401" in op["responses"], (method, path)


def test_path_parameters_come_from_the_route(client):
    paths = _document(client)["paths"]
    for path, item in paths.items():
        names = re.findall(r"{(\w+)}", path)
        declared = [p for p in item.get("parameters", []) if p["in"] == "path"]
        assert [p["name"] for p in declared] == names, path
        # Ids and years are <int:…> in the route; the open data's funder is a word (etat, region).
        expected = {"funder": "string"}
        assert all(
            p["required"] and p["schema"] == {"type": expected.get(p["name"], "integer")}
            for p in declared
        ), path


def test_each_area_serves_its_own_endpoints(app):
    # An area's API may be split into `<area>/api_*.py` modules imported by its api.py.
    modules = {
        re.sub(r"\.api_\w+$", ".api", app.view_functions[rule.endpoint].__module__)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert modules == {
        "portal.api.views",
        "applications.api",
        "review.api",
        "funding.api",
        "outcomes.api",
    }
    assert app.view_functions["api.get_dossier"].__module__ == "applications.api"
    assert app.view_functions["api.put_review"].__module__ == "review.api"
    assert app.view_functions["api.create_payment"].__module__ == "funding.api"


def test_the_document_follows_the_url_map():
    """Documented routes of the API blueprint only; path parameters and 401 added."""
    bare = Flask("bare")

    @doc("Une chose", {"200": json_response({"type": "object"}, "La chose.")}, operationId="thing")
    def thing(thing_id):
        return ""

    bare.add_url_rule(
        "/api/v1/things/<int:thing_id>", "api.thing", thing, methods=["GET", "DELETE"]
    )
    bare.add_url_rule("/api/v1/undocumented", "api.undocumented", lambda: "")
    bare.add_url_rule("/things/<int:thing_id>", "pages.thing", thing)
    document = build_document(bare)
    assert set(document["paths"]) == {"/things/{thing_id}"}
    item = document["paths"]["/things/{thing_id}"]
    assert set(item) == {"parameters", "get", "delete"}
    assert item["parameters"] == [
        {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    assert item["get"]["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_schemas_follow_the_marshmallow_field_lists(client):
    schemas = _document(client)["components"]["schemas"]
    dossier = schemas["Dossier"]["properties"]
    for key in (
        "id",
        "reference",
        "status",
        "status_label",
        "call_id",
        "establishment",
        "title",
        "summary",
        "main_axis",
        "other_axes",
        "fields",
        "target",
        "partners",
        "actions",
        "indicators",
        "expenses",
        "resources",
        "totals",
        "attachments",
        "version",
        "submitted_at",
        "blockers",
    ):
        assert key in dossier, key
    assert dossier["reference"]["nullable"] is True
    assert schemas["Expense"]["properties"]["amount"]["format"] == "decimal"
    patch = schemas["DossierPatch"]
    assert patch["additionalProperties"] is False
    assert "fields" in patch["properties"] and "fields_" not in patch["properties"]
    assert schemas["DossierCreate"]["required"] == ["call_id"]


def test_components_are_named_by_the_areas(client):
    """Each area names the schemas it brings; references resolve to registered components."""
    document = _document(client)
    schemas = document["components"]["schemas"]
    for name in (
        "Error",
        "Call",
        "Establishment",
        "Dossier",
        "DossierCreate",
        "Target",
        "Totals",
        "Blocker",
        "Review",
        "ReviewInput",
        "RankingItem",
        "Decision",
        "Payment",
        "PaymentInput",
        "CallBudget",
        "FunderBudgets",
        "BudgetPoint",
        "BudgetAlert",
    ):
        assert name in schemas, name
    dossier = schemas["Dossier"]["properties"]
    assert dossier["target"] == {"$ref": "#/components/schemas/Target"}
    assert dossier["blockers"]["items"] == {"$ref": "#/components/schemas/Blocker"}
    assert dossier["establishment"] == {"$ref": "#/components/schemas/EstablishmentRef"}
    assert schemas["CallBudget"]["properties"]["funders"] == {
        "$ref": "#/components/schemas/FunderBudgets"
    }
    money = schemas["Payment"]["properties"]["amount"]
    assert money["type"] == "string" and money["pattern"] == r"^-?\d+\.\d{2}$"
    assert "additionalProperties" not in schemas["Dossier"]  # only inputs refuse unknown fields
    assert schemas["Review"]["description"].startswith("A review.")
    refs = set(re.findall(r'"#/components/schemas/(\w+)"', str(document).replace("'", '"')))
    assert refs <= set(schemas)
