"""Reference data for outcomes: themes and partner kinds (lists the platform admin maintains),
each call's common indicators, and the fixed vocabularies of young people and their outcomes.

Kernel tables, because every area reads them: the dossier (applications) picks themes, partner
kinds and indicators; the final report (funding) gives what was reached; outcomes adds them up.
"""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base

# The young people a project targets and reaches, in the circular's words.
YOUNG_CATEGORIES = {
    "at_risk": "Élèves en risque de décrochage, encore scolarisés",
    "left_without_qualification": "Jeunes sortis du système scolaire sans qualification",
    "return_path": "Jeunes de 16 à 25 ans en parcours de retour en formation",
}
AGE_BANDS = {
    "under_16": "Moins de 16 ans",
    "16_18": "16 à 18 ans",
    "19_25": "19 à 25 ans",
}
# What became of the young people reached, as the final report gives it.
OUTCOMES = {
    "stayed_in_school": "Maintenu en formation initiale",
    "returned_to_training": "Retour en formation",
    "qualification": "Qualification obtenue",
    "employment": "Entrée dans l'emploi",
    "unknown": "Situation inconnue",
}
# An indicator is better when its value goes up, or down (absenteeism, exclusions…).
DIRECTIONS = {"up": "Plus c'est élevé, mieux c'est", "down": "Plus c'est bas, mieux c'est"}


def target_met(direction: str, target, achieved) -> bool | None:
    """Whether an achieved value meets its target; None when either is missing."""
    if target is None or achieved is None:
        return None
    return achieved <= target if direction == "down" else achieved >= target


class Theme(Base):
    """A theme of the reference list (illettrisme, numérique, service civique…)."""

    __tablename__ = "theme"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class PartnerKind(Base):
    """A kind of partner of the reference list (CIO, PSAD, Mission locale…). A dossier's partner
    keeps the code in `dossier_partner.kind`, so older codes stay readable."""

    __tablename__ = "partner_kind"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class CallIndicator(Base):
    """A common indicator the call defines; each dossier picks some with a baseline and a target."""

    __tablename__ = "call_indicator"
    __table_args__ = (CheckConstraint("direction IN ('up', 'down')", name="direction_known"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="", server_default="")
    direction: Mapped[str] = mapped_column(String(4), default="up", server_default="up")
    measurement: Mapped[str] = mapped_column(Text, default="", server_default="")


# Seeds of the reference lists (the migration inserts them; admins edit them afterwards).
THEME_SEEDS = [
    ("illettrisme", "Lutte contre l'illettrisme"),
    ("numerique", "Numérique"),
    ("service_civique", "Service civique"),
    ("structure_retour", "Micro-lycée / structure de retour"),
    ("alliances_educatives", "Alliances éducatives"),
    ("greta", "GRETA"),
    ("formation_region", "Formation continue de la Région"),
    ("sante", "Santé"),
    ("citoyennete", "Citoyenneté"),
    ("entreprises", "Entreprises"),
    ("orientation", "Orientation"),
    ("parentalite", "Lien avec les familles"),
]
PARTNER_KIND_SEEDS = [
    ("cio", "CIO"),
    ("psad", "PSAD (plate-forme de suivi et d'appui aux décrocheurs)"),
    ("mission_locale", "Mission locale"),
    ("greta", "GRETA"),
    ("company", "Entreprise"),
    ("association", "Association"),
    ("local_authority", "Collectivité"),
    ("public_body", "Service de l'État"),
    ("mlds", "MLDS"),
    ("civic_service", "Service civique"),
    ("other", "Autre"),
]
