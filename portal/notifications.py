"""Telling people that something waits for them: one entry point for every area.

`notify(users, kind, subject, body)` applies each recipient's preference for `kind`
(portal/jobs/preferences.py: immediately, daily digest, or never; decisions and completion
requests are always sent) and writes, in the caller's transaction, an outbox row (immediate) or a
digest item (gathered into one mail a day by portal/jobs/digest.py). `kind` names what is
announced ("message", "report_deposited", "proposal", "review_phase", "reminder"…; the list and
its labels are `portal.jobs.preferences.KINDS`). Areas call this rather than
`portal.mail.queue_mail` when the mail is a notification to a portal user.
"""

from __future__ import annotations

from collections.abc import Iterable

from .db import db
from .jobs.models import DigestItem, NotificationMode
from .jobs.preferences import modes_for
from .mail import queue_mail
from .models import User


def notify(users: Iterable[User], kind: str, subject: str, body: str) -> int:
    """Queue the notification for each distinct active user who wants it (now or in the
    digest); returns how many will be told."""
    recipients: dict[int, User] = {}
    for user in users:
        if user is not None and user.active and user.id not in recipients:
            recipients[user.id] = user
    modes = modes_for(recipients, kind)
    told = 0
    for user_id, user in recipients.items():
        mode = modes[user_id]
        if mode == NotificationMode.never:
            continue
        told += 1
        if mode == NotificationMode.digest:
            subject_line = " ".join(subject.split())[:300]
            db.session.add(DigestItem(user_id=user_id, kind=kind, subject=subject_line, body=body))
        else:
            queue_mail(user.email, subject, body)
    return told
