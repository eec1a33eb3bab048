"""A project dossier and what it is made of."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
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

from portal.db import Base, Money, UTCDateTime, utcnow
from portal.enums import LabelledEnum, labels
from portal.folding import column_default, searchable
from portal.models import AttachmentKind, Call, Establishment, User, enum_column
from portal.reference import Theme


class DossierStatus(LabelledEnum):
    draft = "draft", "Brouillon", "new"
    submitted = "submitted", "Déposé", "info"
    incomplete = "incomplete", "À compléter", "warning"
    eligible = "eligible", "Recevable", "info"
    ineligible = "ineligible", "Irrecevable", "error"
    in_review = "in_review", "En instruction", "info"
    reviewed = "reviewed", "Instruit", "info"
    proposed_accept = "proposed_accept", "Proposé au financement", "info"
    proposed_reject = "proposed_reject", "Proposé au rejet", "info"
    accepted = "accepted", "Retenu", "success"
    rejected = "rejected", "Non retenu", "error"
    funded = "funded", "Conventionné", "success"
    reporting = "reporting", "Bilan déposé", "success"
    closed = "closed", "Soldé", ""
    withdrawn = "withdrawn", "Retiré", ""


# Derived mappings, for templates and older imports.
STATUS_LABELS = labels(DossierStatus)
# The DSFR badge class per state ("" for the plain badge).
STATUS_BADGES = {s: f"fr-badge--{s.badge}" if s.badge else "" for s in DossierStatus}

# What the establishment never sees as such, and what it sees only once results are published.
UNDISCLOSED = {DossierStatus.reviewed, DossierStatus.proposed_accept, DossierStatus.proposed_reject}
DISCLOSED_ON_PUBLICATION = {DossierStatus.accepted, DossierStatus.rejected}

EXPENSE_CATEGORIES = {
    "personnel": "Personnel (heures, vacations, intervenants)",
    "services": "Prestations de services",
    "equipment": "Matériel et fournitures",
    "travel": "Déplacements et transports",
    "communication": "Communication",
    "other": "Autres dépenses",
}

RESOURCE_SOURCES = {
    "region": "Région",
    "state": "Rectorat (État)",
    "own": "Fonds propres",
    "other": "Autres co-financeurs",
}

PARTNER_KINDS = {
    "association": "Association",
    "company": "Entreprise",
    "local_authority": "Collectivité",
    "greta": "GRETA",
    "mlds": "MLDS",
    "civic_service": "Service civique",
    "public_body": "Service de l'État",
    "other": "Autre",
}


class Dossier(Base):
    __tablename__ = "dossier"
    __table_args__ = (
        CheckConstraint("target_count IS NULL OR target_count >= 0", name="target_count_positive"),
        CheckConstraint(
            "status = 'draft' OR status = 'withdrawn' OR reference IS NOT NULL",
            name="submitted_has_reference",
        ),
        Index("ix_dossier_establishment_status", "establishment_id", "status"),
        # the call office's counts per status of the submitted dossiers: an index-only scan
        Index(
            "ix_dossier_submitted_status",
            "status",
            sqlite_where=text("reference IS NOT NULL"),
            postgresql_where=text("reference IS NOT NULL"),
        ),
        # a call's dossiers in given states (the commission session works on the reviewed ones);
        # on PostgreSQL with what the ranking reads of them: its scans are index-only
        Index(
            "ix_dossier_call_status",
            "call_id",
            "status",
            postgresql_include=["id", "reference", "establishment_id"],
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[DossierStatus] = enum_column(DossierStatus, default=DossierStatus.draft)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    main_axis: Mapped[int | None] = mapped_column(Integer)
    other_axes: Mapped[list] = mapped_column(JSON, default=list)
    fields: Mapped[list] = mapped_column(JSON, default=list)
    target_count: Mapped[int | None] = mapped_column(Integer)
    target_ages: Mapped[str] = mapped_column(String(100), default="")
    target_levels: Mapped[str] = mapped_column(String(200), default="")
    target_profile: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set when the commission's decision is published: until then the establishment sees
    # "En instruction", whatever the commission has proposed or decided.
    decision_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Reference and title folded for the call office's search (portal.folding); the
    # establishment's name, UAI and town are in establishment.search_text.
    SEARCHED = ("reference", "title")
    search_text: Mapped[str] = mapped_column(
        Text, default=column_default(*SEARCHED), server_default=""
    )

    call: Mapped[Call] = relationship()
    establishment: Mapped[Establishment] = relationship()
    created_by: Mapped[User] = relationship()
    partners: Mapped[list[Partner]] = relationship(
        order_by="Partner.position", cascade="all, delete-orphan"
    )
    actions: Mapped[list[Action]] = relationship(
        order_by="Action.position", cascade="all, delete-orphan"
    )
    indicators: Mapped[list[Indicator]] = relationship(
        order_by="Indicator.position", cascade="all, delete-orphan"
    )
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        order_by="BudgetLine.position", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        order_by="Attachment.uploaded_at", cascade="all, delete-orphan"
    )
    submissions: Mapped[list[Submission]] = relationship(
        order_by="Submission.number", cascade="all, delete-orphan"
    )
    completion_requests: Mapped[list[CompletionRequest]] = relationship(
        order_by="CompletionRequest.requested_at", cascade="all, delete-orphan"
    )
    # Structured data for outcomes: the public targeted by category and age band, and themes.
    targets: Mapped[list[DossierTarget]] = relationship(cascade="all, delete-orphan")
    themes: Mapped[list[Theme]] = relationship(secondary="dossier_theme", order_by="Theme.position")
    __mapper_args__ = {"version_id_col": version}

    def establishment_status(self) -> DossierStatus:
        """The state the establishment sees: the commission's work stays internal until published."""
        if self.status in UNDISCLOSED or (
            self.status in DISCLOSED_ON_PUBLICATION and self.decision_published_at is None
        ):
            return DossierStatus.in_review
        return self.status

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES[self.status]

    @property
    def expenses(self) -> list[BudgetLine]:
        return [b for b in self.budget_lines if b.kind == "expense"]

    @property
    def resources(self) -> list[BudgetLine]:
        return [b for b in self.budget_lines if b.kind == "resource"]

    @property
    def total_expenses(self) -> Decimal:
        return sum((b.amount for b in self.expenses), Decimal("0.00"))

    @property
    def total_resources(self) -> Decimal:
        return sum((b.amount for b in self.resources), Decimal("0.00"))

    def requested(self, source: str) -> Decimal:
        return sum((b.amount for b in self.resources if b.category == source), Decimal("0.00"))

    @property
    def requested_total(self) -> Decimal:
        """What the call is asked for: the Région's part plus the rectorat's part."""
        return self.requested("region") + self.requested("state")

    @property
    def latest_submission(self) -> Submission | None:
        return self.submissions[-1] if self.submissions else None

    @property
    def open_completion_request(self) -> CompletionRequest | None:
        for req in reversed(self.completion_requests):
            if req.answered_at is None:
                return req
        return None


