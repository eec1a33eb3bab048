"""The commission's decisions: sessions, proposals, the two co-pilots' validations, publication.

Functions take domain objects and plain data, check the policy, audit, queue mail and flush; the
caller (a view or a CLI command) commits once. A refused operation raises a ServiceError before
anything is changed.

A proposal is a `Decision` row that is not final yet. It becomes final when the State co-pilot and
the Région co-pilot have both validated it, each for their own institution; the database refuses a
final decision without both validations (CHECK final_needs_both_copilots).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from applications import workflow
from applications.models import Dossier, DossierStatus
from applications.services import notify_establishment
from portal import audit
from portal.calls.services import mark_decided
from portal.db import db, utcnow
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.formatting import format_date, format_money, parse_amount
from portal.mail import queue_mail
from portal.models import Call, Institution, User
from applications.policy import require_dossier, visible_dossiers
from portal.permissions import Permission, can, require

from .models import CommissionMember, CommissionSession, Decision, DecisionOutcome
from .signals import decision_finalised

OUTCOME_LABELS = {DecisionOutcome.accept: "Accord", DecisionOutcome.reject: "Rejet",
                  DecisionOutcome.adjourn: "Ajournement"}
FUNDER_LABELS = {"state": "État (rectorat)", "region": "Région"}
# "co-pilote pour …", "valider pour …"
FOR_INSTITUTION = {Institution.state: "l’État (rectorat)", Institution.region: "la Région"}
# An acceptance needs a motivation too (the establishment reads it; the database requires one on a
# final decision): when the commission leaves it blank, this sentence is recorded, in plain sight.
DEFAULT_ACCEPT_MOTIVATION = "La commission conjointe État–Région retient ce projet."
MAX_MOTIVATION = 5000

# Dossiers the commission works on: reviewed, then proposed, then decided.
SESSION_STATES = (DossierStatus.reviewed, DossierStatus.proposed_accept,
                  DossierStatus.proposed_reject, DossierStatus.accepted, DossierStatus.rejected,
                  DossierStatus.funded, DossierStatus.reporting, DossierStatus.closed)
PROPOSED_STATES = (DossierStatus.proposed_accept, DossierStatus.proposed_reject)
# Dossiers still on their way to a decision: results cannot be published while any remains.
UNDECIDED_STATES = (DossierStatus.eligible, DossierStatus.in_review, DossierStatus.reviewed,
                    DossierStatus.proposed_accept, DossierStatus.proposed_reject)


def _call(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound()
    return call


# ---------------------------------------------------------------- sessions

def commission_members(call: Call) -> list[CommissionMember]:
    return list(db.session.scalars(
        select(CommissionMember).options(joinedload(CommissionMember.user))
        .where(CommissionMember.call_id == call.id)
        .order_by(CommissionMember.institution, CommissionMember.is_copilot.desc(),
                  CommissionMember.id)))


def create_session(user: User, call: Call, held_on: dt.date | None, title: str,
                   attendee_ids) -> CommissionSession:
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
        errors["attendees"] = ("Seuls les membres de la commission de cet appel peuvent être "
                               "présents.")
    if errors:
        raise ServiceError(next(iter(errors.values())), field=next(iter(errors)), errors=errors)
    session = CommissionSession(call_id=call.id, held_on=held_on, title=title,
                                attendees=[members[i].user for i in sorted(wanted)])
    db.session.add(session)
    db.session.flush()
    audit.record(user, "session_created", session,
                 {"call_id": call.id, "held_on": held_on, "title": title,
                  "attendees": sorted(wanted)})
    return session


def sessions_of(call: Call) -> list[CommissionSession]:
    return list(db.session.scalars(
        select(CommissionSession).where(CommissionSession.call_id == call.id)
        .order_by(CommissionSession.held_on.desc(), CommissionSession.id.desc())))


def load_session(session_id: int) -> tuple[CommissionSession, Call]:
    session = db.session.get(CommissionSession, session_id)
    if session is None:
        raise NotFound()
    return session, _call(session.call_id)


# ---------------------------------------------------------------- ranking of the session

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

    The commission's ranking (review.ranking: scores from review.aggregation over the submitted
    reviews, conflicts applied in its query, a constant number of queries), restricted to the
    dossiers a session works on (reviewed and beyond).
    """
    from .ranking import build_ranking
    return [(row.dossier, row.score, row.flagged) for row in build_ranking(user, call).rows
            if row.dossier.status in SESSION_STATES]


