"""The public catalogue of practices: a sheet appears only with the head's consent AND the
coordinator's validation, in pages, search and API; withdrawing consent removes it at once."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import text

from applications.models import Action
from funding.models import FinalReport
from portal.db import db
from portal.formatting import format_money

from .catalogue_helpers import reported, sheet, text_of


def _withdraw(dossier):
    report = db.session.query(FinalReport).filter_by(dossier_id=dossier.id).one()
    report.publication_consent = False
    db.session.flush()


def test_a_validated_sheet_with_consent_is_public(money_world, client):
    o = money_world
    dossier = reported(o)
    s = sheet(o, dossier)
    page = client.get("/pratiques")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "public, max-age=60"
    text = text_of(page)
    assert "Raccrocher par le théâtre" in text and f"/pratiques/{s.id}" in text
    assert 'name="csrf_token"' not in text
    detail = client.get(f"/pratiques/{s.id}")
    assert detail.status_code == 200
    body = text_of(detail)
    est = dossier.establishment
    assert est.name in body and est.commune in body
    assert "Un atelier de théâtre hebdomadaire" in body and "Quinze élèves" in body
    assert "Prévention" in body and "Intervention" in body  # the fields
    assert "Axe 2" in body  # the main axis
    assert "Élèves en risque de décrochage, encore scolarisés" in body and "15" in body
    assert "Association" in body  # the partner's kind…
    assert "Taux d'absentéisme" in body
    for amount in ("1000.00", "2000.00"):  # the granted amounts per funder
        assert format_money(Decimal(amount)) in body
    api = client.get(f"/api/v1/practices/{s.id}").get_json()
    assert api["title"] == "Raccrocher par le théâtre"
    assert api["amounts"] == [
        {"funder": "État (rectorat)", "amount": "1000.00"},
        {"funder": "Région", "amount": "2000.00"},
    ]
    assert api["reach"][0] == {
        "category": "Élèves en risque de décrochage, encore scolarisés",
        "count": 15,
    }
    listing = client.get("/api/v1/practices").get_json()
    assert [item["id"] for item in listing["items"]] == [s.id] and listing["total"] == 1


def test_partner_names_and_people_never_show(money_world, client):
    o = money_world
    dossier = reported(o)
    dossier.partners[0].name = "Madame Hortense Partenaire"
    s = sheet(o, dossier)
    body = text_of(client.get(f"/pratiques/{s.id}"))
    api = client.get(f"/api/v1/practices/{s.id}").get_data(as_text=True)
    for page in (body, api):
        assert "Hortense" not in page
        assert o.head_a.full_name not in page and o.head_a.email not in page
        assert o.coordinator.full_name not in page


def test_drafts_missing_consent_and_withdrawn_consent_never_appear(money_world, client):
    o = money_world
    draft = sheet(o, reported(o), title="Brouillon invisible", publish=False)
    no_consent = reported(o, consent=False)
    published = sheet(o, reported(o), title="Fiche bientôt retirée")
    assert client.get(f"/pratiques/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/practices/{draft.id}").status_code == 404
    listing = text_of(client.get("/pratiques"))
    assert "Brouillon invisible" not in listing and "Fiche bientôt retirée" in listing
    # A report without consent is not even the coordinator's to write.
    assert client.get("/pratiques?q=Brouillon").status_code == 200
    from outcomes.services import catalogue_sheets

    assert no_consent.id not in [
        r.dossier_id for r in catalogue_sheets.listing(o.coordinator)[0].items
    ]
    _withdraw(published.dossier)
    assert client.get(f"/pratiques/{published.id}").status_code == 404
    assert "n'est pas publiée" in text_of(client.get(f"/pratiques/{published.id}"))
    assert client.get(f"/api/v1/practices/{published.id}").status_code == 404
    assert "Fiche bientôt retirée" not in text_of(client.get("/pratiques"))
    assert "Fiche bientôt retirée" not in text_of(client.get("/pratiques?q=retirée"))
    assert client.get("/api/v1/practices?q=retir%C3%A9e").get_json()["items"] == []
    assert client.get("/api/v1/practices").get_json()["total"] == 0


def test_search_finds_words_of_the_public_wording(money_world, client):
    o = money_world
    a = sheet(
        o, reported(o), title="Tutorat numérique", summary="Des tablettes pour les décrocheurs."
    )
    b = sheet(
        o, reported(o), title="Atelier théâtre", summary="Une scène pour reprendre confiance."
    )
    found = client.get("/api/v1/practices?q=tablettes").get_json()
    assert [i["id"] for i in found["items"]] == [a.id]
    found = client.get("/api/v1/practices?q=confiance").get_json()
    assert [i["id"] for i in found["items"]] == [b.id]
    assert client.get("/api/v1/practices?q=introuvable").get_json()["items"] == []
    page = text_of(client.get("/pratiques?q=tablettes"))
    assert "Tutorat numérique" in page and "Atelier théâtre" not in page
    assert "1 pratique" in page


def test_search_finds_a_word_s_family(money_world, client):
    """« décrocheurs » finds « décrochage » (the stems differ), « ateliers » finds « atelier »;
    a query with operators means exactly what it says."""
    o = money_world
    a = sheet(o, reported(o), title="Prévenir le décrochage", summary="Un suivi hebdomadaire.")
    b = sheet(o, reported(o), title="Atelier théâtre", summary="Une scène pour les décrochés.")

    def found(q):
        return sorted(
            i["id"]
            for i in client.get("/api/v1/practices", query_string={"q": q}).get_json()["items"]
        )

    assert found("décrocheurs") == sorted([a.id, b.id])
    assert found("ateliers") == [b.id]
    assert found("décrocheurs théâtre") == [b.id]  # every word's family, not any
    assert found("décrocheurs -théâtre") == []  # an operator: exact words only (no décrocheurs)
    assert found("introuvables") == []
    assert found("décrochage -théâtre") == [a.id]


def test_filters_in_the_url(money_world, client, factory):
    o = money_world
    a = sheet(o, reported(o), title="Projet de Lycée A")
    other = factory.establishment(department="17", name="Collège des Salines")
    other.kind = type(other.kind)("college")
    head_b = o.head_b
    head_b.establishment.department_code = "17"
    db.session.flush()
    b = sheet(o, reported(o, author=head_b), title="Projet de l'autre établissement")

    def ids(query):
        return [i["id"] for i in client.get(f"/api/v1/practices?{query}").get_json()["items"]]

    assert set(ids("")) == {a.id, b.id}
    assert ids("departement=17") == [b.id]
    assert ids(f"departement={o.head_a.establishment.department_code}") == [a.id]
    assert set(ids("champ=prevention")) == {a.id, b.id}
    assert ids("champ=remediation") == []
    assert set(ids("axe=1")) == {a.id, b.id}  # an "other" axis
    assert set(ids("axe=2")) == {a.id, b.id}  # the main axis
    assert ids("axe=3") == []
    assert set(ids(f"annee={o.call.school_year}")) == {a.id, b.id}
    assert ids("annee=1999-2000") == []
    kind = o.head_a.establishment.kind.value
    assert a.id in ids(f"type={kind}")
    assert set(ids("type=inconnu&axe=abc&champ=zz")) == {a.id, b.id}  # unknown values ignored
    options = text_of(client.get("/pratiques"))  # the filter form offers what exists
    assert f'<option value="{o.call.school_year}"' in options
    assert '<option value="2" >Axe 2 — ' in options and '<option value="numerique" >' in options
    page = text_of(client.get("/pratiques?departement=17"))
    assert "Projet de l'autre établissement" in page and "Projet de Lycée A" not in page


def test_theme_filter(money_world, client):
    from portal.models import Theme

    o = money_world
    dossier = reported(o)
    theme = db.session.query(Theme).filter_by(code="numerique").one()
    dossier.themes.append(theme)
    with_theme = sheet(o, dossier, title="Avec thème")
    without = sheet(o, reported(o), title="Sans thème")
    items = client.get("/api/v1/practices?theme=numerique").get_json()["items"]
    assert [i["id"] for i in items] == [with_theme.id]
    assert items[0]["themes"] == ["Numérique"]
    assert without.id in [i["id"] for i in client.get("/api/v1/practices").get_json()["items"]]
    assert "Numérique" in text_of(client.get(f"/pratiques/{with_theme.id}"))


def test_pagination_keeps_the_filters(money_world, client):
    o = money_world
    for n in range(21):
        sheet(o, reported(o), title=f"Pratique numéro {n}")
    first = text_of(client.get("/pratiques?champ=prevention"))
    assert "21 pratiques" in first, first[first.find("<h2") :][:300]
    assert re.search(r'href="/pratiques\?page=2&champ=prevention"', first)
    second = client.get("/api/v1/practices?page=2").get_json()
    assert second["page"] == 2 and second["pages"] == 2 and len(second["items"]) == 1


def test_the_public_pages_link_the_open_calls_and_the_way_in(money_world, client):
    o = money_world
    s = sheet(o, reported(o))
    for url in ("/pratiques", f"/pratiques/{s.id}"):
        text = text_of(client.get(url))
        assert f"/appels-a-projets/{o.call.id}" in text
        assert "Se connecter" in text and "Créer un compte" in text


def test_full_text_search_per_database(money_world, client):
    """PostgreSQL: the 'french' configuration stems words (plurals, verb forms) and keeps the
    accents; a word's family (its first letters) finds « décrochage » from « décrocheurs » (two
    stems: décrocheur, décrochag); SQLite: every word (or its root) is looked for inside words."""
    o = money_world
    a = sheet(
        o,
        reported(o),
        title="Lutter contre le décrochage",
        summary="Des élèves suivis.",
        results="Bien.",
    )
    b = sheet(
        o,
        reported(o),
        title="Ateliers numériques",
        summary="Des tablettes prêtées.",
        results="Bien.",
    )

    def ids(q):
        return [
            i["id"]
            for i in client.get("/api/v1/practices", query_string={"q": q}).get_json()["items"]
        ]

    assert ids("élèves suivis") == [a.id]
    assert ids("tablettes décrochage") == []  # every word must be found
    if db.engine.dialect.name == "postgresql":
        assert ids("élève") == [a.id]  # singular finds plural
        assert ids("numérique") == [b.id]
        assert ids("prêter") == [b.id]  # a verb form finds the past participle
        assert ids("décrocheurs") == [a.id]  # another stem, the same family
        assert ids("tablettes -numériques") == []  # web search syntax: minus excludes
        assert ids('"ateliers numériques"') == [b.id]  # a quoted phrase
        # The GIN expression index of migration 0019 is the one the query reads.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        from outcomes.models import FTS_DOCUMENT

        plan = (
            db.session.execute(
                text(
                    "EXPLAIN SELECT id FROM practice_sheet WHERE "
                    f"{FTS_DOCUMENT} @@ websearch_to_tsquery('french', 'tablettes')"
                )
            )
            .scalars()
            .all()
        )
        assert "ix_practice_sheet_fts" in "\n".join(plan)
    else:
        assert ids("élève") == [a.id]  # a word inside a longer one
        assert ids("décroch") == [a.id]
        assert ids("numérique") == [b.id]
        assert ids("100%") == [] and ids("a_b") == []  # LIKE wildcards are escaped


def test_statements_per_page_do_not_grow_with_the_sheets(money_world, client, count_queries):
    o = money_world
    first = sheet(o, reported(o))

    def counts():
        out = []
        for url in (
            "/pratiques",
            "/pratiques?q=théâtre&champ=prevention",
            f"/pratiques/{first.id}",
        ):
            with count_queries() as queries:
                assert client.get(url).status_code == 200
            out.append(queries.count)
        return out

    counts()  # warm
    few = counts()
    for n in range(6):
        s = sheet(o, reported(o), title=f"Autre pratique {n}")
        s.dossier.partners[0].kind = "cio"
    db.session.flush()
    assert counts() == few
    assert few[0] <= 4 and few[2] <= 7  # cards, themes, filter choices, open calls; the sheet


def test_the_sheet_gives_the_period_of_its_actions(money_world, client):
    """From the earliest date of any action to the latest (a start or an end, either missing);
    no period when no action is dated."""
    o = money_world
    dossier = reported(o)
    s = sheet(o, dossier)
    dossier.actions = [
        Action(position=1, title="Lancement", end_date=dt.date(2025, 10, 3)),
        Action(position=2, title="Ateliers", start_date=dt.date(2025, 9, 15)),
        Action(
            position=3,
            title="Bilan",
            start_date=dt.date(2026, 1, 5),
            end_date=dt.date(2026, 6, 30),
        ),
    ]
    db.session.flush()
    body = text_of(client.get(f"/pratiques/{s.id}"))
    assert "Période" in body and "du 15/09/2025 au 30/06/2026" in body
    api = client.get(f"/api/v1/practices/{s.id}").get_json()
    assert (api["period_start"], api["period_end"]) == ("2025-09-15", "2026-06-30")
    dossier.actions = [Action(position=1, title="Sans date")]
    db.session.flush()
    assert "Période" not in text_of(client.get(f"/pratiques/{s.id}"))
