"""Dossiers: drafting, attachments, submission, completion requests, receipts."""
from __future__ import annotations


def init_app(app) -> None:
    """Register what the area brings: its pages."""
    from . import api  # noqa: F401
    from .views import bp

    app.register_blueprint(bp)
