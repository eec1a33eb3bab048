"""The page cache (portal/pagecache.py): hits, invalidation by the data revision and the minute,
readers kept apart, what is never stored, and Redis down."""

from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import func, select, update

from applications.services.drafting import update_dossier
from portal import pagecache
from portal.admin.services import update_user_access
from portal.db import db
from portal.models import Call

from ..conftest import login
from ..helpers import count_queries

PUBLIC = "/appels-a-projets"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def get(client, url, **kwargs):
    """(response, body, served from the cache, statements)."""
    with count_queries() as queries:
        response = client.get(url, **kwargs)
        body = response.get_data(as_text=True)
    return response, body, g.pop("_page_cache_hit", False), queries.count


def pages_stored(cache) -> int:
    return len(list(cache.client.scan_iter(match=cache.key("page:*"))))


@pytest.fixture
def browser(app, client):
    """Another browser: browser() is a new test client (CSRF tokens added to its forms)."""
    return app.test_client


@pytest.fixture
def clock(monkeypatch):
    """The cache's clock, set by the test (seconds)."""

    class Clock:
        now = 1_800_000_000.0

    clock = Clock()
    monkeypatch.setattr(pagecache, "clock", lambda: clock.now)
    return clock


# ------------------------------------------------------------------ hits


def test_a_second_get_is_served_from_the_cache(client, world, page_cache, clock):
    login(client, world.head_a)
    first, body, hit, rendered = get(client, "/")
    assert first.status_code == 200 and not hit
    second, again, hit, statements = get(client, "/")
    assert hit and again == body and second.status_code == 200
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers["Cache-Control"] == "no-store"  # still a private page
    assert statements == 1 < rendered  # only the session check


def test_an_anonymous_public_page_is_shared_and_costs_no_statement(
    browser, world, page_cache, clock
):
    one, two = browser(), browser()
    _, body, hit, _ = get(one, PUBLIC)
    assert world.call.title in body and not hit
    _, other, hit, statements = get(two, PUBLIC)
    assert hit and other == body and statements == 0


def test_head_is_cached_apart_from_get(browser, world, page_cache, clock):
    client = browser()
    get(client, PUBLIC)
    head = client.head(PUBLIC)
    assert head.status_code == 200 and not g.pop("_page_cache_hit", False)
    assert client.head(PUBLIC).get_data() == b"" and g.pop("_page_cache_hit", False)


# ------------------------------------------------------------------ invalidation


def test_a_dossier_edited_through_its_service_renders_fresh(client, world, factory, page_cache):
    dossier = factory.dossier(world.call, world.head_a)
    login(client, world.head_a)
    url = f"/dossiers/{dossier.id}"
    assert get(client, url)[0].status_code == 200
    assert get(client, url)[2]  # cached
    update_dossier(world.head_a, dossier, {"title": "Un titre tout neuf"})
    db.session.commit()
    _, body, hit, _ = get(client, url)
    assert not hit and "Un titre tout neuf" in body


def test_a_core_update_through_the_session_renders_fresh(browser, world, page_cache, clock):
    client = browser()
    get(client, PUBLIC)
    assert get(client, PUBLIC)[2]
    db.session.execute(update(Call).where(Call.id == world.call.id).values(title="Appel renommé"))
    db.session.commit()
    _, body, hit, _ = get(client, PUBLIC)
    assert not hit and "Appel renommé" in body


def test_a_rolled_back_write_keeps_the_entry(browser, world, page_cache, clock):
    client = browser()
    get(client, PUBLIC)
    revision = page_cache.client.get(page_cache.key("rev"))
    db.session.execute(update(Call).where(Call.id == world.call.id).values(title="Jamais"))
    db.session.rollback()
    assert page_cache.client.get(page_cache.key("rev")) == revision
    assert get(client, PUBLIC)[2]


def test_the_next_minute_renders_again(browser, world, page_cache, clock):
    client = browser()
    get(client, PUBLIC)
    clock.now += 30
    assert get(client, PUBLIC)[2]
    clock.now += 60
    assert not get(client, PUBLIC)[2]


