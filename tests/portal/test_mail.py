"""Outbox: rows first, delivered after commit, retried after a failure."""
from sqlalchemy import select

from portal.db import db
from portal.mail import queue_mail, send_pending
from portal.models import OutboxMessage


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_console_delivery_marks_the_row_sent(app, capsys):
    msg = queue_mail("chef@exemple.fr", "Dossier déposé", "Bonjour")
    db.session.commit()
    sent, failed = send_pending()
    assert (sent, failed) == (1, 0)
    assert msg.sent_at is not None and msg.attempts == 1
    assert "Dossier déposé" in capsys.readouterr().err


def test_failed_delivery_stays_pending_and_is_retried(app, monkeypatch):
    port = _free_port()  # nothing listens there: the SMTP connection is refused
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    msg = queue_mail("chef@exemple.fr", "Compléments demandés", "Texte")
    db.session.commit()
    assert send_pending() == (0, 1)
    assert msg.sent_at is None and msg.attempts == 1 and "Connection" in msg.last_error
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)  # the transport is back
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert "1 courriel(s) envoyé(s), 0 en échec" in result.output
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.id == msg.id))
    assert row.sent_at is not None and row.attempts == 2


def test_uncommitted_mail_is_not_sent(app):
    queue_mail("chef@exemple.fr", "Jamais", "Ce message part avec une transaction annulée")
    db.session.rollback()
    assert send_pending() == (0, 0)
