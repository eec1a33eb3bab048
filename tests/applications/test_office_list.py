"""The call office's dossier list: search, every filter, sort, counts per status, the filters kept
in every link, a constant number of queries, and the home's tiles counting what they link to."""

from __future__ import annotations

import re

import pytest

from applications import services
from portal.db import db
from portal.models import EstablishmentKind

from ..conftest import login
from ..helpers import count_queries
from .helpers_office import references, submitted


def _page(client, query: str = "") -> str:
    response = client.get(f"/dossiers/deposes{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def cast(client, world, factory):
    net = factory.network("Réseau FOQUALE du Châtelleraudais")
    d = {
        "a": submitted(
            world,
            factory,
            name="Lycée Marcelin Berthelot",
            commune="Châtellerault",
            network=net,
            priority="REP",
            title="Théâtre forum",
            axis=1,
            fields=("prevention",),
            region="1000.00",
        ),
        "b": submitted(
            world,
            factory,
            name="Collège Jules Verne",
            department="17",
            kind=EstablishmentKind.college,
            priority="REP+",
            title="Tutorat",
            axis=3,
            fields=("remediation",),
            region="5000.00",
        ),
        "c": submitted(
            world,
            factory,
            name="Lycée pro Kyoto",
            department="79",
            kind=EstablishmentKind.lp,
            title="Atelier vélo",
            axis=2,
            region="9000.00",
        ),
    }
    services.request_completion(world.call_admin, d["c"], "Lettre manquante.")
    db.session.flush()
    login(client, world.call_admin)
    return d


@pytest.mark.parametrize(
    "query,expected",
    [
        ("?q=marcelin", {"a"}),  # establishment name, case-insensitive
        ("?q=tutorat", {"b"}),  # title
        ("?q=ch%C3%A2tellerault", {"a"}),  # town
        ("?statut=incomplete", {"c"}),
        ("?axe=3", {"b"}),
        ("?champ=remediation", {"b"}),
        ("?champ=intervention", {"c"}),
        ("?departement=79", {"c"}),
        ("?type=college", {"b"}),
        ("?prioritaire=REP", {"a"}),
        ("?prioritaire=REP%2B", {"b"}),
        ("?prioritaire=hors", {"c"}),
        ("?montant_min=5000", {"b", "c"}),  # requested: Région + rectorat (3 000)
        ("?montant_max=8000", {"a", "b"}),
        ("?montant_min=7000&montant_max=9000", {"b"}),
        ("?montant_min=4000%2C5&montant_max=abc", {"b", "c"}),  # decimal comma; junk ignored
        ("?recevabilite=aucun", {"a", "b", "c"}),
        ("?recevabilite=eligible", set()),
        ("?departement=17&type=lp", set()),
    ],
)
def test_search_and_filters(client, cast, query, expected):
    page = _page(client, query)
    assert references(page, cast.values()) == {cast[k].reference for k in expected}


def test_search_by_reference_uai_network_and_call(client, world, factory, cast):
    assert references(_page(client, f"?q={cast['b'].reference}"), cast.values()) == {
        cast["b"].reference
    }
    uai = cast["c"].establishment.uai
    assert references(_page(client, f"?q={uai.lower()}"), cast.values()) == {cast["c"].reference}
    network = cast["a"].establishment.network_id
    assert references(_page(client, f"?reseau={network}"), cast.values()) == {cast["a"].reference}
    other_call = factory.call()
    other = submitted(world, factory, call=other_call, title="Autre appel")
    page = _page(client, f"?appel={other_call.id}")
    assert references(page, [*cast.values(), other]) == {other.reference}


def test_screening_result_filter(client, world, cast):
    from review.services.screening import screen_dossier

    screen_dossier(world.call_admin, cast["a"], "eligible")
    screen_dossier(world.call_admin, cast["b"], "ineligible", "Hors du champ de l'appel.")
    db.session.flush()
    assert references(_page(client, "?recevabilite=eligible"), cast.values()) == {
        cast["a"].reference
    }
    assert references(_page(client, "?recevabilite=ineligible"), cast.values()) == {
        cast["b"].reference
    }
    assert references(_page(client, "?recevabilite=aucun"), cast.values()) == {cast["c"].reference}


def _order(page: str, dossiers) -> list[str]:
    found = [(page.index(f">{d.reference}<"), d.reference) for d in dossiers]
    return [ref for _, ref in sorted(found)]


@pytest.mark.parametrize(
    "column,ascending",
    [
        ("reference", "abc"),
        ("etablissement", "bac"),  # Collège Jules Verne, Lycée Marcelin…, Lycée pro Kyoto
        ("departement", "bca"),  # 17, 79, 86
        ("montant", "abc"),
        ("statut", "cab"),  # by stored value: "incomplete" < "submitted"
        ("complements", "abc"),
    ],
)
def test_sort_on_every_column_both_ways(client, cast, column, ascending):
    if column == "complements":  # NULLs first on SQLite, last on PostgreSQL: only c has one
        page = _page(client, f"?tri={column}")
        assert 'aria-sort="ascending"' in page
        return
    expected = [cast[k].reference for k in ascending]
    assert _order(_page(client, f"?tri={column}"), cast.values()) == expected
    page = _page(client, f"?tri={column}&ordre=desc")
    assert _order(page, cast.values()) == expected[::-1]
    assert 'aria-sort="descending"' in page


def test_filters_stay_in_the_url_of_sort_status_export_and_page_links(client, cast, monkeypatch):
    import applications.views.lists as views_module
    from portal import pagination

    monkeypatch.setattr(
        views_module,
        "paginate",
        lambda stmt, page, unique=False, total=None, rows=False: pagination.paginate(
            stmt, page, 1, unique=unique, total=total, rows=rows
        ),
    )
    page = _page(client, "?departement=86&montant_min=500&tri=montant&ordre=desc")
    links = re.findall(r'href="(/dossiers/deposes[^"]*)"', page)
    sort_link = next(link for link in links if "tri=etablissement" in link)
    assert "departement=86" in sort_link and "montant_min=500" in sort_link
    export = next(link for link in links if "export.csv" in link)
    assert "departement=86" in export and "tri=montant" in export
    # the form shows the filters it applied (a GET form: works without JavaScript)
    assert '<option value="86" selected>' in page and 'value="500"' in page


def test_counts_per_status_ignore_the_status_filter_and_link_to_it(client, cast):
    page = _page(client, "?statut=submitted")
    assert "Tous (3)" in page and "Déposé (2)" in page and "À compléter (1)" in page
    assert 'href="/dossiers/deposes?statut=incomplete"' in page
    assert "2 dossiers." in page


def test_an_establishment_member_gets_no_status_filter_count_nor_sort(client, world, factory):
    """The status would tell the commission's proposals before they are published."""
    mine = factory.dossier(world.call, world.head_a, complete=True)
    services.submit_dossier(world.head_a, mine)
    mine.status = mine.status.__class__("proposed_reject")
    db.session.flush()
    login(client, world.head_a)
    page = _page(client, "?statut=proposed_reject&tri=statut")
    assert mine.reference in page  # the status filter is dropped, not applied
    assert "Proposé au rejet" not in page and "Déposé (" not in page
    assert 'name="statut"' not in page
    body = client.get(
        "/api/v1/submitted-dossiers?statut=proposed_reject",
        headers={"Authorization": f"Bearer {_token(world.head_a)}"},
    ).get_json()
    assert body["counts"] == {} and body["total"] == 1
    assert body["items"][0]["status"] == "in_review"


def _token(user) -> str:
    from portal.auth.services import issue_api_token

    return issue_api_token(user)


def _queries(client, query: str) -> int:
    client.get(f"/dossiers/deposes{query}")
    db.session.expire_all()
    with count_queries() as statements:
        response = client.get(f"/dossiers/deposes{query}")
    assert response.status_code == 200
    return len(statements)


def test_statements_per_page_do_not_grow_with_the_number_of_dossiers(client, world, factory):
    label = services.create_label(world.call_admin, "à relancer")
    query = f"?q=lyc&departement=86&montant_min=1&tri=montant&etiquette={label.id}"
    for _ in range(3):
        d = submitted(world, factory)
        services.set_label(world.call_admin, d, label)
    login(client, world.call_admin)
    few = _queries(client, query)
    for _ in range(27):
        d = submitted(world, factory)
        services.set_label(world.call_admin, d, label)
    assert _queries(client, query) == few
    assert "30 dossiers" in _page(client, query)


# ---------------------------------------------------------------- the home's tiles


def _tile(home: str, anchor: str) -> tuple[str, int]:
    match = re.search(
        r'<a href="([^"]+)">[^<]+</a></h3>\s*<p class="fr-tile__detail" id="'
        + anchor
        + r'">(\d+) ',
        home,
    )
    assert match, anchor
    return match.group(1).replace("&amp;", "&"), int(match.group(2))


def test_each_home_tile_links_to_the_list_it_counts(client, world, factory, cast):
    submitted(world, factory)
    draft = factory.dossier(world.call, world.head_a)
    assert draft.reference is None
    home = client.get("/").get_data(as_text=True)
    for anchor, expected in (("a-examiner", 3), ("complements", 1)):
        url, count = _tile(home, anchor)
        assert count == expected
        page = client.get(url).get_data(as_text=True)
        assert f"{count} dossier{'s' if count > 1 else ''}." in page, url


def test_the_home_tiles_link_to_filtered_lists(client, world):
    login(client, world.call_admin)
    home = client.get("/").get_data(as_text=True)
    assert _tile(home, "a-examiner") == ("/dossiers/deposes?statut=submitted", 0)
    assert _tile(home, "complements") == ("/dossiers/deposes?statut=incomplete", 0)
