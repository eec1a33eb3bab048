"""Commitments: a final accept decision's granted parts held against the envelopes, reduced or
cancelled with a reason. Functions check the policy, audit and flush; the caller commits.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from applications.models import Dossier, DossierStatus
from portal import audit
from portal.db import db
from portal.errors import Conflict, ServiceError
from portal.formatting import format_money
from portal.models import Establishment, Institution, User
from review.models import Decision, DecisionOutcome

from ..models import Commitment, Envelope
from ..workflow import COMMITMENT
from .closing import close_if_settled, report_validated
from .common import (
    COMMITTABLE_STATES,
    OF_FUNDER,
    parse_funder,
    parse_money,
    parse_reason,
    require_funder,
)
from .envelopes import committed_in, envelope_label
from .figures import figures_of

CENT = Decimal("0.01")

# ---------------------------------------------------------------- commitments


def granted_parts(decision) -> dict[Institution, Decimal]:
    return {
        Institution.state: Decimal(decision.amount_state or 0),
        Institution.region: Decimal(decision.amount_region or 0),
    }


def commit(decision, funder: Institution, actor: User | None = None) -> Commitment:
    """Commit the funder's granted part of a final accept decision against its envelopes.

    The matching envelope rows (the call's, and the sub-envelopes of the dossier's département and
    axis) are locked (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers) before the
    committed sums are read, so concurrent commitments can never over-commit an envelope.
    """
    dossier: Dossier = decision.dossier
    amount = granted_parts(decision)[funder]
    if (
        decision.finalised_at is None
        or getattr(decision.outcome, "value", decision.outcome) != "accept"
    ):
        raise Conflict("Seule une décision d'accord définitive peut être engagée.")
    if amount <= 0:
        raise ServiceError(f"La décision n'accorde rien au titre {OF_FUNDER[funder]}.")
    if dossier.status not in COMMITTABLE_STATES:
        raise Conflict(
            f"Le dossier {dossier.reference} est « {dossier.status_label} » : il ne "
            "peut plus être engagé."
        )
    department = db.session.scalar(
        select(Establishment.department_code).where(Establishment.id == dossier.establishment_id)
    )
    axis = dossier.main_axis
    envelopes = db.session.scalars(
        select(Envelope)
        .where(
            Envelope.call_id == dossier.call_id,
            Envelope.funder == funder,
            (Envelope.department_code.is_(None)) | (Envelope.department_code == department),
            (Envelope.axis_number.is_(None)) | (Envelope.axis_number == axis),
        )
        .order_by(Envelope.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    # Checked once the envelopes are locked: two commits of the same part (the signal and an
    # officer, two officers) are serialised, and the second gets this Conflict rather than a
    # unique-constraint error (helper D).
    existing = db.session.scalar(
        select(Commitment).where(Commitment.dossier_id == dossier.id, Commitment.funder == funder)
    )
    if existing is not None:
        raise Conflict(
            f"La part {OF_FUNDER[funder]} du dossier {dossier.reference} est déjà engagée."
        )
    if not any(e.is_main for e in envelopes):
        raise ServiceError(
            f"Aucune enveloppe {OF_FUNDER[funder]} n'est fixée pour cet appel : "
            f"le dossier {dossier.reference} reste à engager."
        )
    for envelope in envelopes:
        remaining = envelope.amount - committed_in(envelope)
        if amount > remaining:
            raise ServiceError(
                f"Engagement refusé : {format_money(amount)} pour le dossier {dossier.reference} "
                f"dépasseraient l'{envelope_label(envelope)} (reste à engager : "
                f"{format_money(remaining)}). Abondez l'enveloppe ou réduisez le montant.",
                field="amount",
            )
    commitment = Commitment(
        call_id=dossier.call_id,
        dossier_id=dossier.id,
        decision_id=decision.id,
        funder=funder,
        department_code=department,
        axis_number=axis,
        initial_amount=amount,
        amount=amount,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(commitment)
    db.session.flush()
    audit.record(
        actor,
        "commitment_created",
        commitment,
        {"dossier_id": dossier.id, "funder": funder.value, "amount": amount},
    )
    return commitment


def commit_decision(decision, actor: User | None = None) -> dict[Institution, Commitment | str]:
    """Commit every granted part; a part that does not fit stays uncommitted, with its reason.

    Each part is tried in its own savepoint: a refusal changes nothing for that funder and is
    audited (`commitment_refused`), and the dossier shows as awaiting commitment until an officer
    raises the envelope and commits it again.
    """
    results: dict[Institution, Commitment | str] = {}
    for funder, amount in granted_parts(decision).items():
        if amount <= 0:
            continue
        savepoint = db.session.begin_nested()
        try:
            results[funder] = commit(decision, funder, actor)
            savepoint.commit()
        except ServiceError as exc:
            savepoint.rollback()
            results[funder] = exc.message
            audit.record(
                actor,
                "commitment_refused",
                decision.dossier,
                {"funder": funder.value, "amount": amount, "reason": exc.message},
            )
    return results


def commit_again(user: User, decision, funder) -> Commitment:
    """An officer commits a part that was refused (after raising the envelope)."""
    funder = parse_funder(funder)
    require_funder(user, funder, funder)
    return commit(decision, funder, user)


# Each funder's commitment of a dossier (unique per dossier and funder), outer-joined: hash
# joins whatever the number of committed dossiers, where NOT EXISTS ran one probe a decision.
_HELD = {
    Institution.state: (aliased(Commitment, name="held_state"), Decision.amount_state),
    Institution.region: (aliased(Commitment, name="held_region"), Decision.amount_region),
}


def _final_accepts(stmt, call_id: int):
    """`stmt` (on Decision) joined to its dossier and the funders' commitments: the call's final
    accept decisions of dossiers still committable."""
    stmt = stmt.select_from(Decision).join(Dossier, Dossier.id == Decision.dossier_id)
    for funder, (held, _amount) in _HELD.items():
        stmt = stmt.outerjoin(held, and_(held.dossier_id == Dossier.id, held.funder == funder))
    return stmt.where(
        Dossier.call_id == call_id,
        Decision.finalised_at.is_not(None),
        Decision.outcome == DecisionOutcome.accept,
        Dossier.status.in_(COMMITTABLE_STATES),
    )


def _missing(funder: Institution):
    held, amount = _HELD[funder]
    return and_(amount > 0, held.id.is_(None))


def uncommitted(
    call_id: int, funder: Institution | None = None
) -> list[tuple[object, Institution, Decimal]]:
    """Final accept decisions whose granted part has no commitment: (decision, funder, amount).

    Filtered in SQL, so a call with thousands of committed dossiers loads only the few parts
    still waiting, in one query.
    """
    funders = [f for f in _HELD if funder in (None, f)]
    rows = db.session.execute(
        _final_accepts(select(Decision, Dossier, *(_missing(f) for f in funders)), call_id)
        .where(or_(*(_missing(f) for f in funders)))
        .options(joinedload(Dossier.establishment))  # the pages name it
        .order_by(Dossier.reference)
    ).all()
    result = []
    for decision, _dossier, *missing in rows:
        parts = granted_parts(decision)
        for part_funder, is_missing in zip(funders, missing, strict=True):
            if is_missing:
                result.append((decision, part_funder, parts[part_funder]))
    return result


def uncommitted_totals(call_id: int) -> dict[Institution, tuple[int, Decimal]]:
    """How many granted parts of final accept decisions await their commitment, and how much,
    per funder — the sums of `uncommitted`, in one query."""
    return uncommitted_totals_with(call_id)[0]


def uncommitted_totals_with(call_id: int, *extra) -> tuple[dict, tuple]:
    """`uncommitted_totals`, and the values of `extra` (uncorrelated scalar subqueries another
    figure of the page needs) asked in the same query."""
    columns = []
    for funder, (_held, amount) in _HELD.items():
        columns += [
            func.sum(case((_missing(funder), 1), else_=0)),
            func.sum(case((_missing(funder), amount), else_=0)),
        ]
    row = db.session.execute(_final_accepts(select(*columns, *extra), call_id)).one()
    totals = {
        Institution.state: (int(row[0] or 0), Decimal(str(row[1] or 0)).quantize(CENT)),
        Institution.region: (int(row[2] or 0), Decimal(str(row[3] or 0)).quantize(CENT)),
    }
    return totals, tuple(row[4:])


def lock_commitment(commitment: Commitment) -> Commitment:
    return db.session.scalars(
        select(Commitment)
        .where(Commitment.id == commitment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def reduce_commitment(
    user: User, commitment: Commitment, new_amount, reason, expected_version: int | None = None
) -> Commitment:
    """Lower (or cancel, at 0) a commitment, with a reason, releasing the money to the envelope.

    It cannot go below what the establishment keeps (paid minus clawbacks): claim the money back
    first.
    """
    require_funder(user, commitment, commitment.funder)
    commitment = lock_commitment(commitment)
    if expected_version is not None and commitment.version != expected_version:
        raise Conflict("Cet engagement a été modifié entre-temps : rechargez la page.")
    new_amount = parse_money(new_amount, "amount", allow_zero=True)
    reason = parse_reason(reason)
    COMMITMENT.next_state(commitment, "reduce")
    if commitment.dossier.status not in (
        DossierStatus.accepted,
        DossierStatus.funded,
        DossierStatus.reporting,
    ):
        raise Conflict(
            f"Le dossier {commitment.dossier.reference} est « "
            f"{commitment.dossier.status_label} » : son engagement ne change plus."
        )
    if commitment.dossier.status == DossierStatus.reporting and not report_validated(
        commitment.dossier
    ):
        raise Conflict(
            "Le bilan final de ce dossier est en cours de validation : chaque "
            "financeur valide sa part, qui fixe le montant dû ; l'engagement ne se "
            "réduit qu'ensuite."
        )
    if new_amount >= commitment.amount:
        raise ServiceError(
            f"Le nouveau montant doit être inférieur au montant engagé "
            f"({format_money(commitment.amount)}) : un engagement ne s'augmente "
            "que par une nouvelle décision.",
            field="amount",
        )
    figures = figures_of(commitment)
    if new_amount < figures.net:
        raise ServiceError(
            f"{format_money(figures.net)} ont déjà été versés sur cet engagement : "
            "il ne peut pas descendre en dessous. Demandez d'abord un reversement.",
            field="amount",
        )
    before = commitment.amount
    commitment.amount = new_amount
    commitment.change_reason = reason
    if new_amount == 0:
        COMMITMENT.transition(commitment, "cancel")
    db.session.flush()
    audit.record(
        user,
        "commitment_cancelled" if new_amount == 0 else "commitment_reduced",
        commitment,
        {"amount": [before, new_amount], "reason": reason, "dossier_id": commitment.dossier_id},
    )
    close_if_settled(user, commitment.dossier)
    return commitment
