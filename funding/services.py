"""Envelopes, commitments, payments and clawbacks: the money rules, with the policy and the audit.

Functions take domain objects and plain data, check the policy, audit and flush; the caller (a
view, the API, a CLI command) commits once. A refused operation raises a ServiceError before
anything is changed.

Figures are never stored: committed, paid and remaining are summed from the rows, in a constant
number of queries, so a dashboard reconciles to the cent with the lists it summarises.

Per commitment:
- paid = the payments; claimed = its clawbacks (open or settled); net = paid − claimed;
- to pay = amount − net, never negative: a payment may not exceed it, a reduction may not go
  below net, a clawback may not exceed net.
Per envelope: committed = Σ amounts, paid = Σ payments − Σ settled clawbacks (money out),
remaining = envelope − committed, to pay = Σ (amount − net).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from applications import workflow
from applications.models import Dossier, DossierStatus
from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, ServiceError
from portal.formatting import PARIS, format_date, format_money, parse_amount
from portal.models import Call, Establishment, Institution, User
from portal.permissions import Permission, can, require

from . import money
from .models import (FUNDER_LABELS, Clawback, ClawbackStatus, Commitment, CommitmentStatus,
                     Envelope, FinalReport, GrantAgreement, Payment, PaymentKind, ReportStatus)

ZERO = money.ZERO
MAX_REASON = 2000
# "l'enveloppe de la Région", "un agent de l'État"
OF_FUNDER = {Institution.state: "de l’État (rectorat)", Institution.region: "de la Région"}
PAYABLE_STATES = (DossierStatus.funded, DossierStatus.reporting)
COMMITTABLE_STATES = (DossierStatus.accepted, DossierStatus.funded)


# ---------------------------------------------------------------- input

def parse_money(raw, field: str, *, allow_zero: bool = False) -> Decimal:
    """An amount typed the French way, positive, at most two decimals; else a French error on `field`."""
    try:
        return parse_amount(raw, allow_zero=allow_zero)
    except ValueError as exc:
        raise ServiceError(str(exc), field=field) from None


def parse_day(raw, field: str, *, allow_future: bool = False) -> dt.date:
    """A date as a date, `2026-12-01` or `01/12/2026`; refuses dates in the future unless allowed."""
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        day = raw
    else:
        text = str(raw or "").strip()
        if not text:
            raise ServiceError("Indiquez une date.", field=field)
        day = None
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                day = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if day is None:
            raise ServiceError(f"« {text} » n'est pas une date : écrivez par exemple 01/12/2026.",
                               field=field)
    if day.year < 2000:
        raise ServiceError("Cette date est trop ancienne pour ce dispositif.", field=field)
    if not allow_future and day > today():
        raise ServiceError(f"La date du {format_date(day)} est dans le futur : indiquez la date "
                           "effective.", field=field)
    return day


def today() -> dt.date:
    return utcnow().astimezone(PARIS).date()


def parse_funder(raw, field: str = "funder") -> Institution:
    try:
        return Institution(getattr(raw, "value", raw))
    except ValueError:
        raise ServiceError("Choisissez le financeur : « state » (État) ou « region » (Région).",
                           field=field) from None


def _reason(raw, field: str = "reason") -> str:
    text = str(raw or "").strip()
    if not text:
        raise ServiceError("Indiquez le motif : il est conservé dans l'historique.", field=field)
    if len(text) > MAX_REASON:
        raise ServiceError(f"Le motif dépasse {MAX_REASON} caractères.", field=field)
    return text


def require_funder(user: User, obj, funder: Institution) -> None:
    """Only the funder's own budget officers change its money."""
    require(user, Permission.MANAGE_MONEY, obj,
            message=f"Seuls les agents budgétaires {OF_FUNDER[funder]} peuvent modifier "
                    "cet argent.")


# ---------------------------------------------------------------- figures

@dataclass
class Totals:
    committed: Decimal = ZERO
    payments: Decimal = ZERO
    settled: Decimal = ZERO   # clawbacks paid back
    open: Decimal = ZERO      # clawbacks still owed
    commitments: int = 0      # active ones

    @property
    def paid(self) -> Decimal:
        """Money out, net of what was paid back."""
        return self.payments - self.settled

    @property
    def to_pay(self) -> Decimal:
        return self.committed - (self.payments - self.settled - self.open)

    def add(self, other: Totals) -> None:
        self.committed += other.committed
        self.payments += other.payments
        self.settled += other.settled
        self.open += other.open
        self.commitments += other.commitments


