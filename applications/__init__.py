"""Dossiers: drafting, attachments, submission, completion requests, receipts."""

from __future__ import annotations


def init_app(app) -> None:
    """Register what the area brings: its rules in the one policy, its pages and their template
    helpers, its answers to the kernel's signals (home page, counts per call, demo)."""
    from portal.signals import (
        call_dossier_counts,
        call_draft_establishments,
        demo_loading,
        due_reminders,
        home_sections,
        reference_in_use,
        todo_items,
    )

    from . import (
        api,  # noqa: F401
        demo,
        followup,
        policy,
        receivers,
    )
    from .models import STATUS_BADGES, STATUS_LABELS
    from .views import bp, next_action, shown_status

    policy.register()
    app.register_blueprint(bp)
    # Globals, not a context processor: imported macros (the status badge) see them too. Plain
    # functions of the dossier they are given: none queries the database.
    app.jinja_env.globals.update(
        next_action=next_action,
        shown_status=shown_status,
        STATUS_LABELS=STATUS_LABELS,
        STATUS_BADGES=STATUS_BADGES,
        unread_messages=receivers.unread_messages,
    )
    home_sections.connect(receivers.home_sections)
    call_dossier_counts.connect(receivers.call_dossier_counts)
    todo_items.connect(receivers.todo_items)
    call_draft_establishments.connect(receivers.call_draft_establishments)
    demo_loading.connect(demo.on_demo_loading)
    todo_items.connect(followup.todo_items)
    due_reminders.connect(followup.due_reminders)
    from .services.structured import usage_count

    reference_in_use.connect(usage_count)
