"""Pure scoring arithmetic for the commission: review totals, dossier aggregates, reviewer calibration.

No database and no Flask here: callers pass plain values (or ORM rows that have the same attributes)
and get plain values back. All arithmetic is in `Decimal`, floats are refused.

Rounding policy: intermediate results are kept exact (sums and products of the inputs are exact, and
each published figure is obtained by a single division, or square root, carried out at 100
significant digits); published figures are quantized to 0.01 with ROUND_HALF_UP only at the very
end. A figure that is exactly on a half-cent (e.g. 12.345) is therefore always rounded up, never
pushed down by an accumulated representation error.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext

from portal.formatting import format_number, format_score
from portal.models import INSTITUTION_SHORT_LABELS  # keyed by Institution, a str enum

__all__ = [
    "MAX_TOTAL",
    "REGION",
    "STATE",
    "GridCriterion",
    "DossierAggregate",
    "validate_scores",
    "missing_required",
    "weighted_total",
    "aggregate_dossier",
    "calibrate",
    "flag_reasons",
    "standardise",
]

STATE = "state"
REGION = "region"
MAX_TOTAL = Decimal(20)
"""Review totals are normalised to /20."""

_CENT = Decimal("0.01")
_ZERO = Decimal(0)
# Products and sums of inputs with a handful of digits are exact at this precision; the one division
# (or square root) per published figure is correctly rounded, so quantizing it afterwards gives the
# same result as quantizing the exact value.
_CONTEXT = Context(prec=100, rounding=ROUND_HALF_EVEN)


# --------------------------------------------------------------------------------------------------
# Helpers


def _as_decimal(value, what: str) -> Decimal:
    """`value` as a finite Decimal; ints are accepted, floats and bools are refused (TypeError)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{what} must be a Decimal or an int, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{what} must be a finite number, not {value}")
    return value


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _institution(value) -> str:
    """ "state" or "region" (plain strings or str-valued enum members such as portal's Institution)."""
    key = getattr(value, "value", value)
    if key not in (STATE, REGION):
        raise ValueError(f"unknown institution {value!r}: expected {STATE!r} or {REGION!r}")
    return key


# --------------------------------------------------------------------------------------------------
# Scoring grid and review totals


@dataclass(frozen=True)
class GridCriterion:
    """One line of a scoring grid.

    A *scoring* criterion is marked on [scale_min, scale_max] and counts in the total with its
    weight; a non-scoring criterion is a yes/no flag, shown but never summed. The functions below
    accept any object with these attributes, e.g. `review.models.Criterion` rows.
    """

    id: Hashable
    label: str
    scale_min: Decimal = Decimal(0)
    scale_max: Decimal = Decimal(5)
    weight: Decimal = Decimal(1)
    required: bool = True
    scoring: bool = True

    def __post_init__(self) -> None:
        # Normalise ints to Decimal and enforce the grid's invariants at construction.
        for name in ("scale_min", "scale_max", "weight"):
            object.__setattr__(self, name, _as_decimal(getattr(self, name), name))
        _check_criterion(self)


def _check_criterion(criterion) -> tuple[Decimal, Decimal, Decimal]:
    """(scale_min, scale_max, weight) of `criterion` as Decimals, after checking the grid invariants."""
    low = _as_decimal(criterion.scale_min, "scale_min")
    high = _as_decimal(criterion.scale_max, "scale_max")
    weight = _as_decimal(criterion.weight, "weight")
    if high <= low:
        raise ValueError(f"criterion {criterion.id!r}: scale_max must be greater than scale_min")
    if weight <= 0:
        raise ValueError(f"criterion {criterion.id!r}: weight must be positive")
    return low, high, weight


def _index(criteria: Iterable) -> list:
    criteria = list(criteria)
    seen = set()
    for criterion in criteria:
        if criterion.id in seen:
            raise ValueError(f"criterion {criterion.id!r} appears twice in the grid")
        seen.add(criterion.id)
    return criteria


