"""Review totals, dossier aggregates and reviewer calibration (pure arithmetic, no database)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.aggregation import (
    REGION,
    STATE,
    DossierAggregate,
    GridCriterion,
    aggregate_dossier,
    calibrate,
    missing_required,
    validate_scores,
    weighted_total,
)

D = Decimal
CENT = D("0.01")


@pytest.fixture(autouse=True)
def _transaction():
    """Overrides the conftest's: these tests need neither the app nor the database."""
    yield


def half_up_cents(value: Fraction) -> Decimal:
    """Independent oracle: an exact fraction rounded to 0.01, halves away from zero (value ≥ 0)."""
    cents = value * 100
    whole, rest = divmod(cents.numerator, cents.denominator)
    if 2 * rest >= cents.denominator:
        whole += 1
    return D(whole).scaleb(-2).quantize(CENT)


# --------------------------------------------------------------------------------------------------
# Strategies

weights = st.decimals(min_value=D("0.01"), max_value=D("100"), places=2)
totals_20 = st.decimals(min_value=0, max_value=20, places=2)


@st.composite
def criteria(draw, min_size=1, max_size=8):
    """A grid with distinct ids, mixing required/optional and scoring/flag criteria."""
    size = draw(st.integers(min_size, max_size))
    grid = []
    for index in range(size):
        low = draw(st.integers(0, 3))
        high = low + draw(st.integers(1, 10))
        grid.append(
            GridCriterion(
                id=index,
                label=f"Critère {index}",
                scale_min=D(low),
                scale_max=D(high),
                weight=draw(weights),
                required=draw(st.booleans()),
                scoring=draw(st.booleans()),
            )
        )
    return grid


@st.composite
def grid_and_scores(draw, allow_empty=True):
    grid = draw(criteria())
    scores = {}
    for criterion in grid:
        if not criterion.scoring:
            scores[criterion.id] = draw(st.booleans())  # a yes/no flag
            continue
        value = draw(
            st.decimals(min_value=criterion.scale_min, max_value=criterion.scale_max, places=2)
        )
        if allow_empty and not criterion.required and draw(st.booleans()):
            value = None
        scores[criterion.id] = value
    return grid, scores


def exact_total(grid, scores) -> Fraction | None:
    numerator = denominator = Fraction(0)
    for criterion in grid:
        value = scores.get(criterion.id)
        if not criterion.scoring or value is None:
            continue
        weight = Fraction(criterion.weight)
        numerator += (
            weight
            * (Fraction(value) - Fraction(criterion.scale_min))
            / (Fraction(criterion.scale_max) - Fraction(criterion.scale_min))
        )
        denominator += weight
    return 20 * numerator / denominator if denominator else None


institutions = st.sampled_from([STATE, REGION])
reviews = st.lists(st.tuples(institutions, totals_20), max_size=12)


# --------------------------------------------------------------------------------------------------
# Review totals: properties


@given(grid_and_scores())
def test_total_is_the_exact_weighted_mean_rounded_once(data):
    grid, scores = data
    exact = exact_total(grid, scores)
    total = weighted_total(scores, grid)
    if exact is None:
        assert total is None
    else:
        assert total == half_up_cents(exact)
        assert total.as_tuple().exponent == -2


@given(grid_and_scores())
def test_totals_stay_within_0_and_20(data):
    grid, scores = data
    total = weighted_total(scores, grid)
    assert total is None or D(0) <= total <= D(20)


@given(grid_and_scores(), st.decimals(min_value=D("0.01"), max_value=D("1000"), places=2))
def test_multiplying_every_weight_by_the_same_factor_leaves_totals_unchanged(data, factor):
    grid, scores = data
    scaled = [
        GridCriterion(
            c.id, c.label, c.scale_min, c.scale_max, c.weight * factor, c.required, c.scoring
        )
        for c in grid
    ]
    assert weighted_total(scores, scaled) == weighted_total(scores, grid)


