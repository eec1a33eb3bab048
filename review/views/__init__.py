"""Review pages, on one blueprint (/instruction): one module per page group, thin.

screening (posted from the dossier's page) · setup (rules, phases, members, grid) · assignment
(assignments, CSV import, a reviewer's conflict declaration) · scoring (queue, scoring screen) ·
ranking (ranking, side by side, exports) · commission (sessions, proposals, minutes) · decisions
(validations, publication, decision letters).
"""

from flask import Blueprint

from portal.web import refused

bp = Blueprint("review", __name__, url_prefix="/instruction")


def refused_here(exc, form=None) -> list[tuple[str, str]]:
    """`portal.web.refused`, a conflict (409) going on to the error page as well."""
    summary = refused(exc, form)
    if exc.status == 409:
        raise exc
    return summary


# The page groups register their routes on the blueprint.
from . import (  # noqa: E402,F401
    assignment,
    commission,
    decisions,
    deputies,
    notes,
    ranking,
    scoring,
    screening,
    setup,
)
