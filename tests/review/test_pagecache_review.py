"""The page cache on the commission's pages: a score saved and a conflict declared are seen at
once, and a reader never sees more through the cache than the policy shows them."""

from __future__ import annotations

from flask import g

from portal.db import db
from review.services.conflicts import declare_conflict

from ..conftest import login
from .helpers import form


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True), g.pop("_page_cache_hit", False)


def test_a_saved_score_renders_the_scoring_page_fresh(client, sw, page_cache):
    login(client, sw.state_reviewer)
    url = f"/instruction/evaluations/{sw.r_state.id}"
    body, hit = get(client, url)
    assert not hit and "Appréciation toute neuve" not in body
    assert get(client, url) == (body, True)
    saved = client.post(url, data=form(sw, sw.r_state, comment="Appréciation toute neuve"))
    assert saved.status_code == 302
    body, hit = get(client, url)
    assert not hit and "Appréciation toute neuve" in body


def test_a_conflicted_copilot_never_sees_the_dossier_through_the_cache(
    app, client, ranked, page_cache
):
    url = f"/instruction/appels/{ranked.call.id}/classement"
    state = app.test_client()
    login(state, ranked.copilot_state)
    full, _ = get(state, url)
    assert ranked.a.reference in full
    assert get(state, url) == (full, True)  # the State co-pilot's page is in the cache

    login(client, ranked.copilot_region)
    before, hit = get(client, url)
    assert not hit and ranked.a.reference in before  # no conflict declared yet
    declare_conflict(ranked.copilot_region, ranked.a, "personal", "Ancien collègue")
    db.session.commit()
    body, hit = get(client, url)
    assert not hit and ranked.a.reference not in body and ranked.b.reference in body
    assert get(client, url) == (body, True)
    full_again, hit = get(state, url)
    assert not hit and ranked.a.reference in full_again  # the declaration raised the revision
    assert get(client, url) == (body, True)  # still without A
