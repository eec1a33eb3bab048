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


def test_a_request_sends_its_own_messages_after_the_response(client, world):
    from portal.models import OutboxMessage as Msg

    other = queue_mail("autre@exemple.fr", "En attente", "Pas pour cette requête")
    db.session.commit()
    other_id = other.id
    response = client.post("/mot-de-passe-oublie", data={"email": world.head_a.email})
    response.close()  # the server closes the response once it is sent
    reset = db.session.scalars(select(Msg).where(Msg.recipient == world.head_a.email)).all()
    assert reset and all(m.sent_at is not None for m in reset)
    assert db.session.get(Msg, other_id).sent_at is None  # not this request's: left to send-mail


def test_a_message_is_claimed_once(app):
    from portal.mail import claim

    msg = queue_mail("chef@exemple.fr", "Une fois", "Texte")
    db.session.commit()
    # two workers read the row with 0 attempts; only the first claim wins
    assert claim(msg.id, 0) is True
    assert claim(msg.id, 0) is False
