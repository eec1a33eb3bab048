"""What every dossier page shares: loading a dossier under the policy, the establishment's next
step, the state a reader may know, the labels of the form's choices."""

from __future__ import annotations

from flask_login import current_user

from portal.db import utcnow
from portal.formatting import format_due, format_time, time_left, to_paris
from portal.permissions import Permission
from portal.web import load

from ..models import Dossier, DossierStatus
from ..policy import status_shown_to
from ..services import structured

SAVED = "Les modifications ont été enregistrées."


def load_dossier(
    dossier_id: int, permission: Permission = Permission.VIEW_DOSSIER, options=()
) -> Dossier:
    """The dossier if the current user may read it (404 otherwise: existence is confidential),
    then `permission` on it (403 for a reader lacking it); `options`: what to load with it."""
    return load(Dossier, dossier_id, permission, options=options)


def _before(verb: str, due, now) -> str:
    """'À déposer avant le 12/12/2014 à 23 h 59'; on the last day, the time left:
    'À déposer aujourd'hui avant 23 h 59 (plus que 2 h 10)'."""
    if to_paris(due).date() == to_paris(now).date():
        return f"{verb} aujourd'hui avant {format_time(due)} ({time_left(due, now).lower()})"
    return f"{verb} avant le {format_due(due)}"


def next_action(dossier: Dossier, now=None) -> str:
    """What the establishment has to do next, in a few words, with the time it is due."""
    now = now or utcnow()
    call = dossier.call
    if dossier.status == DossierStatus.draft:
        until = call.submission_end_for(dossier.establishment_id, now)
        if until is not None:
            return _before("À déposer", until, now)
        return "Date limite de dépôt dépassée"
    if dossier.status == DossierStatus.incomplete:
        request = dossier.open_completion_request
        if request is not None and now < request.due_at:
            return _before("À compléter", request.due_at, now)
        return "Délai pour compléter dépassé"
    return {
        DossierStatus.submitted: "En attente de l'examen de recevabilité",
        DossierStatus.eligible: "En attente d'instruction",
        DossierStatus.in_review: "En cours d'instruction",
        DossierStatus.reviewed: "En attente de la commission",
        DossierStatus.accepted: "Convention à signer",
        DossierStatus.funded: "Bilan attendu",
    }.get(dossier.establishment_status(), "Aucune action attendue")


def shown_status(dossier):
    return status_shown_to(current_user, dossier)


def form_labels() -> dict:
    return structured.dossier_labels()
