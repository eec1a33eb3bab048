"""What the review area answers to the signals of the layers below (connected in its init_app):
its panels on the dossier's page (applications.signals.dossier_panels) and its sections of the
home page (portal.signals.home_sections)."""

from __future__ import annotations

from sqlalchemy import exists, select

from applications.models import Dossier
from portal.db import db
from portal.models import Call, Role
from portal.permissions import Permission, can

from .forms import NoteForm, ScreeningForm
from .models import CommissionMember, Screening, ScreeningOutcome
from .services import decisions, notes, queue
from .services.screening import latest_screening


def dossier_panels(dossier, user=None, **_) -> dict:
    """The screening decision and, for call administrators, the screening form; then the
    commission's final decision, if this user may read it."""
    return {
        "order": 10,
        "templates": ["review/_screening.html", "review/commission/_decision.html"],
        "context": {
            "screening": latest_screening(dossier) if dossier.reference else None,
            "screening_form": ScreeningForm(formdata=None),
            "decision": decisions.shown_decision(user, dossier),
        },
    }


def notes_panel(dossier, user=None, **_) -> dict | None:
    """The internal notes and their form, for those who may read them (nobody else: not even a
    query is made for the establishment)."""
    if user is None or not can(user, Permission.VIEW_NOTES, dossier):
        return None
    return {
        "order": 30,
        "templates": ["review/_notes.html"],
        "context": {
            "internal_notes": notes.notes_of(user, dossier),
            "note_form": NoteForm(formdata=None),
        },
    }


def _reviewer_queue(user) -> list[dict] | None:
    """The user's progress per call (one query), or None when nothing is assigned yet."""
    return queue.queue_summary(user) or None


def _commission(user) -> dict | None:
    """The co-pilot's section: calls co-piloted and proposals awaiting their validation."""
    rows = db.session.execute(
        select(Call, CommissionMember.institution)
        .join(CommissionMember, CommissionMember.call_id == Call.id)
        .where(CommissionMember.user_id == user.id, CommissionMember.is_copilot.is_(True))
        .order_by(Call.opens_at.desc())
    ).all()
    if not rows:
        return None
    return {
        "calls": [(call, decisions.FOR_INSTITUTION[inst]) for call, inst in rows],
        "pending": decisions.pending_for(user),
    }


def home_sections(user, **_) -> dict:
    sections = {}
    if user.has_role(Role.reviewer, Role.copilot) and (review_queue := _reviewer_queue(user)):
        sections["reviewer"] = {"queue": review_queue}
    if user.has_role(Role.copilot) and (commission := _commission(user)):
        sections["commission"] = {"section": commission}
    return sections


SCREENING_CHOICES = [
    (ScreeningOutcome.eligible.value, "Recevable"),
    (ScreeningOutcome.ineligible.value, "Irrecevable"),
    ("aucun", "Pas encore examiné"),
]


def _screened(value: str):
    if value == "aucun":
        return ~exists().where(Screening.dossier_id == Dossier.id)
    return exists().where(
        Screening.dossier_id == Dossier.id, Screening.outcome == ScreeningOutcome(value)
    )


def list_filters(_sender=None, **_) -> list[dict]:
    """The screening result, a filter of the call office's dossier list."""
    return [
        {
            "name": "recevabilite",
            "label": "Recevabilité",
            "choices": SCREENING_CHOICES,
            "clause": _screened,
        }
    ]
