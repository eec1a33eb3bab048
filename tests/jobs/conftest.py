"""Fixtures of the job-queue tests: a database where commits are real (the worker reads it) and
a real Celery worker, in a subprocess, on the local Redis (DB 11, a queue of its own)."""

from __future__ import annotations

import pytest

from portal.db import db, make_engine

from .worker import Worker, wait_for  # noqa: F401  (wait_for: used by the tests)


@pytest.fixture
def live_db(app, live_database_url):
    """The app's session bound to a database of its own, migrated, where commits are real."""
    from portal.migrate import upgrade

    from .. import helpers

    upgrade(live_database_url)
    engine = make_engine(live_database_url)
    db.session.remove()
    db.session.configure(bind=engine)
    try:
        with app.app_context():
            yield live_database_url
    finally:
        db.session.remove()
        db.session.configure(bind=db.engine)
        engine.dispose()
        if live_database_url.startswith("postgresql"):
            helpers.drop_database(live_database_url)


@pytest.fixture
def worker(tmp_path, live_db):
    w = Worker(tmp_path, live_db)
    yield w
    w.stop()


@pytest.fixture
def queue_client(app, worker):
    """The app hands its outbox to the worker's queue (as a web host with a broker does)."""
    from portal.jobs import make_celery

    previous = app.extensions.get("celery")
    app.extensions["celery"] = make_celery(worker.client_config())
    yield app.extensions["celery"]
    app.extensions["celery"] = previous
