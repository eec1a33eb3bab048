"""« Mes notifications »: per kind, immediately, a daily digest, or never; mandatory kinds
cannot be turned off; notify() applies the choices; the digest is one mail a day."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.db import db
from portal.jobs.digest import send_digests
from portal.jobs.models import DigestItem, NotificationMode, NotificationPreference
from portal.jobs.preferences import choosable, modes_for, save_preferences
from portal.models import Institution, OutboxMessage, Role
from portal.notifications import notify

from ..conftest import login

ALL_IMMEDIATE = {kind: "immediate" for kind, _ in choosable()}


def _outbox(email):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)).all()


def test_the_page_lists_every_choosable_kind_and_says_what_cannot_be_turned_off(client, factory):
    user = factory.user(Role.budget_officer, institution=Institution.region)
    login(client, user)
    page = client.get("/compte/notifications").get_data(as_text=True)
    assert "Mes notifications" in page and 'name="csrf_token"' in page
    for kind, label in choosable():
        assert f'name="{kind}"' in page
        assert label.replace("'", "&#39;") in page
    assert "décisions sur les dossiers, demandes de compléments" in page
    assert 'name="decision"' not in page and 'name="completion_request"' not in page
    account = client.get("/compte/").get_data(as_text=True)
    assert 'href="/compte/notifications"' in account


def test_saving_the_form_keeps_the_choices_and_shows_them_again(client, world):
    login(client, world.budget)
    data = dict(ALL_IMMEDIATE, report_deposited="digest", proposal="never")
    response = client.post("/compte/notifications", data=data)
    assert response.status_code == 302
    rows = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.mode).where(
                NotificationPreference.user_id == world.budget.id
            )
        ).all()
    )
    assert rows == {"report_deposited": NotificationMode.digest, "proposal": NotificationMode.never}
    page = client.get("/compte/notifications").get_data(as_text=True)
    assert 'checked id="report_deposited-1" name="report_deposited"' in page  # digest
    assert 'checked id="proposal-2" name="proposal"' in page  # never
    assert 'checked id="message-0" name="message"' in page  # immediately (no row)


def test_a_refused_form_answers_400_in_french_and_changes_nothing(client, world):
    save_preferences(world.budget, {"proposal": NotificationMode.never})
    db.session.flush()
    login(client, world.budget)
    data = dict(ALL_IMMEDIATE, message="souvent")
    response = client.post("/compte/notifications", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "fr-fieldset--error" in page and 'id="message-error"' in page
    missing = dict(ALL_IMMEDIATE)
    missing.pop("reminder")
    response = client.post("/compte/notifications", data=missing)
    assert response.status_code == 400
    assert "Choisissez quand recevoir ces courriels." in response.get_data(as_text=True)
    assert modes_for([world.budget.id], "proposal") == {world.budget.id: NotificationMode.never}


def test_the_form_refuses_a_post_without_csrf_token(client, world):
    login(client, world.budget)
    response = client.post("/compte/notifications", data=ALL_IMMEDIATE, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_mandatory_kinds_cannot_be_turned_off(world):
    save_preferences(
        world.head_a, {"decision": NotificationMode.never, "unknown": NotificationMode.never}
    )
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0
    assert notify([world.head_a], "decision", "Décision", "Votre dossier est retenu.") == 1
    assert notify([world.head_a], "completion_request", "Compléments", "…") == 1
    assert len(_outbox(world.head_a.email)) == 2


def test_notify_applies_never_and_digest(world):
    save_preferences(world.budget, {"report_deposited": NotificationMode.never})
    save_preferences(world.copilot, {"proposal": NotificationMode.digest})
    assert notify([world.budget], "report_deposited", "Bilan", "…") == 0
    assert _outbox(world.budget.email) == []
    assert notify([world.copilot], "proposal", "Proposition 1", "Corps 1") == 1
    assert _outbox(world.copilot.email) == []
    items = db.session.scalars(select(DigestItem).where(DigestItem.user_id == world.copilot.id))
    assert [i.subject for i in items] == ["Proposition 1"]


def test_the_digest_is_one_mail_a_day_with_every_item_and_never_twice(world):
    save_preferences(world.copilot, {"proposal": NotificationMode.digest})
    save_preferences(world.reviewer, {"review_phase": NotificationMode.digest})
    notify([world.copilot], "proposal", "Proposition 1", "Corps 1")
    notify([world.copilot], "proposal", "Proposition 2", "Corps 2")
    notify([world.reviewer], "review_phase", "Phase ouverte", "Délibération")
    db.session.flush()
    assert send_digests() == 2
    mails = _outbox(world.copilot.email)
    assert len(mails) == 1
    assert mails[0].subject == "Votre résumé quotidien : 2 notifications"
    assert "Proposition 1" in mails[0].body and "Corps 2" in mails[0].body
    assert _outbox(world.reviewer.email)[0].subject.endswith(": 1 notification")
    assert send_digests() == 0  # nothing left: no second mail
    assert len(_outbox(world.copilot.email)) == 1
