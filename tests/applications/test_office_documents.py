"""A whole dossier as one PDF (from its frozen snapshot) and its attachments as one ZIP."""

from __future__ import annotations

import io
import zipfile

import pytest

from applications import services
from applications.documents import safe_name, zip_chunks

from ..conftest import PDF_BYTES, login
from .helpers_office import submitted


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_dossier_as_one_pdf(client, world, factory):
    dossier = submitted(world, factory, title="Théâtre forum")
    dossier.title = "Modifié après dépôt"  # the PDF shows what was submitted
    login(client, world.call_admin)
    response = client.get(f"/dossiers/{dossier.id}/dossier.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="dossier-{dossier.reference}.pdf"'
    )
    text = _pdf_text(response.data)
    assert "Théâtre forum" in text and "Modifié après dépôt" not in text
    assert dossier.reference in text and "Mission locale" in text  # partners
    assert "Atelier théâtre" in text and "Taux d'absentéisme" in text  # actions, indicators
    assert "Total des dépenses" in text and "Demandé à la Région" in text  # budget
    assert "piece.pdf" in text  # attachments listed
    assert dossier.latest_submission.snapshot_sha256[:16] in text.replace("\n", "")


def test_a_draft_has_no_full_pdf(client, world, factory):
    draft = factory.dossier(world.call, world.head_a)
    login(client, world.head_a)
    response = client.get(f"/dossiers/{draft.id}/dossier.pdf")
    assert response.status_code == 409
    assert "pas encore été déposé" in response.get_data(as_text=True)


def test_the_attachments_as_one_zip(client, world, factory):
    dossier = submitted(world, factory)
    head = dossier.head
    services.request_completion(world.call_admin, dossier, "Ajoutez une pièce.")
    services.add_attachment(head, dossier, "../../etc/passwd.pdf", PDF_BYTES)
    services.add_attachment(head, dossier, "piece.pdf", PDF_BYTES + b"%2")
    login(client, world.call_admin)
    response = client.get(f"/dossiers/{dossier.id}/pieces.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f"pieces-{dossier.reference}.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert names == ["01-piece.pdf", "02-passwd.pdf", "03-piece.pdf"]
    assert archive.read("01-piece.pdf") == PDF_BYTES
    assert archive.read("03-piece.pdf") == PDF_BYTES + b"%2"
    assert archive.testzip() is None


def test_a_dossier_without_attachments_has_no_zip(client, world, factory):
    dossier = factory.dossier(world.call, world.head_a)
    login(client, world.head_a)
    response = client.get(f"/dossiers/{dossier.id}/pieces.zip")
    assert response.status_code == 409
    assert "aucune pièce jointe" in response.get_data(as_text=True)


def test_another_establishment_gets_neither(client, world, factory):
    dossier = submitted(world, factory)
    login(client, world.head_b)
    assert client.get(f"/dossiers/{dossier.id}/dossier.pdf").status_code == 404
    assert client.get(f"/dossiers/{dossier.id}/pieces.zip").status_code == 404


@pytest.mark.parametrize(
    "filename,expected",
    [
        ("../../etc/passwd", "01-passwd"),
        ("..\\..\\windows\\system.ini", "01-system.ini"),
        ("/absolu.pdf", "01-absolu.pdf"),
        ("..", "01-piece"),
        (".cache", "01-cache"),
        ('a<b>c:"d|e?f*.pdf', "01-a_b_c__d_e_f_.pdf"),
        ("tab\tnul\x00.pdf", "01-tab_nul_.pdf"),
        ("", "01-piece"),
        ("x" * 300 + ".pdf", "01-" + ("x" * 300 + ".pdf")[-150:]),
    ],
)
def test_safe_names_in_the_archive(filename, expected):
    assert safe_name(filename, 1) == expected


def test_the_archive_is_written_as_it_is_read():
    pieces = [("a.txt", iter([b"a" * 10, b"b" * 10])), ("b.txt", iter([b"c"]))]
    chunks = list(zip_chunks(pieces))
    assert len(chunks) > 2  # streamed, not one blob
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.read("a.txt") == b"a" * 10 + b"b" * 10 and archive.read("b.txt") == b"c"
