"""A password reset logs the user out everywhere; links are used once even when raced."""

from sqlalchemy import select

from portal.auth.services import consume_link_token, issue_api_token, issue_link_token
from portal.db import db
from portal.errors import ServiceError
from portal.models import ApiToken

from ..conftest import login


def test_reset_ends_other_sessions_and_api_tokens(app, client, world):
    login(client, world.head_a)
    assert client.get("/").status_code == 200
    api_token = issue_api_token(world.head_a)
    token = issue_link_token(world.head_a, "reset")
    consume_link_token(token, "reset", "un-nouveau-mot-de-passe")
    db.session.commit()
    # the old browser session is no longer valid: back to the login page
    response = client.get("/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert (
        client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {api_token}"}).status_code
        == 401
    )
    assert all(t.revoked_at is not None for t in db.session.scalars(select(ApiToken)))


def test_a_link_cannot_be_used_twice(world):
    token = issue_link_token(world.head_a, "reset")
    consume_link_token(token, "reset", "premier-mot-de-passe")
    try:
        consume_link_token(token, "reset", "second-mot-de-passe")
    except ServiceError as exc:
        assert "déjà été utilisé" in exc.message
    else:
        raise AssertionError("the link was used twice")


def test_revoke_tokens_command(app, world):
    token = issue_api_token(world.head_a)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["revoke-tokens", world.head_a.email])
    assert "1 jeton(s) révoqué(s)" in result.output
    from portal.auth.services import user_for_api_token

    assert user_for_api_token(token) is None


def test_logout_ends_that_session_on_the_server(app, client, world):
    """A cookie copied before logging out no longer opens anything afterwards."""
    login(client, world.head_a)
    assert client.get("/dossiers/").status_code == 200
    copied = client.get_cookie("session").value
    other_device = app.test_client()
    login(other_device, world.head_a)
    assert client.post("/deconnexion").status_code == 302
    client.set_cookie("session", copied)  # the attacker replays the copied cookie
    response = client.get("/dossiers/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert other_device.get("/dossiers/").status_code == 200  # the other device stays logged in


def test_session_rows_are_recorded_and_revoked(client, world):
    from portal.models import UserSession

    login(client, world.head_a)
    row = db.session.scalars(
        select(UserSession).where(UserSession.user_id == world.head_a.id)
    ).one()
    assert row.revoked_at is None and row.last_seen_at is not None
    client.post("/deconnexion")
    db.session.refresh(row)
    assert row.revoked_at is not None


def test_a_session_cookie_without_its_server_row_is_refused(client, world):
    from portal.models import UserSession

    login(client, world.head_a)
    db.session.execute(UserSession.__table__.delete())
    db.session.commit()
    response = client.get("/dossiers/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
