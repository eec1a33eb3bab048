"""The options of the ranking's filter form."""

from __future__ import annotations

from sqlalchemy import Integer, String, literal, select, union_all

from portal.db import db
from portal.models import FIELDS, KIND_LABELS, Axis, Call, Department, Network


def filter_choices(call: Call) -> dict:
    """The options of the filter form: the call's axes (by number), the departments (by code)
    and the networks (by name) in one UNION ALL query, whatever the number of dossiers. Each
    part sorts on its own columns (the others are NULL in it): `n` the axis number, `code` the
    department code, then `label`; `number` and `code` are what the options submit."""
    no_int, no_text = literal(None, Integer), literal(None, String)
    parts = union_all(
        select(
            literal(0).label("part"),
            Axis.number.label("n"),
            no_text.label("code"),
            Axis.label.label("label"),
            Axis.number.label("number"),
        ).where(Axis.call_id == call.id),
        select(literal(1), no_int, Department.code, Department.name, no_int),
        select(literal(2), no_int, no_text, Network.name, Network.id),
    ).subquery("parts")
    rows = db.session.execute(
        select(parts).order_by(parts.c.part, parts.c.n, parts.c.code, parts.c.label)
    ).all()
    return {
        "axes": [(r.number, r.label) for r in rows if r.part == 0],
        "fields": list(FIELDS.items()),
        "departments": [(r.code, r.label) for r in rows if r.part == 1],
        "networks": [(r.number, r.label) for r in rows if r.part == 2],
        "kinds": [(k.value, label) for k, label in KIND_LABELS.items()],
    }
