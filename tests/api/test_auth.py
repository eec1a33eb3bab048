"""Bearer-token authentication: tokens from the CLI, 401 otherwise, never the session cookie."""

import pytest
from sqlalchemy import select

from portal.db import db, utcnow
from portal.models import ApiToken, AuditEvent

from ..conftest import login
from .helpers import bearer, cli_token, count


def test_cli_token_authenticates_its_user(world, client):
    before = count(ApiToken)
    token = cli_token(world.head_a)
    assert count(ApiToken) == before + 1
    # only the hash is stored
    assert db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token)) is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token_issued"))
    response = client.get("/api/v1/dossiers", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {"items": []}


def test_cli_refuses_an_unknown_email(app):
    before = count(ApiToken)
    result = app.test_cli_runner().invoke(args=["create-token", "personne@nulle.part"])
    assert result.exit_code != 0
    assert "Aucun utilisateur" in result.output
    assert count(ApiToken) == before


@pytest.mark.parametrize(
    "headers, message",
    [
        ({}, "Authentification requise"),
        ({"Authorization": "Bearer aap_faux"}, "Jeton d'accès invalide"),
        ({"Authorization": "Bearer "}, "En-tête Authorization invalide"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "En-tête Authorization invalide"),
    ],
)
@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/calls"),
        ("get", "/api/v1/dossiers"),
        ("post", "/api/v1/dossiers"),
        ("get", "/api/v1/establishments"),
        ("patch", "/api/v1/dossiers/1"),
        ("post", "/api/v1/dossiers/1/submit"),
        ("get", "/api/v1/dossiers/1/receipt"),
    ],
)
def test_missing_or_bad_token_is_401(client, world, headers, message, method, path):
    response = getattr(client, method)(path, headers=headers, json={})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert message in response.get_json()["error"]


def test_session_cookie_is_not_enough(client, world):
    login(client, world.head_a)
    response = client.get("/api/v1/dossiers")
    assert response.status_code == 401
    assert "Authentification requise" in response.get_json()["error"]


def test_revoked_token_and_inactive_user_are_refused(client, world):
    token = cli_token(world.head_a)
    assert client.get("/api/v1/calls", headers=bearer(token)).status_code == 200
    row = db.session.scalars(select(ApiToken).where(ApiToken.user_id == world.head_a.id)).one()
    row.revoked_at = utcnow()
    db.session.flush()
    assert client.get("/api/v1/calls", headers=bearer(token)).status_code == 401

    other = cli_token(world.staff_a)
    world.staff_a.active = False
    db.session.flush()
    assert client.get("/api/v1/calls", headers=bearer(other)).status_code == 401


def test_openapi_document_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.")
