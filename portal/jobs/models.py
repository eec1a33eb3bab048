"""The job queue's rows: each person's notification preferences, the notifications kept for the
daily digest, and the reminders already sent (one row per reminder, unique: never sent twice)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow
from portal.enums import LabelledEnum
from portal.models import enum_column


class NotificationMode(LabelledEnum):
    immediate = "immediate", "Immédiatement", "success"
    digest = "digest", "Résumé quotidien", "info"
    never = "never", "Jamais", "warning"


class NotificationPreference(Base):
    """How one person wants one kind of notification; no row: immediately."""

    __tablename__ = "notification_preference"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    mode: Mapped[NotificationMode] = enum_column(NotificationMode)


class DigestItem(Base):
    """A notification kept for its recipient's daily digest; `outbox_id` is set once it went
    into a digest mail (in the transaction that queues that mail)."""

    __tablename__ = "digest_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"), index=True
    )


class ReminderSent(Base):
    """A reminder that was sent: inserted in the transaction that queues its mail, so a second
    run (or a second worker) hits the unique key and sends nothing."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("kind", "object_id", "user_id", "occasion"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    occasion: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
