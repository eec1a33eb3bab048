"""The bench's catalogue of practices: the head's consent on most of the decided call's final
reports, and the coordinator's sheets for them (most validated, some drafts), in bulk inserts."""

from __future__ import annotations

from sqlalchemy import select, update

from bench.rows import insert_rows
from funding.models import FinalReport
from outcomes.models import PracticeSheet
from portal.db import db
from portal.models import Role, RoleGrant

WORDS = [
    ("Ateliers de remobilisation", "des ateliers hebdomadaires de théâtre et d'expression"),
    ("Tutorat numérique", "un tutorat par des élèves de terminale, avec des tablettes prêtées"),
    ("Alliance éducative", "une cellule de veille qui suit chaque élève absentéiste"),
    ("Micro-lycée de retour", "un retour en formation pour des jeunes sortis sans diplôme"),
    ("Stages en entreprise", "des stages de découverte et un parrainage par des salariés"),
]


def add_practice_sheets(decided_call_id: int, now) -> tuple[int, int | None]:
    """(published sheets, the id of one of them)."""
    coordinator_id = db.session.scalar(
        select(RoleGrant.user_id).where(RoleGrant.role == Role.coordinator)
    )
    from applications.models import Dossier

    report_dossiers = list(
        db.session.scalars(
            select(FinalReport.dossier_id)
            .join(Dossier, Dossier.id == FinalReport.dossier_id)
            .where(Dossier.call_id == decided_call_id)
            .outerjoin(PracticeSheet, PracticeSheet.dossier_id == FinalReport.dossier_id)
            .where(PracticeSheet.id.is_(None))
            .order_by(FinalReport.dossier_id)
        )
    )
    consented = [d for n, d in enumerate(report_dossiers) if n % 4]
    if not consented:
        return 0, None
    db.session.execute(
        update(FinalReport)
        .where(FinalReport.dossier_id.in_(consented))
        .values(publication_consent=True, consent_changed_at=now)
    )
    rows = []
    for n, dossier_id in enumerate(consented):
        title, what = WORDS[n % len(WORDS)]
        validated = n % 7 != 3
        rows.append(
            {
                "dossier_id": dossier_id,
                "status": "validated" if validated else "draft",
                "title": f"{title} n° {n + 1}",
                "summary": f"L'établissement a mené {what}, pour prévenir le décrochage scolaire.",
                "results": f"{10 + n % 20} jeunes accompagnés ; la plupart sont restés en formation.",
                "validated_by_id": coordinator_id if validated else None,
                "validated_at": now if validated else None,
                "updated_at": now,
                "version": 1,
            }
        )
    insert_rows(PracticeSheet, rows)
    published = sum(1 for r in rows if r["status"] == "validated")
    first = db.session.scalar(
        select(PracticeSheet.id)
        .where(PracticeSheet.status == "validated")
        .order_by(PracticeSheet.id)
    )
    return published, first
