"""Security headers: a strict CSP everywhere, HSTS over https, no caching of what a login opens."""

from portal.db import db

from ..conftest import PDF_BYTES, login


def _csp(response) -> dict:
    policy = response.headers.get("Content-Security-Policy", "")
    out = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            out[name] = value.split()
    return out


def test_pages_carry_an_enforced_content_security_policy(client, world):
    for response in (client.get("/connexion"), client.get("/mot-de-passe-oublie")):
        csp = _csp(response)
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]  # no inline script, no eval
        assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
        assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
        assert "Content-Security-Policy-Report-Only" not in response.headers
    login(client, world.head_a)
    assert _csp(client.get("/dossiers/"))["script-src"] == ["'self'"]


def test_hsts_only_when_the_portal_is_served_over_https(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/connexion").headers
    monkeypatch.setitem(app.config, "PREFERRED_URL_SCHEME", "https")
    hsts = client.get("/connexion").headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=") and int(hsts.split("=")[1].split(";")[0]) >= 31536000


def test_authenticated_pages_and_downloads_are_not_stored(client, world):
    from applications import services

    dossier = services.create_dossier(world.head_a, world.call, title="Projet")
    attachment = services.add_attachment(world.head_a, dossier, "piece.pdf", PDF_BYTES)
    db.session.commit()
    assert "no-store" not in client.get("/connexion").headers.get("Cache-Control", "")
    login(client, world.head_a)
    for path in ("/", "/dossiers/", f"/dossiers/{dossier.id}/pieces/{attachment.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    # the design system's static files stay cacheable
    static = client.get("/static/css/portal.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_api_answers_are_not_stored(client, world):
    from portal.auth.services import issue_api_token

    token = issue_api_token(world.head_a)
    db.session.commit()
    response = client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
