"""The outcomes area's tables: the public sheet of a funded practice (catalogue).

Open data reads the funding area's agreements and commitments (the beneficiary's legal identity is
on the kernel's Establishment); the outcome figures read the dossiers and final reports.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from applications.models import Dossier
from portal.db import Base, UTCDateTime, utcnow


class PracticeSheet(Base):
    """The public sheet of a funded project, in the coordinator's wording. Public only when the
    head agreed on the final report (`FinalReport.publication_consent`) and the sheet is validated."""

    __tablename__ = "practice_sheet"
    __table_args__ = (CheckConstraint("status IN ('draft', 'validated')", name="status_known"),)
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
