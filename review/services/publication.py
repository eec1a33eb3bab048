"""Publication of a call's results: every final decision at once, an email per establishment."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from applications.models import Dossier, DossierStatus
from applications.services import notify_establishment
from portal import audit
from portal.calls.lifecycle import mark_decided
from portal.db import db, utcnow
from portal.errors import Conflict, ServiceError
from portal.formatting import format_money
from portal.models import Call, User
from portal.permissions import Permission, require

from ..models import Decision, DecisionOutcome

# Dossiers still on their way to a decision: results cannot be published while any remains.
UNDECIDED_STATES = (
    DossierStatus.eligible,
    DossierStatus.in_review,
    DossierStatus.reviewed,
    DossierStatus.proposed_accept,
    DossierStatus.proposed_reject,
)


def publication_blockers(call: Call) -> list[Dossier]:
    """Dossiers of the call still on their way to a decision (all of them, whoever asks)."""
    return list(
        db.session.scalars(
            select(Dossier)
            .where(Dossier.call_id == call.id, Dossier.status.in_(UNDECIDED_STATES))
            .order_by(Dossier.reference)
        )
    )


def publish_results(user: User, call: Call) -> list[Decision]:
    """Publish every final decision of the call in one action, with an email per establishment.

    Refused, with the list, while some dossiers of the call have no final decision yet; refused as
    well when there is nothing new to publish.
    """
    require(user, Permission.PUBLISH_RESULTS, call)
    blockers = publication_blockers(call)
    if blockers:
        refs = ", ".join(d.reference for d in blockers[:20])
        more = f" et {len(blockers) - 20} autres" if len(blockers) > 20 else ""
        raise ServiceError(
            f"Publication impossible : {len(blockers)} dossier{'s' if len(blockers) > 1 else ''} "
            f"de l'appel {'n’ont' if len(blockers) > 1 else 'n’a'} pas encore de décision "
            f"définitive ({refs}{more}). Faites-les valider par les deux co-pilotes, puis publiez.",
            field="publish",
        )
    decisions = list(
        db.session.scalars(
            select(Decision)
            .join(Decision.dossier)
            .options(joinedload(Decision.dossier))
            .where(
                Dossier.call_id == call.id,
                Decision.finalised_at.is_not(None),
                Decision.published_at.is_(None),
            )
            .order_by(Dossier.reference)
        )
    )
    if not decisions:
        raise Conflict(
            "Aucune décision définitive n'attend de publication pour cet appel : les "
            "résultats ont déjà été publiés, ou aucune décision n'a encore été prise."
        )
    now = utcnow()
    for decision in decisions:
        decision.published_at = now
        decision.dossier.decision_published_at = now
        notify_establishment(decision.dossier, *decision_message(decision))
    db.session.flush()
    mark_decided(user, call)  # the kernel's call moves to « Décidé » once its deadline has passed
    audit.record(
        user,
        "results_published",
        call,
        {
            "decisions": [d.id for d in decisions],
            "dossiers": [d.dossier.reference for d in decisions],
        },
    )
    return decisions


def decision_message(decision: Decision) -> tuple[str, str]:
    """(subject, body) of the email announcing a published decision (no reviewer, no score)."""
    dossier = decision.dossier
    if decision.outcome == DecisionOutcome.accept:
        subject = f"Dossier {dossier.reference} retenu"
        body = (
            f"La commission conjointe État–Région a retenu le projet « {dossier.title} » "
            f"(dossier {dossier.reference}).\n\n"
            f"Montant accordé par l'État (rectorat) : {format_money(decision.amount_state)}\n"
            f"Montant accordé par la Région : {format_money(decision.amount_region)}\n"
            f"Total : {format_money(decision.amount_state + decision.amount_region)}\n\n"
            f"Motivation : {decision.motivation}\n"
        )
    else:
        subject = f"Dossier {dossier.reference} non retenu"
        body = (
            f"La commission conjointe État–Région n'a pas retenu le projet « {dossier.title} » "
            f"(dossier {dossier.reference}).\n\nMotivation : {decision.motivation}\n"
        )
    body += (
        "\nLa lettre de décision est disponible sur la page du dossier, dans le portail de "
        "l'appel à projets."
    )
    return subject, body