def validate_scores(scores: Mapping[Hashable, Decimal | None], criteria: Iterable) -> None:
    """Check a review's scores against its grid; return None or raise.

    Guarantees, for every *scoring* criterion with a score (not None): the score is a Decimal or int
    within [scale_min, scale_max], else ValueError with a French message for the reviewer, e.g.
    « La note de « Pertinence » doit être comprise entre 0 et 5. ». Values given for non-scoring
    criteria (yes/no flags) are not checked. A key that is not a criterion of the grid raises
    ValueError (a score must never be silently dropped). A float score raises TypeError.
    Missing scores are not an error here: see `missing_required`.
    """
    criteria = _index(criteria)
    known = {criterion.id for criterion in criteria}
    unknown = [key for key in scores if key not in known]
    if unknown:
        raise ValueError(f"scores given for criteria that are not in the grid: {unknown!r}")
    for criterion in criteria:
        low, high, _ = _check_criterion(criterion)
        value = scores.get(criterion.id)
        if not criterion.scoring or value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
            raise TypeError(
                f"score for criterion {criterion.id!r} must be a Decimal or an int, "
                f"not {type(value).__name__}"
            )
        value = Decimal(value)
        if not value.is_finite() or value < low or value > high:
            raise ValueError(
                f"La note de « {criterion.label} » doit être comprise entre "
                f"{format_number(low)} et {format_number(high)}."
            )


def missing_required(scores: Mapping[Hashable, Decimal | None], criteria: Iterable) -> list[str]:
    """Labels of the required scoring criteria that have no score, in grid order.

    A criterion counts as missing when its id is absent from `scores` or maps to None. Non-scoring
    criteria and optional criteria are never listed. A review may be submitted only when this list
    is empty.
    """
    return [
        criterion.label
        for criterion in _index(criteria)
        if criterion.scoring and criterion.required and scores.get(criterion.id) is None
    ]


def weighted_total(scores: Mapping[Hashable, Decimal | None], criteria: Iterable) -> Decimal | None:
    """A review's weighted total, normalised to /20, quantized to 0.01 (ROUND_HALF_UP).

    total = 20 × Σ wᵢ·(sᵢ − minᵢ)/(maxᵢ − minᵢ) / Σ wᵢ, both sums over the scoring criteria that have
    a score. Guarantees:
    - scores are validated first (`validate_scores`: ValueError with a French message when out of
      scale);
    - non-scoring criteria (yes/no flags) never count; a criterion left empty (None or absent) is left
      out of both sums; if no scoring criterion has a score, the result is None;
    - the result lies in [0.00, 20.00], is 20.00 when every scored criterion is at its maximum and
      0.00 when every one is at its minimum;
    - multiplying every weight by the same factor leaves the result unchanged;
    - rounding happens once, on the exact value.
    """
    criteria = _index(criteria)
    validate_scores(scores, criteria)
    with localcontext(_CONTEXT):
        # Σ wᵢ(sᵢ − minᵢ)/rᵢ is kept as an exact fraction: scores are first summed per scale range,
        # then brought to a common denominator.
        by_range: dict[Decimal, Decimal] = {}
        weights = _ZERO
        for criterion in criteria:
            value = scores.get(criterion.id)
            if not criterion.scoring or value is None:
                continue
            low, high, weight = _check_criterion(criterion)
            span = high - low
            by_range[span] = by_range.get(span, _ZERO) + weight * (Decimal(value) - low)
            weights += weight
        if not by_range:
            return None
        numerator, denominator = _ZERO, Decimal(1)
        for span, partial in by_range.items():
            numerator, denominator = numerator * span + partial * denominator, denominator * span
        total = MAX_TOTAL * numerator / (denominator * weights)
    return _quantize(total)


# --------------------------------------------------------------------------------------------------
# Dossier aggregate


@dataclass(frozen=True)
class DossierAggregate:
    """The commission's figures for one dossier (all Decimals quantized to 0.01).

    - state_mean / region_mean: mean of that institution's review totals, None without any;
    - score: (state_mean + region_mean) / 2, each institution weighing the same whatever its number
      of reviewers; the other's mean when one institution has no review; None without reviews;
    - gap: |state_mean − region_mean|, None unless both institutions reviewed;
    - spread: max − min of all totals, None without reviews;
    - count_state / count_region: numbers of reviews with a total;
    - flagged: True when `reasons` is not empty; reasons: French explanations for the commission.
    """

    state_mean: Decimal | None
    region_mean: Decimal | None
    score: Decimal | None
    gap: Decimal | None
    spread: Decimal | None
    count_state: int
    count_region: int
    flagged: bool
    reasons: tuple[str, ...]


