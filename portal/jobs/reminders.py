"""Reminders: each area answers `portal.signals.due_reminders` with what is due now; each
(kind, object, recipient, occasion) is sent once and never twice.

Before its mail is queued, a reminder's `ReminderSent` row is inserted in the same transaction,
under a savepoint: a second run, or a second worker at the same moment, meets the unique key
(on PostgreSQL it waits for the first transaction, then fails) and queues nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError

from portal.db import db, utcnow
from portal.notifications import notify
from portal.signals import answers, due_reminders

from .models import ReminderSent


def _already_sent(candidates: list[tuple]) -> set[tuple]:
    if not candidates:
        return set()
    keys = {(kind, object_id, occasion) for kind, object_id, _, occasion in candidates}
    rows = db.session.execute(
        select(
            ReminderSent.kind, ReminderSent.object_id, ReminderSent.user_id, ReminderSent.occasion
        ).where(tuple_(ReminderSent.kind, ReminderSent.object_id, ReminderSent.occasion).in_(keys))
    ).all()
    return {tuple(row) for row in rows}


def run_reminders(now: dt.datetime | None = None) -> int:
    """Send the reminders due at `now`; returns how many were queued. Commits."""
    now = now or utcnow()
    due = [item for answer in answers(due_reminders, None, now=now) for item in answer]
    candidates = [
        (item["kind"], item["object_id"], user.id, item["occasion"])
        for item in due
        for user in item["users"]
        if user is not None and user.active
    ]
    sent = _already_sent(candidates)
    queued = 0
    for item in due:
        for user in item["users"]:
            if user is None or not user.active:
                continue
            key = (item["kind"], item["object_id"], user.id, item["occasion"])
            if key in sent:
                continue
            sent.add(key)
            try:
                with db.session.begin_nested():
                    db.session.add(
                        ReminderSent(kind=key[0], object_id=key[1], user_id=key[2], occasion=key[3])
                    )
            except IntegrityError:
                continue  # another run sent it meanwhile
            notify([user], "reminder", item["subject"], item["body"])
            queued += 1
    db.session.commit()
    return queued
