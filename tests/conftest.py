"""Shared fixtures.

The schema is built once per run by the Alembic migrations (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set); each test runs inside a transaction rolled back at its end, the app's
own commits becoming savepoints.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import create_app
from portal.auth.services import hash_password
from portal.db import db, utcnow
from portal.extensions import limiter
from portal.models import (
    AttachmentKind,
    Axis,
    Call,
    CallStatus,
    Department,
    Establishment,
    EstablishmentKind,
    Institution,
    Network,
    Role,
    RoleGrant,
    User,
)
from portal.uai import with_check_letter

from . import helpers

PASSWORD = "mot-de-passe-de-test"
_PASSWORD_HASH = hash_password(PASSWORD)


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own (name_gw0, …)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed.set(database=name).render_as_string(hide_password=False)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return _worker_database(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        _reset_postgres_schema(url)
    return url


def _reset_postgres_schema(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "UPLOAD_FOLDER": str(instance / "uploads"),
            "SECRET_KEY": "test-secret",
            "PAGE_CACHE_URL": None,  # off; tests/portal/test_pagecache.py turns it on
            "SERVER_NAME": "localhost",
            "PUBLIC_URL": "http://localhost",
            # The funders' SIRET (open data): made-up values with a valid key.
            "FUNDER_SIRET_STATE": "13002526500013",
            "FUNDER_SIRET_REGION": "20005375900011",
        }
    )
    from portal.migrate import upgrade

    upgrade(database_url)
    return app


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Every test in a transaction that is rolled back; the app context is pushed."""
    if {"live_database_url", "live_demo_database_url"} & set(request.fixturenames):
        yield
        return
    connection = db.engine.connect()
    outer = connection.begin()
    db.session.remove()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    limiter.reset()
    with app.app_context():
        yield
    db.session.remove()
    outer.rollback()
    connection.close()
    db.session.configure(bind=db.engine, join_transaction_mode="conditional_savepoint")


@event.listens_for(Session, "after_flush")
def _note_flush(session, _ctx):
    session.info["flushed"] = True


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class PortalClient(FlaskClient):
    """A test client that adds a valid CSRF token to form posts unless told `csrf=False`."""

    _token: str | None = None

    def csrf_token(self) -> str:
        if self._token is None:
            page = super().get("/connexion").get_data(as_text=True)
            self._token = _CSRF.search(page).group(1)
        return self._token

    def open(self, *args, **kwargs):
        # The request's teardown closes the (thread-shared) session, which would roll back the
        # test's pending setup: commit it first (a savepoint release; the test still rolls back).
        session = db.session()
        if session.new or session.dirty or session.deleted or session.info.pop("flushed", False):
            session.commit()
        # The test's app context stays pushed, so requests share it: give each request a clean
        # `g`, as a real server would (flask-login caches the user there).
        from flask import g

        for name in list(g):
            g.pop(name)
        return super().open(*args, **kwargs)

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf and "json" not in kwargs and not kwargs.get("headers", {}).get("Authorization"):
            data = kwargs.setdefault("data", {})
            if isinstance(data, dict):
                data.setdefault("csrf_token", self.csrf_token())
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = PortalClient
    return app.test_client()


