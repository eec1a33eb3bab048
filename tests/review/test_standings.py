"""The ranking in SQL (review.standings, review.totals) against the reference (build_ranking and
review.aggregation), and what each page costs in statements at two sizes."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from portal.db import db
from portal.models import Institution
from review.models import Review, ReviewSettings, ReviewStatus
from review.ranking import RankingQuery, build_ranking
from review.reviewer_store import reviewer_summaries, summaries_by_aggregate
from review.standings import ranking_page
from review.totals import refresh_call

from ..conftest import login
from ..helpers import count_queries
from .helpers import attach_grid, make_dossier, make_review, setup_call

D = Decimal
HALVES = st.integers(0, 10).map(lambda n: D(n) / 2)


def _figures(row):
    a = row.aggregate
    return (row.dossier.id, row.rank, a, row.amount_region, row.amount_state)


def _compare(user, call):
    reference = build_ranking(user, call)
    page = ranking_page(user, call, RankingQuery(), per_page=1000)
    assert [_figures(r) for r in page.rows] == [_figures(r) for r in reference.rows]
    assert page.total == page.matched == len(reference.rows)
    # small pages in the rank's own orders (the window then ranks only the rows up to the page)
    for query in (RankingQuery(), RankingQuery(sort="rang", order="asc")):
        pages = max(1, -(-len(reference.rows) // 2))
        paged = [
            row
            for number in range(1, pages + 1)
            for row in ranking_page(user, call, query, page=number, per_page=2).rows
        ]
        assert [_figures(r) for r in paged] == [_figures(r) for r in reference.rows]
    assert reviewer_summaries(user, call) == reference.reviewers()
    assert summaries_by_aggregate(user, call) == reference.reviewers()


REVIEW = st.tuples(
    st.sampled_from(["s1", "s2", "r1"]),
    HALVES,
    HALVES,
    st.sampled_from([ReviewStatus.submitted] * 3 + [ReviewStatus.draft]),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    dossiers=st.lists(st.lists(REVIEW, max_size=3), min_size=1, max_size=6),
    gap=st.integers(0, 2000),
    spread=st.integers(0, 2000),
    weights=st.tuples(st.integers(1, 1000), st.integers(1, 1000)),
)
def test_sql_figures_equal_the_reference_on_random_calls(
    world, factory, dossiers, gap, spread, weights
):
    savepoint = db.session.begin_nested()
    try:
        r = setup_call(world, factory)
        settings_row = db.session.get(ReviewSettings, r.call.id)
        settings_row.gap_threshold, settings_row.spread_threshold = D(gap) / 100, D(spread) / 100
        r.grid[0].weight, r.grid[1].weight = D(weights[0]) / 100, D(weights[1]) / 100
        institutions = {"s1": Institution.state, "s2": Institution.state, "r1": Institution.region}
        for n, reviews in enumerate(dossiers):
            d = make_dossier(r.call, (world.est_a, world.est_b)[n % 2], world.head_a)
            attach_grid(r, d)
            for who in {who: None for who, *_ in reviews}:
                _, x, y, status = next(rv for rv in reviews if rv[0] == who)
                make_review(d, getattr(r, who), institutions[who], (x, y), status=status)
        db.session.flush()
        _compare(world.call_admin, r.call)
        _compare(r.copilot_region, r.call)
    finally:
        savepoint.rollback()


def test_the_ranked_fixture_matches_for_every_viewer(world, ranked):
    for user in (world.call_admin, ranked.copilot_state, ranked.copilot_region):
        _compare(user, ranked.call)


def test_totals_follow_submission_and_reopening(world, ranked):
    review = db.session.scalars(
        select(Review).where(Review.dossier_id == ranked.a.id, Review.reviewer_id == ranked.s1.id)
    ).one()
    assert review.total_cents == 1600
    review.status = ReviewStatus.reopened
    db.session.flush()
    assert review.total_cents is None
    review.status = ReviewStatus.submitted
    review.scores[0].value = D(5)
    db.session.flush()
    assert review.total_cents == 1867  # (2×5 + 4)/15 × 20 = 18.67
    _compare(world.call_admin, ranked.call)


def test_a_grid_weight_change_recomputes_the_stored_totals(world, ranked):
    ranked.grid[1].weight = D(2)  # (2×4 + 2×4)/20 × 20: 16 still; B's 12 stays 12
    ranked.grid[0].weight = D(1)
    db.session.flush()
    _compare(world.call_admin, ranked.call)
    db.session.execute(update(Review).values(total_cents=None))
    db.session.expire_all()
    assert refresh_call(ranked.call.id) == 6
    _compare(world.call_admin, ranked.call)


def test_the_page_paginates_in_sql(client, world, factory):
    r = setup_call(world, factory)
    _bulk(world, r, 7)
    page = ranking_page(world.call_admin, r.call, RankingQuery(), page=2, per_page=3)
    reference = build_ranking(world.call_admin, r.call).rows
    assert [x.dossier.id for x in page.rows] == [x.dossier.id for x in reference[3:6]]
    assert (page.total, page.matched, page.page, page.pages) == (7, 7, 2, 3)
    last = ranking_page(world.call_admin, r.call, RankingQuery(), page=99, per_page=3)
    assert last.page == 3 and len(last.rows) == 1
    db.session.commit()
    login(client, world.call_admin)
    body = client.get(f"/instruction/appels/{r.call.id}/classement?page=2").get_data(as_text=True)
    assert "7 dossiers sur 7." in body


# ------------------------------------------------------------------ statements at two sizes


def _bulk(world, r, n: int, start: int = 0):
    ests = [world.est_a, world.est_b]
    for i in range(start, start + n):
        d = make_dossier(r.call, ests[i % 2], world.head_a, main_axis=1 + i % 4)
        attach_grid(r, d)
        make_review(d, r.s1, Institution.state, (i % 6, (i + 1) % 6))
        make_review(d, r.r1, Institution.region, ((i + 3) % 6, (i + 4) % 6))
    db.session.flush()


def _statements(client, url) -> int:
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as queries:
        response = client.get(url)
        response.get_data()  # a streamed export is read to the end inside the count
    assert response.status_code == 200
    return queries.count


def test_statements_are_the_same_at_50_and_500_dossiers(client, world, factory):
    r = setup_call(world, factory)
    _bulk(world, r, 50)
    login(client, world.call_admin)
    base = f"/instruction/appels/{r.call.id}"
    urls = [
        f"{base}/classement",
        f"{base}/classement?tri=etablissement&page=2&domaine=prevention",
        f"{base}/classement.csv",
        f"{base}/classement.xlsx",
        f"{base}/evaluations.csv",
    ]
    few = [_statements(client, u) for u in urls]
    _bulk(world, r, 450, start=50)
    many = [_statements(client, u) for u in urls]
    # pages and exports: the same statements (the every-review export reads its 1,000 reviews
    # with their scores pivoted in SQL, through one cursor, however many batches of BATCH)
    assert few == many
    assert max(few + many) < 20


def test_a_budget_line_change_or_removal_moves_the_amounts_asked(world, ranked):
    line = next(b for b in ranked.a.budget_lines if b.kind == "resource" and b.category == "region")
    line.amount = D("1234.56")
    db.session.flush()
    row = next(
        r
        for r in ranking_page(world.call_admin, ranked.call, RankingQuery()).rows
        if r.dossier.id == ranked.a.id
    )
    assert row.amount_region == D("1234.56")
    _compare(world.call_admin, ranked.call)
    ranked.a.budget_lines.remove(line)
    db.session.flush()
    row = next(
        r
        for r in ranking_page(world.call_admin, ranked.call, RankingQuery()).rows
        if r.dossier.id == ranked.a.id
    )
    assert row.amount_region == D("0.00")
    _compare(world.call_admin, ranked.call)
