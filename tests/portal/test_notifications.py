"""notify(): one outbox row per distinct active recipient, in the caller's transaction."""

from sqlalchemy import select

from portal.db import db
from portal.models import OutboxMessage, User
from portal.notifications import notify


def test_notify_queues_once_per_active_user(app):
    with app.app_context():
        a = User(email="a@ac-poitiers.fr", full_name="A")
        b = User(email="b@ac-poitiers.fr", full_name="B", active=False)
        db.session.add_all([a, b])
        db.session.flush()
        assert notify([a, a, b, None], "message", "Objet", "Corps") == 1
        rows = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.subject == "Objet")
        ).all()
        assert [r.recipient for r in rows] == ["a@ac-poitiers.fr"]
        db.session.rollback()
