"""Fixtures of the job-queue tests: a database where commits are real (the worker reads it) and
a real Celery worker, in a subprocess, on the local Redis (DB 11, a queue of its own)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from portal.db import db, make_engine

REDIS_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/11")
ROOT = Path(__file__).resolve().parents[2]


def wait_for(check, timeout: float = 60.0, what: str = "the worker"):
    """Poll `check()` (each time in a fresh transaction) until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()  # never hold a read transaction while the worker writes
        value = check()
        if value:
            db.session.rollback()
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


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


class Worker:
    """`celery -A portal.jobs worker` on the test's database and its own queue."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.queue = f"aap-test-jobs-{uuid.uuid4().hex[:12]}"
        self.log_path = tmp_path / "worker.log"
        self.env = dict(
            os.environ,
            DATABASE_URL=database_url,
            CELERY_BROKER_URL=REDIS_URL,
            CELERY_QUEUE=self.queue,
            INSTANCE_PATH=str(tmp_path / "instance-worker"),
            SECRET_KEY="worker-test-secret",
            PUBLIC_URL="http://localhost",
        )
        self.env.pop("MAIL_SERVER", None)  # console delivery: the mail is printed in the log
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal.jobs",
                "worker",
                "-P",
                "solo",
                "-Q",
                self.queue,
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-l",
                "info",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while "ready." not in self.log():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the worker did not start:\n" + self.log())
            time.sleep(0.2)

    def log(self) -> str:
        return self.log_path.read_text()

    def client_config(self) -> dict:
        return {"CELERY_BROKER_URL": REDIS_URL, "CELERY_QUEUE": self.queue, "DIGEST_HOUR": 7}

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self._log.close()


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
