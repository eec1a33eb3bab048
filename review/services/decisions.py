"""The commission's decisions: proposals during a session, the two co-pilots' validations.

Functions take domain objects and plain data, check the policy, audit, queue mail and flush; the
caller (a view or a CLI command) commits once. A refused operation raises a ServiceError before
anything is changed.

A proposal is a `Decision` row that is not final yet. It becomes final when the State co-pilot and
the Région co-pilot have both validated it, each for their own institution; the database refuses a
final decision without both validations (CHECK final_needs_both_copilots).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from applications import workflow
from applications.models import Dossier
from applications.policy import require_dossier, visible_dossiers
from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.formatting import format_date, format_money, parse_amount
from portal.mail import queue_mail
from portal.models import AuditEvent, Call, Institution, User
from portal.permissions import Permission, can, require

from ..models import (
    CommissionMember,
    CommissionSession,
    CopilotDeputy,
    Decision,
    DecisionOutcome,
)
from ..policy import conflicted
from ..signals import decision_finalised
from .deputies import signing_capacity
from .sessions import FUNDERS, PROPOSED_STATES, call_of

# "co-pilote pour …", "valider pour …"
FOR_INSTITUTION = {Institution.state: "l’État (rectorat)", Institution.region: "la Région"}
# An acceptance needs a motivation too (the establishment reads it; the database requires one on a
# final decision): when the commission leaves it blank, this sentence is recorded, in plain sight.
DEFAULT_ACCEPT_MOTIVATION = "La commission conjointe État–Région retient ce projet."
MAX_MOTIVATION = 5000


def _amount(raw, field_name: str, errors: dict) -> Decimal:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Decimal("0.00")
    try:
        return parse_amount(raw)
    except ValueError as exc:
        errors[field_name] = str(exc)
        return Decimal("0.00")


def record_proposal(
    user: User,
    session: CommissionSession,
    dossier: Dossier,
    outcome: str,
    amount_state=None,
    amount_region=None,
    motivation: str = "",
) -> Decision:
    """Record the commission's proposal for a reviewed dossier during a session.

    accept: an amount per funder, each at most what the dossier asks that funder, together more
    than zero (dossier → proposed_accept); reject: a motivation (dossier → proposed_reject);
    adjourn: the dossier stays reviewed for a later session. A proposal waiting for the
    co-pilots' validations cannot be replaced: it must be sent back first.
    """
    call = call_of(session.call_id)
    require(user, Permission.RUN_SESSION, call)
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    if dossier.call_id != call.id:
        raise NotFound()
    try:
        result = DecisionOutcome(outcome)
    except ValueError:
        raise ServiceError(
            "Choisissez une proposition : accord, rejet ou ajournement.", field="outcome"
        ) from None
    action = {
        DecisionOutcome.accept: "propose_accept",
        DecisionOutcome.reject: "propose_reject",
        DecisionOutcome.adjourn: "adjourn",
    }[result]
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
                    f"({format_money(asked)})."
                )
        if not errors and amounts["state"] + amounts["region"] <= 0:
            errors["amount_state"] = (
                "Un accord porte sur un montant : indiquez ce qu'accordent "
                "l'État, la Région, ou les deux."
            )
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
    clear_validations(decision)
    status_before, _ = workflow.transition(dossier, action)
    db.session.flush()
    audit.record(
        user,
        "decision_proposed",
        decision,
        {
            **audit.diff(before, _snapshot(decision)),
            "dossier_id": dossier.id,
            "session_id": session.id,
            "status": [status_before.value, dossier.status.value],
        },
    )
    if result != DecisionOutcome.adjourn:
        from .notices import proposal_recorded

        proposal_recorded(user, decision)
    return decision


def _snapshot(decision: Decision) -> dict:
    return {
        "outcome": decision.outcome,
        "amount_state": decision.amount_state,
        "amount_region": decision.amount_region,
        "motivation": decision.motivation,
    }


def clear_validations(decision: Decision) -> None:
    decision.state_validated_by_id = decision.state_validated_at = None
    decision.region_validated_by_id = decision.region_validated_at = None
    decision.state_validated_as = decision.region_validated_as = None


# ---------------------------------------------------------------- co-piloted decision


def copilot_institution(user: User, call_id: int) -> Institution | None:
    """The institution the user validates the call's proposals for (co-pilot or deputy), or None."""
    signer = signing_capacity(user, call_id)
    return signer[0] if signer else None


