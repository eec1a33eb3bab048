"""Drafting a dossier: its creation, and saving any subset of its sections (all or nothing).

Functions take domain objects and plain data, never the request; they flush but never commit
(the view or CLI command commits once). A refused operation raises a ServiceError and leaves
the session unchanged for the caller to roll back.
"""

from __future__ import annotations

import datetime as dt

from portal import audit
from portal.calls.deadlines import require_not_archived
from portal.db import db, utcnow
from portal.errors import Conflict, ServiceError
from portal.formatting import format_datetime, parse_amount
from portal.inputs import column_limit, date_problem, length_problem
from portal.models import FIELDS, KIND_LABELS, Call, User
from portal.permissions import Permission, can, require

from ..models import (
    EXPENSE_CATEGORIES,
    RESOURCE_SOURCES,
    Action,
    BudgetLine,
    Dossier,
    DossierStatus,
    Partner,
)
from ..policy import EDITABLE_STATES, require_dossier
from . import structured

# Lengths of the columns where there is one; texts (Text columns) have the portal's own limits.
TEXT_LIMITS = {
    "title": column_limit(Dossier.title),
    "summary": 5000,
    "target_ages": column_limit(Dossier.target_ages),
    "target_levels": column_limit(Dossier.target_levels),
    "target_profile": 3000,
    "partners-role": 2000,
    "actions-description": 5000,
}
MAX_ROWS = 50  # repeatable rows per list: more is a mistake or an abuse


def _copies(lines) -> list[BudgetLine]:
    """Fresh copies of budget lines the update leaves as they are (the list is rebuilt whole)."""
    return [
        BudgetLine(
            kind=b.kind, category=b.category, label=b.label, amount=b.amount, position=b.position
        )
        for b in lines
    ]


def create_dossier(
    user: User, call: Call, title: str = "", now: dt.datetime | None = None
) -> Dossier:
    """A new draft of the user's establishment for an open call whose kinds include it."""
    require(user, Permission.CREATE_DOSSIER, call)
    now = now or utcnow()
    require_not_archived(call)
    if call.submission_end_for(user.establishment_id, now) is None:
        raise ServiceError(
            "Cet appel à projets n'accepte pas de dossier en ce moment "
            f"(date limite : {format_datetime(call.deadline_at)})."
        )
    establishment = user.establishment
    establishment.require_open()
    if establishment.kind.value not in call.eligible_kinds:
        raise ServiceError(
            f"Les établissements de type « {KIND_LABELS[establishment.kind]} » ne "
            "sont pas éligibles à cet appel à projets."
        )
    title = (title or "").strip()
    if len(title) > TEXT_LIMITS["title"]:
        raise ServiceError("Le titre fait au plus 200 caractères.", field="title")
    dossier = Dossier(
        call=call,
        establishment=establishment,
        created_by=user,
        title=title,
        status=DossierStatus.draft,
    )
    db.session.add(dossier)
    audit.record(user, "dossier_created", dossier, {"call_id": call.id, "title": title})
    return dossier


def require_editable(user: User, dossier: Dossier) -> None:
    """Readers get a clear 409 for a dossier no longer editable; others the policy's 404/403."""
    if can(user, Permission.VIEW_DOSSIER, dossier) and dossier.status.value not in EDITABLE_STATES:
        raise Conflict(f"Ce dossier est « {dossier.status_label} » : il ne peut plus être modifié.")
    require_dossier(user, Permission.EDIT_DOSSIER, dossier)


def _check_version(dossier: Dossier, expected_version) -> None:
    if expected_version is not None and int(expected_version) != dossier.version:
        raise Conflict(
            "Ce dossier a été modifié entre-temps (dans un autre onglet ou par un "
            "collègue). Rechargez la page : vos dernières modifications n'ont pas été "
            "enregistrées."
        )


def _text(data: dict, key: str, errors: dict) -> str:
    value = (data.get(key) or "").strip()
    problem = length_problem(value, TEXT_LIMITS.get(key, 200))
    if problem:
        errors[key] = problem
    return value


def _row_text(row: dict, name: str, key: str, index: int, errors: dict) -> str:
    """A row's text (`partners`, `role`), refused (never cut) beyond its limit."""
    value = str(row.get(key) or "").strip()
    problem = length_problem(value, TEXT_LIMITS[f"{name}-{key}"])
    if problem:
        errors[f"{name}-{index}-{key}"] = problem
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
    return [
        r for r in rows if isinstance(r, dict) and any(str(v or "").strip() for v in r.values())
    ]


