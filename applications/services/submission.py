"""Submission: what still blocks it, the frozen snapshot and its hash, the dossier's reference."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal import audit
from portal.calls.deadlines import late_contact, require_not_archived
from portal.db import db, utcnow
from portal.errors import Conflict, ServiceError
from portal.formatting import format_datetime, format_money
from portal.models import Call, ReferenceCounter, User
from portal.permissions import Permission, require

from .. import workflow
from ..models import Dossier, DossierStatus, Submission
from ..policy import require_dossier
from . import structured
from .notifications import notify_establishment

# The anchor of the blockers nobody can correct in the dossier: the time to submit is over.
DEADLINE = "deadline"


def submission_blockers(dossier: Dossier, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """What still prevents submission: (field anchor, French message), in the form's order."""
    now = now or utcnow()
    call = dossier.call
    out: list[tuple[str, str]] = []
    request = (
        dossier.open_completion_request if dossier.status == DossierStatus.incomplete else None
    )
    if request is not None:
        if now >= request.due_at:
            out.append(
                (
                    DEADLINE,
                    "Le délai accordé pour compléter le dossier est passé "
                    f"({format_datetime(request.due_at)}).",
                )
            )
    elif call.submission_end_for(dossier.establishment_id, now) is None:
        out.append(
            (
                DEADLINE,
                "La date limite de dépôt est passée "
                f"({format_datetime(call.deadline_at)}) : le dossier ne peut plus être déposé."
                if now >= call.deadline_at
                else "L'appel à projets n'est pas ouvert.",
            )
        )
    if dossier.establishment.is_closed:
        out.append(
            (
                "",
                f"L'établissement {dossier.establishment.name} est fermé selon l'annuaire "
                "de l'éducation : il ne peut plus déposer de dossier.",
            )
        )
    if dossier.establishment.kind.value not in call.eligible_kinds:
        out.append(
            (
                "",
                f"Les établissements de type « {dossier.establishment.kind_label} » ne sont "
                "pas éligibles à cet appel.",
            )
        )
    if not dossier.title:
        out.append(("title", "Donnez un titre au projet."))
    if not dossier.summary:
        out.append(("summary", "Rédigez le résumé du projet."))
    if dossier.main_axis is None:
        out.append(("main_axis", "Choisissez l'axe principal."))
    if not dossier.fields:
        out.append(("fields", "Choisissez au moins un champ d'action."))
    if dossier.target_count is None:
        out.append(
            (
                "target_count",
                "Indiquez le nombre de jeunes concernés, par catégorie et tranche d'âge.",
            )
        )
    if not dossier.actions:
        out.append(("actions", "Décrivez au moins une action."))
    if not dossier.indicators:
        out.append(("indicators", "Indiquez au moins un indicateur d'évaluation."))
    for i in dossier.indicators:
        # Older dossiers gave free text; a new indicator gives its starting value and target.
        if (i.baseline_value is None or i.target_value is None) and not (i.baseline or i.target):
            out.append(
                (
                    "indicators",
                    f"Indiquez la valeur de départ et la valeur cible de l'indicateur « {i.name} ».",
                )
            )
    if not dossier.expenses:
        out.append(("expenses", "Le budget ne comporte aucune dépense."))
    difference = dossier.total_resources - dossier.total_expenses
    if difference > 0:
        out.append(
            (
                "resources",
                "Le budget n'est pas équilibré : les recettes dépassent les "
                f"dépenses de {format_money(difference)}.",
            )
        )
    elif difference < 0:
        out.append(
            (
                "resources",
                "Le budget n'est pas équilibré : les dépenses dépassent les "
                f"recettes de {format_money(-difference)}.",
            )
        )
    requested = dossier.requested_total
    if requested == 0 and dossier.expenses:
        out.append(("resources", "Indiquez le montant demandé à la Région ou au rectorat."))
    if requested > call.max_amount:
        out.append(
            (
                "resources",
                f"La subvention demandée ({format_money(requested)}) dépasse le "
                f"maximum de l'appel ({format_money(call.max_amount)}).",
            )
        )
    present = {a.kind_id for a in dossier.attachments}
    for kind in call.required_attachment_kinds:
        if kind.id not in present:
            out.append(("attachments", f"Pièce obligatoire manquante : {kind.label}."))
    return out


