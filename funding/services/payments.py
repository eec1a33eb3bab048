"""Payments on a commitment, and the agreement's payment schedule (advance, balance).
Functions check the policy, audit and flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.db import db
from portal.errors import Conflict, ServiceError
from portal.formatting import format_date, format_money
from portal.models import INSTITUTION_LABELS, Institution, User

from .. import money
from ..models import Commitment, GrantAgreement, Payment, PaymentKind
from ..workflow import COMMITMENT
from .closing import close_if_settled, funder_validated
from .commitments import lock_commitment
from .common import PAYABLE_STATES, parse_day, parse_money, require_funder
from .figures import figures_of

# ---------------------------------------------------------------- payments


def record_payment(
    user: User, commitment: Commitment, amount, paid_on, reference, kind=PaymentKind.advance
) -> Payment:
    """Record money paid on a commitment (date, amount, mandate reference).

    Refused: before the agreement is signed, above what remains to pay, a reference already
    recorded by the same funder, a balance before the final report is validated.
    """
    require_funder(user, commitment, commitment.funder)
    commitment = lock_commitment(commitment)
    amount = parse_money(amount, "amount")
    paid_on = parse_day(paid_on, "paid_on", call=commitment.dossier.call)
    reference = str(reference or "").strip()
    if not reference:
        raise ServiceError(
            "Indiquez la référence du paiement (numéro de mandat).", field="reference"
        )
    if len(reference) > 50:
        raise ServiceError("La référence du paiement dépasse 50 caractères.", field="reference")
    try:
        kind = PaymentKind(getattr(kind, "value", kind) or "advance")
    except ValueError:
        raise ServiceError(
            "Choisissez le type de paiement : avance, acompte ou solde.", field="kind"
        ) from None
    dossier = commitment.dossier
    COMMITMENT.next_state(commitment, "pay")
    if dossier.status not in PAYABLE_STATES:
        raise Conflict(
            f"Le dossier {dossier.reference} est « {dossier.status_label} » : les "
            "paiements commencent à la signature de la convention."
        )
    if kind == PaymentKind.balance and not funder_validated(dossier, commitment.funder):
        raise ServiceError("Le solde se verse après validation du bilan final.", field="kind")
    same = db.session.scalar(
        select(Payment).where(Payment.funder == commitment.funder, Payment.reference == reference)
    )
    if same is not None:
        raise Conflict(
            f"Le paiement de référence « {reference} » est déjà enregistré "
            f"({format_money(same.amount)} le {format_date(same.paid_on)}, dossier "
            f"{same.commitment.dossier.reference}).",
            field="reference",
        )
    signed_on = db.session.scalar(
        select(GrantAgreement.signed_on).where(GrantAgreement.dossier_id == dossier.id)
    )
    if signed_on is not None and paid_on < signed_on:
        raise ServiceError(
            f"La date de paiement précède la signature de la convention "
            f"({format_date(signed_on)}).",
            field="paid_on",
        )
    if kind == PaymentKind.advance and has_advance(commitment):
        raise ServiceError(
            "L'avance de cet engagement est déjà versée : enregistrez un acompte "
            "ou, après le bilan, le solde.",
            field="kind",
        )
    figures = figures_of(commitment)
    if amount > figures.to_pay:
        raise ServiceError(
            f"Le paiement ({format_money(amount)}) dépasse ce qui reste à verser "
            f"sur l'engagement : {format_money(figures.to_pay)}.",
            field="amount",
        )
    payment = Payment(
        commitment_id=commitment.id,
        funder=commitment.funder,
        kind=kind,
        amount=amount,
        paid_on=paid_on,
        reference=reference,
        recorded_by_id=user.id,
    )
    try:
        with db.session.begin_nested():  # the same reference recorded at the same moment elsewhere
            db.session.add(payment)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            f"Le paiement de référence « {reference} » vient d'être enregistré par "
            "ailleurs : vérifiez la liste des paiements.",
            field="reference",
        ) from None
    audit.record(
        user,
        "payment_recorded",
        payment,
        {
            "commitment_id": commitment.id,
            "dossier_id": dossier.id,
            "kind": kind.value,
            "amount": amount,
            "paid_on": paid_on,
            "reference": reference,
        },
    )
    close_if_settled(user, dossier)
    return payment


def has_advance(commitment: Commitment) -> bool:
    """Read in the database: the `payments` collection may have been loaded before a payment."""
    return (
        db.session.scalar(
            select(func.count(Payment.id)).where(
                Payment.commitment_id == commitment.id, Payment.kind == PaymentKind.advance
            )
        )
        > 0
    )


@dataclass
class ScheduleLine:
    funder: Institution
    granted: Decimal
    advance: Decimal
    balance: Decimal

    @property
    def funder_label(self) -> str:
        return INSTITUTION_LABELS[self.funder]


def schedule(granted: dict[Institution, Decimal], rate_percent: Decimal) -> list[ScheduleLine]:
    """The agreement's payment schedule: the advance at signature, the balance on the final report."""
    lines = []
    for funder in (Institution.state, Institution.region):
        amount = Decimal(granted.get(funder) or 0)
        if amount > 0:
            advance = money.advance(amount, rate_percent)
            lines.append(ScheduleLine(funder, amount, advance, amount - advance))
    return lines


def proposed_payment(commitment: Commitment, rate_percent: Decimal) -> tuple[PaymentKind, Decimal]:
    """What the officer's form proposes next: the advance, else what remains (the balance)."""
    figures = figures_of(commitment)
    if not has_advance(commitment):
        return PaymentKind.advance, min(
            money.advance(commitment.amount, rate_percent), figures.to_pay
        )
    kind = (
        PaymentKind.balance
        if funder_validated(commitment.dossier, commitment.funder)
        else PaymentKind.instalment
    )
    return kind, figures.to_pay