@given(
    weights, weights, st.integers(0, 3), st.integers(1, 10), st.integers(0, 3), st.integers(1, 10)
)
def test_two_criteria_at_max_and_min_total_20_w1_over_w1_plus_w2(w1, w2, low1, span1, low2, span2):
    grid = [
        GridCriterion("a", "A", D(low1), D(low1 + span1), w1),
        GridCriterion("b", "B", D(low2), D(low2 + span2), w2),
    ]
    total = weighted_total({"a": D(low1 + span1), "b": D(low2)}, grid)
    assert total == half_up_cents(20 * Fraction(w1) / (Fraction(w1) + Fraction(w2)))


@given(grid_and_scores(allow_empty=False))
def test_non_scoring_flags_never_change_the_total(data):
    grid, scores = data
    flipped = {
        key: (not value if isinstance(value, bool) else value) for key, value in scores.items()
    }
    assert weighted_total(flipped, grid) == weighted_total(scores, grid)


# --------------------------------------------------------------------------------------------------
# Review totals: examples

GRID = [
    GridCriterion(1, "Pertinence", 0, 5, D("2")),
    GridCriterion(2, "Faisabilité", 0, 5, D("1")),
    GridCriterion(3, "Partenariats", 0, 5, D("1"), required=False),
    GridCriterion(
        4, "Projet inscrit au contrat d'objectifs", 0, 1, D("1"), required=True, scoring=False
    ),
]


def test_examples_of_totals():
    assert weighted_total({1: D(5), 2: D(5), 3: D(5), 4: True}, GRID) == D("20.00")
    assert weighted_total({1: D(0), 2: D(0), 3: D(0), 4: False}, GRID) == D("0.00")
    # 20 × (2·4/5 + 1·3/5 + 1·2/5) / 4 = 13.00
    assert weighted_total({1: D(4), 2: D(3), 3: D(2)}, GRID) == D("13.00")
    # The optional criterion left empty is out of both sums: 20 × (2·4/5 + 3/5) / 3 = 14.666… → 14.67
    assert weighted_total({1: D(4), 2: D(3), 3: None}, GRID) == D("14.67")
    assert weighted_total({1: D(4), 2: D(3)}, GRID) == D("14.67")
    assert weighted_total({}, GRID) is None
    assert weighted_total({4: True}, GRID) is None  # only a flag: no total


def test_half_cents_are_rounded_up_once_at_the_end():
    # Three thirds of a scale summing to exactly 12.345 must not become 12.34 through 0.333…
    grid = [GridCriterion(i, f"C{i}", 0, 3, D("1")) for i in range(3)]
    assert weighted_total({0: D(1), 1: D(1), 2: D(1)}, grid) == D("6.67")  # 20/3
    grid = [GridCriterion("a", "A", 0, 20, D(1))]
    assert weighted_total({"a": D("12.345")}, grid) == D("12.35")


def test_non_scoring_flags_are_ignored_by_the_total():
    base = {1: D(4), 2: D(3), 3: D(2)}
    assert (
        weighted_total({**base, 4: True}, GRID)
        == weighted_total({**base, 4: False}, GRID)
        == weighted_total(base, GRID)
        == D("13.00")
    )


@pytest.mark.parametrize("value", [D(6), D("-0.5"), D("5.01")])
def test_out_of_scale_score_is_refused_in_french(value):
    with pytest.raises(ValueError) as error:
        weighted_total({1: value, 2: D(3)}, GRID)
    assert str(error.value) == "La note de « Pertinence » doit être comprise entre 0 et 5."


def test_out_of_scale_message_shows_the_criterion_scale():
    grid = [GridCriterion("x", "Ancrage territorial", 1, D("2.5"), D(1))]
    with pytest.raises(
        ValueError, match="^La note de « Ancrage territorial » doit être comprise entre 1 et 2,5.$"
    ):
        validate_scores({"x": D(3)}, grid)
    validate_scores({"x": D("2.5")}, grid)  # bounds are inclusive
    validate_scores({"x": 1}, grid)


