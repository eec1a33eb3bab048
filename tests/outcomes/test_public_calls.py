"""The open calls, public: text, axes, pieces, deadline with its time, the way in. Drafts and
closed calls are not public."""

from __future__ import annotations

import datetime as dt
import html

from portal.db import db, utcnow
from portal.formatting import due_sentence
from portal.models import CallStatus

from ..conftest import login


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_an_open_call_is_readable_without_an_account(client, world):
    call = world.call
    page = client.get("/appels-a-projets")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "public, max-age=60"
    assert call.title in _text(page)
    detail = client.get(f"/appels-a-projets/{call.id}")
    assert detail.status_code == 200
    text = _text(detail)
    assert call.title in text and "Se connecter" in text and "Créer un compte" in text
    assert due_sentence(call.deadline_at, utcnow())[:12] in text
    for axis in call.axes:
        assert axis.label in text
    for kind in call.attachment_kinds:
        assert kind.label in text
    assert 'name="csrf_token"' not in text  # nothing personal in a shared cache


def test_drafts_closed_and_unknown_calls_are_not_public(client, world, factory):
    draft = factory.call(status=CallStatus.draft)
    draft.title = "Appel en préparation"
    closed = factory.call(
        opens_at=utcnow() - dt.timedelta(days=40), deadline=utcnow() - dt.timedelta(minutes=1)
    )
    closed.title = "Appel clos"
    db.session.flush()
    listing = _text(client.get("/appels-a-projets"))
    assert "Appel en préparation" not in listing and "Appel clos" not in listing
    for call_id in (draft.id, closed.id, 999999):
        response = client.get(f"/appels-a-projets/{call_id}")
        assert response.status_code == 404
        assert "n'est pas ouvert" in _text(response)


def test_with_no_open_call_the_page_says_so(client, world):
    world.call.status = CallStatus.draft
    db.session.flush()
    assert "Aucun appel à projets n'est ouvert" in _text(client.get("/appels-a-projets"))


def test_a_signed_in_reader_is_sent_to_their_space_and_not_cached(client, world):
    login(client, world.head_a)
    response = client.get(f"/appels-a-projets/{world.call.id}")
    assert "Aller à mon espace" in _text(response)
    assert response.headers["Cache-Control"] == "no-store"
