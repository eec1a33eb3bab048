"""The call administrator's list of submitted dossiers: content, filters, constant queries."""

import pytest

from applications import services
from portal.db import db
from portal.models import Role

from ..conftest import login
from ..helpers import count_queries

NARROW = "\u202f"
NBSP = "\u00a0"


def submitted_dossiers(world, factory, count: int):
    departments = ["16", "17", "79", "86"]
    dossiers = []
    for i in range(count):
        est = factory.establishment(name=f"Collège n° {i}", department=departments[i % 4])
        head = factory.user(Role.applicant_head, establishment=est)
        dossier = factory.dossier(world.call, head, complete=True)
        services.submit_dossier(head, dossier)
        dossiers.append(dossier)
    db.session.flush()
    return dossiers


def test_the_list_shows_reference_establishment_department_amount_status(client, world, factory):
    dossiers = submitted_dossiers(world, factory, 2)
    services.request_completion(world.call_admin, dossiers[1], "Lettre manquante.")
    draft = factory.dossier(world.call, world.head_a)
    draft.title = "Brouillon secret"
    db.session.flush()
    login(client, world.call_admin)
    page = client.get("/dossiers/deposes").get_data(as_text=True)
    assert dossiers[0].reference in page and dossiers[1].reference in page
    assert "Collège n° 0" in page and "16 — Charente" in page and "17 — Charente-Maritime" in page
    assert f"6{NARROW}000,00{NBSP}€" in page  # Région 3 000 + rectorat 3 000
    assert "Déposé" in page and "À compléter" in page and "Demandés le" in page
    assert "Brouillon secret" not in page


def test_filters_by_status_and_department(client, world, factory):
    dossiers = submitted_dossiers(world, factory, 4)
    services.request_completion(world.call_admin, dossiers[2], "Lettre manquante.")
    db.session.flush()
    login(client, world.call_admin)
    page = client.get("/dossiers/deposes?statut=incomplete").get_data(as_text=True)
    assert dossiers[2].reference in page and dossiers[0].reference not in page
    page = client.get("/dossiers/deposes?departement=79").get_data(as_text=True)
    assert dossiers[2].reference in page and dossiers[1].reference not in page
    page = client.get("/dossiers/deposes?departement=86&statut=incomplete").get_data(as_text=True)
    assert "0 dossier." in page
    # Unknown filter values are ignored rather than failing.
    page = client.get("/dossiers/deposes?statut=bidon&departement=99")
    assert page.status_code == 200 and dossiers[3].reference in page.get_data(as_text=True)


def test_applicants_see_only_their_own_submitted_dossiers(client, world, factory):
    dossiers = submitted_dossiers(world, factory, 2)
    mine = factory.dossier(world.call, world.head_a, complete=True)
    services.submit_dossier(world.head_a, mine)
    db.session.flush()
    login(client, world.head_a)
    page = client.get("/dossiers/deposes").get_data(as_text=True)
    assert mine.reference in page
    assert dossiers[0].reference not in page and dossiers[1].reference not in page


def _queries_for_list(client, world) -> int:
    login(client, world.call_admin)
    client.get("/dossiers/deposes")  # warm up (login, caches)
    db.session.expire_all()
    with count_queries() as statements:
        response = client.get("/dossiers/deposes")
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_uses_a_small_fixed_number_of_queries(client, world, factory, count):
    submitted_dossiers(world, factory, count)
    queries = _queries_for_list(client, world)
    # session + user + grants + establishment, the counts per status (which hold the total), the
    # page's rows (their columns only: requested amount, open request, department joined), the
    # labels (choices and those of the page's dossiers), the calls, axes and networks of the
    # filters (one query), the menu's unread count
    assert 3 <= queries <= 7, queries


def test_query_count_does_not_grow_with_the_number_of_dossiers(client, world, factory):
    few = submitted_dossiers(world, factory, 3)
    queries_3 = _queries_for_list(client, world)
    submitted_dossiers(world, factory, 27)
    queries_30 = _queries_for_list(client, world)
    assert queries_3 == queries_30
    assert len(few) == 3


def test_the_list_is_paginated(client, world, factory, monkeypatch):
    import applications.views.lists as views_module
    from portal import pagination

    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)
    monkeypatch.setattr(
        views_module,
        "paginate",
        lambda stmt, page, unique=False, total=None, rows=False: pagination.paginate(
            stmt, page, 2, unique=unique, total=total, rows=rows
        ),
    )
    from applications import services as dossier_services

    for head in (world.head_a, world.head_b):
        for _ in range(2):
            dossier = factory.dossier(world.call, head, complete=True)
            dossier_services.submit_dossier(head, dossier)
    login(client, world.call_admin)
    first = client.get("/dossiers/deposes").get_data(as_text=True)
    assert "4 dossiers — page 1 sur 2" in first and "AAP-2014-0001" in first
    assert "AAP-2014-0003" not in first
    second = client.get("/dossiers/deposes?page=2").get_data(as_text=True)
    assert "AAP-2014-0003" in second and "AAP-2014-0001" not in second
    assert client.get("/dossiers/deposes?page=abc").status_code == 200