def _date(value, field: str, errors: dict, call: Call | None = None):
    """A date (or None), within the call's plausible window (`portal.inputs.call_window`)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            errors[field] = "Date invalide : utilisez le format JJ/MM/AAAA."
            return None
    problem = date_problem(day, call)
    if problem:
        errors[field] = problem
    return day


def _budget_lines(data: dict, key: str, kind: str, labels: dict, errors: dict) -> list[BudgetLine]:
    lines = []
    for i, row in enumerate(_rows(data, key, errors)):
        category = row.get("category") or row.get("source") or ""
        if category not in labels:
            errors[f"{key}-{i}-category"] = (
                "Choisissez une catégorie."
                if kind == "expense"
                else "Choisissez une source de financement."
            )
        try:
            amount = parse_amount(row.get("amount"))
        except ValueError as exc:
            errors[f"{key}-{i}-amount"] = str(exc)
            amount = None
        label = (row.get("label") or "").strip()
        if len(label) > 200:
            errors[f"{key}-{i}-label"] = "Ce libellé fait au plus 200 caractères."
        lines.append(
            BudgetLine(kind=kind, category=category, label=label, amount=amount, position=i)
        )
    return lines


def update_dossier(user: User, dossier: Dossier, data: dict, expected_version=None) -> Dossier:
    """Save any subset of the dossier's sections, half-filled or not; all or nothing.

    Keys: title, summary, main_axis, other_axes, fields, targets (target_count is their sum;
    alone, only for a dossier without targets), target_ages, target_levels, target_profile,
    themes, partners, actions, indicators, expenses, resources.
    """
    require_editable(user, dossier)
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
            errors["fields"] = (
                "Choisissez les champs d'action parmi prévention, intervention, remédiation."
            )
        changes["fields"] = fields
    new_children: dict[str, list] = {}
    if "targets" in data:
        targets, total = structured.parse_targets(data, errors)
        new_children["targets"] = targets
        changes["target_count"] = total
    elif "target_count" in data:
        if dossier.targets:
            errors["target_count"] = (
                "Le nombre de jeunes est la somme du tableau par catégorie et tranche d'âge : "
                "modifiez le tableau (targets)."
            )
        value = data.get("target_count")
        if value in (None, ""):
            changes["target_count"] = None
        else:
            number, problem = structured.count_problem(value)
            if problem:
                errors["target_count"] = problem
            changes["target_count"] = number
    themes = None
    if "themes" in data:
        themes = structured.parse_themes(data, dossier, errors)
    if "partners" in data:
        kinds = structured.allowed_partner_kinds(dossier)
        partners = []
        for i, row in enumerate(_rows(data, "partners", errors)):
            name = (row.get("name") or "").strip()
            if not name or len(name) > 200:
                errors[f"partners-{i}-name"] = (
                    "Indiquez le nom du partenaire (200 caractères au plus)."
                )
            kind = row.get("kind") or "other"
            if kind not in kinds:
                errors[f"partners-{i}-kind"] = "Choisissez un type de partenaire de la liste."
            partners.append(
                Partner(
                    name=name,
                    kind=kind,
                    role=_row_text(row, "partners", "role", i, errors),
                    position=i,
                )
            )
        new_children["partners"] = partners
    if "actions" in data:
        actions = []
        for i, row in enumerate(_rows(data, "actions", errors)):
            title = (row.get("title") or "").strip()
            if not title or len(title) > 200:
                errors[f"actions-{i}-title"] = (
                    "Donnez un intitulé à l'action (200 caractères au plus)."
                )
            start = _date(row.get("start_date"), f"actions-{i}-start_date", errors, call)
            end = _date(row.get("end_date"), f"actions-{i}-end_date", errors, call)
            if start and end and end < start:
                errors[f"actions-{i}-end_date"] = "La date de fin précède la date de début."
            actions.append(
                Action(
                    title=title,
                    description=_row_text(row, "actions", "description", i, errors),
                    start_date=start,
                    end_date=end,
                    position=i,
                )
            )
        new_children["actions"] = actions
    if "indicators" in data:
        rows = _rows(data, "indicators", errors)
        new_children["indicators"] = structured.parse_indicators(rows, dossier, errors)
    budget_keys = {"expenses", "resources"} & set(data)
    if budget_keys:
        expenses = (
            _budget_lines(data, "expenses", "expense", EXPENSE_CATEGORIES, errors)
            if "expenses" in data
            else _copies(dossier.expenses)
        )
        resources = (
            _budget_lines(data, "resources", "resource", RESOURCE_SOURCES, errors)
            if "resources" in data
            else _copies(dossier.resources)
        )
        new_children["budget_lines"] = expenses + resources

    if errors:
        raise ServiceError(
            "Le dossier n'a pas été enregistré : corrigez les champs signalés.", errors=errors
        )

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
    if themes is not None:
        old_codes, new_codes = [t.code for t in dossier.themes], [t.code for t in themes]
        if old_codes != new_codes:
            child_changes["themes"] = [old_codes, new_codes]
        dossier.themes = themes
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
