"""Rules for dossiers. Each function checks the policy, changes models, audits and queues mail.

Functions take domain objects and plain data, never the request; they flush but never commit
(the view or CLI command commits once). A refused operation raises a ServiceError and leaves
the session unchanged for the caller to roll back.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, ServiceError
from portal.filetypes import check_upload
from portal.formatting import PARIS, format_datetime, format_money, parse_amount
from portal.mail import queue_mail
from portal.models import KIND_LABELS, Call, CallStatus, FIELDS, ReferenceCounter, Role, User
from portal.permissions import Permission, require, require_dossier
from portal.storage import get_store

from . import workflow
from .models import (EXPENSE_CATEGORIES, PARTNER_KINDS, RESOURCE_SOURCES, Action, Attachment,
                     BudgetLine, CompletionRequest, Dossier, DossierStatus, Indicator, Partner,
                     Submission)

TEXT_LIMITS = {"title": 200, "summary": 5000, "target_ages": 100, "target_levels": 200,
               "target_profile": 3000}
MAX_ROWS = 50  # repeatable rows per list: more is a mistake or an abuse


# ---------------------------------------------------------------- creation and editing

def create_dossier(user: User, call: Call, title: str = "", now: dt.datetime | None = None) -> Dossier:
    """A new draft of the user's establishment for an open call whose kinds include it."""
    require(user, Permission.CREATE_DOSSIER, call)
    now = now or utcnow()
    if not call.accepts_submissions(now):
        raise ServiceError("Cet appel à projets n'accepte pas de dossier en ce moment "
                           f"(date limite : {format_datetime(call.deadline_at)}).")
    establishment = user.establishment
    if establishment.kind.value not in call.eligible_kinds:
        raise ServiceError(f"Les établissements de type « {KIND_LABELS[establishment.kind]} » ne "
                           "sont pas éligibles à cet appel à projets.")
    title = (title or "").strip()
    if len(title) > TEXT_LIMITS["title"]:
        raise ServiceError("Le titre fait au plus 200 caractères.", field="title")
    dossier = Dossier(call=call, establishment=establishment, created_by=user, title=title,
                      status=DossierStatus.draft)
    db.session.add(dossier)
    audit.record(user, "dossier_created", dossier, {"call_id": call.id, "title": title})
    return dossier


def _require_editable(user: User, dossier: Dossier) -> None:
    """Readers get a clear 409 for a dossier no longer editable; others the policy's 404/403."""
    from portal.permissions import EDITABLE_STATES, can
    if (can(user, Permission.VIEW_DOSSIER, dossier)
            and dossier.status.value not in EDITABLE_STATES):
        raise Conflict(f"Ce dossier est « {dossier.status_label} » : il ne peut plus être modifié.")
    require_dossier(user, Permission.EDIT_DOSSIER, dossier)


def _check_version(dossier: Dossier, expected_version) -> None:
    if expected_version is not None and int(expected_version) != dossier.version:
        raise Conflict("Ce dossier a été modifié entre-temps (dans un autre onglet ou par un "
                       "collègue). Rechargez la page : vos dernières modifications n'ont pas été "
                       "enregistrées.")


def _text(data: dict, key: str, errors: dict) -> str:
    value = (data.get(key) or "").strip()
    limit = TEXT_LIMITS.get(key, 200)
    if len(value) > limit:
        errors[key] = f"Ce champ fait au plus {limit} caractères."
    return value


def _rows(data: dict, key: str, errors: dict) -> list[dict]:
    rows = data.get(key) or []
    if not isinstance(rows, list):
        errors[key] = "Liste attendue."
        return []
    if len(rows) > MAX_ROWS:
        errors[key] = f"Au plus {MAX_ROWS} lignes."
        return []
    # Rows left entirely blank (an empty repeatable row of the form) are dropped.
    return [r for r in rows if isinstance(r, dict) and any(str(v or "").strip() for v in r.values())]


def _date(value, field: str, errors: dict):
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = "Date invalide : utilisez le format JJ/MM/AAAA."
        return None


def _budget_lines(data: dict, key: str, kind: str, labels: dict, errors: dict) -> list[BudgetLine]:
    lines = []
    for i, row in enumerate(_rows(data, key, errors)):
        category = row.get("category") or row.get("source") or ""
        if category not in labels:
            errors[f"{key}-{i}-category"] = ("Choisissez une catégorie." if kind == "expense"
                                             else "Choisissez une source de financement.")
        try:
            amount = parse_amount(row.get("amount"))
        except ValueError as exc:
            errors[f"{key}-{i}-amount"] = str(exc)
            amount = None
        label = (row.get("label") or "").strip()
        if len(label) > 200:
            errors[f"{key}-{i}-label"] = "Ce libellé fait au plus 200 caractères."
        lines.append(BudgetLine(kind=kind, category=category, label=label, amount=amount,
                                position=i))
    return lines


