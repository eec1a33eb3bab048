"""Funding: envelopes, commitments, grant agreements, payments, final reports, clawbacks.

Importing the area registers its rules in the one policy and listens to the review area's
`decision_finalised` signal (review never imports funding).
"""
from review.signals import decision_finalised, envelope_providers

from . import policy  # noqa: F401  (registers the funding rules in the one policy)


@decision_finalised.connect
def _commit_final_decision(decision, **_):
    """A final accept decision commits each funder's part; a part that does not fit stays
    uncommitted (audited, shown to the officers) and the validation itself stands."""
    if getattr(decision.outcome, "value", decision.outcome) != "accept":
        return
    from .services import commit_decision
    commit_decision(decision, actor=None)


def _main_envelopes(call_id: int) -> dict:
    """The commission draws its funding line against the funders' main envelopes."""
    from sqlalchemy import select

    from portal.db import db

    from .models import Envelope
    rows = db.session.execute(select(Envelope.funder, Envelope.amount).where(
        Envelope.call_id == call_id, Envelope.department_code.is_(None),
        Envelope.axis_number.is_(None))).all()
    return {funder.value: amount for funder, amount in rows}


if _main_envelopes not in envelope_providers:
    envelope_providers.append(_main_envelopes)
