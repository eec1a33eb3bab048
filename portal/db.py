"""SQLAlchemy 2 without a Flask wrapper: one engine per app, one scoped session per request.

`db.session` is committed once, at the boundary (the view or the CLI command); services only
add, flush and raise.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import weakref
from decimal import Decimal

from sqlalchemy import DateTime, MetaData, Numeric, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, naive UTC in the database (SQLite has no tz)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


Money = Numeric(12, 2, asdecimal=True)
ZERO = Decimal("0.00")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Database:
    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session = scoped_session(sessionmaker(expire_on_commit=False))

    def init_app(self, app) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.session.remove()
        self.session.configure(bind=self.engine)
        app.extensions["database"] = self

        @app.teardown_appcontext
        def _remove_session(exc):
            self.session.remove()


def make_engine(url: str) -> Engine:
    kwargs = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        # No JIT: compiling a page's larger query (the outcome dashboard's) took 190 ms of its
        # 250; a web request's query never runs long enough to earn the compilation back.
        kwargs["connect_args"] = {"options": "-c jit=off"}
    engine = create_engine(url, **kwargs)
    if url.startswith("postgresql+psycopg"):
        _end_reads_with_commit(engine)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, open transactions, so SAVEPOINTs behave.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return engine


# A statement that may change something: not a SELECT (or WITH … SELECT), or one that writes,
# locks, notifies or moves a sequence. Conservative: a false "may write" only costs the plans.
_READ = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
_WORDS = ("INSERT", "UPDATE", "DELETE", "MERGE", "SHARE")
_MAY_WRITE = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|SHARE)\b")
_CALLS = ("NEXTVAL", "SETVAL", "SET_CONFIG", "ADVISORY", "NOTIFY")


@functools.lru_cache(maxsize=512)  # a page's statements come from SQLAlchemy's cache: the same
def may_write(statement: str) -> bool:  # strings, their hash kept
    if not _READ.match(statement):
        return True
    upper = statement.upper()
    if any(call in upper for call in _CALLS):
        return True
    return any(word in upper for word in _WORDS) and bool(_MAY_WRITE.search(upper))


def _end_reads_with_commit(engine: Engine) -> None:
    """A transaction that only read ends with COMMIT rather than ROLLBACK: the same end (nothing
    to keep, nothing to undo), but psycopg forgets its prepared statements on every ROLLBACK, so
    a page's queries were parsed and planned again on every request (2-3 ms of a budget or
    outcome dashboard). Any statement that may write, a failed transaction or a broken
    connection still ends with a real ROLLBACK."""
    from psycopg import ServerCursor
    from psycopg.pq import TransactionStatus

    wrote: weakref.WeakSet = weakref.WeakSet()

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, cursor, statement, parameters, context, executemany):
        if executemany or may_write(statement):
            wrote.add(cursor.connection)

    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def driver(connection):  # the pool may hand its own wrapper of psycopg's connection
        return getattr(connection, "driver_connection", None) or connection

    def do_commit(dbapi_connection):
        wrote.discard(driver(dbapi_connection))
        commit(dbapi_connection)

    def do_rollback(dbapi_connection):
        psycopg_connection = driver(dbapi_connection)
        if (
            psycopg_connection in wrote
            or psycopg_connection.info.transaction_status != TransactionStatus.INTRANS
        ):
            wrote.discard(psycopg_connection)
            rollback(dbapi_connection)
        else:
            commit(dbapi_connection)

    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback

    def do_execute(cursor, statement, parameters, context=None):
        # A LIKE on a bound pattern (a search) is never prepared: a generic plan cannot know how
        # selective the pattern is (the dossier search's ran 4x slower); planned each time as
        # before, with its value.
        if " LIKE %(" in statement and not isinstance(cursor, ServerCursor):
            cursor.execute(statement, parameters, prepare=False)
        else:  # a server-side cursor (streamed rows) is never prepared, and takes no `prepare`
            cursor.execute(statement, parameters)

    dialect.do_execute = do_execute


def _sqlite_pragmas(dbapi_conn, _record):
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


db = Database()


# ---------------------------------------------------------------- reads asked twice


_MEMO = "memo"


def memo(key: tuple, compute):
    """`compute()`, once per unit of work: a page's policy checks ask the same question several
    times (is this reviewer conflicted, which phase is the call in). The answer is kept in the
    session until its next flush, commit or rollback, and never while changes are pending (a
    query would have flushed them first)."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.info.pop(_MEMO, None)
        return compute()
    cache = session.info.setdefault(_MEMO, {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _forget(session, *_args) -> None:
    session.info.pop(_MEMO, None)


for _event in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
    event.listen(Session, _event, _forget)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_write(state) -> None:
    """An INSERT, UPDATE or DELETE through the session (bulk ones skip the flush) too."""
    if not state.is_select:
        state.session.info.pop(_MEMO, None)