def test_a_revoked_role_invalidates(client, world, page_cache, clock):
    login(client, world.observer)
    assert get(client, "/resultats")[0].status_code == 200
    assert get(client, "/resultats")[2]
    assert update_user_access(world.admin, world.observer, roles=["reviewer:state"], uai=None)
    db.session.commit()
    response, _, hit, _ = get(client, "/resultats")
    assert response.status_code == 403 and not hit


# ------------------------------------------------------------------ readers kept apart


def test_two_users_never_get_each_others_page(browser, world, factory, page_cache, clock):
    for head, title in ((world.head_a, "Projet de A"), (world.head_b, "Projet de B")):
        dossier = factory.dossier(world.call, head)
        update_dossier(head, dossier, {"title": title})
    a, b = browser(), browser()
    login(a, world.head_a)
    login(b, world.head_b)
    _, body_a, _, _ = get(a, "/")
    assert get(a, "/")[2]  # A's home is in the cache
    _, body_b, hit, _ = get(b, "/")
    assert not hit and "Projet de B" in body_b and "Projet de A" not in body_b
    assert "Projet de A" in body_a and "Projet de B" not in body_a


def test_two_databases_on_one_redis_never_mix(app):
    from types import SimpleNamespace

    other = pagecache.PageCache(SimpleNamespace(config={"DATABASE_URL": "sqlite:///other.db"}))
    mine = app.extensions["page_cache"]
    assert other.key("rev") != mine.key("rev")
    assert other.page_key("1", "same") != mine.page_key("1", "same")


def test_two_sessions_of_one_user_never_share_an_entry(browser, world, page_cache, clock):
    one, two = browser(), browser()
    login(one, world.head_a)
    login(two, world.head_a)
    _, first, _, _ = get(one, "/")
    _, second, hit, _ = get(two, "/")
    assert not hit  # the other session's entry is not this one's
    token_one, token_two = CSRF.search(first).group(1), CSRF.search(second).group(1)
    assert token_one != token_two
    assert CSRF.search(get(two, "/")[1]).group(1) == token_two


def test_an_anonymous_reader_never_gets_a_logged_in_page(browser, world, page_cache, clock):
    member = browser()
    login(member, world.head_a)
    get(member, "/")
    _, logged_in, _, _ = get(member, PUBLIC)
    assert world.head_a.full_name in logged_in
    anonymous = browser()
    home = anonymous.get("/")
    assert home.status_code == 302 and not g.pop("_page_cache_hit", False)
    _, body, hit, _ = get(anonymous, PUBLIC)
    assert not hit and world.head_a.full_name not in body


def test_a_logged_out_session_gets_no_cached_page_even_if_the_bump_is_lost(
    browser, world, page_cache, clock
):
    member = browser()
    login(member, world.head_a)
    _, body, _, _ = get(member, "/")
    assert world.head_a.full_name in body
    stolen = browser()
    stolen.set_cookie("session", member.get_cookie("session").value, domain="localhost")
    assert get(stolen, "/")[2]  # the copied cookie is the same session: its own entry
    _, public, _, _ = get(stolen, PUBLIC)
    assert world.head_a.full_name in public and get(stolen, PUBLIC)[2]
    revision = page_cache.client.get(page_cache.key("rev"))
    member.post("/deconnexion")
    page_cache.client.set(page_cache.key("rev"), revision)  # as if Redis had missed the write
    # The session check runs before the hit: on a public page, then behind login_required.
    response, public, hit, _ = get(stolen, PUBLIC)
    assert response.status_code == 200 and not hit
    assert world.head_a.full_name not in public
    response, _, hit, _ = get(stolen, "/")
    assert response.status_code == 302 and not hit


def test_a_forged_api_token_gets_no_cached_answer(browser, world, page_cache, clock):
    from portal.auth.services import issue_api_token

    token = issue_api_token(world.observer)
    db.session.commit()
    url = "/api/v1/outcomes"
    client = browser()
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    again = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 200 and g.pop("_page_cache_hit", False)
    forged = client.get(url, headers={"Authorization": "Bearer aap_forged"})
    assert forged.status_code == 401 and not g.pop("_page_cache_hit", False)


# ------------------------------------------------------------------ never stored


