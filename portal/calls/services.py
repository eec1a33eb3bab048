"""Rules for calls for projects: set-up, editing and opening by call administrators.

Functions take domain objects and plain data, never the request; they flush but never commit
(the view commits once). A refused operation raises a ServiceError whose `errors` map the
input's keys to French messages, and changes nothing.

Input keys (all optional on update, all but the lists required on creation): title,
school_year, themes, axes (four labels, numbered 1–4 in order), fields, eligible_kinds,
opens_at, deadline_at (aware datetimes, or naive ones read as Europe/Paris wall-clock time),
max_amount (French amount), advance_rate (percent, two decimals), attachment_kinds (rows
{id?, label, required}; rows without a label are ignored, errors keyed by the row's index).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from portal import audit
from portal.db import db, utcnow
from portal.demo import AXES
from portal.errors import Conflict, NotFound, ServiceError
from portal.formatting import format_datetime, paris_to_utc, parse_amount
from portal.models import (
    FIELDS,
    KIND_LABELS,
    AttachmentKind,
    Axis,
    Call,
    CallStatus,
    EstablishmentKind,
    User,
)
from portal.permissions import Permission, can, require
from portal.signals import answers, call_dossier_counts

AXIS_COUNT = 4
MAX_ATTACHMENT_KINDS = 20
TEXT_LIMITS = {"title": 200, "themes": 10_000}
# Once a call is open, dossiers refer to these: they can no longer change.
LOCKED_WHEN_OPEN = ("axes", "fields", "eligible_kinds", "attachment_kinds")
LOCKED_MESSAGE = (
    "L'appel est ouvert : les axes, les champs d'action, les établissements "
    "éligibles et les pièces demandées ne peuvent plus être modifiés."
)
STALE_MESSAGE = (
    "Cet appel a été modifié entre-temps par une autre personne. Rechargez la page "
    "pour voir la version actuelle : vos modifications n'ont pas été enregistrées."
)
_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


# ---------------------------------------------------------------- reading


def get_call(user: User, call_id: int) -> Call:
    """The call if the user may see it: drafts exist only for those who manage calls (404)."""
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound("Cet appel à projets n'existe pas ou ne vous est pas accessible.")
    require(user, Permission.VIEW_CALL, call, hide=True)
    if call.status == CallStatus.draft:
        require(user, Permission.MANAGE_CALLS, call, hide=True)
    return call


def visible_calls(user: User) -> list[Call]:
    """Calls the user may see, most recent deadline first (drafts only for call managers)."""
    query = select(Call).order_by(Call.deadline_at.desc(), Call.id.desc())
    if not can(user, Permission.MANAGE_CALLS):
        query = query.where(Call.status != CallStatus.draft)
    return list(db.session.scalars(query))


def submitted_counts(call_ids=None) -> dict[int, int]:
    """Dossiers submitted (and not withdrawn) per call: the applications area answers the
    `call_dossier_counts` signal (one grouped query)."""
    counts: dict[int, int] = {}
    for answer in answers(call_dossier_counts, call_ids=call_ids):
        for call_id, count in answer.items():
            counts[call_id] = counts.get(call_id, 0) + count
    return counts


def calls_by_status(
    calls: list[Call], now: dt.datetime | None = None
) -> list[tuple[CallStatus, list[Call]]]:
    """Calls grouped by their effective status, in the workflow's order; empty groups left out."""
    now = now or utcnow()
    groups: dict[CallStatus, list[Call]] = {}
    for call in calls:
        groups.setdefault(call.effective_status(now), []).append(call)
    return [(status, groups[status]) for status in CallStatus if status in groups]


def editable(call: Call, now: dt.datetime | None = None) -> bool:
    return call.effective_status(now) in (CallStatus.draft, CallStatus.open)


def opening_blockers(call: Call, now: dt.datetime | None = None) -> dict[str, str]:
    """What still prevents opening the call: field → French message (empty when it may open)."""
    now = now or utcnow()
    out: dict[str, str] = {}
    if not call.eligible_kinds:
        out["eligible_kinds"] = "Choisissez au moins un type d'établissement éligible."
    if not call.fields:
        out["fields"] = "Choisissez au moins un champ d'action."
    numbers = sorted(a.number for a in call.axes if a.label.strip())
    if numbers != list(range(1, AXIS_COUNT + 1)):
        out["axes"] = "L'appel doit définir ses quatre axes, numérotés de 1 à 4."
    if call.deadline_at <= now:
        out["deadline_at"] = (
            f"La date limite ({format_datetime(call.deadline_at)}) est passée : "
            "reportez-la avant d'ouvrir l'appel."
        )
    return out


# ---------------------------------------------------------------- cleaning input


def _utc(value) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        return paris_to_utc(value)
    return value.astimezone(dt.UTC)


def _school_year(value, errors: dict) -> str:
    text = (value or "").strip().replace(" ", "").replace("/", "-")
    match = _SCHOOL_YEAR.match(text)
    if (
        not match
        or int(match.group(2)) != int(match.group(1)) + 1
        or not 2000 <= int(match.group(1)) <= 2099
    ):
        errors["school_year"] = (
            "Indiquez l'année scolaire sous la forme 2014-2015 (deux années qui se suivent)."
        )
    return text


