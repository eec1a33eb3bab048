"""The dashboard's months: committed amounts grouped in SQL by UTC hour, then by Paris month
(issue 13: no row per commitment loaded). The month is the one Paris lives in, at both changes of
UTC offset, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import literal, select, update

from funding import dashboard
from funding.models import Commitment, CommitmentStatus
from funding.services.common import hour_to_paris_month, to_paris_month, utc_hour
from portal.db import UTCDateTime, db

from .conftest import REGION, STATE
from .test_dashboard_queries import add_committed_dossiers, big_world  # noqa: F401 (fixture)

UTC = dt.UTC
MOMENTS = [
    dt.datetime(2026, 1, 31, 22, 59, 59, tzinfo=UTC),  # 23:59 in Paris (UTC+1): January
    dt.datetime(2026, 1, 31, 23, 0, 0, tzinfo=UTC),  # midnight in Paris: February
    dt.datetime(2026, 6, 30, 21, 30, tzinfo=UTC),  # 23:30 in Paris (UTC+2): June
    dt.datetime(2026, 6, 30, 22, 0, tzinfo=UTC),  # midnight in Paris: July
    dt.datetime(2026, 12, 31, 23, 15, tzinfo=UTC),  # 00:15 on 1 January 2027 in Paris
]


def test_the_utc_hour_gives_the_paris_month(app):
    for moment in MOMENTS:
        hour = db.session.scalar(select(utc_hour(literal(moment, UTCDateTime()))))
        assert hour == moment.strftime("%Y-%m-%d %H")
        assert hour_to_paris_month(hour) == to_paris_month(moment)
    assert [to_paris_month(m) for m in MOMENTS] == [
        "2026-01",
        "2026-02",
        "2026-06",
        "2026-07",
        "2027-01",
    ]


def test_the_series_equals_the_commitments_month_by_month(big_world):
    o = big_world
    add_committed_dossiers(o, 30)
    ids = db.session.scalars(
        select(Commitment.id).where(Commitment.call_id == o.call.id).order_by(Commitment.id)
    ).all()
    for i, commitment_id in enumerate(ids):  # spread over the boundaries above
        db.session.execute(
            update(Commitment)
            .where(Commitment.id == commitment_id)
            .values(created_at=MOMENTS[i % len(MOMENTS)] + dt.timedelta(minutes=i % 3))
        )
    db.session.expire_all()
    expected: dict = {STATE: defaultdict(Decimal), REGION: defaultdict(Decimal)}
    for c in db.session.scalars(
        select(Commitment).where(
            Commitment.call_id == o.call.id, Commitment.status == CommitmentStatus.active
        )
    ):
        expected[c.funder][to_paris_month(c.created_at)] += c.amount
    budget = dashboard.call_budget(o.call)
    for funder in (STATE, REGION):
        series = budget.for_funder(funder).over_time
        months = sorted(expected[funder])
        assert months and all(m in [month for month, _, _ in series] for m in months)
        running = Decimal(0)
        by_month = {month: committed for month, committed, _ in series}
        for month in months:
            running += expected[funder][month]
            assert by_month[month] == running, (funder, month)
        assert series[-1][1] == budget.for_funder(funder).committed