@dataclass
class EnvelopeFigures:
    envelope: Envelope
    totals: Totals

    @property
    def amount(self) -> Decimal:
        return self.envelope.amount

    @property
    def committed(self) -> Decimal:
        return self.totals.committed

    @property
    def paid(self) -> Decimal:
        return self.totals.paid

    @property
    def remaining(self) -> Decimal:
        return self.envelope.amount - self.totals.committed

    @property
    def to_pay(self) -> Decimal:
        return self.totals.to_pay

    @property
    def open_clawbacks(self) -> Decimal:
        return self.totals.open

    @property
    def rate(self) -> Decimal:
        """Committed share of the envelope, in percent (0 for an empty envelope)."""
        if self.envelope.amount == 0:
            return Decimal(100) if self.totals.committed else ZERO
        return (self.totals.committed * 100 / self.envelope.amount).quantize(Decimal("0.1"))


def scope_totals(call_id: int) -> dict[tuple, Totals]:
    """Totals per (funder, département, axis) of the call's active commitments: three queries."""
    scope = (Commitment.funder, Commitment.department_code, Commitment.axis_number)
    result: dict[tuple, Totals] = defaultdict(Totals)
    active = (Commitment.call_id == call_id, Commitment.status == CommitmentStatus.active)
    for *key, total, count in db.session.execute(
            select(*scope, func.sum(Commitment.amount), func.count(Commitment.id))
            .where(*active).group_by(*scope)):
        result[tuple(key)].committed = Decimal(total or 0)
        result[tuple(key)].commitments = count
    # payments and clawbacks count even on a cancelled commitment (money did move)
    for *key, total in db.session.execute(
            select(*scope, func.sum(Payment.amount)).join(Payment.commitment)
            .where(Commitment.call_id == call_id).group_by(*scope)):
        result[tuple(key)].payments = Decimal(total or 0)
    for *key, status, total in db.session.execute(
            select(*scope, Clawback.status, func.sum(Clawback.amount)).join(Clawback.commitment)
            .where(Commitment.call_id == call_id).group_by(*scope, Clawback.status)):
        if status == ClawbackStatus.settled:
            result[tuple(key)].settled = Decimal(total or 0)
        else:
            result[tuple(key)].open = Decimal(total or 0)
    return result


def _matches(envelope: Envelope, key: tuple) -> bool:
    funder, department, axis = key
    return (envelope.funder == funder
            and envelope.department_code in (None, department)
            and envelope.axis_number in (None, axis))


def envelope_figures(call_id: int, funder: Institution | None = None,
                     totals: dict[tuple, Totals] | None = None) -> list[EnvelopeFigures]:
    """Every envelope of the call (main ones first), with its figures: four queries in all (one
    when the caller already has the call's `scope_totals`)."""
    query = select(Envelope).where(Envelope.call_id == call_id)
    if funder is not None:
        query = query.where(Envelope.funder == funder)
    envelopes = db.session.scalars(query).all()
    envelopes = sorted(envelopes, key=lambda e: (e.funder.value, not e.is_main,
                                                 e.department_code or "", e.axis_number or 0))
    if totals is None:
        totals = scope_totals(call_id)
    figures = []
    for envelope in envelopes:
        mine = Totals()
        for key, value in totals.items():
            if _matches(envelope, key):
                mine.add(value)
        figures.append(EnvelopeFigures(envelope, mine))
    return figures


@dataclass
class CommitmentFigures:
    commitment: Commitment
    paid: Decimal
    claimed: Decimal
    settled: Decimal

    @property
    def net(self) -> Decimal:
        return self.paid - self.claimed

    @property
    def to_pay(self) -> Decimal:
        return self.commitment.amount - self.net

    @property
    def open_clawbacks(self) -> Decimal:
        return self.claimed - self.settled


