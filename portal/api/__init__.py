"""/api/v1: bearer tokens, JSON, OpenAPI document.

The API calls the same services and permission policy as the pages; it never reads the session
cookie (the blueprint is CSRF-exempt for that reason), only `Authorization: Bearer <token>`.
"""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import auth, openapi, views  # noqa: E402,F401  (register the hooks and routes on bp)
from . import review  # noqa: E402,F401  (the review area's endpoints)
from . import funding  # noqa: E402,F401  (the funding area's endpoints)
