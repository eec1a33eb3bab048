"""Login, throttling and logout."""
from sqlalchemy import select

from portal.db import db
from portal.models import AuditEvent, Role

from ..conftest import PASSWORD, login


def _events(action, user):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                       AuditEvent.object_id == user.id)).all()


def test_login_page_has_labelled_fields_with_autocomplete(client):
    page = client.get("/connexion").get_data(as_text=True)
    assert 'for="email"' in page and 'for="password"' in page
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page


def test_login_ok_opens_session_and_is_audited(client, factory):
    user = factory.user(Role.observer)
    response = client.post("/connexion", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    assert client.get("/").status_code == 200
    assert len(_events("login", user)) == 1


def test_login_wrong_password_refused_with_french_message(client, factory, caplog):
    user = factory.user(Role.observer)
    response = client.post("/connexion", data={"email": user.email, "password": "mauvais mot"})
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous
    assert _events("login", user) == []
    assert any("failed login" in r.getMessage() for r in caplog.records)


def test_login_unknown_email_and_inactive_account_refused(client, factory):
    inactive = factory.user(Role.observer)
    inactive.active = False
    db.session.flush()
    for email in ("personne@nulle-part.fr", inactive.email):
        response = client.post("/connexion", data={"email": email, "password": PASSWORD})
        assert response.status_code == 200
        assert "mot de passe incorrect" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_follows_local_next_only(client, factory):
    user = factory.user(Role.observer)
    ok = client.post("/connexion?next=/dossiers/", data={"email": user.email, "password": PASSWORD})
    assert ok.headers["Location"].endswith("/dossiers/")
    client.post("/deconnexion")
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post("/connexion?next=" + evil,
                               data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"]
        client.post("/deconnexion")


def test_sixth_failed_attempt_in_a_minute_is_throttled(client, factory):
    user = factory.user(Role.observer)
    for _ in range(5):
        assert client.post("/connexion", data={"email": user.email,
                                               "password": "faux"}).status_code == 200
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # the correct password did not get through


def test_successful_logins_do_not_use_up_the_limit(client, factory):
    user = factory.user(Role.observer)
    for _ in range(7):
        login(client, user)
        client.post("/deconnexion")


def test_login_without_csrf_token_is_refused(client, factory):
    user = factory.user(Role.observer)
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD},
                           csrf=False)
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_logout_ends_session(client, factory):
    user = factory.user(Role.observer)
    login(client, user)
    response = client.post("/deconnexion")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_logout_is_post_only_and_needs_csrf(client, factory):
    user = factory.user(Role.observer)
    login(client, user)
    assert client.get("/deconnexion").status_code == 405
    assert client.post("/deconnexion", csrf=False).status_code == 400
    assert client.get("/").status_code == 200  # still logged in


import pytest


@pytest.mark.parametrize("hostile", [
    "/dossiers/\r\nSet-Cookie: x=1", "/%0d%0aLocation: https://evil.example/", "/a\nb", "/a\rb",
    "//evil.example/", "///evil.example/", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " /dossiers/", "/\tevil", "/dossiers/\x00",
    "https://evil.example/", "http:evil.example", "/%2F%2Fevil.example", "/\u2028x",
])
def test_an_unsafe_next_is_ignored_and_the_user_lands_home(client, factory, hostile):
    from urllib.parse import quote
    user = factory.user(Role.observer)
    response = client.post("/connexion?next=" + quote(hostile, safe=""),
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")
    assert client.get("/").status_code == 200  # logged in
