"""The page cache's browser hits, served before the other hooks (`pagecache._claim_holds`): one
statement of five columns, and every check the loader makes still made on the live row."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from portal import pagecache
from portal.db import db
from portal.models import User, UserSession

from ..conftest import login
from ..helpers import count_queries
from .test_pagecache import get

LOADER = "role_grant"  # the user loader's query joins the grants; the hit's check does not


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = 1_800_000_000.0

    monkeypatch.setattr(pagecache, "clock", lambda: Clock.now)
    return Clock


def statements_of(client, url, **kwargs) -> tuple[int, list[str]]:
    with count_queries() as queries:
        response = client.get(url, **kwargs)
        response.get_data()
    return response.status_code, list(queries)


def test_a_browser_hit_reads_the_session_row_and_builds_no_user(client, world, page_cache, clock):
    login(client, world.head_a)
    first, body, hit, _ = get(client, "/")
    assert first.status_code == 200 and not hit
    _, again, hit, _ = get(client, "/")
    assert hit and again == body
    status, queries = statements_of(client, "/")
    assert status == 200 and len(queries) == 1
    assert "user_session" in queries[0] and LOADER not in queries[0]


def _outside_the_portal(statement) -> None:
    """A write the cache never hears of (psql, another program): on the connection itself, not
    through the session (the tests' data lives in one transaction on one connection)."""
    db.session.connection().execute(statement)
    db.session.expire_all()  # (a real request starts with an empty identity map)


@pytest.mark.parametrize(
    "change",
    [
        lambda user: update(User).where(User.id == user.id).values(active=False),
        lambda user: update(User).where(User.id == user.id).values(session_version=7),
        lambda user: (
            update(UserSession)
            .where(UserSession.user_id == user.id)
            .values(revoked_at=UserSession.created_at)
        ),
    ],
    ids=["deactivated", "logged-out-everywhere", "session-revoked"],
)
def test_a_session_ended_behind_the_cache_s_back_gets_no_cached_page(
    client, world, page_cache, clock, change
):
    login(client, world.head_a)
    get(client, "/")
    assert get(client, "/")[2]
    revision = page_cache.client.get(page_cache.key("rev"))
    _outside_the_portal(change(world.head_a))
    assert page_cache.client.get(page_cache.key("rev")) == revision  # the cache was not told
    response, _, hit, _ = get(client, "/")
    assert response.status_code == 302 and "/connexion" in response.location and not hit


def test_the_same_cookie_from_another_browser_takes_the_loader_s_way(
    app, client, world, page_cache, clock
):
    login(client, world.head_a)
    get(client, "/")
    assert get(client, "/")[2]
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    headers = {"User-Agent": "Autre navigateur/1.0"}
    first = other.get("/", headers=headers)
    # flask-login marks the session « not fresh » in a new cookie: rendered, not stored
    assert first.status_code == 200 and "Set-Cookie" in first.headers
    get(other, "/", headers=headers)  # (rendered once with that cookie, then kept)
    status, queries = statements_of(other, "/", headers=headers)
    assert status == 200 and any(LOADER in q for q in queries)  # never the short way
    assert len(statements_of(client, "/")[1]) == 1  # the first browser's still is


def test_a_remember_cookie_takes_the_loader_s_way(client, world, page_cache, clock):
    login(client, world.head_a)
    get(client, "/")
    client.set_cookie("remember_token", "1|forged", domain="localhost")
    status, queries = statements_of(client, "/")
    assert status == 200 and any(LOADER in q for q in queries)


def test_a_due_last_seen_time_takes_the_loader_s_way_and_is_written(
    client, world, page_cache, clock
):
    import datetime as dt

    login(client, world.head_a)
    get(client, "/")
    ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    _outside_the_portal(
        update(UserSession).where(UserSession.user_id == world.head_a.id).values(last_seen_at=ago)
    )
    status, queries = statements_of(client, "/")
    assert status == 200 and any("UPDATE user_session" in q for q in queries)
    assert len(statements_of(client, "/")[1]) == 1  # written: the short way again