def decisions_by_dossier(dossier_ids) -> dict[int, Decision]:
    if not dossier_ids:
        return {}
    return {d.dossier_id: d for d in db.session.scalars(
        select(Decision).where(Decision.dossier_id.in_(list(dossier_ids))))}


def _sent_back(decision: Decision) -> bool:
    """An accept or reject proposal the co-pilots sent back: it no longer stands."""
    return (decision.outcome != DecisionOutcome.adjourn and decision.finalised_at is None
            and decision.dossier.status not in PROPOSED_STATES)


def granted(decision: Decision | None) -> dict:
    """What a standing proposal or a decision grants per funder (nothing unless it accepts)."""
    if decision is None or decision.outcome != DecisionOutcome.accept or _sent_back(decision):
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
    line = {f: {"rank": None, "left": envelopes[f], "envelope": envelopes[f]}
            for f in FUNDERS if envelopes.get(f) is not None}
    for row in rows:
        row.granted = granted(row.decision)
        for f in FUNDERS:
            if row.decision is None or _sent_back(row.decision):
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
    """(rows in rank order, funding line per funder, totals) for the session page."""
    ranked = ranked_dossiers(user, call)
    decisions = decisions_by_dossier(d.id for d, _, _ in ranked)
    rows = [SessionRow(rank=i, dossier=d, score=score, flagged=flagged,
                       asked={f: d.requested(f) for f in FUNDERS}, decision=decisions.get(d.id))
            for i, (d, score, flagged) in enumerate(ranked, start=1)]
    line = funding_plan(rows, envelopes)
    totals = {
        "asked": {f: sum((r.asked[f] for r in rows), Decimal("0.00")) for f in FUNDERS},
        "granted": {f: sum((r.granted[f] for r in rows), Decimal("0.00")) for f in FUNDERS},
    }
    return rows, line, totals


# ---------------------------------------------------------------- proposals

def _amount(raw, field_name: str, errors: dict) -> Decimal:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Decimal("0.00")
    try:
        return parse_amount(raw)
    except ValueError as exc:
        errors[field_name] = str(exc)
        return Decimal("0.00")


def record_proposal(user: User, session: CommissionSession, dossier: Dossier, outcome: str,
                    amount_state=None, amount_region=None, motivation: str = "") -> Decision:
    """Record the commission's proposal for a reviewed dossier during a session.

    accept: an amount per funder, each at most what the dossier asks that funder, together more
    than zero (dossier → proposed_accept); reject: a motivation (dossier → proposed_reject);
    adjourn: the dossier stays reviewed for a later session. A proposal waiting for the
    co-pilots' validations cannot be replaced: it must be sent back first.
    """
    call = _call(session.call_id)
    require(user, Permission.RUN_SESSION, call)
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    if dossier.call_id != call.id:
        raise NotFound()
    try:
        result = DecisionOutcome(outcome)
    except ValueError:
        raise ServiceError("Choisissez une proposition : accord, rejet ou ajournement.",
                           field="outcome") from None
    action = {DecisionOutcome.accept: "propose_accept", DecisionOutcome.reject: "propose_reject",
              DecisionOutcome.adjourn: "adjourn"}[result]
    workflow.next_state(dossier, action)  # a clear refusal when the dossier is not reviewed
    errors: dict[str, str] = {}
    motivation = (motivation or "").strip()
    if len(motivation) > MAX_MOTIVATION:
        errors["motivation"] = "La motivation fait au plus 5 000 caractères."
    amounts = {"state": Decimal("0.00"), "region": Decimal("0.00")}
    if result == DecisionOutcome.accept:
        amounts["state"] = _amount(amount_state, "amount_state", errors)
        amounts["region"] = _amount(amount_region, "amount_region", errors)
        for funder in FUNDERS:
            asked = dossier.requested(funder)
            if f"amount_{funder}" not in errors and amounts[funder] > asked:
                errors[f"amount_{funder}"] = (
                    f"Le montant accordé par {'l’État' if funder == 'state' else 'la Région'} "
                    f"({format_money(amounts[funder])}) dépasse le montant demandé "
                    f"({format_money(asked)}).")
        if not errors and amounts["state"] + amounts["region"] <= 0:
            errors["amount_state"] = ("Un accord porte sur un montant : indiquez ce qu'accordent "
                                      "l'État, la Région, ou les deux.")
        if not motivation:
            motivation = DEFAULT_ACCEPT_MOTIVATION
    elif result == DecisionOutcome.reject and not motivation:
        errors["motivation"] = "Motivez le rejet : l'établissement lira cette motivation."
    if errors:
        first = next(iter(errors))
        raise ServiceError(errors[first], field=first, errors=errors)

    decision = db.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))
    if decision is not None and decision.finalised_at is not None:
        raise Conflict(f"Le dossier {dossier.reference} a déjà une décision définitive.")
    before = _snapshot(decision) if decision is not None else {}
    if decision is None:
        decision = Decision(dossier_id=dossier.id, dossier=dossier)
        db.session.add(decision)
    now = utcnow()
    decision.session_id = session.id
    decision.outcome = result
    decision.amount_state, decision.amount_region = amounts["state"], amounts["region"]
    decision.motivation = motivation
    decision.proposed_by_id, decision.proposed_at = user.id, now
    _clear_validations(decision)
    status_before, _ = workflow.transition(dossier, action)
    db.session.flush()
    audit.record(user, "decision_proposed", decision,
                 {**audit.diff(before, _snapshot(decision)), "dossier_id": dossier.id,
                  "session_id": session.id,
                  "status": [status_before.value, dossier.status.value]})
    return decision


