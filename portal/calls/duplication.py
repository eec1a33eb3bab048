"""A call copied for the next school year, as a draft whose dates are to be set.

The kernel copies what the call itself holds (themes, axes, fields, eligible kinds, amounts,
attachments asked, common indicators); each area copies its own part (grid, phases, commission, envelopes) when the
kernel sends `call_duplicated` — the kernel imports no area. Functions flush but never commit.
"""

from __future__ import annotations

import datetime as dt

from portal import audit
from portal.db import db
from portal.errors import ServiceError
from portal.formatting import paris_to_utc, to_paris
from portal.models import AttachmentKind, Axis, Call, CallIndicator, CallStatus, User
from portal.permissions import Permission, require
from portal.signals import answers, call_duplicated, call_duplication_parts

from .indicators import indicators_of
from .services import TEXT_LIMITS, _school_year

# What the kernel copies, as the duplication form lists it.
KERNEL_PARTS = [
    "Thématiques et attendus",
    "Les quatre axes",
    "Champs d'action et établissements éligibles",
    "Montant maximal par projet et taux d'avance",
    "Pièces à joindre (obligatoires ou facultatives)",
    "Indicateurs communs",
]


def next_school_year(school_year: str) -> str:
    start = int(school_year[:4]) + 1
    return f"{start}-{start + 1}"


def _a_year_later(moment: dt.datetime) -> dt.datetime:
    """The same Paris wall-clock time a year later (29 February becomes the 28th)."""
    local = to_paris(moment).replace(tzinfo=None)
    try:
        later = local.replace(year=local.year + 1)
    except ValueError:
        later = local.replace(year=local.year + 1, day=28)
    return paris_to_utc(later)


def duplication_parts(call: Call) -> list[dict]:
    """Every part the areas would copy: {"key", "label", "confirm"}, confirmable ones last."""
    parts = [part for answer in answers(call_duplication_parts, call) for part in answer]
    return sorted(parts, key=lambda p: p["confirm"])


def duplicate_call(
    user: User, source: Call, title: str, school_year: str, parts=()
) -> tuple[Call, list[str]]:
    """The new draft call and the labels of what was copied. Its dates are those of `source` a
    year later, to be checked before opening; `parts` are the confirmable parts ticked."""
    require(user, Permission.MANAGE_CALLS, source)
    if source.status == CallStatus.draft:
        raise ServiceError("Seul un appel déjà ouvert se duplique ; celui-ci est en préparation.")
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Indiquez le titre du nouvel appel."
    elif len(title) > TEXT_LIMITS["title"]:
        errors["title"] = f"Le titre fait au plus {TEXT_LIMITS['title']} caractères."
    school_year = _school_year(school_year, errors)
    known = {p["key"] for p in duplication_parts(source) if p["confirm"]}
    chosen = {str(p) for p in parts or ()}
    if chosen - known:
        errors["parts"] = "Choisissez les éléments à reprendre parmi ceux proposés."
    if errors:
        raise ServiceError(
            "L'appel n'a pas été dupliqué : corrigez les champs signalés.", errors=errors
        )
    call = Call(
        status=CallStatus.draft,
        title=title,
        school_year=school_year,
        themes=source.themes,
        fields=list(source.fields or []),
        eligible_kinds=list(source.eligible_kinds or []),
        opens_at=_a_year_later(source.opens_at),
        deadline_at=_a_year_later(source.deadline_at),
        max_amount=source.max_amount,
        advance_rate=source.advance_rate,
        axes=[Axis(number=a.number, label=a.label) for a in source.axes],
        attachment_kinds=[
            AttachmentKind(label=k.label, required=k.required, position=k.position)
            for k in source.attachment_kinds
        ],
    )
    db.session.add(call)
    db.session.flush()
    for ci in indicators_of(source):
        db.session.add(
            CallIndicator(
                call_id=call.id,
                position=ci.position,
                label=ci.label,
                unit=ci.unit,
                direction=ci.direction,
                measurement=ci.measurement,
            )
        )
    copied = list(KERNEL_PARTS)
    for answer in answers(call_duplicated, call, source=source, user=user, parts=chosen):
        copied.extend(answer)
    audit.record(
        user,
        "call_duplicated",
        call,
        {"source_id": source.id, "school_year": school_year, "copied": copied},
    )
    return call, copied
