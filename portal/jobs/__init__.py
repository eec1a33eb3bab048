"""The job queue: Celery with Redis as the broker, Celery beat for the schedule.

The outbox stays the source of truth (rows written in the caller's transaction, portal.mail);
the tasks of `portal.jobs.tasks` deliver them with retries and backoff, run the due reminders
(`portal.jobs.reminders`) and send the daily digests (`portal.jobs.digest`).

- With `CELERY_BROKER_URL` set, a request that committed mail hands its outbox ids to the queue
  after the response; `celery -A portal.jobs worker -B` (or a worker and `celery -A portal.jobs
  beat`) runs them and the schedule below.
- Without a broker (the embedded default: `flask demo`, SQLite), nothing needs to run: the mail
  is sent in process after the response, and `flask send-reminders` (cron, hourly) runs the due
  reminders and digests.

The worker builds its own Flask app (`create_app()`, the same environment variables as the
web hosts) and runs each task in an app context.
"""

from __future__ import annotations

import logging

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, current_app, has_app_context

from portal.config import job_settings

log = logging.getLogger("portal.jobs")

DELIVER = "portal.jobs.deliver_outbox"
REMINDERS = "portal.jobs.run_reminders"
DIGESTS = "portal.jobs.send_digests"


_app: Flask | None = None


def flask_app() -> Flask:
    """The current app, or (in a worker) the one built once from the environment."""
    global _app
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from portal import create_app

        _app = create_app()
    return _app


class AppTask(Task):
    """A task run inside the portal's app context; the session is closed after it."""

    abstract = True

    def __call__(self, *args, **kwargs):
        if has_app_context():
            return self.run(*args, **kwargs)
        from portal.db import db

        with flask_app().app_context():
            try:
                return self.run(*args, **kwargs)
            finally:
                db.session.remove()


def make_celery(config: dict) -> Celery:
    app = Celery("portal", task_cls=AppTask, set_as_current=False)
    queue = config["CELERY_QUEUE"]
    app.conf.update(
        broker_url=config["CELERY_BROKER_URL"] or "memory://",
        broker_connection_retry_on_startup=True,
        task_default_queue=queue,
        task_ignore_result=True,
        task_acks_late=True,  # a worker lost mid-task: the task runs again (claims make it safe)
        worker_prefetch_multiplier=1,
        timezone="Europe/Paris",
        beat_schedule={
            "outbox": {"task": DELIVER, "schedule": 600.0},  # what a failed hand-off left
            "reminders": {"task": REMINDERS, "schedule": crontab(minute=5)},
            "digests": {
                "task": DIGESTS,
                "schedule": crontab(minute=0, hour=config["DIGEST_HOUR"]),
            },
        },
    )
    return app


# The worker's and beat's app (`celery -A portal.jobs …`), configured from the environment.
celery = make_celery(job_settings())

from . import tasks  # noqa: E402,F401  (registers the tasks on `celery`)


def init_app(app: Flask) -> None:
    """The web side: a Celery client of the app's broker, if one is configured."""
    app.extensions["celery"] = make_celery(app.config) if app.config["CELERY_BROKER_URL"] else None


def dispatch(app: Flask, ids: list[int]) -> None:
    """Deliver these committed outbox rows: on the queue when there is a broker, else here.

    Called after the response. If the broker cannot be reached the rows stay pending; the
    beat's sweep (or `flask send-mail`) sends them.
    """
    client = app.extensions.get("celery")
    if client is not None:
        try:
            client.send_task(DELIVER, args=[ids])
        except Exception:  # noqa: BLE001 - the outbox keeps the rows; the sweep retries
            log.exception("could not hand the outbox to the queue")
        return
    from portal import mail

    with app.app_context():
        try:
            mail.send_pending(ids=ids)
        except Exception:  # noqa: BLE001 - `flask send-mail` retries what is left
            log.exception("outbox delivery failed")
