"""Funding: envelopes, commitments, grant agreements, payments, final reports, clawbacks.

Importing the area registers its rules in the one policy and listens to the review area's
`decision_finalised` signal (review never imports funding).
"""
from review.signals import decision_finalised

from . import policy  # noqa: F401  (registers the funding rules in the one policy)


@decision_finalised.connect
def _commit_final_decision(decision, **_):
    """A final accept decision commits each funder's part; a part that does not fit stays
    uncommitted (audited, shown to the officers) and the validation itself stands."""
    if getattr(decision.outcome, "value", decision.outcome) != "accept":
        return
    from .services import commit_decision
    commit_decision(decision, actor=None)
