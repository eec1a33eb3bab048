"""A call's moves through its state machine (`workflow.py`): opened by a call administrator,
decided when the commission's results are published, then in follow-up and archived.

Functions flush but never commit (the view, or the service that called them, commits once)."""

from __future__ import annotations

import datetime as dt

from portal import audit
from portal.db import db, utcnow
from portal.errors import ServiceError
from portal.models import Call, CallStatus, User
from portal.permissions import Permission, require

from . import workflow
from .services import opening_blockers


def open_call(user: User, call: Call, now: dt.datetime | None = None) -> Call:
    """Publish a draft call: it needs eligible kinds, fields, its four axes and a future deadline."""
    require(user, Permission.MANAGE_CALLS, call, hide=call.status == CallStatus.draft)
    now = now or utcnow()
    workflow.next_state(call, "open")
    blockers = opening_blockers(call, now)
    if blockers:
        raise ServiceError(
            "L'appel ne peut pas être ouvert : " + " ".join(blockers.values()), errors=blockers
        )
    before, after = workflow.transition(call, "open")
    db.session.flush()
    audit.record(user, "call_opened", call, {"status": [before.value, after.value]})
    return call


def mark_decided(user: User, call: Call, now: dt.datetime | None = None) -> bool:
    """The commission's results are published (review calls this): a call whose deadline has
    passed becomes « Décidé ». A call already decided (a later publication), or still open to
    submissions, stays as it is; returns whether the call moved."""
    now = now or utcnow()
    if call.effective_status(now) != CallStatus.closed:
        return False
    before, after = workflow.transition(call, "decide")
    db.session.flush()
    audit.record(user, "call_decided", call, {"status": [before.value, after.value]})
    return True


# What the call administrator does next, from the call's page: action → audit event, message.
LATER_MOVES = {
    "follow_up": (
        "call_followed_up",
        "L'appel « {title} » est en suivi : les conventions, les "
        "versements et les bilans des projets retenus.",
    ),
    "archive": ("call_archived", "L'appel « {title} » est archivé."),
}


def move_call(user: User, call: Call, action: str) -> Call:
    """A decided call goes into follow-up, then to the archives (call administrators)."""
    require(user, Permission.MANAGE_CALLS, call, hide=call.status == CallStatus.draft)
    event, _ = LATER_MOVES[action]
    before, after = workflow.transition(call, action)
    db.session.flush()
    audit.record(user, event, call, {"status": [before.value, after.value]})
    return call
