"""The co-piloted commission's data: set-up per call, conflicts, reviews and scores, decisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from applications.models import Dossier
from portal.db import Base, Money, UTCDateTime, utcnow
from portal.enums import LabelledEnum
from portal.models import Call, Institution, User, enum_column


class PhaseKind(LabelledEnum):
    independent_scoring = "independent_scoring", "Évaluation individuelle"
    deliberation = "deliberation", "Délibération"
    decision = "decision", "Décision"


class Visibility(LabelledEnum):
    # others' reviews once one's own is submitted
    after_own_review = (
        "after_own_review",
        "Après avoir rendu sa propre évaluation (en délibération)",
    )
    never = "never", "Jamais (chacun ne voit que la sienne)"


class ReviewSettings(Base):
    """The commission's rules for one call (typed columns, not loose key–value settings)."""

    __tablename__ = "review_settings"
    __table_args__ = (
        CheckConstraint("reviewers_per_dossier >= 2", name="at_least_two_reviewers"),
        CheckConstraint("gap_threshold >= 0 AND spread_threshold >= 0", name="thresholds_positive"),
    )
    call_id: Mapped[int] = mapped_column(
        ForeignKey("call.id", ondelete="CASCADE"), primary_key=True
    )
    reviewers_per_dossier: Mapped[int] = mapped_column(Integer, default=2)
    gap_threshold: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("4.00"))
    spread_threshold: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("6.00"))
    visibility: Mapped[Visibility] = enum_column(Visibility, default=Visibility.after_own_review)
    current_phase_id: Mapped[int | None] = mapped_column(ForeignKey("review_phase.id"))
    call: Mapped[Call] = relationship()
    current_phase: Mapped[ReviewPhase | None] = relationship(foreign_keys=[current_phase_id])


class ReviewPhase(Base):
    """A phase switches what reviewers may see and do; a call moves through its phases in order."""

    __tablename__ = "review_phase"
    __table_args__ = (UniqueConstraint("call_id", "kind"), UniqueConstraint("call_id", "position"))
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    kind: Mapped[PhaseKind] = enum_column(PhaseKind)
    position: Mapped[int] = mapped_column(Integer)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Criterion(Base):
    """A line of the scoring grid: scored on a scale with a weight, or a yes/no flag (not summed)."""

    __tablename__ = "criterion"
    __table_args__ = (
        CheckConstraint("scale_max > scale_min", name="scale_ordered"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(200))
    guidance: Mapped[str] = mapped_column(Text, default="")
    scale_min: Mapped[int] = mapped_column(Integer, default=0)
    scale_max: Mapped[int] = mapped_column(Integer, default=5)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("1.00"))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    scoring: Mapped[bool] = mapped_column(Boolean, default=True)