def _snapshot(decision: Decision) -> dict:
    return {"outcome": decision.outcome, "amount_state": decision.amount_state,
            "amount_region": decision.amount_region, "motivation": decision.motivation}


def _clear_validations(decision: Decision) -> None:
    decision.state_validated_by_id = decision.state_validated_at = None
    decision.region_validated_by_id = decision.region_validated_at = None


# ---------------------------------------------------------------- co-piloted decision

def copilot_institution(user: User, call_id: int) -> Institution | None:
    """The institution the user co-pilots the call for, or None."""
    return db.session.scalar(select(CommissionMember.institution).where(
        CommissionMember.call_id == call_id, CommissionMember.user_id == user.id,
        CommissionMember.is_copilot.is_(True)))


def _pending(decision: Decision) -> None:
    if decision.finalised_at is not None:
        raise Conflict(f"La décision sur le dossier {decision.dossier.reference} est déjà "
                       "définitive.")
    if decision.outcome == DecisionOutcome.adjourn:
        raise Conflict("Un ajournement ne se valide pas : le dossier reviendra en séance.")
    if decision.dossier.status not in PROPOSED_STATES:
        raise Conflict(f"Le dossier {decision.dossier.reference} n'a pas de proposition en "
                       "attente de validation.")


def validate_decision(user: User, decision: Decision, institution: str | None = None) -> Decision:
    """The co-pilot validates the proposal for their own institution (and only theirs).

    `institution`, when given (the form's hidden field), must be the co-pilot's own: asking to
    validate for the other institution is refused. Validating twice is a Conflict. When both
    institutions have validated, the decision is final, the dossier accepted or rejected, and
    `decision_finalised` is sent inside the transaction.
    """
    dossier = decision.dossier
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    require(user, Permission.VALIDATE_DECISION, decision)
    own = copilot_institution(user, dossier.call_id)
    if own is None:  # the policy said co-pilot: a member row without is_copilot cannot happen
        raise PermissionDenied()
    if institution not in (None, "") and institution != own.value:
        raise PermissionDenied(f"Vous êtes co-pilote pour {FOR_INSTITUTION[own]} : vous ne "
                               "pouvez valider que pour votre institution.")
    _pending(decision)
    prefix = own.value
    if getattr(decision, f"{prefix}_validated_by_id") is not None:
        whose = "de l’État" if own == Institution.state else "de la Région"
        raise Conflict(f"La validation {whose}"
                       " est déjà enregistrée pour cette décision, le "
                       f"{format_date(getattr(decision, f'{prefix}_validated_at'))}.")
    now = utcnow()
    setattr(decision, f"{prefix}_validated_by_id", user.id)
    setattr(decision, f"{prefix}_validated_at", now)
    audit.record(user, "decision_validated", decision,
                 {"institution": prefix, "dossier_id": dossier.id})
    if decision.state_validated_by_id is not None and decision.region_validated_by_id is not None:
        decision.finalised_at = now
        before, _ = workflow.transition(dossier, "finalise")
        db.session.flush()
        audit.record(user, "decision_finalised", decision,
                     {"dossier_id": dossier.id, "status": [before.value, dossier.status.value],
                      "outcome": decision.outcome, "amount_state": decision.amount_state,
                      "amount_region": decision.amount_region})
        decision_finalised.send(decision)
    else:
        db.session.flush()
    return decision


