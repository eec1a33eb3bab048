"""The calls anyone may read without an account: those open now (published, before deadline)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.db import db, utcnow
from portal.errors import NotFound
from portal.models import Call, CallStatus

MISSING = "Cet appel à projets n'existe pas ou n'est pas ouvert."


def _open(now: dt.datetime):
    return (
        select(Call)
        .where(Call.status == CallStatus.open, Call.opens_at <= now, Call.deadline_at > now)
        .options(selectinload(Call.axes), selectinload(Call.attachment_kinds))
    )


def open_calls(now: dt.datetime | None = None) -> list[Call]:
    """Open calls, the nearest deadline first (drafts and closed calls are not public)."""
    now = now or utcnow()
    return list(db.session.scalars(_open(now).order_by(Call.deadline_at, Call.id)))


def open_call(call_id: int, now: dt.datetime | None = None) -> Call:
    now = now or utcnow()
    call = db.session.scalar(_open(now).where(Call.id == call_id))
    if call is None:
        raise NotFound(MISSING)
    return call
