"""The daily digest: the notifications a person asked to receive once a day, in one mail."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, update

from portal.db import db
from portal.mail import queue_mail
from portal.models import User

from .models import DigestItem


def send_digests() -> int:
    """Queue one mail per person with digest items waiting; returns how many. Commits.

    Each person's items are taken by a conditional UPDATE (outbox_id still unset) in the
    transaction that queues the mail: two runs never put an item in two mails.
    """
    rows = db.session.execute(
        select(DigestItem, User)
        .join(User, User.id == DigestItem.user_id)
        .where(DigestItem.outbox_id.is_(None))
        .order_by(DigestItem.user_id, DigestItem.created_at, DigestItem.id)
    ).all()
    per_user: dict[int, list[DigestItem]] = defaultdict(list)
    users: dict[int, User] = {}
    for item, user in rows:
        per_user[user.id].append(item)
        users[user.id] = user
    queued = 0
    for user_id, items in per_user.items():
        user = users[user_id]
        if not user.active:
            continue
        count = len(items)
        body = "\n\n".join(f"— {item.subject}\n\n{item.body}" for item in items)
        msg = queue_mail(
            user.email,
            f"Votre résumé quotidien : {count} notification{'s' if count > 1 else ''}",
            f"Bonjour {user.full_name},\n\nVoici ce qui s'est passé depuis votre dernier "
            f"résumé.\n\n{body}\n\nVous pouvez changer la fréquence de ces courriels dans "
            "« Mon compte », « Mes notifications ».",
        )
        db.session.flush()
        taken = db.session.execute(
            update(DigestItem)
            .where(DigestItem.id.in_([i.id for i in items]), DigestItem.outbox_id.is_(None))
            .values(outbox_id=msg.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != count:  # another run took them first
            db.session.rollback()
            continue
        db.session.commit()
        queued += 1
    db.session.commit()
    return queued
