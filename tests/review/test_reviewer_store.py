"""The stored per-reviewer figures (review.reviewer_store) against the reference computations:
`Ranking.reviewers()` of build_ranking and the GROUP BY over every visible review, for readers with
conflicts, an establishment of their own and reviews of their own still to write, after the
changes that move them (submission, reopening, deletion, a dossier leaving the ranked states)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from applications.models import DossierStatus
from portal.db import db, utcnow
from portal.models import Institution
from review.models import (
    ConflictDeclaration,
    ConflictKind,
    Opinion,
    Review,
    ReviewerStanding,
    ReviewStatus,
)
from review.ranking import build_ranking
from review.reviewer_store import refresh_call, reviewer_summaries, summaries_by_aggregate

from .helpers import attach_grid, make_dossier, make_review, setup_call

D = Decimal
HALVES = st.integers(0, 10).map(lambda n: D(n) / 2)
REVIEW = st.tuples(
    st.sampled_from(["s1", "s2", "r1", "copilot_region"]),
    HALVES,
    HALVES,
    st.sampled_from([ReviewStatus.submitted] * 3 + [ReviewStatus.draft, ReviewStatus.declined]),
)
DOSSIER = st.tuples(
    st.lists(REVIEW, max_size=4),
    st.sampled_from(
        [DossierStatus.in_review] * 3 + [DossierStatus.reviewed, DossierStatus.eligible]
    ),
    st.booleans(),  # the Région co-pilot declared a conflict with it
)
INSTITUTIONS = {
    "s1": Institution.state,
    "s2": Institution.state,
    "r1": Institution.region,
    "copilot_region": Institution.region,
}


def _stored(call_id):
    return sorted(
        tuple(row)
        for row in db.session.execute(
            select(
                ReviewerStanding.reviewer_id,
                ReviewerStanding.institution,
                ReviewerStanding.n_submitted,
                ReviewerStanding.n_totals,
                ReviewerStanding.sum_cents,
            ).where(ReviewerStanding.call_id == call_id)
        )
    )


def _compare(readers, call):
    for user in readers:
        reference = build_ranking(user, call).reviewers()
        assert reviewer_summaries(user, call) == reference
        assert summaries_by_aggregate(user, call) == reference
    # what the flushes kept equals a rebuild from scratch
    kept = _stored(call.id)
    refresh_call(db.session.connection(), call.id)
    assert _stored(call.id) == kept


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    dossiers=st.lists(DOSSIER, min_size=1, max_size=6),
    own_establishment=st.booleans(),
    changes=st.lists(st.tuples(st.integers(0, 30), st.sampled_from(["reopen", "delete", "leave"]))),
)
def test_stored_summaries_equal_the_reference_on_random_calls(
    world, factory, dossiers, own_establishment, changes
):
    savepoint = db.session.begin_nested()
    try:
        r = setup_call(world, factory)
        if own_establishment:  # the Région co-pilot works at the establishment of half of them
            r.copilot_region.establishment_id = world.est_a.id
        made = []
        for n, (reviews, status, conflict) in enumerate(dossiers):
            d = make_dossier(r.call, (world.est_a, world.est_b)[n % 2], world.head_a, status=status)
            attach_grid(r, d)
            made.append(d)
            for who in {who: None for who, *_ in reviews}:
                _, x, y, state = next(rv for rv in reviews if rv[0] == who)
                make_review(d, getattr(r, who), INSTITUTIONS[who], (x, y), status=state)
            if conflict:
                db.session.add(
                    ConflictDeclaration(
                        dossier_id=d.id, user_id=r.copilot_region.id, kind=ConflictKind.personal
                    )
                )
        db.session.flush()
        readers = (world.call_admin, r.copilot_state, r.copilot_region)
        _compare(readers, r.call)
        reviews = list(
            db.session.scalars(
                select(Review)
                .where(Review.dossier_id.in_([d.id for d in made]))
                .order_by(Review.id)
            )
        )
        for index, change in changes:
            if change == "leave":
                made[index % len(made)].status = DossierStatus.withdrawn
            elif reviews:
                review = reviews[index % len(reviews)]
                if change == "delete":
                    reviews.remove(review)
                    db.session.delete(review)
                elif review.status == ReviewStatus.submitted:
                    review.status = ReviewStatus.reopened
            db.session.flush()
        _compare(readers, r.call)
    finally:
        savepoint.rollback()


def test_a_reviewers_figures_follow_submission(world, factory):
    r = setup_call(world, factory)
    d = make_dossier(r.call, world.est_a, world.head_a)
    attach_grid(r, d)
    review = make_review(d, r.s1, Institution.state, ("4", "2"), status=ReviewStatus.draft)
    db.session.flush()
    assert _stored(r.call.id) == []
    review.status = ReviewStatus.submitted
    review.opinion, review.submitted_at = Opinion.favourable, utcnow()
    db.session.flush()
    # (2×4 + 2)/15 × 20 = 13.33
    assert _stored(r.call.id) == [(r.s1.id, Institution.state, 1, 1, 1333)]
    (summary,) = reviewer_summaries(world.call_admin, r.call)
    assert (summary.count, summary.mean) == (1, D("13.33"))
