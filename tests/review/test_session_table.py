"""The session's table in SQL (review.funding_line: running totals by window, the funding line,
a page of rows) against the reference (session_table: the whole ranking walked by funding_plan),
and the session page showing the rows around the line at a constant number of statements."""

from __future__ import annotations

import html
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.models import DossierStatus
from portal.db import db, utcnow
from portal.models import Institution
from review.models import CommissionSession, Decision, DecisionOutcome
from review.services.sessions import session_page, session_table

from ..conftest import login
from ..helpers import count_queries
from .helpers import attach_grid, make_dossier, make_review, setup_call

D = Decimal
STATES = [
    DossierStatus.in_review,
    DossierStatus.reviewed,
    DossierStatus.proposed_accept,
    DossierStatus.proposed_reject,
    DossierStatus.accepted,
    DossierStatus.rejected,
]
CENTS = st.integers(0, 500_000).map(lambda c: D(c) / 100)
DECISION = st.one_of(
    st.none(),
    st.tuples(
        st.sampled_from([DecisionOutcome.accept, DecisionOutcome.reject, DecisionOutcome.adjourn]),
        st.integers(1, 400_000).map(lambda c: D(c) / 100),
        st.integers(0, 400_000).map(lambda c: D(c) / 100),
        st.booleans(),
    ),
)
DOSSIER = st.tuples(
    st.sampled_from(STATES),
    CENTS,
    CENTS,
    st.lists(st.integers(0, 5), min_size=0, max_size=2),
    DECISION,
)


def _figures(row):
    return (
        row.rank,
        row.dossier.id,
        row.score,
        row.flagged,
        row.asked,
        row.granted,
        row.planned,
        row.cumulative_granted,
        row.cumulative_planned,
        row.remaining,
        row.beyond,
        row.decision.id if row.decision else None,
    )


def _compare(user, call, envelopes):
    rows, line, totals = session_table(user, call, envelopes)
    page = session_page(user, call, envelopes, page=1, per_page=10_000)
    assert [_figures(r) for r in page.rows] == [_figures(r) for r in rows]
    assert (page.count, page.line, page.totals) == (len(rows), line, totals)
    return rows


def _decision(r, dossier, spec, session):
    outcome, state, region, final = spec
    accept = outcome == DecisionOutcome.accept
    final = final and outcome != DecisionOutcome.adjourn
    decision = Decision(
        dossier_id=dossier.id,
        session_id=session.id,
        outcome=outcome,
        amount_state=state if accept else D("0.00"),
        amount_region=region if accept else D("0.00"),
        motivation="Motivé.",
        proposed_by_id=r.copilot_state.id,
        state_validated_by_id=r.copilot_state.id if final else None,
        region_validated_by_id=r.copilot_region.id if final else None,
        finalised_at=utcnow() if final else None,
    )
    db.session.add(decision)


def _call(world, factory, dossiers):
    r = setup_call(world, factory)
    session = CommissionSession(call_id=r.call.id, held_on=utcnow().date(), title="Séance")
    db.session.add(session)
    db.session.flush()
    for n, (status, region, state, marks, spec) in enumerate(dossiers):
        d = make_dossier(
            r.call,
            (world.est_a, world.est_b)[n % 2],
            world.head_a,
            status=status,
            region=region,
            state=state,
        )
        attach_grid(r, d)
        for who, mark in zip((r.s1, r.r1), marks, strict=False):
            institution = Institution.state if who is r.s1 else Institution.region
            make_review(d, who, institution, (mark, 5 - mark))
        if spec is not None:
            _decision(r, d, spec, session)
    db.session.flush()
    return r, session


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    dossiers=st.lists(DOSSIER, min_size=0, max_size=7),
    envelopes=st.tuples(st.one_of(st.none(), CENTS), st.one_of(st.none(), CENTS)),
    exact=st.integers(0, 6),
)
def test_sql_session_table_equals_the_reference_on_random_calls(
    world, factory, dossiers, envelopes, exact
):
    savepoint = db.session.begin_nested()
    try:
        r, _ = _call(world, factory, dossiers)
        known = {"state": envelopes[0], "region": envelopes[1]}
        rows = _compare(r.copilot_region, r.call, known)
        if rows:
            # an envelope exactly equal to a running total: the line falls on that row
            at = rows[min(exact, len(rows) - 1)]
            known = {"state": at.cumulative_planned["state"], "region": None}
            assert _compare(world.call_admin, r.call, known)[0].rank == 1
    finally:
        savepoint.rollback()


def _bulk(world, factory, n):
    specs = [
        (DossierStatus.reviewed, "3000.00", "2000.00", [i % 6, (i + 2) % 6], None) for i in range(n)
    ]
    return _call(world, factory, specs)


def test_the_page_holds_the_funding_line_and_pages_around_it(world, factory):
    r, _ = _bulk(world, factory, 12)
    envelopes = {"region": D("20000.00")}  # 3,000 a row: the line after the 6th row
    rows, line, _ = session_table(world.call_admin, r.call, envelopes)
    page = session_page(world.call_admin, r.call, envelopes, per_page=4)
    assert line["region"]["rank"] == page.line["region"]["rank"] == 6
    assert (page.page, page.pages, page.count) == (2, 3, 12)
    assert [x.rank for x in page.rows] == [5, 6, 7, 8]
    assert [_figures(x) for x in page.rows] == [_figures(x) for x in rows[4:8]]
    last = session_page(world.call_admin, r.call, envelopes, page=99, per_page=4)
    assert last.page == 3 and [x.rank for x in last.rows] == [9, 10, 11, 12]
    first = session_page(world.call_admin, r.call, {}, per_page=4)
    assert first.page == 1 and first.line == {}


def test_the_session_page_shows_a_page_and_links_to_the_line(client, world, factory):
    r, session = _bulk(world, factory, 60)
    db.session.commit()
    login(client, world.call_admin)
    url = f"/instruction/seances/{session.id}?enveloppe_region=150000"  # 50 rows fit
    body = html.unescape(client.get(url).get_data(as_text=True))
    assert "Rangs 1 à 50 sur 60 dossiers instruits (page 1 sur 2)." in body
    assert 'id="ligne-region"' in body
    second = html.unescape(client.get(url + "&page=2").get_data(as_text=True))
    assert "Rangs 51 à 60 sur 60" in second
    assert 'id="ligne-region"' not in second
    assert "enveloppe_region=150000" in second  # the page links keep the typed envelope
    link = f"/instruction/seances/{session.id}?page=1&amp;enveloppe_region=150000#ligne-region"
    assert link in client.get(url + "&page=2").get_data(as_text=True)


def test_the_session_page_costs_the_same_statements_at_20_and_200_rows(client, world, factory):
    r, session = _bulk(world, factory, 20)
    db.session.commit()
    login(client, world.call_admin)
    url = f"/instruction/seances/{session.id}?enveloppe_etat=50000&enveloppe_region=90000"

    def statements():
        db.session.expunge_all()
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        return queries.count

    few = statements()
    for i in range(180):
        d = make_dossier(r.call, world.est_a, world.head_a, status=DossierStatus.reviewed)
        attach_grid(r, d)
        make_review(d, r.s1, Institution.state, (i % 6, (i + 1) % 6))
    db.session.commit()
    assert statements() == few
    # session with its attendees, call, membership, envelopes, settings, figures, the page
    assert few <= 8
