"""GET /api/v1/submitted-dossiers: the call office's list in the API, the page's query."""

from __future__ import annotations

from applications import services
from portal.auth.services import issue_api_token
from portal.db import db

from ..applications.helpers_office import submitted
from ..helpers import count_queries


def _get(client, user, query=""):
    response = client.get(
        f"/api/v1/submitted-dossiers{query}",
        headers={"Authorization": f"Bearer {issue_api_token(user)}"},
    )
    assert response.status_code == 200
    return response.get_json()


def test_filters_sort_counts_and_pages(client, world, factory, monkeypatch):
    import applications.api as module

    monkeypatch.setattr(module, "PAGE_SIZE", 2)
    cheap = submitted(world, factory, region="1000.00", department="79")
    dear = submitted(world, factory, region="4000.00", department="79")
    submitted(world, factory, department="16")
    services.request_completion(world.call_admin, dear, "Pièce manquante.")
    body = _get(client, world.call_admin, "?departement=79&tri=montant&ordre=desc")
    assert [item["reference"] for item in body["items"]] == [dear.reference, cheap.reference]
    assert body["items"][0]["requested_total"] == "7000.00"
    assert body["counts"] == {"submitted": 1, "incomplete": 1}
    assert body["items"][0]["labels"] == []
    body = _get(client, world.call_admin, "?page=2")
    assert body["total"] == 3 and body["pages"] == 2 and len(body["items"]) == 1
    body = _get(client, world.call_admin, "?statut=incomplete&montant_min=oups")
    assert [item["reference"] for item in body["items"]] == [dear.reference]


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/submitted-dossiers").status_code == 401


def test_it_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/submitted-dossiers"]["get"]
    assert operation["operationId"] == "searchSubmittedDossiers"
    assert {p["name"] for p in operation["parameters"]} >= {"q", "statut", "etiquette", "page"}


def test_statements_do_not_grow_with_the_dossiers(client, world, factory):
    token = {"Authorization": f"Bearer {issue_api_token(world.call_admin)}"}

    def statements():
        client.get("/api/v1/submitted-dossiers", headers=token)
        db.session.expire_all()
        with count_queries() as queries:
            client.get("/api/v1/submitted-dossiers", headers=token)
        return len(queries)

    for _ in range(2):
        submitted(world, factory)
    few = statements()
    for _ in range(10):
        submitted(world, factory)
    assert statements() == few
