"""Fresh PostgreSQL databases for the bench, and the app bound to one of them."""

from __future__ import annotations

import os
import tempfile

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")


def fresh(name: str, server: str = SERVER) -> str:
    """Drop and create database `name` on `server`, migrate it to head; its URL."""
    from portal.migrate import upgrade

    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = f"{server}/{name}"
    upgrade(url)
    return url


def analyze(url: str) -> None:
    """VACUUM ANALYZE the database (after building, and on --reuse): the bulk load leaves the
    statistics as of the empty tables, and this server runs without autovacuum, so PostgreSQL
    would plan for a handful of rows (nested loops over 5,000 dossiers: seconds, not ms)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def app_for(url: str, **extra):
    """The portal bound to `url`, as the bench's in-process client and builder use it."""
    from portal import create_app

    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="aap-bench-"))
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "TESTING": False,
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "100000 per minute",
            "LOGIN_ADDRESS_RATE_LIMIT": "100000 per minute",
            **extra,
        }
    )


def version(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        out = conn.execute(text("SHOW server_version")).scalar_one()
    engine.dispose()
    return out


def database_name(url: str) -> str:
    return make_url(url).database
