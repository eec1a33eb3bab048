"""The review area's part of the one policy (portal.permissions): who reads which dossier and review.

Registered with `portal.permissions.register_area_policy` when the area is imported, so
`can(user, Permission.SCORE_REVIEW, review)` and `visible_dossiers(user)` know these rules.
Conflicts of interest are applied here, in the checks and in the list clause alike: a conflicted
reviewer never sees the dossier, its reviews, or any count of them.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select, true

from applications.models import Dossier
from applications.policy import is_member
from portal.db import db, memo
from portal.models import Role, User
from portal.permissions import Permission, can, register_area_policy

from .models import (
    CommissionMember,
    ConflictDeclaration,
    CopilotDeputy,
    Decision,
    PhaseKind,
    Review,
    ReviewPhase,
    ReviewSettings,
    ReviewStatus,
    Visibility,
)

# Dossier states in which co-pilots read the dossiers of their call.
IN_REVIEW_STATES = (
    "in_review",
    "reviewed",
    "proposed_accept",
    "proposed_reject",
    "accepted",
    "rejected",
    "funded",
    "reporting",
    "closed",
)
SCORABLE = (ReviewStatus.assigned, ReviewStatus.draft, ReviewStatus.reopened)


def member(user: User, call_id: int) -> CommissionMember | None:
    return memo(
        ("member", user.id, call_id),
        lambda: db.session.scalar(
            select(CommissionMember).where(
                CommissionMember.call_id == call_id, CommissionMember.user_id == user.id
            )
        ),
    )


def is_copilot(user: User, call_id: int) -> bool:
    """The call's co-pilot, or the deputy a co-pilot named for it (who acts as co-pilot)."""
    if not user.has_role(Role.copilot):
        return False
    row = member(user, call_id)
    if row and row.is_copilot:
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(CopilotDeputy.call_id == call_id, CopilotDeputy.deputy_id == user.id)
            )
        )
    )


def current_phase(call_id: int) -> PhaseKind | None:
    return memo(
        ("current_phase", call_id),
        lambda: db.session.scalar(
            select(ReviewPhase.kind)
            .join(ReviewSettings, ReviewSettings.current_phase_id == ReviewPhase.id)
            .where(ReviewSettings.call_id == call_id)
        ),
    )


def conflicted(user: User, dossier: Dossier) -> bool:
    """Belongs to the establishment, or declared a conflict with the dossier."""
    if user.establishment_id is not None and user.establishment_id == dossier.establishment_id:
        return True
    return memo(
        ("declared_conflict", user.id, dossier.id),
        lambda: bool(
            db.session.scalar(
                select(
                    exists().where(
                        ConflictDeclaration.dossier_id == dossier.id,
                        ConflictDeclaration.user_id == user.id,
                    )
                )
            )
        ),
    )


def _own_review(user: User, dossier_id: int) -> Review | None:
    return memo(
        ("own_review", user.id, dossier_id),
        lambda: db.session.scalar(
            select(Review).where(Review.dossier_id == dossier_id, Review.reviewer_id == user.id)
        ),
    )


# ---------------------------------------------------------------- dossier readers


def reads_dossier(user: User, dossier: Dossier) -> bool:
    if not user.has_role(Role.reviewer, Role.copilot) or dossier.reference is None:
        return False
    if conflicted(user, dossier):
        return False
    review = _own_review(user, dossier.id)
    if review is not None and review.status != ReviewStatus.declined:
        return True
    return dossier.status.value in IN_REVIEW_STATES and is_copilot(user, dossier.call_id)


def dossier_clause(user: User):
    if not user.has_role(Role.reviewer, Role.copilot):
        return None
    assigned = Dossier.id.in_(
        select(Review.dossier_id).where(
            Review.reviewer_id == user.id, Review.status != ReviewStatus.declined
        )
    )
    readers = [assigned]
    if user.has_role(Role.copilot):
        copiloted = (
            select(CommissionMember.call_id)
            .where(CommissionMember.user_id == user.id, CommissionMember.is_copilot.is_(True))
            .union(select(CopilotDeputy.call_id).where(CopilotDeputy.deputy_id == user.id))
        )
        readers.append(and_(Dossier.call_id.in_(copiloted), Dossier.status.in_(IN_REVIEW_STATES)))
    not_declared = ~Dossier.id.in_(
        select(ConflictDeclaration.dossier_id).where(ConflictDeclaration.user_id == user.id)
    )
    not_own = (
        Dossier.establishment_id != user.establishment_id
        if user.establishment_id is not None
        else true()
    )
    return and_(or_(*readers), not_declared, not_own, Dossier.reference.is_not(None))


