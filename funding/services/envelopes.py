"""A funder's envelopes for a call (and sub-envelopes per département or axis): set, removed,
what is committed against them. Functions check the policy, audit and flush; the caller commits.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from portal import audit
from portal.db import db
from portal.errors import Conflict, ServiceError
from portal.formatting import format_money
from portal.models import Axis, Call, Department, Institution, User

from .. import money
from ..models import Commitment, CommitmentStatus, Envelope
from .common import OF_FUNDER, parse_funder, parse_money, require_funder

# ---------------------------------------------------------------- envelopes


def set_envelope(
    user: User,
    call: Call,
    funder,
    amount,
    department_code: str | None = None,
    axis_number: int | None = None,
    expected_version: int | None = None,
) -> Envelope:
    """Create or change the funder's envelope (or sub-envelope) for the call; audited.

    An envelope can never be set below what is already committed against it.
    """
    funder = parse_funder(funder)
    require_funder(user, funder, funder)
    amount = parse_money(amount, "amount", allow_zero=True)
    department_code = (department_code or "").strip() or None
    if department_code is not None and db.session.get(Department, department_code) is None:
        raise ServiceError(
            f"Le département « {department_code} » n'existe pas.", field="department_code"
        )
    if axis_number in ("", None):
        axis_number = None
    else:
        try:
            axis_number = int(axis_number)
        except (TypeError, ValueError):
            raise ServiceError("Choisissez un axe de l'appel.", field="axis_number") from None
        if (
            db.session.scalar(
                select(Axis.id).where(Axis.call_id == call.id, Axis.number == axis_number)
            )
            is None
        ):
            raise ServiceError(f"L'appel n'a pas d'axe n° {axis_number}.", field="axis_number")
    envelope = db.session.scalar(
        select(Envelope)
        .where(
            Envelope.call_id == call.id,
            Envelope.funder == funder,
            _is(Envelope.department_code, department_code),
            _is(Envelope.axis_number, axis_number),
        )
        .with_for_update()
    )
    if (
        envelope is not None
        and expected_version is not None
        and envelope.version != expected_version
    ):
        raise Conflict(
            "Cette enveloppe a été modifiée entre-temps : rechargez la page et "
            "vérifiez le montant avant de l'enregistrer."
        )
    if envelope is None:
        # Creating a sub-envelope locks the main one, which every commitment of the funder also
        # locks: a commitment cannot slip in between the sum below and the insert (helper D).
        if (department_code or axis_number) and main_envelope(call.id, funder, lock=True) is None:
            raise ServiceError(
                f"Fixez d'abord l'enveloppe globale {OF_FUNDER[funder]} avant de la répartir.",
                field="amount",
            )
        envelope = Envelope(
            call_id=call.id,
            funder=funder,
            department_code=department_code,
            axis_number=axis_number,
            amount=amount,
        )
        before = None
    else:
        before = envelope.amount
    # Checked before a new envelope joins the session: the query below autoflushes, and a
    # refused sub-envelope must not reach the database (helper D's fix).
    committed = committed_in(envelope)
    if amount < committed:
        raise ServiceError(
            f"L'enveloppe ne peut pas descendre sous ce qui est déjà engagé : "
            f"{format_money(committed)}.",
            field="amount",
        )
    if before is None:
        db.session.add(envelope)
    envelope.amount = amount
    db.session.flush()
    audit.record(
        user,
        "envelope_set",
        envelope,
        {
            "call_id": call.id,
            "funder": funder.value,
            "department": department_code,
            "axis": axis_number,
            "amount": [before, amount],
        },
    )
    return envelope


def delete_envelope(user: User, envelope: Envelope) -> None:
    """Remove a sub-envelope that nothing is committed against (the main one stays)."""
    require_funder(user, envelope, envelope.funder)
    if envelope.is_main:
        raise Conflict("L'enveloppe globale ne se supprime pas : ramenez-la à 0,00 € si besoin.")
    committed = committed_in(envelope)
    if committed > 0:
        raise Conflict(
            f"Cette sous-enveloppe porte {format_money(committed)} d'engagements : "
            "elle ne peut pas être supprimée."
        )
    audit.record(
        user,
        "envelope_deleted",
        envelope,
        {
            "call_id": envelope.call_id,
            "funder": envelope.funder.value,
            "department": envelope.department_code,
            "axis": envelope.axis_number,
            "amount": envelope.amount,
        },
    )
    db.session.delete(envelope)
    db.session.flush()


def envelope_of(envelope_id: int) -> Envelope | None:
    return db.session.get(Envelope, envelope_id)


def _is(column, value):
    return column.is_(None) if value is None else column == value


def main_envelope(call_id: int, funder: Institution, lock: bool = False) -> Envelope | None:
    query = select(Envelope).where(
        Envelope.call_id == call_id,
        Envelope.funder == funder,
        Envelope.department_code.is_(None),
        Envelope.axis_number.is_(None),
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def committed_in(envelope: Envelope) -> Decimal:
    query = select(func.coalesce(func.sum(Commitment.amount), 0)).where(
        Commitment.call_id == envelope.call_id,
        Commitment.funder == envelope.funder,
        Commitment.status == CommitmentStatus.active,
    )
    if envelope.department_code is not None:
        query = query.where(Commitment.department_code == envelope.department_code)
    if envelope.axis_number is not None:
        query = query.where(Commitment.axis_number == envelope.axis_number)
    return Decimal(db.session.scalar(query)).quantize(money.CENT)


def envelope_label(envelope: Envelope) -> str:
    parts = [f"enveloppe {OF_FUNDER[envelope.funder]}"]
    if envelope.department_code:
        parts.append(f"département {envelope.department_code}")
    if envelope.axis_number:
        parts.append(f"axe {envelope.axis_number}")
    return ", ".join(parts)
