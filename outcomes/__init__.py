"""Outcomes and sharing: what the funded projects achieved, shown to the territory.

The top layer: it reads applications, review and funding, nothing reads it. Built so far: the
open data of the granted subsidies (SCDL « subventions » 2.1.1), on public pages and in the API;
La Lettre de la MLDS (composed by the coordinator, public archive, PDF, mail to subscribers);
the outcome dashboard (/resultats); the public catalogue of practices (/pratiques, /api/v1/practices) and the MLDS coordinator's
sheets (/coordination/fiches), her « À faire » and her home section.
"""

from __future__ import annotations


def init_app(app) -> None:
    """Register what the area brings: its public pages, API endpoints and signal receivers."""
    from portal.signals import account_links, demo_loading, home_sections, todo_items

    from . import (
        api,  # noqa: F401
        demo,
        followup,
        policy,
        receivers,
    )
    from .services import outcome_store
    from .views import bp

    policy.register()
    outcome_store.register()
    account_links.connect(receivers.account_links)
    home_sections.connect(receivers.home_sections)
    todo_items.connect(followup.todo_items)
    demo_loading.connect(demo.on_demo_loading)
    app.register_blueprint(bp)