def send_back(user: User, decision: Decision, comment: str) -> Decision:
    """Either co-pilot sends a pending proposal back to the commission, with a comment.

    Both validations are cleared and the dossier returns to reviewed, to be proposed again.
    """
    dossier = decision.dossier
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    require(user, Permission.VALIDATE_DECISION, decision)
    comment = (comment or "").strip()
    if not comment:
        raise ServiceError("Expliquez pourquoi la proposition est renvoyée en commission.",
                           field="comment")
    if len(comment) > MAX_MOTIVATION:
        raise ServiceError("Le commentaire fait au plus 5 000 caractères.", field="comment")
    _pending(decision)
    cleared = {"state": decision.state_validated_by_id, "region": decision.region_validated_by_id}
    _clear_validations(decision)
    before, _ = workflow.transition(dossier, "send_back")
    db.session.flush()
    audit.record(user, "decision_sent_back", decision,
                 {"dossier_id": dossier.id, "comment": comment, "cleared_validations": cleared,
                  "status": [before.value, dossier.status.value]})
    recipients = {decision.proposed_by_id} | {m.user_id for m in db.session.scalars(
        select(CommissionMember).where(CommissionMember.call_id == dossier.call_id,
                                       CommissionMember.is_copilot.is_(True)))}
    for person in db.session.scalars(select(User).where(User.id.in_(recipients - {None, user.id}),
                                                        User.active.is_(True))):
        if not can(person, Permission.VIEW_DOSSIER, dossier):
            continue  # a conflicted co-pilot hears nothing of this dossier
        queue_mail(person.email, f"Proposition renvoyée en commission : {dossier.reference}",
                   f"{user.full_name} a renvoyé en commission la proposition sur le dossier "
                   f"{dossier.reference} (« {dossier.title} »).\n\nCommentaire : {comment}")
    return decision


def last_send_back(decision: Decision | None):
    """(when, comment) of the last time the proposal was sent back to the commission, or None."""
    from portal.models import AuditEvent
    if decision is None or decision.id is None:
        return None
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "decision_sent_back",
                                 AuditEvent.object_type == "decision",
                                 AuditEvent.object_id == decision.id)
        .order_by(AuditEvent.id.desc()).limit(1))
    return (event.at, (event.changes or {}).get("comment", "")) if event else None


def pending_for(user: User, call_ids=None) -> list[Decision]:
    """Proposals of the calls the user co-pilots that still wait for their institution's validation.

    Two queries, whatever the number of calls or decisions; conflicted dossiers are left out.
    """
    rows = db.session.execute(select(CommissionMember.call_id, CommissionMember.institution).where(
        CommissionMember.user_id == user.id, CommissionMember.is_copilot.is_(True))).all()
    if call_ids is not None:
        rows = [r for r in rows if r.call_id in set(call_ids)]
    if not rows:
        return []
    from sqlalchemy import and_, or_
    clauses = []
    for call_id, institution in rows:
        mine = (Decision.state_validated_by_id if institution == Institution.state
                else Decision.region_validated_by_id)
        clauses.append(and_(Dossier.call_id == call_id, mine.is_(None)))
    return list(db.session.scalars(
        select(Decision).join(Decision.dossier).options(joinedload(Decision.dossier))
        .where(or_(*clauses), Decision.finalised_at.is_(None),
               Decision.outcome != DecisionOutcome.adjourn,
               Dossier.status.in_(PROPOSED_STATES), visible_dossiers(user))
        .order_by(Decision.proposed_at, Decision.id)))


