"""A real Celery worker for the tests (`celery -A portal.jobs worker` in a subprocess, on the
local Redis, a queue of its own) and the polling helper; used by tests/jobs and tests/browser."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from portal.db import db

REDIS_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/11")
ROOT = Path(__file__).resolve().parents[2]


def wait_for(check, timeout: float = 60.0, what: str = "the worker", session=None):
    """Poll `check()` (each time in a fresh transaction) until it returns a truthy value."""
    session = session or db.session
    deadline = time.monotonic() + timeout
    while True:
        session.rollback()  # never hold a read transaction while the worker writes
        value = check()
        if value:
            session.rollback()
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


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
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"*{self.queue}*"))
        if keys:
            client.delete(*keys)  # the queue and its binding: nothing left in the shared Redis
        client.close()
