"""What the funding pages share: the call a budget page is about, the funder filter."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.models import INSTITUTION_LABELS, Call, Institution
from portal.permissions import Permission, require
from portal.web import load

FUNDERS = (Institution.state, Institution.region)
FUNDER_PARAM = "financeur"
FUNDER_LABELS = INSTITUTION_LABELS  # the templates' name for the funders' labels
FUNDER_CHOICES = [(f.value, INSTITUTION_LABELS[f]) for f in FUNDERS]


def budget_call(call_id: int) -> Call:
    """A call's budget pages: VIEW_BUDGET, asked before the lookup (ids are not probed); the
    call's axes (the pages' breakdowns name them) in the same query."""
    require(current_user, Permission.VIEW_BUDGET)
    return load(Call, call_id, Permission.VIEW_BUDGET, options=[joinedload(Call.axes)])


def choice(raw: str | None, enum_type):
    """`raw` as a member of `enum_type`, None when absent or unknown."""
    try:
        return enum_type(raw) if raw else None
    except ValueError:
        return None


def funder_filter() -> Institution | None:
    """`?financeur=state|region` narrows a page to one funder; anything else shows both."""
    return choice(request.args.get(FUNDER_PARAM, ""), Institution)
