"""Core models: people, establishments, reference data, calls, audit, outbox, tokens."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base, Money, UTCDateTime, utcnow
from .enums import LabelledEnum, labels
from .errors import ServiceError
from .folding import column_default, searchable
from .vocabulary import (  # noqa: F401  (re-exported: most code imports them from here)
    ACADEMY_DEPARTMENTS,
    FIELDS,
    INSTITUTION_LABELS,
    INSTITUTION_SHORT_LABELS,
    INSTITUTIONAL_ROLES,
    KIND_LABELS,
    MANAGED_KINDS,
    ROLE_LABELS,
    EstablishmentKind,
    Institution,
    Role,
)


def enum_column(enum_cls, **kw):
    # Stored as plain strings with a CHECK, portable across SQLite and PostgreSQL.
    return mapped_column(
        Enum(enum_cls, native_enum=False, length=32, create_constraint=True, validate_strings=True),
        **kw,
    )


class Department(Base):
    __tablename__ = "department"
    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class Network(Base):
    """A FOQUALE network (Formation–Qualification–Emploi) of a département."""

    __tablename__ = "network"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("department.code"))
    department: Mapped[Department] = relationship()


class Establishment(Base):
    SEARCHED = ("name", "uai", "commune")
    __tablename__ = "establishment"
    id: Mapped[int] = mapped_column(primary_key=True)
    uai: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EstablishmentKind] = enum_column(EstablishmentKind)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("department.code"))
    commune: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id"))
    priority_education: Mapped[str] = mapped_column(String(10), default="")  # "", REP, REP+
    version: Mapped[int] = mapped_column(Integer, default=1)
    department: Mapped[Department] = relationship()
    network: Mapped[Network | None] = relationship()
    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    # From the annuaire de l'éducation (import-establishments): SIRET, and whether it is closed.
    siret: Mapped[str] = mapped_column(String(14), default="", server_default="")
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    closed_on: Mapped[dt.date | None] = mapped_column(Date)

    # The beneficiary's legal identity. An EPLE (public establishment) is a legal person of its
    # own: the establishment itself, its SIRET above. A private lycée under contract or an MFR is
    # run by a managing body (organisme gestionnaire: an association, OGEC…), which signs.
    managing_body_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    managing_body_siret: Mapped[str] = mapped_column(String(14), default="", server_default="")
    managing_body_rna: Mapped[str] = mapped_column(String(10), default="", server_default="")
    legal_representative: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Name, UAI and town folded for the call office's search (portal.folding).
    search_text: Mapped[str] = mapped_column(
        Text, default=column_default(*SEARCHED), server_default=""
    )

    @property
    def has_managing_body(self) -> bool:
        """Private lycées and MFR contract through their managing body, not by themselves."""
        return self.kind in MANAGED_KINDS or not self.public

    @property
    def beneficiary_name(self) -> str:
        return self.managing_body_name if self.has_managing_body else self.name

    @property
    def beneficiary_siret(self) -> str:
        return self.managing_body_siret if self.has_managing_body else self.siret

    @property
    def beneficiary_rna(self) -> str:
        return self.managing_body_rna if self.has_managing_body else ""

    @property
    def is_closed(self) -> bool:
        """A closed establishment cannot be invited to nor submit; its dossiers stay readable."""
        return bool(self.closed)

    def require_open(self) -> None:
        """Refuse an invitation or a submission for a closed establishment."""
        if self.is_closed:
            raise ServiceError(
                f"L'établissement {self.name} ({self.uai}) est fermé selon "
                "l'annuaire de l'éducation : il ne peut plus être invité ni "
                "déposer de dossier.",
                field="uai",
            )


searchable(Establishment, *Establishment.SEARCHED)


class User(UserMixin, Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishment.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the session cookie's user id: raising it logs the user out everywhere.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    establishment: Mapped[Establishment | None] = relationship()
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def get_id(self) -> str:  # flask-login: what the session cookie names
        return f"{self.id}.{self.session_version or 1}"

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    @property
    def roles(self) -> set[Role]:
        return {g.role for g in self.grants}

    def has_role(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.grants)

    def institutions(self, role: Role) -> set[Institution]:
        return {g.institution for g in self.grants if g.role == role and g.institution}


class RoleGrant(Base):
    __tablename__ = "role_grant"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "institution"),
        CheckConstraint(
            "(role IN ('reviewer','copilot','call_admin','budget_officer') AND institution IS NOT NULL)"
            " OR (role NOT IN ('reviewer','copilot','call_admin','budget_officer') AND institution IS NULL)",
            name="institution_matches_role",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = enum_column(Role)
    institution: Mapped[Institution | None] = enum_column(Institution, nullable=True)
    user: Mapped[User] = relationship(back_populates="grants")


class UserToken(Base):
    """One-time links (password reset, invitation). Only the token's hash is stored."""

    __tablename__ = "user_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))  # reset | invitation
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()


class CallStatus(LabelledEnum):
    """The call's states (moves in portal/calls/workflow.py). `closed` is never stored: an open
    call past its deadline reads closed (Call.effective_status). `review` and `commission` are
    listed by the schema's CHECK constraint but never reached (the review area's phases say where
    the commission stands); kept so the schema does not change."""

    draft = "draft", "En préparation"
    open = "open", "Ouvert"
    closed = "closed", "Clos"
    review = "review", "En instruction"
    commission = "commission", "En commission"
    decided = "decided", "Décidé"
    follow_up = "follow_up", "En suivi"
    archived = "archived", "Archivé"


