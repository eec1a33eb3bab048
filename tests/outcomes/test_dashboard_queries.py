"""The outcome dashboard, its export and its API cost the same number of SQL statements with 10
or 200 funded dossiers (bulk rows: the funding builder, then bench.outcome_rows' targets,
themes, indicators, reports with reach and outcomes)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from applications.models import Dossier
from bench.outcome_rows import add_outcomes
from outcomes.services import dashboard
from outcomes.services.dashboard_filters import Filters
from portal.auth.services import issue_api_token
from portal.db import db, utcnow

from ..conftest import login
from ..funding.test_dashboard_queries import add_committed_dossiers
from ..helpers import count_queries


def _grow(o, count: int) -> None:
    before = set(db.session.scalars(select(Dossier.id)))
    add_committed_dossiers(o, count)
    new = sorted(set(db.session.scalars(select(Dossier.id))) - before)
    add_outcomes(new, o.head_a.id, utcnow(), report_every=2)
    db.session.flush()


def _count(client, url: str, headers=None) -> int:
    client.get(url, headers=headers)
    with count_queries() as counter:
        response = client.get(url, headers=headers)
        response.get_data()
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return counter.count


@pytest.mark.parametrize(
    "url",
    ["/resultats", "/resultats?departement=86&champ=prevention", "/resultats.csv", "api"],
)
def test_statements_do_not_grow_with_the_dossiers(client, money_world, url):
    o = money_world
    headers = None
    if url == "api":
        url, headers = (
            "/api/v1/outcomes",
            {"Authorization": f"Bearer {issue_api_token(o.observer)}"},
        )
    else:
        login(client, o.coordinator)
    _grow(o, 10)
    small = _count(client, url, headers)
    _grow(o, 190)
    assert _count(client, url, headers) == small
    assert small <= 4  # the user (or token), the reference lists (1), the figures (2)


def test_the_bulk_rows_add_up(money_world):
    o = money_world
    _grow(o, 40)
    t = dashboard.compute(Filters(call_id=o.call.id)).total
    assert t.projects == 40 and t.reported == 20
    assert t.reached_total == 20 * 20 == sum(t.outcomes.values())
    assert t.targeted_total == 40 * 24
    assert t.measured_projects == 20 and t.met_all_projects == 13
