"""The dossier's state machine: (state, action) → new state. Services move dossiers only here.

Who may act is the permission policy's business (portal.permissions); this table says which moves
exist at all, so a refused move is a clear error and never a silent no-op.
"""

from __future__ import annotations

from portal.workflow import StateMachine

from .models import DossierStatus as S

TRANSITIONS: dict[tuple[S, str], S] = {
    (S.draft, "submit"): S.submitted,
    (S.incomplete, "submit"): S.submitted,
    (S.submitted, "request_completion"): S.incomplete,
    (S.submitted, "screen_eligible"): S.eligible,
    (S.submitted, "screen_ineligible"): S.ineligible,
    (S.eligible, "assign"): S.in_review,
    (S.in_review, "unassign"): S.eligible,  # its last reviewer withdrawn before any review
    # commission (review/services/decisions.py): a proposal, then both co-pilots' validations
    (S.reviewed, "propose_accept"): S.proposed_accept,
    (S.reviewed, "propose_reject"): S.proposed_reject,
    (S.reviewed, "adjourn"): S.reviewed,
    (S.proposed_accept, "finalise"): S.accepted,
    (S.proposed_reject, "finalise"): S.rejected,
    (S.proposed_accept, "send_back"): S.reviewed,
    (S.proposed_reject, "send_back"): S.reviewed,
    (S.in_review, "complete_reviews"): S.reviewed,  # every non-declined review submitted
    (S.reviewed, "reopen_review"): S.in_review,  # a call admin reopened one of its reviews
    # funding (funding/): the signed agreement, the final report, the settlement
    (S.accepted, "sign_agreement"): S.funded,
    (S.funded, "submit_report"): S.reporting,
    (S.reporting, "request_report_corrections"): S.funded,
    (S.reporting, "close"): S.closed,
    # every commitment cancelled (withdrawn project, nothing kept): the dossier is withdrawn
    (S.accepted, "renounce"): S.withdrawn,
    (S.funded, "renounce"): S.withdrawn,
    **{
        (state, "withdraw"): S.withdrawn
        for state in (S.draft, S.submitted, S.incomplete, S.eligible, S.in_review)
    },
}

REFUSALS = {
    "propose_accept": "Seul un dossier instruit, sans proposition en attente, peut recevoir une "
    "proposition ; celui-ci est « {label} ».",
    "propose_reject": "Seul un dossier instruit, sans proposition en attente, peut recevoir une "
    "proposition ; celui-ci est « {label} ».",
    "adjourn": "Seul un dossier instruit, sans proposition en attente, peut être ajourné ; "
    "celui-ci est « {label} ».",
    "finalise": "Seule une proposition de la commission peut devenir une décision ; ce dossier est "
    "« {label} ».",
    "send_back": "Seule une proposition en attente de validation peut être renvoyée en commission ; "
    "ce dossier est « {label} ».",
    "submit": "Ce dossier ne peut plus être déposé : il est « {label} ».",
    "request_completion": "On ne peut demander de compléments que sur un dossier déposé ; "
    "celui-ci est « {label} ».",
    "withdraw": "Ce dossier ne peut plus être retiré : il est « {label} ».",
    "screen_eligible": "Seul un dossier déposé peut être déclaré recevable ; celui-ci est « {label} ».",
    "screen_ineligible": "Seul un dossier déposé peut être déclaré irrecevable ; celui-ci est "
    "« {label} ».",
    "assign": "Seul un dossier recevable peut être confié aux instructeurs ; celui-ci est "
    "« {label} ».",
    "unassign": "Ce dossier n'est pas en instruction : il est « {label} ».",
    "complete_reviews": "Seul un dossier en instruction peut être déclaré instruit ; celui-ci est "
    "« {label} ».",
    "sign_agreement": "Seul un dossier retenu peut voir sa convention signée ; celui-ci est "
    "« {label} ».",
    "submit_report": "Le bilan final se dépose sur un dossier conventionné ; celui-ci est "
    "« {label} ».",
    "request_report_corrections": "Seul un bilan déposé peut être renvoyé pour corrections ; ce "
    "dossier est « {label} ».",
    "renounce": "Seul un dossier retenu ou conventionné peut être abandonné ; celui-ci est "
    "« {label} ».",
    "close": "Seul un dossier dont le bilan est déposé peut être soldé ; celui-ci est « {label} ».",
    "reopen_review": "Seul un dossier instruit peut revenir en instruction ; celui-ci est « {label} ».",
}


# A refused move names the dossier's state as its page does (its status label).
DOSSIER = StateMachine("dossier", TRANSITIONS, REFUSALS, label=lambda dossier: dossier.status_label)


def next_state(dossier, action: str) -> S:
    return DOSSIER.next_state(dossier, action)


def transition(dossier, action: str) -> tuple[S, S]:
    """Apply the move; returns (before, after) for the audit trail."""
    return DOSSIER.transition(dossier, action)
