"""The call's state machine: (state, action) → new state. Services move calls only here.

For now only the opening is done by hand; `closed` is reached by the deadline itself
(Call.effective_status), the later states arrive with the review and funding areas.
"""
from __future__ import annotations

from portal.errors import Conflict
from portal.models import CALL_STATUS_LABELS, CallStatus as S

TRANSITIONS: dict[tuple[S, str], S] = {
    (S.draft, "open"): S.open,
}

REFUSALS = {
    "open": "Seul un appel en préparation peut être ouvert ; celui-ci est « {label} ».",
}


def next_state(call, action: str) -> S:
    try:
        return TRANSITIONS[(call.status, action)]
    except KeyError:
        label = CALL_STATUS_LABELS[call.effective_status()]
        raise Conflict(REFUSALS[action].format(label=label)) from None


def transition(call, action: str) -> tuple[S, S]:
    """Apply the move; returns (before, after) for the audit trail."""
    before = call.status
    call.status = next_state(call, action)
    return before, call.status
