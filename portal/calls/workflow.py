"""The call's state machine: (state, action) → new state. Services move calls only here.

`open` is done by hand (a draft published); `closed` is reached by the deadline itself
(Call.effective_status); `decided` when the commission's results are published (review calls
`portal.calls.lifecycle.mark_decided`); `follow_up` and `archived` by the call administrator, from
the call's page. `review` and `commission` are declared by the schema's CHECK constraint but no
move reaches them: the review area tracks those stages in its own phases.
"""

from __future__ import annotations

from portal.models import CallStatus as S
from portal.workflow import StateMachine

TRANSITIONS: dict[tuple[S, str], S] = {
    (S.draft, "open"): S.open,
    # results published while the call is open (its deadline passed: effectively closed)
    (S.open, "decide"): S.decided,
    (S.decided, "follow_up"): S.follow_up,
    (S.follow_up, "archive"): S.archived,
}

REFUSALS = {
    "open": "Seul un appel en préparation peut être ouvert ; celui-ci est « {label} ».",
    "decide": "Seuls les résultats d'un appel clos peuvent être publiés ; celui-ci est « {label} ».",
    "follow_up": "Seul un appel décidé peut passer en suivi ; celui-ci est « {label} ».",
    "archive": "Seul un appel en suivi peut être archivé ; celui-ci est « {label} ».",
}

# A refused move names the call's state as its page shows it (an open call past its deadline
# reads "Clos").
CALL = StateMachine("call", TRANSITIONS, REFUSALS, label=lambda call: call.effective_status().label)


def next_state(call, action: str) -> S:
    return CALL.next_state(call, action)


def transition(call, action: str) -> tuple[S, S]:
    """Apply the move; returns (before, after) for the audit trail."""
    return CALL.transition(call, action)
