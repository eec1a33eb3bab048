"""A dossier's thread between its establishment and the call office: messages (text and at most
one attachment, checked as the dossier's attachments are), read markers per person, the unread
counts of the menu and of the À faire, and the other side told of each new message.

A message never changes the dossier: its state, content and snapshot stay as they are. The
completion requests (their own table) show in the thread as they are, never copied.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, func, or_, select

from portal import audit
from portal.db import db, utcnow
from portal.errors import ServiceError
from portal.filetypes import check_upload
from portal.models import Role, RoleGrant, User
from portal.notifications import notify
from portal.permissions import APPLICANT_ROLES, Permission
from portal.storage import Chunks, get_store, write_after_flush

from ..models import Dossier, Message, MessageRead, MessageSide
from ..policy import require_dossier, side_of

MESSAGE_LIMIT = 5000
EMPTY = "Écrivez votre message : un message vide n'est pas envoyé."
TOO_LONG = "Le message fait au plus 5 000 caractères."
REFUSED = "Le message n'a pas été envoyé : corrigez les champs signalés."


@dataclass
class ThreadEntry:
    """One line of the thread: a message, or a completion request shown where it was sent."""

    kind: str  # "message" or "completion"
    at: dt.datetime
    side: MessageSide
    body: str
    author: User | None
    message: Message | None = None
    due_at: dt.datetime | None = None
    unread: bool = False
    read_by_other_side: bool = False


def thread_link(dossier: Dossier) -> str:
    """The thread's address, for mail (PUBLIC_URL in front when configured). Built in the
    blueprint's URL space; `url_for` needs a request, and the demo and commands post too."""
    return current_app.config.get("PUBLIC_URL", "").rstrip("/") + f"/dossiers/{dossier.id}/messages"


def _other_side_users(dossier: Dossier, side: MessageSide) -> list[User]:
    if side == MessageSide.establishment:
        query = (
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.call_admin, User.active.is_(True))
        )
        # a call administrator who belongs to the establishment speaks for it, not to it
        office = MessageSide.call_office
        return [u for u in db.session.scalars(query).unique() if side_of(u, dossier) == office]
    query = (
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            User.establishment_id == dossier.establishment_id,
            User.active.is_(True),
            RoleGrant.role.in_(APPLICANT_ROLES),
        )
    )
    return list(db.session.scalars(query).unique())


def post_message(
    user: User,
    dossier: Dossier,
    body: str,
    filename: str = "",
    data: bytes = b"",
    now: dt.datetime | None = None,
) -> Message:
    """Add a message to the dossier's thread (refused, nothing saved: empty or too long a text,
    a file the dossier's attachments would refuse), tell the other side."""
    require_dossier(user, Permission.USE_THREAD, dossier)
    side = side_of(user, dossier)
    now = now or utcnow()
    body = (body or "").strip()
    errors: dict[str, str] = {}
    if not body:
        errors["body"] = EMPTY
    elif len(body) > MESSAGE_LIMIT:
        errors["body"] = TOO_LONG
    checked = None
    if filename or data:
        try:
            checked = check_upload(filename or "", data or b"", field="file")
        except ServiceError as exc:
            errors.update(exc.errors or {"file": exc.message})
    if errors:
        raise ServiceError(REFUSED, errors=errors)
    message = Message(dossier_id=dossier.id, author=user, side=side, body=body, created_at=now)
    if checked is not None:
        message.attachment_filename = checked.filename
        message.attachment_content_type = checked.content_type
        message.attachment_size = checked.size
        message.attachment_sha256 = checked.sha256
        message.attachment_key = f"dossiers/{dossier.id}/messages/{uuid.uuid4().hex}"
    db.session.add(message)
    if checked is not None:
        # The row first (refused now if the database refuses it), then the bytes.
        write_after_flush(db.session, message.attachment_key, data, checked.content_type)
    else:
        db.session.flush()
    _mark(user, dossier, side, message.id, now)
    audit.record(
        user,
        "message_posted",
        dossier,
        {
            "message_id": message.id,
            "side": side.value,
            "attachment": message.attachment_filename,
        },
    )
    who = dossier.establishment.name if side == MessageSide.establishment else side.label.lower()
    notify(
        _other_side_users(dossier, side),
        "message",
        f"Dossier {dossier.reference} : nouveau message",
        f"Bonjour,\n\nUn nouveau message de {who} vous attend sur le dossier "
        f"{dossier.reference} « {dossier.title} ».\n\nLisez-le et répondez sur le portail : "
        f"{thread_link(dossier)}",
    )
    return message


def _mark(user: User, dossier: Dossier, side: MessageSide, last_id: int, now) -> None:
    row = db.session.get(MessageRead, (dossier.id, user.id))
    if row is None:
        db.session.add(
            MessageRead(
                dossier_id=dossier.id, user_id=user.id, side=side, last_read_id=last_id, read_at=now
            )
        )
    elif last_id > row.last_read_id:
        row.last_read_id = last_id
        row.read_at = now
        row.side = side
    db.session.flush()


def mark_read(user: User, dossier: Dossier, now: dt.datetime | None = None) -> None:
    """This person has now seen every message of the thread."""
    require_dossier(user, Permission.USE_THREAD, dossier)
    last = db.session.scalar(select(func.max(Message.id)).where(Message.dossier_id == dossier.id))
    if last is not None:
        _mark(user, dossier, side_of(user, dossier), last, now or utcnow())


