"""Outcomes and sharing: what the funded projects achieved, shown to the territory.

The top layer: it reads applications, review and funding, nothing reads it. Built so far: the
open data of the granted subsidies (SCDL « subventions » 2.1.1), on public pages and in the API;
La Lettre de la MLDS (composed by the coordinator, public archive, PDF, mail to subscribers).
"""

from __future__ import annotations


def init_app(app) -> None:
    """Register what the area brings: its public pages and API endpoints, its receivers."""
    from portal.signals import account_links, demo_loading

    from . import (
        api,  # noqa: F401
        demo,
        policy,
        receivers,
    )
    from .views import bp

    policy.register()
    account_links.connect(receivers.account_links)
    demo_loading.connect(demo.on_demo_loading)
    app.register_blueprint(bp)
