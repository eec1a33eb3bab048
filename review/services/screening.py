"""Screening: the call administrator's eligibility check of a submitted dossier."""

from __future__ import annotations

from sqlalchemy import select

from applications import workflow
from applications.models import Dossier
from applications.policy import require_dossier
from applications.services import notify_establishment
from portal import audit
from portal.db import db
from portal.errors import ServiceError
from portal.models import User
from portal.permissions import Permission, require

from ..models import Screening, ScreeningOutcome

# The eligibility checklist a call administrator goes through (item → question).
CHECKLIST = {
    "establishment_eligible": "L'établissement relève d'un type éligible à l'appel.",
    "axes_match": "Le projet s'inscrit dans au moins un des quatre axes prioritaires.",
    "budget_consistent": "Le budget est équilibré et cohérent avec les actions.",
    "attachments_readable": "Les pièces jointes sont lisibles et conformes.",
}


def screen_dossier(
    user: User, dossier: Dossier, outcome: str, motivation: str = "", checklist: dict | None = None
) -> Screening:
    """Mark a submitted dossier eligible, or ineligible with a motivation the establishment sees."""
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    try:
        result = ScreeningOutcome(outcome)
    except ValueError:
        raise ServiceError(
            "Choisissez « recevable » ou « irrecevable ».", field="outcome"
        ) from None
    action = "screen_eligible" if result == ScreeningOutcome.eligible else "screen_ineligible"
    workflow.next_state(dossier, action)
    require(user, Permission.SCREEN_DOSSIER, dossier)
    motivation = (motivation or "").strip()
    if result == ScreeningOutcome.ineligible and not motivation:
        raise ServiceError(
            "Motivez l'irrecevabilité : l'établissement lira ce motif.", field="motivation"
        )
    if len(motivation) > 5000:
        raise ServiceError("Le motif fait au plus 5 000 caractères.", field="motivation")
    answers = {key: bool((checklist or {}).get(key)) for key in CHECKLIST}
    before, _ = workflow.transition(dossier, action)
    screening = Screening(
        dossier_id=dossier.id,
        outcome=result,
        checklist=answers,
        motivation=motivation,
        screened_by_id=user.id,
    )
    db.session.add(screening)
    db.session.flush()
    audit.record(
        user,
        "dossier_screened",
        dossier,
        {
            "status": [before.value, dossier.status.value],
            "motivation": motivation,
            "checklist": answers,
        },
    )
    if result == ScreeningOutcome.ineligible:
        notify_establishment(
            dossier,
            f"Dossier {dossier.reference} déclaré irrecevable",
            f"Le dossier « {dossier.title} » a été déclaré irrecevable.\n\nMotif : {motivation}",
        )
    else:
        notify_establishment(
            dossier,
            f"Dossier {dossier.reference} recevable",
            f"Le dossier « {dossier.title} » a été déclaré recevable ; il va être "
            "instruit par la commission.",
        )
    return screening


def latest_screening(dossier: Dossier) -> Screening | None:
    return db.session.scalar(
        select(Screening)
        .where(Screening.dossier_id == dossier.id)
        .order_by(Screening.id.desc())
        .limit(1)
    )