# ---------------------------------------------------------------- checks


def _call_admin(user: User, _obj=None) -> bool:
    return user.has_role(Role.call_admin)


def _manage_commission(user: User, call) -> bool:
    return user.has_role(Role.call_admin)


def _declare_conflict(user: User, dossier: Dossier) -> bool:
    # Only someone who reads the dossier (assigned, or its co-pilot) declares on it: an
    # unassigned member learns nothing about other dossiers through this page.
    return (
        user.has_role(Role.reviewer, Role.copilot)
        and dossier is not None
        and member(user, dossier.call_id) is not None
        and reads_dossier(user, dossier)
    )


def _score(user: User, review: Review) -> bool:
    if review is None or review.reviewer_id != user.id or review.status not in SCORABLE:
        return False
    if conflicted(user, review.dossier):
        return False
    phase = current_phase(review.dossier.call_id)
    if phase == PhaseKind.independent_scoring:
        return True
    return review.status == ReviewStatus.reopened and phase == PhaseKind.deliberation


def _view_review(user: User, review: Review) -> bool:
    """Own review; call admins; co-pilots of the call; fellow reviewers per phase and setting."""
    if review is None:
        return False
    dossier = review.dossier
    if review.reviewer_id == user.id:
        return review.status != ReviewStatus.declined
    if user.has_role(Role.call_admin):
        return True
    if conflicted(user, dossier):
        return False
    mine = _own_review(user, dossier.id)
    if is_copilot(user, dossier.call_id):
        # A co-pilot who also reviews this dossier first finishes their own, independently.
        return mine is None or mine.status in (ReviewStatus.submitted, ReviewStatus.declined)
    if review.status != ReviewStatus.submitted:
        return False  # nobody but its author and the staff sees a review in progress
    if mine is None or mine.status != ReviewStatus.submitted:
        return False
    settings = db.session.get(ReviewSettings, dossier.call_id)
    if settings is None or settings.visibility == Visibility.never:
        return False
    return current_phase(dossier.call_id) in (PhaseKind.deliberation, PhaseKind.decision)


def _reopen(user: User, review: Review) -> bool:
    # Reopening in the decision phase would leave a review nobody may edit.
    return (
        review is not None
        and user.has_role(Role.call_admin)
        and review.status == ReviewStatus.submitted
        and current_phase(review.dossier.call_id) != PhaseKind.decision
    )


def _view_ranking(user: User, call) -> bool:
    return user.has_role(Role.call_admin) or is_copilot(user, call.id)


def _run_session(user: User, call) -> bool:
    return user.has_role(Role.call_admin) or is_copilot(user, call.id)


def _validate_decision(user: User, decision: Decision) -> bool:
    return (
        decision is not None
        and is_copilot(user, decision.dossier.call_id)
        and not conflicted(user, decision.dossier)
    )


def _view_decision(user: User, dossier: Dossier) -> bool:
    """Staff who read the dossier see its decision; the establishment once results are published."""
    if dossier is None or not can(user, Permission.VIEW_DOSSIER, dossier):
        return False
    if not is_member(user, dossier):
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Decision.dossier_id == dossier.id, Decision.published_at.is_not(None)
                )
            )
        )
    )


def _view_notes(user: User, dossier: Dossier) -> bool:
    """Internal notes: the call office, the call's co-pilots and the dossier's assigned reviewers
    (the readers `reads_dossier` admits) — never anyone of its establishment."""
    if dossier is None or dossier.reference is None or is_member(user, dossier):
        return False
    if user.has_role(Role.call_admin) and can(user, Permission.VIEW_DOSSIER, dossier):
        return True
    return reads_dossier(user, dossier)


def register() -> None:
    """Add the area's rules to the one policy (called by the area's init_app)."""
    register_area_policy(
        {
            Permission.MANAGE_COMMISSION: _manage_commission,
            Permission.DECLARE_CONFLICT: _declare_conflict,
            Permission.SCORE_REVIEW: _score,
            Permission.VIEW_REVIEW: _view_review,
            Permission.REOPEN_REVIEW: _reopen,
            Permission.VIEW_RANKING: _view_ranking,
            Permission.RUN_SESSION: _run_session,
            Permission.VALIDATE_DECISION: _validate_decision,
            Permission.PUBLISH_RESULTS: _call_admin,
            Permission.VIEW_DECISION: _view_decision,
            Permission.VIEW_NOTES: _view_notes,
        },
        [(reads_dossier, dossier_clause)],
    )
