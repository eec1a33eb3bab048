"""Forgotten password and invitation links: the whole flow, and every way a link is refused."""

import datetime as dt
import html
import re

from sqlalchemy import func, select

from portal.auth.services import authenticate
from portal.db import db, utcnow
from portal.models import AuditEvent, OutboxMessage, Role, User, UserToken

from ..conftest import PASSWORD, login

NEW_PASSWORD = "un-nouveau-mot-de-passe"
CONFIRMATION = "Si un compte correspond à cette adresse"


def _link_from_outbox(recipient: str, path: str) -> str:
    msg = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.recipient == recipient)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert msg is not None, "no mail queued"
    match = re.search(r"http://localhost(/%s/[\w-]+)" % path, msg.body)
    assert match, msg.body
    return match.group(1)


def _outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def _ask_reset(client, email):
    response = client.post("/mot-de-passe-oublie", data={"email": email})
    response.get_data()
    response.close()  # as a server does once the page is sent: the reset work runs then
    return response


def test_reset_flow_end_to_end(client, factory):
    user = factory.user(Role.observer)
    response = _ask_reset(client, user.email)
    assert response.status_code == 200
    assert CONFIRMATION in response.get_data(as_text=True)
    link = _link_from_outbox(user.email, "reinitialiser")

    page = client.get(link)
    assert page.status_code == 200 and 'autocomplete="new-password"' in page.get_data(as_text=True)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/connexion")
    assert authenticate(user.email, NEW_PASSWORD) is not None
    assert authenticate(user.email, PASSWORD) is None
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "password_set", AuditEvent.object_id == user.id
        )
    )
    login(client, user, NEW_PASSWORD)


def test_reset_confirmation_is_the_same_for_unknown_email(client, factory):
    user = factory.user(Role.observer)
    before = _outbox_count()
    unknown = _ask_reset(client, "inconnu@ac-poitiers.fr").get_data(as_text=True)
    assert _outbox_count() == before  # nothing sent
    known = _ask_reset(client, user.email).get_data(as_text=True)
    assert _outbox_count() == before + 1

    def message(page):
        return re.search(
            r'<div class="fr-alert[^"]*" role="status">\s*<p>(.*?)</p>', page, re.S
        ).group(1)

    assert message(unknown) == message(known)
    assert CONFIRMATION in message(unknown)


def test_reset_form_needs_an_email(client):
    response = _ask_reset(client, "")
    assert response.status_code == 400
    assert "Indiquez votre adresse électronique." in response.get_data(as_text=True)


def _issue_reset(client, user) -> str:
    _ask_reset(client, user.email)
    return _link_from_outbox(user.email, "reinitialiser")


def _refused(client, link, user, message):
    page = client.get(link)
    assert page.status_code == 400
    assert message in html.unescape(page.get_data(as_text=True))
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    assert authenticate(user.email, NEW_PASSWORD) is None
    assert authenticate(user.email, PASSWORD) is not None


def test_expired_reset_link_changes_nothing(client, factory):
    user = factory.user(Role.observer)
    link = _issue_reset(client, user)
    row = db.session.scalar(select(UserToken).where(UserToken.user_id == user.id))
    row.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()  # a savepoint: survives the views' rollbacks
    _refused(client, link, user, "Ce lien a expiré.")


def test_reused_reset_link_is_refused(client, factory):
    user = factory.user(Role.observer)
    link = _issue_reset(client, user)
    client.post(link, data={"password": "premier-mot-de-passe", "confirm": "premier-mot-de-passe"})
    page = client.get(link)
    assert page.status_code == 400
    assert "Ce lien a déjà été utilisé." in page.get_data(as_text=True)
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert authenticate(user.email, "premier-mot-de-passe") is not None
    assert authenticate(user.email, NEW_PASSWORD) is None


def test_unknown_reset_link_is_refused(client, factory):
    user = factory.user(Role.observer)
    _refused(client, "/reinitialiser/nimporte-quoi", user, "Ce lien n'est pas valide.")


def test_reset_link_cannot_be_used_as_invitation(client, factory):
    user = factory.user(Role.observer)
    link = _issue_reset(client, user)
    _refused(
        client, link.replace("/reinitialiser/", "/invitation/"), user, "Ce lien n'est pas valide."
    )


