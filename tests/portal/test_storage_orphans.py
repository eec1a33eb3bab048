"""No orphans (issue 9, input at the boundary): bytes reach the store only once the database has
accepted the row, and are deleted again when the transaction is rolled back. Every upload path
(dossier attachments on the page and the API, the signed agreement, the final report's
documents), on both stores, on SQLite and PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from applications import services as dossiers
from applications.models import Attachment
from funding.models import GrantAgreement, ReportAttachment
from portal import audit
from portal.db import db
from portal.storage import LocalStore, S3Store

from ..api.helpers import bearer, cli_token
from ..conftest import PDF_BYTES, login
from ..funding.conftest import money_world  # noqa: F401  (the funding fixtures)


@pytest.fixture(params=["local", "s3"])
def store(request, app, tmp_path, monkeypatch):
    """An empty store of each kind, installed as the app's: what it lists is what was left."""
    if request.param == "local":
        chosen = LocalStore(tmp_path / "uploads")
    else:
        endpoint, bucket = request.getfixturevalue("s3_bucket")
        chosen = S3Store(bucket, endpoint_url=endpoint, region="eu-west-3")
    monkeypatch.setitem(app.extensions, "document_store", chosen)
    return chosen


def listed(store) -> list[str]:
    """What the folder or the bucket holds, listed directly (not through the store's code)."""
    if isinstance(store, LocalStore):
        root = store.root
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    pages = store.client.get_paginator("list_objects_v2").paginate(Bucket=store.bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def referenced_keys() -> set[str]:
    db.session.expire_all()
    return (
        {a.storage_key for a in db.session.scalars(select(Attachment))}
        | {a.storage_key for a in db.session.scalars(select(ReportAttachment))}
        | {a.signed_key for a in db.session.scalars(select(GrantAgreement)) if a.signed_key}
    )


def assert_no_orphan(store) -> None:
    assert set(listed(store)) <= referenced_keys()


class Refused:
    """The database refuses the next row of `model` (an IntegrityError at its flush)."""

    def __init__(self, model, on="before_insert"):
        self.model, self.on = model, on

    def _raise(self, *_):
        raise IntegrityError("INSERT (forced by the test)", {}, Exception("refused"))

    def __enter__(self):
        event.listen(self.model, self.on, self._raise)

    def __exit__(self, *exc):
        event.remove(self.model, self.on, self._raise)


@pytest.fixture
def draft(world, factory):
    dossier = factory.dossier(world.call, world.head_a)
    db.session.commit()
    return dossier


@pytest.fixture
def generated(money_world):
    from funding.services import agreements, today

    dossier = money_world.accepted("1000.00", "2000.00").dossier
    agreements.generate(money_world.budget_region, dossier, today() + dt.timedelta(days=200))
    db.session.commit()
    return dossier


@pytest.fixture
def funded(money_world, generated):
    from funding.services import agreements, today

    agreements.upload_signed(money_world.head_a, generated, "signee.pdf", PDF_BYTES)
    agreements.record_signature(money_world.budget_region, generated, today())
    db.session.commit()
    return generated


def _post_file(client, url, filename="piece.pdf", fields=None, **headers):
    return client.post(
        url,
        content_type="multipart/form-data",
        headers=headers,
        data={**(fields or {}), "file": (io.BytesIO(PDF_BYTES), filename)},
    )


def _piece_type(dossier) -> dict:
    """The form field a dossier attachment needs (its type is required)."""
    return {"kind_id": str(dossier.call.attachment_kinds[-1].id)}


def _failing_request(post):
    """A request whose database write fails: in production the 500 handler rolls the
    transaction back; under TESTING the exception reaches the test, which does the same."""
    with pytest.raises(IntegrityError):
        post()
    db.session.rollback()


# ---------------------------------------------------------------- the row refused at its flush


def test_dossier_attachment_refused_by_the_database(store, world, draft):
    with Refused(Attachment), pytest.raises(IntegrityError):
        dossiers.add_attachment(world.head_a, draft, "budget.pdf", PDF_BYTES)
    assert listed(store) == []  # nothing written: the row was refused before any byte
    db.session.rollback()
    assert listed(store) == []


def test_dossier_attachment_page_and_api(store, client, world, draft):
    login(client, world.head_a)
    with Refused(Attachment):
        kind = _piece_type(draft)
        _failing_request(lambda: _post_file(client, f"/dossiers/{draft.id}/pieces", fields=kind))
    assert listed(store) == []
    token = cli_token(world.head_a)
    db.session.commit()
    with Refused(Attachment):
        _failing_request(
            lambda: _post_file(
                client,
                f"/api/v1/dossiers/{draft.id}/attachments",
                fields=kind,
                **bearer(token),
            )
        )
    assert listed(store) == []


def test_signed_agreement(store, client, money_world, generated):
    login(client, money_world.head_a)
    kept = set(listed(store))  # the dossier's own pieces
    with Refused(GrantAgreement, "before_update"):
        _failing_request(
            lambda: _post_file(
                client, f"/financement/dossiers/{generated.id}/convention-signee", "signee.pdf"
            )
        )
    assert set(listed(store)) == kept
    assert db.session.scalars(select(GrantAgreement)).one().signed_key is None
    assert_no_orphan(store)


def test_report_document(store, client, money_world, funded):
    login(client, money_world.head_a)
    kept = set(listed(store))  # the signed agreement, the dossier's pieces
    with Refused(ReportAttachment):
        _failing_request(
            lambda: _post_file(
                client, f"/financement/dossiers/{funded.id}/bilan/pieces", "facture.pdf"
            )
        )
    assert set(listed(store)) == kept
    assert_no_orphan(store)


# ---------------------------------------------------------------- a failure after the write


def test_bytes_written_then_rolled_back_are_deleted(
    store, client, money_world, generated, monkeypatch
):
    o = money_world
    login(client, o.head_a)
    draft = o.factory.dossier(o.call, o.head_a)
    db.session.commit()
    kept = set(listed(store))

    def audit_fails(*args, **kwargs):  # the audit event, written after the bytes, fails
        raise IntegrityError("INSERT INTO audit_event (forced by the test)", {}, Exception("x"))

    monkeypatch.setattr(audit, "record", audit_fails)
    for url in (
        f"/dossiers/{draft.id}/pieces",
        f"/financement/dossiers/{generated.id}/convention-signee",
    ):
        kind = _piece_type(draft) if "/pieces" in url else {}
        _failing_request(lambda: _post_file(client, url, fields=kind))  # noqa: B023
        assert set(listed(store)) == kept, url
    assert_no_orphan(store)


def test_a_committed_upload_stays(store, client, world, draft):
    login(client, world.head_a)
    kind = _piece_type(draft)
    response = _post_file(client, f"/dossiers/{draft.id}/pieces", fields=kind)
    assert response.status_code == 302
    (attachment,) = db.session.scalars(select(Attachment)).all()
    assert listed(store) == [attachment.storage_key]
    assert client.get(f"/dossiers/{draft.id}/pieces/{attachment.id}").data == PDF_BYTES


# ---------------------------------------------------------------- a NUL in the file name


def test_nul_in_a_filename_leaves_no_orphan(store, client, money_world, funded):
    """On PostgreSQL a NUL cannot be stored: the upload must fail before writing (or the input
    rule refuses or strips it). On SQLite it may be stored. Either way, no orphan."""
    o = money_world
    login(client, o.head_a)
    from funding.services import agreements, today

    draft = o.factory.dossier(o.call, o.head_a)
    other = o.accepted("500.00", "500.00").dossier
    agreements.generate(o.budget_region, other, today() + dt.timedelta(days=200))
    db.session.commit()
    for url in (
        f"/dossiers/{draft.id}/pieces",
        f"/financement/dossiers/{funded.id}/bilan/pieces",
        f"/financement/dossiers/{other.id}/convention-signee",
    ):
        kind = _piece_type(draft) if "/pieces" in url else {}
        try:
            response = _post_file(client, url, "bud\x00get.pdf", fields=kind)
        except Exception:  # noqa: BLE001 - the database refused the NUL: a 500 in production
            db.session.rollback()
        else:
            assert response.status_code in (302, 400), url
        assert_no_orphan(store)


def test_a_stored_name_with_control_characters_still_downloads(store, client, world, draft):
    """A name stored with control characters before names were cleaned still downloads, under a
    clean name. SQLite kept even a NUL; PostgreSQL cannot store one, so there the name carries the
    other control characters it does keep."""
    control = "\x00" if db.engine.dialect.name == "sqlite" else "\x01"
    attachment = dossiers.add_attachment(world.head_a, draft, "budget.pdf", PDF_BYTES)
    attachment.filename = f"bud{control}get\r\n.pdf"
    db.session.commit()
    login(client, world.head_a)
    response = client.get(f"/dossiers/{draft.id}/pieces/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF_BYTES
    assert "filename=budget.pdf" in response.headers["Content-Disposition"]
