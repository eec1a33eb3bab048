"""`portal.db.memo`: a read asked twice in a unit of work runs once, and never outlives a change
(pending, flushed, bulk, committed or rolled back)."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from portal.db import db, memo
from portal.models import User


def _count() -> int:
    return memo(("users",), lambda: db.session.scalar(select(func.count(User.id))))


def test_a_read_runs_once_until_something_changes(app, count_queries):
    first = _count()
    with count_queries() as counter:
        assert _count() == first
    assert counter.count == 0  # asked again: no statement
    db.session.add(User(email="memo@example.org", full_name="Memo"))
    assert _count() == first + 1  # pending: computed afresh (the query autoflushes)
    assert _count() == first + 1
    db.session.execute(
        insert(User), [{"email": "bulk@example.org", "full_name": "Bulk", "session_version": 1}]
    )
    assert _count() == first + 2  # a bulk insert skips the flush: forgotten all the same
    db.session.execute(update(User).where(User.email == "bulk@example.org").values(active=False))
    with count_queries() as counter:
        _count()
    assert counter.count == 1


def test_a_rollback_forgets(app):
    db.session.begin_nested()
    db.session.add(User(email="gone@example.org", full_name="Gone"))
    db.session.flush()
    inside = _count()
    db.session.rollback()
    assert _count() == inside - 1
