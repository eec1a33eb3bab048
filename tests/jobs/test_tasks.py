"""The kernel's side of the job queue, in process: reminders sent once, the tasks' retries and
backoff, the hand-off after the response with and without a broker, the cron command."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import jobs, mail
from portal.db import db
from portal.jobs import tasks
from portal.jobs.models import ReminderSent
from portal.jobs.reminders import run_reminders
from portal.mail import queue_mail
from portal.models import OutboxMessage, User
from portal.signals import due_reminders


@pytest.fixture
def answer(world):
    """A fake area answering due_reminders with one reminder for head_a (and an inactive one)."""
    inactive = User(email="parti@ac-poitiers.fr", full_name="Parti", active=False)
    db.session.add(inactive)
    db.session.flush()
    items = [
        {
            "kind": "test_due",
            "object_id": 42,
            "occasion": "J-1",
            "users": [world.head_a, inactive, None],
            "subject": "Rappel d'essai",
            "body": "Demain.",
        }
    ]

    def receiver(_sender, now=None, **_):
        return items

    due_reminders.connect(receiver)
    yield items
    due_reminders.disconnect(receiver)


def _count(subject):
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.subject == subject)
    )


def test_a_reminder_is_sent_once_and_never_twice(world, answer):
    assert run_reminders() == 1
    assert run_reminders() == 0
    assert _count("Rappel d'essai") == 1
    row = db.session.scalars(select(ReminderSent).where(ReminderSent.kind == "test_due")).one()
    assert (row.object_id, row.user_id, row.occasion) == (42, world.head_a.id, "J-1")
    answer[0]["occasion"] = "J-0"  # another occasion of the same object is another reminder
    assert run_reminders() == 1


def test_the_unique_row_stops_a_second_worker_that_read_before_the_first_wrote(world, answer):
    db.session.add(
        ReminderSent(kind="test_due", object_id=42, user_id=world.head_a.id, occasion="J-1")
    )
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            ReminderSent(kind="test_due", object_id=42, user_id=world.head_a.id, occasion="J-1")
        )
    # And when the pre-check missed it (a race), the savepoint catches the duplicate.
    from portal.jobs import reminders

    original = reminders._already_sent
    reminders._already_sent = lambda candidates: set()
    try:
        assert run_reminders() == 0
    finally:
        reminders._already_sent = original
    assert _count("Rappel d'essai") == 0


def test_backoff_doubles_up_to_an_hour():
    assert [tasks.backoff(n) for n in (0, 1, 2, 3)] == [30, 60, 120, 240]
    assert tasks.backoff(20) == 3600


def test_a_failed_delivery_is_retried_with_backoff_and_the_row_stays_pending(world, monkeypatch):
    msg = queue_mail("chef@ac-poitiers.fr", "Échec", "…")
    db.session.flush()

    def broken(_msg):
        raise OSError("connexion refusée")

    monkeypatch.setattr(mail, "_deliver", broken)
    asked = {}

    class Retry(Exception):
        pass

    def retry(countdown):
        asked["countdown"] = countdown
        return Retry()

    monkeypatch.setattr(tasks.deliver_outbox, "retry", retry)
    tasks.deliver_outbox.push_request(retries=2)
    try:
        with pytest.raises(Retry):
            tasks.deliver_outbox.run([msg.id])
    finally:
        tasks.deliver_outbox.pop_request()
    assert asked == {"countdown": 120}
    db.session.refresh(msg)
    assert msg.sent_at is None and msg.attempts == 1 and "connexion refusée" in msg.last_error
    monkeypatch.undo()
    assert tasks.deliver_outbox.run([msg.id]) == {"sent": 1, "failed": 0}


def test_without_a_broker_the_mail_is_sent_in_process_after_the_response(app, world):
    assert app.extensions["celery"] is None  # the embedded default
    msg = queue_mail("chef@ac-poitiers.fr", "Sur place", "…")
    db.session.flush()
    jobs.dispatch(app, [msg.id])
    assert db.session.get(OutboxMessage, msg.id).sent_at is not None


def test_an_unreachable_broker_leaves_the_row_for_the_sweep(app, world, caplog):
    msg = queue_mail("chef@ac-poitiers.fr", "Plus tard", "…")
    db.session.flush()
    previous = app.extensions["celery"]
    app.extensions["celery"] = jobs.make_celery(
        {
            "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
            "CELERY_QUEUE": "aap-nowhere",
            "DIGEST_HOUR": 7,
        }
    )
    app.extensions["celery"].conf.broker_connection_max_retries = 0
    app.extensions["celery"].conf.broker_transport_options = {"max_retries": 0}
    try:
        jobs.dispatch(app, [msg.id])
    finally:
        app.extensions["celery"] = previous
    row = db.session.get(OutboxMessage, msg.id)
    assert row.sent_at is None and row.attempts == 0
    assert "could not hand the outbox to the queue" in caplog.text


def test_the_tasks_run_in_process_too(world, answer):
    assert tasks.run_reminders() == 1  # the task queues and delivers its mail
    row = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject == "Rappel d'essai")
    ).one()
    assert row.sent_at is not None
    assert tasks.send_digests() == 0


def test_the_beat_schedule_runs_reminders_hourly_and_the_digest_daily():
    schedule = jobs.celery.conf.beat_schedule
    assert schedule["reminders"]["task"] == jobs.REMINDERS
    assert schedule["digests"]["task"] == jobs.DIGESTS
    assert schedule["outbox"]["task"] == jobs.DELIVER
    assert jobs.celery.conf.timezone == "Europe/Paris"


def test_the_cron_command_runs_the_due_reminders(app, world, answer):
    result = app.test_cli_runner().invoke(args=["send-reminders", "--digests"])
    assert result.exit_code == 0, result.output
    assert "1 rappel(s), 0 résumé(s)" in result.output
    assert _count("Rappel d'essai") == 1


def test_a_task_outside_an_app_context_runs_in_the_worker_s_own_app(app, monkeypatch):
    """In a worker there is no app context: the task builds (once) and enters the portal's."""
    import threading

    monkeypatch.setattr(jobs, "_app", app)
    results = []
    thread = threading.Thread(target=lambda: results.append(tasks.send_digests()))
    thread.start()
    thread.join(30)
    assert results == [0]


def test_an_in_process_delivery_failure_is_logged_and_left_for_send_mail(
    app, world, monkeypatch, caplog
):
    def broken(**_):
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(mail, "send_pending", broken)
    jobs.dispatch(app, [1])
    assert "outbox delivery failed" in caplog.text


def test_an_inactive_person_gets_no_digest(world):
    from portal.jobs.digest import send_digests
    from portal.jobs.models import DigestItem

    world.copilot.active = False
    db.session.add(DigestItem(user_id=world.copilot.id, kind="proposal", subject="S", body="B"))
    db.session.flush()
    assert send_digests() == 0
    assert _count("Votre résumé quotidien : 1 notification") == 0