def test_a_page_with_a_flash_renders_it_and_is_not_stored(client, world, page_cache, clock):
    login(client, world.head_a)
    get(client, "/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Votre message a bien été envoyé")]
    stored = pages_stored(page_cache)
    _, body, hit, _ = get(client, "/")
    assert not hit and "Votre message a bien été envoyé" in body
    assert pages_stored(page_cache) == stored
    _, body, hit, _ = get(client, "/")
    assert hit and "Votre message a bien été envoyé" not in body


def test_post_is_never_cached(app, client, world, page_cache, clock):
    get(client, PUBLIC)
    assert client.post(PUBLIC, csrf=False).status_code == 405
    with app.test_request_context(PUBLIC, method="POST"):
        page_cache.begin()
        assert "_page_cache" not in g


def test_refusals_and_missing_pages_are_not_stored(client, world, factory, page_cache, clock):
    dossier = factory.dossier(world.call, world.head_a)
    login(client, world.head_b)
    for _ in range(2):
        response, _, hit, _ = get(client, f"/dossiers/{dossier.id}")
        assert response.status_code in (403, 404) and not hit
        response, _, hit, _ = get(client, "/appels-a-projets/999999")
        assert response.status_code == 404 and not hit
    assert pages_stored(page_cache) == 0


def test_an_anonymous_reader_with_a_session_has_entries_of_its_own(
    browser, world, page_cache, clock
):
    client = browser()
    login_page = client.get("/connexion")  # not cached at all, but creates a CSRF token
    assert login_page.status_code == 200
    get(client, PUBLIC)  # this reader's session is not empty: an entry of its own
    _, _, hit, _ = get(browser(), PUBLIC)
    assert not hit  # an empty-session reader never gets it


def test_redis_unreachable_pages_still_answer(client, world, factory, page_cache, caplog):
    page_cache.connect("redis://127.0.0.1:1/0")
    login(client, world.head_a)
    for _ in range(2):
        response, body, hit, _ = get(client, "/")
        assert response.status_code == 200 and not hit
    dossier = factory.dossier(world.call, world.head_a)
    update_dossier(world.head_a, dossier, {"title": "Écrit sans Redis"})
    db.session.commit()  # the revision cannot be raised: logged, nothing breaks
    assert "page cache" in caplog.text
    assert db.session.scalar(select(func.count()).select_from(Call)) >= 1


def test_off_by_default(app, client, world):
    assert app.extensions["page_cache"].client is None
    get(client, PUBLIC)
    assert not get(client, PUBLIC)[2]


def test_the_session_s_last_seen_time_raises_no_revision(client, world, page_cache, clock):
    import datetime as dt

    from portal.models import UserSession

    login(client, world.head_a)
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == world.head_a.id)
        .values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
    )
    db.session.commit()
    revision = page_cache.client.get(page_cache.key("rev"))
    with count_queries() as queries:
        client.get("/").get_data()
    assert any("UPDATE user_session" in q for q in queries)  # the loader wrote last_seen_at
    assert page_cache.client.get(page_cache.key("rev")) == revision
    assert get(client, "/")[2]  # and the page it rendered was kept


def test_the_code_s_version_is_part_of_the_namespace(monkeypatch, tmp_path):
    """A deploy (a template or a module changed) never serves the pages of the code before it;
    the same code in another folder (another host) shares the entries."""
    import portal.config

    def version_of(root, template: str) -> str:
        (root / "templates").mkdir(parents=True, exist_ok=True)
        (root / "portal").mkdir(exist_ok=True)
        (root / "static").mkdir(exist_ok=True)
        (root / "portal" / "views.py").write_text("VIEW = 1\n")
        (root / "templates" / "page.html").write_text(template)
        (root / "static" / "site.css").write_text("a{}")
        monkeypatch.setattr(portal.config, "ROOT", root)
        return pagecache.code_version.__wrapped__()

    before = version_of(tmp_path / "a", "<p>Bonjour</p>")
    assert version_of(tmp_path / "b", "<p>Bonjour</p>") == before
    assert version_of(tmp_path / "a", "<p>Bonjour !</p>") != before
