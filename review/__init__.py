"""Commission review: screening, assignment, conflicts of interest, scoring, ranking, decisions."""

from __future__ import annotations


def init_app(app) -> None:
    """Register what the area brings: its rules in the one policy, its API endpoints and pages,
    its answers to the lower layers' signals (dossier panels, home sections, demo)."""
    from applications.signals import dossier_panels
    from portal.signals import demo_loading, home_sections

    from . import (
        api,  # noqa: F401
        demo,
        policy,
        receivers,
        totals,
    )
    from .views import bp

    policy.register()
    totals.register()
    app.register_blueprint(bp)
    dossier_panels.connect(receivers.dossier_panels)
    home_sections.connect(receivers.home_sections)
    demo_loading.connect(demo.on_demo_loading)
