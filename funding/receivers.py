"""What the funding area answers to the lower layers' signals (they never import funding):
review's final decisions and envelopes, the dossier page's panel, the home page's section."""

from __future__ import annotations

from sqlalchemy import select

from portal.db import db

from .models import Envelope
from .services import commit_decision
from .views.home import budget_home


def commit_final_decision(decision, **_):
    """A final accept decision commits each funder's part; a part that does not fit stays
    uncommitted (audited, shown to the officers) and the validation itself stands."""
    if getattr(decision.outcome, "value", decision.outcome) != "accept":
        return
    commit_decision(decision, actor=None)


def main_envelopes(call_id: int, **_) -> dict:
    """The commission draws its funding line against the funders' main envelopes."""
    rows = db.session.execute(
        select(Envelope.funder, Envelope.amount).where(
            Envelope.call_id == call_id,
            Envelope.department_code.is_(None),
            Envelope.axis_number.is_(None),
        )
    ).all()
    return {funder.value: amount for funder, amount in rows}


def dossier_panels(dossier, user=None, **_) -> dict:
    """The way to the dossier's funding (agreement, payments, report), once it is decided."""
    return {"order": 20, "templates": ["funding/_dossier_panel.html"], "context": {}}


def home_sections(user, **_) -> dict:
    section = budget_home(user)
    return {"budget": {"section": section}} if section is not None else {}
