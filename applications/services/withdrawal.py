"""Withdrawal: the head of the establishment takes the dossier back, saying why if they wish."""

from __future__ import annotations

from portal import audit
from portal.db import db
from portal.errors import ServiceError
from portal.inputs import length_problem
from portal.models import User
from portal.permissions import Permission, require

from .. import workflow
from ..models import Dossier
from ..policy import require_dossier
from .notifications import notify_establishment

REASON_LIMIT = 2000


def withdraw_dossier(user: User, dossier: Dossier, reason: str = "") -> Dossier:
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    workflow.next_state(dossier, "withdraw")
    require(user, Permission.WITHDRAW_DOSSIER, dossier)
    before, _ = workflow.transition(dossier, "withdraw")
    reason = (reason or "").strip()
    problem = length_problem(reason, REASON_LIMIT)
    if problem:
        raise ServiceError(problem, field="reason")
    db.session.flush()
    audit.record(
        user,
        "dossier_withdrawn",
        dossier,
        {"status": [before.value, dossier.status.value], "reason": reason},
    )
    notify_establishment(
        dossier,
        f"Dossier « {dossier.title or 'sans titre'} » retiré",
        f"Le dossier « {dossier.title or 'sans titre'} » a été retiré par {user.full_name}."
        + (f"\n\nMotif : {reason}" if reason else ""),
    )
    return dossier
