"""The engine's options per database: PostgreSQL connections run without JIT (a page's larger
query, the outcome dashboard's, spent 190 of its 250 ms compiling; bench/README.md)."""

from __future__ import annotations

import os

from sqlalchemy import text

from portal.db import make_engine

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def test_postgresql_connections_run_without_jit():
    # the production database, on this machine's server (.ci/run starts it for both suites)
    engine = make_engine(os.environ.get("TEST_DATABASE_URL") or SERVER)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW jit")).scalar() == "off"
    finally:
        engine.dispose()


def test_sqlite_keeps_its_own_options(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()