def test_reset_passwords_must_match_and_be_long_enough(client, factory):
    user = factory.user(Role.observer)
    link = _issue_reset(client, user)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": "autre-chose-encore"})
    assert response.status_code == 400
    assert "Les deux mots de passe ne sont pas identiques." in response.get_data(as_text=True)
    response = client.post(link, data={"password": "court", "confirm": "court"})
    assert "au moins 10 caractères" in response.get_data(as_text=True)
    assert authenticate(user.email, PASSWORD) is not None
    # the link is still usable after a mistake
    assert (
        client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )


def test_reset_post_without_csrf_changes_nothing(client, factory):
    user = factory.user(Role.observer)
    link = _issue_reset(client, user)
    response = client.post(
        link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, csrf=False
    )
    assert response.status_code == 400
    assert authenticate(user.email, PASSWORD) is not None
    assert db.session.scalar(select(UserToken).where(UserToken.user_id == user.id)).used_at is None


def _invite(client, admin, email="nouvelle@ac-poitiers.fr", **extra):
    login(client, admin)
    data = {"email": email, "full_name": "Nouvelle Personne", "roles": ["observer"]}
    data.update(extra)
    response = client.post("/admin/utilisateurs/inviter", data=data)
    client.post("/deconnexion")
    client._token = None
    return response


def test_invitation_flow_end_to_end(client, factory):
    admin = factory.user(Role.admin)
    response = _invite(client, admin)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nouvelle@ac-poitiers.fr"))
    assert user.password_hash is None and user.roles == {Role.observer}
    link = _link_from_outbox(user.email, "invitation")

    page = client.get(link)
    assert page.status_code == 200 and "Activer votre compte" in page.get_data(as_text=True)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # logged in straight away
    assert authenticate(user.email, NEW_PASSWORD) is not None
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "invitation_accepted", AuditEvent.object_id == user.id
        )
    )


def test_expired_and_reused_invitation_links_are_refused(client, factory):
    admin = factory.user(Role.admin)
    _invite(client, admin)
    user = db.session.scalar(select(User).where(User.email == "nouvelle@ac-poitiers.fr"))
    link = _link_from_outbox(user.email, "invitation")
    row = db.session.scalar(select(UserToken).where(UserToken.user_id == user.id))
    good_until = row.expires_at
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and "Ce lien a expiré." in response.get_data(as_text=True)
    assert db.session.get(User, user.id).password_hash is None

    row.expires_at = good_until
    db.session.commit()
    assert (
        client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )
    client.post("/deconnexion")
    response = client.post(
        link, data={"password": "encore-un-autre-mdp", "confirm": "encore-un-autre-mdp"}
    )
    assert response.status_code == 400
    assert "Ce lien a déjà été utilisé." in response.get_data(as_text=True)
    assert authenticate(user.email, NEW_PASSWORD) is not None


def test_invitation_of_deactivated_account_is_refused(client, factory):
    admin = factory.user(Role.admin)
    _invite(client, admin)
    user = db.session.scalar(select(User).where(User.email == "nouvelle@ac-poitiers.fr"))
    link = _link_from_outbox(user.email, "invitation")
    user.active = False
    db.session.commit()
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert "Ce compte est désactivé." in response.get_data(as_text=True)
    assert db.session.get(User, user.id).password_hash is None


def test_forgotten_password_form_is_throttled(client, factory):
    user = factory.user(Role.observer)
    for _ in range(5):
        assert _ask_reset(client, user.email).status_code == 200
    assert _ask_reset(client, user.email).status_code == 429


def test_forgot_password_does_the_same_work_for_known_and_unknown_addresses(client, factory):
    """The response does the same SQL either way; the lookup, link and mail come after it."""
    from sqlalchemy import event

    user = factory.user(Role.observer)
    client.csrf_token()
    db.session.commit()
    seen = {}
    for label, email in (("unknown", "inconnu@ac-poitiers.fr"), ("known", user.email)):
        statements = []

        def note(_conn, _cursor, statement, *_args, statements=statements):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            response = client.post("/mot-de-passe-oublie", data={"email": email})
            page = response.get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        seen[label] = (response.status_code, statements, page.count(CONFIRMATION))
        response.close()  # the server closes the response once sent: the deferred work runs
    assert seen["known"] == seen["unknown"]
    assert _link_from_outbox(user.email, "reinitialiser")
    assert not db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "inconnu@ac-poitiers.fr")
    )
