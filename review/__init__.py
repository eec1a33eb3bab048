"""Commission review: screening, assignment, conflicts of interest, scoring, ranking, decisions."""
from __future__ import annotations


def init_app(app) -> None:
    """Register what the area brings: its rules in the one policy, its pages."""
    from applications.signals import dossier_panels
    from portal.signals import demo_loading

    from . import demo, panels, policy
    from . import api  # noqa: F401
    from .views import bp

    policy.register()
    app.register_blueprint(bp)
    dossier_panels.connect(panels.dossier_panels)
    demo_loading.connect(demo.on_demo_loading)
