"""The commission of a call as the set-up, assignment and scoring pages read it.

Functions take domain objects and plain data, check the policy (MANAGE_COMMISSION on the call),
audit, queue mail and flush; the caller (a view) commits once. Each refusal is a ServiceError (or
Conflict / PermissionDenied / NotFound) with a French message, raised before anything changes.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from applications.models import Dossier, DossierStatus
from portal.db import db
from portal.errors import NotFound, ServiceError
from portal.models import Call, Institution, Role, RoleGrant, User
from portal.permissions import Permission, require

from ..models import (
    CommissionMember,
    Criterion,
    PhaseKind,
    Review,
    ReviewPhase,
    ReviewSettings,
    ReviewStatus,
)

PHASE_ORDER = (PhaseKind.independent_scoring, PhaseKind.deliberation, PhaseKind.decision)
ASSIGNABLE_STATES = (DossierStatus.eligible, DossierStatus.in_review)
DONE_STATES = (ReviewStatus.submitted, ReviewStatus.reopened)  # a review that was handed in
REMOVABLE_STATES = (ReviewStatus.assigned, ReviewStatus.draft)


def get_call(user: User, call_id: int) -> Call:
    """The call whose commission `user` manages (404 if it does not exist, 403 otherwise)."""
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound()
    require(user, Permission.MANAGE_COMMISSION, call)
    return call


def settings_of(call: Call) -> ReviewSettings | None:
    return db.session.get(ReviewSettings, call.id)


def settings_or_refuse(call: Call) -> ReviewSettings:
    settings = settings_of(call)
    if settings is None:
        raise ServiceError(
            "La commission de cet appel n'est pas encore mise en place : "
            "enregistrez d'abord ses règles d'instruction."
        )
    return settings


def phases(call: Call) -> list[ReviewPhase]:
    return list(
        db.session.scalars(
            select(ReviewPhase).where(ReviewPhase.call_id == call.id).order_by(ReviewPhase.position)
        )
    )


def members(call: Call) -> list[CommissionMember]:
    return list(
        db.session.scalars(
            select(CommissionMember)
            .where(CommissionMember.call_id == call.id)
            .options(joinedload(CommissionMember.user).joinedload(User.establishment))
            .join(User, User.id == CommissionMember.user_id)
            .order_by(CommissionMember.institution, User.full_name, CommissionMember.id)
        )
    )


def criteria(call: Call) -> list[Criterion]:
    return list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.call_id == call.id)
            .order_by(Criterion.position, Criterion.id)
        )
    )


def eligible_people() -> list[tuple[User, Role, Institution]]:
    """Active users who hold the reviewer or co-pilot role, with each (role, institution)."""
    rows = db.session.execute(
        select(User, RoleGrant.role, RoleGrant.institution)
        .join(RoleGrant)
        .where(User.active.is_(True), RoleGrant.role.in_([Role.reviewer, Role.copilot]))
        .order_by(User.full_name, User.id, RoleGrant.role, RoleGrant.institution)
    ).all()
    return [(u, r, i) for u, r, i in rows]


def has_submitted_reviews(call: Call) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Review.dossier_id == Dossier.id,
                    Dossier.call_id == call.id,
                    (Review.status.in_(DONE_STATES)) | Review.submitted_at.is_not(None),
                )
            )
        )
    )


def current_phase(call: Call) -> ReviewPhase | None:
    settings = settings_of(call)
    if settings is None or settings.current_phase_id is None:
        return None
    return db.session.get(ReviewPhase, settings.current_phase_id)
