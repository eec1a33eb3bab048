"""The outcome dashboard (/resultats): figures, breakdowns, filters, the rule of targets met."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from markupsafe import escape
from sqlalchemy import literal, select

from funding.models import ReportStatus
from outcomes.services import dashboard
from outcomes.services.dashboard_filters import Filters
from portal.db import db
from portal.models import EstablishmentKind
from portal.reference import Theme, target_met

from ..conftest import login
from ..funding.conftest import REGION, STATE
from .dashboard_helpers import project


@pytest.fixture
def themes(app):
    return {t.code: t for t in db.session.scalars(select(Theme))}


@pytest.fixture
def two_projects(money_world, themes):
    """A: Lycée A (86), 1 000 + 2 000 €, numérique, prévention, axis 2, two indicators (one met),
    a report reaching 8 + 4; B: Lycée B (17), 500 + 500 €, numérique and santé, remédiation,
    axis 1, its only indicator met, a report reaching 6; C: Lycée A, no report yet."""
    o = money_world
    o.a = project(
        o,
        "1000.00",
        "2000.00",
        themes=[themes["numerique"]],
        targets=(("at_risk", "under_16", 10), ("return_path", "16_18", 6)),
        paid=[(STATE, "500.00"), (REGION, "1000.00")],
        settled=[(REGION, "100.00")],
        reach=(("at_risk", 8), ("return_path", 4)),
        outcomes=(("stayed_in_school", 9), ("employment", 3)),
        indicators=(("up", "80", "85"), ("down", "5", "7")),
    )
    o.b = project(
        o,
        "500.00",
        "500.00",
        author=o.head_b,
        themes=[themes["numerique"], themes["sante"]],
        fields=("remediation",),
        axis=1,
        targets=(("left_without_qualification", "19_25", 5),),
        reach=(("left_without_qualification", 6),),
        outcomes=(("qualification", 6),),
        indicators=(("down", "10", "10"),),
    )
    o.c = project(o, "300.00", "0.00", report=None, targets=(("at_risk", "16_18", 4),))
    return o


def test_totals_add_up_the_funded_projects(two_projects):
    o = two_projects
    t = dashboard.compute(Filters()).total
    assert (t.projects, t.reported) == (3, 2)
    assert t.granted == {STATE: Decimal("1800.00"), REGION: Decimal("2500.00")}
    assert t.granted_total == Decimal("4300.00")
    assert (t.paid(STATE), t.paid(REGION), t.paid_total) == (
        Decimal("500.00"),
        Decimal("900.00"),
        Decimal("1400.00"),
    )
    assert t.targeted == {"at_risk": 14, "left_without_qualification": 5, "return_path": 6}
    assert t.reached == {"at_risk": 8, "left_without_qualification": 6, "return_path": 4}
    assert (t.targeted_total, t.reached_total) == (25, 18)
    assert t.outcomes["stayed_in_school"] == 9 and t.outcomes["qualification"] == 6
    assert sum(t.outcomes.values()) == t.reached_total
    # A met one of two targets, B its only one: 1 project of 2 met them all, 2 indicators of 3
    assert (t.measured_projects, t.met_all_projects) == (2, 1)
    assert (t.indicators_measured, t.indicators_met) == (3, 2)
    assert t.met_all_share == Decimal("50.0")
    # cost per young person: what A and B (the projects that reported) got, per young reached
    assert t.cost_per_young == (Decimal("4000.00") / 18).quantize(Decimal("0.01"))
    assert o.c.id  # C counts in projects and money, not in reach


def test_breakdowns_count_each_project_in_each_of_its_values(two_projects, themes):
    data = dashboard.compute(Filters())
    by = {dim: {line.key: line.figures for line in lines} for dim, lines in data.breakdowns.items()}
    assert {k: f.projects for k, f in by["department"].items()} == {"86": 2, "17": 1}
    assert by["department"]["17"].granted_total == Decimal("1000.00")
    # B has two themes: it counts under each, once in the totals
    numerique, sante = str(themes["numerique"].id), str(themes["sante"].id)
    assert {k: f.projects for k, f in by["theme"].items()} == {numerique: 2, sante: 1}
    assert by["theme"][numerique].reached_total == 18
    assert {k: f.projects for k, f in by["field"].items()} == {"prevention": 2, "remediation": 1}
    assert {k: f.projects for k, f in by["axis"].items()} == {"2": 2, "1": 1}
    assert {k: f.projects for k, f in by["rep"].items()} == {"": 3}
    assert {k: f.projects for k, f in by["kind"].items()} == {"lgt": 3}
    assert [line.label for line in data.breakdowns["rep"]] == ["Hors éducation prioritaire"]
    assert sum(f.granted_total for f in by["call"].values()) == data.total.granted_total


def test_filters_narrow_every_figure(two_projects, themes):
    o = two_projects
    only_b = dashboard.compute(Filters(department="17")).total
    assert (only_b.projects, only_b.granted_total, only_b.reached_total) == (
        1,
        Decimal("1000.00"),
        6,
    )
    assert dashboard.compute(Filters(theme_id=themes["sante"].id)).total.projects == 1
    assert dashboard.compute(Filters(field="prevention")).total.projects == 2
    assert dashboard.compute(Filters(axis=1)).total.projects == 1
    assert (
        dashboard.compute(Filters(call_id=o.call.id, school_year="2014-2015")).total.projects == 3
    )
    assert dashboard.compute(Filters(kind=EstablishmentKind.lp)).empty
    assert dashboard.compute(Filters(rep="REP+")).empty
    assert dashboard.compute(Filters(rep="hors")).total.projects == 3


def test_draft_reports_do_not_count(money_world):
    o = money_world
    project(o, report=ReportStatus.draft, reach=(("at_risk", 50),), indicators=(("up", "1", "2"),))
    t = dashboard.compute(Filters()).total
    assert (t.projects, t.reported, t.reached_total, t.measured_projects) == (1, 0, 0, 0)
    assert t.cost_per_young is None


VALUES = [None, Decimal("0"), Decimal("5"), Decimal("5.00"), Decimal("7.5")]


@pytest.mark.parametrize("direction", ["up", "down"])
def test_the_sql_rule_is_target_met(app, direction):
    """met_condition (SQL) answers as portal.reference.target_met on every pair of values."""
    for target, achieved in itertools.product(VALUES, VALUES):
        expected = target_met(direction, target, achieved)
        if expected is None:
            continue
        got = db.session.scalar(
            select(dashboard.met_condition(literal(direction), literal(target), literal(achieved)))
        )
        assert bool(got) is expected, (direction, target, achieved)


def test_the_page_shows_figures_charts_and_their_tables(client, two_projects):
    o = two_projects
    login(client, o.coordinator)
    body = client.get("/resultats").get_data(as_text=True)
    assert 'id="projets">3<' in body
    assert 'id="accorde">4\u202f300,00\xa0€<' in body
    assert 'id="verse">1\u202f400,00\xa0€<' in body
    assert 'id="jeunes-atteints">18<' in body
    # every chart is an image with its text alternative, followed by its table
    assert body.count('role="img" aria-label="') >= 4
    assert body.count("<caption") >= 10
    assert 'scope="row">Charente-Maritime (17)</th>' in body
    assert "Aucun projet financé" not in body


def test_no_project_says_so(client, money_world):
    login(client, money_world.observer)
    response = client.get("/resultats?departement=17")
    assert response.status_code == 200
    assert "Aucun projet financé ne correspond à ces filtres." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("appel=999999", "appel", "Choisissez un appel à projets de la liste."),
        ("annee=2014", "annee", "Choisissez une année scolaire de la liste"),
        ("departement=75", "departement", "Choisissez un département de la liste."),
        ("type=universite", "type", "Choisissez un type d'établissement de la liste."),
        ("education_prioritaire=REP%2B%2B", "education_prioritaire", "Choisissez REP, REP+"),
        ("theme=abc", "theme", "Choisissez une thématique de la liste."),
    ],
)
def test_a_bad_filter_is_refused_on_its_field(client, two_projects, query, field, message):
    login(client, two_projects.copilot)
    response = client.get(f"/resultats?{query}")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert f'id="filtre-{field}-erreur" class="fr-error-text">{escape(message)}' in body
    assert 'id="projets"' not in body
    export = client.get(f"/resultats.csv?{query}")
    assert export.status_code == 400


def test_the_menu_leads_its_readers_to_the_dashboard(client, money_world):
    o = money_world
    link = 'href="/resultats"'
    for who, shown in ((o.coordinator, True), (o.observer, True), (o.budget, False)):
        login(client, who)
        assert (link in client.get("/").get_data(as_text=True)) is shown, who.email
        client.post("/deconnexion")
    login(client, o.budget)
    assert client.get("/resultats").status_code == 403