def _pending(decision: Decision) -> None:
    if decision.finalised_at is not None:
        raise Conflict(
            f"La décision sur le dossier {decision.dossier.reference} est déjà définitive."
        )
    if decision.outcome == DecisionOutcome.adjourn:
        raise Conflict("Un ajournement ne se valide pas : le dossier reviendra en séance.")
    if decision.dossier.status not in PROPOSED_STATES:
        raise Conflict(
            f"Le dossier {decision.dossier.reference} n'a pas de proposition en "
            "attente de validation."
        )


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
    signer = signing_capacity(user, dossier.call_id)
    if signer is None:  # the policy said co-pilot (or deputy): cannot happen
        raise PermissionDenied()
    own, capacity = signer
    if conflicted(user, dossier):  # never, deputy or not (the policy already hides the dossier)
        raise PermissionDenied("Vous avez déclaré un conflit d'intérêts sur ce dossier.")
    if institution not in (None, "") and institution != own.value:
        raise PermissionDenied(
            f"Vous êtes co-pilote pour {FOR_INSTITUTION[own]} : vous ne "
            "pouvez valider que pour votre institution."
        )
    _pending(decision)
    prefix = own.value
    if getattr(decision, f"{prefix}_validated_by_id") is not None:
        whose = "de l’État" if own == Institution.state else "de la Région"
        raise Conflict(
            f"La validation {whose}"
            " est déjà enregistrée pour cette décision, le "
            f"{format_date(getattr(decision, f'{prefix}_validated_at'))}."
        )
    now = utcnow()
    setattr(decision, f"{prefix}_validated_by_id", user.id)
    setattr(decision, f"{prefix}_validated_at", now)
    setattr(decision, f"{prefix}_validated_as", capacity)
    audit.record(
        user,
        "decision_validated",
        decision,
        {"institution": prefix, "dossier_id": dossier.id, "capacity": capacity.value},
    )
    if decision.state_validated_by_id is not None and decision.region_validated_by_id is not None:
        decision.finalised_at = now
        before, _ = workflow.transition(dossier, "finalise")
        db.session.flush()
        audit.record(
            user,
            "decision_finalised",
            decision,
            {
                "dossier_id": dossier.id,
                "status": [before.value, dossier.status.value],
                "outcome": decision.outcome,
                "amount_state": decision.amount_state,
                "amount_region": decision.amount_region,
            },
        )
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
        raise ServiceError(
            "Expliquez pourquoi la proposition est renvoyée en commission.", field="comment"
        )
    if len(comment) > MAX_MOTIVATION:
        raise ServiceError("Le commentaire fait au plus 5 000 caractères.", field="comment")
    _pending(decision)
    cleared = {"state": decision.state_validated_by_id, "region": decision.region_validated_by_id}
    clear_validations(decision)
    before, _ = workflow.transition(dossier, "send_back")
    db.session.flush()
    audit.record(
        user,
        "decision_sent_back",
        decision,
        {
            "dossier_id": dossier.id,
            "comment": comment,
            "cleared_validations": cleared,
            "status": [before.value, dossier.status.value],
        },
    )
    recipients = {decision.proposed_by_id} | {
        m.user_id
        for m in db.session.scalars(
            select(CommissionMember).where(
                CommissionMember.call_id == dossier.call_id, CommissionMember.is_copilot.is_(True)
            )
        )
    }
    for person in db.session.scalars(
        select(User).where(User.id.in_(recipients - {None, user.id}), User.active.is_(True))
    ):
        if not can(person, Permission.VIEW_DOSSIER, dossier):
            continue  # a conflicted co-pilot hears nothing of this dossier
        queue_mail(
            person.email,
            f"Proposition renvoyée en commission : {dossier.reference}",
            f"{user.full_name} a renvoyé en commission la proposition sur le dossier "
            f"{dossier.reference} (« {dossier.title} »).\n\nCommentaire : {comment}",
        )
    return decision


def last_send_back(decision: Decision | None):
    """(when, comment) of the last time the proposal was sent back to the commission, or None."""
    if decision is None or decision.id is None:
        return None
    event = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.action == "decision_sent_back",
            AuditEvent.object_type == "decision",
            AuditEvent.object_id == decision.id,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return (event.at, (event.changes or {}).get("comment", "")) if event else None


def pending_for(user: User, call_ids=None) -> list[Decision]:
    """Proposals of the calls the user co-pilots that still wait for their institution's validation.

    Two queries, whatever the number of calls or decisions; conflicted dossiers are left out.
    """
    rows = db.session.execute(
        select(CommissionMember.call_id, CommissionMember.institution)
        .where(CommissionMember.user_id == user.id, CommissionMember.is_copilot.is_(True))
        .union_all(
            select(CopilotDeputy.call_id, CopilotDeputy.institution).where(
                CopilotDeputy.deputy_id == user.id
            )
        )
    ).all()
    if call_ids is not None:
        rows = [r for r in rows if r.call_id in set(call_ids)]
    if not rows:
        return []
    clauses = []
    for call_id, institution in rows:
        mine = (
            Decision.state_validated_by_id
            if institution == Institution.state
            else Decision.region_validated_by_id
        )
        clauses.append(and_(Dossier.call_id == call_id, mine.is_(None)))
    return list(
        db.session.scalars(
            select(Decision)
            .join(Decision.dossier)
            .options(joinedload(Decision.dossier))
            .where(
                or_(*clauses),
                Decision.finalised_at.is_(None),
                Decision.outcome != DecisionOutcome.adjourn,
                Dossier.status.in_(PROPOSED_STATES),
                visible_dossiers(user),
            )
            .order_by(Decision.proposed_at, Decision.id)
        )
    )


def call_decisions(user: User, call: Call) -> list[Decision]:
    """Every proposal and decision of the call the user may see, in dossier reference order."""
    return list(
        db.session.scalars(
            select(Decision)
            .join(Decision.dossier)
            .options(joinedload(Decision.dossier).joinedload(Dossier.establishment))
            .where(Dossier.call_id == call.id, visible_dossiers(user))
            .order_by(Dossier.reference)
        )
    )


def users_by_id(ids) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def decision_of(dossier: Dossier) -> Decision | None:
    return db.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))


def shown_decision(user: User, dossier: Dossier) -> Decision | None:
    """The final decision the user may read on the dossier's page (VIEW_DECISION), or None.

    The establishment sees it once published; staff who read the dossier once final.
    """
    if (
        dossier is None
        or dossier.reference is None
        or not can(user, Permission.VIEW_DECISION, dossier)
    ):
        return None
    decision = decision_of(dossier)
    if decision is None or decision.finalised_at is None:
        return None
    return decision
