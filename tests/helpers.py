"""Helpers shared by the test modules (fixtures live in the conftest files).

A test module imports its helpers from here, never from another test module.
"""
from __future__ import annotations

import contextlib

from sqlalchemy import event

from portal.db import db

# The test's own transaction control, not the page's queries (SAVEPOINT, RELEASE SAVEPOINT,
# ROLLBACK TO SAVEPOINT: each test runs in a transaction, the app's commits become savepoints).
_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK")


class Queries:
    """The SQL statements sent while `count_queries()` was active: `.count`, `.statements`."""

    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __len__(self) -> int:
        return len(self.statements)

    def __iter__(self):
        return iter(self.statements)


@contextlib.contextmanager
def count_queries(engine=None):
    """Count the statements sent to the database (by default `db.engine`) inside the block:

        with count_queries() as queries:
            client.get("/")
        assert queries.count <= 4
    """
    queries = Queries()

    def _on(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            queries.statements.append(statement)

    target = engine if engine is not None else db.engine
    event.listen(target, "before_cursor_execute", _on)
    try:
        yield queries
    finally:
        event.remove(target, "before_cursor_execute", _on)
