"""Append-only audit trail. Services call `record` inside their transaction."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from flask import has_request_context, request

from .db import db
from .models import AuditEvent, User


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    out = {}
    for key in sorted(set(before) | set(after)):
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if old != new:
            out[key] = [old, new]
    return out


def record(actor: User | None, action: str, obj, changes: dict | None = None) -> AuditEvent:
    if obj is not None and getattr(obj, "id", 0) is None:
        db.session.flush()  # the event must name the new object's id
    event = AuditEvent(
        actor_id=actor.id if actor is not None and getattr(actor, "id", None) else None,
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "id", None),
        changes=_plain(changes or {}),
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(event)
    return event