def _advance_rate(value, errors: dict) -> Decimal | None:
    text = re.sub(r"[\s\u00a0\u202f%]", "", str(value if value is not None else "")).replace(
        ",", "."
    )
    message = (
        "Indiquez le taux d'avance en pourcentage, entre 0 et 100, avec au plus deux "
        "décimales (par exemple 50 ou 33,33)."
    )
    if not text:
        errors["advance_rate"] = "Indiquez le taux d'avance (en pourcentage, entre 0 et 100)."
        return None
    try:
        rate = Decimal(text)
    except InvalidOperation:
        errors["advance_rate"] = message
        return None
    if not rate.is_finite() or rate != rate.quantize(Decimal("0.01")) or not 0 <= rate <= 100:
        errors["advance_rate"] = message
        return None
    return rate.quantize(Decimal("0.01"))


def _choices(value, allowed, key: str, message: str, errors: dict) -> list[str]:
    values = sorted({str(v) for v in (value or [])})
    if not set(values) <= set(allowed):
        errors[key] = message
    return values


def _axes(value, errors: dict) -> list[str]:
    labels = [str(v or "").strip() for v in (value if value is not None else AXES)]
    if len(labels) != AXIS_COUNT:
        errors["axes"] = "L'appel a exactement quatre axes."
        return labels
    for i, label in enumerate(labels):
        if not label:
            errors[f"axes-{i}"] = f"Donnez l'intitulé de l'axe {i + 1}."
        elif len(label) > 300:
            errors[f"axes-{i}"] = f"L'intitulé de l'axe {i + 1} fait au plus 300 caractères."
    return labels


def _attachment_rows(value, errors: dict) -> list[dict]:
    rows = []
    seen = set()
    for i, row in enumerate(value or []):
        label = str(row.get("label") or "").strip()
        if not label:
            continue  # an empty repeatable row of the form
        if len(label) > 200:
            errors[f"attachment_kinds-{i}-label"] = (
                "L'intitulé de la pièce fait au plus 200 caractères."
            )
        elif label.lower() in seen:
            errors[f"attachment_kinds-{i}-label"] = f"La pièce « {label} » est déjà demandée."
        seen.add(label.lower())
        rows.append({"label": label, "required": bool(row.get("required"))})
    if len(rows) > MAX_ATTACHMENT_KINDS:
        errors["attachment_kinds"] = f"Un appel demande au plus {MAX_ATTACHMENT_KINDS} pièces."
    return rows


def _clean(data: dict, errors: dict, *, creating: bool) -> dict:
    """Validated values for the keys present in `data` (every key when creating)."""
    out: dict = {}

    def wanted(key):
        return creating or key in data

    for key, what in (("title", "le titre de l'appel"),):
        if wanted(key):
            value = (data.get(key) or "").strip()
            if not value:
                errors[key] = f"Indiquez {what}."
            elif len(value) > TEXT_LIMITS[key]:
                errors[key] = f"Le titre fait au plus {TEXT_LIMITS[key]} caractères."
            out[key] = value
    if wanted("themes"):
        value = (data.get("themes") or "").strip()
        if len(value) > TEXT_LIMITS["themes"]:
            errors["themes"] = f"Les thématiques font au plus {TEXT_LIMITS['themes']} caractères."
        out["themes"] = value
    if wanted("school_year"):
        out["school_year"] = _school_year(data.get("school_year"), errors)
    if wanted("axes"):
        out["axes"] = _axes(data.get("axes"), errors)
    if wanted("fields"):
        out["fields"] = _choices(
            data.get("fields"),
            FIELDS,
            "fields",
            "Choisissez les champs parmi prévention, intervention, remédiation.",
            errors,
        )
    if wanted("eligible_kinds"):
        out["eligible_kinds"] = _choices(
            data.get("eligible_kinds"),
            [k.value for k in EstablishmentKind],
            "eligible_kinds",
            "Choisissez les types d'établissement dans la liste.",
            errors,
        )
    for key, missing in (
        ("opens_at", "Indiquez la date et l'heure d'ouverture."),
        ("deadline_at", "Indiquez la date et l'heure limites de dépôt."),
    ):
        if wanted(key):
            try:
                out[key] = _utc(data.get(key))
            except (TypeError, ValueError):
                out[key] = None
                errors[key] = "Date invalide : écrivez-la sous la forme JJ/MM/AAAA et HH:MM."
                continue
            if out[key] is None:
                errors[key] = missing
    if wanted("max_amount"):
        try:
            out["max_amount"] = parse_amount(data.get("max_amount"), allow_zero=False)
        except ValueError as exc:
            errors["max_amount"] = str(exc)
    if wanted("advance_rate"):
        out["advance_rate"] = _advance_rate(data.get("advance_rate"), errors)
    if wanted("attachment_kinds"):
        out["attachment_kinds"] = _attachment_rows(data.get("attachment_kinds"), errors)
    return out


