"""Telling people that something waits for them: one entry point for every area.

`notify(users, kind, subject, body)` queues one outbox row per active recipient, in the caller's
transaction (the outbox stays the source of truth). `kind` names what is announced (e.g.
"message", "report_deposited", "proposal"); it is the key of the recipients' preferences once they
exist. Areas call this rather than `portal.mail.queue_mail` when the mail is a notification to a
portal user.
"""

from __future__ import annotations

from collections.abc import Iterable

from .mail import queue_mail
from .models import User


def notify(users: Iterable[User], kind: str, subject: str, body: str) -> int:
    """Queue the notification for each distinct active user; returns how many were queued."""
    seen: set[int] = set()
    for user in users:
        if user is None or not user.active or user.id in seen:
            continue
        seen.add(user.id)
        queue_mail(user.email, subject, body)
    return len(seen)
