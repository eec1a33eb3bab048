"""Review pages: scoring (routes on the review blueprint)."""
from .views import bp  # noqa: F401
