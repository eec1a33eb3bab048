"""Deputies (suppléants): a co-pilot names, for a call, another co-pilot of the same institution
who validates the commission's proposals for that institution when the co-pilot is conflicted or
away. Each validation records who signed and in which capacity; a conflicted person never
validates, deputy or not (the policy hides the dossier from them). Functions flush, never commit.
"""

from __future__ import annotations

from sqlalchemy import select

from portal import audit
from portal.db import db
from portal.errors import Conflict, PermissionDenied, ServiceError
from portal.models import Call, Institution, Role, User

from ..models import Capacity, CommissionMember, CopilotDeputy


def copilot_row(user: User, call_id: int) -> CommissionMember | None:
    return db.session.scalar(
        select(CommissionMember).where(
            CommissionMember.call_id == call_id,
            CommissionMember.user_id == user.id,
            CommissionMember.is_copilot.is_(True),
        )
    )


def deputy_row(call_id: int, institution: Institution) -> CopilotDeputy | None:
    return db.session.scalar(
        select(CopilotDeputy).where(
            CopilotDeputy.call_id == call_id, CopilotDeputy.institution == institution
        )
    )


def signing_capacity(user: User, call_id: int) -> tuple[Institution, Capacity] | None:
    """(institution, capacity) in which the user validates the call's proposals, or None: the
    co-pilot for their institution, else the deputy named for one (one query each)."""
    row = copilot_row(user, call_id)
    if row is not None:
        return row.institution, Capacity.copilot
    named = db.session.scalar(
        select(CopilotDeputy.institution).where(
            CopilotDeputy.call_id == call_id, CopilotDeputy.deputy_id == user.id
        )
    )
    if named is not None and user.has_role(Role.copilot):
        return named, Capacity.deputy
    return None


def deputy_candidates(user: User, call: Call) -> list[User]:
    """The active co-pilots of the same institution, the co-pilot aside."""
    row = copilot_row(user, call.id)
    if row is None:
        return []
    people = db.session.scalars(
        select(User).where(User.active.is_(True), User.id != user.id).order_by(User.full_name)
    )
    return [p for p in people if row.institution in p.institutions(Role.copilot)]


def name_deputy(user: User, call: Call, deputy_id) -> CopilotDeputy:
    """The co-pilot names (or replaces) their deputy for the call; audited."""
    row = copilot_row(user, call.id)
    if row is None:
        raise PermissionDenied("Seul le co-pilote de l'appel désigne son suppléant.")
    person = db.session.get(User, int(deputy_id)) if str(deputy_id or "").isdigit() else None
    if person is None or not person.active:
        raise ServiceError("Choisissez une personne active de la liste.", field="deputy_id")
    if person.id == user.id:
        raise ServiceError("Vous ne pouvez pas être votre propre suppléant.", field="deputy_id")
    if row.institution not in person.institutions(Role.copilot):
        raise ServiceError(
            f"{person.full_name} n'est pas co-pilote pour la même institution que vous : "
            "le suppléant est de la même institution.",
            field="deputy_id",
        )
    deputy = deputy_row(call.id, row.institution)
    before = deputy.deputy_id if deputy else None
    if before == person.id:
        raise Conflict(f"{person.full_name} est déjà votre suppléant pour cet appel.")
    if deputy is None:
        deputy = CopilotDeputy(call_id=call.id, institution=row.institution)
        db.session.add(deputy)
    deputy.copilot_id, deputy.deputy_id = user.id, person.id
    db.session.flush()
    audit.record(
        user,
        "copilot_deputy_named",
        call,
        {"institution": row.institution.value, "deputy_id": [before, person.id]},
    )
    return deputy


def remove_deputy(user: User, call: Call) -> None:
    row = copilot_row(user, call.id)
    if row is None:
        raise PermissionDenied("Seul le co-pilote de l'appel désigne son suppléant.")
    deputy = deputy_row(call.id, row.institution)
    if deputy is None:
        raise Conflict("Vous n'avez pas de suppléant pour cet appel.")
    audit.record(
        user,
        "copilot_deputy_removed",
        call,
        {"institution": row.institution.value, "deputy_id": [deputy.deputy_id, None]},
    )
    db.session.delete(deputy)
    db.session.flush()