def test_bad_inputs_are_refused():
    with pytest.raises(TypeError):
        weighted_total({1: 4.0}, GRID)  # never floats
    with pytest.raises(ValueError, match="not in the grid"):
        weighted_total({99: D(1)}, GRID)
    with pytest.raises(ValueError):
        GridCriterion("w", "W", 0, 5, D(0))
    with pytest.raises(ValueError):
        GridCriterion("s", "S", 5, 5, D(1))
    with pytest.raises(TypeError):
        GridCriterion("f", "F", 0, 5, 1.5)
    with pytest.raises(ValueError, match="twice"):
        weighted_total({}, [GRID[0], GRID[0]])


def test_missing_required_criteria_are_listed_in_grid_order():
    assert missing_required({}, GRID) == ["Pertinence", "Faisabilité"]
    assert missing_required({1: None, 2: D(0)}, GRID) == ["Pertinence"]
    # Optional criteria and yes/no flags are never listed; a score of 0 is a score.
    assert missing_required({1: D(0), 2: D(0)}, GRID) == []


def test_works_with_objects_that_have_the_criterion_attributes():
    class Row:  # e.g. review.models.Criterion rows: int scales, Decimal weight
        def __init__(self, id, label, weight, scoring=True):
            self.id, self.label, self.scale_min, self.scale_max = id, label, 0, 5
            self.weight, self.required, self.scoring = weight, True, scoring

    rows = [
        Row(1, "Pertinence", D("3.00")),
        Row(2, "Faisabilité", D("1.00")),
        Row(3, "Drapeau", D(1), False),
    ]
    assert weighted_total({1: D(5), 2: D(0), 3: None}, rows) == D("15.00")
    assert missing_required({1: D(5)}, rows) == ["Faisabilité"]


# --------------------------------------------------------------------------------------------------
# Dossier aggregate: properties

THRESHOLD = D("3.00")
SPREAD = D("5.00")


@given(st.data(), reviews)
def test_dossier_score_does_not_depend_on_the_order_of_reviews(data, rows):
    shuffled = data.draw(st.permutations(rows))
    assert aggregate_dossier(shuffled, THRESHOLD, SPREAD) == aggregate_dossier(
        rows, THRESHOLD, SPREAD
    )


@given(reviews, st.integers(1, 5))
def test_each_institution_weighs_the_same_whatever_its_number_of_reviewers(rows, k):
    duplicated = [row for row in rows if row[0] == REGION] + [
        row for row in rows if row[0] == STATE
    ] * k
    before = aggregate_dossier(rows, THRESHOLD, SPREAD)
    after = aggregate_dossier(duplicated, THRESHOLD, SPREAD)
    assert (after.score, after.state_mean, after.region_mean, after.gap, after.spread) == (
        before.score,
        before.state_mean,
        before.region_mean,
        before.gap,
        before.spread,
    )
    assert after.count_state == k * before.count_state
    assert after.reasons == before.reasons


@given(st.lists(totals_20, min_size=1, max_size=6), st.lists(totals_20, min_size=1, max_size=6))
def test_score_is_the_average_of_the_two_institution_means(state, region):
    result = aggregate_dossier(
        [(STATE, t) for t in state] + [(REGION, t) for t in region], THRESHOLD, SPREAD
    )
    state_mean = sum(map(Fraction, state)) / len(state)
    region_mean = sum(map(Fraction, region)) / len(region)
    assert result.state_mean == half_up_cents(state_mean)
    assert result.region_mean == half_up_cents(region_mean)
    assert result.score == half_up_cents((state_mean + region_mean) / 2)
    assert result.gap == half_up_cents(abs(state_mean - region_mean))
    assert result.spread == max(state + region) - min(state + region)
    assert D(0) <= result.score <= D(20)
    assert (result.count_state, result.count_region) == (len(state), len(region))


@given(reviews, totals_20, totals_20)
def test_flagged_exactly_when_a_published_figure_strictly_exceeds_its_threshold(
    rows, gap_max, spread_max
):
    result = aggregate_dossier(rows, gap_max, spread_max)
    one_missing = (result.count_state == 0) != (result.count_region == 0)
    expected = (
        one_missing
        or (result.gap is not None and result.gap > gap_max)
        or (result.spread is not None and result.spread > spread_max)
    )
    assert result.flagged == expected == bool(result.reasons)