def call_decisions(user: User, call: Call) -> list[Decision]:
    """Every proposal and decision of the call the user may see, in dossier reference order."""
    return list(db.session.scalars(
        select(Decision).join(Decision.dossier)
        .options(joinedload(Decision.dossier).joinedload(Dossier.establishment))
        .where(Dossier.call_id == call.id, visible_dossiers(user))
        .order_by(Dossier.reference)))


def users_by_id(ids) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


# ---------------------------------------------------------------- publication

def publication_blockers(call: Call) -> list[Dossier]:
    """Dossiers of the call still on their way to a decision (all of them, whoever asks)."""
    return list(db.session.scalars(
        select(Dossier).where(Dossier.call_id == call.id, Dossier.status.in_(UNDECIDED_STATES))
        .order_by(Dossier.reference)))


def publish_results(user: User, call: Call) -> list[Decision]:
    """Publish every final decision of the call in one action, with an email per establishment.

    Refused, with the list, while some dossiers of the call have no final decision yet; refused as
    well when there is nothing new to publish.
    """
    require(user, Permission.PUBLISH_RESULTS, call)
    blockers = publication_blockers(call)
    if blockers:
        refs = ", ".join(d.reference for d in blockers[:20])
        more = f" et {len(blockers) - 20} autres" if len(blockers) > 20 else ""
        raise ServiceError(
            f"Publication impossible : {len(blockers)} dossier{'s' if len(blockers) > 1 else ''} "
            f"de l'appel {'n’ont' if len(blockers) > 1 else 'n’a'} pas encore de décision "
            f"définitive ({refs}{more}). Faites-les valider par les deux co-pilotes, puis publiez.",
            field="publish")
    decisions = list(db.session.scalars(
        select(Decision).join(Decision.dossier).options(joinedload(Decision.dossier))
        .where(Dossier.call_id == call.id, Decision.finalised_at.is_not(None),
               Decision.published_at.is_(None))
        .order_by(Dossier.reference)))
    if not decisions:
        raise Conflict("Aucune décision définitive n'attend de publication pour cet appel : les "
                       "résultats ont déjà été publiés, ou aucune décision n'a encore été prise.")
    now = utcnow()
    for decision in decisions:
        decision.published_at = now
        decision.dossier.decision_published_at = now
        notify_establishment(decision.dossier, *decision_message(decision))
    db.session.flush()
    mark_decided(user, call)  # the kernel's call moves to « Décidé » once its deadline has passed
    audit.record(user, "results_published", call,
                 {"decisions": [d.id for d in decisions],
                  "dossiers": [d.dossier.reference for d in decisions]})
    return decisions


def decision_message(decision: Decision) -> tuple[str, str]:
    """(subject, body) of the email announcing a published decision (no reviewer, no score)."""
    dossier = decision.dossier
    if decision.outcome == DecisionOutcome.accept:
        subject = f"Dossier {dossier.reference} retenu"
        body = (f"La commission conjointe État–Région a retenu le projet « {dossier.title} » "
                f"(dossier {dossier.reference}).\n\n"
                f"Montant accordé par l'État (rectorat) : {format_money(decision.amount_state)}\n"
                f"Montant accordé par la Région : {format_money(decision.amount_region)}\n"
                f"Total : {format_money(decision.amount_state + decision.amount_region)}\n\n"
                f"Motivation : {decision.motivation}\n")
    else:
        subject = f"Dossier {dossier.reference} non retenu"
        body = (f"La commission conjointe État–Région n'a pas retenu le projet « {dossier.title} » "
                f"(dossier {dossier.reference}).\n\nMotivation : {decision.motivation}\n")
    body += ("\nLa lettre de décision est disponible sur la page du dossier, dans le portail de "
             "l'appel à projets.")
    return subject, body


def decision_of(dossier: Dossier) -> Decision | None:
    return db.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))


def shown_decision(user: User, dossier: Dossier) -> Decision | None:
    """The final decision the user may read on the dossier's page (VIEW_DECISION), or None.

    The establishment sees it once published; staff who read the dossier once final.
    """
    from portal.permissions import can
    if dossier is None or dossier.reference is None or not can(user, Permission.VIEW_DECISION,
                                                                dossier):
        return None
    decision = decision_of(dossier)
    if decision is None or decision.finalised_at is None:
        return None
    return decision
