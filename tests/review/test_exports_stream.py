"""The every-review export reads plain columns in the ranking's order (review.exports): the
page's sort and filters, the yes/no criteria, and z-scores equal to the reference's."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from review.aggregation import standardise, standardiser

from ..conftest import login


def _rows(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def test_reviews_follow_the_ranking_sort_then_their_order(client, world, ranked):
    login(client, world.call_admin)
    url = f"/instruction/appels/{ranked.call.id}/evaluations.csv"
    by_rank = [r["Référence"] for r in _rows(client, url)]
    a, b, c = ranked.a.reference, ranked.b.reference, ranked.c.reference
    assert by_rank == [a, a, a, b, b, c]  # A ranks first (17), then B (12), then C (8)
    by_score_up = [r["Référence"] for r in _rows(client, url + "?tri=score&ordre=asc")]
    assert by_score_up == [c, b, b, a, a, a]
    flagged = _rows(client, url + "?signales=1")
    assert {r["Référence"] for r in flagged} == {a, c}
    within_a = [r["Instructeur"] for r in _rows(client, url) if r["Référence"] == a]
    assert within_a == ["Sévère État", ranked.s2.full_name, ranked.r1.full_name]


def test_yes_no_criteria_and_missing_scores(client, world, ranked):
    login(client, world.call_admin)
    rows = _rows(client, f"/instruction/appels/{ranked.call.id}/evaluations.csv")
    flags = {(r["Référence"], r["Instructeur"]): r["Partenariat local (oui/non)"] for r in rows}
    assert flags[(ranked.b.reference, ranked.r1.full_name)] == "Non"
    assert flags[(ranked.a.reference, ranked.r1.full_name)] == "Oui"


totals = st.decimals(min_value=Decimal(0), max_value=Decimal(20), places=2)


@given(st.lists(totals, min_size=1, max_size=12))
def test_the_reviewer_standardiser_is_standardise(xs):
    n, sum_x, sum_x2 = len(xs), sum(xs, Decimal(0)), sum((x * x for x in xs), Decimal(0))
    z = standardiser(n, sum_x, sum_x2)
    assert [z(x) for x in xs] == [standardise(x, n, sum_x, sum_x2) for x in xs]
