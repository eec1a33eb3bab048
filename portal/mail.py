"""Outbox: a message is a row written in the same transaction as the change it announces.

After the request's commit, pending rows are sent (console by default, SMTP when MAIL_SERVER is
set); a failure leaves the row pending with its error, and `flask --app wsgi send-mail` retries.
"""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from flask import current_app, g
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from .db import db, utcnow
from .models import OutboxMessage

MAX_ATTEMPTS = 10


def queue_mail(
    recipient: str, subject: str, body: str, headers: dict[str, str] | None = None
) -> OutboxMessage:
    """`headers`: extra mail headers (e.g. List-Unsubscribe), one line each."""
    # A subject is one line: user-typed text (a title with a line break) must not break the header.
    subject = " ".join(subject.split())[:300]
    extra = {name: " ".join(str(value).split()) for name, value in (headers or {}).items()}
    msg = OutboxMessage(recipient=recipient, subject=subject, body=body, headers=extra or None)
    db.session.add(msg)
    return msg


def compose(msg: OutboxMessage, sender: str) -> EmailMessage:
    """The message as sent: From, To, Subject, the row's extra headers, the text body."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = msg.recipient
    email["Subject"] = msg.subject
    for name, value in (msg.headers or {}).items():
        email[name] = value
    email.set_content(msg.body)
    return email


def _deliver(msg: OutboxMessage) -> None:
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        print(
            f"--- courriel à {msg.recipient}\nObjet : {msg.subject}\n\n{msg.body}\n---",
            file=sys.stderr if current_app.testing else sys.stdout,
            flush=True,
        )
        return
    email = compose(msg, cfg["MAIL_FROM"])
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def claim(msg_id: int, seen_attempts: int) -> bool:
    """Take a message for delivery; False when another worker took it since it was read."""
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == msg_id,
            OutboxMessage.attempts == seen_attempts,
            OutboxMessage.sent_at.is_(None),
        )
        .values(attempts=seen_attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def send_pending(limit: int = 100, ids: list[int] | None = None) -> tuple[int, int]:
    """Send committed, unsent messages (only `ids` when given); returns (sent, failed).

    Each message is claimed first by a conditional UPDATE on its attempt count, committed before
    delivery, so two workers (two app hosts, or a host and the cron) never send it twice.
    """
    query = (
        select(OutboxMessage.id, OutboxMessage.attempts)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    candidates = db.session.execute(query).all()
    sent = failed = 0
    for msg_id, attempts in candidates:
        if not claim(msg_id, attempts):
            continue  # another worker has it
        msg = db.session.get(OutboxMessage, msg_id)
        db.session.refresh(msg)
        try:
            _deliver(msg)
        except Exception as exc:  # noqa: BLE001 - any transport error leaves the row to retry
            msg.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            failed += 1
        else:
            msg.sent_at = utcnow()
            msg.last_error = ""
            sent += 1
        db.session.commit()
    return sent, failed


@event.listens_for(Session, "after_flush")
def _mark_pending(session, _ctx):
    new_ids = [o.id for o in session.new if isinstance(o, OutboxMessage)]
    if new_ids:
        session.info.setdefault("mail_ids", []).extend(new_ids)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session):
    session.info.pop("mail_ids", None)


@event.listens_for(Session, "after_commit")
def _flag_request(session):
    ids = session.info.pop("mail_ids", None)
    if ids:
        try:
            g.setdefault("mail_ids", []).extend(ids)
        except RuntimeError:  # outside a request (CLI): the command sends itself
            pass