def commitment_figures(commitments: list[Commitment]) -> list[CommitmentFigures]:
    """Paid and claimed amounts of each commitment, in two queries whatever their number."""
    ids = [c.id for c in commitments]
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    claimed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    settled: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if ids:
        for cid, total in db.session.execute(
                select(Payment.commitment_id, func.sum(Payment.amount))
                .where(Payment.commitment_id.in_(ids)).group_by(Payment.commitment_id)):
            paid[cid] = Decimal(total or 0)
        for cid, status, total in db.session.execute(
                select(Clawback.commitment_id, Clawback.status, func.sum(Clawback.amount))
                .where(Clawback.commitment_id.in_(ids))
                .group_by(Clawback.commitment_id, Clawback.status)):
            claimed[cid] += Decimal(total or 0)
            if status == ClawbackStatus.settled:
                settled[cid] += Decimal(total or 0)
    return [CommitmentFigures(c, paid[c.id], claimed[c.id], settled[c.id]) for c in commitments]


def figures_of(commitment: Commitment) -> CommitmentFigures:
    return commitment_figures([commitment])[0]


def commitments_of(dossier: Dossier) -> list[Commitment]:
    return list(db.session.scalars(select(Commitment).where(Commitment.dossier_id == dossier.id)
                                   .order_by(Commitment.funder)))


# ---------------------------------------------------------------- envelopes

def set_envelope(user: User, call: Call, funder, amount, department_code: str | None = None,
                 axis_number: int | None = None, expected_version: int | None = None) -> Envelope:
    """Create or change the funder's envelope (or sub-envelope) for the call; audited.

    An envelope can never be set below what is already committed against it.
    """
    funder = parse_funder(funder)
    require_funder(user, funder, funder)
    amount = parse_money(amount, "amount", allow_zero=True)
    department_code = (department_code or "").strip() or None
    if department_code is not None:
        from portal.models import Department
        if db.session.get(Department, department_code) is None:
            raise ServiceError(f"Le département « {department_code} » n'existe pas.",
                               field="department_code")
    if axis_number in ("", None):
        axis_number = None
    else:
        from portal.models import Axis
        try:
            axis_number = int(axis_number)
        except (TypeError, ValueError):
            raise ServiceError("Choisissez un axe de l'appel.", field="axis_number") from None
        if db.session.scalar(select(Axis.id).where(Axis.call_id == call.id,
                                                   Axis.number == axis_number)) is None:
            raise ServiceError(f"L'appel n'a pas d'axe n° {axis_number}.", field="axis_number")
    envelope = db.session.scalar(
        select(Envelope).where(Envelope.call_id == call.id, Envelope.funder == funder,
                               _is(Envelope.department_code, department_code),
                               _is(Envelope.axis_number, axis_number))
        .with_for_update())
    if envelope is not None and expected_version is not None and envelope.version != expected_version:
        raise Conflict("Cette enveloppe a été modifiée entre-temps : rechargez la page et "
                       "vérifiez le montant avant de l'enregistrer.")
    if envelope is None:
        # Creating a sub-envelope locks the main one, which every commitment of the funder also
        # locks: a commitment cannot slip in between the sum below and the insert (helper D).
        if (department_code or axis_number) and _main_envelope(call.id, funder, lock=True) is None:
            raise ServiceError(f"Fixez d'abord l'enveloppe globale {OF_FUNDER[funder]} avant de la "
                               "répartir.", field="amount")
        envelope = Envelope(call_id=call.id, funder=funder, department_code=department_code,
                            axis_number=axis_number, amount=amount)
        before = None
    else:
        before = envelope.amount
    # Checked before a new envelope joins the session: the query below autoflushes, and a
    # refused sub-envelope must not reach the database (helper D's fix).
    committed = _committed_in(envelope)
    if amount < committed:
        raise ServiceError(f"L'enveloppe ne peut pas descendre sous ce qui est déjà engagé : "
                           f"{format_money(committed)}.", field="amount")
    if before is None:
        db.session.add(envelope)
    envelope.amount = amount
    db.session.flush()
    audit.record(user, "envelope_set", envelope,
                 {"call_id": call.id, "funder": funder.value, "department": department_code,
                  "axis": axis_number, "amount": [before, amount]})
    return envelope


