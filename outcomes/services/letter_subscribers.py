"""Subscribers of the Lettre: double opt-in by a confirmation link, one-click unsubscribe.

Two single-purpose links, both unguessable:
- the confirmation token is random (256 bits); only its SHA-256 is kept, it expires, it is used
  once, and it confirms and does nothing else;
- the unsubscribe token is an HMAC of the subscriber's id and salt under the portal's secret key
  with its own purpose string: every mail can carry it without it being stored, it unsubscribes
  and does nothing else, and a new subscription (a new salt) revokes the old links.
A confirmation token given to the unsubscribe page (or the reverse) is refused, nothing changed.

Subscribing answers the same whatever the address (no enumeration): a new or pending address gets
a (new) confirmation link, a confirmed one a mail saying it is already subscribed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select

from portal.db import db, utcnow
from portal.errors import ServiceError
from portal.mail import queue_mail
from portal.models import User

from ..models import LetterSubscriber

CONFIRM_DAYS = 7
BAD_LINK = (
    "Ce lien n'est pas valable (il a expiré, a déjà servi ou a été mal copié). "
    "Rien n'a été modifié."
)
SENT = (
    "C'est noté. Si cette adresse n'est pas encore abonnée, elle va recevoir un courriel avec un "
    "lien pour confirmer l'abonnement (pensez à regarder dans les indésirables)."
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _public(path: str) -> str:
    """An absolute address on the portal's public URL (built by hand: mail leaves outside any
    request, e.g. from the demo or a command)."""
    return current_app.config.get("PUBLIC_URL", "").rstrip("/") + path


def normalised(email: str) -> str:
    try:
        found = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ServiceError(
            "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.",
            field="email",
        ) from None
    return found.normalized.lower()


def _by_email(email: str) -> LetterSubscriber | None:
    return db.session.scalar(select(LetterSubscriber).where(LetterSubscriber.email == email))


# ---------------------------------------------------------------- the two tokens


def unsubscribe_token(sub: LetterSubscriber) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, f"letter-unsubscribe:{sub.id}:{sub.unsubscribe_salt}".encode(), "sha256")
    return f"{sub.id}.{mac.hexdigest()}"


def unsubscribe_url(sub: LetterSubscriber) -> str:
    return _public(f"/lettre/desabonnement/{unsubscribe_token(sub)}")


def subscriber_of_unsubscribe(token: str) -> LetterSubscriber:
    """The subscriber an unsubscribe token names, or the French refusal (nothing changed)."""
    ident, _, _mac = (token or "").partition(".")
    sub = db.session.get(LetterSubscriber, int(ident)) if ident.isdigit() else None
    if sub is None or not hmac.compare_digest(unsubscribe_token(sub), token):
        raise ServiceError(BAD_LINK)
    return sub


def subscriber_of_confirmation(token: str, now: dt.datetime | None = None) -> LetterSubscriber:
    now = now or utcnow()
    sub = db.session.scalar(
        select(LetterSubscriber).where(LetterSubscriber.confirm_token_hash == _digest(token or ""))
    )
    if sub is None or sub.confirm_expires_at is None or sub.confirm_expires_at <= now:
        raise ServiceError(BAD_LINK)
    return sub


# ---------------------------------------------------------------- subscribing


def subscribe(email: str, now: dt.datetime | None = None) -> None:
    """Anyone's request: the same answer (SENT) whatever the address; one mail to it."""
    now = now or utcnow()
    email = normalised(email)
    sub = _by_email(email)
    if sub is not None and sub.status == "confirmed":
        queue_mail(
            email,
            "La Lettre de la MLDS : vous êtes déjà abonné",
            "Bonjour,\n\nUne demande d'abonnement à La Lettre de la MLDS a été faite pour cette "
            "adresse, qui est déjà abonnée : vous n'avez rien à faire.\n\nPour ne plus la "
            f"recevoir : {unsubscribe_url(sub)}\n",
        )
        return
    if sub is None:
        sub = LetterSubscriber(email=email, unsubscribe_salt=secrets.token_hex(16))
        db.session.add(sub)
    elif sub.status == "unsubscribed":
        sub.unsubscribe_salt = secrets.token_hex(16)  # the old links stay revoked
    sub.status = "pending"
    token = secrets.token_urlsafe(32)
    sub.confirm_token_hash = _digest(token)
    sub.confirm_expires_at = now + dt.timedelta(days=CONFIRM_DAYS)
    db.session.flush()
    link = _public(f"/lettre/abonnement/confirmer/{token}")
    queue_mail(
        email,
        "Confirmez votre abonnement à La Lettre de la MLDS",
        "Bonjour,\n\nPour recevoir La Lettre de la Mission de lutte contre le décrochage "
        f"scolaire, confirmez votre abonnement en ouvrant ce lien (valable {CONFIRM_DAYS} "
        f"jours) :\n{link}\n\nSi vous n'avez rien demandé, ignorez ce courriel : sans "
        "confirmation, rien ne vous sera envoyé.\n",
    )


def confirm(token: str, now: dt.datetime | None = None) -> LetterSubscriber:
    now = now or utcnow()
    sub = subscriber_of_confirmation(token, now)
    sub.status = "confirmed"
    sub.confirmed_at = now
    sub.unsubscribed_at = None
    sub.confirm_token_hash = None  # used once
    sub.confirm_expires_at = None
    db.session.flush()
    return sub


def unsubscribe(token: str, now: dt.datetime | None = None) -> LetterSubscriber:
    sub = subscriber_of_unsubscribe(token)
    _stop(sub, now or utcnow())
    return sub


def _stop(sub: LetterSubscriber, now: dt.datetime) -> None:
    if sub.status != "unsubscribed":
        sub.status = "unsubscribed"
        sub.unsubscribed_at = now
    sub.confirm_token_hash = None
    sub.confirm_expires_at = None
    db.session.flush()


# ---------------------------------------------------------------- from one's account


def of_user(user: User) -> LetterSubscriber | None:
    return _by_email(user.email.lower())


def subscribe_account(user: User, now: dt.datetime | None = None) -> LetterSubscriber:
    """A signed-in person subscribes their account's address (already proven: no link needed)."""
    now = now or utcnow()
    sub = of_user(user)
    if sub is None:
        sub = LetterSubscriber(email=user.email.lower(), unsubscribe_salt=secrets.token_hex(16))
        db.session.add(sub)
    elif sub.status != "confirmed":
        sub.unsubscribe_salt = secrets.token_hex(16)  # old links stay revoked
    if sub.status != "confirmed":
        sub.confirmed_at = now
    sub.status = "confirmed"
    sub.unsubscribed_at = None
    sub.confirm_token_hash = None
    sub.confirm_expires_at = None
    sub.user_id = user.id
    db.session.flush()
    return sub


def unsubscribe_account(user: User, now: dt.datetime | None = None) -> None:
    sub = of_user(user)
    if sub is not None:
        _stop(sub, now or utcnow())


def confirmed() -> list[LetterSubscriber]:
    return list(
        db.session.scalars(
            select(LetterSubscriber)
            .where(LetterSubscriber.status == "confirmed")
            .order_by(LetterSubscriber.id)
        )
    )