# --------------------------------------------------------------------------------------------------
# Dossier aggregate: examples


def test_one_state_review_of_10_and_three_region_reviews_of_20_score_15():
    rows = [(STATE, D(10)), (REGION, D(20)), (REGION, D(20)), (REGION, D(20))]
    result = aggregate_dossier(rows, D("20"), D("20"))
    assert result.score == D("15.00")  # not 17.50, the plain mean of the four reviews
    assert (result.state_mean, result.region_mean, result.gap, result.spread) == (
        D("10.00"),
        D("20.00"),
        D("10.00"),
        D("10.00"),
    )
    assert (result.count_state, result.count_region, result.flagged, result.reasons) == (
        1,
        3,
        False,
        (),
    )


def test_thresholds_flag_with_the_right_reasons():
    rows = [(STATE, D("15.00")), (STATE, D("16.00")), (REGION, D("11.00")), (REGION, D("10.00"))]
    result = aggregate_dossier(rows, D("3.00"), D("5.00"))
    assert result.gap == D("5.00") and result.spread == D("6.00")
    assert result.flagged
    assert result.reasons == (
        "Écart État–Région de 5,00 points (seuil 3,00)",
        "Dispersion des notes de 6,00 points (seuil 5,00)",
    )
    only_gap = aggregate_dossier([(STATE, D("14.50")), (REGION, D("10.00"))], D("3"), D("5"))
    assert only_gap.reasons == ("Écart État–Région de 4,50 points (seuil 3,00)",)
    # The spread counts every review, within one institution too.
    only_spread = aggregate_dossier([(STATE, D(8)), (STATE, D(16)), (REGION, D(12))], D(3), D(5))
    assert only_spread.gap == D("0.00")
    assert only_spread.reasons == ("Dispersion des notes de 8,00 points (seuil 5,00)",)


def test_exactly_at_threshold_is_not_flagged():
    rows = [(STATE, D("13.00")), (REGION, D("10.00")), (REGION, D("8.00"))]
    result = aggregate_dossier(rows, gap_threshold=D("4.00"), spread_threshold=D("5.00"))
    assert (result.gap, result.spread) == (D("4.00"), D("5.00"))
    assert not result.flagged and result.reasons == ()
    just_above = aggregate_dossier(rows, gap_threshold=D("3.99"), spread_threshold=D("4.99"))
    assert just_above.reasons == (
        "Écart État–Région de 4,00 points (seuil 3,99)",
        "Dispersion des notes de 5,00 points (seuil 4,99)",
    )


def test_gap_is_compared_once_published_so_reasons_never_contradict_themselves():
    # State mean 10.00333…, Région 7.00: the published gap is 3.00, so not above a 3.00 threshold.
    rows = [(STATE, D("10.00")), (STATE, D("10.00")), (STATE, D("10.01")), (REGION, D("7.00"))]
    result = aggregate_dossier(rows, D("3.00"), D("5.00"))
    assert result.gap == D("3.00") and not result.flagged


def test_means_are_not_rounded_before_being_averaged():
    # State mean 10.005 (exact); Région 10.00: score 10.0025 → 10.00, not (10.01 + 10.00)/2 = 10.005 → 10.01.
    rows = [(STATE, D("10.00")), (STATE, D("10.01")), (REGION, D("10.00"))]
    result = aggregate_dossier(rows, D(3), D(5))
    assert result.state_mean == D("10.01")
    assert result.score == D("10.00")


def test_a_missing_institution_flags_the_dossier_and_scores_the_other_mean():
    state_only = aggregate_dossier([(STATE, D(12)), (STATE, D(14))], D(3), D(5))
    assert (state_only.state_mean, state_only.region_mean, state_only.score, state_only.gap) == (
        D("13.00"),
        None,
        D("13.00"),
        None,
    )
    assert state_only.spread == D("2.00")
    assert state_only.reasons == ("Aucune évaluation Région",) and state_only.flagged
    region_only = aggregate_dossier([(REGION, D(9))], D(3), D(5))
    assert region_only.score == D("9.00") and region_only.reasons == ("Aucune évaluation État",)


