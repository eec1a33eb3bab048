"""Establishments administration: list, search, filters, pages, create/edit, optimistic lock."""

import html

import pytest
from sqlalchemy import func, select

from portal.db import db
from portal.models import AuditEvent, Establishment, EstablishmentKind
from portal.uai import with_check_letter

from ..conftest import login


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Establishment))


def _form(est=None, **changes) -> dict:
    data = {
        "uai": with_check_letter("0860999"),
        "name": "Lycée des Essais",
        "kind": "lp",
        "sector": "public",
        "department_code": "86",
        "commune": "Châtellerault",
        "email": "ce.0860999@ac-poitiers.fr",
        "network_id": "",
        "priority_education": "",
    }
    if est is not None:
        data.update(
            uai=est.uai,
            name=est.name,
            kind=est.kind.value,
            department_code=est.department_code,
            commune=est.commune,
            email=est.email,
            sector="public" if est.public else "private",
            network_id=str(est.network_id or ""),
            priority_education=est.priority_education,
            version=str(est.version),
        )
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["call_admin", "observer"])
def test_viewers_see_the_list_but_cannot_edit(client, world, role):
    login(client, getattr(world, role))
    page = client.get("/admin/etablissements")
    assert page.status_code == 200 and "Lycée A" in page.get_data(as_text=True)
    assert "Ajouter un établissement" not in page.get_data(as_text=True)
    assert client.get("/admin/etablissements/nouveau").status_code == 403
    assert client.get(f"/admin/etablissements/{world.est_a.id}").status_code == 403
    before = _count()
    assert client.post("/admin/etablissements/nouveau", data=_form()).status_code == 403
    response = client.post(
        f"/admin/etablissements/{world.est_a.id}", data=_form(world.est_a, name="Piraté")
    )
    assert response.status_code == 403
    assert _count() == before and db.session.get(Establishment, world.est_a.id).name == "Lycée A"


@pytest.mark.parametrize("role", ["head_a", "reviewer", "budget", "copilot"])
def test_others_get_403_on_the_list(client, world, role):
    login(client, getattr(world, role))
    assert client.get("/admin/etablissements").status_code == 403


def test_search_and_filters(client, world, factory):
    factory.establishment(
        name="Collège Jean Moulin", kind=EstablishmentKind.college, department="79"
    )
    login(client, world.admin)

    def names(**params):
        page = html.unescape(
            client.get("/admin/etablissements", query_string=params).get_data(as_text=True)
        )
        return {n for n in ("Lycée A", "Lycée B", "Collège Jean Moulin") if n in page}

    assert names() == {"Lycée A", "Lycée B", "Collège Jean Moulin"}
    assert names(q="moulin") == {"Collège Jean Moulin"}
    assert names(q=world.est_b.uai.lower()) == {"Lycée B"}
    assert names(q="poitiers") == {"Lycée A", "Lycée B", "Collège Jean Moulin"}  # commune
    assert names(departement="17") == {"Lycée B"}
    assert names(type="college") == {"Collège Jean Moulin"}
    assert names(type="college", departement="86") == set()
    assert names(q="100%") == set()  # wildcards are taken literally


def test_list_is_paginated_by_50(client, world, factory):
    for i in range(55):
        factory.establishment(name=f"Collège Pagination {i:02d}", kind=EstablishmentKind.college)
    login(client, world.admin)
    first = client.get("/admin/etablissements?q=Pagination").get_data(as_text=True)
    second = client.get("/admin/etablissements?q=Pagination&page=2").get_data(as_text=True)
    assert first.count("Collège Pagination") == 50 and second.count("Collège Pagination") == 5
    assert "55 établissements" in first and "page 2 sur 2" in second


def test_admin_creates_an_establishment_audited(client, world, factory):
    network = factory.network(department="86")
    login(client, world.admin)
    response = client.post(
        "/admin/etablissements/nouveau",
        data=_form(
            network_id=str(network.id),
            priority_education="REP",
            uai=" " + with_check_letter("0860999").lower(),
        ),
    )
    assert response.status_code == 302
    est = db.session.scalar(select(Establishment).where(Establishment.name == "Lycée des Essais"))
    assert est.uai == with_check_letter("0860999")
    assert (est.kind, est.public, est.network_id, est.priority_education) == (
        EstablishmentKind.lp,
        True,
        network.id,
        "REP",
    )
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "establishment_created", AuditEvent.object_id == est.id
        )
    )
    assert event.changes["name"] == [None, "Lycée des Essais"]