def aggregate_dossier(
    totals: Iterable[tuple[str, Decimal | None]], gap_threshold: Decimal, spread_threshold: Decimal
) -> DossierAggregate:
    """Aggregate a dossier's review totals, given as (institution, total) pairs.

    `institution` is "state" or "region" (or a str enum member with that value); `total` a review
    total in [0, 20], as returned by `weighted_total`. A None total (review without any score) is
    ignored. Thresholds are non-negative Decimals, typically the call's settings.

    Guarantees:
    - the result does not depend on the order of `totals`;
    - each institution weighs the same: adding reviews identical to an institution's existing ones
      leaves its mean, hence the score, unchanged;
    - figures are computed from the exact totals (means are not rounded before being averaged or
      subtracted) and quantized to 0.01 (ROUND_HALF_UP) once;
    - the dossier is flagged when, and only when:
      * exactly one institution has reviews (« Aucune évaluation Région » / « Aucune évaluation État »),
      * the published gap strictly exceeds `gap_threshold`
        (« Écart État–Région de 4,50 points (seuil 3,00) »),
      * the published spread strictly exceeds `spread_threshold`
        (« Dispersion des notes de 6,00 points (seuil 5,00) »);
      reasons come in that order. A figure exactly at its threshold is not flagged. The comparison is
      made on the published (0.01) figure so that a reason never reads « 3,00 points (seuil 3,00) ».
    - without any review: every figure None, counts 0, not flagged, no reasons.
    """
    gap_threshold = _as_decimal(gap_threshold, "gap_threshold")
    spread_threshold = _as_decimal(spread_threshold, "spread_threshold")
    if gap_threshold < 0 or spread_threshold < 0:
        raise ValueError("thresholds must not be negative")
    values: dict[str, list[Decimal]] = {STATE: [], REGION: []}
    for institution, total in totals:
        key = _institution(institution)
        if total is None:
            continue
        total = _as_decimal(total, "total")
        if total < 0 or total > MAX_TOTAL:
            raise ValueError(f"a review total must lie in [0, {MAX_TOTAL}], not {total}")
        values[key].append(total)
    state, region = values[STATE], values[REGION]
    n_state, n_region = len(state), len(region)
    if not state and not region:
        return DossierAggregate(None, None, None, None, None, 0, 0, False, ())

    with localcontext(_CONTEXT):
        sum_state, sum_region = sum(state, _ZERO), sum(region, _ZERO)  # exact at this precision
        state_mean = sum_state / n_state if state else None
        region_mean = sum_region / n_region if region else None
        if state and region:
            # (S/n + R/m)/2 and |S/n − R/m| with a single division each.
            score = (sum_state * n_region + sum_region * n_state) / (2 * n_state * n_region)
            gap = abs(sum_state * n_region - sum_region * n_state) / (n_state * n_region)
        else:
            score = state_mean if state else region_mean
            gap = None
        everything = state + region
        spread = max(everything) - min(everything)

    state_mean = _quantize(state_mean) if state_mean is not None else None
    region_mean = _quantize(region_mean) if region_mean is not None else None
    score, spread = _quantize(score), _quantize(spread)
    gap = _quantize(gap) if gap is not None else None
    reasons = flag_reasons(bool(state), bool(region), gap, spread, gap_threshold, spread_threshold)
    return DossierAggregate(
        state_mean=state_mean,
        region_mean=region_mean,
        score=score,
        gap=gap,
        spread=spread,
        count_state=n_state,
        count_region=n_region,
        flagged=bool(reasons),
        reasons=reasons,
    )


