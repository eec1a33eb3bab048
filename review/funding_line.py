"""The session's table in SQL: the ranking's reviewed dossiers, running totals, the funding line.

`review.services.sessions.funding_plan` is the reference (it walks every row in Python); the
session page reads this module instead. Over the rows of the ranking the user may see that a
session works on (reviewed and beyond), in rank order, each row's planned amount per funder (what an
accepted standing proposal or decision grants, nothing for a rejection or an adjournment, what the
dossier asks otherwise) is summed by `SUM() OVER (ORDER BY position)`; one statement gives the
number of rows, the totals asked and granted and, per envelope, the last position whose running
total fits in it (the funding line) with what the envelope still holds there; another gives one
page of rows with their running totals. Amounts are integer cents in SQL (exact on every database).
Statements do not depend on the number of dossiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import contains_eager

from applications.models import Dossier, DossierStatus
from portal.db import db
from portal.models import Call, User
from portal.permissions import Permission, require

from .models import Decision, DecisionOutcome
from .ranking import settings_for
from .standings import narrow_ranked

FUNDERS = ("state", "region")
PER_PAGE = 50
_HUNDRED = Decimal(100)
PROPOSED = (DossierStatus.proposed_accept, DossierStatus.proposed_reject)
_NARROW = ("flagged", "asked_state", "asked_region", "status")


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _money(cents) -> Decimal:
    return (Decimal(int(cents or 0)) / _HUNDRED).quantize(Decimal("0.01"))


def _running(user: User, call: Call, states):
    """Per row a session works on: position, asked, planned, granted (cents) and running sums."""
    # Rank order is (scored first, score descending) then reference: no rank window is needed,
    # and only the dossiers in `states` are read, on narrow rows (no establishment).
    ranked = narrow_ranked(
        user, call, settings_for(call), _NARROW, ranked=False, states=states
    ).subquery("ranked")
    decided = Decision.id.is_not(None)
    sent_back = and_(
        Decision.outcome != DecisionOutcome.adjourn,
        Decision.finalised_at.is_(None),
        ranked.c.status.not_in(PROPOSED),
    )
    accepted = and_(decided, Decision.outcome == DecisionOutcome.accept, ~sent_back)
    columns = {}
    for funder in FUNDERS:
        asked = getattr(ranked.c, f"asked_{funder}")
        amount = cast(func.round(getattr(Decision, f"amount_{funder}") * 100), BigInteger)
        columns[f"asked_{funder}"] = asked
        columns[f"granted_{funder}"] = case((accepted, amount), else_=0)
        columns[f"planned_{funder}"] = case(
            (or_(~decided, sent_back), asked), (accepted, amount), else_=0
        )
    position = func.row_number().over(
        order_by=(ranked.c.unscored, ranked.c.score.desc(), ranked.c.reference, ranked.c.id)
    )
    base = (
        select(
            ranked.c.id,
            ranked.c.score,
            ranked.c.flagged,
            position.label("position"),
            *(c.label(name) for name, c in columns.items()),
        )
        .select_from(ranked)
        .outerjoin(Decision, Decision.dossier_id == ranked.c.id)
        .subquery("base")
    )
    window = {"order_by": base.c.position, "rows": (None, 0)}
    return select(
        base,
        *(
            func.sum(getattr(base.c, f"{kind}_{f}")).over(**window).label(f"cum_{kind}_{f}")
            for kind in ("planned", "granted")
            for f in FUNDERS
        ),
    ).subquery("running")


@dataclass
class SessionPage:
    """One page of the session's table, with the figures computed over all its rows."""

    rows: list  # SessionRow, positions first…last of this page
    count: int  # rows of the whole table
    line: dict  # funder → {"rank", "left", "envelope"} (as funding_plan returns)
    totals: dict  # {"asked": {funder: Decimal}, "granted": {…}}
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    def page_of(self, position: int | None) -> int:
        return 1 if not position else -(-position // self.per_page)


def session_page(
    user: User,
    call: Call,
    states,
    envelopes: dict,
    page: int | None = None,
    per_page: int = PER_PAGE,
    row_class=None,
) -> SessionPage:
    """The session's table (VIEW_RANKING): totals and funding line over every row, one page of
    rows. Without `page`, the page holding the first funding line (else the first); a page past
    the last is the last. Three statements (settings, figures, the page)."""
    require(user, Permission.VIEW_RANKING, call)
    running = _running(user, call, states)
    known = {f: envelopes[f] for f in FUNDERS if envelopes.get(f) is not None}
    figures = [func.count()]
    for f in FUNDERS:
        figures += [
            func.coalesce(func.sum(getattr(running.c, f"asked_{f}")), 0),
            func.coalesce(func.sum(getattr(running.c, f"granted_{f}")), 0),
        ]
    for f in FUNDERS:
        cum = getattr(running.c, f"cum_planned_{f}")
        within = cum <= literal(_cents(known[f]) if f in known else 0)
        figures += [
            func.max(case((within, running.c.position), else_=None)),
            func.max(case((within, cum), else_=None)),
        ]
    values = list(db.session.execute(select(*figures)).one())
    count = int(values[0])
    totals = {"asked": {}, "granted": {}}
    for i, f in enumerate(FUNDERS):
        totals["asked"][f] = _money(values[1 + 2 * i])
        totals["granted"][f] = _money(values[2 + 2 * i])
    line = {}
    for i, f in enumerate(FUNDERS):
        if f not in known:
            continue
        rank, cum = values[5 + 2 * i], values[6 + 2 * i]
        line[f] = {
            "rank": int(rank) if rank is not None else None,
            "left": known[f] - _money(cum) if rank is not None else known[f],
            "envelope": known[f],
        }
    result = SessionPage([], count, line, totals, 1, per_page)
    if page is None:
        ranks = [v["rank"] for v in line.values() if v["rank"] is not None]
        page = result.page_of(min(ranks)) if ranks else 1
    result.page = min(max(1, page), result.pages)
    first = (result.page - 1) * per_page + 1
    statement = (
        select(Dossier, Decision, running)
        .join(running, running.c.id == Dossier.id)
        .join(Dossier.establishment)
        .outerjoin(Decision, Decision.dossier_id == Dossier.id)
        .options(contains_eager(Dossier.establishment))
        .where(running.c.position.between(first, first + per_page - 1))
        .order_by(running.c.position)
    )
    result.rows = [_row(row_class, line, r) for r in db.session.execute(statement)]
    return result


def _row(row_class, line, r):
    dossier, decision = r[0], r[1]
    m = r._mapping
    row = row_class(
        rank=int(m["position"]),
        dossier=dossier,
        score=None if m["score"] is None else _money(m["score"]),
        flagged=bool(m["flagged"]),
        asked={f: _money(m[f"asked_{f}"]) for f in FUNDERS},
        decision=decision,
    )
    for f in FUNDERS:
        row.granted[f] = _money(m[f"granted_{f}"])
        row.planned[f] = _money(m[f"planned_{f}"])
        row.cumulative_granted[f] = _money(m[f"cum_granted_{f}"])
        row.cumulative_planned[f] = _money(m[f"cum_planned_{f}"])
        if f in line:
            row.remaining[f] = line[f]["envelope"] - row.cumulative_planned[f]
            row.beyond[f] = row.remaining[f] < 0
    return row
