"""The budget officers' and observers' home section: per call, the money and what to do."""

from __future__ import annotations

from portal.models import CallStatus, Role
from portal.permissions import Permission, can

from ..policy import officer_institutions
from ..services import dashboard, lists
from .common import FUNDER_LABELS

HOME_TO_PAY = 20  # the home lists the first ones; the commitments list has them all


def budget_home(user) -> dict | None:
    """The budget officer's and the observer's home: per call, the money and what to do."""
    if not user.has_role(Role.budget_officer, Role.observer) or not can(
        user, Permission.VIEW_BUDGET
    ):
        return None
    own = officer_institutions(user)
    calls = [c for c in lists.budget_calls() if c.status != CallStatus.archived]
    section = {
        "own": sorted(own, key=lambda i: i.value),
        "calls": [],
        "to_pay": [],
        "labels": FUNDER_LABELS,
    }
    if own:
        for call in calls:
            budget = dashboard.call_budget(call)
            envelopes = [f for f in budget.envelopes if f.envelope.funder in own]
            alerts = budget.counts_for(own)
            if envelopes or alerts:
                section["calls"].append({"call": call, "envelopes": envelopes, "alerts": alerts})
        section["to_pay"], section["to_pay_count"] = lists.payments_to_record(own, HOME_TO_PAY)
    elif user.has_role(Role.observer):
        section["calls"] = [{"call": call, "main": lists.main_figures(call.id)} for call in calls]
    return section
