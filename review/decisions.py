"""Kept for the funding area (which reads `decision_of`) and its tests: the commission's decisions
live in review.services.sessions, .decisions and .publication."""
from .services.decisions import (copilot_institution, decision_of, record_proposal,  # noqa: F401
                                 send_back, shown_decision, validate_decision)
from .services.publication import publish_results  # noqa: F401
from .services.sessions import commission_members, create_session  # noqa: F401
