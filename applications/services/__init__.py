"""Rules for dossiers, one module per concept. Each function checks the policy, changes models,
audits and queues mail; they take domain objects and plain data, never the request, and flush
but never commit (the view or CLI command commits once). A refused operation raises a
ServiceError and leaves the session unchanged for the caller to roll back.

Every name is importable from here (`applications.services.submit_dossier`): other areas, the API
and the tests use this package, not its modules.
"""

from __future__ import annotations

from .attachments import add_attachment, read_attachment, remove_attachment
from .calls import open_calls
from .completion import COMPLETION_DAYS, request_completion
from .drafting import MAX_ROWS, TEXT_LIMITS, create_dossier, require_editable, update_dossier
from .notifications import notify_establishment
from .reuse import create_from_previous, previous_dossiers
from .submission import (
    DEADLINE,
    get_submission,
    snapshot_hash,
    snapshot_of,
    submission_blockers,
    submit_dossier,
)
from .withdrawal import withdraw_dossier

__all__ = [
    "COMPLETION_DAYS",
    "DEADLINE",
    "MAX_ROWS",
    "TEXT_LIMITS",
    "add_attachment",
    "create_dossier",
    "create_from_previous",
    "get_submission",
    "notify_establishment",
    "open_calls",
    "previous_dossiers",
    "read_attachment",
    "remove_attachment",
    "request_completion",
    "require_editable",
    "snapshot_hash",
    "snapshot_of",
    "submission_blockers",
    "submit_dossier",
    "update_dossier",
    "withdraw_dossier",
]
