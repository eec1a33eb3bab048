"""The outcomes area's tables: the public sheet of a funded practice (catalogue).

Open data reads the funding area's agreements and commitments (the beneficiary's legal identity is
on the kernel's Establishment); the outcome figures read the dossiers and final reports.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
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