def update_dossier(user: User, dossier: Dossier, data: dict, expected_version=None) -> Dossier:
    """Save any subset of the dossier's sections, half-filled or not; all or nothing.

    Keys: title, summary, main_axis, other_axes, fields, target_count, target_ages,
    target_levels, target_profile, partners, actions, indicators, expenses, resources.
    """
    _require_editable(user, dossier)
    _check_version(dossier, expected_version)
    errors: dict[str, str] = {}
    changes: dict = {}
    call = dossier.call
    axis_numbers = {a.number for a in call.axes}

    for key in ("title", "summary", "target_ages", "target_levels", "target_profile"):
        if key in data:
            changes[key] = _text(data, key, errors)
    if "main_axis" in data:
        value = data.get("main_axis")
        if value in (None, ""):
            changes["main_axis"] = None
        else:
            try:
                value = int(value)
            except (TypeError, ValueError):
                value = None
            if value not in axis_numbers:
                errors["main_axis"] = "Choisissez l'axe principal parmi les axes de l'appel."
            changes["main_axis"] = value
    if "other_axes" in data:
        try:
            others = sorted({int(v) for v in (data.get("other_axes") or [])})
        except (TypeError, ValueError):
            others = [-1]
        if not set(others) <= axis_numbers:
            errors["other_axes"] = "Les axes secondaires doivent être des axes de l'appel."
        changes["other_axes"] = others
    if "fields" in data:
        fields = sorted(set(data.get("fields") or []))
        allowed = set(call.fields or FIELDS)
        if not set(fields) <= allowed:
            errors["fields"] = "Choisissez les champs d'action parmi prévention, intervention, remédiation."
        changes["fields"] = fields
    if "target_count" in data:
        value = data.get("target_count")
        if value in (None, ""):
            changes["target_count"] = None
        else:
            try:
                value = int(value)
                if value < 0 or value > 100_000:
                    raise ValueError
                changes["target_count"] = value
            except (TypeError, ValueError):
                errors["target_count"] = "Indiquez un nombre de jeunes entre 0 et 100 000."

    new_children: dict[str, list] = {}
    if "partners" in data:
        partners = []
        for i, row in enumerate(_rows(data, "partners", errors)):
            name = (row.get("name") or "").strip()
            if not name or len(name) > 200:
                errors[f"partners-{i}-name"] = "Indiquez le nom du partenaire (200 caractères au plus)."
            kind = row.get("kind") or "other"
            if kind not in PARTNER_KINDS:
                errors[f"partners-{i}-kind"] = "Choisissez un type de partenaire."
            partners.append(Partner(name=name, kind=kind, role=(row.get("role") or "").strip()[:2000],
                                    position=i))
        new_children["partners"] = partners
    if "actions" in data:
        actions = []
        for i, row in enumerate(_rows(data, "actions", errors)):
            title = (row.get("title") or "").strip()
            if not title or len(title) > 200:
                errors[f"actions-{i}-title"] = "Donnez un intitulé à l'action (200 caractères au plus)."
            start = _date(row.get("start_date"), f"actions-{i}-start_date", errors)
            end = _date(row.get("end_date"), f"actions-{i}-end_date", errors)
            if start and end and end < start:
                errors[f"actions-{i}-end_date"] = "La date de fin précède la date de début."
            actions.append(Action(title=title, description=(row.get("description") or "").strip()[:5000],
                                  start_date=start, end_date=end, position=i))
        new_children["actions"] = actions
    if "indicators" in data:
        indicators = []
        for i, row in enumerate(_rows(data, "indicators", errors)):
            name = (row.get("name") or "").strip()
            if not name or len(name) > 200:
                errors[f"indicators-{i}-name"] = "Nommez l'indicateur (200 caractères au plus)."
            indicators.append(Indicator(name=name, baseline=str(row.get("baseline") or "").strip()[:100],
                                        target=str(row.get("target") or "").strip()[:100], position=i))
        new_children["indicators"] = indicators
    budget_keys = {"expenses", "resources"} & set(data)
    if budget_keys:
        expenses = (_budget_lines(data, "expenses", "expense", EXPENSE_CATEGORIES, errors)
                    if "expenses" in data else [BudgetLine(kind=b.kind, category=b.category,
                                                           label=b.label, amount=b.amount,
                                                           position=b.position)
                                                for b in dossier.expenses])
        resources = (_budget_lines(data, "resources", "resource", RESOURCE_SOURCES, errors)
                     if "resources" in data else [BudgetLine(kind=b.kind, category=b.category,
                                                             label=b.label, amount=b.amount,
                                                             position=b.position)
                                                  for b in dossier.resources])
        new_children["budget_lines"] = expenses + resources

    if errors:
        raise ServiceError("Le dossier n'a pas été enregistré : corrigez les champs signalés.",
                           errors=errors)

    before = {k: getattr(dossier, k) for k in changes}
    for key, value in changes.items():
        setattr(dossier, key, value)
    child_changes = {}
    for key, rows in new_children.items():
        old_rows = [_row_values(r) for r in getattr(dossier, key)]
        new_rows = [_row_values(r) for r in rows]
        if old_rows != new_rows:
            child_changes[key] = [old_rows, new_rows]
        setattr(dossier, key, rows)
    dossier.updated_at = utcnow()
    diff = audit.diff(before, changes)
    diff.update(child_changes)
    audit.record(user, "dossier_updated", dossier, diff)
    db.session.flush()
    return dossier


