"""Assignment of reviewers to dossiers: automatic (review.assignment's plan), by hand, withdrawn.

Persisting an assignment moves an eligible dossier into review and mails each reviewer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from applications import workflow
from applications.models import Dossier, DossierStatus
from portal import audit
from portal.db import db
from portal.errors import Conflict, NotFound, ServiceError
from portal.models import Call, User
from portal.notifications import notify
from portal.permissions import Permission, require

from .. import assignment
from ..models import CommissionMember, PhaseKind, Review, ReviewSettings, ReviewStatus
from .commission import (
    ASSIGNABLE_STATES,
    REMOVABLE_STATES,
    current_phase,
    members,
    settings_or_refuse,
)
from .coverage import assignable_dossiers, call_reviews, declared_pairs, dossier_ref, reviewer_ref


@dataclass
class AssignmentResult:
    created: list[Review] = field(default_factory=list)
    shortfalls: list[str] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)  # ids of conflicted pending assignments


def refuse_in_decision(call: Call) -> ReviewSettings:
    settings = settings_or_refuse(call)
    phase = current_phase(call)
    if phase is not None and phase.kind == PhaseKind.decision:
        raise Conflict(
            "La commission est en phase de décision : les affectations ne changent plus."
        )
    return settings


def create_reviews(
    user: User, pairs: list[tuple[CommissionMember, Dossier]], how: str
) -> list[Review]:
    """Persist assignments, move eligible dossiers into review, audit, mail each reviewer."""
    created = []
    per_dossier = defaultdict(list)
    for member, dossier in pairs:
        review = Review(
            dossier_id=dossier.id,
            reviewer_id=member.user_id,
            institution=member.institution,
            status=ReviewStatus.assigned,
        )
        db.session.add(review)
        created.append(review)
        per_dossier[dossier.id].append((member, dossier))
    db.session.flush()
    for items in per_dossier.values():
        dossier = items[0][1]
        change = {}
        if dossier.status == DossierStatus.eligible:
            before, after = workflow.transition(dossier, "assign")
            change = {"status": [before.value, after.value]}
        audit.record(
            user,
            "reviewers_assigned",
            dossier,
            {"reviewers": [m.user_id for m, _ in items], "how": how, **change},
        )
    db.session.flush()
    per_reviewer = defaultdict(list)
    for member, dossier in pairs:
        per_reviewer[member.user_id].append((member, dossier))
    for items in per_reviewer.values():
        person = items[0][0].user
        base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
        lines = "\n".join(
            f"- {d.reference} : {d.title} ({d.establishment.name})\n"
            f"  En cas de conflit d'intérêts : "
            f"{base}/instruction/dossiers/{d.id}/conflit"
            for _, d in sorted(items, key=lambda x: x[1].reference or "")
        )
        count = len(items)
        notify(
            [person],
            "assignment",
            f"{count} nouveau{'x' if count > 1 else ''} dossier{'s' if count > 1 else ''} "
            "à évaluer",
            f"Bonjour {person.full_name},\n\nLa commission vous a confié "
            f"{count} nouveau{'x' if count > 1 else ''} dossier{'s' if count > 1 else ''} "
            f"à évaluer :\n{lines}\n\nSi vous avez un lien avec l'un de ces établissements, "
            "déclarez un conflit d'intérêts par le lien indiqué : le dossier vous sera "
            "retiré.",
        )
    return created


def run_assignment(user: User, call: Call) -> AssignmentResult:
    """Give every eligible dossier N reviewers (one of each institution at least) and top up
    dossiers already in review, load balanced, never a conflicted pair (declared, same
    establishment, nor by default a same-network suspicion). Returns what could not be served."""
    require(user, Permission.MANAGE_COMMISSION, call)
    settings = refuse_in_decision(call)
    dossiers = assignable_dossiers(call)
    people = [m for m in members(call) if m.user.active]
    reviews = call_reviews(call)
    declared = declared_pairs(call)
    declared |= {
        (r.reviewer_id, r.dossier_id) for r in reviews if r.status == ReviewStatus.declined
    }
    existing = {(r.reviewer_id, r.dossier_id) for r in reviews if r.status != ReviewStatus.declined}
    plan = assignment.assign(
        [dossier_ref(d) for d in dossiers],
        [reviewer_ref(m) for m in people],
        settings.reviewers_per_dossier,
        declared,
        existing,
    )
    by_user = {m.user_id: m for m in people}
    by_dossier = {d.id: d for d in dossiers}
    result = AssignmentResult()
    for rid, did in plan.conflicted_existing:
        review = next(r for r in reviews if (r.reviewer_id, r.dossier_id) == (rid, did))
        if review.status in REMOVABLE_STATES:
            result.removed.append(review.id)
            audit.record(
                user,
                "assignment_removed",
                by_dossier[did],
                {"reviewer_id": rid, "reason": "conflict"},
            )
            db.session.delete(review)
    db.session.flush()
    result.created = create_reviews(
        user, [(by_user[r], by_dossier[d]) for r, d in plan.pairs], "automatic"
    )
    for did, message in plan.shortfalls:
        ref = by_dossier[did].reference or str(did)
        result.shortfalls.append(message.replace(f"Dossier {did} :", f"Dossier {ref} :", 1))
    audit.record(
        user,
        "assignment_run",
        call,
        {
            "created": len(result.created),
            "shortfalls": len(result.shortfalls),
            "removed": result.removed,
        },
    )
    return result


def refusal(
    call: Call, dossier: Dossier | None, person: User | None, member, *, declared: set, taken: set
) -> str | None:
    """Why this (dossier, person) pair may not be assigned, in French; None when it may."""
    if dossier is None or dossier.call_id != call.id:
        return "ce dossier n'appartient pas à cet appel"
    if dossier.status not in ASSIGNABLE_STATES:
        return (
            f"le dossier {dossier.reference} est « {dossier.status_label} » : seuls les "
            "dossiers recevables ou en instruction reçoivent des instructeurs"
        )
    if person is None:
        return "personne inconnue"
    if member is None or not person.active:
        return f"{person.full_name} n'est pas membre de la commission de cet appel"
    if person.establishment_id is not None and person.establishment_id == dossier.establishment_id:
        return (
            f"conflit d'intérêts : {person.full_name} appartient à l'établissement du dossier "
            f"{dossier.reference}"
        )
    if (person.id, dossier.id) in declared:
        return (
            f"conflit d'intérêts : {person.full_name} a déclaré un conflit avec le dossier "
            f"{dossier.reference}"
        )
    if (person.id, dossier.id) in taken:
        return f"{person.full_name} est déjà affecté au dossier {dossier.reference}"
    return None


def pair_context(call: Call) -> tuple[set, set]:
    reviews = db.session.execute(
        select(Review.reviewer_id, Review.dossier_id, Review.status)
        .join(Dossier)
        .where(Dossier.call_id == call.id)
    ).all()
    declared = declared_pairs(call) | {(r, d) for r, d, s in reviews if s == ReviewStatus.declined}
    taken = {(r, d) for r, d, _ in reviews}
    return declared, taken


def assign_reviewer(user: User, call: Call, dossier_id, person_id) -> Review:
    """Assign one member to one dossier by hand (a same-network suspicion is the admin's call;
    a declared conflict, the same establishment, a non-member or a duplicate are refused)."""
    require(user, Permission.MANAGE_COMMISSION, call)
    refuse_in_decision(call)
    dossier = db.session.get(Dossier, int(dossier_id)) if str(dossier_id).isdigit() else None
    person = db.session.get(User, int(person_id)) if str(person_id).isdigit() else None
    member = None
    if person is not None:
        member = db.session.scalar(
            select(CommissionMember).where(
                CommissionMember.call_id == call.id, CommissionMember.user_id == person.id
            )
        )
    declared, taken = pair_context(call)
    reason = refusal(call, dossier, person, member, declared=declared, taken=taken)
    if reason:
        raise ServiceError(f"Affectation impossible : {reason}.")
    return create_reviews(user, [(member, dossier)], "manual")[0]


def remove_assignment(user: User, call: Call, review_id) -> None:
    """Withdraw an assignment not yet handed in; a dossier left without reviewers is eligible
    again."""
    require(user, Permission.MANAGE_COMMISSION, call)
    refuse_in_decision(call)
    review = db.session.get(Review, review_id)
    if review is None or review.dossier.call_id != call.id:
        raise NotFound("Cette affectation n'existe pas.")
    if review.status not in REMOVABLE_STATES:
        raise Conflict(
            "Cette évaluation a été rendue ou déclinée : l'affectation ne peut plus être retirée."
        )
    dossier = review.dossier
    db.session.delete(review)
    db.session.flush()
    change = {}
    left = db.session.scalar(
        select(func.count(Review.id)).where(
            Review.dossier_id == dossier.id, Review.status != ReviewStatus.declined
        )
    )
    if not left and dossier.status == DossierStatus.in_review:
        before, after = workflow.transition(dossier, "unassign")
        change = {"status": [before.value, after.value]}
    audit.record(user, "assignment_removed", dossier, {"reviewer_id": review.reviewer_id, **change})
