"""The applications area's part of the one policy (portal.permissions): who reads, edits,
submits and withdraws which dossier.

`register()` (called by the area's init_app) adds these checks to `portal.permissions.can` and
declares the dossier "readable" rule: someone who may not even read a dossier gets a 404 from
`portal.web.load` and `require_dossier`, a reader lacking the right a 403.

List queries go through `visible_dossiers` so a list, a count or an export can never show what
the detail page would refuse. Other areas add their readers (reviewers, co-pilots) through
`register_area_policy(checks, readers)`: `visible_dossiers` and VIEW_DOSSIER consult them.
"""

from __future__ import annotations

from sqlalchemy import false, or_

from portal.models import Role, User
from portal.permissions import (
    APPLICANT_ROLES,
    Permission,
    area_readers,
    register_area_policy,
    register_view_permission,
    require_readable,
)

from .models import Dossier, MessageSide

# Who reads submitted dossiers, by state: drafts are the establishment's own business.
STAFF_READERS = {
    # every submitted dossier (the platform admin manages people, not dossiers)
    Role.call_admin: None,
    Role.budget_officer: {"accepted", "funded", "reporting", "closed"},
    Role.observer: {"accepted", "rejected", "funded", "reporting", "closed"},
}
EDITABLE_STATES = {"draft", "incomplete"}
WITHDRAWABLE_STATES = {"draft", "submitted", "incomplete", "eligible", "in_review"}


def _active(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.active


def is_member(user: User, dossier) -> bool:
    return (
        user.establishment_id is not None
        and user.establishment_id == dossier.establishment_id
        and user.has_role(*APPLICANT_ROLES)
    )


def _status(obj) -> str | None:
    return getattr(getattr(obj, "status", None), "value", None)


def _staff_reads(user: User, dossier) -> bool:
    if dossier.reference is None:  # never submitted: a private draft
        return False
    for role, states in STAFF_READERS.items():
        if user.has_role(role) and (states is None or dossier.status.value in states):
            return True
    return False


# ---------------------------------------------------------------- checks


def _create(user: User, call=None) -> bool:
    return user.establishment_id is not None and user.has_role(*APPLICANT_ROLES)


def _view(user: User, dossier) -> bool:
    return (
        is_member(user, dossier)
        or _staff_reads(user, dossier)
        or any(check(user, dossier) for check, _ in area_readers())
    )


def _edit(user: User, dossier) -> bool:
    return is_member(user, dossier) and _status(dossier) in EDITABLE_STATES


def _submit(user: User, dossier) -> bool:
    return (
        is_member(user, dossier)
        and user.has_role(Role.applicant_head)
        and _status(dossier) in EDITABLE_STATES
    )


def _withdraw(user: User, dossier) -> bool:
    return (
        is_member(user, dossier)
        and user.has_role(Role.applicant_head)
        and _status(dossier) in WITHDRAWABLE_STATES
    )


def _screen(user: User, dossier) -> bool:
    return user.has_role(Role.call_admin) and _status(dossier) == "submitted"


def side_of(user: User | None, dossier) -> MessageSide | None:
    """Where this person speaks in the dossier's thread: for its establishment (head, staff), for
    the call office (a call administrator who reads it), or not at all. A draft has no thread:
    the call office does not read it."""
    if not _active(user) or dossier is None or dossier.reference is None:
        return None
    if is_member(user, dossier):
        return MessageSide.establishment
    if user.has_role(Role.call_admin) and _staff_reads(user, dossier):
        return MessageSide.call_office
    return None


def _use_thread(user: User, dossier) -> bool:
    return side_of(user, dossier) is not None


def _full_history(user: User, dossier) -> bool:
    return user.has_role(Role.call_admin) and _staff_reads(user, dossier)


def _label(user: User, dossier) -> bool:
    """The call office's internal labels: its administrators, on dossiers they read."""
    return user.has_role(Role.call_admin) and dossier is not None and _staff_reads(user, dossier)


def _manage_labels(user: User, call=None) -> bool:
    return user.has_role(Role.call_admin)


def register() -> None:
    """Add the area's rules to the one policy (called by the area's init_app)."""
    register_area_policy(
        {
            Permission.CREATE_DOSSIER: _create,
            Permission.VIEW_DOSSIER: _view,
            Permission.EDIT_DOSSIER: _edit,
            Permission.SUBMIT_DOSSIER: _submit,
            Permission.WITHDRAW_DOSSIER: _withdraw,
            Permission.REQUEST_COMPLETION: _screen,
            Permission.SCREEN_DOSSIER: _screen,
            Permission.USE_THREAD: _use_thread,
            Permission.VIEW_FULL_HISTORY: _full_history,
            Permission.LABEL_DOSSIER: _label,
            Permission.MANAGE_LABELS: _manage_labels,
        },
        [],
    )
    register_view_permission(Dossier, Permission.VIEW_DOSSIER)


# ---------------------------------------------------------------- helpers for every area


def require_dossier(user: User | None, permission: Permission, dossier) -> None:
    """Dossier checks: someone who may not even read it gets a 404, a reader lacking the right
    a 403."""
    require_readable(user, permission, dossier, view=Permission.VIEW_DOSSIER)


def visible_dossiers(user: User | None):
    """A WHERE clause selecting exactly the dossiers `can(user, VIEW_DOSSIER, d)` allows."""
    if not _active(user):
        return false()
    clauses = []
    if user.establishment_id is not None and user.has_role(*APPLICANT_ROLES):
        clauses.append(Dossier.establishment_id == user.establishment_id)
    for role, states in STAFF_READERS.items():
        if user.has_role(role):
            if states is None:
                clauses.append(Dossier.reference.is_not(None))
            else:
                clauses.append(Dossier.reference.is_not(None) & Dossier.status.in_(sorted(states)))
    for _, clause in area_readers():
        extra = clause(user)
        if extra is not None:
            clauses.append(extra)
    if not clauses:
        return false()
    return or_(*clauses) if len(clauses) > 1 else clauses[0]


def status_shown_to(user: User | None, dossier):
    """The dossier's state as this user may know it: its establishment does not see the
    commission's proposals, nor its decision before publication."""
    if user is not None and getattr(user, "is_authenticated", False) and is_member(user, dossier):
        return dossier.establishment_status()
    return dossier.status
