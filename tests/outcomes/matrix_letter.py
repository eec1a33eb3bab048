"""Permission-matrix entries of La Lettre de la MLDS: the archive, the issues, their PDF and the
subscription links are public; composing is the coordinator's alone; the account's subscription
is every signed-in person's."""

from __future__ import annotations

import datetime as dt
import hashlib

from ..test_permission_matrix import EVERYONE, USERS

COORDINATOR = {"coordinator"}
CONFIRM_TOKEN = "jeton-de-confirmation-de-la-matrice-0123456789"


def _issues(o):
    """A published issue 1 and a draft issue 2 (built once per test)."""
    if not hasattr(o, "letter_published"):
        from outcomes.services import letter

        from .letter_helpers import data

        o.letter_published = letter.create(o.coordinator, data())
        letter.publish(o.coordinator, o.letter_published)
        o.letter_draft = letter.create(o.coordinator, data(number=2, title="Brouillon"))
    return o


def _subscriber(o):
    if not hasattr(o, "letter_subscriber"):
        from outcomes.models import LetterSubscriber
        from portal.db import db, utcnow

        o.letter_subscriber = LetterSubscriber(
            email="matrice@exemple.fr",
            status="pending",
            unsubscribe_salt="0" * 32,
            confirm_token_hash=hashlib.sha256(CONFIRM_TOKEN.encode()).hexdigest(),
            confirm_expires_at=utcnow() + dt.timedelta(days=1),
        )
        db.session.add(o.letter_subscriber)
        db.session.flush()
    return o.letter_subscriber


def _unsubscribe_url(o):
    from outcomes.services.letter_subscribers import unsubscribe_token

    return f"/lettre/desabonnement/{unsubscribe_token(_subscriber(o))}"


def _confirm_url(o):
    _subscriber(o)
    return f"/lettre/abonnement/confirmer/{CONFIRM_TOKEN}"


MATRIX_ENTRIES = {
    # public
    ("outcomes.letters", "GET"): (lambda o: "/lettre", EVERYONE, None, True),
    ("outcomes.letter_issue", "GET"): (
        lambda o: f"/lettre/{_issues(o).letter_published.number}",
        EVERYONE,
        None,
        True,
    ),
    ("outcomes.letter_version", "GET"): (
        lambda o: f"/lettre/{_issues(o).letter_published.number}/version-1",
        EVERYONE,
        None,
        True,
    ),
    ("outcomes.letter_pdf_file", "GET"): (
        lambda o: f"/lettre/{_issues(o).letter_published.number}/version-1.pdf",
        EVERYONE,
        None,
        True,
    ),
    ("outcomes.letter_subscribe", "GET"): (lambda o: "/lettre/abonnement", EVERYONE, None, True),
    ("outcomes.letter_subscribe", "POST"): (
        lambda o: "/lettre/abonnement",
        EVERYONE,
        lambda o: {"email": "abonne@exemple.fr"},
        True,
    ),
    ("outcomes.letter_confirm", "GET"): (_confirm_url, EVERYONE, None, True),
    ("outcomes.letter_confirm", "POST"): (_confirm_url, EVERYONE, lambda o: {}, True),
    ("outcomes.letter_unsubscribe", "GET"): (_unsubscribe_url, EVERYONE, None, True),
    ("outcomes.letter_unsubscribe", "POST"): (_unsubscribe_url, EVERYONE, lambda o: {}, True),
    # the account's own subscription
    ("outcomes.letter_account", "GET"): (lambda o: "/lettre/abonnement/compte", USERS, None),
    ("outcomes.letter_account", "POST"): (
        lambda o: "/lettre/abonnement/compte",
        USERS,
        lambda o: {"subscribe": "1"},
    ),
    # the coordinator's pages
    ("outcomes.letter_issues", "GET"): (lambda o: "/coordination/lettres", COORDINATOR, None),
    ("outcomes.letter_new", "GET"): (
        lambda o: "/coordination/lettres/nouvelle",
        COORDINATOR,
        None,
    ),
    ("outcomes.letter_new", "POST"): (
        lambda o: "/coordination/lettres/nouvelle",
        COORDINATOR,
        lambda o: {"title": "Numéro"},
    ),
    ("outcomes.letter_edit", "GET"): (
        lambda o: f"/coordination/lettres/{_issues(o).letter_draft.id}",
        COORDINATOR,
        None,
    ),
    ("outcomes.letter_edit", "POST"): (
        lambda o: f"/coordination/lettres/{_issues(o).letter_draft.id}",
        COORDINATOR,
        lambda o: {"title": "Titre"},
    ),
    ("outcomes.letter_preview", "GET"): (
        lambda o: f"/coordination/lettres/{_issues(o).letter_draft.id}/apercu",
        COORDINATOR,
        None,
    ),
    ("outcomes.letter_publish", "POST"): (
        lambda o: f"/coordination/lettres/{_issues(o).letter_draft.id}/publier",
        COORDINATOR,
        lambda o: {},
    ),
    ("outcomes.letter_new_version", "POST"): (
        lambda o: f"/coordination/lettres/{_issues(o).letter_published.id}/nouvelle-version",
        COORDINATOR,
        lambda o: {},
    ),
}
