"""What the assignment page shows: each assignable dossier's reviewers, suspicions and gaps.

The pure rules are review.assignment's; this module feeds them the call's rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from applications.models import Dossier
from portal.db import db
from portal.models import INSTITUTION_LABELS, Call, Establishment, Institution

from .. import assignment
from ..models import CommissionMember, ConflictDeclaration, Review, ReviewSettings, ReviewStatus
from .commission import ASSIGNABLE_STATES, members, settings_of


@dataclass
class Coverage:
    """What the assignment page shows, loaded in a constant number of queries."""

    settings: ReviewSettings | None
    dossiers: list[Dossier]
    members: list[CommissionMember]
    reviews: dict = field(default_factory=dict)  # dossier id → [Review] (not declined)
    declined: dict = field(default_factory=dict)  # dossier id → [Review] declined
    suspicions: dict = field(default_factory=dict)  # dossier id → [(member, reason)]
    declared: set = field(default_factory=set)  # (user id, dossier id)
    loads: dict = field(default_factory=dict)  # user id → active assignments in the call
    missing: dict = field(default_factory=dict)  # dossier id → [French reasons]

    def per_institution(self, dossier_id):
        out = {Institution.state: [], Institution.region: []}
        for review in self.reviews.get(dossier_id, []):
            out[review.institution].append(review)
        return out


def dossier_ref(d: Dossier) -> assignment.DossierRef:
    return assignment.DossierRef(d.id, d.establishment_id, d.establishment.network_id)


def reviewer_ref(m: CommissionMember) -> assignment.ReviewerRef:
    est = m.user.establishment
    return assignment.ReviewerRef(
        m.user_id,
        m.institution.value,
        m.user.establishment_id,
        est.network_id if est is not None else None,
    )


def assignable_dossiers(call: Call) -> list[Dossier]:
    return list(
        db.session.scalars(
            select(Dossier)
            .where(Dossier.call_id == call.id, Dossier.status.in_(ASSIGNABLE_STATES))
            .options(joinedload(Dossier.establishment).joinedload(Establishment.network))
            .order_by(Dossier.reference, Dossier.id)
        )
    )


def call_reviews(call: Call) -> list[Review]:
    return list(
        db.session.scalars(
            select(Review)
            .join(Dossier, Dossier.id == Review.dossier_id)
            .where(Dossier.call_id == call.id)
            .options(joinedload(Review.reviewer))
            .order_by(Review.id)
        )
    )


def declared_pairs(call: Call) -> set:
    return {
        (r, d)
        for r, d in db.session.execute(
            select(ConflictDeclaration.user_id, ConflictDeclaration.dossier_id)
            .join(Dossier, Dossier.id == ConflictDeclaration.dossier_id)
            .where(Dossier.call_id == call.id)
        )
    }


def coverage(call: Call) -> Coverage:
    """Each assignable dossier with its reviewers per institution, suspected conflicts, gaps."""
    settings = settings_of(call)
    dossiers = assignable_dossiers(call)
    people = [m for m in members(call) if m.user.active]
    result = Coverage(settings=settings, dossiers=dossiers, members=people)
    result.declared = declared_pairs(call)
    by_user = {m.user_id: m for m in people}
    for review in call_reviews(call):
        bucket = result.declined if review.status == ReviewStatus.declined else result.reviews
        bucket.setdefault(review.dossier_id, []).append(review)
        if review.status != ReviewStatus.declined:
            result.loads[review.reviewer_id] = result.loads.get(review.reviewer_id, 0) + 1
    refs = [reviewer_ref(m) for m in people]
    for s in assignment.suspected_conflicts(
        refs, [dossier_ref(d) for d in dossiers], result.declared
    ):
        result.suspicions.setdefault(s.dossier_id, []).append((by_user[s.reviewer_id], s.reason))
    n = settings.reviewers_per_dossier if settings else assignment.MIN_REVIEWERS
    for d in dossiers:
        per = result.per_institution(d.id)
        reasons = [f"aucun instructeur {INSTITUTION_LABELS[i]}" for i in per if not per[i]]
        count = len(result.reviews.get(d.id, []))
        if count < n:
            reasons.append(f"{count} instructeur{'s' if count > 1 else ''} sur {n}")
        if reasons:
            result.missing[d.id] = reasons
    return result


def suspected_conflicts(call: Call) -> list[tuple[Dossier, CommissionMember, str]]:
    """The (dossier, member, reason) pairs to look at before assigning (same establishment or
    same FOQUALE network), over the call's assignable dossiers and active members."""
    cov = coverage(call)
    by_id = {d.id: d for d in cov.dossiers}
    return [(by_id[did], m, reason) for did, items in cov.suspicions.items() for m, reason in items]
