"""Conflicts of interest a commission member declares with a dossier."""

from __future__ import annotations

from sqlalchemy import select

from applications.models import Dossier
from portal import audit
from portal.db import db
from portal.errors import Conflict, PermissionDenied, ServiceError
from portal.inputs import length_problem
from portal.models import User

from ..models import CommissionMember, ConflictDeclaration, ConflictKind, Review
from ..workflow import REVIEW

COMMENT_LIMIT = 2000


def declare_conflict(
    user: User, dossier: Dossier, kind: str, comment: str = ""
) -> ConflictDeclaration:
    """A commission member declares a conflict with a dossier; any assignment of theirs is declined.

    After this the member can never be assigned to the dossier (the assignment step reads these
    declarations), whatever the phase.
    """
    member = db.session.scalar(
        select(CommissionMember).where(
            CommissionMember.call_id == dossier.call_id, CommissionMember.user_id == user.id
        )
    )
    if member is None:
        raise PermissionDenied(
            "Seuls les membres de la commission de cet appel déclarent des conflits d'intérêts."
        )
    try:
        conflict_kind = ConflictKind(kind)
    except ValueError:
        raise ServiceError(
            "Choisissez le type de conflit : " + ", ".join(k.label for k in ConflictKind) + ".",
            field="kind",
        ) from None
    comment = (comment or "").strip()
    problem = length_problem(comment, COMMENT_LIMIT)
    if problem:
        raise ServiceError(problem, field="comment")
    if conflict_kind == ConflictKind.other and not comment:
        raise ServiceError("Précisez la nature du conflit.", field="comment")
    exists = db.session.scalar(
        select(ConflictDeclaration.id).where(
            ConflictDeclaration.dossier_id == dossier.id, ConflictDeclaration.user_id == user.id
        )
    )
    if exists:
        raise Conflict("Vous avez déjà déclaré un conflit d'intérêts pour ce dossier.")
    declaration = ConflictDeclaration(
        dossier_id=dossier.id, user_id=user.id, kind=conflict_kind, comment=comment
    )
    db.session.add(declaration)
    review = db.session.scalar(
        select(Review).where(Review.dossier_id == dossier.id, Review.reviewer_id == user.id)
    )
    if review is not None and REVIEW.allows(review, "decline"):
        REVIEW.transition(review, "decline")
    db.session.flush()
    audit.record(
        user,
        "conflict_declared",
        dossier,
        {"kind": conflict_kind.value, "declined_review": review.id if review else None},
    )
    return declaration
