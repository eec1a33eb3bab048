"""The call office's list: a search that ignores accents and case (on SQLite and PostgreSQL alike,
through the folded `search_text` columns), and the theme filter, in the page, its counts, its
exports and the API, at a constant number of statements."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import insert, select

from applications import services
from applications.models import Dossier
from portal.auth.services import issue_api_token
from portal.db import db
from portal.folding import fold, search_key
from portal.models import Establishment, EstablishmentKind
from portal.reference import Theme
from portal.uai import with_check_letter

from ..conftest import login
from ..helpers import count_queries
from .helpers_office import references, submitted


def _page(client, query: str = "") -> str:
    response = client.get(f"/dossiers/deposes{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _theme(code: str) -> Theme:
    return db.session.scalar(select(Theme).where(Theme.code == code))


@pytest.fixture
def cast(client, world, factory):
    d = {
        "a": submitted(
            world,
            factory,
            name="Lycée Émile Zola",
            commune="Châtellerault",
            title="Accompagner l'élève décrocheur",
            themes=("numerique", "sante"),
        ),
        "b": submitted(
            world,
            factory,
            name="Collège Jules Verne",
            commune="Rochefort",
            kind=EstablishmentKind.college,
            title="Cœur d’ouvrage : théâtre",
            themes=("sante",),
        ),
        "c": submitted(world, factory, name="LYCEE PRO KYOTO", commune="Poitiers", title="Vélo"),
    }
    login(client, world.call_admin)
    return d


def test_fold_drops_accents_case_ligatures_and_typographic_marks():
    assert fold("  Élève   CŒUR d’Ébène — Ça  ") == "eleve coeur d'ebene - ca"
    assert fold("ﬁnancé ß") == "finance ss"
    assert search_key("AAP-2016-0001", None, "Théâtre") == "aap-2016-0001 theatre"


@pytest.mark.parametrize(
    "query,expected",
    [
        ("eleve", {"a"}),  # "élève" in the title, written without accents
        ("ÉLÈVE", {"a"}),
        ("decrocheur", {"a"}),
        ("emile zola", {"a"}),  # every word, in the establishment's name
        ("zola chatellerault", {"a"}),  # words found in two different fields
        ("zola rochefort", set()),  # each word must be found
        ("chatellerault", {"a"}),  # the town
        ("coeur d'ouvrage", {"b"}),  # œ and the typographic apostrophe of the title
        ("cœur", {"b"}),
        ("theatre", {"b"}),
        ("lycée", {"a", "c"}),  # the accent typed, a name in capitals without it
        ("velo", {"c"}),
        ("%", set()),  # LIKE's wildcards are searched as themselves
        ("_", set()),
    ],
)
def test_the_search_ignores_accents_and_case(client, cast, query, expected):
    from urllib.parse import quote

    page = _page(client, f"?q={quote(query)}")
    assert references(page, cast.values()) == {cast[k].reference for k in expected}


def test_the_search_follows_every_change_of_what_it_searches(client, world, cast):
    a = cast["a"]
    assert references(_page(client, f"?q={a.reference.lower()}"), cast.values()) == {a.reference}
    a.establishment.name = "Lycée Aliénor d'Aquitaine"
    a.establishment.commune = "Niort"
    db.session.flush()
    assert references(_page(client, "?q=alienor"), cast.values()) == {a.reference}
    assert references(_page(client, "?q=niort"), cast.values()) == {a.reference}
    assert references(_page(client, "?q=zola"), cast.values()) == set()
    a.title = "Atelier d'écriture"
    db.session.flush()
    assert references(_page(client, "?q=ecriture"), cast.values()) == {a.reference}
    assert references(_page(client, "?q=eleve"), cast.values()) == set()


def test_rows_inserted_in_bulk_are_searchable_too(world, factory):
    """Bulk loads (the bench, imports) insert through Core: the column's default folds them."""
    factory.department("86")
    uai = with_check_letter("0869876")
    db.session.execute(
        insert(Establishment),
        [
            {
                "uai": uai,
                "name": "Lycée Hélène Boucher",
                "kind": EstablishmentKind.lgt,
                "department_code": "86",
                "commune": "Châtellerault",
            }
        ],
    )
    text = db.session.scalar(select(Establishment.search_text).where(Establishment.uai == uai))
    assert text == f"lycee helene boucher {uai.lower()} chatellerault"
    dossier = factory.dossier(world.call, world.head_a)
    assert dossier.search_text == "projet d'essai"


def test_the_theme_filter_and_its_counts(client, world, cast):
    sante, numerique = _theme("sante"), _theme("numerique")
    services.request_completion(world.call_admin, cast["b"], "Pièce manquante.")
    db.session.flush()
    page = _page(client, f"?theme={sante.id}")
    assert references(page, cast.values()) == {cast["a"].reference, cast["b"].reference}
    assert "Tous (2)" in page and "Déposé (1)" in page and "À compléter (1)" in page
    assert "2 dossiers." in page
    assert f'<option value="{sante.id}" selected>' in page  # the form shows what it applied
    # the status links keep the theme
    assert f'href="/dossiers/deposes?statut=incomplete&amp;theme={sante.id}"' in page
    page = _page(client, f"?theme={numerique.id}&statut=incomplete")
    assert references(page, cast.values()) == set()
    page = _page(client, f"?theme={numerique.id}&q=eleve")
    assert references(page, cast.values()) == {cast["a"].reference}
    assert references(_page(client, "?theme=999999"), cast.values()) == set()
    assert references(_page(client, "?theme=abc"), cast.values()) == {
        d.reference for d in cast.values()
    }  # junk is ignored, as for every filter


