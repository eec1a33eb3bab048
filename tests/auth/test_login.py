"""Login, throttling and logout."""

import pytest
from sqlalchemy import select

from portal.db import db
from portal.models import AuditEvent, Role

from ..conftest import PASSWORD, login


def _events(action, user):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action, AuditEvent.object_id == user.id)
    ).all()


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
        response = client.post(
            "/connexion?next=" + evil, data={"email": user.email, "password": PASSWORD}
        )
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"]
        client.post("/deconnexion")


def test_sixth_failed_attempt_in_a_minute_is_throttled(client, factory):
    user = factory.user(Role.observer)
    for _ in range(5):
        assert (
            client.post("/connexion", data={"email": user.email, "password": "faux"}).status_code
            == 200
        )
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
    response = client.post(
        "/connexion", data={"email": user.email, "password": PASSWORD}, csrf=False
    )
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


@pytest.mark.parametrize(
    "hostile",
    [
        "/dossiers/\r\nSet-Cookie: x=1",
        "/%0d%0aLocation: https://evil.example/",
        "/a\nb",
        "/a\rb",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " /dossiers/",
        "/\tevil",
        "/dossiers/\x00",
        "https://evil.example/",
        "http:evil.example",
        "/%2F%2Fevil.example",
        "/\u2028x",
    ],
)
def test_an_unsafe_next_is_ignored_and_the_user_lands_home(client, factory, hostile):
    from urllib.parse import quote

    user = factory.user(Role.observer)
    response = client.post(
        "/connexion?next=" + quote(hostile, safe=""),
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")
    assert client.get("/").status_code == 200  # logged in


# ------------------------------------------------------------ throttling per account and address


def _attempt(client, email, password, address):
    return client.post(
        "/connexion",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    ).status_code


def test_one_persons_failures_at_a_shared_address_do_not_lock_the_building_out(client, factory):
    clumsy, colleague = factory.user(Role.observer), factory.user(Role.observer)
    proxy = "10.86.0.1"  # the académie's proxy: everyone in the building comes from it
    for _ in range(5):
        assert _attempt(client, clumsy.email, "faux", proxy) == 200
    assert _attempt(client, clumsy.email, PASSWORD, proxy) == 429  # that account, that address
    assert _attempt(client, colleague.email, PASSWORD, proxy) == 302  # the colleague gets in


def test_failures_on_one_account_from_many_addresses_are_limited(client, factory):
    user = factory.user(Role.observer)
    usual = "192.0.2.10"
    assert _attempt(client, user.email, PASSWORD, usual) == 302  # the person's usual address
    client.post("/deconnexion")
    statuses = [_attempt(client, user.email, "faux", f"198.51.100.{i}") for i in range(1, 31)]
    assert statuses[:10] == [200] * 10  # LOGIN_ACCOUNT_RATE_LIMIT: 10 failures processed
    assert statuses[10:] == [429] * 20  # then only addresses the account knows may try
    assert _attempt(client, user.email, PASSWORD, "198.51.100.1") == 429  # has failed itself
    assert _attempt(client, user.email, PASSWORD, usual) == 302  # a clean, known address


def test_one_address_trying_many_accounts_is_limited(app, client, factory, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "8 per minute")
    users = [factory.user(Role.observer) for _ in range(10)]
    statuses = [_attempt(client, u.email, "faux", "203.0.113.5") for u in users]
    assert statuses == [200] * 8 + [429] * 2
    assert _attempt(client, users[9].email, PASSWORD, "203.0.113.6") == 302  # other address


def test_several_workers_on_memory_storage_are_refused_at_start(monkeypatch, caplog):
    import importlib.util
    import logging
    from pathlib import Path

    from portal.auth.throttle import check_storage

    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with caplog.at_level(logging.ERROR):
        assert check_storage({"RATELIMIT_STORAGE_URI": "memory://"}) is False
    assert any(r.levelno == logging.ERROR and "memory://" in r.getMessage() for r in caplog.records)
    assert check_storage({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}) is True
    monkeypatch.delenv("WEB_CONCURRENCY")
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--bind 0.0.0.0:8000 -w 3")
    assert check_storage({"RATELIMIT_STORAGE_URI": "memory://"}) is False
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--workers=1")
    assert check_storage({"RATELIMIT_STORAGE_URI": "memory://"}) is True

    path = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert conf.worker_class == "gthread"

    class Server:
        class cfg:
            workers = 4

        log = logging.getLogger("gunicorn.error")

    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    try:
        conf.on_starting(Server)
    except SystemExit as exc:
        assert "RATELIMIT_STORAGE_URI" in str(exc)
    else:
        raise AssertionError("gunicorn started 4 workers on memory:// storage")
    Server.cfg.workers = 1
    conf.on_starting(Server)  # one worker: memory storage is shared by its threads
    Server.cfg.workers = 4
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    conf.on_starting(Server)


@pytest.mark.parametrize("email", ["chef\x00@example.org", "chef@example.org\x07"])
def test_a_control_character_in_the_login_form_is_refused_on_its_field(client, world, email):
    response = client.post("/connexion", data={"email": email, "password": "x\x00y"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "caractère invisible non autorisé" in page
    assert client.get("/dossiers/").status_code == 302  # not logged in