def snapshot_of(dossier: Dossier) -> dict:
    """Everything the establishment commits to, in a stable, JSON-ready form. Labels of the
    reference lists (themes, partner kinds) are frozen with their codes: a later rename or
    deactivation does not change what was submitted."""
    kinds = structured.partner_kind_labels()
    return {
        "dossier_id": dossier.id,
        "call_id": dossier.call_id,
        "establishment": {"uai": dossier.establishment.uai, "name": dossier.establishment.name},
        "title": dossier.title,
        "summary": dossier.summary,
        "main_axis": dossier.main_axis,
        "other_axes": list(dossier.other_axes or []),
        "fields": list(dossier.fields or []),
        "target": {
            "count": dossier.target_count,
            "ages": dossier.target_ages,
            "levels": dossier.target_levels,
            "profile": dossier.target_profile,
        },
        "targets": structured.target_rows(dossier),
        "themes": [{"code": t.code, "label": t.label} for t in dossier.themes],
        "partners": [
            {
                "name": p.name,
                "kind": p.kind,
                "kind_label": kinds.get(p.kind, p.kind),
                "role": p.role,
            }
            for p in dossier.partners
        ],
        "actions": [
            {
                "title": a.title,
                "description": a.description,
                "start_date": a.start_date.isoformat() if a.start_date else None,
                "end_date": a.end_date.isoformat() if a.end_date else None,
            }
            for a in dossier.actions
        ],
        "indicators": [structured.indicator_row(i) for i in dossier.indicators],
        "expenses": [
            {"category": b.category, "label": b.label, "amount": str(b.amount)}
            for b in dossier.expenses
        ],
        "resources": [
            {"source": b.category, "label": b.label, "amount": str(b.amount)}
            for b in dossier.resources
        ],
        "totals": {
            "expenses": str(dossier.total_expenses),
            "resources": str(dossier.total_resources),
            "requested_region": str(dossier.requested("region")),
            "requested_state": str(dossier.requested("state")),
        },
        # The storage key stays reachable even if the attachment is removed after a completion
        # request: each submission's files can be found again.
        "attachments": [
            {
                "filename": a.filename,
                "sha256": a.sha256,
                "size": a.size,
                "kind": a.kind.label if a.kind else None,
                "storage_key": a.storage_key,
            }
            for a in dossier.attachments
        ],
    }


def snapshot_hash(snapshot: dict) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _next_reference(call: Call) -> str:
    """The next AAP-<year>-<nnnn>, counted per year across calls.

    The upsert takes the counter row's lock, so concurrent submissions get distinct numbers, and a
    rolled-back submission gives its number back.
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(ReferenceCounter)
        .values(year=call.year, last=1)
        .on_conflict_do_update(index_elements=["year"], set_={"last": ReferenceCounter.last + 1})
        .returning(ReferenceCounter.last)
    )
    seq = db.session.execute(stmt).scalar_one()
    return f"AAP-{call.year}-{seq:04d}"


def submit_dossier(user: User, dossier: Dossier, now: dt.datetime | None = None) -> Submission:
    """Submit once: checks every rule, freezes a snapshot, numbers the dossier, emails.

    A second submit of an already submitted dossier raises Conflict and creates nothing; two
    concurrent submits race on the dossier's version, and only one commits.
    """
    now = now or utcnow()
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    if dossier.status == DossierStatus.submitted:
        raise Conflict(
            f"Ce dossier a déjà été déposé le {format_datetime(dossier.submitted_at)} "
            f"sous la référence {dossier.reference}."
        )
    workflow.next_state(dossier, "submit")
    require(
        user,
        Permission.SUBMIT_DOSSIER,
        dossier,  # staff who is not the head: 403, logged
        message="Seul le chef d'établissement peut déposer le dossier.",
    )
    require_not_archived(dossier.call)
    blockers = submission_blockers(dossier, now)
    late = [msg for anchor, msg in blockers if anchor == DEADLINE]
    if late:  # nothing in the dossier can be corrected: say so, and whom to ask
        message = f"{late[0]} {late_contact()}"
        raise ServiceError(message, errors={DEADLINE: message})
    if blockers:
        raise ServiceError(
            "Le dossier ne peut pas être déposé : " + " ".join(msg for _, msg in blockers),
            errors={anchor or "__all__": msg for anchor, msg in reversed(blockers)},
        )
    if dossier.reference is None:
        dossier.reference = _next_reference(dossier.call)
    before, _ = workflow.transition(dossier, "submit")
    dossier.submitted_at = now
    open_request = dossier.open_completion_request
    if open_request is not None:
        open_request.answered_at = now
    snapshot = snapshot_of(dossier)
    snapshot["reference"] = dossier.reference
    snapshot["submitted_at"] = now.isoformat()
    submission = Submission(
        number=len(dossier.submissions) + 1,
        submitted_at=now,
        submitted_by=user,
        snapshot=snapshot,
        snapshot_sha256=snapshot_hash(snapshot),
    )
    dossier.submissions.append(submission)
    db.session.flush()
    audit.record(
        user,
        "dossier_submitted",
        dossier,
        {
            "status": [before.value, dossier.status.value],
            "reference": dossier.reference,
            "submission": submission.number,
            "sha256": submission.snapshot_sha256,
        },
    )
    notify_establishment(
        dossier,
        f"Dossier {dossier.reference} déposé",
        f"Le dossier « {dossier.title} » de {dossier.establishment.name} a été déposé le "
        f"{format_datetime(now)} par {user.full_name}.\n\nRéférence : {dossier.reference}\n"
        f"Empreinte SHA-256 du dossier déposé : {submission.snapshot_sha256}\n\n"
        f"Le récépissé (PDF) : {_receipt_url(dossier, submission)}\n"
        "(connexion au portail nécessaire)",
    )
    return submission


def _receipt_url(dossier: Dossier, submission: Submission) -> str:
    """The receipt's address on the portal (built without a request: the demo submits too)."""
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    return f"{base}/dossiers/{dossier.id}/recepisse/{submission.number}"


def get_submission(dossier: Dossier, number: int | None = None) -> Submission | None:
    if not dossier.submissions:
        return None
    if number is None:
        return dossier.submissions[-1]
    return next((s for s in dossier.submissions if s.number == number), None)
