"""The ranking in SQL: one row per dossier, figures from the stored review totals, rank by window.

`review.ranking.build_ranking` is the reference (it loads every review and score and aggregates
them in Python with `review.aggregation`); the pages, the API and the exports read this module
instead, which asks the database for the same figures: per dossier the State and Région sums and
counts of the submitted reviews' totals (kept in hundredths on each review, see review.totals),
then means, score, gap and spread by exact integer arithmetic rounded half up to the hundredth, the
flag against the call's thresholds, the rank by `RANK()` over the rows the user may see, the
amounts asked from the budget lines. Filters, sort, counts and the page are SQL too; the
statements per page do not depend on the number of dossiers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Integer, String, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from applications.models import Dossier
from portal.db import db
from portal.models import Call, Establishment, User
from portal.permissions import Permission, require

from .aggregation import DossierAggregate, flag_reasons
from .models import DossierStanding, ReviewSettings
from .ranking import (
    RankingQuery,
    RankingRow,
    _visible_ranked,
    settings_for,
)

PER_PAGE = 50
BATCH = 500
_HUNDRED = Decimal(100)
_STATE, _REGION = "state", "region"


def _cents(threshold: Decimal) -> int:
    return int(threshold * 100)


_ESTABLISHMENT_COLUMNS = {
    "establishment_name",
    "department_code",
    "network_id",
    "establishment_kind",
}


def _columns(settings: ReviewSettings) -> dict:
    """The ranked row's columns by name (hundredths and cents), rank excepted."""
    f = DossierStanding.__table__
    n_s = func.coalesce(f.c.n_state, 0)
    n_r = func.coalesce(f.c.n_region, 0)
    score, gap, spread = f.c.score, f.c.gap, f.c.spread
    flagged = case(
        (
            or_(
                and_(n_s > 0, n_r == 0),
                and_(n_r > 0, n_s == 0),
                gap > _cents(settings.gap_threshold),
                spread > _cents(settings.spread_threshold),
            ),
            1,
        ),
        else_=0,
    )
    return {
        "id": Dossier.id,
        "state_mean": f.c.state_mean,
        "region_mean": f.c.region_mean,
        "score": score,
        "gap": gap,
        "spread": spread,
        "n_state": n_s,
        "n_region": n_r,
        "flagged": flagged,
        "unscored": case((score.is_(None), 1), else_=0),
        "asked_region": func.coalesce(f.c.asked_region_cents, 0),
        "asked_state": func.coalesce(f.c.asked_state_cents, 0),
        # what the sorts and filters read, so that they need no second join
        "reference": Dossier.reference,
        "main_axis": Dossier.main_axis,
        "status": Dossier.status,
        "fields_text": cast(Dossier.fields, String),
        "establishment_name": func.lower(Establishment.name),
        "department_code": Establishment.department_code,
        "network_id": Establishment.network_id,
        "establishment_kind": Establishment.kind,
    }


def _rank(score):
    unscored = case((score.is_(None), 1), else_=0)
    return case((score.is_(None), None), else_=func.rank().over(order_by=(unscored, score.desc())))


def ranked_subquery(
    user: User, call: Call, settings: ReviewSettings, *, ranked: bool = True, states=None
):
    """Every dossier the user may see in the ranking, with its figures (hundredths) and rank:
    one row per dossier read from `dossier_standing` (no aggregate over the call's reviews).
    Without `ranked` the rank is NULL (no window: for counts, and for orders that only need the
    score); `states` keeps only the dossiers in those states (the rank is then among them)."""
    where = list(_visible_ranked(user, call))
    if states is not None:
        where.append(Dossier.status.in_(states))
    f = DossierStanding.__table__
    columns = _columns(settings)
    columns["rank"] = _rank(f.c.score) if ranked else literal(None, Integer)
    return (
        select(*(c.label(name) for name, c in columns.items()))
        .select_from(Dossier)
        .join(Establishment, Establishment.id == Dossier.establishment_id)
        .outerjoin(f, f.c.dossier_id == Dossier.id)
        .where(*where)
        .subquery("ranked")
    )


def narrow_ranked(
    user: User, call: Call, settings: ReviewSettings, names=(), *, ranked=True, states=None
):
    """The visible ranked rows on narrow columns: id, reference, score, unscored, rank (over all
    of them) and only the named extra columns; the establishment is joined only when one of
    those is the establishment's. Sorting and windows over 5,000 such rows cost a few ms where
    the wide rows of `ranked_subquery` cost tens."""
    where = list(_visible_ranked(user, call))
    if states is not None:
        where.append(Dossier.status.in_(states))
    f = DossierStanding.__table__
    every = _columns(settings)
    wanted = ["id", "reference", "score", "unscored", *(n for n in names if n != "rank")]
    statement = select(
        *(every[name].label(name) for name in dict.fromkeys(wanted)),
        (_rank(f.c.score) if ranked else literal(None, Integer)).label("rank"),
    ).select_from(Dossier)
    if _ESTABLISHMENT_COLUMNS.intersection(names):
        statement = statement.join(Establishment, Establishment.id == Dossier.establishment_id)
    return statement.outerjoin(f, f.c.dossier_id == Dossier.id).where(*where)