def _row_values(row) -> dict:
    """A repeatable row's user-visible values, for the audit trail's before/after."""
    skip = {"id", "dossier_id", "position"}
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}


# ---------------------------------------------------------------- attachments

def add_attachment(user: User, dossier: Dossier, filename: str, data: bytes,
                   kind_id: int | None = None) -> Attachment:
    """Store a file whose content is one of the accepted formats and matches its extension."""
    _require_editable(user, dossier)
    checked = check_upload(filename, data)
    filename = checked.filename
    kind = None
    if kind_id not in (None, ""):
        kind = next((k for k in dossier.call.attachment_kinds if str(k.id) == str(kind_id).strip()),
                    None)
        if kind is None:
            raise ServiceError("Choisissez le type de pièce parmi ceux que demande l'appel.",
                               field="kind_id")
    sha = checked.sha256
    key = f"dossiers/{dossier.id}/{uuid.uuid4().hex}"
    attachment = Attachment(kind=kind, filename=filename,
                            content_type=checked.content_type, size=checked.size, sha256=sha,
                            storage_key=key, uploaded_by=user)
    get_store().put(key, data, attachment.content_type)
    dossier.attachments.append(attachment)
    dossier.updated_at = utcnow()
    db.session.flush()
    audit.record(user, "attachment_added", dossier,
                 {"attachment_id": attachment.id, "filename": filename, "sha256": sha,
                  "kind": kind.label if kind else None})
    return attachment


def remove_attachment(user: User, attachment: Attachment) -> None:
    dossier = db.session.get(Dossier, attachment.dossier_id)
    _require_editable(user, dossier)
    dossier.attachments.remove(attachment)
    dossier.updated_at = utcnow()
    audit.record(user, "attachment_removed", dossier,
                 {"attachment_id": attachment.id, "filename": attachment.filename})
    # The bytes stay in the store: a snapshot of an earlier submission may refer to them.


def read_attachment(user: User, attachment: Attachment) -> bytes:
    dossier = db.session.get(Dossier, attachment.dossier_id)
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    return get_store().get(attachment.storage_key)


# ---------------------------------------------------------------- submission

