"""Mail to the dossier's establishment (queued in the outbox, sent after the commit)."""

from __future__ import annotations

from sqlalchemy import select

from portal.db import db
from portal.mail import queue_mail
from portal.models import Role, User

from ..models import Dossier


def notify_establishment(dossier: Dossier, subject: str, body: str) -> None:
    """Queue a message to every active applicant of the dossier's establishment."""
    recipients = db.session.scalars(
        select(User).where(User.establishment_id == dossier.establishment_id, User.active.is_(True))
    ).all()
    for person in recipients:
        if person.has_role(Role.applicant_staff, Role.applicant_head):
            queue_mail(person.email, subject, body)
