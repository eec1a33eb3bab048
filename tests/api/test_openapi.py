"""The OpenAPI document: valid OpenAPI 3, and it describes every /api/v1 route."""
import re

from openapi_spec_validator import validate


def _document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3(client):
    document = _document(client)
    validate(document)
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "Jeton créé par `flask create-token`."}
    assert document["security"] == [{"bearerAuth": []}]


def test_every_api_route_is_documented(app, client):
    document = _document(client)
    prefix = "/api/v1"
    routes = [r for r in app.url_map.iter_rules() if r.rule.startswith(prefix + "/")]
    assert len(routes) >= 10
    for rule in routes:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(prefix):])
        assert path in document["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], (method, path)


def test_schemas_follow_the_marshmallow_field_lists(client):
    schemas = _document(client)["components"]["schemas"]
    dossier = schemas["Dossier"]["properties"]
    for key in ("id", "reference", "status", "status_label", "call_id", "establishment", "title",
                "summary", "main_axis", "other_axes", "fields", "target", "partners", "actions",
                "indicators", "expenses", "resources", "totals", "attachments", "version",
                "submitted_at", "blockers"):
        assert key in dossier, key
    assert dossier["reference"]["nullable"] is True
    assert schemas["Expense"]["properties"]["amount"]["format"] == "decimal"
    patch = schemas["DossierPatch"]
    assert patch["additionalProperties"] is False
    assert "fields" in patch["properties"] and "fields_" not in patch["properties"]
    assert schemas["DossierCreate"]["required"] == ["call_id"]
