"""Commission review: screening, assignment, conflicts of interest, scoring, ranking, decisions."""
from __future__ import annotations


def init_app(app) -> None:
    """Register what the area brings: its rules in the one policy, its pages."""
    from . import api  # noqa: F401
    from . import policy
    from .views import bp

    policy.register()
    app.register_blueprint(bp)