def test_an_inactive_theme_is_still_offered_and_said_so(client, cast):
    sante = _theme("sante")
    sante.active = False
    db.session.flush()
    page = _page(client)
    assert f'<option value="{sante.id}" >Santé (inactif)</option>' in page
    page = _page(client, f"?theme={sante.id}")
    assert references(page, cast.values()) == {cast["a"].reference, cast["b"].reference}


def test_the_exports_follow_the_theme_filter_and_list_the_themes(client, cast):
    sante = _theme("sante")
    text = client.get(f"/dossiers/deposes/export.csv?theme={sante.id}&q=eleve").text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, *body = rows
    assert [row[0] for row in body] == [cast["a"].reference]
    assert body[0][header.index("Thèmes")] == "Numérique, Santé"
    from openpyxl import load_workbook

    xlsx = client.get(f"/dossiers/deposes/export.xlsx?theme={sante.id}").data
    sheet = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    column = sheet[0].index("Thèmes")
    assert {row[0]: row[column] for row in sheet[1:]} == {
        cast["a"].reference: "Numérique, Santé",
        cast["b"].reference: "Santé",
    }


def test_the_api_takes_the_same_theme_and_search(client, world, cast):
    sante = _theme("sante")
    token = {"Authorization": f"Bearer {issue_api_token(world.call_admin)}"}
    body = client.get(f"/api/v1/submitted-dossiers?theme={sante.id}", headers=token).get_json()
    assert {item["reference"] for item in body["items"]} == {
        cast["a"].reference,
        cast["b"].reference,
    }
    assert body["total"] == 2 and body["counts"] == {"submitted": 2}
    body = client.get("/api/v1/submitted-dossiers?q=KYOTO%20velo", headers=token).get_json()
    assert [item["reference"] for item in body["items"]] == [cast["c"].reference]
    spec = client.get("/api/v1/openapi.json").get_json()
    names = {p["name"] for p in spec["paths"]["/submitted-dossiers"]["get"]["parameters"]}
    assert {"q", "theme"} <= names


def _statements(client, url: str, headers=None) -> int:
    client.get(url, headers=headers)
    db.session.expire_all()
    with count_queries() as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(statements)


def test_theme_and_search_cost_the_same_statements_whatever_the_dossiers(client, world, factory):
    sante = _theme("sante")
    query = f"?q=lycee%20essai&theme={sante.id}&tri=montant"
    for _ in range(3):
        submitted(world, factory, themes=("sante", "numerique"))
    login(client, world.call_admin)
    token = {"Authorization": f"Bearer {issue_api_token(world.call_admin)}"}
    few = [
        _statements(client, f"/dossiers/deposes{query}"),
        _statements(client, f"/dossiers/deposes/export.csv{query}"),
        _statements(client, f"/api/v1/submitted-dossiers{query}", token),
    ]
    for _ in range(17):
        submitted(world, factory, themes=("sante",))
    many = [
        _statements(client, f"/dossiers/deposes{query}"),
        _statements(client, f"/dossiers/deposes/export.csv{query}"),
        _statements(client, f"/api/v1/submitted-dossiers{query}", token),
    ]
    assert many == few
    assert "20 dossiers" in _page(client, query)
    assert db.session.scalar(select(Dossier.search_text).limit(1))


def test_an_archived_call_s_dossiers_are_still_found_and_read(client, world, factory):
    """Archived: read-only everywhere, still searchable (issue 11, §6)."""
    import datetime as dt

    from portal.calls import lifecycle
    from portal.db import utcnow

    call = factory.call()
    old = submitted(world, factory, call=call, title="Atelier d'écriture archivé")
    call.deadline_at = utcnow() - dt.timedelta(days=1)
    assert lifecycle.mark_decided(world.call_admin, call)
    lifecycle.move_call(world.call_admin, call, "follow_up")
    lifecycle.move_call(world.call_admin, call, "archive")
    db.session.flush()
    login(client, world.call_admin)
    assert references(_page(client, "?q=ecriture%20archive"), [old]) == {old.reference}
    assert references(_page(client, f"?appel={call.id}"), [old]) == {old.reference}
    assert client.get(f"/dossiers/{old.id}").status_code == 200
    response = client.post(
        "/dossiers/deposes/selection",
        data={"dossier": [str(old.id)], "action": "complements", "message": "Encore ?"},
    )
    assert response.status_code == 409  # read-only: the archive guard refuses the write
    assert "archivé" in response.get_data(as_text=True)
