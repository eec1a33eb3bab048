"""The kernel's input rules at every boundary (issue 9, "Input at the boundary"): control
characters, over-long texts, implausible dates — refused with a French message on the field,
nothing changed — and the API's conformance on 405 and out-of-range ids."""

from __future__ import annotations

import io
import re

import pytest

from applications.models import Attachment, Dossier
from portal.db import db
from portal.formatting import format_integer
from portal.inputs import CONTROL_MESSAGE, call_window

from ..conftest import PDF_BYTES, login
from .helpers import bearer, state

CONTROL = "Ce champ contient un caractère invisible non autorisé (caractère de contrôle)"
MEGA = 1_048_576


def _page(response) -> str:
    body = response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')
    return re.sub(r"[\u00a0\u202f]", " ", body)


def _plain(text: str) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", text)


@pytest.fixture
def draft(world, factory):
    dossier = factory.dossier(world.call, world.head_a)
    db.session.commit()
    return dossier


# ---------------------------------------------------------------- control characters


@pytest.mark.parametrize("value", ["Théâtre\x00", "A\x01B", "a\x1bb", "ligne\nsuivante"])
def test_a_control_character_in_the_dossier_form_is_refused_on_its_field(
    client, world, draft, value
):
    login(client, world.head_a)
    before = state(draft.id)
    response = client.post(
        f"/dossiers/{draft.id}/etape/presentation",
        data={"version": str(draft.version), "title": value, "summary": "Un résumé"},
    )
    assert response.status_code == 400
    body = _page(response)
    assert CONTROL in body
    assert 'id="title-error"' in body
    assert state(draft.id) == before


def test_a_multi_line_text_keeps_its_line_breaks_and_tabs(client, world, draft):
    login(client, world.head_a)
    response = client.post(
        f"/dossiers/{draft.id}/etape/presentation",
        data={"version": str(draft.version), "title": "Titre", "summary": "Ligne 1\r\n\tLigne 2"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Dossier, draft.id).summary == "Ligne 1\r\n\tLigne 2"


def test_a_control_character_in_a_row_is_tied_to_that_row(client, world, draft):
    login(client, world.head_a)
    before = state(draft.id)
    response = client.post(
        f"/dossiers/{draft.id}/etape/partenaires",
        data={
            "version": str(draft.version),
            "partners-0-name": "",
            "partners-0-kind": "",
            "partners-0-role": "",
            "partners-1-name": "Mairie",
            "partners-1-kind": "other",
            "partners-1-role": "r\x00le",
        },
    )
    assert response.status_code == 400
    body = _page(response)
    assert CONTROL in body and 'id="partners-1-role-error"' in body
    assert state(draft.id) == before


def test_a_control_character_in_the_api_is_refused_with_its_path(client, world, draft, api):
    before = state(draft.id)
    response = client.post(
        "/api/v1/dossiers",
        headers=bearer(api.head_a),
        json={"call_id": world.call.id, "title": "Nul\x00"},
    )
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"title": CONTROL_MESSAGE}
    response = client.patch(
        f"/api/v1/dossiers/{draft.id}",
        headers=bearer(api.head_a),
        json={
            "version": draft.version,
            "actions": [{"title": "Atelier"}, {"title": "Sortie", "description": "x\x00"}],
        },
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["errors"] == {"actions-1-description": CONTROL_MESSAGE}
    assert CONTROL in body["error"]
    assert state(draft.id) == before


def test_a_control_character_in_an_uploaded_filename_is_dropped(client, world, draft, api):
    response = client.post(
        f"/api/v1/dossiers/{draft.id}/attachments",
        headers=bearer(api.head_a),
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(PDF_BYTES), "pro\x00jet\x07.pdf")},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["filename"] == "projet.pdf"
    db.session.expire_all()
    attachment = db.session.get(Attachment, response.get_json()["id"])
    assert attachment.filename == "projet.pdf"
    login(client, world.head_a)
    download = client.get(
        f"/api/v1/dossiers/{draft.id}/attachments/{attachment.id}", headers=bearer(api.head_a)
    )
    assert download.status_code == 200


# ---------------------------------------------------------------- over-long texts


def test_an_over_long_text_is_refused_with_its_limit_never_cut(client, world, draft, api):
    before = state(draft.id)
    response = client.patch(
        f"/api/v1/dossiers/{draft.id}",
        headers=bearer(api.head_a),
        json={
            "version": draft.version,
            "actions": [{"title": "Atelier", "description": "x" * MEGA}],
            "indicators": [{"name": "Assiduité", "baseline": "1" * 101}],
        },
    )
    assert response.status_code == 400
    errors = {k: _plain(v) for k, v in response.get_json()["errors"].items()}
    assert errors["actions-0-description"] == _plain(
        f"5 000 caractères au plus, vous en avez saisi {format_integer(MEGA)}."
    )
    assert errors["indicators-0-baseline"] == "100 caractères au plus, vous en avez saisi 101."
    assert state(draft.id) == before


