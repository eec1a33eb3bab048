"""What the applications area answers to the kernel's follow-up signals: the « À faire » items
(portal.signals.todo_items) and the reminders due (portal.signals.due_reminders). Each answer is
a constant number of queries, whatever the number of dossiers."""

from __future__ import annotations

import datetime as dt

from flask import url_for
from sqlalchemy import and_, func, or_, select

from portal.db import db
from portal.formatting import format_due
from portal.models import Call, CallStatus, Role, User
from portal.permissions import APPLICANT_ROLES

from .models import CompletionRequest, Dossier, DossierStatus
from .policy import visible_dossiers

# Reminders of the call's deadline to establishments with a draft: (occasion, days before).
DEADLINE_OCCASIONS = (("J-7", 7), ("J-1", 1))


def todo_items(user, now=None, **_) -> list[dict]:
    items = []
    if user.establishment_id is not None and user.has_role(*APPLICANT_ROLES):
        # One query: the drafts of open calls and the dossiers with a completion request.
        rows = db.session.execute(
            select(
                Dossier.id,
                Dossier.title,
                Dossier.reference,
                Dossier.status,
                Call.deadline_at,
                Call.title,
                CompletionRequest.due_at,
            )
            .join(Call, Call.id == Dossier.call_id)
            .outerjoin(
                CompletionRequest,
                and_(
                    CompletionRequest.dossier_id == Dossier.id,
                    CompletionRequest.answered_at.is_(None),
                ),
            )
            .where(
                visible_dossiers(user),
                Dossier.establishment_id == user.establishment_id,
                or_(
                    and_(
                        Dossier.status == DossierStatus.draft,
                        Call.status == CallStatus.open,
                        Call.deadline_at > now,
                    ),
                    and_(
                        Dossier.status == DossierStatus.incomplete,
                        CompletionRequest.id.is_not(None),
                    ),
                ),
            )
        ).all()
        for dossier_id, title, reference, status, deadline, call_title, request_due in rows:
            url = url_for("applications.detail", dossier_id=dossier_id)
            if status == DossierStatus.draft:
                label = f"Déposer le dossier « {title or 'sans titre'} » ({call_title})"
                items.append(
                    {"kind": "draft_to_submit", "label": label, "url": url, "due": deadline}
                )
            else:
                label = f"Compléter le dossier {reference} à la demande de l'appel"
                items.append(
                    {"kind": "completion_request", "label": label, "url": url, "due": request_due}
                )
    if user.has_role(Role.call_admin):
        count = db.session.scalar(
            select(func.count(Dossier.id)).where(
                visible_dossiers(user), Dossier.status == DossierStatus.submitted
            )
        )
        if count:
            items.append(
                {
                    "kind": "dossiers_to_screen",
                    "label": f"Examiner la recevabilité de {count} dossier{'s' if count > 1 else ''}",
                    "url": url_for("applications.submitted"),
                    "due": None,
                    "count": count,
                }
            )
    return items


def deadline_occasion(deadline: dt.datetime, now: dt.datetime) -> str:
    """J-1 in the last day before the deadline, J-7 in the week before (a missed J-7 is sent
    until J-1 starts)."""
    for occasion, days in sorted(DEADLINE_OCCASIONS, key=lambda o: o[1]):
        if deadline - now <= dt.timedelta(days=days):
            return occasion
    return DEADLINE_OCCASIONS[0][0]


def _applicants_by_establishment(establishment_ids) -> dict[int, list[User]]:
    people: dict[int, list[User]] = {}
    if not establishment_ids:
        return people
    for person in db.session.scalars(
        select(User).where(User.establishment_id.in_(establishment_ids), User.active.is_(True))
    ):
        if person.has_role(*APPLICANT_ROLES):
            people.setdefault(person.establishment_id, []).append(person)
    return people


def due_reminders(_sender=None, now=None, **_) -> list[dict]:
    """The call's deadline (J-7, J-1) to establishments with a draft; a completion request's due
    date (the day before) to its establishment."""
    drafts = db.session.execute(
        select(Dossier.id, Dossier.title, Dossier.establishment_id, Call.title, Call.deadline_at)
        .join(Call, Call.id == Dossier.call_id)
        .where(
            Dossier.status == DossierStatus.draft,
            Call.status == CallStatus.open,
            Call.deadline_at > now,
            Call.deadline_at <= now + dt.timedelta(days=7),
        )
    ).all()
    requests = db.session.execute(
        select(CompletionRequest.id, Dossier.reference, Dossier.establishment_id)
        .add_columns(CompletionRequest.due_at)
        .join(Dossier, Dossier.id == CompletionRequest.dossier_id)
        .where(
            Dossier.status == DossierStatus.incomplete,
            CompletionRequest.answered_at.is_(None),
            CompletionRequest.due_at > now,
            CompletionRequest.due_at <= now + dt.timedelta(days=1),
        )
    ).all()
    people = _applicants_by_establishment({row[2] for row in drafts} | {row[2] for row in requests})
    due = []
    for dossier_id, title, est_id, call_title, deadline in drafts:
        occasion = deadline_occasion(deadline, now)
        due.append(
            {
                "kind": "call_deadline",
                "object_id": dossier_id,
                "occasion": occasion,
                "users": people.get(est_id, []),
                "subject": f"Rappel : dossier à déposer avant le {format_due(deadline)}",
                "body": (
                    f"Bonjour,\n\nLe dossier « {title or 'sans titre'} » de votre établissement "
                    f"pour l'appel « {call_title} » est encore un brouillon. La date limite de "
                    f"dépôt est le {format_due(deadline)} (heure de Paris).\n\n"
                    "Un brouillon non déposé à cette date ne pourra plus l'être."
                ),
            }
        )
    for request_id, reference, est_id, due_at in requests:
        due.append(
            {
                "kind": "completion_due",
                "object_id": request_id,
                "occasion": "J-1",
                "users": people.get(est_id, []),
                "subject": f"Rappel : compléments du dossier {reference} attendus",
                "body": (
                    f"Bonjour,\n\nLes compléments demandés sur le dossier {reference} sont "
                    f"attendus avant le {format_due(due_at)} (heure de Paris)."
                ),
            }
        )
    return due
