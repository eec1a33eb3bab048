"""What every dossier page shares: loading a dossier under the policy, the establishment's next
step, the state a reader may know, the labels of the form's choices."""

from __future__ import annotations

from flask_login import current_user

from portal.db import utcnow
from portal.formatting import format_date
from portal.models import FIELDS
from portal.permissions import Permission
from portal.web import load

from ..models import EXPENSE_CATEGORIES, PARTNER_KINDS, RESOURCE_SOURCES, Dossier, DossierStatus
from ..policy import status_shown_to

SAVED = "Les modifications ont été enregistrées."


def load_dossier(dossier_id: int, permission: Permission = Permission.VIEW_DOSSIER) -> Dossier:
    """The dossier if the current user may read it (404 otherwise: existence is confidential),
    then `permission` on it (403 for a reader lacking it)."""
    return load(Dossier, dossier_id, permission)


def next_action(dossier: Dossier, now=None) -> str:
    """What the establishment has to do next, in a few words."""
    now = now or utcnow()
    deadline = format_date(dossier.call.deadline_at)
    open_now = dossier.call.accepts_submissions(now)
    if dossier.status == DossierStatus.draft:
        return f"À déposer avant le {deadline}" if open_now else "Date limite de dépôt dépassée"
    if dossier.status == DossierStatus.incomplete:
        request = dossier.open_completion_request
        if request is not None and now < request.due_at:
            return f"À compléter avant le {format_date(request.due_at)}"
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
    return {
        "expense": EXPENSE_CATEGORIES,
        "resource": RESOURCE_SOURCES,
        "partner": PARTNER_KINDS,
        "fields": FIELDS,
    }