def test_no_review_means_nothing_and_no_flag():
    nothing = DossierAggregate(None, None, None, None, None, 0, 0, False, ())
    assert aggregate_dossier([], D(3), D(5)) == nothing
    # Reviews without a total (nothing scored) do not count.
    assert aggregate_dossier([(STATE, None)], D(3), D(5)).flagged is False


def test_aggregate_refuses_bad_inputs():
    with pytest.raises(ValueError):
        aggregate_dossier([("ministry", D(10))], D(3), D(5))
    with pytest.raises(ValueError):
        aggregate_dossier([(STATE, D(21))], D(3), D(5))
    with pytest.raises(TypeError):
        aggregate_dossier([(STATE, 10.0)], D(3), D(5))
    with pytest.raises(ValueError):
        aggregate_dossier([], D(-1), D(5))


def test_institution_enum_members_are_accepted():
    import enum

    class Institution(str, enum.Enum):  # same shape as portal.models.Institution
        state = "state"
        region = "region"

    result = aggregate_dossier(
        [(Institution.state, D(10)), (Institution.region, D(14))], D(3), D(5)
    )
    assert result.score == D("12.00") and result.gap == D("4.00")


# --------------------------------------------------------------------------------------------------
# Reviewer calibration

calibration_rows = st.lists(
    st.tuples(st.integers(1, 4), totals_20),
    max_size=15,
).map(
    lambda rows: [
        (reviewer, f"review-{index}", total) for index, (reviewer, total) in enumerate(rows)
    ]
)


@given(calibration_rows)
def test_calibrated_scores_of_one_reviewer_have_mean_0(rows):
    z = calibrate(rows)
    assert set(z) == {review for _, review, _ in rows}
    for reviewer in {reviewer for reviewer, _, _ in rows}:
        mine = [z[review] for who, review, _ in rows if who == reviewer]
        assert all(value.as_tuple().exponent == -2 for value in mine)
        assert abs(sum(mine) / len(mine)) <= D("0.005")


@given(calibration_rows)
def test_calibrated_scores_match_the_definition(rows):
    z = calibrate(rows)
    for reviewer in {reviewer for reviewer, _, _ in rows}:
        mine = [(review, Fraction(total)) for who, review, total in rows if who == reviewer]
        n = len(mine)
        mean = sum(x for _, x in mine) / n
        variance = sum((x - mean) ** 2 for _, x in mine) / n
        for review, x in mine:
            if variance == 0:
                assert z[review] == D("0.00")
            else:  # compared with a float only in the test, to ±0.01 to allow for the square root
                expected = float(x - mean) / float(variance) ** 0.5
                assert abs(float(z[review]) - expected) <= 0.0051


@given(calibration_rows, st.data())
def test_calibration_does_not_depend_on_order(rows, data):
    assert calibrate(data.draw(st.permutations(rows))) == calibrate(rows)


def test_calibration_examples():
    rows = [
        ("alice", 1, D(10)),
        ("alice", 2, D(14)),
        ("bob", 3, D(18)),
        ("carol", 4, D(7)),
        ("carol", 5, D(7)),
        ("dave", 6, None),
        ("alice", 7, None),
    ]
    assert calibrate(rows) == {
        1: D("-1.00"),
        2: D("1.00"),
        3: D("0.00"),
        4: D("0.00"),
        5: D("0.00"),
        6: None,
        7: None,
    }
    # 10, 12, 17: mean 13, σ = √(26/3) ≈ 2.944 → −1.02, −0.34, 1.36
    assert calibrate([("r", "a", D(10)), ("r", "b", D(12)), ("r", "c", D(17))]) == {
        "a": D("-1.02"),
        "b": D("-0.34"),
        "c": D("1.36"),
    }
    assert calibrate([]) == {}
    with pytest.raises(ValueError, match="twice"):
        calibrate([("r", "a", D(10)), ("s", "a", D(12))])