def delete_envelope(user: User, envelope: Envelope) -> None:
    """Remove a sub-envelope that nothing is committed against (the main one stays)."""
    require_funder(user, envelope, envelope.funder)
    if envelope.is_main:
        raise Conflict("L'enveloppe globale ne se supprime pas : ramenez-la à 0,00 € si besoin.")
    committed = _committed_in(envelope)
    if committed > 0:
        raise Conflict(f"Cette sous-enveloppe porte {format_money(committed)} d'engagements : "
                       "elle ne peut pas être supprimée.")
    audit.record(user, "envelope_deleted", envelope,
                 {"call_id": envelope.call_id, "funder": envelope.funder.value,
                  "department": envelope.department_code, "axis": envelope.axis_number,
                  "amount": envelope.amount})
    db.session.delete(envelope)
    db.session.flush()


def _is(column, value):
    return column.is_(None) if value is None else column == value


def _main_envelope(call_id: int, funder: Institution, lock: bool = False) -> Envelope | None:
    query = select(Envelope).where(
        Envelope.call_id == call_id, Envelope.funder == funder,
        Envelope.department_code.is_(None), Envelope.axis_number.is_(None))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def _committed_in(envelope: Envelope) -> Decimal:
    query = select(func.coalesce(func.sum(Commitment.amount), 0)).where(
        Commitment.call_id == envelope.call_id, Commitment.funder == envelope.funder,
        Commitment.status == CommitmentStatus.active)
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


# ---------------------------------------------------------------- commitments

def granted_parts(decision) -> dict[Institution, Decimal]:
    return {Institution.state: Decimal(decision.amount_state or 0),
            Institution.region: Decimal(decision.amount_region or 0)}


def commit(decision, funder: Institution, actor: User | None = None) -> Commitment:
    """Commit the funder's granted part of a final accept decision against its envelopes.

    The matching envelope rows (the call's, and the sub-envelopes of the dossier's département and
    axis) are locked (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers) before the
    committed sums are read, so concurrent commitments can never over-commit an envelope.
    """
    dossier: Dossier = decision.dossier
    amount = granted_parts(decision)[funder]
    if decision.finalised_at is None or getattr(decision.outcome, "value", decision.outcome) != "accept":
        raise Conflict("Seule une décision d'accord définitive peut être engagée.")
    if amount <= 0:
        raise ServiceError(f"La décision n'accorde rien au titre {OF_FUNDER[funder]}.")
    if dossier.status not in COMMITTABLE_STATES:
        raise Conflict(f"Le dossier {dossier.reference} est « {dossier.status_label} » : il ne "
                       "peut plus être engagé.")
    department = db.session.scalar(select(Establishment.department_code)
                                   .where(Establishment.id == dossier.establishment_id))
    axis = dossier.main_axis
    envelopes = db.session.scalars(
        select(Envelope).where(
            Envelope.call_id == dossier.call_id, Envelope.funder == funder,
            (Envelope.department_code.is_(None)) | (Envelope.department_code == department),
            (Envelope.axis_number.is_(None)) | (Envelope.axis_number == axis))
        .order_by(Envelope.id).with_for_update().execution_options(populate_existing=True)).all()
    # Checked once the envelopes are locked: two commits of the same part (the signal and an
    # officer, two officers) are serialised, and the second gets this Conflict rather than a
    # unique-constraint error (helper D).
    existing = db.session.scalar(select(Commitment).where(Commitment.dossier_id == dossier.id,
                                                          Commitment.funder == funder))
    if existing is not None:
        raise Conflict(f"La part {OF_FUNDER[funder]} du dossier {dossier.reference} est déjà "
                       "engagée.")
    if not any(e.is_main for e in envelopes):
        raise ServiceError(f"Aucune enveloppe {OF_FUNDER[funder]} n'est fixée pour cet appel : "
                           f"le dossier {dossier.reference} reste à engager.")
    for envelope in envelopes:
        remaining = envelope.amount - _committed_in(envelope)
        if amount > remaining:
            raise ServiceError(
                f"Engagement refusé : {format_money(amount)} pour le dossier {dossier.reference} "
                f"dépasseraient l'{envelope_label(envelope)} (reste à engager : "
                f"{format_money(remaining)}). Abondez l'enveloppe ou réduisez le montant.",
                field="amount")
    commitment = Commitment(call_id=dossier.call_id, dossier_id=dossier.id, decision_id=decision.id,
                            funder=funder, department_code=department, axis_number=axis,
                            initial_amount=amount, amount=amount,
                            created_by_id=actor.id if actor is not None else None)
    db.session.add(commitment)
    db.session.flush()
    audit.record(actor, "commitment_created", commitment,
                 {"dossier_id": dossier.id, "funder": funder.value, "amount": amount})
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
            audit.record(actor, "commitment_refused", decision.dossier,
                         {"funder": funder.value, "amount": amount, "reason": exc.message})
    return results