@pytest.mark.parametrize(
    "uai, message",
    [
        ("0860000B", "lettre de contrôle ne correspond pas"),
        ("86000", "il faut 7 chiffres suivis d'une lettre"),
    ],
)
def test_invalid_uai_is_tied_to_its_field_and_creates_nothing(client, world, uai, message):
    login(client, world.admin)
    before = _count()
    response = client.post("/admin/etablissements/nouveau", data=_form(uai=uai))
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    error = page.split('id="uai-error"', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert 'aria-describedby="uai-error"' in page
    assert _count() == before


def test_duplicate_uai_is_refused(client, world):
    login(client, world.admin)
    before = _count()
    response = client.post("/admin/etablissements/nouveau", data=_form(uai=world.est_a.uai))
    assert response.status_code == 400
    assert "est déjà celui de « Lycée A »" in html.unescape(response.get_data(as_text=True))
    assert _count() == before


def test_network_of_another_department_is_refused(client, world, factory):
    network = factory.network(department="17")
    login(client, world.admin)
    before = _count()
    response = client.post("/admin/etablissements/nouveau", data=_form(network_id=str(network.id)))
    assert response.status_code == 400
    assert 'id="network_id-error"' in response.get_data(as_text=True)
    assert _count() == before


def test_department_outside_the_academy_is_refused(client, world):
    login(client, world.admin)
    before = _count()
    response = client.post("/admin/etablissements/nouveau", data=_form(department_code="75"))
    assert response.status_code == 400
    assert 'id="department_code-error"' in response.get_data(as_text=True)
    assert _count() == before


def test_edit_is_audited_with_a_diff(client, world):
    login(client, world.admin)
    est = world.est_a
    page = client.get(f"/admin/etablissements/{est.id}").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{est.version}"' in page
    response = client.post(
        f"/admin/etablissements/{est.id}", data=_form(est, name="Lycée A rénové", sector="private")
    )
    assert response.status_code == 302
    est = db.session.get(Establishment, est.id)
    assert est.name == "Lycée A rénové" and est.public is False and est.version == 2
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "establishment_updated", AuditEvent.object_id == est.id
        )
    )
    assert event.changes == {"name": ["Lycée A", "Lycée A rénové"], "public": [True, False]}


def test_stale_version_is_refused(client, world):
    login(client, world.admin)
    est = world.est_a
    stale = _form(est, name="Ma version")
    # someone else saves first
    assert (
        client.post(
            f"/admin/etablissements/{est.id}", data=_form(est, commune="Loudun")
        ).status_code
        == 302
    )
    response = client.post(f"/admin/etablissements/{est.id}", data=stale)
    assert response.status_code == 409
    assert "modifié par quelqu'un d'autre" in html.unescape(response.get_data(as_text=True))
    est = db.session.get(Establishment, est.id)
    assert est.name == "Lycée A" and est.commune == "Loudun"


def test_edit_without_csrf_changes_nothing(client, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/etablissements/{world.est_a.id}",
        data=_form(world.est_a, name="Sans jeton"),
        csrf=False,
    )
    assert response.status_code == 400
    assert db.session.get(Establishment, world.est_a.id).name == "Lycée A"


def test_unknown_establishment_is_404(client, world):
    login(client, world.admin)
    assert client.get("/admin/etablissements/999999").status_code == 404


def test_new_establishment_form_is_labelled(client, world, factory):
    factory.network(name="Réseau FOQUALE Loudun", department="86")
    login(client, world.admin)
    page = html.unescape(client.get("/admin/etablissements/nouveau").get_data(as_text=True))
    for name in (
        "uai",
        "name",
        "kind",
        "sector",
        "department_code",
        "commune",
        "email",
        "network_id",
        "priority_education",
    ):
        assert f'for="{name}"' in page
    assert "Réseau FOQUALE Loudun (86)" in page and "Lycée professionnel" in page


def test_garbled_version_is_treated_as_stale(client, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/etablissements/{world.est_a.id}",
        data=_form(world.est_a, name="Autre", version="abc"),
    )
    assert response.status_code == 409
    assert db.session.get(Establishment, world.est_a.id).name == "Lycée A"


def test_every_problem_is_reported_at_once_in_french(client, world):
    login(client, world.admin)
    before = _count()
    response = client.post(
        "/admin/etablissements/nouveau",
        data=_form(uai="0860000B", name="", priority_education="ZEP"),
    )
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert 'id="uai-error"' in page and 'id="name-error"' in page
    assert "Choisissez « Aucune », « REP » ou « REP+ »." in page
    assert "Not a valid" not in page
    assert _count() == before
