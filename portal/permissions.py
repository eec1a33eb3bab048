"""One policy: `can(user, permission, obj)`. Pages, lists, exports and the API all ask it.

List queries go through `visible_dossiers` so a list, a count or an export can never show what
the detail page would refuse.
"""
from __future__ import annotations

import enum
import logging

from sqlalchemy import false, true

from .errors import NotFound, PermissionDenied
from .models import Role, User

log = logging.getLogger("portal.security")


class Permission(str, enum.Enum):
    VIEW_CALL = "call.view"
    MANAGE_CALLS = "call.manage"
    CREATE_DOSSIER = "dossier.create"      # obj: the Call
    VIEW_DOSSIER = "dossier.view"
    EDIT_DOSSIER = "dossier.edit"
    SUBMIT_DOSSIER = "dossier.submit"
    WITHDRAW_DOSSIER = "dossier.withdraw"
    REQUEST_COMPLETION = "dossier.request_completion"
    SCREEN_DOSSIER = "dossier.screen"
    MANAGE_ESTABLISHMENTS = "establishment.manage"
    VIEW_ESTABLISHMENTS = "establishment.view"
    MANAGE_USERS = "user.manage"
    # review area (checks in review/policy.py, registered through register_area_policy)
    MANAGE_COMMISSION = "commission.manage"   # obj: the Call
    SCORE_REVIEW = "review.score"             # obj: the Review
    VIEW_REVIEW = "review.view"               # obj: the Review
    REOPEN_REVIEW = "review.reopen"           # obj: the Review
    DECLARE_CONFLICT = "review.declare_conflict"  # obj: the Dossier
    VIEW_RANKING = "ranking.view"             # obj: the Call
    RUN_SESSION = "session.run"               # obj: the Call
    VALIDATE_DECISION = "decision.validate"   # obj: the Decision
    PUBLISH_RESULTS = "results.publish"       # obj: the Call
    VIEW_DECISION = "decision.view"           # obj: the Dossier
    # funding area (checks in funding/policy.py)
    VIEW_BUDGET = "budget.view"               # obj: the Call (dashboards, lists, exports)
    MANAGE_MONEY = "budget.manage"            # obj: an Institution, or an Envelope, Commitment,
                                              # Payment or Clawback: its funder must be the user's
    MANAGE_AGREEMENT = "agreement.manage"     # obj: the Dossier (generate, record the signature)
    SIGN_AGREEMENT = "agreement.sign"         # obj: the Dossier (upload the signed copy)
    VIEW_GRANT = "grant.view"                 # obj: the Dossier (agreement, payments, report)
    EDIT_REPORT = "report.edit"               # obj: the Dossier
    SUBMIT_REPORT = "report.submit"           # obj: the Dossier (the head's act)
    REVIEW_REPORT = "report.review"           # obj: the Dossier


# Areas extend the policy here (the core never imports them): permission → check(user, obj),
# and extra dossier readers: (check(user, dossier) → bool, clause(user) → SQL or None).
_area_checks: dict = {}
_area_readers: list = []


def register_area_policy(checks: dict, readers: list) -> None:
    _area_checks.update(checks)
    for reader in readers:
        if reader not in _area_readers:
            _area_readers.append(reader)


APPLICANT_ROLES = (Role.applicant_staff, Role.applicant_head)
# Who reads submitted dossiers, by state: drafts are the establishment's own business.
_STAFF_READERS = {
    Role.call_admin: None,  # every submitted dossier (the platform admin manages people, not dossiers)
    Role.budget_officer: {"accepted", "funded", "reporting", "closed"},
    Role.observer: {"accepted", "rejected", "funded", "reporting", "closed"},
}
EDITABLE_STATES = {"draft", "incomplete"}
WITHDRAWABLE_STATES = {"draft", "submitted", "incomplete", "eligible", "in_review"}


def is_member(user: User, dossier) -> bool:
    return (user.establishment_id is not None
            and user.establishment_id == dossier.establishment_id
            and user.has_role(*APPLICANT_ROLES))


