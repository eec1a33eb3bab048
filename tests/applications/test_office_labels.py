"""The call office's labels: defined per call or for every call, set and removed on a dossier,
each refusal in French with nothing changed; and never shown to the establishment."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from applications import services
from applications.models import DossierLabel, Label
from portal.db import db
from portal.errors import NotFound, PermissionDenied, ServiceError
from portal.models import AuditEvent

from ..conftest import login
from .helpers_office import submitted

SECRET = "Partenariat douteux"


def _labels() -> int:
    return db.session.scalar(select(func.count()).select_from(Label))


def _links() -> int:
    return db.session.scalar(select(func.count()).select_from(DossierLabel))


# ---------------------------------------------------------------- services


def test_labels_for_every_call_and_for_one_call(world, factory):
    other_call = factory.call()
    everywhere = services.create_label(world.call_admin, "  à   relancer ")
    here = services.create_label(world.call_admin, "partenariat à vérifier", world.call)
    elsewhere = services.create_label(world.call_admin, "autre", other_call)
    assert everywhere.name == "à relancer" and everywhere.call_id is None
    assert set(services.labels_for_calls([world.call.id])) == {everywhere, here}
    assert set(services.labels_for_calls()) == {everywhere, here, elsewhere}
    # the same name is refused in the same scope, and a call's name may not shadow a global one
    for name, call in (
        ("à relancer", None),
        ("partenariat à vérifier", world.call),
        ("à relancer", other_call),
    ):
        with pytest.raises(ServiceError, match="existe déjà"):
            services.create_label(world.call_admin, name, call)
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "label_created")
        )
        == 3
    )


@pytest.mark.parametrize(
    "name,message",
    [("", "Donnez un nom"), ("   ", "Donnez un nom"), ("x" * 61, "au plus 60 caractères")],
)
def test_a_label_needs_a_short_name(world, name, message):
    with pytest.raises(ServiceError, match=message):
        services.create_label(world.call_admin, name)
    assert _labels() == 0


@pytest.mark.parametrize("who", ["head_a", "reviewer", "copilot", "budget", "observer", "admin"])
def test_only_the_call_office_defines_labels(world, who):
    with pytest.raises(PermissionDenied):
        services.create_label(getattr(world, who), "à relancer")
    assert _labels() == 0


def test_set_and_remove_a_label(world, factory):
    dossier = submitted(world, factory)
    label = services.create_label(world.call_admin, "à relancer")
    assert services.set_label(world.call_admin, dossier, label) is True
    assert services.set_label(world.call_admin, dossier, label) is False  # already there
    assert [x.name for x in services.labels_of([dossier.id])[dossier.id]] == ["à relancer"]
    services.remove_label(world.call_admin, dossier, label)
    assert _links() == 0
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(["label_set", "label_removed"]))
    ).all()
    # on the label, never on the dossier (whose history its establishment reads)
    assert {(e.object_type, e.changes["dossier_id"]) for e in events} == {("label", dossier.id)}
    with pytest.raises(NotFound):
        services.remove_label(world.call_admin, dossier, label)


def test_refusals_on_a_dossier(world, factory):
    dossier = submitted(world, factory)
    other = services.create_label(world.call_admin, "autre appel", factory.call())
    with pytest.raises(ServiceError, match="appartient à un autre appel"):
        services.set_label(world.call_admin, dossier, other)
    label = services.create_label(world.call_admin, "à relancer")
    with pytest.raises(PermissionDenied):  # the head reads the dossier, may not label it
        services.set_label(dossier.head, dossier, label)
    with pytest.raises(NotFound):  # another establishment does not even read it
        services.set_label(world.head_b, dossier, label)
    draft = factory.dossier(world.call, world.head_a)
    with pytest.raises(NotFound):  # a draft is its establishment's business
        services.set_label(world.call_admin, draft, label)
    assert _links() == 0


def test_deleting_a_label_takes_it_off_every_dossier(world, factory):
    dossier = submitted(world, factory)
    label = services.create_label(world.call_admin, "à relancer")
    services.set_label(world.call_admin, dossier, label)
    services.delete_label(world.call_admin, label)
    assert _labels() == 0 and _links() == 0


# ---------------------------------------------------------------- pages


def test_the_labels_page_creates_and_deletes(client, world):
    login(client, world.call_admin)
    response = client.post("/dossiers/etiquettes", data={"name": "à relancer", "call": ""})
    assert response.status_code == 302
    response = client.post(
        "/dossiers/etiquettes", data={"name": "vérifier", "call": str(world.call.id)}
    )
    assert response.status_code == 302
    page = client.get("/dossiers/etiquettes").get_data(as_text=True)
    assert "à relancer — tous les appels" in page and f"vérifier — {world.call.title}" in page
    label = db.session.scalar(select(Label).where(Label.name == "vérifier"))
    assert client.post(f"/dossiers/etiquettes/{label.id}/supprimer").status_code == 302
    assert _labels() == 1


@pytest.mark.parametrize(
    "data,message",
    [
        ({"name": ""}, "Donnez un nom à l&#39;étiquette."),
        ({"name": "x", "call": "999999"}, "Choisissez un appel à projets de la liste."),
        ({"name": "x", "call": "abc"}, "Choisissez un appel à projets de la liste."),
    ],
)
def test_the_labels_page_refuses_in_french_tied_to_the_field(client, world, data, message):
    login(client, world.call_admin)
    response = client.post("/dossiers/etiquettes", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "fr-error-text" in page
    assert _labels() == 0


def test_the_labels_page_needs_csrf(client, world):
    login(client, world.call_admin)
    response = client.post("/dossiers/etiquettes", data={"name": "x"}, csrf=False)
    assert response.status_code == 400
    assert _labels() == 0


def test_set_and_remove_on_the_dossier_page(client, world, factory):
    dossier = submitted(world, factory)
    label = services.create_label(world.call_admin, "à relancer")
    login(client, world.call_admin)
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "Aucune étiquette." in page and f'<option value="{label.id}">à relancer' in page
    response = client.post(f"/dossiers/{dossier.id}/etiquettes", data={"label": str(label.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith("#etiquettes")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert "Retirer l'étiquette à relancer" in page
    listed = client.get(f"/dossiers/deposes?etiquette={label.id}").get_data(as_text=True)
    assert dossier.reference in listed and "1 dossier." in listed
    response = client.post(f"/dossiers/{dossier.id}/etiquettes/{label.id}/retirer")
    assert response.status_code == 302 and _links() == 0


def test_the_dossier_page_refuses_a_missing_label(client, world, factory):
    dossier = submitted(world, factory)
    services.create_label(world.call_admin, "à relancer")
    login(client, world.call_admin)
    response = client.post(f"/dossiers/{dossier.id}/etiquettes", data={"label": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choisissez une étiquette de la liste." in page and 'id="label-error"' in page
    assert _links() == 0


# ---------------------------------------------------------------- confidentiality


def test_the_establishment_never_sees_a_label(client, world, factory):
    """Pages, API and exports the establishment reads say nothing of the call office's labels."""
    from portal.auth.services import issue_api_token

    dossier = factory.dossier(world.call, world.head_a, complete=True)
    services.submit_dossier(world.head_a, dossier)
    label = services.create_label(world.call_admin, SECRET)
    services.set_label(world.call_admin, dossier, label)
    db.session.flush()
    for user in (world.head_a, world.staff_a):
        login(client, user)
        pages = [
            "/",
            "/dossiers/",
            f"/dossiers/{dossier.id}",
            "/dossiers/deposes",
            f"/dossiers/deposes?etiquette={label.id}",
            "/dossiers/deposes/export.csv",
        ]
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            assert SECRET not in body and "Étiquette" not in body, url
        # the label filter is ignored, not applied: the dossier is still listed
        assert dossier.reference in client.get(f"/dossiers/deposes?etiquette={label.id}").text
        xlsx = client.get("/dossiers/deposes/export.xlsx").data
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(xlsx)).active
        cells = [str(c.value) for row in sheet.iter_rows() for c in row]
        assert dossier.reference in cells and not any(SECRET in c for c in cells)
        assert "Étiquettes" not in cells
        for url in ("/dossiers/etiquettes",):
            assert client.get(url).status_code == 403
        token = {"Authorization": f"Bearer {issue_api_token(user)}"}
        for url in (
            f"/api/v1/dossiers/{dossier.id}",
            "/api/v1/dossiers",
            "/api/v1/submitted-dossiers",
        ):
            response = client.get(url, headers=token)
            assert response.status_code == 200 and SECRET not in response.text, url
            assert '"labels"' not in response.text
        pdf = client.get(f"/dossiers/{dossier.id}/dossier.pdf")
        assert pdf.status_code == 200
        assert SECRET not in _pdf_text(pdf.data)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_call_office_sees_labels_in_its_exports_and_api(client, world, factory):
    from portal.auth.services import issue_api_token

    dossier = submitted(world, factory)
    label = services.create_label(world.call_admin, SECRET)
    services.set_label(world.call_admin, dossier, label)
    login(client, world.call_admin)
    csv = client.get("/dossiers/deposes/export.csv").get_data(as_text=True)
    assert "Étiquettes" in csv.splitlines()[0] and SECRET in csv
    body = client.get(
        "/api/v1/submitted-dossiers",
        headers={"Authorization": f"Bearer {issue_api_token(world.call_admin)}"},
    ).get_json()
    assert body["items"][0]["labels"] == [{"id": label.id, "name": SECRET, "call_id": None}]


def test_the_demo_shows_labels(app):
    from portal import demo

    demo.load("mot-de-passe-demo")
    names = {label.name: label.call_id for label in db.session.scalars(select(Label))}
    assert names.keys() == {"à relancer", "partenariat à vérifier"}
    assert names["à relancer"] is None and names["partenariat à vérifier"] is not None
    assert _links() == 3
