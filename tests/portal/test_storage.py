"""DocumentStore: the local folder and a real S3 endpoint over HTTP (moto's server, via boto3)."""

import hashlib

import pytest
from sqlalchemy import func, select

from applications import services
from applications.models import Attachment
from portal.db import db
from portal.errors import ServiceError
from portal.storage import LocalStore, S3Store

from ..conftest import PDF_BYTES


@pytest.fixture(params=["local", "s3"])
def store(request, app, tmp_path, monkeypatch):
    """Each test below runs once against each store, installed as the app's store."""
    if request.param == "local":
        chosen = LocalStore(tmp_path / "uploads")
    else:
        endpoint, bucket = request.getfixturevalue("s3_bucket")
        chosen = S3Store(bucket, endpoint_url=endpoint, region="eu-west-3")
    monkeypatch.setitem(app.extensions, "document_store", chosen)
    return chosen


def test_round_trip(store):
    store.put("dossiers/1/abc", b"hello", "application/pdf")
    assert store.get("dossiers/1/abc") == b"hello"
    store.delete("dossiers/1/abc")
    with pytest.raises(Exception):
        store.get("dossiers/1/abc")


def test_attachment_goes_through_the_store(store, world, factory):
    dossier = factory.dossier(world.call, world.head_a)
    att = services.add_attachment(world.head_a, dossier, "budget.pdf", PDF_BYTES)
    assert att.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert store.get(att.storage_key) == PDF_BYTES
    assert b"".join(services.read_attachment(world.head_a, att)) == PDF_BYTES  # streamed


def test_refused_upload_stores_nothing(store, world, factory):
    dossier = factory.dossier(world.call, world.head_a)
    with pytest.raises(ServiceError, match="ne correspond pas à son extension|format accepté"):
        services.add_attachment(world.head_a, dossier, "virus.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_s3_objects_really_live_in_the_bucket(s3_bucket, app, monkeypatch, world, factory):
    import boto3

    endpoint, bucket = s3_bucket
    monkeypatch.setitem(
        app.extensions, "document_store", S3Store(bucket, endpoint_url=endpoint, region="eu-west-3")
    )
    dossier = factory.dossier(world.call, world.head_a)
    att = services.add_attachment(world.head_a, dossier, "budget.pdf", PDF_BYTES)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-3")
    head = client.head_object(Bucket=bucket, Key=att.storage_key)
    assert head["ContentLength"] == len(PDF_BYTES)
    assert head["ContentType"] == "application/pdf"
