"""Attachments over HTTP: upload, refusals in French, download, removal."""

import html
import io

import pytest
from sqlalchemy import func, select

from applications.models import Attachment
from portal.db import db

from ..conftest import PDF_BYTES, login

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def count_attachments() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Attachment))


def upload(client, dossier, content: bytes, filename: str, kind_id=None):
    """Post a file; its type defaults to the call's last (optional) kind of piece."""
    if kind_id is None:
        kind_id = dossier.call.attachment_kinds[-1].id
    return client.post(
        f"/dossiers/{dossier.id}/pieces",
        content_type="multipart/form-data",
        data={"kind_id": str(kind_id), "file": (io.BytesIO(content), filename)},
    )


@pytest.fixture
def draft(world, factory):
    return factory.dossier(world.call, world.staff_a)


def test_upload_then_download_with_the_stored_type(client, world, draft):
    login(client, world.staff_a)
    kind = world.call.required_attachment_kinds[0]
    response = upload(client, draft, PDF_BYTES, "budget.pdf", kind.id)
    assert response.status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.kind_id == kind.id and attachment.content_type == "application/pdf"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "budget.pdf" in page and "a été joint au dossier" in page
    response = client.get(f"/dossiers/{draft.id}/pieces/{attachment.id}")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "budget.pdf" in response.headers["Content-Disposition"]


def test_an_executable_named_pdf_is_refused(client, world, draft):
    login(client, world.staff_a)
    response = upload(client, draft, EXE, "budget.pdf")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "n&#39;est pas d&#39;un format accepté" in page
    assert 'aria-describedby="file-error"' in page and "fr-upload-group--error" in page
    assert count_attachments() == 0


def test_content_not_matching_the_extension_is_refused(client, world, draft):
    login(client, world.staff_a)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = upload(client, draft, png, "budget.pdf")
    assert response.status_code == 400
    assert "ne correspond pas à son extension" in response.get_data(as_text=True)
    assert count_attachments() == 0


def test_an_empty_file_is_refused(client, world, draft):
    login(client, world.staff_a)
    response = upload(client, draft, b"", "vide.pdf")
    assert response.status_code == 400
    assert "Le fichier « vide.pdf » est vide." in response.get_data(as_text=True)
    assert count_attachments() == 0


def test_no_file_chosen(client, world, draft):
    login(client, world.staff_a)
    response = client.post(f"/dossiers/{draft.id}/pieces", data={"kind_id": ""})
    assert response.status_code == 400
    assert "Choisissez un fichier à joindre." in response.get_data(as_text=True)


def test_an_oversized_file_is_refused(client, app, world, draft, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1024 * 1024)
    login(client, world.staff_a)
    big = PDF_BYTES + b"0" * (1024 * 1024)
    response = upload(client, draft, big, "gros.pdf")
    assert response.status_code == 400
    assert "dépasse la taille maximale de 1 Mo" in response.get_data(as_text=True)
    assert count_attachments() == 0


def test_a_request_body_above_the_limit_gets_the_413_page(client, app, world, draft, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    login(client, world.staff_a)
    response = upload(client, draft, PDF_BYTES + b"0" * 8192, "gros.pdf")
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.get_data(as_text=True)
    assert count_attachments() == 0


def test_a_kind_of_another_call_is_refused(client, world, factory, draft):
    other_call = factory.call()
    login(client, world.staff_a)
    response = upload(client, draft, PDF_BYTES, "a.pdf", other_call.attachment_kinds[0].id)
    assert response.status_code == 400
    assert "Choisissez le type de pièce parmi ceux que demande l&#39;appel." in response.get_data(
        as_text=True
    )
    assert count_attachments() == 0


def test_remove_an_attachment(client, world, draft):
    login(client, world.staff_a)
    upload(client, draft, PDF_BYTES, "a.pdf")
    attachment = db.session.scalars(select(Attachment)).one()
    response = client.post(f"/dossiers/{draft.id}/pieces/{attachment.id}/supprimer")
    assert response.status_code == 302
    assert count_attachments() == 0


def test_an_attachment_is_reached_only_through_its_own_dossier(client, world, factory, draft):
    """Another dossier of the same establishment in the URL: 404, even for a member."""
    login(client, world.staff_a)
    upload(client, draft, PDF_BYTES, "a.pdf")
    attachment = db.session.scalars(select(Attachment)).one()
    other = factory.dossier(world.call, world.staff_a)
    assert client.get(f"/dossiers/{other.id}/pieces/{attachment.id}").status_code == 404
    assert client.post(f"/dossiers/{other.id}/pieces/{attachment.id}/supprimer").status_code == 404
    assert count_attachments() == 1


def test_unknown_attachment_kind_is_a_french_error(client, world, factory):
    from ..conftest import PDF_BYTES as _PDF
    from ..conftest import login as _login

    dossier = factory.dossier(world.call, world.head_a)
    _login(client, world.head_a)
    response = client.post(
        f"/dossiers/{dossier.id}/pieces",
        data={"kind_id": "abc", "file": (io.BytesIO(_PDF), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (400, 422)
    assert dossier.attachments == []


def test_absurd_ids_are_not_found(client, world):
    from ..conftest import login as _login

    _login(client, world.head_a)
    assert client.get("/dossiers/99999999999999999999").status_code == 404


def test_a_file_without_its_type_is_refused_and_says_what_remains(client, world, draft):
    login(client, world.staff_a)
    response = upload(client, draft, PDF_BYTES, "budget.pdf", kind_id="")
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    assert "Choisissez le type de pièce de ce fichier." in body
    assert "Pièces obligatoires encore à joindre : Budget prévisionnel détaillé" in body
    assert 'id="kind_id-error"' in body
    assert count_attachments() == 0
    # a bad file without type: both problems, each on its field
    response = upload(client, draft, b"not a pdf", "x.pdf", kind_id="")
    body = html.unescape(response.get_data(as_text=True))
    assert 'id="kind_id-error"' in body and 'id="file-error"' in body


def test_each_upload_says_which_required_pieces_remain(client, world, draft):
    login(client, world.staff_a)
    optional = world.call.attachment_kinds[-1]
    (required,) = world.call.required_attachment_kinds
    response = upload(client, draft, PDF_BYTES, "autre.pdf", kind_id=optional.id)
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"Pièces obligatoires encore à joindre : {required.label}." in page
    response = upload(client, draft, PDF_BYTES, "budget.pdf", kind_id=required.id)
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Toutes les pièces obligatoires sont jointes." in page
