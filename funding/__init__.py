"""Funding: envelopes, commitments, grant agreements, payments, final reports, clawbacks.

Its init_app registers its rules in the one policy and listens to the review area's signals
(review never imports funding).
"""

from __future__ import annotations


def init_app(app) -> None:
    """Register what the area brings: policy rules, signal receivers, pages."""
    from applications.signals import dossier_panels
    from portal.signals import (
        call_duplicated,
        call_duplication_parts,
        demo_loading,
        due_reminders,
        home_sections,
        todo_items,
    )
    from review.signals import call_envelopes, decision_finalised

    from . import (
        api,  # noqa: F401
        demo,
        followup,
        policy,
        receivers,
    )
    from .services import duplication
    from .views import bp

    policy.register()
    decision_finalised.connect(receivers.commit_final_decision)
    call_envelopes.connect(receivers.main_envelopes)
    demo_loading.connect(demo.on_demo_loading)
    call_duplication_parts.connect(duplication.parts)
    call_duplicated.connect(duplication.copy)
    dossier_panels.connect(receivers.dossier_panels)
    home_sections.connect(receivers.home_sections)
    todo_items.connect(followup.todo_items)
    due_reminders.connect(followup.due_reminders)
    app.register_blueprint(bp)