CALL_STATUS_LABELS = labels(CallStatus)


class Call(Base):
    __tablename__ = "call"
    __table_args__ = (
        CheckConstraint("max_amount > 0", name="max_amount_positive"),
        CheckConstraint("advance_rate >= 0 AND advance_rate <= 100", name="advance_rate_percent"),
        CheckConstraint("deadline_at > opens_at", name="deadline_after_opening"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    school_year: Mapped[str] = mapped_column(String(9))  # "2014-2015"
    themes: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[list] = mapped_column(JSON, default=list)
    eligible_kinds: Mapped[list] = mapped_column(JSON, default=list)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    max_amount: Mapped[Decimal] = mapped_column(Money)
    advance_rate: Mapped[Decimal] = mapped_column(Money)  # percent, e.g. 50.00
    status: Mapped[CallStatus] = enum_column(CallStatus, default=CallStatus.draft)
    version: Mapped[int] = mapped_column(Integer, default=1)
    axes: Mapped[list[Axis]] = relationship(
        back_populates="call", order_by="Axis.number", cascade="all, delete-orphan"
    )
    attachment_kinds: Mapped[list[AttachmentKind]] = relationship(
        back_populates="call", order_by="AttachmentKind.position", cascade="all, delete-orphan"
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def year(self) -> int:
        return int(self.school_year[:4])

    def effective_status(self, now: dt.datetime | None = None) -> CallStatus:
        """An open call is closed by its deadline itself, not by someone clicking."""
        now = now or utcnow()
        if self.status == CallStatus.open and now >= self.deadline_at:
            return CallStatus.closed
        return self.status

    # Read only once the deadline has passed (submission_end_for): no query before.
    derogations: Mapped[list[CallDerogation]] = relationship(
        back_populates="call", cascade="all, delete-orphan"
    )

    def accepts_submissions(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.status == CallStatus.open and self.opens_at <= now < self.deadline_at

    def submission_end_for(self, establishment_id, now: dt.datetime | None = None):
        """Until when that establishment may submit now: the deadline, or the end of its
        derogation once the deadline has passed; None when it may not submit now."""
        now = now or utcnow()
        if self.status != CallStatus.open or now < self.opens_at:
            return None
        if now < self.deadline_at:
            return self.deadline_at
        for derogation in self.derogations:
            if derogation.establishment_id == establishment_id and now < derogation.until:
                return derogation.until
        return None

    @property
    def required_attachment_kinds(self) -> list[AttachmentKind]:
        return [k for k in self.attachment_kinds if k.required]


class CallDerogation(Base):
    """One establishment let in after the deadline, until `until`, for a written reason."""

    __tablename__ = "call_derogation"
    __table_args__ = (UniqueConstraint("call_id", "establishment_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"))
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    call: Mapped[Call] = relationship(back_populates="derogations")
    establishment: Mapped[Establishment] = relationship()


class ReferenceCounter(Base):
    """Last dossier number given for a year: references AAP-<year>-<nnnn> are unique across calls."""

    __tablename__ = "reference_counter"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Axis(Base):
    __tablename__ = "axis"
    __table_args__ = (UniqueConstraint("call_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(300))
    call: Mapped[Call] = relationship(back_populates="axes")


class AttachmentKind(Base):
    """A kind of document a call asks for (e.g. budget détaillé, lettre d'engagement)."""

    __tablename__ = "attachment_kind"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    call: Mapped[Call] = relationship(back_populates="attachment_kinds")


class AuditEvent(Base):
    """Append-only trail: who did what to which object, with the changed values."""

    __tablename__ = "audit_event"
    # an object's trail, and the refusals of one kind on some objects (funding's pending parts)
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id", "action"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(45), default="")
    actor: Mapped[User | None] = relationship()


class OutboxMessage(Base):
    """Mail is a row first; it is sent after the transaction commits, and retried on failure."""

    __tablename__ = "outbox_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Extra mail headers ({name: value}), e.g. List-Unsubscribe for the Lettre; None for most.
    headers: Mapped[dict | None] = mapped_column(JSON)


class UserSession(Base):
    """One browser session: the cookie carries a random token, the row its hash.

    Logging out revokes the row, so a copy of the cookie taken before stops working; other
    devices of the same person keep their own rows. Raising `User.session_version` (a password
    reset) still ends every session at once.
    """

    __tablename__ = "user_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's token
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    # Loaded with the row: the user loader answers with one query by primary key.
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class UserTotp(Base):
    """A person's second factor (TOTP, RFC 6238): the shared secret and the last time-step used.

    A row with `enabled_at` unset is an enrolment in progress (the secret shown as a QR code, not
    yet confirmed by a code): it does not protect the login until confirmed. `last_step` is the
    30-second step of the last code accepted; a code of that step or an earlier one is refused,
    so an observed code cannot be replayed within its window.
    """

    __tablename__ = "user_totp"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    secret: Mapped[str] = mapped_column(String(64))  # base32, as authenticator apps read it
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    enabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_step: Mapped[int | None] = mapped_column(Integer)


class TotpRecoveryCode(Base):
    """A single-use recovery code of the second factor; only its sha256 is stored."""

    __tablename__ = "totp_recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# Reference data for outcomes (themes, partner kinds, each call's common indicators).
from .reference import CallIndicator, PartnerKind, Theme  # noqa: E402, F401
