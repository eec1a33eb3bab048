"""The review area's state machines (transition tables of portal.workflow.StateMachine).

A review moves only through REVIEW; a refused move is a Conflict (409) with a French message.
Dossiers move through applications.workflow, as everywhere.
"""

from __future__ import annotations

from portal.workflow import StateMachine

from .models import ReviewStatus as S

# assigned → draft (first save) → submitted → reopened (by the call administrator) → submitted…
# A pending assignment (assigned or draft) is declined when its reviewer declares a conflict.
REVIEW = StateMachine(
    "review",
    {
        (S.assigned, "save"): S.draft,
        (S.draft, "save"): S.draft,
        (S.reopened, "save"): S.reopened,  # stays reopened until submitted again
        (S.assigned, "submit"): S.submitted,
        (S.draft, "submit"): S.submitted,
        (S.reopened, "submit"): S.submitted,
        (S.submitted, "reopen"): S.reopened,
        (S.assigned, "decline"): S.declined,
        (S.draft, "decline"): S.declined,
    },
    {
        "save": "Cette évaluation est « {label} » : elle ne peut plus être modifiée.",
        "submit": "Cette évaluation est « {label} » : elle ne peut pas être soumise.",
        "reopen": "Seule une évaluation soumise peut être rouverte ; celle-ci est « {label} ».",
        "decline": "Cette évaluation est « {label} » : elle ne peut plus être déclinée.",
    },
    label=lambda review: review.status.label.lower(),
)
