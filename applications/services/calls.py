"""The calls open to dossiers right now."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal.db import db, utcnow
from portal.models import Call, CallStatus


def open_calls(now: dt.datetime | None = None) -> list[Call]:
    now = now or utcnow()
    calls = db.session.scalars(
        select(Call).where(Call.status == CallStatus.open).order_by(Call.deadline_at)
    ).all()
    return [c for c in calls if c.opens_at <= now < c.deadline_at]
