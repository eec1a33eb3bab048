"""Commission sessions: the members present, the session's table in rank order, the funding line.

Functions take domain objects and plain data, check the policy, audit and flush; the caller
commits once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from applications.models import Dossier, DossierStatus
from portal import audit
from portal.db import db
from portal.errors import NotFound, ServiceError
from portal.models import Call, User
from portal.permissions import Permission, require

from .. import funding_line
from ..funding_line import PER_PAGE, SessionPage
from ..models import CommissionMember, CommissionSession, Decision, DecisionOutcome
from ..standings import ranked_in

# Dossiers the commission works on: reviewed, then proposed, then decided.
SESSION_STATES = (
    DossierStatus.reviewed,
    DossierStatus.proposed_accept,
    DossierStatus.proposed_reject,
    DossierStatus.accepted,
    DossierStatus.rejected,
    DossierStatus.funded,
    DossierStatus.reporting,
    DossierStatus.closed,
)
PROPOSED_STATES = (DossierStatus.proposed_accept, DossierStatus.proposed_reject)


def call_of(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound()
    return call


def commission_members(call: Call) -> list[CommissionMember]:
    return list(
        db.session.scalars(
            select(CommissionMember)
            .options(joinedload(CommissionMember.user))
            .where(CommissionMember.call_id == call.id)
            .order_by(
                CommissionMember.institution,
                CommissionMember.is_copilot.desc(),
                CommissionMember.id,
            )
        )
    )


def create_session(
    user: User, call: Call, held_on: dt.date | None, title: str, attendee_ids
) -> CommissionSession:
    """A commission session of the call, with the members present (members of its commission)."""
    require(user, Permission.RUN_SESSION, call)
    errors = {}
    if held_on is None:
        errors["held_on"] = "Indiquez la date de la séance (JJ/MM/AAAA)."
    title = (title or "").strip()
    if not title:
        errors["title"] = "Donnez un intitulé à la séance, par exemple « Commission du 12 mars »."
    elif len(title) > 200:
        errors["title"] = "L'intitulé fait au plus 200 caractères."
    members = {m.user_id: m for m in commission_members(call)}
    try:
        wanted = {int(i) for i in attendee_ids or []}
    except (TypeError, ValueError):
        wanted = {-1}
    if not wanted:
        errors["attendees"] = "Cochez les membres présents (au moins un)."
    elif wanted - set(members):
        errors["attendees"] = (
            "Seuls les membres de la commission de cet appel peuvent être présents."
        )
    if errors:
        raise ServiceError(next(iter(errors.values())), field=next(iter(errors)), errors=errors)
    session = CommissionSession(
        call_id=call.id,
        held_on=held_on,
        title=title,
        attendees=[members[i].user for i in sorted(wanted)],
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        user,
        "session_created",
        session,
        {"call_id": call.id, "held_on": held_on, "title": title, "attendees": sorted(wanted)},
    )
    return session


def sessions_of(call: Call) -> list[CommissionSession]:
    return list(
        db.session.scalars(
            select(CommissionSession)
            .where(CommissionSession.call_id == call.id)
            .order_by(CommissionSession.held_on.desc(), CommissionSession.id.desc())
        )
    )


def load_session(session_id: int) -> tuple[CommissionSession, Call]:
    session = db.session.get(CommissionSession, session_id)
    if session is None:
        raise NotFound()
    return session, call_of(session.call_id)


@dataclass
class SessionRow:
    """One line of the session table, in rank order."""

    rank: int
    dossier: Dossier
    score: Decimal | None
    flagged: bool
    asked: dict  # funder → Decimal
    decision: Decision | None
    granted: dict = field(default_factory=dict)  # funder → Decimal (accepted proposals/decisions)
    planned: dict = field(default_factory=dict)  # granted if proposed/decided, else asked
    cumulative_granted: dict = field(default_factory=dict)
    cumulative_planned: dict = field(default_factory=dict)
    remaining: dict = field(default_factory=dict)  # funder → envelope − cumulative planned
    beyond: dict = field(default_factory=dict)  # funder → True past the funding line


FUNDERS = ("state", "region")


def ranked_dossiers(user: User, call: Call) -> list[tuple[Dossier, Decimal | None, bool]]:
    """(dossier, score, flagged) of the call's reviewed dossiers the user may see, best first.

    The commission's ranking as review.standings computes it in SQL (the figures of
    review.aggregation from the stored review totals, conflicts applied in its query, ranks over
    every row the user may see), restricted to the dossiers a session works on (reviewed and
    beyond), a constant number of queries.
    """
    return ranked_in(user, call, SESSION_STATES)


def decisions_by_dossier(dossier_ids) -> dict[int, Decision]:
    if not dossier_ids:
        return {}
    return {
        d.dossier_id: d
        for d in db.session.scalars(
            select(Decision).where(Decision.dossier_id.in_(list(dossier_ids)))
        )
    }


def sent_back(decision: Decision) -> bool:
    """An accept or reject proposal the co-pilots sent back: it no longer stands."""
    return (
        decision.outcome != DecisionOutcome.adjourn
        and decision.finalised_at is None
        and decision.dossier.status not in PROPOSED_STATES
    )


def granted(decision: Decision | None) -> dict:
    """What a standing proposal or a decision grants per funder (nothing unless it accepts)."""
    if decision is None or decision.outcome != DecisionOutcome.accept or sent_back(decision):
        return {f: Decimal("0.00") for f in FUNDERS}
    return {"state": decision.amount_state, "region": decision.amount_region}


def funding_plan(rows: list[SessionRow], envelopes: dict) -> dict:
    """Fill the running totals of `rows` (in rank order) and find where each envelope runs out.

    Planned amount of a row: what its accepted proposal or decision grants; nothing when rejected or
    adjourned; what the dossier asks when nothing is proposed yet or the proposal was sent back. `envelopes` maps a funder to a
    Decimal (or is missing it). Returns {funder: {"rank": last rank funded within the envelope or
    None, "left": what the envelope still holds at that rank, "envelope": amount}}.
    """
    cum_granted = {f: Decimal("0.00") for f in FUNDERS}
    cum_planned = {f: Decimal("0.00") for f in FUNDERS}
    line = {
        f: {"rank": None, "left": envelopes[f], "envelope": envelopes[f]}
        for f in FUNDERS
        if envelopes.get(f) is not None
    }
    for row in rows:
        row.granted = granted(row.decision)
        for f in FUNDERS:
            if row.decision is None or sent_back(row.decision):
                row.planned[f] = row.asked[f]
            elif row.decision.outcome == DecisionOutcome.accept:
                row.planned[f] = row.granted[f]
            else:
                row.planned[f] = Decimal("0.00")
            cum_granted[f] += row.granted[f]
            cum_planned[f] += row.planned[f]
            row.cumulative_granted[f] = cum_granted[f]
            row.cumulative_planned[f] = cum_planned[f]
            if f in line:
                row.remaining[f] = line[f]["envelope"] - cum_planned[f]
                row.beyond[f] = row.remaining[f] < 0
                # amounts are never negative: once past the line, every later row is past it too
                if not row.beyond[f]:
                    line[f]["rank"], line[f]["left"] = row.rank, row.remaining[f]
    return line


def session_table(user: User, call: Call, envelopes: dict) -> tuple[list[SessionRow], dict, dict]:
    """(rows in rank order, funding line per funder, totals): the whole table in Python, the
    reference the SQL page (`session_page`) is checked against."""
    ranked = ranked_dossiers(user, call)
    decisions = decisions_by_dossier(d.id for d, _, _ in ranked)
    rows = [
        SessionRow(
            rank=i,
            dossier=d,
            score=score,
            flagged=flagged,
            asked={f: d.requested(f) for f in FUNDERS},
            decision=decisions.get(d.id),
        )
        for i, (d, score, flagged) in enumerate(ranked, start=1)
    ]
    line = funding_plan(rows, envelopes)
    totals = {
        "asked": {f: sum((r.asked[f] for r in rows), Decimal("0.00")) for f in FUNDERS},
        "granted": {f: sum((r.granted[f] for r in rows), Decimal("0.00")) for f in FUNDERS},
    }
    return rows, line, totals


def session_page(
    user: User, call: Call, envelopes: dict, page: int | None = None, per_page: int = PER_PAGE
) -> SessionPage:
    """One page of the session's table (the page of the first funding line unless `page` is
    given), its running totals, funding line and totals computed in SQL over every row."""
    return funding_line.session_page(
        user, call, SESSION_STATES, envelopes, page, per_page, row_class=SessionRow
    )
