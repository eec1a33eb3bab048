"""Internal notes (call office, co-pilots, assigned reviewers — never the establishment) and the
API of the thread and of the notes: shapes, refusals (400, nothing saved), confidentiality."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from applications import services as dossiers
from applications.models import Message
from portal.auth.services import issue_api_token
from portal.db import db
from portal.errors import NotFound, PermissionDenied, ServiceError
from review.models import InternalNote
from review.services import conflicts, notes

from ..conftest import login
from ..review.helpers import setup_matrix_objects

SECRET = "Partenariat douteux, à vérifier auprès du CIO"


def _bearer(user) -> dict:
    return {"Authorization": f"Bearer {issue_api_token(user)}"}


def _notes_count() -> int:
    return db.session.scalar(select(func.count()).select_from(InternalNote))


@pytest.fixture
def assigned(w):
    """o.submitted screened eligible and assigned to w.reviewer (tests/review/helpers.py)."""
    return setup_matrix_objects(w)


# ---------------------------------------------------------------- notes


def test_call_office_and_assigned_reviewer_write_and_read_notes(w, assigned):
    notes.add_note(w.call_admin, w.submitted, SECRET)
    notes.add_note(w.reviewer, w.submitted, "Vu l'an dernier.")
    assert [n.body for n in notes.notes_of(w.reviewer, w.submitted)] == [
        SECRET,
        "Vu l'an dernier.",
    ]
    for outsider in (w.head_a, w.staff_a, w.head_b, w.budget, w.observer, w.admin, w.copilot):
        with pytest.raises((NotFound, PermissionDenied)):
            notes.notes_of(outsider, w.submitted)
        with pytest.raises((NotFound, PermissionDenied)):
            notes.add_note(outsider, w.submitted, "Intrus")
    assert _notes_count() == 2


def test_the_call_s_designated_co_pilot_reads_and_writes_notes(w, assigned):
    """A commission member is not told the notes; once designated co-pilot of the call, is."""
    from review.services import members

    notes.add_note(w.call_admin, w.submitted, SECRET)
    with pytest.raises((NotFound, PermissionDenied)):
        notes.notes_of(w.copilot, w.submitted)
    members.designate_copilot(w.call_admin, w.call, assigned.m_state.id)
    db.session.flush()
    notes.add_note(w.copilot, w.submitted, "Vu en comité de pilotage.")
    assert [n.body for n in notes.notes_of(w.copilot, w.submitted)] == [
        SECRET,
        "Vu en comité de pilotage.",
    ]
    assert _notes_count() == 2


def test_a_reviewer_who_declares_a_conflict_loses_the_notes(w, assigned):
    notes.add_note(w.call_admin, w.submitted, SECRET)
    conflicts.declare_conflict(w.reviewer, w.submitted, "personal", "Lien familial.")
    with pytest.raises((NotFound, PermissionDenied)):
        notes.notes_of(w.reviewer, w.submitted)


@pytest.mark.parametrize(
    "body,message", [("", "une note vide"), ("  ", "une note vide"), ("x" * 5001, "5 000")]
)
def test_a_refused_note_saves_nothing(w, body, message):
    with pytest.raises(ServiceError) as exc:
        notes.add_note(w.call_admin, w.submitted, body)
    assert message in exc.value.errors["body"]
    assert _notes_count() == 0


def test_note_form_on_the_dossier_page(client, w):
    login(client, w.call_admin)
    response = client.post(f"/instruction/dossiers/{w.submitted.id}/notes", data={"body": ""})
    assert response.status_code == 400
    assert 'aria-describedby="body-error"' in response.text
    assert _notes_count() == 0
    response = client.post(f"/instruction/dossiers/{w.submitted.id}/notes", data={"body": SECRET})
    assert response.status_code == 302
    page = client.get(f"/dossiers/{w.submitted.id}").text
    assert SECRET in page and "Notes internes" in page


def test_an_applicant_sees_no_note_anywhere(client, w, assigned):
    """Pages, lists, the thread, the history, the receipt and the API of the establishment."""
    notes.add_note(w.call_admin, w.submitted, SECRET)
    dossiers.post_message(w.call_admin, w.submitted, "Un message visible.")
    db.session.flush()
    d = w.submitted.id
    for applicant in (w.head_a, w.staff_a):
        login(client, applicant)
        for url in (
            "/",
            "/dossiers/",
            "/dossiers/deposes",
            "/dossiers/messages",
            f"/dossiers/{d}",
            f"/dossiers/{d}/messages",
            f"/dossiers/{d}/historique",
            f"/dossiers/{d}/recepisse/1",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert SECRET.encode() not in response.data, url
            assert b"Notes internes" not in response.data, url
            assert b"Note interne" not in response.data, url
        # the exports the establishment may take: the list as CSV and XLSX, the whole dossier
        for url in ("/dossiers/deposes/export.csv", f"/dossiers/{d}/dossier.pdf"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert w.submitted.reference in _text(response), url
            assert SECRET not in _text(response) and "Note interne" not in _text(response), url
        xlsx = client.get("/dossiers/deposes/export.xlsx")
        assert xlsx.status_code == 200 and w.submitted.reference in _text(xlsx)
        assert SECRET not in _text(xlsx)
        headers = _bearer(applicant)
        for url in (
            "/api/v1/dossiers",
            f"/api/v1/dossiers/{d}",
            f"/api/v1/dossiers/{d}/messages",
            f"/api/v1/dossiers/{d}/receipt",
        ):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, url
            assert SECRET.encode() not in response.data, url
        assert client.get(f"/api/v1/dossiers/{d}/notes", headers=headers).status_code == 404
        response = client.post(f"/api/v1/dossiers/{d}/notes", headers=headers, json={"body": "x"})
        assert response.status_code == 404
    assert _notes_count() == 1


def _text(response) -> str:
    """A response's text: the PDF's extracted text, the XLSX's cells, or the body."""
    import io

    if response.mimetype == "application/pdf":
        from pypdf import PdfReader

        return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    if response.data[:2] == b"PK":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.data)).active
        return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row)
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- API


