"""The optional second factor: enrolment, the login's code step, recovery codes, per-role
enforcement. Every refusal is checked to have changed nothing."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from sqlalchemy import func, select

from portal.auth import login_flow, totp
from portal.auth.services import consume_link_token, issue_api_token, issue_link_token
from portal.db import db, utcnow
from portal.models import AuditEvent, Call, Role, TotpRecoveryCode, UserSession, UserTotp

from ..conftest import PASSWORD, login

_CODES = re.compile(
    r'<code class="fr-text--lg">([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})'
    r"</code>"
)


class Clock:
    """The second factor's clock, moved by hand: codes are computed by pyotp for `now`."""

    def __init__(self):
        self.now = utcnow()

    def tick(self, seconds: int = 30) -> None:
        self.now += dt.timedelta(seconds=seconds)

    def code(self, secret: str, offset: int = 0) -> str:
        return pyotp.TOTP(secret).at(self.now + dt.timedelta(seconds=offset))


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(totp, "utcnow", lambda: c.now)
    return c


@pytest.fixture
def required(app, monkeypatch):
    def set_roles(value: str) -> None:
        monkeypatch.setitem(app.config, "TOTP_REQUIRED_ROLES", value)

    return set_roles


def _events(action, user=None):
    query = select(AuditEvent).where(AuditEvent.action == action)
    if user is not None:
        query = query.where(AuditEvent.object_id == user.id)
    return db.session.scalars(query).all()


def _sessions(user) -> int:
    return db.session.scalar(
        select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )


def _hashes(user) -> list[tuple[str, object]]:
    return db.session.execute(
        select(TotpRecoveryCode.code_hash, TotpRecoveryCode.used_at)
        .where(TotpRecoveryCode.user_id == user.id)
        .order_by(TotpRecoveryCode.id)
    ).all()


def enrolled(user, clock) -> tuple[str, list[str]]:
    """A user with the second factor enabled (through the services); then the clock moves on."""
    secret = totp.pending_secret(user)
    codes = totp.confirm_enrolment(user, clock.code(secret))
    db.session.commit()
    clock.tick()
    return secret, codes


