"""From a correct password to an open session, with the second step in between when the person
has a second factor.

The half-logged-in state lives in the signed session cookie (`PENDING_KEY`): the user id, their
`session_version` (a password reset meanwhile voids it), the safe `next`, and an expiry
(`TOTP_LOGIN_MINUTES`). No server-side session row exists until the code is accepted.
"""

from __future__ import annotations

import re
import time
from urllib.parse import unquote, urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import login_user

from portal import audit
from portal.db import db
from portal.models import User

from . import services, throttle, totp

PENDING_KEY = "_2fa"

# What a local `next` may hold: a path (and query) of printable ASCII, nothing a header or a
# browser could read as another host or a script.
_SAFE_NEXT = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*")


def safe_next(target: str | None) -> str | None:
    """Only a path of this site, else None (the user lands on their home).

    Refused: a scheme or host (`https://…`, `javascript:`), the protocol-relative `//host` trick,
    backslashes, control characters (CR/LF would break the Location header), whitespace and
    non-ASCII; also once percent-decoded, so `/%2F%2Fhost` or `/%0d%0a…` do not slip through.
    """
    if not target or len(target) > 2000 or not _SAFE_NEXT.fullmatch(target):
        return None
    for text in (target, unquote(target)):
        if (
            text.startswith("//")
            or "\\" in text
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)
        ):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def start_session(user: User) -> None:
    """Log the user in on a fresh server-side session row (revoked again by logout)."""
    session.pop(PENDING_KEY, None)
    session.pop(services.SESSION_KEY, None)
    login_user(user)
    session[services.SESSION_KEY] = services.open_session(user, request.user_agent.string)


def _now() -> float:
    return time.time()


def after_password(user: User, next_url: str | None, email: str):
    """The password was right: open the session, or first ask for the second factor's code."""
    if totp.is_enabled(user):
        minutes = int(current_app.config.get("TOTP_LOGIN_MINUTES") or 5)
        session[PENDING_KEY] = {
            "uid": user.id,
            "v": user.session_version or 1,
            "exp": int(_now()) + minutes * 60,
            "next": next_url,
        }
        db.session.commit()  # a rehashed password, if any
        return redirect(url_for("auth.login_code"))
    return complete(user, next_url, email, {})


def pending() -> tuple[User | None, bool]:
    """(the person half logged in, whether a half-login had expired or been voided)."""
    data = session.get(PENDING_KEY)
    if data is None:
        return None, False
    user = None
    if (
        isinstance(data, dict)
        and isinstance(data.get("uid"), int)
        and isinstance(data.get("exp"), int)
        and data["exp"] > _now()
    ):
        user = db.session.get(User, data["uid"])
        if user is not None and (
            not user.active
            or (user.session_version or 1) != data.get("v")
            or not totp.is_enabled(user)
        ):
            user = None
    if user is None:
        session.pop(PENDING_KEY, None)
        return None, True
    return user, False


def pending_next() -> str | None:
    data = session.get(PENDING_KEY) or {}
    return safe_next(data.get("next")) if isinstance(data, dict) else None


def complete(user: User, next_url: str | None, email: str, details: dict):
    """Open the session; a role that requires the second factor without it goes to enrolment."""
    throttle.succeeded(email)
    start_session(user)
    audit.record(user, "login", user, details)
    db.session.commit()
    if totp.required_for(user) and not totp.is_enabled(user):
        flash(totp.ENROL_FIRST, "warning")
        return redirect(url_for("auth.totp_enrol"))
    return redirect(next_url or url_for("main.home"))
