"""The engine's options per database: PostgreSQL connections run without JIT (a page's larger
query, the outcome dashboard's, spent 190 of its 250 ms compiling; bench/README.md)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from portal.db import make_engine

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def engine():
    """The production database's engine, on this machine's server (.ci/run starts it for both
    suites)."""
    engine = make_engine(os.environ.get("TEST_DATABASE_URL") or SERVER)
    yield engine
    engine.dispose()


def test_postgresql_connections_run_without_jit(engine):
    with engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar() == "off"


def test_sqlite_keeps_its_own_options(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_a_read_only_transaction_keeps_its_prepared_statements(engine):
    """Ending a read with COMMIT, not ROLLBACK (psycopg forgets its prepared statements on every
    ROLLBACK): the page's queries stay parsed and planned from one request to the next."""
    for _ in range(7):  # psycopg prepares a statement at its fifth run
        with engine.connect() as conn:  # each ends with the pool's reset: a rollback
            conn.execute(text("SELECT 1 + :x"), {"x": 1}).scalar()
    with engine.connect() as conn:
        prepared = conn.execute(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT 1 + %'")
        ).scalar()
    assert prepared == 1


def test_a_write_is_still_rolled_back(engine):
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE kept (x int)"))
        conn.commit()
        conn.execute(text("SELECT count(*) FROM kept")).scalar()
        conn.execute(text("INSERT INTO kept VALUES (1)"))
        conn.execute(text("SELECT count(*) FROM kept")).scalar()
        conn.rollback()
        assert conn.execute(text("SELECT count(*) FROM kept")).scalar() == 0
        conn.execute(text("WITH n AS (INSERT INTO kept VALUES (2) RETURNING x) SELECT * FROM n"))
        conn.rollback()
        assert conn.execute(text("SELECT count(*) FROM kept")).scalar() == 0
        try:  # a failed transaction: rolled back, the connection usable again
            conn.execute(text("SELECT 1 / 0"))
        except Exception:
            conn.rollback()
        assert conn.execute(text("SELECT count(*) FROM kept")).scalar() == 0


def test_what_may_write():
    from portal.db import may_write

    assert not may_write("SELECT dossier.id FROM dossier")
    assert not may_write("  with x AS (SELECT 1) SELECT * FROM x")
    assert not may_write("SELECT dossier.updated_at FROM dossier")
    for statement in (
        "INSERT INTO t VALUES (1)",
        "UPDATE t SET x = 1",
        "DELETE FROM t",
        "SAVEPOINT sa_1",
        "SELECT x FROM t FOR UPDATE",
        "SELECT x FROM t FOR SHARE",
        "WITH n AS (DELETE FROM t RETURNING x) SELECT * FROM n",
        "SELECT nextval('s')",
        "SELECT pg_advisory_xact_lock(1)",
        "SELECT set_config('a.b', '1', true)",
    ):
        assert may_write(statement), statement


def test_a_search_on_a_bound_pattern_is_never_prepared(engine):
    """A generic plan cannot know how selective a LIKE pattern is: planned with its value."""
    for _ in range(7):
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 'lycée' LIKE :p"), {"p": "%ly%"}).scalar()
    with engine.connect() as conn:
        prepared = conn.execute(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%LIKE $1%'")
        ).scalar()
    assert prepared == 0


def test_a_search_streamed_through_a_server_side_cursor(engine):
    with engine.connect() as conn:
        rows = conn.execution_options(stream_results=True).execute(
            text("SELECT 'lycée' LIKE :p"), {"p": "%ly%"}
        )
        assert rows.scalar() is True