def test_api_notes_list_and_post(client, w, assigned):
    headers = _bearer(w.reviewer)
    response = client.post(
        f"/api/v1/dossiers/{w.submitted.id}/notes", headers=headers, json={"body": SECRET}
    )
    assert response.status_code == 201, response.json
    assert response.json["body"] == SECRET and response.json["author"] == w.reviewer.full_name
    listed = client.get(f"/api/v1/dossiers/{w.submitted.id}/notes", headers=headers).json
    assert [n["body"] for n in listed["items"]] == [SECRET]


@pytest.mark.parametrize(
    "payload,field", [({"body": ""}, "body"), ({}, "body"), ({"body": "x", "extra": 1}, "extra")]
)
def test_api_refused_note_saves_nothing(client, w, payload, field):
    response = client.post(
        f"/api/v1/dossiers/{w.submitted.id}/notes", headers=_bearer(w.call_admin), json=payload
    )
    assert response.status_code == 400 and field in response.json["errors"]
    assert _notes_count() == 0


def test_api_thread_round_trip(client, w):
    url = f"/api/v1/dossiers/{w.submitted.id}/messages"
    response = client.post(url, headers=_bearer(w.staff_a), json={"body": "Question ?"})
    assert response.status_code == 201, response.json
    assert response.json["side"] == "establishment" and response.json["kind"] == "message"
    assert response.json["read_by_other_side"] is False
    office = client.get(url, headers=_bearer(w.call_admin)).json["items"]
    assert [(e["body"], e["unread"]) for e in office] == [("Question ?", True)]
    again = client.get(url, headers=_bearer(w.call_admin)).json["items"]
    assert again[0]["unread"] is False  # reading marked it read
    mine = client.get(url, headers=_bearer(w.staff_a)).json["items"]
    assert mine[0]["read_by_other_side"] is True and mine[0]["attachment"] is None


def test_api_message_attachment(client, w):
    from ..conftest import PDF_BYTES

    message = dossiers.post_message(w.head_a, w.submitted, "Le devis.", "devis.pdf", PDF_BYTES)
    db.session.flush()
    items = client.get(
        f"/api/v1/dossiers/{w.submitted.id}/messages", headers=_bearer(w.call_admin)
    ).json["items"]
    url = items[0]["attachment"]["url"]
    got = client.get(url, headers=_bearer(w.call_admin))
    assert got.status_code == 200 and got.data == PDF_BYTES
    assert got.headers["X-Content-SHA256"] == message.attachment_sha256
    plain = dossiers.post_message(w.head_a, w.submitted, "Sans pièce.")
    db.session.flush()
    missing = f"/api/v1/dossiers/{w.submitted.id}/messages/{plain.id}/attachment"
    assert client.get(missing, headers=_bearer(w.call_admin)).status_code == 404


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"body": "ok", "side": "call_office"}, "side"),
    ],
)
def test_api_refused_message_saves_nothing(client, w, payload, field):
    response = client.post(
        f"/api/v1/dossiers/{w.submitted.id}/messages", headers=_bearer(w.head_a), json=payload
    )
    assert response.status_code == 400 and field in response.json["errors"], response.json
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_api_thread_hidden_from_others(client, w):
    for outsider in (w.head_b, w.reviewer, w.observer, w.admin):
        response = client.post(
            f"/api/v1/dossiers/{w.submitted.id}/messages",
            headers=_bearer(outsider),
            json={"body": "Intrus"},
        )
        assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0
