"""The ranking of a call: review totals, State and Région means, dossier scores, flags, calibration.

Everything is loaded in a fixed number of queries whatever the number of dossiers (settings, grid,
dossiers with their establishments and budget lines, submitted reviews with their scores), and
only through the one policy's list clause (`visible_dossiers`): a co-pilot who declared a conflict
with a dossier never gets its row, and its reviews count in no mean, no rank and no calibration.
The arithmetic itself is review.aggregation's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from applications.models import BudgetLine, Dossier
from applications.policy import visible_dossiers
from portal.db import db
from portal.models import (
    FIELDS,
    INSTITUTION_SHORT_LABELS,
    Call,
    Establishment,
    EstablishmentKind,
    Institution,
    Role,
    User,
)
from portal.permissions import Permission, require

from .aggregation import DossierAggregate, aggregate_dossier, calibrate, weighted_total
from .models import Criterion, Review, ReviewSettings, ReviewStatus, Score
from .policy import IN_REVIEW_STATES

RANKED_STATES = IN_REVIEW_STATES


@dataclass
class ReviewLine:
    """One submitted review of a dossier, as the ranking shows it."""

    review: Review
    total: Decimal | None
    z: Decimal | None
    reviewer_label: str


@dataclass
class RankingRow:
    dossier: Dossier
    aggregate: DossierAggregate
    reviews: list[ReviewLine]
    amount_region: Decimal
    amount_state: Decimal
    rank: int | None = None

    @property
    def score(self) -> Decimal | None:
        return self.aggregate.score

    @property
    def state_mean(self) -> Decimal | None:
        return self.aggregate.state_mean

    @property
    def region_mean(self) -> Decimal | None:
        return self.aggregate.region_mean

    @property
    def spread(self) -> Decimal | None:
        return self.aggregate.spread

    @property
    def gap(self) -> Decimal | None:
        return self.aggregate.gap

    @property
    def flagged(self) -> bool:
        return self.aggregate.flagged

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.aggregate.reasons

    @property
    def reason_text(self) -> str:
        return " ; ".join(self.aggregate.reasons)


@dataclass
class Ranking:
    """The rows of a call the user may see, sorted by score (highest first) and ranked."""

    call: Call
    settings: ReviewSettings
    criteria: list[Criterion]
    rows: list[RankingRow]
    shows_names: bool

    def row(self, dossier_id: int) -> RankingRow | None:
        return next((r for r in self.rows if r.dossier.id == dossier_id), None)

    @property
    def scoring_criteria(self) -> list[Criterion]:
        return [c for c in self.criteria if c.scoring]

    def reviewers(self) -> list[ReviewerSummary]:
        """Each reviewer's number of submitted reviews and mean total, harshest first."""
        totals: dict[int, list] = {}
        for row in self.rows:
            for line in row.reviews:
                entry = totals.setdefault(line.review.reviewer_id, [line, []])
                if line.total is not None:
                    entry[1].append(line.total)
        out = []
        for line, values in totals.values():
            mean = (
                (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)
                if values
                else None
            )
            out.append(
                ReviewerSummary(line.reviewer_label, line.review.institution, len(values), mean)
            )
        return sorted(out, key=lambda s: (s.mean is None, s.mean or 0, s.label))


@dataclass
class ReviewerSummary:
    label: str
    institution: Institution
    count: int
    mean: Decimal | None


def shows_reviewer_names(user: User) -> bool:
    """Reviewer names are for the call's staff; co-pilots compare reviews without names."""
    return user.has_role(Role.call_admin, Role.admin)


def settings_for(call: Call) -> ReviewSettings:
    """The call's commission settings, or the defaults (not saved) when none were set up yet."""
    settings = db.session.scalar(select(ReviewSettings).where(ReviewSettings.call_id == call.id))
    if settings is None:
        settings = ReviewSettings(
            call_id=call.id,
            reviewers_per_dossier=2,
            gap_threshold=Decimal("4.00"),
            spread_threshold=Decimal("6.00"),
        )
    return settings


def _visible_ranked(user: User, call: Call):
    # A co-pilot who also reviews a dossier sees its figures only once their own review is in
    # (or declined): the ranking must not reveal what the review page hides.
    unfinished_own = select(Review.dossier_id).where(
        Review.reviewer_id == user.id,
        Review.status.in_([ReviewStatus.assigned, ReviewStatus.draft, ReviewStatus.reopened]),
    )
    return (
        Dossier.call_id == call.id,
        Dossier.status.in_(RANKED_STATES),
        visible_dossiers(user),
        Dossier.id.not_in(unfinished_own),
    )


