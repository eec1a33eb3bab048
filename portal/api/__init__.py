"""/api/v1: bearer tokens, JSON, OpenAPI document — the framework the areas' endpoints stand on.

The API calls the same services and permission policy as the pages; it never reads the session
cookie (the blueprint is CSRF-exempt for that reason), only `Authorization: Bearer <token>`.
The kernel serves calls and establishments (`views`); each area declares its own endpoints on
`bp` in its `api.py`, imported by its `init_app`, before the factory registers the blueprint.
An endpoint documents itself with `@doc(...)`; `openapi` assembles the document from the routes.
"""

from . import auth, views  # noqa: E402,F401  (register the token check and the kernel's routes)
from .auth import public
from .core import api_user, bp, commit, created, flush, items, load
from .docs import (
    INVALID,
    NOT_FOUND,
    binary,
    doc,
    error,
    json_body,
    json_response,
    list_of,
    register_schemas,
)

__all__ = [
    "INVALID",
    "NOT_FOUND",
    "api_user",
    "binary",
    "bp",
    "commit",
    "created",
    "doc",
    "error",
    "flush",
    "items",
    "json_body",
    "json_response",
    "list_of",
    "load",
    "public",
    "register_schemas",
]
