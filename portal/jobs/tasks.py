"""The Celery tasks (registered on `portal.jobs.celery`); each runs in the portal's app context
and commits its own work."""

from __future__ import annotations

from flask import g

from portal import mail

from . import DELIVER, DIGESTS, REMINDERS, celery, flask_app

MAX_RETRIES = 8


def backoff(retries: int) -> int:
    """Seconds before the next delivery attempt: 30 s, 1 min, 2 min, … at most an hour."""
    return min(30 * 2**retries, 3600)


def _hand_off() -> None:
    """Deliver what the task just committed (the outbox rows its commit flagged)."""
    ids = g.pop("mail_ids", None)
    if ids:
        deliver_outbox.apply_async(args=[ids]) if _queued() else mail.send_pending(ids=ids)


def _queued() -> bool:
    return bool(flask_app().config.get("CELERY_BROKER_URL"))


@celery.task(name=DELIVER, bind=True, max_retries=MAX_RETRIES)
def deliver_outbox(self, ids: list[int] | None = None) -> dict:
    """Send these outbox rows (all pending ones when None); a failure is retried with backoff.

    Every row is claimed before it is sent (portal.mail.claim): two workers never send one twice.
    """
    sent, failed = mail.send_pending(ids=ids)
    if failed:
        raise self.retry(countdown=backoff(self.request.retries))
    return {"sent": sent, "failed": failed}


@celery.task(name=REMINDERS)
def run_reminders() -> int:
    from .reminders import run_reminders as run

    queued = run()
    _hand_off()
    return queued


@celery.task(name=DIGESTS)
def send_digests() -> int:
    from .digest import send_digests as run

    queued = run()
    _hand_off()
    return queued
