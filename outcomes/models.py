"""The outcomes area's tables: the public sheet of a funded practice (catalogue), and La Lettre de
la MLDS (its issues, the sheets each one features, its subscribers).

Open data reads the funding area's agreements and commitments (the beneficiary's legal identity is
on the kernel's Establishment); the outcome figures read the dossiers and final reports.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from applications.models import Dossier
from portal.db import Base, UTCDateTime, utcnow

# The public wording a catalogue search reads (PostgreSQL 'french' configuration): the GIN index
# (migration 0019) is on this expression, written as PostgreSQL reflects it, and
# outcomes/services/catalogue.py searches the same expression so the planner uses the index.
FTS_INDEX = (
    "to_tsvector('french'::regconfig, (((title::text || ' '::text) || summary)"
    " || ' '::text) || results)"
)
FTS_DOCUMENT = (
    "to_tsvector('french', practice_sheet.title || ' ' || practice_sheet.summary"
    " || ' ' || practice_sheet.results)"
)


class PracticeSheet(Base):
    """The public sheet of a funded project, in the coordinator's wording. Public only when the
    head agreed on the final report (`FinalReport.publication_consent`) and the sheet is validated."""

    __tablename__ = "practice_sheet"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'validated')", name="status_known"),
        # the catalogue lists the validated sheets, the latest first (migration 0019; on
        # PostgreSQL the same migration adds the full-text GIN index of the public wording)
        Index("ix_practice_sheet_status", "status", "validated_at"),
        Index("ix_practice_sheet_fts", text(FTS_INDEX), postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")  # what was done
    results: Mapped[str] = mapped_column(Text, default="", server_default="")
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    validated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    dossier: Mapped[Dossier] = relationship()
    __mapper_args__ = {"version_id_col": version}


class LetterIssue(Base):
    """One issue of La Lettre de la MLDS, in one version. A draft is edited by the coordinator; a
    published version never changes again (`content` holds what was published, frozen). A
    correction is a new version of the same number (`corrects_id`: the version it corrects)."""

    __tablename__ = "letter_issue"
    __table_args__ = (
        UniqueConstraint("number", "version"),
        CheckConstraint("status IN ('draft', 'published')", name="status_known"),
        CheckConstraint("number > 0 AND version > 0", name="number_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    issue_date: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200), default="")
    editorial: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when shown
    period_start: Mapped[dt.date] = mapped_column(Date)  # the key figures' period
    period_end: Mapped[dt.date] = mapped_column(Date)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("letter_issue.id"))
    content: Mapped[dict | None] = mapped_column(JSON)  # what was published, frozen
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    sheets: Mapped[list[LetterSheet]] = relationship(
        cascade="all, delete-orphan", order_by="LetterSheet.position"
    )
    corrects: Mapped[LetterIssue | None] = relationship(remote_side=[id])
    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def published(self) -> bool:
        return self.status == "published"


class LetterSheet(Base):
    """A catalogue sheet featured in an issue, in the coordinator's order."""

    __tablename__ = "letter_sheet"
    __table_args__ = (UniqueConstraint("issue_id", "sheet_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("letter_issue.id", ondelete="CASCADE"))
    sheet_id: Mapped[int] = mapped_column(ForeignKey("practice_sheet.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    sheet: Mapped[PracticeSheet] = relationship()


class LetterSubscriber(Base):
    """An address that receives the Lettre once confirmed (double opt-in). Only the confirmation
    token's hash is kept; the unsubscribe link is derived from the secret key and `unsubscribe_salt`
    (so each mail can carry it), and a new salt revokes the old links."""

    __tablename__ = "letter_subscriber"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'confirmed', 'unsubscribed')", name="status_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)  # lower-cased
    status: Mapped[str] = mapped_column(String(12), default="pending")
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirm_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    unsubscribe_salt: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class DossierOutcome(Base):
    """A funded dossier's outcome figures, one row per dossier with a commitment (active or
    not), as the outcome dashboard adds them up (outcomes.services.outcome_store keeps it in the
    flush that changes a commitment, payment, clawback, target, indicator or final report). The
    dashboard's conditions are applied: `projects` is 1 for an active commitment, `reported` 1
    when funded with a report handed in; reach, outcomes and indicators count only then, targets
    only when funded. Money in cents (exact sums on every database)."""

    __tablename__ = "dossier_outcome"
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), primary_key=True
    )
    projects: Mapped[int] = mapped_column(Integer, default=0)
    reported: Mapped[int] = mapped_column(Integer, default=0)
    granted_state: Mapped[int] = mapped_column(BigInteger, default=0)
    granted_region: Mapped[int] = mapped_column(BigInteger, default=0)
    commitments_state: Mapped[int] = mapped_column(Integer, default=0)
    commitments_region: Mapped[int] = mapped_column(Integer, default=0)
    payments_state: Mapped[int] = mapped_column(BigInteger, default=0)
    payments_region: Mapped[int] = mapped_column(BigInteger, default=0)
    settled_state: Mapped[int] = mapped_column(BigInteger, default=0)
    settled_region: Mapped[int] = mapped_column(BigInteger, default=0)
    granted_reported: Mapped[int] = mapped_column(BigInteger, default=0)
    targeted_at_risk: Mapped[int] = mapped_column(Integer, default=0)
    targeted_left_without_qualification: Mapped[int] = mapped_column(Integer, default=0)
    targeted_return_path: Mapped[int] = mapped_column(Integer, default=0)
    reached_at_risk: Mapped[int] = mapped_column(Integer, default=0)
    reached_left_without_qualification: Mapped[int] = mapped_column(Integer, default=0)
    reached_return_path: Mapped[int] = mapped_column(Integer, default=0)
    outcome_stayed_in_school: Mapped[int] = mapped_column(Integer, default=0)
    outcome_returned_to_training: Mapped[int] = mapped_column(Integer, default=0)
    outcome_qualification: Mapped[int] = mapped_column(Integer, default=0)
    outcome_employment: Mapped[int] = mapped_column(Integer, default=0)
    outcome_unknown: Mapped[int] = mapped_column(Integer, default=0)
    measured_projects: Mapped[int] = mapped_column(Integer, default=0)
    met_all_projects: Mapped[int] = mapped_column(Integer, default=0)
    indicators_measured: Mapped[int] = mapped_column(Integer, default=0)
    indicators_met: Mapped[int] = mapped_column(Integer, default=0)
