"""The demo shows threads (some unread, one awaiting the call office), internal notes, and an
« À faire » with something in it for every role that has work (issue 11, "Done when")."""

from sqlalchemy import func, select

from applications import services
from applications.models import Message
from portal import demo
from portal.db import db, utcnow
from portal.models import User
from portal.todo import todo_list
from review.models import InternalNote

# A demo account of each role, and a word of what waits for it.
WAITING = {
    "chef.dautet": "Déposer le dossier",  # head: a draft to submit before the deadline
    "chef.mace": "Compléter le dossier",  # head: a completion request
    "chef.dolmen": "message non lu",  # head: a message
    "instructeur.etat": "Évaluer",  # reviewer: reviews to do
    "copilote.region": "Valider",  # co-pilot: proposals awaiting validation
    "budget.region": "part à engager",  # budget officer
    "gestion.etat": "sans réponse",  # call administrator: unanswered messages
    "coordination.mlds": "fiche de pratique",  # the MLDS coordinator: sheets
}


def test_demo_has_threads_notes_and_to_do_lists(app):
    demo.load("mot-de-passe-demo")
    assert db.session.scalar(select(func.count()).select_from(Message)) >= 4
    assert db.session.scalar(select(func.count()).select_from(InternalNote)) >= 2
    people = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
    office = people["gestion.etat"]
    assert services.unread_count(office) >= 2
    assert services.unanswered_count(office) == 2
    assert services.unread_count(people["chef.dolmen"]) == 1
    assert len(services.inbox(office)) == 3
    now = utcnow()
    for login, words in WAITING.items():
        labels = [item["label"] for item in todo_list(people[login], now)]
        assert any(words in label for label in labels), (login, labels)
