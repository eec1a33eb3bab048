"""The commission's members: reviewers per institution, one co-pilot per institution."""

from __future__ import annotations

from sqlalchemy import select

from applications.models import Dossier
from portal import audit
from portal.db import db
from portal.errors import Conflict, NotFound, ServiceError
from portal.models import INSTITUTION_LABELS, Call, Institution, Role, User
from portal.permissions import Permission, require

from ..models import CommissionMember, Review
from .commission import DONE_STATES, settings_or_refuse


def _member(call: Call, member_id) -> CommissionMember:
    row = db.session.get(CommissionMember, member_id) if member_id is not None else None
    if row is None or row.call_id != call.id:
        raise NotFound("Ce membre de la commission n'existe pas.")
    return row


def add_member(user: User, call: Call, person_id, institution: str) -> CommissionMember:
    """Add a reviewer (or co-pilot) to the commission, for an institution their role grant names."""
    require(user, Permission.MANAGE_COMMISSION, call)
    settings_or_refuse(call)
    person = db.session.get(User, int(person_id)) if str(person_id or "").isdigit() else None
    if person is None or not person.active:
        raise ServiceError("Choisissez une personne active de la liste.", field="user_id")
    try:
        inst = Institution(institution)
    except ValueError:
        raise ServiceError(
            "Choisissez l'institution : État (rectorat) ou Région.", field="institution"
        ) from None
    granted = person.institutions(Role.reviewer) | person.institutions(Role.copilot)
    if not granted:
        raise ServiceError(
            f"{person.full_name} n'a pas le rôle d'instructeur ni de co-pilote : "
            "demandez à l'administrateur de le lui attribuer.",
            field="user_id",
        )
    if inst not in granted:
        raise ServiceError(
            f"{person.full_name} est instructeur pour "
            f"{', '.join(INSTITUTION_LABELS[i] for i in sorted(granted))}, pas pour "
            f"{INSTITUTION_LABELS[inst]}.",
            field="institution",
        )
    if db.session.scalar(
        select(CommissionMember.id).where(
            CommissionMember.call_id == call.id, CommissionMember.user_id == person.id
        )
    ):
        raise Conflict(f"{person.full_name} est déjà membre de la commission de cet appel.")
    row = CommissionMember(call_id=call.id, user_id=person.id, institution=inst, is_copilot=False)
    db.session.add(row)
    db.session.flush()
    audit.record(
        user, "commission_member_added", call, {"user_id": person.id, "institution": inst.value}
    )
    return row


def designate_copilot(user: User, call: Call, member_id) -> CommissionMember:
    """Make a member the co-pilot of their institution; the previous one (if any) steps down."""
    require(user, Permission.MANAGE_COMMISSION, call)
    row = _member(call, member_id)
    if row.is_copilot:
        raise Conflict(
            f"{row.user.full_name} est déjà co-pilote pour {INSTITUTION_LABELS[row.institution]}."
        )
    if row.institution not in row.user.institutions(Role.copilot):
        raise ServiceError(
            f"{row.user.full_name} n'a pas le rôle de co-pilote pour "
            f"{INSTITUTION_LABELS[row.institution]} : il ne peut pas être désigné.",
            field="member_id",
        )
    previous = db.session.scalar(
        select(CommissionMember).where(
            CommissionMember.call_id == call.id,
            CommissionMember.institution == row.institution,
            CommissionMember.is_copilot.is_(True),
        )
    )
    if previous is not None:
        previous.is_copilot = False
        db.session.flush()  # the database allows one co-pilot per institution at any moment
    row.is_copilot = True
    db.session.flush()
    audit.record(
        user,
        "commission_copilot_designated",
        call,
        {
            "user_id": row.user_id,
            "institution": row.institution.value,
            "previous_user_id": previous.user_id if previous else None,
        },
    )
    return row


def remove_member(user: User, call: Call, member_id) -> None:
    """Remove a member who has handed in no review; their pending assignments go with them."""
    require(user, Permission.MANAGE_COMMISSION, call)
    row = _member(call, member_id)
    reviews = list(
        db.session.scalars(
            select(Review)
            .join(Dossier)
            .where(Dossier.call_id == call.id, Review.reviewer_id == row.user_id)
        )
    )
    if any(r.status in DONE_STATES or r.submitted_at is not None for r in reviews):
        raise Conflict(
            f"{row.user.full_name} a déjà rendu des évaluations : il ne peut plus être "
            "retiré de la commission."
        )
    for review in reviews:
        db.session.delete(review)
    db.session.delete(row)
    db.session.flush()
    audit.record(
        user,
        "commission_member_removed",
        call,
        {
            "user_id": row.user_id,
            "institution": row.institution.value,
            "removed_reviews": [r.id for r in reviews],
        },
    )