def _staff_reads(user: User, dossier) -> bool:
    if dossier.reference is None:  # never submitted: a private draft
        return False
    for role, states in _STAFF_READERS.items():
        if user.has_role(role) and (states is None or dossier.status.value in states):
            return True
    return False


def can(user: User | None, permission: Permission, obj=None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    status = getattr(getattr(obj, "status", None), "value", None)
    match permission:
        case Permission.VIEW_CALL:
            return True
        case Permission.MANAGE_CALLS:
            return user.has_role(Role.call_admin, Role.admin)
        case Permission.CREATE_DOSSIER:
            return user.establishment_id is not None and user.has_role(*APPLICANT_ROLES)
        case Permission.VIEW_DOSSIER:
            return (is_member(user, obj) or _staff_reads(user, obj)
                    or any(check(user, obj) for check, _ in _area_readers))
        case Permission.EDIT_DOSSIER:
            return is_member(user, obj) and status in EDITABLE_STATES
        case Permission.SUBMIT_DOSSIER:
            return (is_member(user, obj) and user.has_role(Role.applicant_head)
                    and status in EDITABLE_STATES)
        case Permission.WITHDRAW_DOSSIER:
            return (is_member(user, obj) and user.has_role(Role.applicant_head)
                    and status in WITHDRAWABLE_STATES)
        case Permission.REQUEST_COMPLETION | Permission.SCREEN_DOSSIER:
            return user.has_role(Role.call_admin) and status == "submitted"
        case Permission.VIEW_ESTABLISHMENTS:
            return user.has_role(Role.admin, Role.call_admin, Role.observer)
        case Permission.MANAGE_ESTABLISHMENTS | Permission.MANAGE_USERS:
            return user.has_role(Role.admin)
    check = _area_checks.get(permission)
    return bool(check and check(user, obj))


def require(user: User | None, permission: Permission, obj=None, *, hide: bool = False,
            message: str | None = None) -> None:
    """Raise PermissionDenied (or NotFound when existence itself is confidential), and log it.

    `message` says, to someone who may see the object, why this action is not theirs.
    """
    if can(user, permission, obj):
        return
    log.warning("access denied: user=%s permission=%s object=%s#%s",
                getattr(user, "id", None), permission.value, type(obj).__name__,
                getattr(obj, "id", None))
    if hide:
        raise NotFound()
    raise PermissionDenied(message) if message else PermissionDenied()


def require_dossier(user: User | None, permission: Permission, dossier) -> None:
    """Dossier checks: someone who may not even read it gets a 404, a reader lacking the right a 403."""
    if not can(user, Permission.VIEW_DOSSIER, dossier):
        require(user, permission, dossier, hide=True)
    require(user, permission, dossier)


def visible_dossiers(user: User | None):
    """A WHERE clause selecting exactly the dossiers `can(user, VIEW_DOSSIER, d)` allows."""
    from applications.models import Dossier

    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return false()
    clauses = []
    if user.establishment_id is not None and user.has_role(*APPLICANT_ROLES):
        clauses.append(Dossier.establishment_id == user.establishment_id)
    for role, states in _STAFF_READERS.items():
        if user.has_role(role):
            if states is None:
                clauses.append(Dossier.reference.is_not(None))
            else:
                clauses.append(Dossier.reference.is_not(None) & Dossier.status.in_(sorted(states)))
    for _, clause in _area_readers:
        extra = clause(user)
        if extra is not None:
            clauses.append(extra)
    if not clauses:
        return false()
    from sqlalchemy import or_
    return or_(*clauses) if len(clauses) > 1 else clauses[0] if clauses else true()


def status_shown_to(user: User | None, dossier):
    """The dossier's state as this user may know it: its establishment does not see the
    commission's proposals, nor its decision before publication."""
    if user is not None and getattr(user, "is_authenticated", False) and is_member(user, dossier):
        return dossier.establishment_status()
    return dossier.status
