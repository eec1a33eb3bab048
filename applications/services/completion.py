"""Completion requests: a call administrator sends a submitted dossier back to be completed."""

from __future__ import annotations

import datetime as dt

from portal import audit
from portal.db import db, utcnow
from portal.errors import ServiceError
from portal.formatting import PARIS, format_datetime
from portal.models import User
from portal.permissions import Permission, require

from .. import workflow
from ..models import CompletionRequest, Dossier
from ..policy import require_dossier
from .notifications import notify_establishment

COMPLETION_DAYS = 15


def request_completion(
    user: User,
    dossier: Dossier,
    message: str,
    due_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CompletionRequest:
    """A call administrator sends a submitted dossier back to the establishment, saying why.

    The establishment may resubmit until `due_at` (default: 15 days, at 23:59 Paris time), even
    when the call's deadline has passed meanwhile.
    """
    now = now or utcnow()
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    workflow.next_state(dossier, "request_completion")
    require(user, Permission.REQUEST_COMPLETION, dossier)
    message = (message or "").strip()
    if not message:
        raise ServiceError("Indiquez ce que l'établissement doit compléter.", field="message")
    if len(message) > 5000:
        raise ServiceError("Le message fait au plus 5 000 caractères.", field="message")
    if due_at is None:
        day = (now + dt.timedelta(days=COMPLETION_DAYS)).astimezone(PARIS).date()
        due_at = dt.datetime.combine(day, dt.time(23, 59), tzinfo=PARIS).astimezone(dt.UTC)
    if due_at <= now:
        raise ServiceError("Le délai pour compléter doit être dans le futur.", field="due_at")
    before, _ = workflow.transition(dossier, "request_completion")
    req = CompletionRequest(message=message, requested_by=user, requested_at=now, due_at=due_at)
    dossier.completion_requests.append(req)
    db.session.flush()
    audit.record(
        user,
        "completion_requested",
        dossier,
        {"status": [before.value, dossier.status.value], "message": message},
    )
    notify_establishment(
        dossier,
        f"Dossier {dossier.reference} : compléments demandés",
        f"Le gestionnaire de l'appel à projets demande de compléter le dossier "
        f"« {dossier.title} » :\n\n{message}\n\nModifiez le dossier sur le portail puis "
        f"déposez-le à nouveau avant le {format_datetime(due_at)}.",
    )
    return req
