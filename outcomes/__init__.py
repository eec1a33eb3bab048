"""Outcomes and sharing: what the funded projects achieved, shown to the territory.

The top layer: it reads applications, review and funding, nothing reads it. Built so far: the
open data of the granted subsidies (SCDL « subventions » 2.1.1), on public pages and in the API.
"""

from __future__ import annotations


def init_app(app) -> None:
    """Register what the area brings: its public pages and API endpoints."""
    from . import (
        api,  # noqa: F401
        policy,
    )
    from .views import bp

    policy.register()
    app.register_blueprint(bp)