def commit_again(user: User, decision, funder) -> Commitment:
    """An officer commits a part that was refused (after raising the envelope)."""
    funder = parse_funder(funder)
    require_funder(user, funder, funder)
    return commit(decision, funder, user)


def uncommitted(call_id: int, funder: Institution | None = None) -> list[tuple[object, Institution, Decimal]]:
    """Final accept decisions whose granted part has no commitment: (decision, funder, amount).

    Filtered in SQL (NOT EXISTS per funder), so a call with thousands of committed dossiers loads
    only the few parts still waiting.
    """
    from sqlalchemy import and_, exists, or_

    from review.models import Decision, DecisionOutcome

    def missing(part: Institution, amount_column):
        return and_(amount_column > 0, ~exists().where(Commitment.dossier_id == Dossier.id,
                                                       Commitment.funder == part))

    parts = {Institution.state: Decision.amount_state, Institution.region: Decision.amount_region}
    wanted = [missing(f, column) for f, column in parts.items() if funder in (None, f)]
    rows = db.session.execute(
        select(Decision, Dossier).join(Dossier, Dossier.id == Decision.dossier_id)
        .where(Dossier.call_id == call_id, Decision.finalised_at.is_not(None),
               Decision.outcome == DecisionOutcome.accept,
               Dossier.status.in_(COMMITTABLE_STATES), or_(*wanted))
        .order_by(Dossier.reference)).all()
    committed = set(db.session.execute(
        select(Commitment.dossier_id, Commitment.funder)
        .where(Commitment.dossier_id.in_([dossier.id for _, dossier in rows]))).all()) if rows else set()
    result = []
    for decision, dossier in rows:
        for part_funder, amount in granted_parts(decision).items():
            if amount > 0 and (dossier.id, part_funder) not in committed and \
                    (funder is None or funder == part_funder):
                result.append((decision, part_funder, amount))
    return result


def _lock_commitment(commitment: Commitment) -> Commitment:
    return db.session.scalars(select(Commitment).where(Commitment.id == commitment.id)
                              .with_for_update().execution_options(populate_existing=True)).one()


def reduce_commitment(user: User, commitment: Commitment, new_amount, reason,
                      expected_version: int | None = None) -> Commitment:
    """Lower (or cancel, at 0) a commitment, with a reason, releasing the money to the envelope.

    It cannot go below what the establishment keeps (paid minus clawbacks): claim the money back
    first.
    """
    require_funder(user, commitment, commitment.funder)
    commitment = _lock_commitment(commitment)
    if expected_version is not None and commitment.version != expected_version:
        raise Conflict("Cet engagement a été modifié entre-temps : rechargez la page.")
    new_amount = parse_money(new_amount, "amount", allow_zero=True)
    reason = _reason(reason)
    if commitment.status == CommitmentStatus.cancelled:
        raise Conflict("Cet engagement est déjà annulé.")
    if commitment.dossier.status not in (DossierStatus.accepted, DossierStatus.funded,
                                         DossierStatus.reporting):
        raise Conflict(f"Le dossier {commitment.dossier.reference} est « "
                       f"{commitment.dossier.status_label} » : son engagement ne change plus.")
    if commitment.dossier.status == DossierStatus.reporting and \
            not _report_validated(commitment.dossier):
        raise Conflict("Le bilan final de ce dossier est en cours de validation : chaque "
                       "financeur valide sa part, qui fixe le montant dû ; l'engagement ne se "
                       "réduit qu'ensuite.")
    if new_amount >= commitment.amount:
        raise ServiceError(f"Le nouveau montant doit être inférieur au montant engagé "
                           f"({format_money(commitment.amount)}) : un engagement ne s'augmente "
                           "que par une nouvelle décision.", field="amount")
    figures = figures_of(commitment)
    if new_amount < figures.net:
        raise ServiceError(f"{format_money(figures.net)} ont déjà été versés sur cet engagement : "
                           "il ne peut pas descendre en dessous. Demandez d'abord un reversement.",
                           field="amount")
    before = commitment.amount
    commitment.amount = new_amount
    commitment.change_reason = reason
    if new_amount == 0:
        commitment.status = CommitmentStatus.cancelled
    db.session.flush()
    audit.record(user, "commitment_cancelled" if new_amount == 0 else "commitment_reduced",
                 commitment, {"amount": [before, new_amount], "reason": reason,
                              "dossier_id": commitment.dossier_id})
    close_if_settled(user, commitment.dossier)
    return commitment