def test_an_over_long_text_in_the_form_is_refused_on_its_field(client, world, draft):
    login(client, world.head_a)
    before = state(draft.id)
    response = client.post(
        f"/dossiers/{draft.id}/etape/partenaires",
        data={
            "version": str(draft.version),
            "partners-0-name": "Mairie",
            "partners-0-kind": "other",
            "partners-0-role": "r" * 2001,
        },
    )
    assert response.status_code == 400
    body = _page(response)
    assert "2 000 caractères au plus, vous en avez saisi 2 001." in body
    assert 'id="partners-0-role-error"' in body
    assert state(draft.id) == before


# ---------------------------------------------------------------- implausible dates


def test_the_window_is_the_school_year_plus_or_minus_two_years(world):
    world.call.school_year = "2026-2027"
    first, last = call_window(world.call)
    assert (first.isoformat(), last.isoformat()) == ("2024-09-01", "2029-08-31")


@pytest.mark.parametrize("day", ["9999-01-01", "0001-01-01"])
def test_an_implausible_action_date_is_refused(client, world, draft, api, day):
    before = state(draft.id)
    response = client.patch(
        f"/api/v1/dossiers/{draft.id}",
        headers=bearer(api.head_a),
        json={"version": draft.version, "actions": [{"title": "Atelier", "start_date": day}]},
    )
    assert response.status_code == 400
    message = response.get_json()["errors"]["actions-0-start_date"]
    assert "hors de la période de l'appel à projets 2014-2015" in message
    assert "entre le 01/09/2012 et le 31/08/2017" in message
    assert state(draft.id) == before


def test_an_implausible_action_date_in_the_form_is_refused(client, world, draft):
    login(client, world.head_a)
    before = state(draft.id)
    response = client.post(
        f"/dossiers/{draft.id}/etape/actions",
        data={
            "version": str(draft.version),
            "actions-0-title": "Atelier",
            "actions-0-description": "",
            "actions-0-start_date": "01/01/9999",
            "actions-0-end_date": "",
        },
    )
    assert response.status_code == 400
    body = _page(response)
    assert "hors de la période de l'appel à projets" in body
    assert 'id="actions-0-start_date-error"' in body
    assert state(draft.id) == before


# ---------------------------------------------------------------- API conformance


def test_a_method_not_allowed_says_which_are(client, api, draft):
    response = client.delete(f"/api/v1/dossiers/{draft.id}", headers=bearer(api.head_a))
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and "PATCH" in response.headers["Allow"]
    assert response.is_json and response.get_json()["error"]


@pytest.mark.parametrize("method", ["patch", "put", "get", "post"])
def test_an_id_beyond_the_database_integers_is_404(client, api, method):
    path = {"put": "/api/v1/reviews/{}", "post": "/api/v1/dossiers/{}/submit"}.get(
        method, "/api/v1/dossiers/{}"
    )
    response = getattr(client, method)(path.format(2**31), headers=bearer(api.head_a), json={})
    assert response.status_code == 404
    assert response.is_json


def test_a_filter_on_a_call_id_beyond_the_database_integers_lists_nothing(client, api, draft):
    """No call has such an id: an empty list (PostgreSQL would refuse the comparison)."""
    assert client.get("/api/v1/dossiers", headers=bearer(api.head_a)).get_json()["items"]
    for call_id in (2**31, 1307674368001):
        response = client.get(f"/api/v1/dossiers?call_id={call_id}", headers=bearer(api.head_a))
        assert response.status_code == 200
        assert response.get_json()["items"] == []
    response = client.get(
        f"/api/v1/dossiers?call_id={draft.call_id}", headers=bearer(api.head_a)
    ).get_json()
    assert [item["id"] for item in response["items"]] == [draft.id]


def test_a_control_character_in_a_new_dossier_title_is_refused_on_its_field(client, world):
    login(client, world.head_a)
    before = db.session.query(Dossier).count()
    response = client.post(
        f"/dossiers/nouveau?call_id={world.call.id}", data={"title": "Projet\x00"}
    )
    assert response.status_code == 400
    body = _page(response)
    assert CONTROL in body and 'id="title-error"' in body
    assert db.session.query(Dossier).count() == before
