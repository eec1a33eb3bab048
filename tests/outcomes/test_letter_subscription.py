"""Subscribing to the Lettre: double opt-in, the same answer for any address, single-purpose and
unguessable links, one-click unsubscribe (RFC 8058), the account's own subscription, and the
issue mailed through the outbox with its List-Unsubscribe headers."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from outcomes.models import LetterSubscriber
from outcomes.services import letter
from outcomes.services import letter_subscribers as subs
from portal import mail
from portal.db import db
from portal.models import OutboxMessage

from ..conftest import login
from .letter_helpers import issue

CONFIRM = re.compile(r"/lettre/abonnement/confirmer/([A-Za-z0-9_\-]+)")
UNSUB = re.compile(r"/lettre/desabonnement/([0-9]+\.[0-9a-f]+)")


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _mails(to: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == to).order_by(OutboxMessage.id)
        )
    )


def _subscribe(client, email: str):
    return client.post("/lettre/abonnement", data={"email": email})


def _sub(email: str) -> LetterSubscriber:
    return db.session.scalar(select(LetterSubscriber).where(LetterSubscriber.email == email))


def test_subscribe_confirm_then_receive_the_issue_and_unsubscribe_in_one_click(client, world):
    page = client.get("/lettre/abonnement")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"  # a CSRF token: not for shared caches
    answer = _subscribe(client, "Lectrice@Exemple.FR")
    assert answer.status_code == 200
    assert subs.SENT in _text(answer)
    sub = _sub("lectrice@exemple.fr")
    assert sub.status == "pending" and sub.confirm_token_hash
    (confirmation,) = _mails("lectrice@exemple.fr")
    token = CONFIRM.search(confirmation.body).group(1)
    assert token not in sub.confirm_token_hash and len(token) >= 40  # only its hash is kept
    # a pending address receives no issue
    found = issue(world)
    assert letter.publish(world.coordinator, found) == 0
    # the link shows a button (a scanner opening it confirms nothing), the post confirms
    shown = client.get(f"/lettre/abonnement/confirmer/{token}")
    assert shown.status_code == 200 and "Confirmer mon abonnement" in _text(shown)
    db.session.refresh(sub)
    assert sub.status == "pending"
    assert client.post(f"/lettre/abonnement/confirmer/{token}").status_code == 302
    db.session.refresh(sub)
    assert sub.status == "confirmed" and sub.confirm_token_hash is None
    # used once
    assert client.get(f"/lettre/abonnement/confirmer/{token}").status_code == 404
    # the next issue arrives, with the one-click headers and the link in the text
    second = issue(world, number=2, title="Deuxième numéro")
    assert letter.publish(world.coordinator, second) == 1
    db.session.flush()
    message = _mails("lectrice@exemple.fr")[-1]
    assert "Deuxième numéro" in message.subject
    link = UNSUB.search(message.body).group(0)
    assert message.headers["List-Unsubscribe"] == f"<http://localhost{link}>"
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    composed = mail.compose(message, "mlds@ac-poitiers.fr")
    assert composed["List-Unsubscribe"] == f"<http://localhost{link}>"
    assert composed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "http://localhost/lettre/2/version-1" in message.body
    # GET: a confirmation button, nothing changed
    asked = client.get(link)
    assert asked.status_code == 200 and "Me désabonner" in _text(asked)
    assert asked.headers["Cache-Control"] == "no-store"
    db.session.refresh(sub)
    assert sub.status == "confirmed"
    # POST as a mail client does it (RFC 8058): no CSRF token, the body says One-Click
    done = client.post(link, data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert done.status_code == 200 and "ne recevra plus" in _text(done)
    db.session.refresh(sub)
    assert sub.status == "unsubscribed" and sub.unsubscribed_at is not None
    third = issue(world, number=3, title="Troisième")
    assert letter.publish(world.coordinator, third) == 0


def test_the_answer_is_the_same_whatever_the_address(client, world):
    issue(world)
    first = _text(_subscribe(client, "connue@exemple.fr"))
    sub = _sub("connue@exemple.fr")
    subs.confirm(CONFIRM.search(_mails("connue@exemple.fr")[0].body).group(1))
    db.session.flush()
    again = _text(_subscribe(client, "connue@exemple.fr"))
    unknown = _text(_subscribe(client, "inconnue@exemple.fr"))

    def body(page):
        return re.sub(r'name="csrf_token"[^>]*>', "", page.split("<main", 1)[1])

    assert body(first) == body(again) == body(unknown)
    # the known address is told by mail, not on the page, and stays confirmed
    assert "déjà abonnée" in _mails("connue@exemple.fr")[-1].body
    db.session.refresh(sub)
    assert sub.status == "confirmed"


def test_a_bad_address_is_refused_on_its_field(client, world):
    response = _subscribe(client, "pas-une-adresse")
    assert response.status_code == 400
    page = _text(response)
    assert 'id="email-error"' in page and "Saisissez une adresse électronique valide" in page
    assert db.session.scalar(select(func.count(LetterSubscriber.id))) == 0
    assert _subscribe(client, "").status_code == 400
    assert (
        client.post("/lettre/abonnement", data={"email": "a@b.fr"}, csrf=False).status_code == 400
    )
    assert db.session.scalar(select(func.count(LetterSubscriber.id))) == 0


def test_links_are_single_purpose_and_unguessable(client, world):
    _subscribe(client, "deux@exemple.fr")
    sub = _sub("deux@exemple.fr")
    confirm_token = CONFIRM.search(_mails("deux@exemple.fr")[0].body).group(1)
    unsubscribe_token = subs.unsubscribe_token(sub)
    assert confirm_token != unsubscribe_token
    # the confirmation token cannot unsubscribe…
    for method in ("get", "post"):
        response = getattr(client, method)(f"/lettre/desabonnement/{confirm_token}")
        assert response.status_code == 404 and "Ce lien n'est pas valable" in _text(response)
    # …the unsubscribe token cannot confirm
    response = client.post(f"/lettre/abonnement/confirmer/{unsubscribe_token}")
    assert response.status_code == 404 and "Rien n'a été modifié" in _text(response)
    db.session.refresh(sub)
    assert sub.status == "pending"
    # a forged unsubscribe link (right id, wrong MAC; another's id) is refused
    for forged in (f"{sub.id}.{'0' * 64}", f"{sub.id}.", f"{sub.id + 1}.{unsubscribe_token[2:]}",
                   "abc", unsubscribe_token[:-1]):  # fmt: skip
        response = client.post(f"/lettre/desabonnement/{forged}", csrf=False)
        assert response.status_code == 404, forged
    assert client.post(f"/lettre/abonnement/confirmer/{'x' * 43}").status_code == 404
    db.session.refresh(sub)
    assert sub.status == "pending"
    # a new request sends a new link and the old one stops working
    _subscribe(client, "deux@exemple.fr")
    newer = CONFIRM.search(_mails("deux@exemple.fr")[-1].body).group(1)
    assert newer != confirm_token
    assert client.post(f"/lettre/abonnement/confirmer/{confirm_token}").status_code == 404
    assert client.post(f"/lettre/abonnement/confirmer/{newer}").status_code == 302


def test_an_unsubscribed_address_that_subscribes_again_gets_new_links(client, world):
    _subscribe(client, "retour@exemple.fr")
    sub = _sub("retour@exemple.fr")
    subs.confirm(CONFIRM.search(_mails("retour@exemple.fr")[0].body).group(1))
    old = subs.unsubscribe_token(sub)
    subs.unsubscribe(old)
    db.session.flush()
    _subscribe(client, "retour@exemple.fr")
    subs.confirm(CONFIRM.search(_mails("retour@exemple.fr")[-1].body).group(1))
    db.session.flush()
    assert sub.status == "confirmed"
    assert client.post(f"/lettre/desabonnement/{old}", csrf=False).status_code == 404
    db.session.refresh(sub)
    assert sub.status == "confirmed"


def test_a_signed_in_person_subscribes_from_the_account(client, world):
    login(client, world.staff_a)
    account = _text(client.get("/compte/"))
    assert "Mon abonnement à la Lettre" in account
    page = _text(client.get("/lettre/abonnement/compte"))
    assert "Non abonné" in page
    assert client.post("/lettre/abonnement/compte", data={"subscribe": "1"}).status_code == 302
    sub = _sub(world.staff_a.email.lower())
    assert sub.status == "confirmed" and sub.user_id == world.staff_a.id
    assert "Abonné" in _text(client.get("/lettre/abonnement/compte"))
    found = issue(world)
    assert letter.publish(world.coordinator, found) == 1
    assert client.post("/lettre/abonnement/compte", data={"subscribe": "0"}).status_code == 302
    db.session.refresh(sub)
    assert sub.status == "unsubscribed"
    refused = client.post("/lettre/abonnement/compte", data={"subscribe": "1"}, csrf=False)
    assert refused.status_code == 400
    db.session.refresh(sub)
    assert sub.status == "unsubscribed"


def test_the_subscribe_form_is_rate_limited(client, world, app):
    statuses = [_subscribe(client, f"n{i}@exemple.fr").status_code for i in range(7)]
    assert statuses[:5] == [200] * 5 and 429 in statuses[5:]