class CommissionMember(Base):
    """A reviewer of a call, for one institution; at most one co-pilot per institution and call."""

    __tablename__ = "commission_member"
    __table_args__ = (
        UniqueConstraint("call_id", "user_id"),
        Index(
            "uq_commission_member_one_copilot",
            "call_id",
            "institution",
            unique=True,
            sqlite_where=text("is_copilot"),
            postgresql_where=text("is_copilot"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    institution: Mapped[Institution] = enum_column(Institution)
    is_copilot: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[User] = relationship()


class CopilotDeputy(Base):
    """The deputy (suppléant) a co-pilot names for a call: a co-pilot of the same institution, who
    validates the proposals for that institution when the co-pilot is conflicted or away."""

    __tablename__ = "copilot_deputy"
    __table_args__ = (UniqueConstraint("call_id", "institution"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    institution: Mapped[Institution] = enum_column(Institution)
    copilot_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    named_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id])


class Capacity(LabelledEnum):
    """In which capacity a validation was signed."""

    copilot = "copilot", "co-pilote"
    deputy = "deputy", "suppléant"


def _capacity_column(prefix: str):
    # Its own CHECK name per column: two constraints of one table cannot share a name.
    return mapped_column(
        Enum(
            Capacity,
            native_enum=False,
            length=32,
            create_constraint=True,
            validate_strings=True,
            name=f"{prefix}_capacity",
        ),
        nullable=True,
    )


class ConflictKind(LabelledEnum):
    institutional = "institutional", "Lien institutionnel"
    personal = "personal", "Lien personnel"
    other = "other", "Autre"


class ConflictDeclaration(Base):
    """A reviewer's declared conflict of interest with a dossier: never assignable to it."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (UniqueConstraint("dossier_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[ConflictKind] = enum_column(ConflictKind)
    comment: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewStatus(LabelledEnum):
    """Badges: the DSFR modifier (`fr-badge--<badge>`); a declined review has none."""

    assigned = "assigned", "À faire", "new"
    draft = "draft", "Brouillon", "info"
    submitted = "submitted", "Soumise", "success"
    declined = "declined", "Déclinée", ""
    reopened = "reopened", "Rouverte", "warning"

    @property
    def badge_class(self) -> str:
        return f"fr-badge--{self.badge}" if self.badge else ""


class Opinion(LabelledEnum):
    favourable = "favourable", "Favorable"
    reserved = "reserved", "Réservé"
    unfavourable = "unfavourable", "Défavorable"


class Review(Base):
    """One reviewer's assignment to a dossier and the review they write for it."""

    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("dossier_id", "reviewer_id"),
        CheckConstraint(
            "status != 'submitted' OR (opinion IS NOT NULL AND submitted_at IS NOT NULL)",
            name="submitted_has_opinion",
        ),
        CheckConstraint(
            "proposed_amount IS NULL OR proposed_amount >= 0", name="proposed_amount_not_negative"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    institution: Mapped[Institution] = enum_column(Institution)
    status: Mapped[ReviewStatus] = enum_column(ReviewStatus, default=ReviewStatus.assigned)
    opinion: Mapped[Opinion | None] = enum_column(Opinion, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    proposed_amount: Mapped[Decimal | None] = mapped_column(Money)
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reopen_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The weighted total /20 in hundredths while the review is submitted (review.totals keeps it
    # in the flush that changes the review, its scores or the grid); NULL otherwise.
    total_cents: Mapped[int | None] = mapped_column(Integer)
    reviewer: Mapped[User] = relationship()
    dossier: Mapped[Dossier] = relationship()
    scores: Mapped[list[Score]] = relationship(cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": version}


class Score(Base):
    __tablename__ = "score"
    __table_args__ = (UniqueConstraint("review_id", "criterion_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    value: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    flag: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")


class DossierStanding(Base):
    """A dossier's figures as the ranking reads them, one row per dossier (review.standing_store
    keeps it in the flush that changes a review total or a budget line): count and sum of the
    State and Région submitted review totals, highest and lowest, the means, score, gap and
    spread they give (hundredths), amounts asked (cents)."""

    __tablename__ = "dossier_standing"
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), primary_key=True
    )
    n_state: Mapped[int] = mapped_column(Integer, default=0)
    n_region: Mapped[int] = mapped_column(Integer, default=0)
    sum_state: Mapped[int] = mapped_column(BigInteger, default=0)
    sum_region: Mapped[int] = mapped_column(BigInteger, default=0)
    high: Mapped[int | None] = mapped_column(Integer)
    low: Mapped[int | None] = mapped_column(Integer)
    # review.aggregation's figures from these sums, rounded half up (hundredths; None if none)
    state_mean: Mapped[int | None] = mapped_column(Integer)
    region_mean: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[int | None] = mapped_column(Integer)
    gap: Mapped[int | None] = mapped_column(Integer)
    spread: Mapped[int | None] = mapped_column(Integer)
    asked_region_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    asked_state_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class ReviewerStanding(Base):
    """A reviewer's submitted reviews in one call as the ranking's calibration table reads them
    (review.reviewer_store keeps it in the flush that changes a review or a dossier's state):
    per institution, submitted reviews on the call's ranked dossiers, how many have a total, and
    the sum of those totals (hundredths)."""

    __tablename__ = "reviewer_standing"
    call_id: Mapped[int] = mapped_column(
        ForeignKey("call.id", ondelete="CASCADE"), primary_key=True
    )
    reviewer_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    institution: Mapped[Institution] = enum_column(Institution, primary_key=True)
    n_submitted: Mapped[int] = mapped_column(Integer, default=0)
    n_totals: Mapped[int] = mapped_column(Integer, default=0)
    sum_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class ScreeningOutcome(LabelledEnum):
    eligible = "eligible", "Recevable"
    ineligible = "ineligible", "Irrecevable"


class Screening(Base):
    """The call administrator's eligibility check of a submitted dossier."""

    __tablename__ = "screening"
    __table_args__ = (
        CheckConstraint(
            "outcome = 'eligible' OR length(motivation) > 0", name="ineligible_has_motivation"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[ScreeningOutcome] = enum_column(ScreeningOutcome)
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)
    motivation: Mapped[str] = mapped_column(Text, default="")
    screened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    screened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    screened_by: Mapped[User] = relationship()


class CommissionSession(Base):
    __tablename__ = "commission_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[dt.date] = mapped_column()
    title: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[list[User]] = relationship(secondary="session_attendee")


class SessionAttendee(Base):
    __tablename__ = "session_attendee"
    session_id: Mapped[int] = mapped_column(
        ForeignKey("commission_session.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)


class DecisionOutcome(LabelledEnum):
    accept = "accept", "Accord"
    reject = "reject", "Rejet"
    adjourn = "adjourn", "Ajournement"


class Decision(Base):
    """The commission's proposal for a dossier; final only once both co-pilots validated it.

    The database itself refuses a final decision without both validations, an author and a
    motivation, and an acceptance without a granted amount.
    """

    __tablename__ = "decision"
    __table_args__ = (
        CheckConstraint(
            "finalised_at IS NULL OR (state_validated_by_id IS NOT NULL"
            " AND region_validated_by_id IS NOT NULL AND proposed_by_id IS NOT NULL"
            " AND length(motivation) > 0)",
            name="final_needs_both_copilots",
        ),
        CheckConstraint(
            "outcome != 'accept' OR (amount_state >= 0 AND amount_region >= 0"
            " AND amount_state + amount_region > 0)",
            name="accept_has_amount",
        ),
        CheckConstraint("finalised_at IS NULL OR outcome != 'adjourn'", name="adjourned_not_final"),
        CheckConstraint(
            "published_at IS NULL OR finalised_at IS NOT NULL", name="published_only_when_final"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), unique=True
    )
    session_id: Mapped[int | None] = mapped_column(ForeignKey("commission_session.id"))
    outcome: Mapped[DecisionOutcome] = enum_column(DecisionOutcome)
    amount_state: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    amount_region: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    motivation: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    state_validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state_validated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    region_validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    region_validated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # who signed each validation in which capacity (co-pilot, or the co-pilot's deputy)
    state_validated_as: Mapped[Capacity | None] = _capacity_column("state")
    region_validated_as: Mapped[Capacity | None] = _capacity_column("region")
    finalised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    dossier: Mapped[Dossier] = relationship()
    __mapper_args__ = {"version_id_col": version}


class InternalNote(Base):
    """A note on a dossier for the call office, the co-pilots and its assigned reviewers: never
    shown to the establishment (pages, API, exports)."""

    __tablename__ = "internal_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    author: Mapped[User] = relationship()
