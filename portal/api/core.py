"""What every /api/v1 endpoint stands on: the blueprint, the token's user, loading an object by
id (404, then the policy's check), the JSON replies and the one commit of a write.

The areas' endpoints (`applications/api.py`, `review/api.py`, `funding/api.py`) are declared on
this blueprint and use these helpers through `portal.api`; the kernel imports no area.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from sqlalchemy.orm.exc import StaleDataError

from portal import web
from portal.db import db
from portal.errors import Conflict, NotFound
from portal.permissions import Permission, require

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def api_user():
    """The user of the request's bearer token (set by `portal.api.auth`)."""
    return g.api_user


def load(
    model,
    ident,
    permission: Permission | None = None,
    *,
    missing: str,
    hide: bool = False,
    message: str | None = None,
):
    """The row `ident` of `model` (`portal.web.load`), NotFound(`missing`) when there is none;
    then, with `permission`, the policy's check for the token's user: 403 (with `message`), or
    404 with `hide=True` when even the object's existence is confidential — with the same
    `missing` message, so a hidden object cannot be told from one that does not exist."""
    try:
        obj = web.load(model, ident)
    except NotFound:
        raise NotFound(missing) from None
    if permission is not None:
        try:
            require(api_user(), permission, obj, hide=hide, message=message)
        except NotFound:  # hidden: the same answer as for an id that names nothing
            raise NotFound(missing) from None
    return obj


def items(schema, objects):
    """`{"items": [...]}`, each object dumped by `schema`."""
    return jsonify({"items": schema(many=True).dump(objects)})


def created(body, location: str | None = None):
    """201 with `body` (already dumped), and the new resource's address when it has one."""
    response = jsonify(body)
    response.status_code = 201
    if location is not None:
        response.headers["Location"] = location
    return response


def flush(stale: str) -> None:
    """Flush the request's changes; a concurrent change of the same row is a 409 (`stale`)."""
    _stale_is_conflict(db.session.flush, stale)


def commit(stale: str) -> None:
    """One commit per successful write; a concurrent change of the same row is a 409 (`stale`)."""
    _stale_is_conflict(db.session.commit, stale)


def _stale_is_conflict(write, stale: str) -> None:
    try:
        write()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(stale) from None
