"""The money of a call: envelopes, commitments, grant agreements, payments, final reports, clawbacks.

Amounts are `Money` (Numeric(12,2)) and `Decimal` in Python, never floats. What an envelope has
committed or paid is never stored: it is summed from the commitments and payments, so the figures
always reconcile with the lists they come from.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from applications.models import Dossier, Indicator
from portal.db import Base, Money, UTCDateTime, utcnow
from portal.enums import LabelledEnum
from portal.formatting import PARIS
from portal.models import INSTITUTION_LABELS, Call, Institution, enum_column


class Envelope(Base):
    """A funder's money for a call; with a département and/or an axis, a sub-envelope.

    A commitment must fit in the call's envelope for its funder and in every sub-envelope that
    matches the dossier (its establishment's département, its main axis).
    """

    __tablename__ = "envelope"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    funder: Mapped[Institution] = enum_column(Institution)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("department.code"))
    axis_number: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    call: Mapped[Call] = relationship()
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_main(self) -> bool:
        return self.department_code is None and self.axis_number is None

    @property
    def funder_label(self) -> str:
        return INSTITUTION_LABELS[self.funder]


# One envelope per scope: NULLs are distinct in a plain unique constraint, so coalesce them.
Index(
    "uq_envelope_scope",
    Envelope.call_id,
    Envelope.funder,
    func.coalesce(Envelope.department_code, ""),
    func.coalesce(Envelope.axis_number, 0),
    unique=True,
)


class CommitmentStatus(LabelledEnum):
    active = "active", "Actif", "success"
    cancelled = "cancelled", "Annulé", "error"


class Commitment(Base):
    """One funder's part of a final accept decision, held against its envelopes.

    `amount` is what stays committed (lowered by a reduction, a cancellation or the final report);
    `initial_amount` what the decision granted. The scope (département, axis) is copied from the
    dossier when committing, so envelope sums need no join.
    """

    __tablename__ = "commitment"
    __table_args__ = (
        UniqueConstraint("dossier_id", "funder"),
        CheckConstraint("amount >= 0 AND amount <= initial_amount", name="amount_within_granted"),
        CheckConstraint("initial_amount > 0", name="initial_amount_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    # money records are never deleted with what they belong to (RESTRICT, the default)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"))
    funder: Mapped[Institution] = enum_column(Institution)
    department_code: Mapped[str] = mapped_column(ForeignKey("department.code"))
    axis_number: Mapped[int | None] = mapped_column(Integer)
    initial_amount: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[CommitmentStatus] = enum_column(
        CommitmentStatus, default=CommitmentStatus.active
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    change_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    dossier: Mapped[Dossier] = relationship()
    payments: Mapped[list[Payment]] = relationship(
        back_populates="commitment", order_by="Payment.paid_on, Payment.id"
    )
    clawbacks: Mapped[list[Clawback]] = relationship(
        back_populates="commitment", order_by="Clawback.id"
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def funder_label(self) -> str:
        return INSTITUTION_LABELS[self.funder]


class PaymentKind(LabelledEnum):
    advance = "advance", "Avance"
    balance = "balance", "Solde"
    instalment = "instalment", "Acompte"


class Payment(Base):
    """Money paid on a commitment; its reference (the mandate number) is unique per funder."""

    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("funder", "reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    funder: Mapped[Institution] = enum_column(Institution)
    kind: Mapped[PaymentKind] = enum_column(PaymentKind)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(50))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    commitment: Mapped[Commitment] = relationship(back_populates="payments")

    @property
    def kind_label(self) -> str:
        return self.kind.label


class ClawbackStatus(LabelledEnum):
    open = "open", "À recevoir", "warning"
    settled = "settled", "Reçu", "success"


class Clawback(Base):
    """Money the establishment must pay back (*reversement*), tracked until it is settled."""

    __tablename__ = "clawback"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status != 'settled' OR settled_on IS NOT NULL", name="settled_has_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ClawbackStatus] = enum_column(ClawbackStatus, default=ClawbackStatus.open)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    settled_on: Mapped[dt.date | None] = mapped_column(Date)
    settled_reference: Mapped[str] = mapped_column(String(50), default="")
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    commitment: Mapped[Commitment] = relationship(back_populates="clawbacks")
    __mapper_args__ = {"version_id_col": version}


class GrantAgreement(Base):
    """The *convention attributive*: generated, signed by the head (uploaded copy), dated by an officer."""

    __tablename__ = "grant_agreement"
    __table_args__ = (
        CheckConstraint("signed_on IS NULL OR signed_key IS NOT NULL", name="signed_needs_copy"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), unique=True
    )
    number: Mapped[str] = mapped_column(String(40), unique=True)
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    report_due_on: Mapped[dt.date] = mapped_column(Date, index=True)  # the late reports
    advance_rate: Mapped[Decimal] = mapped_column(Money)  # percent, the call's rate when generated
    # What the agreement grants, per funder, fixed when it is generated: the signed text must not
    # change when commitments are later adjusted (final report, clawback).
    amount_state: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    amount_region: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    signed_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    signed_filename: Mapped[str] = mapped_column(String(255), default="")
    signed_size: Mapped[int | None] = mapped_column(Integer)
    signed_sha256: Mapped[str] = mapped_column(String(64), default="")
    signed_uploaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    signed_uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    signature_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signature_recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    dossier: Mapped[Dossier] = relationship()
    __mapper_args__ = {"version_id_col": version}

    @property
    def report_due_at(self) -> dt.datetime:
        """The last moment to deposit the final report: its due day at 23 h 59, Paris time."""
        return dt.datetime.combine(self.report_due_on, dt.time(23, 59), tzinfo=PARIS)


class ReportStatus(LabelledEnum):
    draft = "draft", "Brouillon"
    submitted = "submitted", "Déposé"
    corrections_requested = "corrections_requested", "Corrections demandées"
    validated = "validated", "Validé"


class FinalReport(Base):
    """The *bilan*: what was done, whom it reached, indicators achieved, money actually spent."""

    __tablename__ = "final_report"
    __table_args__ = (
        CheckConstraint("young_reached IS NULL OR young_reached >= 0", name="young_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[ReportStatus] = enum_column(ReportStatus, default=ReportStatus.draft)
    actions_carried_out: Mapped[str] = mapped_column(Text, default="")
    young_reached: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    correction_message: Mapped[str] = mapped_column(Text, default="")
    justified_amount: Mapped[Decimal | None] = mapped_column(Money)  # fixed at first validation
    # Each funder's officer validates their own part: what each funder owes is fixed at the first
    # validation (min(granted, justified) shared in proportion to the grants), then each funder
    # settles its own commitment when its officer validates.
    due_state: Mapped[Decimal | None] = mapped_column(Money)
    due_region: Mapped[Decimal | None] = mapped_column(Money)
    state_validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state_validated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    region_validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    region_validated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The head's agreement to publish the project in the public catalogue (withdrawable).
    publication_consent: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    consent_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    dossier: Mapped[Dossier] = relationship()
    reach: Mapped[list[ReportReach]] = relationship(cascade="all, delete-orphan")
    outcomes: Mapped[list[ReportOutcome]] = relationship(cascade="all, delete-orphan")
    indicators: Mapped[list[ReportIndicator]] = relationship(
        cascade="all, delete-orphan", order_by="ReportIndicator.position"
    )
    expenses: Mapped[list[ReportExpense]] = relationship(
        cascade="all, delete-orphan", order_by="ReportExpense.position"
    )
    attachments: Mapped[list[ReportAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="ReportAttachment.id"
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def expenses_total(self) -> Decimal:
        return sum((e.amount for e in self.expenses), Decimal("0.00"))


class ReportIndicator(Base):
    """An evaluation indicator of the dossier: its target (copied) and the value achieved."""

    __tablename__ = "report_indicator"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("final_report.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    # Free text of older reports, kept and shown; new ones give the number achieved.
    target: Mapped[str] = mapped_column(String(100), default="")
    achieved: Mapped[str] = mapped_column(String(100), default="")
    indicator_id: Mapped[int | None] = mapped_column(
        ForeignKey("dossier_indicator.id", ondelete="SET NULL"), index=True
    )
    achieved_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    indicator: Mapped[Indicator | None] = relationship()  # its unit, direction and target


class ReportReach(Base):
    """How many young people of one category the project actually reached."""

    __tablename__ = "report_reach"
    __table_args__ = (
        UniqueConstraint("report_id", "category"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("final_report.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(40))  # portal.reference.YOUNG_CATEGORIES
    count: Mapped[int] = mapped_column(Integer)


class ReportOutcome(Base):
    """How many of the young people reached ended in one outcome (stayed in school…)."""

    __tablename__ = "report_outcome"
    __table_args__ = (
        UniqueConstraint("report_id", "outcome"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("final_report.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(30))  # portal.reference.OUTCOMES
    count: Mapped[int] = mapped_column(Integer)


class ReportExpense(Base):
    """Spending actually incurred, per category of the dossier's budget."""

    __tablename__ = "report_expense"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("final_report.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[Decimal] = mapped_column(Money)


class ReportAttachment(Base):
    """A supporting document of the final report (invoices, attendance sheets…)."""

    __tablename__ = "report_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("final_report.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
