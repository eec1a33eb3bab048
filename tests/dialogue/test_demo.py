"""The demo shows threads (some unread, one awaiting the call office) and internal notes."""

from sqlalchemy import func, select

from applications import services
from applications.models import Message
from portal import demo
from portal.db import db
from portal.models import User
from review.models import InternalNote


def test_demo_has_threads_and_notes(app):
    demo.load("mot-de-passe-demo")
    assert db.session.scalar(select(func.count()).select_from(Message)) >= 4
    assert db.session.scalar(select(func.count()).select_from(InternalNote)) >= 2
    people = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
    office = people["gestion.etat"]
    assert services.unread_count(office) >= 2
    assert services.unanswered_count(office) == 2
    assert services.unread_count(people["chef.dolmen"]) == 1
    assert len(services.inbox(office)) == 3
