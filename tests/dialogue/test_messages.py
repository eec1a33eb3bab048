"""A dossier's thread: who writes, what is refused (nothing saved), who is told, read/unread."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from applications import services
from applications.models import Message, MessageRead, MessageSide
from portal.db import db, utcnow
from portal.errors import NotFound, PermissionDenied, ServiceError
from portal.models import AuditEvent, OutboxMessage
from portal.signals import answers, todo_items

from ..conftest import PDF_BYTES, login


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _outbox_to(email: str) -> list[OutboxMessage]:
    """The "new message" notifications queued for `email`."""
    return db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.recipient == email, OutboxMessage.subject.like("%nouveau message")
        )
    ).all()


# ---------------------------------------------------------------- services


def test_the_establishment_asks_and_the_call_office_is_told(w):
    dossier = w.submitted
    status, version, snapshot = dossier.status, dossier.version, dossier.latest_submission.snapshot
    message = services.post_message(w.staff_a, dossier, "  Une question sur le budget ?  ")
    db.session.flush()
    assert message.side == MessageSide.establishment
    assert message.body == "Une question sur le budget ?"
    # a message never changes the dossier
    assert (dossier.status, dossier.version) == (status, version)
    assert dossier.latest_submission.snapshot == snapshot
    mail = _outbox_to(w.call_admin.email)
    assert len(mail) == 1 and dossier.reference in mail[0].subject
    assert f"/dossiers/{dossier.id}/messages" in mail[0].body
    assert _outbox_to(w.head_a.email) == []  # not to its own side
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "message_posted")
    ).one()
    assert event.object_id == dossier.id and event.changes["side"] == "establishment"


def test_the_call_office_answers_and_the_whole_establishment_is_told(w):
    services.post_message(w.call_admin, w.submitted, "Réponse du gestionnaire.")
    db.session.flush()
    assert len(_outbox_to(w.head_a.email)) == 1
    assert len(_outbox_to(w.staff_a.email)) == 1
    assert _outbox_to(w.head_b.email) == []
    assert _outbox_to(w.call_admin.email) == []


def test_the_call_office_is_both_institutions_call_administrators(w, factory):
    from portal.models import Institution, Role

    region = factory.user(Role.call_admin, institution=Institution.region)
    services.post_message(w.head_a, w.submitted, "Question aux deux institutions.")
    db.session.flush()
    assert len(_outbox_to(w.call_admin.email)) == 1 and len(_outbox_to(region.email)) == 1
    assert services.unread_count(region) == 1 and services.unread_count(w.call_admin) == 1
    services.post_message(region, w.submitted, "Réponse de la Région.")
    db.session.flush()
    entries = services.thread_of(w.call_admin, w.submitted)
    assert [e.body for e in entries] == ["Question aux deux institutions.", "Réponse de la Région."]
    assert services.unanswered_count(w.call_admin) == 0  # answered, by either institution


@pytest.mark.parametrize(
    "body,field,message",
    [
        ("", "body", "un message vide n'est pas envoyé"),
        ("   \n ", "body", "un message vide n'est pas envoyé"),
        ("x" * 5001, "body", "au plus 5 000 caractères"),
    ],
)
def test_a_refused_message_saves_nothing(w, body, field, message):
    with pytest.raises(ServiceError) as exc:
        services.post_message(w.head_a, w.submitted, body)
    assert message in exc.value.errors[field]
    assert _count(Message) == 0 and _outbox_to(w.call_admin.email) == []


def test_a_file_the_attachments_refuse_is_refused_here_too(w):
    with pytest.raises(ServiceError) as exc:
        services.post_message(w.head_a, w.submitted, "Ci-joint.", "devis.pdf", b"MZ\x90\x00binary")
    assert "file" in exc.value.errors
    assert _count(Message) == 0


def test_an_oversized_file_is_refused(w, app):
    app.config["MAX_UPLOAD_BYTES"], before = 50, app.config["MAX_UPLOAD_BYTES"]
    try:
        with pytest.raises(ServiceError) as exc:
            services.post_message(w.head_a, w.submitted, "Ci-joint.", "devis.pdf", PDF_BYTES)
    finally:
        app.config["MAX_UPLOAD_BYTES"] = before
    assert "taille maximale" in exc.value.errors["file"]


def test_a_message_with_a_file_is_stored_and_read_back(w):
    message = services.post_message(w.head_a, w.submitted, "Le devis.", "devis.pdf", PDF_BYTES)
    db.session.flush()
    assert message.attachment_filename == "devis.pdf"
    assert message.attachment_size == len(PDF_BYTES)
    data = b"".join(services.read_message_attachment(w.call_admin, message))
    assert data == PDF_BYTES
    with pytest.raises(NotFound):
        services.read_message_attachment(w.head_b, message)


def test_only_the_establishment_and_the_call_office_take_part(w):
    for outsider in (w.head_b, w.reviewer, w.copilot, w.budget, w.observer, w.admin):
        with pytest.raises((NotFound, PermissionDenied)):
            services.post_message(outsider, w.submitted, "Bonjour")
    # a draft has no thread: the call office does not read it
    with pytest.raises(PermissionDenied):
        services.post_message(w.staff_a, w.draft, "Bonjour")


def test_read_and_unread_per_person(w):
    services.post_message(w.head_a, w.submitted, "Question ?")
    db.session.flush()
    assert services.unread_count(w.call_admin) == 1
    assert services.unread_count(w.head_a) == 0  # one's own message is read
    assert services.unread_count(w.staff_a) == 0  # the establishment's side never unread
    assert services.unanswered_count(w.call_admin) == 1
    entries = services.thread_of(w.call_admin, w.submitted)
    assert [e.unread for e in entries] == [True]
    mine = services.thread_of(w.head_a, w.submitted)
    assert mine[0].read_by_other_side is False
    services.mark_read(w.call_admin, w.submitted)
    assert services.unread_count(w.call_admin) == 0
    assert services.thread_of(w.head_a, w.submitted)[0].read_by_other_side is True
    services.post_message(w.call_admin, w.submitted, "Réponse.")
    db.session.flush()
    assert services.unanswered_count(w.call_admin) == 0
    assert services.unread_count(w.head_a) == 1 and services.unread_count(w.staff_a) == 1
    services.mark_read(w.head_a, w.submitted)
    assert services.unread_count(w.head_a) == 0 and services.unread_count(w.staff_a) == 1
    assert _count(MessageRead) == 2  # head_a and the call administrator


def test_completion_requests_show_in_the_thread_without_copies(w):
    services.request_completion(w.call_admin, w.submitted, "Joignez le devis.")
    services.post_message(w.head_a, w.submitted, "Le voici bientôt.")
    db.session.flush()
    entries = services.thread_of(w.head_a, w.submitted)
    assert [e.kind for e in entries] == ["completion", "message"]
    assert entries[0].body == "Joignez le devis." and entries[0].due_at is not None
    assert _count(Message) == 1


def test_unread_counts_take_constant_queries(w, factory, count_queries):
    services.post_message(w.head_a, w.submitted, "Un.")
    db.session.flush()
    with count_queries() as one:
        services.unread_count(w.call_admin)
        services.unread_by_dossier(w.head_a)
        services.unanswered_count(w.call_admin)
    for _ in range(4):
        other = factory.dossier(w.call, w.head_a, complete=True)
        services.submit_dossier(w.head_a, other)
        services.post_message(w.head_a, other, "Encore.")
        services.post_message(w.call_admin, other, "Réponse.")
    db.session.flush()
    with count_queries() as five:
        assert services.unread_count(w.call_admin) == 1
        assert len(services.unread_by_dossier(w.head_a)) == 4
        assert services.unanswered_count(w.call_admin) == 1
    assert one.count == five.count == 3


def test_todo_items_for_both_sides(w, app):
    services.post_message(w.head_a, w.submitted, "Question ?")
    db.session.flush()

    def mine(user):  # the dialogue's items (the other areas answer too)
        kinds = {"unanswered_messages", "messages"}
        return [
            i
            for group in answers(todo_items, user, now=utcnow())
            for i in group
            if i["kind"] in kinds
        ]

    with app.test_request_context():
        office = mine(w.call_admin)
        assert office == [
            {
                "kind": "unanswered_messages",
                "label": "1 message d'établissement sans réponse",
                "url": "/dossiers/messages",
                "due": None,
                "count": 1,
            }
        ]
        services.post_message(w.call_admin, w.submitted, "Réponse.")
        services.post_message(w.call_admin, w.submitted, "Précision.")
        db.session.flush()
        head = mine(w.staff_a)
        assert head[0]["label"] == f"2 messages non lus — dossier {w.submitted.reference}"
        assert head[0]["url"] == f"/dossiers/{w.submitted.id}/messages"
        assert mine(w.head_b) == []


# ---------------------------------------------------------------- pages


def test_thread_page_round_trip(client, w):
    login(client, w.head_a)
    page = client.get(f"/dossiers/{w.submitted.id}/messages")
    assert page.status_code == 200 and "Aucun message pour le moment." in page.text
    response = client.post(
        f"/dossiers/{w.submitted.id}/messages", data={"body": "Pouvons-nous décaler l'atelier ?"}
    )
    assert response.status_code == 302
    page = client.get(f"/dossiers/{w.submitted.id}/messages").text
    assert "Pouvons-nous décaler l&#39;atelier ?" in page
    assert "Pas encore lu par le gestionnaire de l&#39;appel" in page

    login(client, w.call_admin)
    home = client.get("/").text
    assert 'id="unread-count">1<' in home
    page = client.get(f"/dossiers/{w.submitted.id}/messages").text
    assert "Non lu" in page  # shown once, as it was when the page opened
    assert 'id="unread-count"' not in client.get("/").text
    inbox = client.get("/dossiers/messages").text
    assert w.submitted.reference in inbox and "En attente d'une réponse" in inbox

    login(client, w.head_a)
    page = client.get(f"/dossiers/{w.submitted.id}/messages").text
    assert "Lu par le gestionnaire de l&#39;appel" in page


def test_an_empty_message_is_refused_on_its_field(client, w):
    login(client, w.staff_a)
    response = client.post(f"/dossiers/{w.submitted.id}/messages", data={"body": "  "})
    assert response.status_code == 400
    assert 'aria-describedby="body-error"' in response.text
    assert "un message vide n&#39;est pas envoyé" in response.text
    assert _count(Message) == 0


def test_a_bad_file_is_refused_on_its_field(client, w):
    import io

    login(client, w.staff_a)
    response = client.post(
        f"/dossiers/{w.submitted.id}/messages",
        data={"body": "Ci-joint", "file": (io.BytesIO(b"not a pdf at all"), "devis.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert 'id="file-error"' in response.text
    assert _count(Message) == 0


def test_a_message_attachment_downloads_for_its_thread_only(client, w):
    import io

    login(client, w.head_a)
    response = client.post(
        f"/dossiers/{w.submitted.id}/messages",
        data={"body": "Ci-joint", "file": (io.BytesIO(PDF_BYTES), "devis.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    message = db.session.scalars(select(Message)).one()
    url = f"/dossiers/{w.submitted.id}/messages/{message.id}/piece"
    login(client, w.call_admin)
    got = client.get(url)
    assert got.status_code == 200 and got.data == PDF_BYTES
    # the same message under another dossier's address is not found
    other = f"/dossiers/{w.draft.id}/messages/{message.id}/piece"
    login(client, w.staff_a)
    assert client.get(other).status_code == 403
    login(client, w.head_b)
    assert client.get(url).status_code == 404


def test_a_message_without_attachment_has_no_download(client, w):
    message = services.post_message(w.head_a, w.submitted, "Sans pièce.")
    db.session.flush()
    login(client, w.call_admin)
    url = f"/dossiers/{w.submitted.id}/messages/{message.id}/piece"
    assert client.get(url).status_code == 404


def test_people_outside_every_thread_have_nothing_to_count(w):
    from flask_login import AnonymousUserMixin

    assert services.unread_count(AnonymousUserMixin()) == 0
    for person in (w.reviewer, w.budget, w.admin):
        assert services.unread_count(person) == 0
        assert services.unread_by_dossier(person) == []
        assert services.unanswered_count(person) == 0
        assert services.inbox(person) == []


def test_a_call_administrator_of_the_establishment_is_not_told_of_its_own_messages(w, factory):
    from portal.models import Institution, Role, RoleGrant

    w.head_a.grants.append(RoleGrant(role=Role.call_admin, institution=Institution.region))
    db.session.flush()
    services.post_message(w.staff_a, w.submitted, "Question.")
    db.session.flush()
    assert _outbox_to(w.head_a.email) == []
    assert len(_outbox_to(w.call_admin.email)) == 1
    assert services.unanswered_count(w.head_a) == 0  # the office's count leaves its own out
    assert services.unread_count(w.head_a) == 0


def test_the_menu_badge_never_breaks_a_page(client, w, monkeypatch):
    from sqlalchemy.exc import OperationalError

    import applications.receivers as receivers

    def down(_user):
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    login(client, w.call_admin)
    monkeypatch.setattr(receivers, "unread_count", down)
    page = client.get("/")
    assert page.status_code == 200 and 'id="unread-count"' not in page.text
