"""A slow or absent object store (issue 9, availability): a real S3 endpoint (moto's server) behind
a TCP proxy switched to "hang" (accepts, never answers) or "refuse" (not listening).

Every upload and download then answers within a few seconds (timeouts and attempts from the
configuration, short here) with the French page or JSON error (503), nothing is left in the
database, and other pages keep answering meanwhile.
"""

from __future__ import annotations

import html
import io
import threading
import time

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from applications import services as dossiers
from applications.models import Attachment
from funding.models import ReportAttachment
from portal.config import load_config
from portal.db import db
from portal.models import AuditEvent
from portal.storage import UNAVAILABLE_MESSAGE, S3Store, make_store

from ..api.helpers import bearer, cli_token
from ..conftest import PDF_BYTES, login
from ..funding.conftest import money_world  # noqa: F401  (the funding fixtures)
from .test_storage_orphans import listed

MESSAGE = (
    "Le stockage des documents ne répond pas, réessayez dans quelques minutes ; rien n'a "
    "été enregistré."
)
ANSWER_WITHIN = 6.0  # seconds: 2 attempts × (0.5 s connect + 1 s read), plus backoff and margin


def test_the_message_is_the_issues_own():
    assert UNAVAILABLE_MESSAGE == MESSAGE


def test_timeouts_and_attempts_come_from_the_configuration(monkeypatch):
    defaults = load_config()
    assert (
        defaults["S3_CONNECT_TIMEOUT"],
        defaults["S3_READ_TIMEOUT"],
        defaults["S3_MAX_ATTEMPTS"],
    ) == (2, 10, 2)
    monkeypatch.setenv("S3_CONNECT_TIMEOUT", "0.5")
    monkeypatch.setenv("S3_READ_TIMEOUT", "3")
    monkeypatch.setenv("S3_MAX_ATTEMPTS", "4")
    config = dict(load_config(), S3_BUCKET="aap", S3_ENDPOINT_URL="http://127.0.0.1:9")
    store = make_store(config)
    assert isinstance(store, S3Store)
    client_config = store.client.meta.config
    assert client_config.connect_timeout == 0.5 and client_config.read_timeout == 3
    assert client_config.retries == {"total_max_attempts": 4, "mode": "standard"}


def test_gunicorn_outlasts_a_hung_store(monkeypatch, caplog):
    """gunicorn's worker timeout and graceful timeout exceed the longest S3 call (defaults)."""
    import importlib.util
    import logging
    from pathlib import Path

    for name in (
        "S3_CONNECT_TIMEOUT",
        "S3_READ_TIMEOUT",
        "S3_MAX_ATTEMPTS",
        "GUNICORN_TIMEOUT",
        "GUNICORN_GRACEFUL_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    path = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    defaults = load_config()
    worst = defaults["S3_MAX_ATTEMPTS"] * (
        defaults["S3_CONNECT_TIMEOUT"] + defaults["S3_READ_TIMEOUT"]
    )
    assert conf._s3_worst_case() == worst == 24
    assert worst < conf.timeout and worst < conf.graceful_timeout

    class Server:
        class cfg:
            workers = 1

        log = logging.getLogger("gunicorn.error")

    monkeypatch.setenv("S3_BUCKET", "aap")
    monkeypatch.setenv("S3_READ_TIMEOUT", "20")
    conf.on_starting(Server)
    assert any("S3 calls may take 44 s" in r.getMessage() for r in caplog.records)


@pytest.fixture
def proxied(app, monkeypatch, s3_bucket, s3_proxy):
    """The app's store: S3 through the proxy, with short timeouts from the configuration."""
    _, bucket = s3_bucket
    monkeypatch.setitem(app.config, "S3_BUCKET", bucket)
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_proxy.url)
    monkeypatch.setitem(app.config, "S3_CONNECT_TIMEOUT", 0.5)
    monkeypatch.setitem(app.config, "S3_READ_TIMEOUT", 1)
    monkeypatch.setitem(app.config, "S3_MAX_ATTEMPTS", 2)
    store = make_store(app.config)
    monkeypatch.setitem(app.extensions, "document_store", store)
    s3_proxy.store = store
    return s3_proxy


def _counts() -> tuple:
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Attachment, ReportAttachment, AuditEvent)
    )


def _timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def _other_page_times(app, during) -> list[float]:
    """Run `during` (the stuck request) while another visitor loads /connexion in a thread;
    returns how long each of their page loads took."""
    times: list[float] = []
    stop = threading.Event()

    def visitor():
        with app.app_context():
            other = FlaskClient(app, app.response_class)
            while not stop.is_set():
                start = time.monotonic()
                assert other.get("/connexion").status_code == 200
                times.append(time.monotonic() - start)
                time.sleep(0.2)

    thread = threading.Thread(target=visitor)
    thread.start()
    try:
        during()
    finally:
        stop.set()
        thread.join(10)
    return times


def _assert_french_page(response, elapsed):
    assert elapsed < ANSWER_WITHIN, f"answered after {elapsed:.1f} s"
    assert response.status_code == 503
    page = html.unescape(response.get_data(as_text=True))
    assert MESSAGE in page and "Stockage indisponible" in page


