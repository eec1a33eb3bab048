"""Automatic reviewer assignment (review.assignment): properties with Hypothesis, then examples.

The module is pure, so these tests use no database and no application.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.assignment import (
    REASON_SAME_ESTABLISHMENT,
    REASON_SAME_NETWORK,
    REGION,
    STATE,
    AssignmentPlan,
    DossierRef,
    ReviewerRef,
    Suspicion,
    assign,
    is_conflicted,
    is_suspected,
    suspected_conflicts,
)

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


# --- Oracles, written independently of the module ---------------------------------------------


def hard_conflict(reviewer, dossier, declared):
    same_establishment = (
        reviewer.establishment_id is not None
        and reviewer.establishment_id == dossier.establishment_id
    )
    return same_establishment or (reviewer.id, dossier.id) in declared


def same_network(reviewer, dossier):
    return reviewer.network_id is not None and reviewer.network_id == dossier.network_id


def eligible(reviewer, dossier, declared, avoid_suspected):
    if hard_conflict(reviewer, dossier, declared):
        return False
    return not (avoid_suspected and same_network(reviewer, dossier))


def balanced_loads_possible(states: int, regions: int, n: int, dossiers: int) -> bool:
    """Whether some assignment of ``dossiers`` dossiers, each to ``n`` distinct reviewers with at
    least one per institution, gives every reviewer a load of m or m + 1 (everyone eligible)."""
    total = n * dossiers
    m = total // (states + regions)
    if total > (states + regions) * m and m + 1 > dossiers:
        return False
    for state_total in range(total + 1):
        region_total = total - state_total
        if max(dossiers, states * m) <= state_total <= min(
            states * (m + 1), dossiers * min(states, n - 1)
        ) and max(dossiers, regions * m) <= region_total <= min(
            regions * (m + 1), dossiers * min(regions, n - 1)
        ):
            return True
    return False


def reviewers_by_dossier(plan: AssignmentPlan, existing, reviewers, dossiers, declared):
    """dossier id → reviewer ids holding it after the plan, conflicted existing pairs excluded."""
    known = {r.id: r for r in reviewers}
    by_dossier = {d.id: set() for d in dossiers}
    dossier_by_id = {d.id: d for d in dossiers}
    for rid, did in list(existing) + plan.pairs:
        if (
            rid in known
            and did in by_dossier
            and not hard_conflict(known[rid], dossier_by_id[did], declared)
        ):
            by_dossier[did].add(rid)
    return by_dossier


# --- Strategies --------------------------------------------------------------------------------

ESTABLISHMENTS = st.integers(1, 6)
NETWORKS = st.none() | st.integers(1, 3)


@st.composite
def instances(draw, existing_pairs=True):
    """Any instance: reviewers of both institutions, some in dossiers' establishments or networks,
    declared conflicts, existing assignments (some on dossiers outside the batch)."""
    reviewer_ids = draw(st.lists(st.integers(1, 60), min_size=0, max_size=14, unique=True))
    reviewers = [
        ReviewerRef(
            rid,
            draw(st.sampled_from([STATE, REGION])),
            draw(st.none() | ESTABLISHMENTS),
            draw(NETWORKS),
        )
        for rid in reviewer_ids
    ]
    dossier_ids = draw(st.lists(st.integers(100, 160), min_size=0, max_size=10, unique=True))
    dossiers = [DossierRef(did, draw(ESTABLISHMENTS), draw(NETWORKS)) for did in dossier_ids]
    declared = existing = frozenset()
    if reviewer_ids:
        pairs = st.tuples(st.sampled_from(reviewer_ids), st.sampled_from(dossier_ids + [999]))
        declared = draw(st.frozensets(pairs, max_size=20))
        if existing_pairs:
            existing = draw(st.frozensets(pairs, max_size=12))
    n = draw(st.integers(2, 5))
    avoid_suspected = draw(st.booleans())
    return dossiers, reviewers, n, declared, existing, avoid_suspected


@st.composite
def well_staffed(draw):
    """At least n conflict-free reviewers per institution, plus conflicted ones and declared
    conflicts that only touch the extra reviewers."""
    n = draw(st.integers(2, 5))
    dossier_ids = draw(st.lists(st.integers(100, 160), min_size=1, max_size=10, unique=True))
    dossiers = [DossierRef(did, draw(st.integers(1, 6)), draw(NETWORKS)) for did in dossier_ids]
    clean_state = draw(st.integers(n, n + 3))
    clean_region = draw(st.integers(n, n + 3))
    extra = draw(st.integers(0, 6))
    ids = draw(
        st.lists(
            st.integers(1, 80),
            min_size=clean_state + clean_region + extra,
            max_size=clean_state + clean_region + extra,
            unique=True,
        )
    )
    reviewers = []
    for position, rid in enumerate(ids):
        if position < clean_state + clean_region:
            institution = STATE if position < clean_state else REGION
            # Establishments 50+ and network 9 are nobody's: these reviewers are eligible everywhere.
            reviewers.append(
                ReviewerRef(
                    rid,
                    institution,
                    draw(st.none() | st.just(50 + position)),
                    draw(st.none() | st.just(9)),
                )
            )
        else:
            reviewers.append(
                ReviewerRef(
                    rid,
                    draw(st.sampled_from([STATE, REGION])),
                    draw(ESTABLISHMENTS),
                    draw(NETWORKS),
                )
            )
    extra_ids = ids[clean_state + clean_region :]
    declared = frozenset()
    if extra_ids:
        declared = draw(
            st.frozensets(
                st.tuples(st.sampled_from(extra_ids), st.sampled_from(dossier_ids)), max_size=10
            )
        )
    return dossiers, reviewers, n, declared


@st.composite
def conflict_free(draw):
    """Everyone eligible for every dossier; no existing assignment."""
    states = draw(st.integers(1, 7))
    regions = draw(st.integers(1, 7))
    n = draw(st.integers(2, states + regions))
    ids = draw(
        st.lists(
            st.integers(1, 100), min_size=states + regions, max_size=states + regions, unique=True
        )
    )
    reviewers = [ReviewerRef(rid, STATE if k < states else REGION) for k, rid in enumerate(ids)]
    dossier_ids = draw(st.lists(st.integers(100, 200), min_size=1, max_size=15, unique=True))
    dossiers = [DossierRef(did, 1000 + did) for did in dossier_ids]
    return dossiers, reviewers, n


# --- Properties --------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(instances())
def test_no_conflict_is_ever_assigned(instance):
    dossiers, reviewers, n, declared, existing, avoid_suspected = instance
    plan = assign(dossiers, reviewers, n, declared, existing, avoid_suspected)
    reviewer_by_id = {r.id: r for r in reviewers}
    dossier_by_id = {d.id: d for d in dossiers}
    for rid, did in plan.pairs:
        reviewer, dossier = reviewer_by_id[rid], dossier_by_id[did]
        assert not hard_conflict(reviewer, dossier, declared)
        assert not is_conflicted(reviewer, dossier, declared)
        if avoid_suspected:
            assert not same_network(reviewer, dossier)


@PROPERTY_SETTINGS
@given(instances())
def test_existing_assignments_are_kept_and_never_duplicated(instance):
    dossiers, reviewers, n, declared, existing, avoid_suspected = instance
    plan = assign(dossiers, reviewers, n, declared, existing, avoid_suspected)
    assert len(plan.pairs) == len(set(plan.pairs))
    assert not set(plan.pairs) & existing
    known = {r.id for r in reviewers}
    expected = Counter(rid for rid, _ in existing if rid in known)
    expected.update(rid for rid, _ in plan.pairs)
    assert plan.loads == {rid: expected[rid] for rid in known}
    dossier_by_id = {d.id: d for d in dossiers}
    reviewer_by_id = {r.id: r for r in reviewers}
    assert plan.conflicted_existing == sorted(
        (
            (rid, did)
            for rid, did in existing
            if rid in known
            and did in dossier_by_id
            and hard_conflict(reviewer_by_id[rid], dossier_by_id[did], declared)
        ),
        key=lambda p: (p[1], p[0]),
    )


@PROPERTY_SETTINGS
@given(instances())
def test_each_dossier_gets_what_its_eligible_reviewers_allow(instance):
    """Exact outcome per dossier: missing institutions covered when someone eligible exists, then
    filled up to n (minus one slot per institution nobody can cover); shortfall otherwise."""
    dossiers, reviewers, n, declared, existing, avoid_suspected = instance
    plan = assign(dossiers, reviewers, n, declared, existing, avoid_suspected)
    holding = reviewers_by_dossier(plan, existing, reviewers, dossiers, declared)
    institution = {r.id: r.institution for r in reviewers}
    short = {did for did, _ in plan.shortfalls}
    for dossier in dossiers:
        kept = {
            rid
            for rid, did in existing
            if did == dossier.id
            and rid in institution
            and not hard_conflict(next(r for r in reviewers if r.id == rid), dossier, declared)
        }
        paired = {rid for rid, did in existing if did == dossier.id}
        pool = [
            r
            for r in reviewers
            if r.id not in paired and eligible(r, dossier, declared, avoid_suspected)
        ]
        present = {institution[rid] for rid in kept}
        coverable = present | {r.institution for r in pool}
        unavailable = {STATE, REGION} - coverable
        forced = len(coverable - present)
        target = n - len(unavailable)
        expected_count = max(len(kept) + forced, min(target, len(kept) + len(pool)))
        got = holding[dossier.id]
        assert len(got) == expected_count
        assert {institution[rid] for rid in got} == coverable
        assert (dossier.id in short) == bool(unavailable or expected_count < target)


@PROPERTY_SETTINGS
@given(well_staffed())
def test_every_dossier_gets_exactly_n_reviewers_and_both_institutions_when_enough_exist(instance):
    dossiers, reviewers, n, declared = instance
    plan = assign(dossiers, reviewers, n, declared)
    assert plan.shortfalls == []
    institution = {r.id: r.institution for r in reviewers}
    for dossier in dossiers:
        on_it = [rid for rid, did in plan.pairs if did == dossier.id]
        assert len(on_it) == n
        assert {institution[rid] for rid in on_it} == {STATE, REGION}


@PROPERTY_SETTINGS
@given(well_staffed(), st.data())
def test_topping_up_existing_assignments_reaches_n(instance, data):
    dossiers, reviewers, n, declared = instance
    clean = [
        r
        for r in reviewers
        if not any(hard_conflict(r, d, declared) or same_network(r, d) for d in dossiers)
    ]
    existing = data.draw(
        st.frozensets(
            st.tuples(
                st.sampled_from([r.id for r in clean]), st.sampled_from([d.id for d in dossiers])
            ),
            max_size=8,
        )
    )
    plan = assign(dossiers, reviewers, n, declared, existing)
    assert plan.shortfalls == []
    holding = reviewers_by_dossier(plan, existing, reviewers, dossiers, declared)
    institution = {r.id: r.institution for r in reviewers}
    for dossier in dossiers:
        already = {rid for rid, did in existing if did == dossier.id}
        lacks_one = len({institution[rid] for rid in already}) < 2
        assert {institution[rid] for rid in holding[dossier.id]} == {STATE, REGION}
        if len(already) >= n:  # nothing added, except an institution the dossier lacks
            assert len(holding[dossier.id]) == len(already) + (1 if lacks_one else 0)
        else:
            assert len(holding[dossier.id]) == n


@PROPERTY_SETTINGS
@given(conflict_free())
def test_load_spread_within_one(instance):
    """Conflict-free, everyone eligible: within one inside each institution always; within one
    overall exactly when the institution rule permits it (e.g. always with equal-size
    institutions, never with one State reviewer facing many Région ones over several dossiers)."""
    dossiers, reviewers, n = instance
    plan = assign(dossiers, reviewers, n)
    assert plan.shortfalls == []
    for inst in (STATE, REGION):
        loads = [plan.loads[r.id] for r in reviewers if r.institution == inst]
        assert max(loads) - min(loads) <= 1
    states = sum(1 for r in reviewers if r.institution == STATE)
    regions = len(reviewers) - states
    spread = max(plan.loads.values()) - min(plan.loads.values())
    assert (spread <= 1) == balanced_loads_possible(states, regions, n, len(dossiers))
    assert sum(plan.loads.values()) == n * len(dossiers)


@PROPERTY_SETTINGS
@given(st.integers(1, 7), st.data())
def test_load_spread_within_one_overall_with_equal_size_institutions(size, data):
    n = data.draw(st.integers(2, 2 * size))
    count = data.draw(st.integers(1, 20))
    ids = data.draw(st.permutations(range(1, 2 * size + 1)))
    reviewers = [ReviewerRef(rid, STATE if k < size else REGION) for k, rid in enumerate(ids)]
    plan = assign([DossierRef(100 + k, 500 + k) for k in range(count)], reviewers, n)
    assert max(plan.loads.values()) - min(plan.loads.values()) <= 1


@PROPERTY_SETTINGS
@given(instances(), st.randoms(use_true_random=False))
def test_deterministic_whatever_the_input_order(instance, rnd):
    dossiers, reviewers, n, declared, existing, avoid_suspected = instance
    plan = assign(dossiers, reviewers, n, declared, existing, avoid_suspected)
    assert plan == assign(dossiers, reviewers, n, declared, existing, avoid_suspected)
    shuffled_dossiers, shuffled_reviewers = list(dossiers), list(reviewers)
    rnd.shuffle(shuffled_dossiers)
    rnd.shuffle(shuffled_reviewers)
    assert plan == assign(
        shuffled_dossiers, shuffled_reviewers, n, set(declared), list(existing), avoid_suspected
    )


@PROPERTY_SETTINGS
@given(instances())
def test_running_again_on_the_applied_plan_adds_nothing(instance):
    dossiers, reviewers, n, declared, existing, avoid_suspected = instance
    plan = assign(dossiers, reviewers, n, declared, existing, avoid_suspected)
    again = assign(dossiers, reviewers, n, declared, existing | set(plan.pairs), avoid_suspected)
    assert again.pairs == []
    assert again.loads == plan.loads
    assert again.shortfalls == plan.shortfalls


@PROPERTY_SETTINGS
@given(instances(existing_pairs=False))
def test_suspicions_are_flagged_once_and_never_for_declared_pairs(instance):
    dossiers, reviewers, _, declared, _, _ = instance
    found = suspected_conflicts(reviewers, dossiers, declared)
    keys = [(s.reviewer_id, s.dossier_id) for s in found]
    assert len(keys) == len(set(keys))
    expected = {}
    for d in dossiers:
        for r in reviewers:
            if r.establishment_id is not None and r.establishment_id == d.establishment_id:
                expected[(r.id, d.id)] = REASON_SAME_ESTABLISHMENT
            elif (r.id, d.id) not in declared and same_network(r, d):
                expected[(r.id, d.id)] = REASON_SAME_NETWORK
    assert {(s.reviewer_id, s.dossier_id): s.reason for s in found} == expected
    assert found == sorted(found, key=lambda s: (s.dossier_id, s.reviewer_id))


# --- Examples ----------------------------------------------------------------------------------


def test_a_conflicted_reviewer_is_not_assigned():
    dossier = DossierRef(12, establishment_id=7)
    reviewers = [
        ReviewerRef(1, STATE, establishment_id=7),  # member of the establishment
        ReviewerRef(2, STATE),  # declared a conflict
        ReviewerRef(3, STATE),
        ReviewerRef(4, REGION),
        ReviewerRef(5, REGION),
    ]
    plan = assign([dossier], reviewers, 3, declared={(2, 12)})
    assert plan.pairs == [(3, 12), (4, 12), (5, 12)]
    assert plan.shortfalls == []
    assert is_conflicted(reviewers[0], dossier, set())
    assert is_conflicted(reviewers[1], dossier, {(2, 12)})
    assert not is_conflicted(reviewers[2], dossier, {(2, 12)})


def test_shortfall_in_french_when_an_institution_has_no_available_reviewer():
    reviewers = [ReviewerRef(1, STATE), ReviewerRef(2, STATE), ReviewerRef(3, REGION, 7)]
    plan = assign([DossierRef(12, establishment_id=7)], reviewers, 2)
    assert plan.shortfalls == [
        (12, "Dossier 12 : aucun instructeur Région sans conflit d'intérêts disponible.")
    ]
    # The Région slot stays empty rather than being given to a second State reviewer.
    assert plan.pairs == [(1, 12)]


def test_shortfall_in_french_when_too_few_reviewers():
    reviewers = [ReviewerRef(1, STATE), ReviewerRef(2, REGION)]
    plan = assign([DossierRef(12, establishment_id=7)], reviewers, 3)
    assert plan.pairs == [(1, 12), (2, 12)]
    assert plan.shortfalls == [
        (
            12,
            "Dossier 12 : 2 instructeurs sur 3 requis ; pas assez "
            "d'instructeurs sans conflit d'intérêts disponibles.",
        )
    ]


@pytest.mark.parametrize("n", [1, 0, -3])
def test_fewer_than_two_reviewers_per_dossier_is_refused(n):
    with pytest.raises(ValueError, match="^Il faut au moins 2 instructeurs par dossier.$"):
        assign([DossierRef(1, 1)], [ReviewerRef(1, STATE), ReviewerRef(2, REGION)], n)


def test_invalid_inputs_are_refused():
    with pytest.raises(TypeError):
        assign([], [], 2.5)
    with pytest.raises(ValueError):
        assign([], [ReviewerRef(1, "prefecture")], 2)
    with pytest.raises(ValueError):
        assign([], [ReviewerRef(1, STATE), ReviewerRef(1, REGION)], 2)
    with pytest.raises(ValueError):
        assign([DossierRef(1, 1), DossierRef(1, 2)], [], 2)


def test_suspicion_list_for_same_network():
    dossiers = [
        DossierRef(10, establishment_id=1, network_id=5),
        DossierRef(11, establishment_id=2, network_id=6),
    ]
    reviewers = [
        ReviewerRef(1, STATE, establishment_id=3, network_id=5),  # same network as 10
        ReviewerRef(2, REGION, establishment_id=1, network_id=5),  # member of 10's
        ReviewerRef(3, REGION, establishment_id=4, network_id=5),  # declared on 10
        ReviewerRef(4, STATE),
    ]
    declared = {(3, 10)}
    assert suspected_conflicts(reviewers, dossiers, declared) == [
        Suspicion(1, 10, "Même réseau FOQUALE que l'établissement de l'instructeur"),
        Suspicion(2, 10, "Instructeur membre de l'établissement"),
    ]
    assert is_suspected(reviewers[0], dossiers[0], declared)
    assert not is_suspected(reviewers[1], dossiers[0], declared)  # hard conflict, not "suspected"
    assert not is_suspected(reviewers[2], dossiers[0], declared)
    assert not is_suspected(reviewers[0], dossiers[1], declared)


def test_suspected_reviewers_are_avoided_or_used_as_last_resort():
    dossier = DossierRef(10, establishment_id=1, network_id=5)
    reviewers = [
        ReviewerRef(1, STATE, 3, network_id=5),
        ReviewerRef(2, STATE, 4, network_id=5),
        ReviewerRef(3, REGION),
        ReviewerRef(4, STATE),
    ]
    plan = assign([dossier], reviewers, 3)
    assert plan.pairs == [(3, 10), (4, 10)]
    assert [did for did, _ in plan.shortfalls] == [10]
    relaxed = assign([dossier], reviewers, 3, avoid_suspected=False)
    assert relaxed.pairs == [(1, 10), (3, 10), (4, 10)]  # the unsuspected ones first
    assert relaxed.shortfalls == []


def test_existing_assignments_count_toward_load_and_institutions():
    reviewers = [
        ReviewerRef(1, STATE),
        ReviewerRef(2, STATE),
        ReviewerRef(3, REGION),
        ReviewerRef(4, REGION),
    ]
    dossiers = [DossierRef(10, 100), DossierRef(11, 101)]
    # Reviewer 3 already holds dossier 10 and a dossier outside this batch (99).
    plan = assign(dossiers, reviewers, 2, existing={(3, 10), (3, 99)})
    assert plan.pairs == [(1, 10), (2, 11), (4, 11)]
    assert plan.loads == {1: 1, 2: 1, 3: 2, 4: 1}


def test_dossier_already_full_but_lacking_an_institution_gets_one():
    reviewers = [ReviewerRef(1, STATE), ReviewerRef(2, STATE), ReviewerRef(3, REGION)]
    plan = assign([DossierRef(10, 100)], reviewers, 2, existing={(1, 10), (2, 10)})
    assert plan.pairs == [(3, 10)]
    assert plan.shortfalls == []


def test_conflicted_existing_assignment_is_reported_and_replaced():
    reviewers = [ReviewerRef(1, STATE), ReviewerRef(2, STATE), ReviewerRef(3, REGION)]
    plan = assign([DossierRef(10, 100)], reviewers, 2, declared={(1, 10)}, existing={(1, 10)})
    assert plan.conflicted_existing == [(1, 10)]
    assert plan.pairs == [(2, 10), (3, 10)]
    assert plan.loads == {1: 1, 2: 1, 3: 1}


def test_equally_loaded_reviewers_go_to_the_less_loaded_institution():
    """Two State and four Région reviewers, 3 per dossier: picking the free third slot by id alone
    would give State 1 two dossiers and Région 6 none; the institution tie-break keeps all at 1."""
    reviewers = [ReviewerRef(1, STATE), ReviewerRef(2, STATE)] + [
        ReviewerRef(k, REGION) for k in range(3, 7)
    ]
    plan = assign([DossierRef(10, 100), DossierRef(11, 101)], reviewers, 3)
    assert plan.loads == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1}
    assert plan.pairs == [(1, 10), (3, 10), (4, 10), (2, 11), (5, 11), (6, 11)]


def test_one_state_reviewer_sits_on_every_dossier():
    """The institution rule beats load balance: this is the case where loads cannot be even."""
    reviewers = [ReviewerRef(1, STATE)] + [ReviewerRef(k, REGION) for k in range(2, 6)]
    plan = assign([DossierRef(k, k) for k in range(10, 14)], reviewers, 2)
    assert plan.loads == {1: 4, 2: 1, 3: 1, 4: 1, 5: 1}
    assert not balanced_loads_possible(1, 4, 2, 4)
