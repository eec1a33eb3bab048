"""Outbox: a message is a row written in the same transaction as the change it announces.

After the request's commit, pending rows are sent (console by default, SMTP when MAIL_SERVER is
set); a failure leaves the row pending with its error, and `flask --app wsgi send-mail` retries.
"""
from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from flask import current_app, g
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .db import db, utcnow
from .models import OutboxMessage

MAX_ATTEMPTS = 10


def queue_mail(recipient: str, subject: str, body: str) -> OutboxMessage:
    msg = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(msg)
    return msg


def _deliver(msg: OutboxMessage) -> None:
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        print(f"--- courriel à {msg.recipient}\nObjet : {msg.subject}\n\n{msg.body}\n---",
              file=sys.stderr if current_app.testing else sys.stdout, flush=True)
        return
    email = EmailMessage()
    email["From"] = cfg["MAIL_FROM"]
    email["To"] = msg.recipient
    email["Subject"] = msg.subject
    email.set_content(msg.body)
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def send_pending(limit: int = 100) -> tuple[int, int]:
    """Send committed, unsent messages; returns (sent, failed). Commits its own bookkeeping."""
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id).limit(limit)
    ).all()
    sent = failed = 0
    for msg in rows:
        msg.attempts += 1
        try:
            _deliver(msg)
        except Exception as exc:  # noqa: BLE001 - any transport error leaves the row to retry
            msg.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            failed += 1
        else:
            msg.sent_at = utcnow()
            msg.last_error = ""
            sent += 1
    if rows:
        db.session.commit()
    return sent, failed


@event.listens_for(Session, "after_flush")
def _mark_pending(session, _ctx):
    if any(isinstance(o, OutboxMessage) for o in session.new):
        session.info["mail_pending"] = True


@event.listens_for(Session, "after_commit")
def _flag_request(session):
    if session.info.pop("mail_pending", False):
        try:
            g.send_mail_after_request = True
        except RuntimeError:  # outside a request (CLI): the command sends itself
            pass
