"""What the applications area answers the kernel's signals (portal.signals), connected in its
init_app: its parts of the home page (the applicant's open calls and dossiers, the call
administrator's dossiers to screen) and the number of dossiers submitted per call."""

from __future__ import annotations

from flask import g, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from portal.db import db
from portal.formatting import time_left
from portal.models import Call, Role
from portal.permissions import APPLICANT_ROLES, Permission, can

from .models import Dossier, DossierStatus
from .policy import visible_dossiers
from .services import open_calls, unanswered_count, unread_by_dossier, unread_count
from .views.common import next_action


def _applicant_section(user, now) -> dict:
    calls = open_calls(now)
    kind = user.establishment.kind.value
    dossiers = db.session.scalars(
        select(Dossier)
        .options(joinedload(Dossier.call))
        .where(visible_dossiers(user), Dossier.establishment_id == user.establishment_id)
        .order_by(Dossier.created_at.desc(), Dossier.id.desc())
    ).all()
    return {
        "calls": [
            {
                "call": c,
                "time_left": time_left(c.deadline_at, now),
                "eligible": kind in (c.eligible_kinds or []),
                "may_create": can(user, Permission.CREATE_DOSSIER, c),
            }
            for c in calls
        ],
        "dossiers": [{"dossier": d, "next_action": next_action(d, now)} for d in dossiers],
        "establishment": user.establishment,
    }


def _to_screen(user) -> dict:
    counts = dict(
        db.session.execute(
            select(Dossier.status, func.count(Dossier.id))
            .where(
                visible_dossiers(user),
                Dossier.status.in_([DossierStatus.submitted, DossierStatus.incomplete]),
            )
            .group_by(Dossier.status)
        ).all()
    )
    return {
        "to_screen": counts.get(DossierStatus.submitted, 0),
        "incomplete": counts.get(DossierStatus.incomplete, 0),
    }


def _observer_section(user) -> dict:
    """Submitted dossiers the observer may read, counted per call and status (one query)."""
    rows = db.session.execute(
        select(Call.id, Call.title, Dossier.status, func.count(Dossier.id))
        .join(Dossier, Dossier.call_id == Call.id)
        .where(visible_dossiers(user), Dossier.reference.is_not(None))
        .group_by(Call.id, Call.title, Dossier.status)
        .order_by(Call.id.desc())
    ).all()
    calls: dict[int, dict] = {}
    for call_id, title, status, count in rows:
        item = calls.setdefault(call_id, {"call_id": call_id, "title": title, "counts": {}})
        item["counts"][status] = count
    statuses = [s for s in DossierStatus if any(s in c["counts"] for c in calls.values())]
    for item in calls.values():
        item["total"] = sum(item["counts"].values())
    return {"dossier_counts": list(calls.values()), "statuses": statuses}


def home_sections(user, now=None, **_) -> dict:
    sections = {}
    if user.has_role(Role.observer):
        sections["observer"] = _observer_section(user)
    if user.establishment_id is not None and user.has_role(*APPLICANT_ROLES):
        sections["applicant"] = _applicant_section(user, now)
    if user.has_role(Role.call_admin):
        sections["call_admin"] = _to_screen(user)
    return sections


def call_dossier_counts(_sender=None, call_ids=None, **_) -> dict[int, int]:
    """Dossiers submitted (and not withdrawn) per call, in one grouped query."""
    query = (
        select(Dossier.call_id, func.count(Dossier.id))
        .where(Dossier.reference.is_not(None), Dossier.status != DossierStatus.withdrawn)
        .group_by(Dossier.call_id)
    )
    if call_ids is not None:
        query = query.where(Dossier.call_id.in_(list(call_ids)))
    return {call_id: count for call_id, count in db.session.execute(query)}


def unread_messages() -> int:
    """The menu's count of the current user's unread messages (one query, once per request)."""
    if "unread_messages" not in g:
        try:
            g.unread_messages = unread_count(current_user)
        except SQLAlchemyError:
            # The menu of an error page (a locked or unreachable database): no badge, not a
            # second error.
            db.session.rollback()
            g.unread_messages = 0
    return g.unread_messages


def todo_items(user, now=None, **_) -> list[dict]:
    """The À faire's messages: per dossier, the messages its head and staff have not read; for
    the call office, the threads whose latest message awaits its answer (one query each)."""
    items = []
    if user.establishment_id is not None and user.has_role(*APPLICANT_ROLES):
        unread = unread_by_dossier(user)
        if "unread_messages" not in g and getattr(current_user, "id", None) == user.id:
            # the menu's count is these counts' sum (the same query, not grouped): not asked again
            g.unread_messages = sum(count for _, _, count in unread)
        for dossier_id, reference, count in unread:
            items.append(
                {
                    "kind": "messages",
                    "label": f"{count} message{'s' if count > 1 else ''} non "
                    f"lu{'s' if count > 1 else ''} — dossier {reference}",
                    "url": url_for("applications.thread", dossier_id=dossier_id),
                    "due": None,
                    "count": count,
                }
            )
    if user.has_role(Role.call_admin):
        waiting = unanswered_count(user)
        if waiting:
            items.append(
                {
                    "kind": "unanswered_messages",
                    "label": f"{waiting} message{'s' if waiting > 1 else ''} d'établissement "
                    f"sans réponse",
                    "url": url_for("applications.inbox"),
                    "due": None,
                    "count": waiting,
                }
            )
    return items


def call_draft_establishments(call, **_) -> set[int]:
    """The establishments with a draft for the call (one query): told of a deadline extension."""
    return set(
        db.session.scalars(
            select(Dossier.establishment_id)
            .where(Dossier.call_id == call.id, Dossier.status == DossierStatus.draft)
            .distinct()
        )
    )
