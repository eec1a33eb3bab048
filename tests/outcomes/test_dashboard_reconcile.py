"""The outcome dashboard's money reconciles with the funding area's budget dashboard and lists
for the same call (their definitions are reused, not re-decided), and the exports and the API
give the page's figures."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
from sqlalchemy import func, select

from funding.models import Commitment, CommitmentStatus
from funding.services import dashboard as budget
from funding.services import lists
from outcomes.services import dashboard
from outcomes.services.dashboard_filters import Filters
from portal.auth.services import issue_api_token
from portal.db import db

from ..conftest import login
from ..funding.conftest import REGION, STATE
from .test_dashboard import themes, two_projects  # noqa: F401  (fixtures)


def test_funded_projects_and_money_equal_the_budget_dashboard(two_projects):
    o = two_projects
    other = o.factory.call()  # another call's project must not count in this call's figures
    o.call, kept = other, o.call
    from funding import services

    services.set_envelope(o.budget_state, other, STATE, "100000.00")
    services.set_envelope(o.budget_region, other, REGION, "100000.00")
    from .dashboard_helpers import project

    project(o, "700.00", "0.00")
    o.call = kept
    # a cancelled commitment: no longer granted, its dossier still funded by the other funder
    cancelled = db.session.scalar(
        select(Commitment).where(Commitment.dossier_id == o.b.id, Commitment.funder == REGION)
    )
    cancelled.amount, cancelled.status = Decimal("0.00"), CommitmentStatus.cancelled
    db.session.flush()

    mine = dashboard.compute(Filters(call_id=o.call.id)).total
    theirs = budget.call_budget(o.call)
    for funder in (STATE, REGION):
        fb = theirs.for_funder(funder)
        assert mine.granted[funder] == fb.committed
        assert mine.paid(funder) == fb.paid
        assert mine.commitments[funder] == fb.commitments
        listed = lists.commitment_list(o.call, funder, CommitmentStatus.active, 1)
        assert listed.totals.committed == mine.granted[funder]
        assert listed.totals.count == mine.commitments[funder]
    # funded projects: the distinct dossiers of the call's active commitments
    distinct = db.session.scalar(
        select(func.count(func.distinct(Commitment.dossier_id))).where(
            Commitment.call_id == o.call.id, Commitment.status == CommitmentStatus.active
        )
    )
    assert mine.projects == distinct == 3
    across = dashboard.compute(Filters()).total
    assert across.projects == 4
    assert across.granted_total == mine.granted_total + Decimal("700.00")


def test_exports_give_the_page_figures(client, two_projects):
    login(client, two_projects.observer)
    response = client.get("/resultats.csv?departement=86")
    assert response.status_code == 200
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    header, total = rows[0], rows[1]
    assert total[header.index("Projets financés")] == "2"
    assert total[header.index("Accordé total (€)")] == "3300,00"
    assert total[header.index("Jeunes atteints")] == "12"
    assert any(r[0] == "Département" and r[1] == "Vienne (86)" for r in rows[2:])
    xlsx = client.get("/resultats.xlsx?departement=86")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][values[0].index("Accordé total (€)")] == 3300


def test_the_api_gives_the_same_figures(client, two_projects):
    o = two_projects
    token = issue_api_token(o.coordinator)
    response = client.get(
        "/api/v1/outcomes?department=17", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["filters"] == {"department": "17"}
    assert body["total"]["projects"] == 1
    assert body["total"]["granted"] == {"state": "500.00", "region": "500.00", "total": "1000.00"}
    assert body["total"]["reached"]["total"] == 6
    assert [line["label"] for line in body["breakdowns"]["department"]] == [
        "Charente-Maritime (17)"
    ]
    bad = client.get("/api/v1/outcomes?kind=zz", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 400
    assert bad.get_json()["errors"] == {"kind": "Choisissez un type d'établissement de la liste."}
    refused = client.get(
        "/api/v1/outcomes", headers={"Authorization": f"Bearer {issue_api_token(o.budget)}"}
    )
    assert refused.status_code == 403


def test_the_api_dump_is_the_documented_schema(two_projects, themes):
    """The API writes its answer out (outcomes.schemas.dump_dashboard) rather than through
    marshmallow: the same dict as OutcomeDashboardSchema gives, for every breakdown."""
    from outcomes import schemas

    o = two_projects
    for filters in (Filters(), Filters(call_id=o.call.id), Filters(department="86")):
        data = dashboard.compute(filters)
        body = {
            "filters": {"call": str(o.call.id)},
            "total": data.total,
            "breakdowns": data.breakdowns,
            "indicators": data.indicators,
        }
        if filters.empty:  # the comparison covers themes and indicators
            assert data.breakdowns["theme"] and data.indicators
        assert schemas.dump_dashboard(body) == schemas.OutcomeDashboardSchema().dump(body)
