"""Helpers shared by the test modules (fixtures live in the conftest files).

A test module imports its helpers from here, never from another test module.
"""

from __future__ import annotations

import contextlib
import threading
import time

from sqlalchemy import event

from portal.db import db
from portal.errors import ServiceError

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


# ------------------------------------------------ races on PostgreSQL (the `race` fixture)

CONNECTIONS = 20


def drop_database(url: str) -> None:
    """DROP the PostgreSQL database of `url` (connected to the server's `postgres` one)."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


def run_together(app, jobs):
    """Run each job (a function of no argument) in its own thread, session and transaction,
    started together; commit what succeeds, roll back a ServiceError. Returns (outcomes, seconds):
    the job's result, or the refusal's French message."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def worker(i, job):
        barrier.wait()
        with app.app_context():
            try:
                outcomes[i] = job()
                db.session.commit()
            except ServiceError as exc:
                db.session.rollback()
                outcomes[i] = exc.message
            except Exception as exc:  # noqa: BLE001 - any other failure is the test's finding
                db.session.rollback()
                outcomes[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes, time.perf_counter() - started