def _state(call: Call) -> dict:
    """The call as plain values, for the audit diff."""
    return {
        "title": call.title,
        "school_year": call.school_year,
        "themes": call.themes,
        "fields": list(call.fields or []),
        "eligible_kinds": list(call.eligible_kinds or []),
        "opens_at": call.opens_at,
        "deadline_at": call.deadline_at,
        "max_amount": call.max_amount,
        "advance_rate": call.advance_rate,
        "axes": [a.label for a in sorted(call.axes, key=lambda a: a.number)],
        "attachment_kinds": [[k.label, k.required] for k in call.attachment_kinds],
    }


def _apply(call: Call, values: dict) -> None:
    for key in (
        "title",
        "school_year",
        "themes",
        "fields",
        "eligible_kinds",
        "opens_at",
        "deadline_at",
        "max_amount",
        "advance_rate",
    ):
        if key in values:
            setattr(call, key, values[key])
    if "axes" in values:
        by_number = {a.number: a for a in call.axes}
        for number, label in enumerate(values["axes"], start=1):
            if number in by_number:
                by_number[number].label = label  # keep the row: its number is what dossiers cite
            else:
                call.axes.append(Axis(number=number, label=label))
    current = [(k.label, k.required) for k in call.attachment_kinds]
    if (
        "attachment_kinds" in values
        and [(r["label"], r["required"]) for r in values["attachment_kinds"]] != current
    ):
        # Only reached while the call is a draft, when no dossier can refer to a kind yet.
        call.attachment_kinds = [
            AttachmentKind(label=r["label"], required=r["required"], position=i)
            for i, r in enumerate(values["attachment_kinds"], start=1)
        ]


def _check_dates(values: dict, call: Call | None, errors: dict, now: dt.datetime) -> None:
    opens = values.get("opens_at", call.opens_at if call else None)
    deadline = values.get("deadline_at", call.deadline_at if call else None)
    if opens and deadline and "deadline_at" not in errors and deadline <= opens:
        errors["deadline_at"] = (
            "La date limite de dépôt doit être postérieure à la date d'ouverture."
        )
    if (
        call is not None
        and call.status == CallStatus.open
        and "deadline_at" not in errors
        and deadline != call.deadline_at
        and deadline <= now
    ):
        errors["deadline_at"] = (
            "L'appel est ouvert : la nouvelle date limite doit être dans le futur."
        )


def _refuse(errors: dict, verb: str):
    raise ServiceError(f"L'appel n'a pas été {verb} : corrigez les champs signalés.", errors=errors)


# ---------------------------------------------------------------- writing


def create_call(user: User, data: dict, now: dt.datetime | None = None) -> Call:
    """A new call in preparation (draft); every problem of the input reported at once."""
    require(user, Permission.MANAGE_CALLS)
    now = now or utcnow()
    errors: dict[str, str] = {}
    values = _clean(data, errors, creating=True)
    _check_dates(values, None, errors, now)
    if errors:
        _refuse(errors, "créé")
    call = Call(status=CallStatus.draft, axes=[], attachment_kinds=[])
    _apply(call, values)
    db.session.add(call)
    db.session.flush()
    audit.record(user, "call_created", call, audit.diff({}, _state(call)))
    return call


def update_call(
    user: User, call: Call, data: dict, expected_version=None, now: dt.datetime | None = None
) -> Call:
    """Change the keys present in `data`; refuses a stale version and, once the call is open,
    any change to what dossiers refer to (axes, fields, eligible kinds, attachments)."""
    require(user, Permission.MANAGE_CALLS, call, hide=call.status == CallStatus.draft)
    now = now or utcnow()
    if expected_version is not None and str(expected_version) != str(call.version):
        raise Conflict(STALE_MESSAGE)
    if not editable(call, now):
        raise Conflict("Cet appel est clos : il ne peut plus être modifié.")
    errors: dict[str, str] = {}
    values = _clean(data, errors, creating=False)
    if call.status != CallStatus.draft:
        before = _state(call)
        for key in LOCKED_WHEN_OPEN:
            if key in values and audit.diff(
                {key: before[key]},
                {
                    key: values[key]
                    if key != "attachment_kinds"
                    else [[r["label"], r["required"]] for r in values[key]]
                },
            ):
                errors[key] = LOCKED_MESSAGE
    _check_dates(values, call, errors, now)
    if errors:
        _refuse(errors, "enregistré")
    before = _state(call)
    _apply(call, values)
    changes = audit.diff(before, _state(call))
    if changes:
        # Bump the call's version even when only its axes or pieces changed, so that a
        # concurrent edit of any part is caught; the check runs at this flush (StaleDataError).
        flag_modified(call, "title")
        db.session.flush()
        audit.record(user, "call_updated", call, changes)
    return call


def kind_labels(call: Call) -> list[str]:
    return [KIND_LABELS[EstablishmentKind(k)] for k in call.eligible_kinds or []]


def field_labels(call: Call) -> list[str]:
    return [FIELDS[f] for f in FIELDS if f in (call.fields or [])]
