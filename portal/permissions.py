"""One policy: `can(user, permission, obj)`. Pages, lists, exports and the API all ask it.

The kernel checks its own objects (calls, establishments, users); each area registers the checks
of its permissions through `register_area_policy` from its init_app (the dossier rules and
`visible_dossiers` live in `applications.policy`).
"""

from __future__ import annotations

import enum
import logging

from .errors import NotFound, PermissionDenied
from .models import Role, User

log = logging.getLogger("portal.security")


class Permission(str, enum.Enum):
    VIEW_CALL = "call.view"
    MANAGE_CALLS = "call.manage"
    MANAGE_ESTABLISHMENTS = "establishment.manage"
    VIEW_ESTABLISHMENTS = "establishment.view"
    MANAGE_USERS = "user.manage"
    # applications area (checks in applications/policy.py)
    CREATE_DOSSIER = "dossier.create"  # obj: the Call
    VIEW_DOSSIER = "dossier.view"
    EDIT_DOSSIER = "dossier.edit"
    SUBMIT_DOSSIER = "dossier.submit"
    WITHDRAW_DOSSIER = "dossier.withdraw"
    REQUEST_COMPLETION = "dossier.request_completion"
    SCREEN_DOSSIER = "dossier.screen"
    USE_THREAD = "dossier.thread"  # obj: the Dossier (read and post its messages)
    VIEW_FULL_HISTORY = "dossier.history"  # obj: the Dossier (the whole audit trail)
    # the call office's internal labels: obj a Dossier (read and set them), or a Call / None
    # (define them for that call / for every call)
    LABEL_DOSSIER = "dossier.label"
    MANAGE_LABELS = "label.manage"
    # review area (checks in review/policy.py, registered through register_area_policy)
    MANAGE_COMMISSION = "commission.manage"  # obj: the Call
    SCORE_REVIEW = "review.score"  # obj: the Review
    VIEW_REVIEW = "review.view"  # obj: the Review
    REOPEN_REVIEW = "review.reopen"  # obj: the Review
    DECLARE_CONFLICT = "review.declare_conflict"  # obj: the Dossier
    VIEW_RANKING = "ranking.view"  # obj: the Call
    RUN_SESSION = "session.run"  # obj: the Call
    VALIDATE_DECISION = "decision.validate"  # obj: the Decision
    PUBLISH_RESULTS = "results.publish"  # obj: the Call
    VIEW_DECISION = "decision.view"  # obj: the Dossier
    VIEW_NOTES = "notes.view"  # obj: the Dossier (read and write its internal notes)
    # funding area (checks in funding/policy.py)
    VIEW_BUDGET = "budget.view"  # obj: the Call (dashboards, lists, exports)
    MANAGE_MONEY = "budget.manage"  # obj: an Institution, or an Envelope, Commitment,
    # Payment or Clawback: its funder must be the user's
    MANAGE_AGREEMENT = "agreement.manage"  # obj: the Dossier (generate, record the signature)
    SIGN_AGREEMENT = "agreement.sign"  # obj: the Dossier (upload the signed copy)
    VIEW_GRANT = "grant.view"  # obj: the Dossier (agreement, payments, report)
    EDIT_REPORT = "report.edit"  # obj: the Dossier
    SUBMIT_REPORT = "report.submit"  # obj: the Dossier (the head's act)
    REVIEW_REPORT = "report.review"  # obj: the Dossier
    CONSENT_PUBLICATION = "report.consent"  # obj: the Dossier (the head's agreement to publish)
    # outcomes area (checks in outcomes/policy.py)
    VIEW_OUTCOMES = "outcomes.view"  # obj: None (the outcome dashboard, its exports and API)
    COMPOSE_LETTER = "letter.compose"  # obj: a LetterIssue or None (La Lettre de la MLDS)
    MANAGE_PRACTICE_SHEETS = "sheet.manage"  # obj: None or the Dossier (the coordinator's sheets)


# Areas extend the policy here (the core never imports them): permission → check(user, obj),
# and extra readers of the applications area's dossiers: (check(user, dossier) → bool,
# clause(user) → SQL or None), which its VIEW_DOSSIER check and `visible_dossiers` consult.
_area_checks: dict = {}
_area_readers: list = []
# model → the permission that reads it: who lacks it gets 404, not 403 (existence is confidential).
_view_permissions: dict = {}


def register_area_policy(checks: dict, readers: list) -> None:
    _area_checks.update(checks)
    for reader in readers:
        if reader not in _area_readers:
            _area_readers.append(reader)


def area_readers() -> list:
    """The (check, clause) pairs other areas registered for reading dossiers."""
    return list(_area_readers)


def register_view_permission(model, permission: Permission) -> None:
    """Declare what reads `model`: `require_readable` and `portal.web.load` hide it (404) from
    whoever lacks that permission."""
    _view_permissions[model] = permission


def view_permission(obj) -> Permission | None:
    return _view_permissions.get(type(obj))


APPLICANT_ROLES = (Role.applicant_staff, Role.applicant_head)


def can(user: User | None, permission: Permission, obj=None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    match permission:
        case Permission.VIEW_CALL:
            return True
        case Permission.MANAGE_CALLS:
            return user.has_role(Role.call_admin, Role.admin)
        case Permission.VIEW_ESTABLISHMENTS:
            return user.has_role(Role.admin, Role.call_admin, Role.observer)
        case Permission.MANAGE_ESTABLISHMENTS | Permission.MANAGE_USERS:
            return user.has_role(Role.admin)
    check = _area_checks.get(permission)
    return bool(check and check(user, obj))


def require(
    user: User | None,
    permission: Permission,
    obj=None,
    *,
    hide: bool = False,
    message: str | None = None,
) -> None:
    """Raise PermissionDenied (or NotFound when existence itself is confidential), and log it.

    `message` says, to someone who may see the object, why this action is not theirs.
    """
    if can(user, permission, obj):
        return
    log.warning(
        "access denied: user=%s permission=%s object=%s#%s",
        getattr(user, "id", None),
        permission.value,
        type(obj).__name__,
        getattr(obj, "id", None),
    )
    if hide:
        raise NotFound()
    raise PermissionDenied(message) if message else PermissionDenied()


def require_readable(
    user: User | None, permission: Permission, obj, *, view: Permission | None = None
) -> None:
    """Someone who may not even read `obj` (its registered view permission, or `view`) gets a
    404; a reader lacking `permission` a 403."""
    view = view or view_permission(obj)
    if view is not None and not can(user, view, obj):
        require(user, permission, obj, hide=True)
    require(user, permission, obj)
