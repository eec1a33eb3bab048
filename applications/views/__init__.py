"""Dossier pages, on one blueprint (`applications`, under /dossiers), one module per page group:
the lists, the creation, the dossier's page, the stepper, attachments, submission and receipts.

Views are thin: load the dossier under the policy, parse the form, call a service, commit once.
"""

from __future__ import annotations

from . import (  # noqa: F401  (routes)
    attachments,
    creation,
    detail,
    lists,
    office,
    steps,
    submission,
    thread,
)
from .blueprint import bp
from .common import form_labels, load_dossier, next_action, shown_status
from .detail import detail_context

__all__ = ["bp", "detail_context", "form_labels", "load_dossier", "next_action", "shown_status"]