def flag_reasons(
    has_state: bool,
    has_region: bool,
    gap: Decimal | None,
    spread: Decimal | None,
    gap_threshold: Decimal,
    spread_threshold: Decimal,
) -> tuple[str, ...]:
    """Why a dossier is flagged, from its published (0.01) figures: the rules and the order of
    `aggregate_dossier` (one institution only, gap above its threshold, spread above its)."""
    reasons: list[str] = []
    if has_state != has_region:
        missing = REGION if has_state else STATE
        reasons.append(f"Aucune évaluation {INSTITUTION_SHORT_LABELS[missing]}")
    if gap is not None and gap > gap_threshold:
        reasons.append(
            f"Écart État–Région de {format_score(gap)} points (seuil {format_score(gap_threshold)})"
        )
    if spread is not None and spread > spread_threshold:
        reasons.append(
            f"Dispersion des notes de {format_score(spread)} points "
            f"(seuil {format_score(spread_threshold)})"
        )
    return tuple(reasons)


# --------------------------------------------------------------------------------------------------
# Reviewer calibration


def calibrate(
    totals: Iterable[tuple[Hashable, Hashable, Decimal | None]],
) -> dict[Hashable, Decimal | None]:
    """Per-reviewer standardised scores: {review_id: z}, z quantized to 0.01 (ROUND_HALF_UP).

    `totals` holds (reviewer_id, review_id, total) triples. For each reviewer,
    z = (x − mean) / σ, with the mean and the *population* standard deviation σ of that reviewer's
    totals. Guarantees:
    - every review_id of the input is a key of the result; a None total gets None and does not count
      in its reviewer's mean or σ;
    - a reviewer with a single total, or whose totals are all equal (σ = 0), gets z = 0.00;
    - the z-scores of one reviewer have mean 0 up to rounding (|mean| ≤ 0.005) and, when σ > 0,
      population standard deviation 1 up to rounding;
    - z is invariant under the reviewer's shifting or (positively) scaling all their totals;
    - the result does not depend on the order of the input;
    - a review_id given twice raises ValueError.
    Computation: z = (n·x − Σx) / √(n·Σx² − (Σx)²), exact up to one square root and one division.
    """
    by_reviewer: dict[Hashable, list[tuple[Hashable, Decimal]]] = {}
    result: dict[Hashable, Decimal | None] = {}
    for reviewer_id, review_id, total in totals:
        if review_id in result:
            raise ValueError(f"review {review_id!r} appears twice")
        result[review_id] = None
        if total is not None:
            by_reviewer.setdefault(reviewer_id, []).append((review_id, _as_decimal(total, "total")))
    for reviews in by_reviewer.values():
        with localcontext(_CONTEXT):
            n = len(reviews)
            sum_x = sum((x for _, x in reviews), _ZERO)
            sum_x2 = sum((x * x for _, x in reviews), _ZERO)
        for review_id, x in reviews:
            result[review_id] = standardise(x, n, sum_x, sum_x2)
    return result


def standardise(x: Decimal, n: int, sum_x: Decimal, sum_x2: Decimal) -> Decimal:
    """One total's z-score from its reviewer's count, sum and sum of squares (the arithmetic of
    `calibrate`, for callers that sum in SQL): (n·x − Σx) / √(n·Σx² − (Σx)²), 0.00 when σ = 0."""
    with localcontext(_CONTEXT):
        dispersion = n * sum_x2 - sum_x * sum_x  # n² σ², exact
        if dispersion <= 0:
            return _quantize(_ZERO)
        return _quantize((n * x - sum_x) / dispersion.sqrt())


def standardiser(n: int, sum_x: Decimal, sum_x2: Decimal) -> Callable[[Decimal], Decimal]:
    """`standardise` for one reviewer's many totals: x → its z-score, the square root taken once
    (the same arithmetic, for exports that standardise thousands of totals)."""
    with localcontext(_CONTEXT):
        dispersion = n * sum_x2 - sum_x * sum_x
        root = dispersion.sqrt() if dispersion > 0 else None

    def z(x: Decimal) -> Decimal:
        if root is None:
            return _quantize(_ZERO)
        with localcontext(_CONTEXT):
            return _quantize((n * x - sum_x) / root)

    return z
