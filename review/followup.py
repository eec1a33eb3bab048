"""What the review area answers to the kernel's follow-up signals: the « À faire » items
(portal.signals.todo_items: reviews to do, proposals to validate) and the reminders due
(portal.signals.due_reminders: a review phase's end). Constant number of queries."""

from __future__ import annotations

import datetime as dt

from flask import url_for
from sqlalchemy import select

from portal.db import db
from portal.formatting import format_due
from portal.models import Call, Role, User

from .models import Review, ReviewPhase, ReviewSettings, ReviewStatus
from .services import decisions, queue

# A review phase's end is recalled this long before it to reviewers with reviews to finish.
PHASE_END_NOTICE = dt.timedelta(days=2)


def todo_items(user, now=None, **_) -> list[dict]:
    items = []
    if user.has_role(Role.reviewer, Role.copilot):
        for entry in queue.queue_summary(user):
            left = entry["total"] - entry["done"]
            if not left or entry["resume"] is None:
                continue
            items.append(
                {
                    "kind": "reviews_to_do",
                    "label": (
                        f"Évaluer {left} dossier{'s' if left > 1 else ''} — {entry['call_title']}"
                    ),
                    "url": url_for("review.review_page", review_id=entry["resume"]),
                    "due": entry["phase_ends_at"],
                    "count": left,
                }
            )
    if user.has_role(Role.copilot):
        per_call: dict[int, list] = {}
        for decision in decisions.pending_for(user):
            per_call.setdefault(decision.dossier.call_id, []).append(decision)
        for call_id, pending in per_call.items():
            count = len(pending)
            items.append(
                {
                    "kind": "proposals_to_validate",
                    "label": (
                        f"Valider {count} proposition{'s' if count > 1 else ''} de la commission"
                    ),
                    "url": url_for("review.decisions", call_id=call_id),
                    "due": None,
                    "count": count,
                }
            )
    return items


def due_reminders(_sender=None, now=None, **_) -> list[dict]:
    """A review phase's end, two days before it, to the reviewers with reviews unfinished."""
    rows = db.session.execute(
        select(ReviewPhase.id, ReviewPhase.kind, ReviewPhase.ends_at, Call.title, User)
        .join(ReviewSettings, ReviewSettings.current_phase_id == ReviewPhase.id)
        .join(Call, Call.id == ReviewPhase.call_id)
        .join(Review, Review.dossier.has(call_id=ReviewPhase.call_id))
        .join(User, User.id == Review.reviewer_id)
        .where(
            ReviewPhase.ends_at.is_not(None),
            ReviewPhase.ends_at > now,
            ReviewPhase.ends_at <= now + PHASE_END_NOTICE,
            Review.status.in_([ReviewStatus.assigned, ReviewStatus.draft, ReviewStatus.reopened]),
        )
        .distinct()
    ).all()
    per_phase: dict[int, dict] = {}
    for phase_id, kind, ends_at, call_title, person in rows:
        entry = per_phase.setdefault(
            phase_id,
            {
                "kind": "review_phase_end",
                "object_id": phase_id,
                "occasion": "J-2",
                "users": [],
                "subject": f"Rappel : évaluations attendues avant le {format_due(ends_at)}",
                "body": (
                    f"Bonjour,\n\nLa phase « {kind.label} » de l'appel « {call_title} » se "
                    f"termine le {format_due(ends_at)} (heure de Paris). Des dossiers qui vous "
                    "sont confiés attendent encore votre évaluation : « Mes dossiers à évaluer »."
                ),
            },
        )
        entry["users"].append(person)
    return list(per_phase.values())