# ---------------------------------------------------------------- payments

def record_payment(user: User, commitment: Commitment, amount, paid_on, reference,
                   kind=PaymentKind.advance) -> Payment:
    """Record money paid on a commitment (date, amount, mandate reference).

    Refused: before the agreement is signed, above what remains to pay, a reference already
    recorded by the same funder, a balance before the final report is validated.
    """
    require_funder(user, commitment, commitment.funder)
    commitment = _lock_commitment(commitment)
    amount = parse_money(amount, "amount")
    paid_on = parse_day(paid_on, "paid_on")
    reference = str(reference or "").strip()
    if not reference:
        raise ServiceError("Indiquez la référence du paiement (numéro de mandat).", field="reference")
    if len(reference) > 50:
        raise ServiceError("La référence du paiement dépasse 50 caractères.", field="reference")
    try:
        kind = PaymentKind(getattr(kind, "value", kind) or "advance")
    except ValueError:
        raise ServiceError("Choisissez le type de paiement : avance, acompte ou solde.",
                           field="kind") from None
    dossier = commitment.dossier
    if commitment.status != CommitmentStatus.active:
        raise Conflict("Cet engagement est annulé : aucun paiement ne peut y être rattaché.")
    if dossier.status not in PAYABLE_STATES:
        raise Conflict(f"Le dossier {dossier.reference} est « {dossier.status_label} » : les "
                       "paiements commencent à la signature de la convention.")
    if kind == PaymentKind.balance and not funder_validated(dossier, commitment.funder):
        raise ServiceError("Le solde se verse après validation du bilan final.", field="kind")
    same = db.session.scalar(select(Payment).where(Payment.funder == commitment.funder,
                                                   Payment.reference == reference))
    if same is not None:
        raise Conflict(f"Le paiement de référence « {reference} » est déjà enregistré "
                       f"({format_money(same.amount)} le {format_date(same.paid_on)}, dossier "
                       f"{same.commitment.dossier.reference}).", field="reference")
    signed_on = db.session.scalar(select(GrantAgreement.signed_on)
                                  .where(GrantAgreement.dossier_id == dossier.id))
    if signed_on is not None and paid_on < signed_on:
        raise ServiceError(f"La date de paiement précède la signature de la convention "
                           f"({format_date(signed_on)}).", field="paid_on")
    if kind == PaymentKind.advance and _has_advance(commitment):
        raise ServiceError("L'avance de cet engagement est déjà versée : enregistrez un acompte "
                           "ou, après le bilan, le solde.", field="kind")
    figures = figures_of(commitment)
    if amount > figures.to_pay:
        raise ServiceError(f"Le paiement ({format_money(amount)}) dépasse ce qui reste à verser "
                           f"sur l'engagement : {format_money(figures.to_pay)}.", field="amount")
    payment = Payment(commitment_id=commitment.id, funder=commitment.funder, kind=kind,
                      amount=amount, paid_on=paid_on, reference=reference, recorded_by_id=user.id)
    try:
        with db.session.begin_nested():  # the same reference recorded at the same moment elsewhere
            db.session.add(payment)
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"Le paiement de référence « {reference} » vient d'être enregistré par "
                       "ailleurs : vérifiez la liste des paiements.", field="reference") from None
    audit.record(user, "payment_recorded", payment,
                 {"commitment_id": commitment.id, "dossier_id": dossier.id, "kind": kind.value,
                  "amount": amount, "paid_on": paid_on, "reference": reference})
    close_if_settled(user, dossier)
    return payment


def _has_advance(commitment: Commitment) -> bool:
    """Read in the database: the `payments` collection may have been loaded before a payment."""
    return db.session.scalar(select(func.count(Payment.id)).where(
        Payment.commitment_id == commitment.id, Payment.kind == PaymentKind.advance)) > 0