def login(client, user: User, password: str = PASSWORD):
    response = client.post("/connexion", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    client._token = None  # a fresh session after login
    return response


# ------------------------------------------------------------------ factories


class Factory:
    """Builds consistent domain objects inside the test transaction."""

    def __init__(self):
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def department(self, code: str = "86") -> Department:
        dep = db.session.get(Department, code)
        if dep is None:
            dep = Department(
                code=code,
                name={
                    "16": "Charente",
                    "17": "Charente-Maritime",
                    "79": "Deux-Sèvres",
                    "86": "Vienne",
                }[code],
            )
            db.session.add(dep)
            db.session.flush()
        return dep

    def network(self, name: str | None = None, department: str = "86") -> Network:
        self.department(department)
        net = Network(
            name=name or f"Réseau FOQUALE test {self._next()}", department_code=department
        )
        db.session.add(net)
        db.session.flush()
        return net

    def establishment(
        self,
        kind: EstablishmentKind = EstablishmentKind.lgt,
        department: str = "86",
        name: str | None = None,
        network: Network | None = None,
    ) -> Establishment:
        self.department(department)
        n = self._next()
        est = Establishment(
            uai=with_check_letter(f"0{department}{9000 + n:04d}"),
            name=name or f"Lycée d'essai {n}",
            kind=kind,
            public=True,
            department_code=department,
            commune="Poitiers",
            network=network,
        )
        db.session.add(est)
        db.session.flush()
        return est

    def user(
        self,
        *roles,
        establishment: Establishment | None = None,
        institution: Institution | None = None,
        email: str | None = None,
        name: str | None = None,
    ) -> User:
        n = self._next()
        user = User(
            email=email or f"user{n}@test.ac-poitiers.fr",
            full_name=name or f"Personne {n}",
            password_hash=_PASSWORD_HASH,
            establishment=establishment,
        )
        from portal.models import INSTITUTIONAL_ROLES

        user.grants = [
            RoleGrant(
                role=r,
                institution=(institution or Institution.state)
                if r in INSTITUTIONAL_ROLES
                else None,
            )
            for r in roles
        ]
        db.session.add(user)
        db.session.flush()
        return user

    def call(
        self,
        status: CallStatus = CallStatus.open,
        deadline: dt.datetime | None = None,
        max_amount: str = "15000.00",
        kinds=None,
        opens_at: dt.datetime | None = None,
    ) -> Call:
        now = utcnow()
        call = Call(
            title=f"Appel à projets test {self._next()}",
            school_year="2014-2015",
            fields=["prevention", "intervention", "remediation"],
            eligible_kinds=[k.value for k in (kinds or list(EstablishmentKind))],
            opens_at=opens_at or now - dt.timedelta(days=10),
            deadline_at=deadline or now + dt.timedelta(days=30),
            max_amount=Decimal(max_amount),
            advance_rate=Decimal("50.00"),
            status=status,
        )
        call.axes = [Axis(number=i, label=f"Axe {i}") for i in range(1, 5)]
        call.attachment_kinds = [
            AttachmentKind(label="Budget prévisionnel détaillé", required=True, position=1),
            AttachmentKind(label="Autre pièce", required=False, position=2),
        ]
        db.session.add(call)
        db.session.flush()
        return call

    def dossier(self, call: Call, author: User, complete: bool = False):
        from applications import services

        dossier = services.create_dossier(author, call, title="Projet d'essai")
        db.session.flush()
        if complete:
            fill_complete(dossier, author)
        return dossier


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def complete_data() -> dict:
    return {
        "title": "Raccrocher par le projet",
        "summary": "Un atelier de remobilisation pour des élèves de seconde en risque de décrochage.",
        "main_axis": 2,
        "other_axes": [1],
        "fields": ["prevention", "intervention"],
        "target_count": 24,
        "target_ages": "15-17 ans",
        "target_levels": "Seconde",
        "target_profile": "Élèves absentéistes repérés par le GPDS.",
        "partners": [{"name": "Mission locale", "kind": "association", "role": "Accompagnement"}],
        "actions": [
            {
                "title": "Atelier théâtre",
                "description": "Chaque semaine",
                "start_date": "2014-11-03",
                "end_date": "2015-06-15",
            }
        ],
        "indicators": [{"name": "Taux d'absentéisme", "baseline": "18 %", "target": "10 %"}],
        "expenses": [
            {"category": "services", "label": "Intervenant", "amount": "6000.00"},
            {"category": "equipment", "label": "Fournitures", "amount": "1234.50"},
        ],
        "resources": [
            {"category": "region", "label": "", "amount": "3000.00"},
            {"category": "state", "label": "", "amount": "3000.00"},
            {"category": "own", "label": "", "amount": "1234.50"},
        ],
    }


def fill_complete(dossier, author: User) -> None:
    """Fill every section and attach the required pieces, as a head would before submitting."""
    from applications import services

    services.update_dossier(author, dossier, complete_data())
    for kind in dossier.call.required_attachment_kinds:
        services.add_attachment(author, dossier, "piece.pdf", PDF_BYTES, kind_id=kind.id)
    db.session.flush()


@pytest.fixture
def factory():
    return Factory()


@pytest.fixture
def race(app, live_database_url):
    """The app's session bound to a database of its own, where commits are real; dropped after."""
    from sqlalchemy import create_engine

    from portal.migrate import upgrade

    upgrade(live_database_url)
    engine = create_engine(
        live_database_url,
        pool_size=helpers.CONNECTIONS,
        max_overflow=0,
        pool_timeout=120,
        pool_pre_ping=True,
    )
    db.session.remove()
    db.session.configure(bind=engine)
    try:
        yield app
    finally:
        db.session.remove()
        db.session.configure(bind=db.engine)
        engine.dispose()
        helpers.drop_database(live_database_url)


@pytest.fixture
def count_queries():
    """`with count_queries() as queries: client.get(url)`, then `queries.count` (the statements
    sent to the database, the test's savepoints aside; see tests.helpers.count_queries)."""
    return helpers.count_queries


@pytest.fixture
def world(factory):
    """A typical cast: an open call, two establishments, their heads and staff, call staff."""

    class World:
        pass

    w = World()
    w.call = factory.call()
    w.est_a = factory.establishment(name="Lycée A")
    w.est_b = factory.establishment(name="Lycée B", department="17")
    w.head_a = factory.user(Role.applicant_head, establishment=w.est_a)
    w.staff_a = factory.user(Role.applicant_staff, establishment=w.est_a)
    w.head_b = factory.user(Role.applicant_head, establishment=w.est_b)
    w.call_admin = factory.user(Role.call_admin, institution=Institution.state)
    w.admin = factory.user(Role.admin)
    w.reviewer = factory.user(Role.reviewer, institution=Institution.region)
    w.observer = factory.user(Role.observer)
    w.coordinator = factory.user(Role.coordinator)
    w.budget = factory.user(Role.budget_officer, institution=Institution.region)
    w.copilot = factory.user(Role.copilot, institution=Institution.state)
    return w


# ------------------------------------------------------------------ S3 endpoint


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on a local port: boto3 talks HTTP to it, nothing is patched."""
    from moto.server import ThreadedMotoServer

    for key, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "eu-west-3",
    }.items():
        os.environ.setdefault(key, value)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_server):
    import uuid

    import boto3

    name = f"aap-test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_server, region_name="eu-west-3").create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
    )
    return s3_server, name


class S3Proxy:
    """A TCP proxy in front of moto's S3 server, switchable by `set(mode)`:
    "pass" forwards both ways; "hang" accepts connections and never answers; "refuse" listens no
    more (connections are refused). Switching cuts the connections of the previous mode (boto3
    keeps them in its pool)."""

    def __init__(self, upstream_port: int) -> None:
        import threading

        self.upstream = ("127.0.0.1", upstream_port)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode = "pass"
        self._lock = threading.Lock()
        self._sockets: list = []
        self._listener = None
        self._listen()

    def _listen(self) -> None:
        import socket
        import threading

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        import socket
        import threading

        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed: "refuse", or stopped
            with self._lock:
                self._sockets.append(conn)
            if self.mode != "pass":
                continue  # "hang": held open, never read, never answered
            upstream = socket.create_connection(self.upstream)
            with self._lock:
                self._sockets.append(upstream)
            for src, dst in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src, dst) -> None:
        import socket

        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _cut(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            sock.close()

    def set(self, mode: str) -> None:
        assert mode in ("pass", "hang", "refuse")
        self._cut()
        if mode == "refuse" and self._listener is not None:
            self._listener.close()
            self._listener = None
        elif mode != "refuse" and self._listener is None:
            self._listen()
        self.mode = mode

    def stop(self) -> None:
        self.set("refuse")
        self._cut()


@pytest.fixture
def s3_proxy(s3_server):
    """S3Proxy in front of the moto server (`.url` is the endpoint to give boto3)."""
    proxy = S3Proxy(int(s3_server.rsplit(":", 1)[1]))
    yield proxy
    proxy.stop()


# ------------------------------------------------------------------ live server + browser


# The live databases are copies of templates built once per test process (a worker): the schema
# (`alembic upgrade head`), and that schema with the demo loaded by `flask --app wsgi demo`, the
# command PortalProcess runs (it then finds the data there). SQLite: a file copied by the backup
# API; PostgreSQL: CREATE DATABASE … TEMPLATE. A served demo also needs the template's files.
LIVE_PASSWORD = "demo-navigateur-2014"
LIVE_SECRET_KEY = "live-test-secret"
_TEMPLATES: dict[str, tuple[str, str]] = {}  # kind → (database URL, instance directory)
_DEMO_INSTANCE: dict[str, str] = {}  # a live demo database's URL → its template's instance


def _admin_connect(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(url).set(drivername="postgresql", database="postgres")
    return psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True)


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(os.environ["TEST_DATABASE_URL"]).set(database=name)
    return url.render_as_string(hide_password=False)


def _pg_name(suffix: str) -> str:
    from sqlalchemy.engine import make_url

    base = make_url(os.environ["TEST_DATABASE_URL"]).database
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{base}_{worker}_{suffix}" if worker else f"{base}_{suffix}"


def _drop_templates() -> None:
    for url, _instance in _TEMPLATES.values():
        if url.startswith("postgresql"):
            helpers.drop_database(url)


def _template(kind: str) -> tuple[str, str]:
    """The template database of `kind` ("schema" or "demo") and its instance directory."""
    if kind in _TEMPLATES:
        return _TEMPLATES[kind]
    import atexit
    import subprocess
    import sys
    import tempfile

    from portal.migrate import upgrade

    root = tempfile.mkdtemp(prefix=f"aap-live-{kind}-")
    instance = os.path.join(root, "instance")
    if os.environ.get("TEST_DATABASE_URL"):
        name = _pg_name(f"tmpl_{kind}")
        with _admin_connect(os.environ["TEST_DATABASE_URL"]) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    else:
        url = f"sqlite:///{os.path.join(root, 'template.db')}"
    if not _TEMPLATES:
        atexit.register(_drop_templates)
    _TEMPLATES[kind] = (url, instance)
    if kind == "schema":
        upgrade(url)
    else:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "demo", "--no-serve"],
            env=dict(
                os.environ,
                DATABASE_URL=url,
                INSTANCE_PATH=instance,
                DEMO_PASSWORD=LIVE_PASSWORD,
                SECRET_KEY=LIVE_SECRET_KEY,
            ),
            cwd=os.path.dirname(os.path.dirname(__file__)),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "Données de démonstration chargées." in done.stdout, done.stdout[-3000:]
    return _TEMPLATES[kind]


def _live_database_url(tmp_path, demo: bool = False) -> str:
    """A database of its own for the served app, migrated (and the demo loaded when `demo`): it
    commits for real."""
    from sqlalchemy.engine import make_url

    template, instance = _template("demo" if demo else "schema")
    if template.startswith("sqlite"):
        import sqlite3

        url = f"sqlite:///{tmp_path / ('live-demo.db' if demo else 'live.db')}"
        source = sqlite3.connect(template.removeprefix("sqlite:///"))
        target = sqlite3.connect(url.removeprefix("sqlite:///"))
        with target:
            source.backup(target)
        source.close()
        target.close()
    else:
        name = _pg_name("live")
        with _admin_connect(template) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            source = make_url(template).database
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        url = _pg_url(name)
    if demo:
        _DEMO_INSTANCE[url] = instance
    else:
        _DEMO_INSTANCE.pop(url, None)
    return url


class PortalProcess:
    """The portal served by `flask --app wsgi demo` in a subprocess (a real host of the app)."""

    def __init__(self, tmp_path, database_url: str, name: str = "live", **env):
        import subprocess
        import sys

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.password = LIVE_PASSWORD
        self.log_path = tmp_path / f"{name}.log"
        if database_url in _DEMO_INSTANCE:  # the demo's files, with its database
            import shutil

            shutil.copytree(
                _DEMO_INSTANCE[database_url], tmp_path / f"instance-{name}", dirs_exist_ok=True
            )
        full_env = dict(
            os.environ,
            DATABASE_URL=database_url,
            INSTANCE_PATH=str(tmp_path / f"instance-{name}"),
            DEMO_PASSWORD=self.password,
            SECRET_KEY=LIVE_SECRET_KEY,
            PUBLIC_URL=self.url,
            **env,
        )
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "demo", "--port", str(self.port)],
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=os.path.dirname(os.path.dirname(__file__)),
        )
        self._wait()

    def _wait(self) -> None:
        import time
        import urllib.request

        deadline = time.monotonic() + 180  # the demo loads first; a busy machine is slow
        while True:
            try:
                urllib.request.urlopen(self.url + "/connexion", timeout=1)
                return
            except OSError as exc:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        "the portal did not start:\n" + self.log_path.read_text()
                    ) from exc
                time.sleep(0.2)

    def stop(self) -> None:
        import subprocess

        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture
def live_database_url(tmp_path):
    """A migrated database of its own (commits for real)."""
    return _live_database_url(tmp_path)


@pytest.fixture
def live_demo_database_url(tmp_path):
    """A database of its own holding the demo (commits for real), for PortalProcess."""
    return _live_database_url(tmp_path, demo=True)


@pytest.fixture
def live_server(tmp_path, live_demo_database_url):
    """One host serving the demo data on its own database (commits for real)."""
    server = PortalProcess(tmp_path, live_demo_database_url)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (no browser download), launched once per test
    process: each test has a browser context of its own (cookies, storage, pages)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A page in a fresh context of the shared Chromium."""
    context = chromium.new_context(accept_downloads=True, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


# Redis db 12 is the page cache tests' own (0: limiter tests, 11: worker tests, 14: bench).
PAGE_CACHE_URL = os.environ.get("TEST_PAGE_CACHE_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def page_cache(app):
    """The page cache on (portal/pagecache.py), against the local Redis; only this test
    database's namespace is flushed, before and after."""
    cache = app.extensions["page_cache"]
    cache.connect(PAGE_CACHE_URL)
    cache.clear()
    yield cache
    cache.connect(PAGE_CACHE_URL)  # a test may have pointed it elsewhere
    cache.clear()
    cache.connect(None)
