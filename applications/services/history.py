"""A dossier's history, read from the audit trail: who did what and when, with the fields that
changed (before → after) where the audit row carries them.

The call office (VIEW_FULL_HISTORY) reads every event of the dossier. Everyone else who reads the
dossier — its establishment first — reads only the events of `SHARED_EVENTS`, an allow-list,
each with only the changed fields it names, and the call office's people as "the call office":
no reviewer, no score, no internal note, no screening internals ever reach them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.db import db
from portal.models import AuditEvent
from portal.permissions import Permission, can

from ..models import UNDISCLOSED, Dossier, DossierStatus
from ..policy import is_member, require_dossier

OFFICE = "Gestionnaire de l'appel à projets"

# Events anyone reading the dossier may see: label, and the changed fields shown with it.
SHARED_EVENTS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "dossier_created": ("Dossier créé", ("title",)),
    "dossier_updated": ("Dossier modifié", None),  # every field: the establishment's own content
    "attachment_added": ("Pièce jointe ajoutée", ("filename", "kind")),
    "attachment_removed": ("Pièce jointe retirée", ("filename",)),
    "dossier_submitted": ("Dossier déposé", ("status", "reference", "submission")),
    "completion_requested": ("Compléments demandés", ("status", "message")),
    "dossier_withdrawn": ("Dossier retiré", ("status",)),
    "message_posted": ("Message envoyé", ("attachment",)),
    "dossier_funded": ("Dossier conventionné", ("status",)),
    "dossier_reporting": ("Bilan déposé", ("status",)),
    "dossier_closed": ("Dossier soldé", ("status",)),
}
# The call office's own events, labelled (any other action shows its code).
OFFICE_EVENTS = {
    "dossier_screened": "Recevabilité examinée",
    "reviewers_assigned": "Évaluateurs affectés",
    "assignment_removed": "Affectation retirée",
    "conflict_declared": "Conflit d'intérêts déclaré",
    "dossier_reviewed": "Instruction terminée",
    "dossier_review_reopened": "Instruction rouverte",
    "commitment_refused": "Engagement refusé",
    "dossier_renounced": "Renonciation enregistrée",
    "note_added": "Note interne ajoutée",
}
FIELD_LABELS = {
    "title": "Titre",
    "summary": "Résumé",
    "main_axis": "Axe principal",
    "other_axes": "Autres axes",
    "fields": "Champs",
    "target_count": "Nombre de jeunes",
    "target_ages": "Âges",
    "target_levels": "Niveaux",
    "target_profile": "Profil des jeunes",
    "partners": "Partenaires",
    "actions": "Actions",
    "indicators": "Indicateurs",
    "budget_lines": "Budget",
    "status": "Statut",
    "reference": "Référence",
    "submission": "Dépôt n°",
    "message": "Message",
    "filename": "Fichier",
    "kind": "Type de pièce",
    "attachment": "Pièce jointe",
    "reason": "Motif",
}


@dataclass
class HistoryEvent:
    at: dt.datetime
    label: str
    actor: str
    changes: list[tuple[str, str | None, str]] = field(
        default_factory=list
    )  # (field, before, after)


def _status_label(value, shared: bool) -> str:
    try:
        status = DossierStatus(value)
    except ValueError:
        return str(value)
    if shared and status in UNDISCLOSED:
        status = DossierStatus.in_review
    return status.label


def _shown(value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return f"{len(value)} ligne(s)"
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return f"{len(value)} valeur(s)"
    text = str(value)
    return text if len(text) <= 300 else text[:299] + "…"


def _changes(raw: dict, keys, shared: bool, pairs: bool) -> list[tuple[str, str | None, str]]:
    """(field, before or None, after) per change; `pairs`: every value is [before, after] (an
    update's diff), otherwise only the status is."""
    out = []
    for key, value in (raw or {}).items():
        if keys is not None and key not in keys:
            continue
        label = FIELD_LABELS.get(key, key)
        if (pairs or key == "status") and isinstance(value, list) and len(value) == 2:
            before, after = value
            if key == "status":
                out.append((label, _status_label(before, shared), _status_label(after, shared)))
            else:
                out.append((label, _shown(before), _shown(after)))
        else:
            out.append((label, None, _shown(value)))
    return out


def history_of(user, dossier: Dossier) -> list[HistoryEvent]:
    """The dossier's events this person may read, oldest first (one query)."""
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    full = can(user, Permission.VIEW_FULL_HISTORY, dossier)
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.object_type == "dossier", AuditEvent.object_id == dossier.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    if not full:
        query = query.where(AuditEvent.action.in_(sorted(SHARED_EVENTS)))
    events = []
    for row in db.session.scalars(query):
        label, keys = SHARED_EVENTS.get(row.action, (OFFICE_EVENTS.get(row.action), None))
        actor = row.actor
        if actor is None:
            who = "Le portail"
        elif full or is_member(actor, dossier):
            who = actor.full_name
        else:
            who = OFFICE
        events.append(
            HistoryEvent(
                at=row.at,
                label=label or row.action,
                actor=who,
                changes=_changes(
                    row.changes, keys, shared=not full, pairs=row.action == "dossier_updated"
                ),
            )
        )
    return events