def _assert_json(response, elapsed):
    assert elapsed < ANSWER_WITHIN, f"answered after {elapsed:.1f} s"
    assert response.status_code == 503
    assert response.get_json() == {"error": MESSAGE}


def _upload_page(client, dossier):
    return client.post(
        f"/dossiers/{dossier.id}/pieces",
        content_type="multipart/form-data",
        data={
            "kind_id": str(dossier.call.attachment_kinds[-1].id),  # the type is required
            "file": (io.BytesIO(PDF_BYTES), "budget.pdf"),
        },
    )


@pytest.fixture
def draft(world, factory):
    dossier = factory.dossier(world.call, world.head_a)
    db.session.commit()
    return dossier


def test_hung_store_upload_answers_quickly_and_others_keep_being_served(
    app, client, proxied, world, draft
):
    login(client, world.head_a)
    before = _counts()
    proxied.set("hang")
    result = {}

    def upload():
        result["response"], result["elapsed"] = _timed(lambda: _upload_page(client, draft))

    times = _other_page_times(app, upload)
    _assert_french_page(result["response"], result["elapsed"])
    assert _counts() == before  # no attachment row, no audit event
    assert times and max(times) < 1.0, times  # the login page kept answering meanwhile
    proxied.set("pass")
    assert listed(proxied.store) == []


def test_hung_store_download_answers_quickly(client, proxied, world, draft):
    attachment = dossiers.add_attachment(world.head_a, draft, "budget.pdf", PDF_BYTES)
    db.session.commit()
    login(client, world.head_a)
    url = f"/dossiers/{draft.id}/pieces/{attachment.id}"
    assert client.get(url).data == PDF_BYTES
    proxied.set("hang")
    response, elapsed = _timed(lambda: client.get(url))
    _assert_french_page(response, elapsed)
    proxied.set("pass")
    assert client.get(url).data == PDF_BYTES


@pytest.mark.parametrize("mode", ["hang", "refuse"])
def test_api_upload_and_download_answer_the_json_error(client, proxied, world, draft, mode):
    token = cli_token(world.head_a)
    kept = dossiers.add_attachment(world.head_a, draft, "budget.pdf", PDF_BYTES)
    db.session.commit()
    before = _counts()
    proxied.set(mode)
    base = f"/api/v1/dossiers/{draft.id}/attachments"
    response, elapsed = _timed(
        lambda: client.post(
            base,
            headers=bearer(token),
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(PDF_BYTES), "autre.pdf")},
        )
    )
    _assert_json(response, elapsed)
    assert _counts() == before
    response, elapsed = _timed(lambda: client.get(f"{base}/{kept.id}", headers=bearer(token)))
    _assert_json(response, elapsed)
    proxied.set("pass")
    assert listed(proxied.store) == [kept.storage_key]


def test_refused_connections_get_the_french_page_not_a_500(client, proxied, world, draft):
    kept = dossiers.add_attachment(world.head_a, draft, "budget.pdf", PDF_BYTES)
    db.session.commit()
    login(client, world.head_a)
    before = _counts()
    proxied.set("refuse")
    response, elapsed = _timed(lambda: _upload_page(client, draft))
    _assert_french_page(response, elapsed)
    assert _counts() == before
    response, elapsed = _timed(lambda: client.get(f"/dossiers/{draft.id}/pieces/{kept.id}"))
    _assert_french_page(response, elapsed)


# ---------------------------------------------------------------- funding's uploads and downloads


@pytest.fixture
def signed(money_world):
    """Lycée A's accepted dossier with its agreement generated, nothing uploaded yet."""
    import datetime as dt

    from funding.services import agreements, today

    dossier = money_world.accepted("1000.00", "2000.00").dossier
    agreements.generate(money_world.budget_region, dossier, today() + dt.timedelta(days=200))
    db.session.commit()
    return dossier


@pytest.mark.parametrize("mode", ["hang", "refuse"])
def test_signed_agreement_and_report_documents(client, proxied, money_world, signed, mode):
    from funding.models import GrantAgreement
    from funding.services import agreements, reports, today

    o = money_world
    login(client, o.head_a)
    base = f"/financement/dossiers/{signed.id}"
    proxied.set(mode)
    response, elapsed = _timed(
        lambda: client.post(
            f"{base}/convention-signee",
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(PDF_BYTES), "convention-signee.pdf")},
        )
    )
    _assert_french_page(response, elapsed)
    db.session.expire_all()
    assert db.session.scalars(select(GrantAgreement)).one().signed_key is None

    proxied.set("pass")
    agreements.upload_signed(o.head_a, signed, "signee.pdf", PDF_BYTES)
    agreements.record_signature(o.budget_region, signed, today())
    document = reports.add_attachment(o.head_a, signed, "facture.pdf", PDF_BYTES)
    db.session.commit()
    before = _counts()
    proxied.set(mode)
    response, elapsed = _timed(
        lambda: client.post(
            f"{base}/bilan/pieces",
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(PDF_BYTES), "emargement.pdf")},
        )
    )
    _assert_french_page(response, elapsed)
    assert _counts() == before
    for url in (f"{base}/convention-signee", f"{base}/bilan/pieces/{document.id}"):
        response, elapsed = _timed(lambda: client.get(url))
        _assert_french_page(response, elapsed)
