"""A real Celery worker on the local Redis delivers the outbox and runs the reminders; the same
reminder run twice sends one mail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from portal import jobs
from portal.db import db, utcnow
from portal.jobs.models import ReminderSent
from portal.mail import queue_mail
from portal.models import OutboxMessage, Role

from ..conftest import Factory
from .worker import wait_for


def _sent(msg_id: int):
    return db.session.scalar(select(OutboxMessage.sent_at).where(OutboxMessage.id == msg_id))


def test_the_worker_delivers_what_a_request_committed(app, worker, queue_client):
    msg = queue_mail("chef@ac-poitiers.fr", "Livré par le worker", "Bonjour")
    db.session.commit()
    jobs.dispatch(app, [msg.id])  # what the request does after its response
    sent_at = wait_for(lambda: _sent(msg.id), what="the outbox row to be sent")
    assert sent_at <= utcnow()
    row = db.session.get(OutboxMessage, msg.id)
    db.session.refresh(row)
    assert row.attempts == 1 and row.last_error == ""
    assert "Objet : Livré par le worker" in worker.log()  # printed by the worker, not by us


def test_the_worker_sends_a_reminder_once_however_often_it_runs(app, worker, queue_client):
    factory = Factory()
    est = factory.establishment(name="Lycée du rappel")
    head = factory.user(Role.applicant_head, establishment=est)
    call = factory.call(deadline=utcnow() + dt.timedelta(days=3))
    factory.dossier(call, head)
    db.session.commit()

    queue_client.send_task(jobs.REMINDERS)
    queue_client.send_task(jobs.REMINDERS)

    def reminders_to_head():
        return db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == head.email, OutboxMessage.subject.like("Rappel%")
            )
        ).all()

    first = wait_for(reminders_to_head, what="the reminder mail")
    wait_for(lambda: _sent(first[0].id), what="the reminder to be delivered")
    # A marker queued after both runs: once it is sent, the solo worker has run both.
    marker = queue_mail("marqueur@ac-poitiers.fr", "Marqueur", "…")
    db.session.commit()
    queue_client.send_task(jobs.DELIVER, args=[[marker.id]])
    wait_for(lambda: _sent(marker.id), what="the marker")

    assert len(reminders_to_head()) == 1
    assert "date limite" in first[0].body.lower() or "Rappel" in first[0].subject
    assert (
        db.session.scalar(
            select(func.count(ReminderSent.id)).where(
                ReminderSent.user_id == head.id, ReminderSent.kind == "call_deadline"
            )
        )
        == 1
    )
    assert f"Objet : {first[0].subject}" in worker.log()
