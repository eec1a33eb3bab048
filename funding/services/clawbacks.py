"""Clawbacks (*reversements*): money claimed back from the establishment, tracked until settled.
Functions check the policy, audit and flush; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import select

from portal import audit
from portal.db import db
from portal.errors import ServiceError
from portal.formatting import format_money
from portal.models import User

from ..models import Clawback, ClawbackStatus, Commitment
from ..workflow import CLAWBACK, COMMITMENT
from .closing import close_if_settled
from .commitments import lock_commitment
from .common import ZERO, parse_day, parse_money, parse_reason, require_funder
from .figures import figures_of

# ---------------------------------------------------------------- clawbacks


def create_clawback(
    user: User | None, commitment: Commitment, amount, reason, *, release: bool = True
) -> Clawback:
    """Claim money back from the establishment; never more than what it keeps (paid − claimed).

    A clawback made by an officer also lowers the commitment by as much (`release`), so the money
    claimed back cannot be paid again and returns to the envelope.
    """
    if user is not None:
        require_funder(user, commitment, commitment.funder)
    commitment = lock_commitment(commitment)
    amount = parse_money(amount, "amount")
    reason = parse_reason(reason)
    figures = figures_of(commitment)
    if amount > figures.net:
        raise ServiceError(
            f"Le reversement demandé ({format_money(amount)}) dépasse ce qui a été "
            f"versé sur cet engagement, net des reversements : "
            f"{format_money(figures.net)}.",
            field="amount",
        )
    clawback = Clawback(
        commitment_id=commitment.id,
        amount=amount,
        reason=reason,
        created_by_id=user.id if user is not None else None,
    )
    db.session.add(clawback)
    if release:
        before = commitment.amount
        commitment.amount = max(ZERO, commitment.amount - amount)
        if commitment.amount == 0:
            COMMITMENT.transition(commitment, "cancel")
        commitment.change_reason = reason
    db.session.flush()
    audit.record(
        user,
        "clawback_created",
        clawback,
        {
            "commitment_id": commitment.id,
            "dossier_id": commitment.dossier_id,
            "amount": amount,
            "reason": reason,
        },
    )
    if release and before != commitment.amount:
        audit.record(
            user,
            "commitment_reduced",
            commitment,
            {"amount": [before, commitment.amount], "reason": reason},
        )
    return clawback


def settle_clawback(user: User, clawback: Clawback, settled_on, reference) -> Clawback:
    """Record that the establishment paid the clawback back (date, receipt reference)."""
    require_funder(user, clawback, clawback.commitment.funder)
    # Locked and re-read: of two officers settling it at once, the second gets the Conflict
    # below instead of a stale-version error (helper D).
    clawback = db.session.scalars(
        select(Clawback)
        .where(Clawback.id == clawback.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    settled_on = parse_day(settled_on, "settled_on", call=clawback.commitment.dossier.call)
    reference = str(reference or "").strip()
    if not reference:
        raise ServiceError(
            "Indiquez la référence du titre de recette ou du virement reçu.", field="reference"
        )
    if len(reference) > 50:
        raise ServiceError("La référence dépasse 50 caractères.", field="reference")
    CLAWBACK.transition(clawback, "settle")
    clawback.settled_on = settled_on
    clawback.settled_reference = reference
    clawback.settled_by_id = user.id
    db.session.flush()
    audit.record(
        user,
        "clawback_settled",
        clawback,
        {"amount": clawback.amount, "settled_on": settled_on, "reference": reference},
    )
    close_if_settled(user, clawback.commitment.dossier)
    return clawback


def open_clawbacks(call_id: int) -> list[Clawback]:
    return list(
        db.session.scalars(
            select(Clawback)
            .join(Clawback.commitment)
            .where(Commitment.call_id == call_id, Clawback.status == ClawbackStatus.open)
            .order_by(Clawback.created_at)
        )
    )
