"""Who the browser session is: flask-login's user loader, and the same check without the ORM.

The cookie names the user and their session_version (raised by a password reset: logged out
everywhere) and carries the token of its server-side session row (revoked by logout: that
session only). Both functions below accept a cookie on exactly the same conditions
(`_holds`); the second one reads five columns instead of building the user, for the page
cache's hits (`portal.pagecache`).
"""

from __future__ import annotations

import datetime as dt

from flask import session as cookie
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..db import db, utcnow
from ..models import User, UserSession
from .services import SESSION_KEY, session_digest

SEEN_EVERY = dt.timedelta(minutes=5)  # last_seen_at is written this often at most


def _claim(session_id: str | None) -> tuple[int, int, str] | None:
    user_id, _, version = (session_id or "").partition(".")
    token = cookie.get(SESSION_KEY)
    if not user_id.isdigit() or not version.isdigit() or not isinstance(token, str):
        return None
    return int(user_id), int(version), session_digest(token)


def _holds(claim, row_user_id, revoked_at, active, session_version) -> bool:
    user_id, version, _ = claim
    return (
        revoked_at is None
        and row_user_id == user_id
        and bool(active)  # deactivated: no session holds
        and (session_version or 1) == version  # logged out everywhere since (password reset)
    )


def load_user(session_id: str) -> User | None:
    """The user of this browser session, or None (the person is asked to log in again).

    One query by primary key: the live session row, its user joined."""
    claim = _claim(session_id)
    if claim is None:
        return None
    row = db.session.get(
        UserSession,
        claim[2],
        options=[
            joinedload(UserSession.user).joinedload(User.grants),
            joinedload(UserSession.user).joinedload(User.establishment),
        ],
    )
    if row is None or not _holds(
        claim, row.user_id, row.revoked_at, row.user.active, row.user.session_version
    ):
        return None
    now = utcnow()
    if now - row.last_seen_at > SEEN_EVERY:  # a write every few minutes at most
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == row.id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return row.user


def session_holds(session_id: str | None) -> bool:
    """Would `load_user` accept this cookie, and leave last_seen_at as it is? Five columns of
    one row by primary key, no ORM object (False also when last_seen_at is due: then the
    caller takes the loader's way, which writes it)."""
    claim = _claim(session_id)
    if claim is None:
        return False
    row = db.session.execute(
        select(
            UserSession.user_id,
            UserSession.revoked_at,
            UserSession.last_seen_at,
            User.active,
            User.session_version,
        )
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id == claim[2])
    ).first()
    if row is None or not _holds(claim, row[0], row[1], row[3], row[4]):
        return False
    return utcnow() - row[2] <= SEEN_EVERY