searchable(Dossier, *Dossier.SEARCHED)


class Partner(Base):
    __tablename__ = "dossier_partner"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    role: Mapped[str] = mapped_column(Text, default="")


class Action(Base):
    __tablename__ = "dossier_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[dt.date | None] = mapped_column()
    end_date: Mapped[dt.date | None] = mapped_column()
    __table_args__ = (
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_ordered"
        ),
    )


class Indicator(Base):
    __tablename__ = "dossier_indicator"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    # Free text of older dossiers, kept and shown; new ones give numbers below.
    baseline: Mapped[str] = mapped_column(String(100), default="")
    target: Mapped[str] = mapped_column(String(100), default="")
    # One of the call's common indicators, or the dossier's own (None).
    call_indicator_id: Mapped[int | None] = mapped_column(
        ForeignKey("call_indicator.id", ondelete="SET NULL"), index=True
    )
    unit: Mapped[str] = mapped_column(String(40), default="", server_default="")
    direction: Mapped[str] = mapped_column(String(4), default="up", server_default="up")
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))


class DossierTarget(Base):
    """How many young people of one category and age band the project targets."""

    __tablename__ = "dossier_target"
    __table_args__ = (
        UniqueConstraint("dossier_id", "category", "age_band"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(40))  # portal.reference.YOUNG_CATEGORIES
    age_band: Mapped[str] = mapped_column(String(10))  # portal.reference.AGE_BANDS
    count: Mapped[int] = mapped_column(Integer)


class DossierTheme(Base):
    """A theme of the reference list the dossier works on."""

    __tablename__ = "dossier_theme"
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class BudgetLine(Base):
    """An expense (category) or a resource (source) line; kind says which."""

    __tablename__ = "budget_line"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("kind IN ('expense', 'resource')", name="kind_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(30))  # expense category or resource source
    label: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[Decimal] = mapped_column(Money)


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    kind_id: Mapped[int | None] = mapped_column(ForeignKey("attachment_kind.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[AttachmentKind | None] = relationship()
    uploaded_by: Mapped[User] = relationship()


class Submission(Base):
    """A frozen copy of the dossier as the head submitted it; the receipt carries its hash."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("dossier_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, then 2 after a completion request…
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    snapshot: Mapped[dict] = mapped_column(JSON)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[User] = relationship()


class CompletionRequest(Base):
    __tablename__ = "completion_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The establishment may resubmit until then, even after the call's deadline.
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    requested_by: Mapped[User] = relationship()


class MessageSide(LabelledEnum):
    """Who speaks in a dossier's thread: its establishment, or the call office."""

    establishment = "establishment", "Établissement", "info"
    call_office = "call_office", "Gestionnaire de l'appel à projets", "new"


class Message(Base):
    """One message of a dossier's thread, with at most one attachment (checked and stored as the
    dossier's attachments are). A message never changes the dossier itself."""

    __tablename__ = "dossier_message"
    __table_args__ = (
        CheckConstraint("attachment_size IS NULL OR attachment_size > 0", name="size_positive"),
        Index("ix_dossier_message_dossier_side", "dossier_id", "side", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    side: Mapped[MessageSide] = enum_column(MessageSide)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attachment_filename: Mapped[str | None] = mapped_column(String(255))
    attachment_content_type: Mapped[str | None] = mapped_column(String(120))
    attachment_size: Mapped[int | None] = mapped_column(Integer)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    attachment_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    author: Mapped[User] = relationship()


class MessageRead(Base):
    """How far one person has read one dossier's thread (the last message id they saw)."""

    __tablename__ = "dossier_message_read"
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    side: Mapped[MessageSide] = enum_column(MessageSide)
    last_read_id: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Label(Base):
    """A label of the call office (e.g. "à relancer"), for one call or for every call (call_id
    NULL). Internal: never shown to the establishment, in pages, API or exports."""

    __tablename__ = "dossier_label"
    __table_args__ = (UniqueConstraint("call_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("call.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(60))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    call: Mapped[Call | None] = relationship()


class DossierLabel(Base):
    """A label set on a dossier (by whom, when)."""

    __tablename__ = "dossier_label_link"
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[int] = mapped_column(
        ForeignKey("dossier_label.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    set_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    label: Mapped[Label] = relationship()
