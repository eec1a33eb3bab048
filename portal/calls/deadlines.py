"""A call's deadline after it is set: extended for everyone by a call administrator, or one
establishment let in late by derogation; and the archives, read-only everywhere.

Functions flush but never commit (the view commits once); a refusal raises a ServiceError keyed
by the form's fields and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import event, inspect, select
from sqlalchemy.orm.util import identity_key

from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, ServiceError
from portal.formatting import format_due
from portal.models import Call, CallDerogation, CallStatus, Establishment, User
from portal.notifications import notify
from portal.permissions import APPLICANT_ROLES, Permission, require
from portal.signals import answers, call_draft_establishments

REASON_LIMIT = 2000
ARCHIVED_MESSAGE = "L'appel « {title} » est archivé : il se consulte mais ne se modifie plus."


def require_not_archived(call: Call) -> None:
    """An archived call and everything under it is read-only: a French 409."""
    if call.status == CallStatus.archived:
        raise Conflict(ARCHIVED_MESSAGE.format(title=call.title))


def _call_id(obj):
    """The call an object belongs to: its `call_id`, or its dossier's (None when neither)."""
    call_id = getattr(obj, "call_id", None)
    if call_id is None and not isinstance(obj, Call):
        dossier = getattr(obj, "dossier", None)
        call_id = getattr(dossier, "call_id", None)
    return call_id


@event.listens_for(db.session, "before_flush")
def _archives_are_read_only(session, _context, _instances) -> None:
    """Every write under an archived call, from any area, is refused (409) before it reaches the
    database: the call itself (unless it is the move into the archives), its dossiers, and any row
    naming the call or a dossier."""
    call_ids: set[int] = set()
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, Call):
                was = inspect(obj).attrs.status.history
                before = (was.deleted or was.unchanged or [obj.status])[0]
                if before == CallStatus.archived:
                    raise Conflict(ARCHIVED_MESSAGE.format(title=obj.title))
                continue
            call_id = _call_id(obj)
            if call_id is not None:
                call_ids.add(call_id)
        unknown = set()
        for call_id in call_ids:  # the calls already loaded cost no query
            call = session.identity_map.get(identity_key(Call, call_id))
            if call is None:
                unknown.add(call_id)
            elif call.status == CallStatus.archived and call not in session.dirty:
                raise Conflict(ARCHIVED_MESSAGE.format(title=call.title))
        if not unknown:
            return
        title = session.scalar(
            select(Call.title).where(
                Call.id.in_(sorted(unknown)), Call.status == CallStatus.archived
            )
        )
    if title is not None:
        raise Conflict(ARCHIVED_MESSAGE.format(title=title))


def late_contact() -> str:
    """Whom an establishment past the deadline may ask (the call office; calls have no contact
    of their own): only it may let an establishment in late."""
    office = current_app.config.get("OPERATOR_NAME", "")
    address = current_app.config.get("MAIL_FROM", "")
    return (
        "En cas d'empêchement sérieux, écrivez au service gestionnaire de l'appel à projets"
        f"{f' ({office})' if office else ''}{f' : {address}' if address else ''} ; "
        "lui seul peut accorder une dérogation."
    )


def _reason(value, errors: dict) -> str:
    text = (value or "").strip()
    if not text:
        errors["reason"] = "Indiquez le motif : il est conservé dans l'historique de l'appel."
    elif len(text) > REASON_LIMIT:
        errors["reason"] = f"Le motif fait au plus {REASON_LIMIT} caractères."
    return text


def _refuse(errors: dict, what: str):
    raise ServiceError(f"{what} : corrigez les champs signalés.", errors=errors)


