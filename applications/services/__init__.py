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
from .history import SHARED_EVENTS, history_of
from .labels import create_label, delete_label, labels_for_calls, labels_of, remove_label, set_label
from .messages import (
    MESSAGE_LIMIT,
    inbox,
    mark_read,
    messages_of,
    post_message,
    read_message_attachment,
    thread_of,
    unanswered_count,
    unread_by_dossier,
    unread_count,
)
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
    "MESSAGE_LIMIT",
    "SHARED_EVENTS",
    "history_of",
    "inbox",
    "mark_read",
    "messages_of",
    "post_message",
    "read_message_attachment",
    "thread_of",
    "unanswered_count",
    "unread_by_dossier",
    "unread_count",
    "DEADLINE",
    "MAX_ROWS",
    "TEXT_LIMITS",
    "add_attachment",
    "create_dossier",
    "create_label",
    "delete_label",
    "create_from_previous",
    "get_submission",
    "labels_for_calls",
    "labels_of",
    "notify_establishment",
    "open_calls",
    "previous_dossiers",
    "read_attachment",
    "remove_attachment",
    "remove_label",
    "request_completion",
    "set_label",
    "require_editable",
    "snapshot_hash",
    "snapshot_of",
    "submission_blockers",
    "submit_dossier",
    "update_dossier",
    "withdraw_dossier",
]