def messages_of(user: User, dossier: Dossier) -> list[Message]:
    require_dossier(user, Permission.USE_THREAD, dossier)
    return list(
        db.session.scalars(
            select(Message).where(Message.dossier_id == dossier.id).order_by(Message.id)
        )
    )


def thread_of(user: User, dossier: Dossier) -> list[ThreadEntry]:
    """The thread as this person reads it (before marking it read): messages and completion
    requests by date, each message flagged unread for them and, for their own side's, read or
    not by the other side."""
    messages = messages_of(user, dossier)
    side = side_of(user, dossier)
    reads = dict(
        db.session.execute(
            select(MessageRead.side, func.max(MessageRead.last_read_id))
            .where(MessageRead.dossier_id == dossier.id)
            .group_by(MessageRead.side)
        ).all()
    )
    mine = db.session.get(MessageRead, (dossier.id, user.id))
    seen = mine.last_read_id if mine is not None else 0
    entries = [
        ThreadEntry(
            kind="message",
            at=m.created_at,
            side=m.side,
            body=m.body,
            author=m.author,
            message=m,
            unread=m.side != side and m.id > seen,
            read_by_other_side=any(
                s != m.side and last >= m.id for s, last in reads.items() if last is not None
            ),
        )
        for m in messages
    ]
    entries += [
        ThreadEntry(
            kind="completion",
            at=req.requested_at,
            side=MessageSide.call_office,
            body=req.message,
            author=req.requested_by,
            due_at=req.due_at,
        )
        for req in dossier.completion_requests
    ]
    return sorted(entries, key=lambda e: (e.at, e.kind == "message"))


def read_message_attachment(user: User, message: Message) -> Chunks:
    dossier = db.session.get(Dossier, message.dossier_id)
    require_dossier(user, Permission.USE_THREAD, dossier)
    return get_store().open_stream(message.attachment_key)


# ---------------------------------------------------------------- counts (menu, À faire, inbox)


def _unread_clause(user: User):
    """Messages this person has not read, of the threads they take part in (SQL), or None."""
    clauses = []
    if user.establishment_id is not None and user.has_role(*APPLICANT_ROLES):
        clauses.append(
            and_(
                Dossier.establishment_id == user.establishment_id,
                Message.side == MessageSide.call_office,
            )
        )
    if user.has_role(Role.call_admin):
        office = and_(Message.side == MessageSide.establishment, Dossier.reference.is_not(None))
        if user.establishment_id is not None:
            office = and_(office, Dossier.establishment_id != user.establishment_id)
        clauses.append(office)
    if not clauses:
        return None
    return and_(or_(*clauses), Message.id > func.coalesce(MessageRead.last_read_id, 0))


def _unread_query(user: User, *columns):
    clause = _unread_clause(user)
    if clause is None:
        return None
    return (
        select(*columns)
        .select_from(Message)
        .join(Dossier, Dossier.id == Message.dossier_id)
        .outerjoin(
            MessageRead,
            and_(MessageRead.dossier_id == Message.dossier_id, MessageRead.user_id == user.id),
        )
        .where(clause)
    )


def unread_count(user: User) -> int:
    """Messages this person has not read, over all their threads: one query."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    query = _unread_query(user, func.count(Message.id))
    return db.session.scalar(query) or 0 if query is not None else 0


def unread_by_dossier(user: User) -> list[tuple[int, str, int]]:
    """(dossier id, reference, unread messages) per thread with unread messages: one query."""
    query = _unread_query(user, Dossier.id, Dossier.reference, func.count(Message.id))
    if query is None:
        return []
    return [tuple(row) for row in db.session.execute(query.group_by(Dossier.id, Dossier.reference))]


def _latest_per_dossier():
    return (
        select(Message.dossier_id, func.max(Message.id).label("last_id"))
        .group_by(Message.dossier_id)
        .subquery()
    )


def unanswered_count(user: User) -> int:
    """For the call office: threads whose latest message is the establishment's (one query)."""
    if not user.has_role(Role.call_admin):
        return 0
    latest = _latest_per_dossier()
    query = (
        select(func.count(Message.id))
        .join(latest, latest.c.last_id == Message.id)
        .join(Dossier, Dossier.id == Message.dossier_id)
        .where(Message.side == MessageSide.establishment, Dossier.reference.is_not(None))
    )
    if user.establishment_id is not None:
        query = query.where(Dossier.establishment_id != user.establishment_id)
    return db.session.scalar(query) or 0


def inbox(user: User) -> list[dict]:
    """The threads this person takes part in, latest first, with their unread count and whether
    the latest message is the establishment's (awaiting the call office): two queries."""
    clauses = []
    if user.establishment_id is not None and user.has_role(*APPLICANT_ROLES):
        clauses.append(Dossier.establishment_id == user.establishment_id)
    if user.has_role(Role.call_admin):
        clauses.append(Dossier.reference.is_not(None))
    if not clauses:
        return []
    latest = _latest_per_dossier()
    rows = db.session.execute(
        select(Dossier, Message)
        .join(latest, latest.c.dossier_id == Dossier.id)
        .join(Message, Message.id == latest.c.last_id)
        .where(or_(*clauses), Dossier.reference.is_not(None))
        .order_by(Message.id.desc())
    ).all()
    unread = {dossier_id: n for dossier_id, _, n in unread_by_dossier(user)}
    return [
        {
            "dossier": dossier,
            "last": last,
            "unread": unread.get(dossier.id, 0),
            "awaiting_office": last.side == MessageSide.establishment,
        }
        for dossier, last in rows
    ]