def extend_deadline(
    user: User, call: Call, deadline_at: dt.datetime | None, reason: str, now=None
) -> Call:
    """Push the deadline later for every establishment; those with a draft are told."""
    require(user, Permission.MANAGE_CALLS, call)
    require_not_archived(call)
    now = now or utcnow()
    if call.status != CallStatus.open:
        raise Conflict(
            "Seule la date limite d'un appel ouvert se prolonge ; celui-ci est "
            f"« {call.effective_status(now).label} »."
        )
    errors: dict[str, str] = {}
    reason = _reason(reason, errors)
    old = call.deadline_at
    if deadline_at is None:
        errors.setdefault("deadline_at", "Indiquez la nouvelle date et l'heure limites.")
    elif deadline_at <= old:
        errors["deadline_at"] = (
            f"La nouvelle date limite doit être postérieure à l'actuelle ({format_due(old)})."
        )
    elif deadline_at <= now:
        errors["deadline_at"] = "La nouvelle date limite doit être dans le futur."
    if errors:
        _refuse(errors, "La date limite n'a pas été prolongée")
    call.deadline_at = deadline_at
    db.session.flush()
    audit.record(
        user,
        "call_deadline_extended",
        call,
        {"deadline_at": [old.isoformat(), deadline_at.isoformat()], "reason": reason},
    )
    ids: set[int] = set()
    for answer in answers(call_draft_establishments, call):
        ids |= set(answer)
    if ids:
        people = db.session.scalars(
            select(User).where(User.establishment_id.in_(sorted(ids)), User.active.is_(True))
        )
        notify(
            [p for p in people if p.has_role(*APPLICANT_ROLES)],
            "deadline_extended",
            f"Date limite prolongée : {call.title}",
            f"La date limite de dépôt de l'appel « {call.title} » est prolongée : vous pouvez "
            f"déposer votre dossier jusqu'au {format_due(deadline_at)} (heure de Paris), au "
            f"lieu du {format_due(old)}.",
        )
    return call


def grant_derogation(
    user: User, call: Call, uai: str, until: dt.datetime | None, reason: str, now=None
) -> CallDerogation:
    """Let one establishment submit after the deadline, until `until`, for a written reason."""
    require(user, Permission.MANAGE_CALLS, call)
    require_not_archived(call)
    now = now or utcnow()
    if call.status != CallStatus.open:
        raise Conflict(
            "Une dérogation ne s'accorde que sur un appel ouvert ou clos par sa date "
            f"limite ; celui-ci est « {call.effective_status(now).label} »."
        )
    errors: dict[str, str] = {}
    reason = _reason(reason, errors)
    code = (uai or "").strip().upper()
    establishment = (
        db.session.scalar(select(Establishment).where(Establishment.uai == code)) if code else None
    )
    if establishment is None:
        errors["uai"] = (
            "Indiquez l'UAI d'un établissement du portail (7 chiffres et une lettre)."
            if not code
            else f"Aucun établissement du portail n'a l'UAI {code}."
        )
    elif establishment.kind.value not in (call.eligible_kinds or []):
        errors["uai"] = f"{establishment.name} n'est pas éligible à cet appel."
    if until is None:
        errors.setdefault("until", "Indiquez la date et l'heure de fin de la dérogation.")
    elif until <= max(now, call.deadline_at):
        errors["until"] = (
            "La fin de la dérogation doit être postérieure à la date limite de l'appel "
            f"({format_due(call.deadline_at)}) et à maintenant."
        )
    if errors:
        _refuse(errors, "La dérogation n'a pas été accordée")
    derogation = next((d for d in call.derogations if d.establishment_id == establishment.id), None)
    before = (
        {"until": derogation.until.isoformat(), "reason": derogation.reason} if derogation else {}
    )
    if derogation is None:
        derogation = CallDerogation(establishment=establishment)
        call.derogations.append(derogation)
    derogation.until, derogation.reason = until, reason
    derogation.granted_by_id, derogation.granted_at = user.id, now
    db.session.flush()
    audit.record(
        user,
        "call_derogation_granted",
        call,
        {
            "establishment_id": establishment.id,
            "uai": establishment.uai,
            **audit.diff(before, {"until": until.isoformat(), "reason": reason}),
        },
    )
    return derogation