def build_ranking(user: User, call: Call) -> Ranking:
    """The ranking of `call` as `user` may see it (VIEW_RANKING, else PermissionDenied).

    Guarantees: one row per dossier of the call under review or beyond that the user may read
    (conflicts applied in the query); per submitted review its weighted total /20 and the
    reviewer's z-score over their submitted reviews among these rows; per dossier the
    aggregate of review.aggregation with the call's thresholds; rows sorted by score, highest
    first (dossiers without any score last), then by reference; rank shared by equal scores.
    A constant number of queries.
    """
    require(user, Permission.VIEW_RANKING, call)
    settings = settings_for(call)
    criteria = list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.call_id == call.id)
            .order_by(Criterion.position, Criterion.id)
        )
    )
    where = _visible_ranked(user, call)
    dossiers = list(
        db.session.scalars(
            select(Dossier)
            .where(*where)
            .options(
                joinedload(Dossier.establishment).joinedload(Establishment.network),
                joinedload(Dossier.establishment).joinedload(Establishment.department),
            )
            .order_by(Dossier.reference)
        ).unique()
    )
    visible_ids = select(Dossier.id).where(*where)
    reviews = list(
        db.session.scalars(
            select(Review)
            .where(Review.dossier_id.in_(visible_ids), Review.status == ReviewStatus.submitted)
            .options(joinedload(Review.reviewer))
            .order_by(Review.id)
        ).unique()
    )
    # One query each for the budget lines and the scores, however many rows (selectinload would
    # batch them by 500): the collections are then filled as the ORM's own loader would.
    _fill(
        dossiers,
        "budget_lines",
        BudgetLine.dossier_id,
        db.session.scalars(
            select(BudgetLine)
            .where(BudgetLine.dossier_id.in_(visible_ids))
            .order_by(BudgetLine.position, BudgetLine.id)
        ),
    )
    submitted_ids = select(Review.id).where(
        Review.dossier_id.in_(visible_ids), Review.status == ReviewStatus.submitted
    )
    _fill(
        reviews,
        "scores",
        Score.review_id,
        db.session.scalars(
            select(Score).where(Score.review_id.in_(submitted_ids)).order_by(Score.id)
        ),
    )

    scoring_ids = {c.id for c in criteria if c.scoring}
    totals = {
        r.id: weighted_total(
            {s.criterion_id: s.value for s in r.scores if s.criterion_id in scoring_ids}, criteria
        )
        for r in reviews
    }
    z_scores = calibrate((r.reviewer_id, r.id, totals[r.id]) for r in reviews)
    names = shows_reviewer_names(user)
    labels = _reviewer_labels(reviews, user, names)
    by_dossier: dict[int, list[Review]] = {}
    for review in reviews:
        by_dossier.setdefault(review.dossier_id, []).append(review)

    rows = []
    for dossier in dossiers:
        own = by_dossier.get(dossier.id, [])
        aggregate = aggregate_dossier(
            [(r.institution, totals[r.id]) for r in own],
            settings.gap_threshold,
            settings.spread_threshold,
        )
        lines = [ReviewLine(r, totals[r.id], z_scores[r.id], labels[r.id]) for r in own]
        rows.append(
            RankingRow(
                dossier, aggregate, lines, dossier.requested("region"), dossier.requested("state")
            )
        )
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.dossier.reference or ""))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.score is None:
            break
        if row.score != previous:
            rank, previous = position, row.score
        row.rank = rank
    return Ranking(call, settings, criteria, rows, names)


def _fill(owners: list, name: str, key, children) -> None:
    """Set each owner's `name` collection from `children` (grouped by the `key` column)."""
    groups: dict[int, list] = {owner.id: [] for owner in owners}
    for child in children:
        groups.setdefault(getattr(child, key.key), []).append(child)
    for owner in owners:
        set_committed_value(owner, name, groups[owner.id])


def _reviewer_labels(reviews: list[Review], user: User, names: bool) -> dict[int, str]:
    """Names for the staff; otherwise « Instructeur État 1 »… numbered in the call, and « Vous »."""
    numbers: dict[tuple[Institution, int], int] = {}
    for review in sorted(reviews, key=lambda r: r.reviewer_id):
        key = (review.institution, review.reviewer_id)
        if key not in numbers:
            numbers[key] = 1 + sum(1 for inst, _ in numbers if inst == review.institution)
    labels = {}
    for review in reviews:
        if names or review.reviewer_id == user.id:
            labels[review.id] = review.reviewer.full_name
        else:
            number = numbers[(review.institution, review.reviewer_id)]
            labels[review.id] = (
                f"Instructeur {INSTITUTION_SHORT_LABELS[review.institution]} {number}"
            )
    return labels