def _report_validated(dossier: Dossier) -> bool:
    """The final report is fully validated: every funder with an active commitment validated
    its part."""
    return db.session.scalar(select(FinalReport.status).where(
        FinalReport.dossier_id == dossier.id)) == ReportStatus.validated


def funder_validated(dossier: Dossier, funder: Institution) -> bool:
    """The funder's officer validated its part of the final report (the funder may pay its
    balance), or the whole report is validated."""
    row = db.session.execute(select(FinalReport.status, FinalReport.state_validated_at,
                                    FinalReport.region_validated_at)
                             .where(FinalReport.dossier_id == dossier.id)).first()
    if row is None:
        return False
    status, state_at, region_at = row
    at = state_at if funder == Institution.state else region_at
    return status == ReportStatus.validated or at is not None


@dataclass
class ScheduleLine:
    funder: Institution
    granted: Decimal
    advance: Decimal
    balance: Decimal

    @property
    def funder_label(self) -> str:
        return FUNDER_LABELS[self.funder]


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
    if not _has_advance(commitment):
        return PaymentKind.advance, min(money.advance(commitment.amount, rate_percent),
                                        figures.to_pay)
    kind = (PaymentKind.balance if funder_validated(commitment.dossier, commitment.funder)
            else PaymentKind.instalment)
    return kind, figures.to_pay


# ---------------------------------------------------------------- clawbacks

def create_clawback(user: User | None, commitment: Commitment, amount, reason,
                    *, release: bool = True) -> Clawback:
    """Claim money back from the establishment; never more than what it keeps (paid − claimed).

    A clawback made by an officer also lowers the commitment by as much (`release`), so the money
    claimed back cannot be paid again and returns to the envelope.
    """
    if user is not None:
        require_funder(user, commitment, commitment.funder)
    commitment = _lock_commitment(commitment)
    amount = parse_money(amount, "amount")
    reason = _reason(reason)
    figures = figures_of(commitment)
    if amount > figures.net:
        raise ServiceError(f"Le reversement demandé ({format_money(amount)}) dépasse ce qui a été "
                           f"versé sur cet engagement, net des reversements : "
                           f"{format_money(figures.net)}.", field="amount")
    clawback = Clawback(commitment_id=commitment.id, amount=amount, reason=reason,
                        created_by_id=user.id if user is not None else None)
    db.session.add(clawback)
    if release:
        before = commitment.amount
        commitment.amount = max(ZERO, commitment.amount - amount)
        if commitment.amount == 0:
            commitment.status = CommitmentStatus.cancelled
        commitment.change_reason = reason
    db.session.flush()
    audit.record(user, "clawback_created", clawback,
                 {"commitment_id": commitment.id, "dossier_id": commitment.dossier_id,
                  "amount": amount, "reason": reason})
    if release and before != commitment.amount:
        audit.record(user, "commitment_reduced", commitment,
                     {"amount": [before, commitment.amount], "reason": reason})
    return clawback


def settle_clawback(user: User, clawback: Clawback, settled_on, reference) -> Clawback:
    """Record that the establishment paid the clawback back (date, receipt reference)."""
    require_funder(user, clawback, clawback.commitment.funder)
    # Locked and re-read: of two officers settling it at once, the second gets the Conflict
    # below instead of a stale-version error (helper D).
    clawback = db.session.scalars(select(Clawback).where(Clawback.id == clawback.id)
                                  .with_for_update().execution_options(populate_existing=True)).one()
    settled_on = parse_day(settled_on, "settled_on")
    reference = str(reference or "").strip()
    if not reference:
        raise ServiceError("Indiquez la référence du titre de recette ou du virement reçu.",
                           field="reference")
    if len(reference) > 50:
        raise ServiceError("La référence dépasse 50 caractères.", field="reference")
    if clawback.status == ClawbackStatus.settled:
        raise Conflict(f"Ce reversement est déjà soldé (le {format_date(clawback.settled_on)}).")
    clawback.status = ClawbackStatus.settled
    clawback.settled_on = settled_on
    clawback.settled_reference = reference
    clawback.settled_by_id = user.id
    db.session.flush()
    audit.record(user, "clawback_settled", clawback,
                 {"amount": clawback.amount, "settled_on": settled_on, "reference": reference})
    close_if_settled(user, clawback.commitment.dossier)
    return clawback