def _figure(value) -> Decimal | None:
    return None if value is None else (Decimal(int(value)) / _HUNDRED).quantize(Decimal("0.01"))


def _money(cents) -> Decimal:
    return (Decimal(int(cents or 0)) / _HUNDRED).quantize(Decimal("0.01"))


def row_of(dossier: Dossier, r, settings: ReviewSettings) -> RankingRow:
    """A RankingRow (figures as review.aggregation publishes them) from a row of the subquery."""
    gap, spread = _figure(r.gap), _figure(r.spread)
    has_state, has_region = bool(r.n_state), bool(r.n_region)
    reasons = (
        flag_reasons(
            has_state, has_region, gap, spread, settings.gap_threshold, settings.spread_threshold
        )
        if has_state or has_region
        else ()
    )
    aggregate = DossierAggregate(
        state_mean=_figure(r.state_mean),
        region_mean=_figure(r.region_mean),
        score=_figure(r.score),
        gap=gap,
        spread=spread,
        count_state=int(r.n_state),
        count_region=int(r.n_region),
        flagged=bool(reasons),
        reasons=reasons,
    )
    return RankingRow(
        dossier,
        aggregate,
        [],
        _money(r.asked_region),
        _money(r.asked_state),
        int(r.rank) if r.rank is not None else None,
    )


_SORT_KEYS = {
    "rang": "rank",
    "reference": "reference",
    "etablissement": "establishment_name",
    "montant_region": "asked_region",
    "montant_etat": "asked_state",
    "moyenne_etat": "state_mean",
    "moyenne_region": "region_mean",
    "score": "score",
    "dispersion": "spread",
    "signalement": "flagged",
}
_FILTER_COLUMNS = (
    ("axis", "main_axis"),
    ("field", "fields_text"),
    ("department", "department_code"),
    ("network", "network_id"),
    ("kind", "establishment_kind"),
)


def _sort_columns(ranked, query: RankingQuery):
    """ORDER BY of the query's sort: empty figures last, ties in rank order."""
    key = ranked.c[_SORT_KEYS[query.sort]]
    return (
        case((key.is_(None), 1), else_=0),
        key.desc() if query.order == "desc" else key.asc(),
        ranked.c.unscored,
        ranked.c.score.desc(),
        ranked.c.reference,
        ranked.c.id,
    )


def _filters(ranked, query: RankingQuery) -> list:
    out = []
    if query.axis is not None:
        out.append(ranked.c.main_axis == query.axis)
    if query.field is not None:
        # `fields` is a JSON list of known identifiers: their quoted text in the list's text.
        out.append(ranked.c.fields_text.like(f'%"{query.field}"%'))
    if query.department is not None:
        out.append(ranked.c.department_code == query.department)
    if query.network is not None:
        out.append(ranked.c.network_id == query.network)
    if query.kind is not None:
        out.append(ranked.c.establishment_kind == query.kind)
    if query.flagged_only:
        out.append(ranked.c.flagged == 1)
    return out


def _select(ranked, query: RankingQuery):
    return (
        select(Dossier, ranked)
        .join(ranked, ranked.c.id == Dossier.id)
        .join(Dossier.establishment)
        .options(
            contains_eager(Dossier.establishment).joinedload(Establishment.network),
            contains_eager(Dossier.establishment).joinedload(Establishment.department),
        )
        .where(*_filters(ranked, query))
    )


@dataclass
class RankingPage:
    """One page of the ranking as the user may see it, with the filters and sort of `query`."""

    call: Call
    settings: ReviewSettings
    rows: list[RankingRow]
    total: int  # rows the user may see
    matched: int  # rows kept by the filters
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.matched // self.per_page))


def _needed(query: RankingQuery) -> list[str]:
    """The columns the query's filters and sort read."""
    names = [column for attr, column in _FILTER_COLUMNS if getattr(query, attr) is not None]
    if query.flagged_only:
        names.append("flagged")
    return [*names, _SORT_KEYS[query.sort]]


