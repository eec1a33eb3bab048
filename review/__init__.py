"""Commission review: screening, assignment, conflicts of interest, scoring, ranking, decisions."""

from __future__ import annotations


def init_app(app) -> None:
    """Register what the area brings: its rules in the one policy, its API endpoints and pages,
    its answers to the lower layers' signals (dossier panels, home sections, demo)."""
    from applications.signals import dossier_panels, list_filters
    from portal.signals import (
        call_duplicated,
        call_duplication_parts,
        demo_loading,
        due_reminders,
        home_sections,
        todo_items,
    )

    from . import (
        api,  # noqa: F401
        demo,
        followup,
        policy,
        receivers,
        reviewer_store,
        standing_store,
        totals,
    )
    from .services import duplication
    from .views import bp

    policy.register()
    totals.register()
    standing_store.register()
    reviewer_store.register()
    app.register_blueprint(bp)
    dossier_panels.connect(receivers.dossier_panels)
    dossier_panels.connect(receivers.notes_panel)
    home_sections.connect(receivers.home_sections)
    list_filters.connect(receivers.list_filters)
    demo_loading.connect(demo.on_demo_loading)
    todo_items.connect(followup.todo_items)
    due_reminders.connect(followup.due_reminders)
    call_duplication_parts.connect(duplication.parts)
    call_duplicated.connect(duplication.copy)