def open_clawbacks(call_id: int) -> list[Clawback]:
    return list(db.session.scalars(
        select(Clawback).join(Clawback.commitment)
        .where(Commitment.call_id == call_id, Clawback.status == ClawbackStatus.open)
        .order_by(Clawback.created_at)))


# ---------------------------------------------------------------- final report settlement

def settle_funder_on_report(user: User, dossier: Dossier, funder, owed,
                            justified: Decimal | None = None) -> tuple[Decimal, Decimal, Decimal]:
    """The funder's officer validated its part of the final report: settle that funder only.

    `owed` is what the report fixed for this funder (funding.money.due_per_funder at the first
    validation); the commitment (locked) becomes min(owed, its amount), the money above returns
    to the envelope; when more was paid than is owed, a clawback for the difference is created by
    the officer; otherwise the rest is the balance to pay. The other funder's money is not
    touched. The dossier closes once the report is fully validated, everything paid and every
    clawback settled. Returns (due, balance, clawback).
    """
    funder = parse_funder(funder)
    require_funder(user, funder, funder)
    if dossier.status != DossierStatus.reporting:
        raise Conflict(f"Le dossier {dossier.reference} est « {dossier.status_label} » : seul un "
                       "bilan déposé se règle.")
    commitment = db.session.scalars(
        select(Commitment).where(Commitment.dossier_id == dossier.id, Commitment.funder == funder)
        .with_for_update().execution_options(populate_existing=True)).first()
    if commitment is None or commitment.status != CommitmentStatus.active:
        raise Conflict(f"Aucun engagement actif {OF_FUNDER[funder]} sur le dossier "
                       f"{dossier.reference} : il n'y a rien à régler.")
    owed = min(Decimal(owed), commitment.amount)
    figures = figures_of(commitment)
    balance, clawback = money.settlement(owed, figures.net)
    before = commitment.amount
    if clawback > 0:
        spent = f"dépenses justifiées {format_money(justified)}, " if justified is not None else ""
        create_clawback(user, commitment, clawback,
                        f"Bilan validé : {spent}montant dû {format_money(owed)}, déjà versé "
                        f"{format_money(figures.net)}.", release=False)
    commitment.amount = owed
    if owed == 0 and clawback == 0 and figures.net == 0:
        commitment.status = CommitmentStatus.cancelled
    if before != owed:
        commitment.change_reason = "Ajusté au bilan final validé."
    db.session.flush()
    if before != owed:
        audit.record(user, "commitment_adjusted", commitment,
                     {"amount": [before, owed], "justified": justified,
                      "dossier_id": dossier.id})
    close_if_settled(user, dossier)
    return owed, balance, clawback


def _lock_dossier(dossier: Dossier) -> Dossier:
    """Serialise the money events of one dossier (two funders paying their balances at once)."""
    return db.session.scalars(select(Dossier).where(Dossier.id == dossier.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def close_if_settled(user: User | None, dossier: Dossier) -> bool:
    """Close a dossier whose report is validated, balance paid and clawbacks settled; mark as
    withdrawn an accepted or funded dossier whose every commitment was cancelled (nothing kept,
    nothing owed). The dossier row is locked first, so concurrent last payments of both funders
    cannot each miss the other's and leave it open."""
    if dossier.status not in (DossierStatus.accepted, DossierStatus.funded, DossierStatus.reporting):
        return False
    dossier = _lock_dossier(dossier)
    commitments = commitments_of(dossier)
    figures = commitment_figures(commitments)
    if any(f.open_clawbacks > 0 for f in figures):
        return False
    if dossier.status in (DossierStatus.accepted, DossierStatus.funded):
        if not commitments or any(c.status == CommitmentStatus.active for c in commitments):
            return False
        action, event = "renounce", "dossier_renounced"
    else:
        if not _report_validated(dossier):
            return False
        if any(f.commitment.status == CommitmentStatus.active and f.to_pay != 0 for f in figures):
            return False
        action, event = "close", "dossier_closed"
    before, after = workflow.transition(dossier, action)
    db.session.flush()
    audit.record(user, event, dossier, {"status": [before.value, after.value]})
    return True


def can_manage(user: User, funder: Institution) -> bool:
    return can(user, Permission.MANAGE_MONEY, funder)



def to_paris_month(moment: dt.datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m")