# ---------------------------------------------------------------- filters and sorting

SORTS = {
    "rang": ("Rang", lambda r: r.rank, "asc"),
    "reference": ("Référence", lambda r: r.dossier.reference or "", "asc"),
    "etablissement": ("Établissement", lambda r: r.dossier.establishment.name.casefold(), "asc"),
    "montant_region": ("Demandé à la Région", lambda r: r.amount_region, "desc"),
    "montant_etat": ("Demandé au rectorat", lambda r: r.amount_state, "desc"),
    "moyenne_etat": ("Moyenne État", lambda r: r.state_mean, "desc"),
    "moyenne_region": ("Moyenne Région", lambda r: r.region_mean, "desc"),
    "score": ("Note", lambda r: r.score, "desc"),
    "dispersion": ("Dispersion", lambda r: r.spread, "desc"),
    "signalement": ("Signalement", lambda r: r.flagged, "desc"),
}
DEFAULT_SORT = ("score", "desc")


@dataclass
class RankingQuery:
    """Filters and sort of the ranking, read from the query string (French parameter names)."""

    axis: int | None = None
    field: str | None = None
    department: str | None = None
    network: int | None = None
    kind: str | None = None
    flagged_only: bool = False
    sort: str = DEFAULT_SORT[0]
    order: str = DEFAULT_SORT[1]
    warnings: list[str] = dataclass_field(default_factory=list)

    @classmethod
    def from_args(cls, args: Mapping[str, str], call: Call) -> RankingQuery:
        """Unknown or malformed values are ignored, each with a French warning to show."""
        query = cls()
        axis = (args.get("axe") or "").strip()
        if axis:
            numbers = {a.number for a in call.axes}
            if axis.isdigit() and int(axis) in numbers:
                query.axis = int(axis)
            else:
                query.warnings.append(
                    f"L'axe « {axis} » n'existe pas dans cet appel : filtre ignoré."
                )
        value = (args.get("domaine") or "").strip()
        if value:
            if value in FIELDS:
                query.field = value
            else:
                query.warnings.append(f"Le champ d'action « {value} » est inconnu : filtre ignoré.")
        value = (args.get("departement") or "").strip()
        if value:
            if len(value) <= 3 and value.isalnum():
                query.department = value
            else:
                query.warnings.append(f"Le département « {value} » est inconnu : filtre ignoré.")
        value = (args.get("reseau") or "").strip()
        if value:
            if value.isdigit():
                query.network = int(value)
            else:
                query.warnings.append(f"Le réseau « {value} » est inconnu : filtre ignoré.")
        value = (args.get("type") or "").strip()
        if value:
            if value in {k.value for k in EstablishmentKind}:
                query.kind = value
            else:
                query.warnings.append(
                    f"Le type d'établissement « {value} » est inconnu : filtre ignoré."
                )
        query.flagged_only = args.get("signales") in ("1", "on", "oui")
        sort = args.get("tri") or DEFAULT_SORT[0]
        if sort not in SORTS:
            query.warnings.append(f"Tri « {sort} » inconnu : classement par note.")
            sort = DEFAULT_SORT[0]
        query.sort = sort
        order = args.get("ordre") or SORTS[sort][2]
        query.order = order if order in ("asc", "desc") else SORTS[sort][2]
        return query

    def keep(self, row: RankingRow) -> bool:
        dossier, est = row.dossier, row.dossier.establishment
        return (
            (self.axis is None or dossier.main_axis == self.axis)
            and (self.field is None or self.field in (dossier.fields or []))
            and (self.department is None or est.department_code == self.department)
            and (self.network is None or est.network_id == self.network)
            and (self.kind is None or est.kind.value == self.kind)
            and (not self.flagged_only or row.flagged)
        )

    def apply(self, rows: list[RankingRow]) -> list[RankingRow]:
        """The rows kept by the filters, sorted; empty figures always come last."""
        kept = [r for r in rows if self.keep(r)]
        key = SORTS[self.sort][1]
        present = [r for r in kept if key(r) is not None]
        missing = [r for r in kept if key(r) is None]
        present.sort(key=key, reverse=self.order == "desc")  # stable: ties keep the rank order
        return present + missing

    def args(self) -> dict[str, str]:
        """The filters as query-string arguments (for sort links and exports)."""
        out = {}
        for name, value in (
            ("axe", self.axis),
            ("domaine", self.field),
            ("departement", self.department),
            ("reseau", self.network),
            ("type", self.kind),
        ):
            if value is not None:
                out[name] = str(value)
        if self.flagged_only:
            out["signales"] = "1"
        return out
