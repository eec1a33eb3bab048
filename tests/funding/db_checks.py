"""Checks shared by the money tests: what the database holds, and examples rolled back one by one."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import func, select

from applications.models import Dossier
from funding.models import Clawback, Commitment, Envelope, Payment
from portal.db import db
from portal.models import AuditEvent

CENT = Decimal("0.01")


def snapshot() -> tuple:
    """Every money row, the audit trail's length and the dossiers' states, as plain tuples."""
    return (
        db.session.execute(
            select(
                Envelope.id,
                Envelope.funder,
                Envelope.department_code,
                Envelope.axis_number,
                Envelope.amount,
                Envelope.version,
            ).order_by(Envelope.id)
        ).all(),
        db.session.execute(
            select(
                Commitment.id,
                Commitment.amount,
                Commitment.status,
                Commitment.change_reason,
                Commitment.version,
            ).order_by(Commitment.id)
        ).all(),
        db.session.execute(
            select(Payment.id, Payment.commitment_id, Payment.amount, Payment.reference).order_by(
                Payment.id
            )
        ).all(),
        db.session.execute(
            select(Clawback.id, Clawback.amount, Clawback.status, Clawback.settled_on).order_by(
                Clawback.id
            )
        ).all(),
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
        db.session.execute(select(Dossier.id, Dossier.status).order_by(Dossier.id)).all(),
    )


@contextmanager
def rolled_back():
    """One example in a savepoint rolled back at its end, the session left as it was before: the
    objects it loaded are expunged too (only those it created and kept are, by SQLAlchemy), since
    SQLite hands the rolled-back ids out again."""
    known = set(db.session.identity_map.keys())
    savepoint = db.session.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
        for key in set(db.session.identity_map.keys()) - known:
            obj = db.session.identity_map.get(key)
            if obj is not None:
                db.session.expunge(obj)


def is_money(value) -> bool:
    return type(value) is Decimal and value == value.quantize(CENT)