def submission_blockers(dossier: Dossier, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """What still prevents submission: (field anchor, French message), in the form's order."""
    now = now or utcnow()
    call = dossier.call
    out: list[tuple[str, str]] = []
    request = dossier.open_completion_request if dossier.status == DossierStatus.incomplete else None
    if request is not None:
        if now >= request.due_at:
            out.append(("", "Le délai accordé pour compléter le dossier est passé "
                            f"({format_datetime(request.due_at)})."))
    elif not call.accepts_submissions(now):
        out.append(("", "La date limite de dépôt est passée "
                        f"({format_datetime(call.deadline_at)}) : le dossier ne peut plus être déposé."
                    if now >= call.deadline_at else "L'appel à projets n'est pas ouvert."))
    if dossier.establishment.kind.value not in call.eligible_kinds:
        out.append(("", f"Les établissements de type « {dossier.establishment.kind_label} » ne sont "
                        "pas éligibles à cet appel."))
    if not dossier.title:
        out.append(("title", "Donnez un titre au projet."))
    if not dossier.summary:
        out.append(("summary", "Rédigez le résumé du projet."))
    if dossier.main_axis is None:
        out.append(("main_axis", "Choisissez l'axe principal."))
    if not dossier.fields:
        out.append(("fields", "Choisissez au moins un champ d'action."))
    if dossier.target_count is None:
        out.append(("target_count", "Indiquez le nombre de jeunes concernés."))
    if not dossier.actions:
        out.append(("actions", "Décrivez au moins une action."))
    if not dossier.indicators:
        out.append(("indicators", "Indiquez au moins un indicateur d'évaluation."))
    if not dossier.expenses:
        out.append(("expenses", "Le budget ne comporte aucune dépense."))
    difference = dossier.total_resources - dossier.total_expenses
    if difference > 0:
        out.append(("resources", "Le budget n'est pas équilibré : les recettes dépassent les "
                                 f"dépenses de {format_money(difference)}."))
    elif difference < 0:
        out.append(("resources", "Le budget n'est pas équilibré : les dépenses dépassent les "
                                 f"recettes de {format_money(-difference)}."))
    requested = dossier.requested_total
    if requested == 0 and dossier.expenses:
        out.append(("resources", "Indiquez le montant demandé à la Région ou au rectorat."))
    if requested > call.max_amount:
        out.append(("resources", f"La subvention demandée ({format_money(requested)}) dépasse le "
                                 f"maximum de l'appel ({format_money(call.max_amount)})."))
    present = {a.kind_id for a in dossier.attachments}
    for kind in call.required_attachment_kinds:
        if kind.id not in present:
            out.append(("attachments", f"Pièce obligatoire manquante : {kind.label}."))
    return out


def snapshot_of(dossier: Dossier) -> dict:
    """Everything the establishment commits to, in a stable, JSON-ready form."""
    return {
        "dossier_id": dossier.id,
        "call_id": dossier.call_id,
        "establishment": {"uai": dossier.establishment.uai, "name": dossier.establishment.name},
        "title": dossier.title,
        "summary": dossier.summary,
        "main_axis": dossier.main_axis,
        "other_axes": list(dossier.other_axes or []),
        "fields": list(dossier.fields or []),
        "target": {"count": dossier.target_count, "ages": dossier.target_ages,
                   "levels": dossier.target_levels, "profile": dossier.target_profile},
        "partners": [{"name": p.name, "kind": p.kind, "role": p.role} for p in dossier.partners],
        "actions": [{"title": a.title, "description": a.description,
                     "start_date": a.start_date.isoformat() if a.start_date else None,
                     "end_date": a.end_date.isoformat() if a.end_date else None}
                    for a in dossier.actions],
        "indicators": [{"name": i.name, "baseline": i.baseline, "target": i.target}
                       for i in dossier.indicators],
        "expenses": [{"category": b.category, "label": b.label, "amount": str(b.amount)}
                     for b in dossier.expenses],
        "resources": [{"source": b.category, "label": b.label, "amount": str(b.amount)}
                      for b in dossier.resources],
        "totals": {"expenses": str(dossier.total_expenses),
                   "resources": str(dossier.total_resources),
                   "requested_region": str(dossier.requested("region")),
                   "requested_state": str(dossier.requested("state"))},
        # The storage key stays reachable even if the attachment is removed after a completion
        # request: each submission's files can be found again.
        "attachments": [{"filename": a.filename, "sha256": a.sha256, "size": a.size,
                         "kind": a.kind.label if a.kind else None, "storage_key": a.storage_key}
                        for a in dossier.attachments],
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
    stmt = (insert(ReferenceCounter).values(year=call.year, last=1)
            .on_conflict_do_update(index_elements=["year"],
                                   set_={"last": ReferenceCounter.last + 1})
            .returning(ReferenceCounter.last))
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
        raise Conflict(f"Ce dossier a déjà été déposé le {format_datetime(dossier.submitted_at)} "
                       f"sous la référence {dossier.reference}.")
    workflow.next_state(dossier, "submit")
    require(user, Permission.SUBMIT_DOSSIER, dossier,  # staff who is not the head: 403, logged
            message="Seul le chef d'établissement peut déposer le dossier.")
    blockers = submission_blockers(dossier, now)
    if blockers:
        raise ServiceError("Le dossier ne peut pas être déposé : " +
                           " ".join(msg for _, msg in blockers),
                           errors={anchor or "__all__": msg for anchor, msg in reversed(blockers)})
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
    submission = Submission(number=len(dossier.submissions) + 1, submitted_at=now,
                            submitted_by=user, snapshot=snapshot,
                            snapshot_sha256=snapshot_hash(snapshot))
    dossier.submissions.append(submission)
    db.session.flush()
    audit.record(user, "dossier_submitted", dossier,
                 {"status": [before.value, dossier.status.value], "reference": dossier.reference,
                  "submission": submission.number, "sha256": submission.snapshot_sha256})
    notify_establishment(dossier, f"Dossier {dossier.reference} déposé",
            f"Le dossier « {dossier.title} » de {dossier.establishment.name} a été déposé le "
            f"{format_datetime(now)} par {user.full_name}.\n\nRéférence : {dossier.reference}\n"
            f"Empreinte SHA-256 du dossier déposé : {submission.snapshot_sha256}\n\n"
            "Le récépissé est disponible sur le portail.")
    return submission


COMPLETION_DAYS = 15


def request_completion(user: User, dossier: Dossier, message: str,
                       due_at: dt.datetime | None = None,
                       now: dt.datetime | None = None) -> CompletionRequest:
    """A call administrator sends a submitted dossier back to the establishment, saying why.

    The establishment may resubmit until `due_at` (default: 15 days, at 23:59 Paris time), even
    when the call's deadline has passed meanwhile.
    """
    now = now or utcnow()
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    workflow.next_state(dossier, "request_completion")
    require(user, Permission.REQUEST_COMPLETION, dossier)
    message = (message or "").strip()
    if not message:
        raise ServiceError("Indiquez ce que l'établissement doit compléter.", field="message")
    if len(message) > 5000:
        raise ServiceError("Le message fait au plus 5 000 caractères.", field="message")
    if due_at is None:
        day = (now + dt.timedelta(days=COMPLETION_DAYS)).astimezone(PARIS).date()
        due_at = dt.datetime.combine(day, dt.time(23, 59), tzinfo=PARIS).astimezone(dt.timezone.utc)
    if due_at <= now:
        raise ServiceError("Le délai pour compléter doit être dans le futur.", field="due_at")
    before, _ = workflow.transition(dossier, "request_completion")
    req = CompletionRequest(message=message, requested_by=user, requested_at=now, due_at=due_at)
    dossier.completion_requests.append(req)
    db.session.flush()
    audit.record(user, "completion_requested", dossier,
                 {"status": [before.value, dossier.status.value], "message": message})
    notify_establishment(dossier, f"Dossier {dossier.reference} : compléments demandés",
            f"Le gestionnaire de l'appel à projets demande de compléter le dossier "
            f"« {dossier.title} » :\n\n{message}\n\nModifiez le dossier sur le portail puis "
            f"déposez-le à nouveau avant le {format_datetime(due_at)}.")
    return req


def withdraw_dossier(user: User, dossier: Dossier, reason: str = "") -> Dossier:
    require_dossier(user, Permission.VIEW_DOSSIER, dossier)
    workflow.next_state(dossier, "withdraw")
    require(user, Permission.WITHDRAW_DOSSIER, dossier)
    before, _ = workflow.transition(dossier, "withdraw")
    reason = (reason or "").strip()[:2000]
    db.session.flush()
    audit.record(user, "dossier_withdrawn", dossier,
                 {"status": [before.value, dossier.status.value], "reason": reason})
    notify_establishment(dossier, f"Dossier « {dossier.title or 'sans titre'} » retiré",
            f"Le dossier « {dossier.title or 'sans titre'} » a été retiré par {user.full_name}."
            + (f"\n\nMotif : {reason}" if reason else ""))
    return dossier


def notify_establishment(dossier: Dossier, subject: str, body: str) -> None:
    """Queue a message to every active applicant of the dossier's establishment."""
    recipients = db.session.scalars(
        select(User).where(User.establishment_id == dossier.establishment_id, User.active.is_(True))
    ).all()
    for person in recipients:
        if person.has_role(Role.applicant_staff, Role.applicant_head):
            queue_mail(person.email, subject, body)


def get_submission(dossier: Dossier, number: int | None = None) -> Submission | None:
    if not dossier.submissions:
        return None
    if number is None:
        return dossier.submissions[-1]
    return next((s for s in dossier.submissions if s.number == number), None)


def open_calls(now: dt.datetime | None = None) -> list[Call]:
    now = now or utcnow()
    calls = db.session.scalars(select(Call).where(Call.status == CallStatus.open)
                               .order_by(Call.deadline_at)).all()
    return [c for c in calls if c.opens_at <= now < c.deadline_at]
