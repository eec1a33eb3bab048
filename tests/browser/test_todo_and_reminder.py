"""In a real Chromium, on the demo served with a job queue: the head of establishment finds their
draft on top of the home (« À faire »), chooses how to be notified, and the deadline's reminder
email is sent by a real Celery worker (on the local Redis) and arrives once."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from portal import jobs
from tests.conftest import PortalProcess
from tests.jobs.worker import REDIS_URL, Worker

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
HEAD = "chef.dautet@demo.ac-poitiers.fr"  # the demo's head with a draft

DEADLINE_IN_THREE_DAYS = r"""
import datetime as dt
from sqlalchemy import update
from portal import create_app
from portal.db import db, utcnow
from portal.formatting import PARIS
from portal.models import Call, CallStatus

app = create_app()
with app.app_context():
    day = utcnow().astimezone(PARIS).date() + dt.timedelta(days=3)
    deadline = dt.datetime.combine(day, dt.time(23, 59), tzinfo=PARIS).astimezone(dt.UTC)
    db.session.execute(update(Call).where(Call.status == CallStatus.open).values(deadline_at=deadline))
    db.session.commit()
"""


def _login(page, base, email, password):
    page.goto(base + "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _reminders(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT subject, sent_at FROM outbox_message "
                "WHERE recipient = :r AND subject LIKE 'Rappel%'"
            ),
            {"r": HEAD},
        ).all()


def _wait(check, what):
    import time

    deadline = time.monotonic() + 60
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
    return value


def test_the_head_s_to_do_and_the_reminder_from_the_worker(
    tmp_path, live_demo_database_url, browser_page
):
    worker_dir = tmp_path / "worker"
    worker_dir.mkdir()
    worker = Worker(worker_dir, live_demo_database_url)  # it opens the database at its first task
    server = None
    try:
        server = PortalProcess(
            tmp_path, live_demo_database_url, CELERY_BROKER_URL=REDIS_URL, CELERY_QUEUE=worker.queue
        )
        env = dict(
            os.environ, DATABASE_URL=live_demo_database_url, INSTANCE_PATH=str(tmp_path / "s")
        )
        done = subprocess.run(
            [sys.executable, "-c", DEADLINE_IN_THREE_DAYS],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]

        page = browser_page
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        _login(page, server.url, HEAD, server.password)
        todo = page.locator('section[aria-labelledby="a-faire"]')
        expect(todo.get_by_role("heading", name="À faire")).to_be_visible()
        link = todo.get_by_role("link", name=re.compile("^Déposer le dossier « Micro-lycée"))
        expect(link).to_be_visible()
        expect(todo).to_contain_text("à 23 h 59 (plus que 3 jours)")

        # « Mes notifications »: reminders stay immediate, proposals never (not theirs anyway).
        page.goto(server.url + "/compte/")
        page.get_by_role("link", name="Mes notifications").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mes notifications")
        page.locator('fieldset#message label[for="message-1"]').click()  # résumé quotidien
        page.get_by_role("button", name="Enregistrer").click()
        expect(
            page.get_by_text("Vos préférences de notification sont enregistrées.")
        ).to_be_visible()
        expect(page.locator("#message-1")).to_be_checked()

        # Beat's hourly task, twice: the worker sends the J-7 reminder once.
        client = jobs.make_celery(worker.client_config())
        client.send_task(jobs.REMINDERS)
        client.send_task(jobs.REMINDERS)
        engine = create_engine(live_demo_database_url)
        try:
            rows = _wait(
                lambda: [r for r in _reminders(engine) if r.sent_at is not None],
                "the reminder to be delivered",
            )
            marker = f"courriel à {HEAD}"
            _wait(lambda: marker in worker.log(), "the worker's delivery")
            _wait(lambda: worker.log().count("run_reminders") >= 4, "both runs")
            assert len(_reminders(engine)) == 1
            assert rows[0].subject.startswith("Rappel : dossier à déposer avant le")
        finally:
            engine.dispose()

        page.get_by_role("link", name="Accueil").click()
        link.click()  # the item leads to the draft
        expect(page.get_by_role("heading", level=1)).to_contain_text("Micro-lycée")
        assert errors == [], f"JavaScript errors: {errors}"
    finally:
        if server is not None:
            server.stop()
        worker.stop()