def ranking_page(
    user: User, call: Call, query: RankingQuery, page: int = 1, per_page: int = PER_PAGE
) -> RankingPage:
    """A page of the ranking (VIEW_RANKING, else PermissionDenied); a page past the last is
    the last. Three statements whatever the number of dossiers (settings, counts, the page);
    two in the rank's own order without filters (the default page, `_rank_ordered`), where the
    page's rows carry the count of the visible rows (a window over them before the LIMIT), the
    counts' statement then only run for a page found empty past the first. Both work on narrow
    rows (`narrow_ranked`: the establishment is joined only when a filter or the sort reads
    it); only the page's rows are joined to their dossiers and figures."""
    require(user, Permission.VIEW_RANKING, call)
    settings = settings_for(call)
    needed = _needed(query)
    page = max(1, page)
    if _rank_ordered(query):
        found = list(
            db.session.execute(_page_statement(user, call, settings, query, page, per_page, True))
        )
        if found or page == 1:
            total = int(found[0].total) if found else 0
            rows = [row_of(r.Dossier, r, settings) for r in found]
            return RankingPage(call, settings, rows, total, total, page, per_page)
    counted = narrow_ranked(user, call, settings, needed, ranked=False).subquery("ranked")
    filters = _filters(counted, query)
    kept = func.sum(case((and_(*filters), 1), else_=0)) if filters else func.count()
    total, matched = db.session.execute(select(func.count(), kept).select_from(counted)).one()
    matched = int(matched or 0)
    pages = max(1, -(-matched // per_page))
    page = min(page, pages)
    statement = _page_statement(user, call, settings, query, page, per_page, False)
    rows = [row_of(r.Dossier, r, settings) for r in db.session.execute(statement)]
    return RankingPage(call, settings, rows, int(total), matched, page, per_page)


def _page_statement(user, call, settings, query: RankingQuery, page, per_page, with_total):
    """The page's rows: chosen on the narrow ranked rows, joined to their dossiers, figures
    (and, `with_total`, the number of visible rows: only in the rank's own order)."""
    needed = _needed(query)
    ranked = _ranked_for_page(user, call, settings, query, needed, page * per_page, with_total)
    keys = dict.fromkeys(("id", "rank", "unscored", "score", "reference", _SORT_KEYS[query.sort]))
    if with_total:
        keys["total"] = None
    chosen = (
        select(*(ranked.c[name] for name in keys))
        .where(*_filters(ranked, query))
        .order_by(*_sort_columns(ranked, query))
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("chosen")
    )
    f = DossierStanding.__table__
    figures = _columns(settings)
    extra = [chosen.c.total] if with_total else []
    return (
        select(
            Dossier,
            chosen.c.rank,
            *extra,
            *(figures[name].label(name) for name in _ROW_FIGURES),
        )
        .join(chosen, chosen.c.id == Dossier.id)
        .join(Dossier.establishment)
        .outerjoin(f, f.c.dossier_id == Dossier.id)
        .options(contains_eager(Dossier.establishment))
        .order_by(*_sort_columns(chosen, query))
    )


def _rank_ordered(query: RankingQuery) -> bool:
    """The sort is the rank's own order (score from best, or rank from first), no filter: any
    row ranked before one of the page's is before it in the sort too."""
    if any(getattr(query, attr) is not None for attr, _ in _FILTER_COLUMNS) or query.flagged_only:
        return False
    return (query.sort, query.order) in (("score", "desc"), ("rang", "asc"))


def _ranked_for_page(
    user, call, settings, query: RankingQuery, needed, rows_up_to: int, with_total=False
):
    """The narrow ranked rows the page is chosen from. In the rank's own order without filters
    (`_rank_ordered`: the default page) the rank of the first `rows_up_to` rows in that order
    is their rank among all the visible rows (every row ahead of one of them is among them), so
    those rows are kept first (a top-N sort) and the window ranks only them, not every row of
    the call; otherwise the window ranks every visible row."""
    if not _rank_ordered(query):
        return narrow_ranked(user, call, settings, needed).subquery("ranked")
    f = DossierStanding.__table__
    prefix = narrow_ranked(user, call, settings, needed, ranked=False)
    if with_total:  # every visible row's count, taken before the LIMIT
        prefix = prefix.add_columns(func.count().over().label("total"))
    prefix = (
        prefix.order_by(
            case((f.c.score.is_(None), 1), else_=0), f.c.score.desc(), Dossier.reference
        )
        .order_by(Dossier.id)
        .limit(rows_up_to)
        .subquery("prefix")
    )
    return select(
        *(column for column in prefix.c if column.key != "rank"),
        _rank(prefix.c.score).label("rank"),
    ).subquery("ranked")


_ROW_FIGURES = (
    "state_mean",
    "region_mean",
    "score",
    "gap",
    "spread",
    "n_state",
    "n_region",
    "asked_region",
    "asked_state",
)


def iter_ranking(user: User, call: Call, query: RankingQuery) -> Iterator[RankingRow]:
    """Every row kept by `query`, in its order, fetched BATCH rows at a time (for exports)."""
    require(user, Permission.VIEW_RANKING, call)
    settings = settings_for(call)
    ranked = ranked_subquery(user, call, settings)
    statement = (
        _select(ranked, query)
        .order_by(*_sort_columns(ranked, query))
        .execution_options(yield_per=BATCH)
    )
    for r in db.session.execute(statement):
        yield row_of(r[0], r, settings)


def ranked_in(user: User, call: Call, states) -> list[tuple[Dossier, Decimal | None, bool]]:
    """(dossier, score, flagged) of the visible ranked dossiers in `states`, in rank order, with
    their establishments and budget lines (for the amounts asked), in three statements."""
    require(user, Permission.VIEW_RANKING, call)
    settings = settings_for(call)
    ranked = ranked_subquery(user, call, settings)
    result = db.session.execute(
        _select(ranked, RankingQuery())
        .where(Dossier.status.in_(states))
        .options(selectinload(Dossier.budget_lines))
        .order_by(*_sort_columns(ranked, RankingQuery()))
    ).unique()
    out = []
    for r in result:
        row = row_of(r[0], r, settings)
        out.append((row.dossier, row.score, row.flagged))
    return out