def _password_step(client, user, next_url: str = ""):
    response = client.post(
        "/connexion" + next_url, data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/connexion/code")
    return response


def _anonymous(client) -> bool:
    response = client.get("/dossiers/")
    return response.status_code == 302 and "/connexion" in response.headers["Location"]


# ------------------------------------------------------------------ enrolment


def test_enrolment_page_shows_an_inline_qr_code_and_the_secret(client, factory, clock):
    user = factory.user(Role.call_admin)
    login(client, user)
    response = client.get("/compte/double-authentification")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    secret = db.session.get(UserTotp, user.id).secret
    assert "<svg" in page and "QR code" in page  # inline SVG: no image request
    assert totp.grouped(secret) in page  # and as text for manual entry
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None  # no inline script (CSP)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'autocomplete="one-time-code"' in page and 'for="code"' in page
    # reloading shows the same secret until it is confirmed
    client.get("/compte/double-authentification")
    assert db.session.get(UserTotp, user.id).secret == secret
    assert db.session.get(UserTotp, user.id).enabled_at is None


def test_enrolment_with_a_wrong_code_saves_nothing(client, factory, clock):
    user = factory.user(Role.call_admin)
    login(client, user)
    client.get("/compte/double-authentification")
    secret = db.session.get(UserTotp, user.id).secret
    wrong = f"{(int(clock.code(secret)) + 1) % 1000000:06d}"
    for bad in (wrong, "abcdef", "12345"):
        response = client.post("/compte/double-authentification", data={"code": bad})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert 'id="code-error"' in page and "Code incorrect ou expiré" in page
    row = db.session.get(UserTotp, user.id)
    assert row.enabled_at is None and row.last_step is None and row.secret == secret
    assert _hashes(user) == [] and _events("totp_enabled") == []
    # without the CSRF token: refused, nothing saved either
    response = client.post(
        "/compte/double-authentification", data={"code": clock.code(secret)}, csrf=False
    )
    assert response.status_code == 400
    assert db.session.get(UserTotp, user.id).enabled_at is None


def test_enrolment_with_the_right_code_shows_ten_recovery_codes_once(client, factory, clock):
    user = factory.user(Role.call_admin)
    login(client, user)
    client.get("/compte/double-authentification")
    secret = db.session.get(UserTotp, user.id).secret
    response = client.post("/compte/double-authentification", data={"code": clock.code(secret)})
    assert response.status_code == 200
    codes = _CODES.findall(response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = _hashes(user)
    assert len(stored) == 10 and all(used is None for _, used in stored)
    assert not any(code in {h for h, _ in stored} for code in codes)  # hashed, not as typed
    row = db.session.get(UserTotp, user.id)
    assert row.enabled_at is not None and row.last_step is not None
    assert len(_events("totp_enabled", user)) == 1
    # shown once: the enrolment page now sends to the account page, which lists no code
    again = client.get("/compte/double-authentification")
    assert again.status_code == 302 and again.headers["Location"].endswith("/compte/")
    account = client.get("/compte/").get_data(as_text=True)
    assert "Activée" in account and not any(code in account for code in codes)


# ------------------------------------------------------------------ login


def test_login_asks_for_the_code_before_opening_the_session(client, factory, clock):
    user = factory.user(Role.copilot)
    secret, _ = enrolled(user, clock)
    _password_step(client, user, "?next=/dossiers/")
    assert _sessions(user) == 0 and _events("login", user) == []
    assert _anonymous(client)  # half logged in is not logged in
    page = client.get("/connexion/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page
    response = client.post("/connexion/code", data={"code": clock.code(secret)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dossiers/")
    assert _sessions(user) == 1
    assert client.get("/dossiers/").status_code == 200
    assert _events("login", user)[0].changes == {"second_factor": "totp"}
    # the half-login is spent: the code page now sends the logged-in person home
    assert client.get("/connexion/code").headers["Location"].endswith("/")


def test_a_wrong_code_is_refused_and_changes_nothing(client, factory, clock):
    user = factory.user(Role.copilot)
    secret, _ = enrolled(user, clock)
    last_step = db.session.get(UserTotp, user.id).last_step
    _password_step(client, user)
    wrong = f"{(int(clock.code(secret)) + 1) % 1000000:06d}"
    for bad in (wrong, clock.code(secret, offset=-120), clock.code(secret, offset=120)):
        response = client.post("/connexion/code", data={"code": bad})
        assert response.status_code == 400
        assert "Code incorrect ou expiré" in response.get_data(as_text=True)
    assert _sessions(user) == 0 and _events("login", user) == [] and _anonymous(client)
    assert db.session.get(UserTotp, user.id).last_step == last_step
    # still half logged in: the right code gets in
    response = client.post("/connexion/code", data={"code": clock.code(secret)})
    assert response.status_code == 302 and _sessions(user) == 1


def test_wrong_codes_count_with_wrong_passwords(client, factory, clock):
    """LOGIN_RATE_LIMIT is 5 per minute per address and account: 3 wrong passwords and 2 wrong
    codes use it up, and the right code is then refused (429) without being checked."""
    user = factory.user(Role.copilot)
    secret, _ = enrolled(user, clock)
    for _ in range(3):
        client.post("/connexion", data={"email": user.email, "password": "pas le bon"})
    _password_step(client, user)
    wrong = f"{(int(clock.code(secret)) + 1) % 1000000:06d}"
    for _ in range(2):
        assert client.post("/connexion/code", data={"code": wrong}).status_code == 400
    response = client.post("/connexion/code", data={"code": clock.code(secret)})
    assert response.status_code == 429
    assert _sessions(user) == 0 and _anonymous(client)
    assert db.session.get(UserTotp, user.id).last_step < totp.pyotp.TOTP(secret).timecode(
        clock.now
    )  # the right code was not consumed


def test_a_code_cannot_be_replayed_within_its_window(client, factory, clock):
    user = factory.user(Role.copilot)
    secret, _ = enrolled(user, clock)
    code = clock.code(secret)
    _password_step(client, user)
    assert client.post("/connexion/code", data={"code": code}).status_code == 302
    client.post("/deconnexion")
    clock.tick(10)  # same 30-second window, or the next one: the code is still "valid"
    _password_step(client, user)
    response = client.post("/connexion/code", data={"code": code})
    assert response.status_code == 400
    assert "déjà été utilisé" in response.get_data(as_text=True)
    assert _sessions(user) == 1 and _anonymous(client)  # the first login's session only
    assert len(_events("login", user)) == 1


def test_the_enrolment_code_cannot_be_replayed_at_login(client, factory, clock):
    user = factory.user(Role.copilot)
    secret = totp.pending_secret(user)
    code = clock.code(secret)
    totp.confirm_enrolment(user, code)
    db.session.commit()
    _password_step(client, user)
    assert client.post("/connexion/code", data={"code": code}).status_code == 400
    assert _sessions(user) == 0


def test_a_recovery_code_logs_in_once(client, factory, clock):
    user = factory.user(Role.budget_officer)
    _, codes = enrolled(user, clock)
    _password_step(client, user)
    response = client.post("/connexion/code", data={"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302
    assert "il vous en reste 9" in client.get("/").get_data(as_text=True)
    assert _events("login", user)[0].changes == {"second_factor": "recovery_code"}
    assert sum(1 for _, used in _hashes(user) if used is not None) == 1
    client.post("/deconnexion")
    _password_step(client, user)
    response = client.post("/connexion/code", data={"code": codes[3]})
    assert response.status_code == 400
    assert "a déjà été utilisé" in response.get_data(as_text=True)
    assert _sessions(user) == 1 and _anonymous(client)
    assert sum(1 for _, used in _hashes(user) if used is not None) == 1


def test_another_users_recovery_code_is_refused(client, factory, clock):
    user, other = factory.user(Role.admin), factory.user(Role.admin)
    enrolled(user, clock)
    _, theirs = enrolled(other, clock)
    _password_step(client, user)
    assert client.post("/connexion/code", data={"code": theirs[0]}).status_code == 400
    assert _sessions(user) == 0 and all(used is None for _, used in _hashes(other))


def test_an_expired_half_login_is_refused(client, factory, clock, monkeypatch):
    user = factory.user(Role.copilot)
    secret, _ = enrolled(user, clock)
    _password_step(client, user)
    later = login_flow._now() + 5 * 60 + 1  # TOTP_LOGIN_MINUTES = 5
    monkeypatch.setattr(login_flow, "_now", lambda: later)
    last_step = db.session.get(UserTotp, user.id).last_step
    response = client.post("/connexion/code", data={"code": clock.code(secret)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/connexion")
    assert "Le délai de saisie du code est dépassé" in client.get("/connexion").get_data(
        as_text=True
    )
    assert _sessions(user) == 0 and _anonymous(client) and _events("login", user) == []
    assert db.session.get(UserTotp, user.id).last_step == last_step  # the code was not used
    # the half-login is gone: the code page now sends to the password page
    assert client.get("/connexion/code").headers["Location"].endswith("/connexion")


def test_a_password_reset_voids_a_half_login(client, factory, clock):
    user = factory.user(Role.copilot)
    secret, _ = enrolled(user, clock)
    _password_step(client, user)
    consume_link_token(issue_link_token(user, "reset"), "reset", "un-tout-nouveau-mot")
    db.session.commit()
    response = client.post("/connexion/code", data={"code": clock.code(secret)})
    assert response.headers["Location"].endswith("/connexion")
    assert _sessions(user) == 0 and _anonymous(client)


def test_the_code_page_without_a_half_login_sends_to_the_password_page(client):
    response = client.post("/connexion/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/connexion")
    assert "/connexion" in client.get("/connexion/code").headers["Location"]


def test_logout_forgets_a_half_login(client, factory, clock):
    user = factory.user(Role.copilot)
    secret, _ = enrolled(user, clock)
    _password_step(client, user)
    client.post("/deconnexion")
    response = client.post("/connexion/code", data={"code": clock.code(secret)})
    assert response.headers["Location"].endswith("/connexion") and _sessions(user) == 0


def test_users_without_the_factor_log_in_with_the_password_only(client, factory):
    user = factory.user(Role.call_admin)
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/")
    assert client.get("/").status_code == 200


# ------------------------------------------------------------------ enforcement per role


def test_a_required_role_without_the_factor_is_sent_to_enrolment(client, world, required, clock):
    required("call_admin,copilot,budget_officer,admin")
    response = client.post(
        "/connexion", data={"email": world.call_admin.email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/compte/double-authentification")
    calls = db.session.scalar(select(func.count()).select_from(Call))
    for url in ("/", "/appels/", "/dossiers/deposes", "/compte/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith("/compte/double-authentification")
    response = client.post("/appels/nouveau", data={"title": "Appel pirate"})
    assert response.status_code == 302 and "double-authentification" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Call)) == calls  # nothing changed
    assert "Votre rôle impose la double authentification" in client.get(
        "/compte/double-authentification"
    ).get_data(as_text=True)
    # static files and logout stay reachable
    assert client.get("/static/css/portal.css").status_code == 200
    # once enrolled, the portal opens
    secret = db.session.get(UserTotp, world.call_admin.id).secret
    assert (
        client.post(
            "/compte/double-authentification", data={"code": clock.code(secret)}
        ).status_code
        == 200
    )
    assert client.get("/appels/").status_code == 200
    assert client.post("/deconnexion").status_code == 302


def test_roles_not_listed_are_not_forced(client, world, required):
    required("call_admin")
    for user in (world.head_a, world.observer, world.reviewer, world.copilot):
        login(client, user)
        assert client.get("/").status_code == 200
        client.post("/deconnexion")


def test_an_invitation_for_a_required_role_leads_to_enrolment(client, factory, required):
    required("admin")
    user = factory.user(Role.admin)
    user.password_hash = None
    token = issue_link_token(user, "invitation")
    db.session.commit()
    client.post(
        f"/invitation/{token}",
        data={"password": "un-mot-de-passe-long", "confirm": "un-mot-de-passe-long"},
    )
    response = client.get("/")
    assert response.headers["Location"].endswith("/compte/double-authentification")


def test_a_required_role_cannot_disable_the_factor(client, factory, required, clock):
    required("admin")
    user = factory.user(Role.admin)
    secret, _ = enrolled(user, clock)
    _password_step(client, user)
    client.post("/connexion/code", data={"code": clock.code(secret)})
    clock.tick()
    response = client.post("/compte/double-authentification/desactiver", data={"proof": PASSWORD})
    assert response.status_code == 400
    assert "ne peut pas être désactivée" in response.get_data(as_text=True)
    assert totp.is_enabled(user) and len(_hashes(user)) == 10 and _events("totp_disabled") == []


def test_api_bearer_tokens_are_unaffected(client, world, required, clock):
    required("call_admin,admin")
    enrolled(world.admin, clock)
    for user in (world.call_admin, world.admin):  # not enrolled / enrolled: no code asked
        token = issue_api_token(user)
        response = client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200


def test_an_unknown_role_in_the_setting_refuses_to_start():
    """A misspelt role would leave it unprotected: registering the blueprint refuses it."""
    from flask import Flask

    from portal.auth.blueprint import bp

    bare = Flask("misconfigured")
    bare.config["TOTP_REQUIRED_ROLES"] = "call_admin,copilote"
    with pytest.raises(ValueError, match="TOTP_REQUIRED_ROLES"):
        bare.register_blueprint(bp)


def test_by_default_no_role_is_forced(app):
    assert app.config["TOTP_REQUIRED_ROLES"] == "" and totp.parse_roles("") == set()
    assert totp.parse_roles("call_admin, copilot,budget_officer,admin") == {
        Role.call_admin,
        Role.copilot,
        Role.budget_officer,
        Role.admin,
    }


# ------------------------------------------------------------------ managing the factor


def _logged_in_with_factor(client, user, clock):
    secret, codes = enrolled(user, clock)
    _password_step(client, user)
    assert client.post("/connexion/code", data={"code": clock.code(secret)}).status_code == 302
    clock.tick()
    return secret, codes


def test_disable_with_a_wrong_proof_changes_nothing(client, factory, clock):
    user = factory.user(Role.copilot)
    secret, _ = _logged_in_with_factor(client, user, clock)
    before = _hashes(user)
    wrong = f"{(int(clock.code(secret)) + 1) % 1000000:06d}"
    for bad in ("pas le mot de passe", wrong):
        response = client.post("/compte/double-authentification/desactiver", data={"proof": bad})
        assert response.status_code == 400
        assert 'id="disable-proof-error"' in response.get_data(as_text=True)
    assert (
        client.post(
            "/compte/double-authentification/desactiver", data={"proof": PASSWORD}, csrf=False
        ).status_code
        == 400
    )
    assert totp.is_enabled(user) and _hashes(user) == before and _events("totp_disabled") == []


def test_disable_with_the_password_or_a_current_code(client, factory, clock):
    for proof in ("password", "code"):
        user = factory.user(Role.copilot)
        secret, _ = _logged_in_with_factor(client, user, clock)
        response = client.post(
            "/compte/double-authentification/desactiver",
            data={"proof": PASSWORD if proof == "password" else clock.code(secret)},
        )
        assert response.status_code == 302
        assert db.session.get(UserTotp, user.id) is None and _hashes(user) == []
        assert len(_events("totp_disabled", user)) == 1
        client.post("/deconnexion")
        # the next login asks for the password only
        response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
        assert response.headers["Location"].endswith("/")
        client.post("/deconnexion")


def test_wrong_proofs_are_throttled(client, factory, clock):
    user = factory.user(Role.copilot)
    _logged_in_with_factor(client, user, clock)
    for _ in range(5):
        client.post("/compte/double-authentification/desactiver", data={"proof": "faux"})
    response = client.post("/compte/double-authentification/desactiver", data={"proof": PASSWORD})
    assert response.status_code == 429 and totp.is_enabled(user)


def test_regenerating_recovery_codes(client, factory, clock):
    user = factory.user(Role.copilot)
    _, old = _logged_in_with_factor(client, user, clock)
    before = _hashes(user)
    response = client.post(
        "/compte/double-authentification/codes-de-secours", data={"proof": "faux"}
    )
    assert response.status_code == 400 and _hashes(user) == before
    response = client.post(
        "/compte/double-authentification/codes-de-secours", data={"proof": PASSWORD}
    )
    assert response.status_code == 200
    new = _CODES.findall(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert len(_events("totp_recovery_codes_renewed", user)) == 1
    client.post("/deconnexion")
    _password_step(client, user)
    assert client.post("/connexion/code", data={"code": old[0]}).status_code == 400
    assert client.post("/connexion/code", data={"code": new[0]}).status_code == 302


def test_account_page_offers_enrolment(client, factory):
    user = factory.user(Role.observer)
    login(client, user)
    page = client.get("/compte/").get_data(as_text=True)
    assert "Non activée" in page and "/compte/double-authentification" in page
    assert 'href="/compte/"' in client.get("/").get_data(as_text=True)  # from the header
    assert (
        client.post(
            "/compte/double-authentification/desactiver", data={"proof": PASSWORD}
        ).status_code
        == 409
    )
