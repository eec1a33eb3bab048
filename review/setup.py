"""Commission set-up per call, suspected conflicts, and assignment of reviewers to dossiers.

Functions take domain objects and plain data, check the policy (MANAGE_COMMISSION on the call),
audit, queue mail and flush; the caller (a view) commits once. Each refusal is a ServiceError (or
Conflict / PermissionDenied / NotFound) with a French message, raised before anything changes.
The automatic assignment itself is the pure `review.assignment.assign`; this module feeds it the
call's dossiers, members, declared conflicts and existing assignments, and persists its plan.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import joinedload

from applications import workflow
from applications.models import Dossier, DossierStatus
from portal import audit
from portal.db import db
from portal.errors import Conflict, NotFound, ServiceError
from portal.mail import queue_mail
from portal.models import (INSTITUTION_LABELS, Call, Establishment, Institution, Role, RoleGrant,
                           User)
from portal.permissions import Permission, require

from . import assignment
from .models import (PHASE_LABELS, CommissionMember, ConflictDeclaration, Criterion, PhaseKind,
                     Review, ReviewPhase, ReviewSettings, ReviewStatus, Score, Visibility)

PHASE_ORDER = (PhaseKind.independent_scoring, PhaseKind.deliberation, PhaseKind.decision)
VISIBILITY_LABELS = {
    Visibility.after_own_review: "Après avoir rendu sa propre évaluation (en délibération)",
    Visibility.never: "Jamais (chacun ne voit que la sienne)",
}
ASSIGNABLE_STATES = (DossierStatus.eligible, DossierStatus.in_review)
DONE_STATES = (ReviewStatus.submitted, ReviewStatus.reopened)  # a review that was handed in
REMOVABLE_STATES = (ReviewStatus.assigned, ReviewStatus.draft)
MAX_REVIEWERS = 10
MAX_THRESHOLD = Decimal("20")
MAX_IMPORT_LINES = 5000

# The grid a dropout call starts with (the administrator may change it until a review is in).
DEFAULT_GRID = [
    dict(label="Pertinence au regard du décrochage",
         guidance="Le projet répond-il à un besoin repéré de prévention, d'intervention ou de "
                  "remédiation du décrochage ? Le public visé est-il bien identifié ?",
         weight=Decimal("2.00")),
    dict(label="Qualité du partenariat",
         guidance="Partenaires mobilisés (mission locale, MLDS, associations, entreprises…), rôle "
                  "de chacun, engagement formalisé.", weight=Decimal("1.00")),
    dict(label="Faisabilité et budget",
         guidance="Calendrier réaliste, moyens humains, budget équilibré et proportionné aux "
                  "actions.", weight=Decimal("1.00")),
    dict(label="Évaluation prévue",
         guidance="Indicateurs mesurables (absentéisme, raccrochage, certification), situation "
                  "de départ et cible.", weight=Decimal("1.00")),
    dict(label="Solution innovante (service civique, micro-lycée, numérique…)",
         guidance="Indiquez si le projet propose une solution innovante ; ce critère est signalé "
                  "mais n'entre pas dans la note.", weight=Decimal("1.00"), scoring=False,
         required=False, scale_min=0, scale_max=1),
]


# ---------------------------------------------------------------- loading

def get_call(user: User, call_id: int) -> Call:
    """The call whose commission `user` manages (404 if it does not exist, 403 otherwise)."""
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound()
    require(user, Permission.MANAGE_COMMISSION, call)
    return call


def settings_of(call: Call) -> ReviewSettings | None:
    return db.session.get(ReviewSettings, call.id)


def _settings_or_refuse(call: Call) -> ReviewSettings:
    settings = settings_of(call)
    if settings is None:
        raise ServiceError("La commission de cet appel n'est pas encore mise en place : "
                           "enregistrez d'abord ses règles d'instruction.")
    return settings


def phases(call: Call) -> list[ReviewPhase]:
    return list(db.session.scalars(select(ReviewPhase).where(ReviewPhase.call_id == call.id)
                                   .order_by(ReviewPhase.position)))


def members(call: Call) -> list[CommissionMember]:
    return list(db.session.scalars(
        select(CommissionMember).where(CommissionMember.call_id == call.id)
        .options(joinedload(CommissionMember.user).joinedload(User.establishment))
        .join(User, User.id == CommissionMember.user_id)
        .order_by(CommissionMember.institution, User.full_name, CommissionMember.id)))


def criteria(call: Call) -> list[Criterion]:
    return list(db.session.scalars(select(Criterion).where(Criterion.call_id == call.id)
                                   .order_by(Criterion.position, Criterion.id)))


def eligible_people() -> list[tuple[User, Role, Institution]]:
    """Active users who hold the reviewer or co-pilot role, with each (role, institution)."""
    rows = db.session.execute(
        select(User, RoleGrant.role, RoleGrant.institution).join(RoleGrant)
        .where(User.active.is_(True), RoleGrant.role.in_([Role.reviewer, Role.copilot]))
        .order_by(User.full_name, User.id, RoleGrant.role, RoleGrant.institution)).all()
    return [(u, r, i) for u, r, i in rows]


def has_submitted_reviews(call: Call) -> bool:
    return bool(db.session.scalar(select(exists().where(
        Review.dossier_id == Dossier.id, Dossier.call_id == call.id,
        (Review.status.in_(DONE_STATES)) | Review.submitted_at.is_not(None)))))


# ---------------------------------------------------------------- settings and phases

def _parse_threshold(value, field_name: str, label: str, errors: dict) -> Decimal | None:
    text = str(value if value is not None else "").strip().replace(",", ".").replace(" ", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        errors[field_name] = f"{label} : indiquez un nombre sur 20, par exemple 4 ou 3,5."
        return None
    if not number.is_finite() or number < 0 or number > MAX_THRESHOLD:
        errors[field_name] = f"{label} : indiquez un nombre entre 0 et 20."
        return None
    if number != number.quantize(Decimal("0.01")):
        errors[field_name] = f"{label} : deux décimales au plus."
        return None
    return number.quantize(Decimal("0.01"))


def _parse_int(value, field_name: str, message: str, errors: dict) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        errors[field_name] = message
        return None


def save_settings(user: User, call: Call, data: dict) -> ReviewSettings:
    """Create or change the call's review rules.

    Guarantees: N ≥ 2 (at most 10) reviewers per dossier, thresholds between 0 and 20, a known
    visibility rule; the first save also creates the three phases (positions 1, 2, 3, the call
    starting in independent scoring) and the default scoring grid. Audited with the changes.
    """
    require(user, Permission.MANAGE_COMMISSION, call)
    errors: dict = {}
    n = _parse_int(data.get("reviewers_per_dossier"), "reviewers_per_dossier",
                   "Indiquez un nombre entier d'instructeurs par dossier (au moins 2).", errors)
    if n is not None and n < assignment.MIN_REVIEWERS:
        errors["reviewers_per_dossier"] = ("Il faut au moins 2 instructeurs par dossier : un de "
                                           "l'État et un de la Région.")
    elif n is not None and n > MAX_REVIEWERS:
        errors["reviewers_per_dossier"] = f"Au plus {MAX_REVIEWERS} instructeurs par dossier."
    gap = _parse_threshold(data.get("gap_threshold"), "gap_threshold",
                           "Seuil d'écart État–Région", errors)
    spread = _parse_threshold(data.get("spread_threshold"), "spread_threshold",
                              "Seuil de dispersion", errors)
    try:
        visibility = Visibility(data.get("visibility"))
    except ValueError:
        errors["visibility"] = "Choisissez quand un instructeur voit les évaluations des autres."
        visibility = None
    if errors:
        raise ServiceError(next(iter(errors.values())), errors=errors)
    settings = settings_of(call)
    created = settings is None
    if created:
        settings = ReviewSettings(call_id=call.id)
        db.session.add(settings)
    before = {"reviewers_per_dossier": settings.reviewers_per_dossier,
              "gap_threshold": settings.gap_threshold,
              "spread_threshold": settings.spread_threshold, "visibility": settings.visibility}
    settings.reviewers_per_dossier, settings.gap_threshold = n, gap
    settings.spread_threshold, settings.visibility = spread, visibility
    db.session.flush()
    if created:
        rows = [ReviewPhase(call_id=call.id, kind=kind, position=i)
                for i, kind in enumerate(PHASE_ORDER, start=1)]
        db.session.add_all(rows)
        db.session.flush()
        settings.current_phase_id = rows[0].id
        if not criteria(call):
            for i, item in enumerate(DEFAULT_GRID, start=1):
                db.session.add(Criterion(call_id=call.id, position=i, **{
                    "scale_min": 0, "scale_max": 5, "required": True, "scoring": True, **item}))
        db.session.flush()
    after = {"reviewers_per_dossier": n, "gap_threshold": gap, "spread_threshold": spread,
             "visibility": visibility}
    audit.record(user, "commission_set_up" if created else "commission_settings_changed", call,
                 audit.diff({} if created else before, after))
    return settings


def current_phase(call: Call) -> ReviewPhase | None:
    settings = settings_of(call)
    if settings is None or settings.current_phase_id is None:
        return None
    return db.session.get(ReviewPhase, settings.current_phase_id)


def advance_phase(user: User, call: Call, target: str) -> ReviewPhase:
    """Move the call to the next phase (independent scoring → deliberation → decision).

    Only one step forward at a time: going back, staying, or skipping a phase is refused, so a
    double click or a stale page cannot move the commission twice.
    """
    require(user, Permission.MANAGE_COMMISSION, call)
    settings = _settings_or_refuse(call)
    try:
        kind = PhaseKind(target)
    except ValueError:
        raise ServiceError("Choisissez la phase suivante.", field="target") from None
    rows = {p.kind: p for p in phases(call)}
    current = db.session.get(ReviewPhase, settings.current_phase_id)
    wanted = rows[kind]
    if wanted.position == current.position:
        raise Conflict(f"La commission est déjà en phase « {PHASE_LABELS[kind]} ».")
    if wanted.position < current.position:
        raise Conflict(f"On ne revient pas en arrière : la commission est en phase "
                       f"« {PHASE_LABELS[current.kind]} ».")
    if wanted.position > current.position + 1:
        following = next(p for p in rows.values() if p.position == current.position + 1)
        raise Conflict(f"Passez d'abord par la phase « {PHASE_LABELS[following.kind]} ».")
    settings.current_phase_id = wanted.id
    db.session.flush()
    audit.record(user, "commission_phase_changed", call,
                 {"phase": [current.kind.value, wanted.kind.value]})
    return wanted


# ---------------------------------------------------------------- members

def _member(call: Call, member_id) -> CommissionMember:
    row = db.session.get(CommissionMember, member_id) if member_id is not None else None
    if row is None or row.call_id != call.id:
        raise NotFound("Ce membre de la commission n'existe pas.")
    return row


def add_member(user: User, call: Call, person_id, institution: str) -> CommissionMember:
    """Add a reviewer (or co-pilot) to the commission, for an institution their role grant names."""
    require(user, Permission.MANAGE_COMMISSION, call)
    _settings_or_refuse(call)
    person = db.session.get(User, int(person_id)) if str(person_id or "").isdigit() else None
    if person is None or not person.active:
        raise ServiceError("Choisissez une personne active de la liste.", field="user_id")
    try:
        inst = Institution(institution)
    except ValueError:
        raise ServiceError("Choisissez l'institution : État (rectorat) ou Région.",
                           field="institution") from None
    granted = person.institutions(Role.reviewer) | person.institutions(Role.copilot)
    if not granted:
        raise ServiceError(f"{person.full_name} n'a pas le rôle d'instructeur ni de co-pilote : "
                           "demandez à l'administrateur de le lui attribuer.", field="user_id")
    if inst not in granted:
        raise ServiceError(f"{person.full_name} est instructeur pour "
                           f"{', '.join(INSTITUTION_LABELS[i] for i in sorted(granted))}, pas pour "
                           f"{INSTITUTION_LABELS[inst]}.", field="institution")
    if db.session.scalar(select(CommissionMember.id).where(
            CommissionMember.call_id == call.id, CommissionMember.user_id == person.id)):
        raise Conflict(f"{person.full_name} est déjà membre de la commission de cet appel.")
    row = CommissionMember(call_id=call.id, user_id=person.id, institution=inst, is_copilot=False)
    db.session.add(row)
    db.session.flush()
    audit.record(user, "commission_member_added", call,
                 {"user_id": person.id, "institution": inst.value})
    return row


def designate_copilot(user: User, call: Call, member_id) -> CommissionMember:
    """Make a member the co-pilot of their institution; the previous one (if any) steps down."""
    require(user, Permission.MANAGE_COMMISSION, call)
    row = _member(call, member_id)
    if row.is_copilot:
        raise Conflict(f"{row.user.full_name} est déjà co-pilote pour "
                       f"{INSTITUTION_LABELS[row.institution]}.")
    if row.institution not in row.user.institutions(Role.copilot):
        raise ServiceError(f"{row.user.full_name} n'a pas le rôle de co-pilote pour "
                           f"{INSTITUTION_LABELS[row.institution]} : il ne peut pas être désigné.",
                           field="member_id")
    previous = db.session.scalar(select(CommissionMember).where(
        CommissionMember.call_id == call.id, CommissionMember.institution == row.institution,
        CommissionMember.is_copilot.is_(True)))
    if previous is not None:
        previous.is_copilot = False
        db.session.flush()  # the database allows one co-pilot per institution at any moment
    row.is_copilot = True
    db.session.flush()
    audit.record(user, "commission_copilot_designated", call,
                 {"user_id": row.user_id, "institution": row.institution.value,
                  "previous_user_id": previous.user_id if previous else None})
    return row


def remove_member(user: User, call: Call, member_id) -> None:
    """Remove a member who has handed in no review; their pending assignments go with them."""
    require(user, Permission.MANAGE_COMMISSION, call)
    row = _member(call, member_id)
    reviews = list(db.session.scalars(select(Review).join(Dossier).where(
        Dossier.call_id == call.id, Review.reviewer_id == row.user_id)))
    if any(r.status in DONE_STATES or r.submitted_at is not None for r in reviews):
        raise Conflict(f"{row.user.full_name} a déjà rendu des évaluations : il ne peut plus être "
                       "retiré de la commission.")
    for review in reviews:
        db.session.delete(review)
    db.session.delete(row)
    db.session.flush()
    audit.record(user, "commission_member_removed", call,
                 {"user_id": row.user_id, "institution": row.institution.value,
                  "removed_reviews": [r.id for r in reviews]})


# ---------------------------------------------------------------- scoring grid

def _grid_unlocked(call: Call) -> None:
    if has_submitted_reviews(call):
        raise Conflict("Une évaluation a déjà été rendue pour cet appel : la grille ne peut plus "
                       "être modifiée.")


def _clean_criterion(data: dict) -> dict:
    errors: dict = {}
    label = str(data.get("label") or "").strip()
    if not label:
        errors["label"] = "Indiquez l'intitulé du critère."
    elif len(label) > 200:
        errors["label"] = "L'intitulé fait au plus 200 caractères."
    guidance = str(data.get("guidance") or "").strip()
    if len(guidance) > 2000:
        errors["guidance"] = "Les consignes font au plus 2 000 caractères."
    scoring = bool(data.get("scoring"))
    required = bool(data.get("required"))
    if scoring:
        low = _parse_int(data.get("scale_min"), "scale_min",
                         "Indiquez la note minimale (un nombre entier, par exemple 0).", errors)
        high = _parse_int(data.get("scale_max"), "scale_max",
                          "Indiquez la note maximale (un nombre entier, par exemple 5).", errors)
        if low is not None and high is not None:
            if high <= low:
                errors["scale_max"] = "La note maximale doit être supérieure à la note minimale."
            elif low < 0 or high > 100:
                errors["scale_max"] = "L'échelle va de 0 à 100 au plus."
        text = str(data.get("weight") or "").strip().replace(",", ".")
        try:
            weight = Decimal(text)
        except InvalidOperation:
            weight = None
            errors["weight"] = "Indiquez le coefficient, par exemple 1 ou 1,5."
        if weight is not None:
            if not weight.is_finite() or weight <= 0:
                errors["weight"] = "Le coefficient doit être supérieur à zéro."
            elif weight > 100 or weight != weight.quantize(Decimal("0.01")):
                errors["weight"] = "Le coefficient va jusqu'à 100, avec deux décimales au plus."
    else:  # a yes/no flag: shown, never summed
        low, high, weight = 0, 1, Decimal("1")
    if errors:
        raise ServiceError(next(iter(errors.values())), errors=errors)
    return {"label": label, "guidance": guidance, "scoring": scoring, "required": required,
            "scale_min": low, "scale_max": high, "weight": weight.quantize(Decimal("0.01"))}


def _criterion_values(c: Criterion) -> dict:
    return {k: getattr(c, k) for k in ("label", "guidance", "scoring", "required", "scale_min",
                                       "scale_max", "weight")}


def get_criterion(call: Call, criterion_id: int) -> Criterion:
    row = db.session.get(Criterion, criterion_id)
    if row is None or row.call_id != call.id:
        raise NotFound("Ce critère n'existe pas.")
    return row


def add_criterion(user: User, call: Call, data: dict) -> Criterion:
    """Add a line to the grid (refused once a review of the call is in)."""
    require(user, Permission.MANAGE_COMMISSION, call)
    _settings_or_refuse(call)
    _grid_unlocked(call)
    values = _clean_criterion(data)
    position = (db.session.scalar(select(func.max(Criterion.position))
                                  .where(Criterion.call_id == call.id)) or 0) + 1
    row = Criterion(call_id=call.id, position=position, **values)
    db.session.add(row)
    db.session.flush()
    audit.record(user, "criterion_added", row, audit.diff({}, values))
    return row


def update_criterion(user: User, criterion: Criterion, data: dict) -> Criterion:
    call = db.session.get(Call, criterion.call_id)
    require(user, Permission.MANAGE_COMMISSION, call)
    _grid_unlocked(call)
    values = _clean_criterion(data)
    changes = audit.diff(_criterion_values(criterion), values)
    for key, value in values.items():
        setattr(criterion, key, value)
    db.session.flush()
    audit.record(user, "criterion_changed", criterion, changes)
    return criterion


def delete_criterion(user: User, criterion: Criterion) -> None:
    """Remove a line of the grid; scores drafted against it go with it."""
    call = db.session.get(Call, criterion.call_id)
    require(user, Permission.MANAGE_COMMISSION, call)
    _grid_unlocked(call)
    db.session.execute(delete(Score).where(Score.criterion_id == criterion.id))
    values = _criterion_values(criterion)
    audit.record(user, "criterion_removed", criterion, audit.diff(values, {}))
    db.session.delete(criterion)
    db.session.flush()


# ---------------------------------------------------------------- coverage and conflicts

@dataclass
class Coverage:
    """What the assignment page shows, loaded in a constant number of queries."""
    settings: ReviewSettings | None
    dossiers: list[Dossier]
    members: list[CommissionMember]
    reviews: dict = field(default_factory=dict)        # dossier id → [Review] (not declined)
    declined: dict = field(default_factory=dict)       # dossier id → [Review] declined
    suspicions: dict = field(default_factory=dict)     # dossier id → [(member, reason)]
    declared: set = field(default_factory=set)         # (user id, dossier id)
    loads: dict = field(default_factory=dict)          # user id → active assignments in the call
    missing: dict = field(default_factory=dict)        # dossier id → [French reasons]

    def per_institution(self, dossier_id):
        out = {Institution.state: [], Institution.region: []}
        for review in self.reviews.get(dossier_id, []):
            out[review.institution].append(review)
        return out


def _dossier_ref(d: Dossier) -> assignment.DossierRef:
    return assignment.DossierRef(d.id, d.establishment_id, d.establishment.network_id)


def _reviewer_ref(m: CommissionMember) -> assignment.ReviewerRef:
    est = m.user.establishment
    return assignment.ReviewerRef(m.user_id, m.institution.value, m.user.establishment_id,
                                  est.network_id if est is not None else None)


def _assignable_dossiers(call: Call) -> list[Dossier]:
    return list(db.session.scalars(
        select(Dossier).where(Dossier.call_id == call.id, Dossier.status.in_(ASSIGNABLE_STATES))
        .options(joinedload(Dossier.establishment).joinedload(Establishment.network))
        .order_by(Dossier.reference, Dossier.id)))


def _call_reviews(call: Call) -> list[Review]:
    return list(db.session.scalars(
        select(Review).join(Dossier, Dossier.id == Review.dossier_id)
        .where(Dossier.call_id == call.id)
        .options(joinedload(Review.reviewer)).order_by(Review.id)))


def _declared_pairs(call: Call) -> set:
    return {(r, d) for r, d in db.session.execute(
        select(ConflictDeclaration.user_id, ConflictDeclaration.dossier_id)
        .join(Dossier, Dossier.id == ConflictDeclaration.dossier_id)
        .where(Dossier.call_id == call.id))}


def coverage(call: Call) -> Coverage:
    """Each assignable dossier with its reviewers per institution, suspected conflicts, gaps."""
    settings = settings_of(call)
    dossiers = _assignable_dossiers(call)
    people = [m for m in members(call) if m.user.active]
    result = Coverage(settings=settings, dossiers=dossiers, members=people)
    result.declared = _declared_pairs(call)
    by_user = {m.user_id: m for m in people}
    for review in _call_reviews(call):
        bucket = result.declined if review.status == ReviewStatus.declined else result.reviews
        bucket.setdefault(review.dossier_id, []).append(review)
        if review.status != ReviewStatus.declined:
            result.loads[review.reviewer_id] = result.loads.get(review.reviewer_id, 0) + 1
    refs = [_reviewer_ref(m) for m in people]
    for s in assignment.suspected_conflicts(refs, [_dossier_ref(d) for d in dossiers],
                                            result.declared):
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
    return [(by_id[did], m, reason) for did, items in cov.suspicions.items()
            for m, reason in items]


# ---------------------------------------------------------------- assignment

@dataclass
class AssignmentResult:
    created: list[Review] = field(default_factory=list)
    shortfalls: list[str] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)  # ids of conflicted pending assignments


def _refuse_in_decision(call: Call) -> ReviewSettings:
    settings = _settings_or_refuse(call)
    phase = current_phase(call)
    if phase is not None and phase.kind == PhaseKind.decision:
        raise Conflict("La commission est en phase de décision : les affectations ne changent "
                       "plus.")
    return settings


def _create_reviews(user: User, pairs: list[tuple[CommissionMember, Dossier]], how: str
                    ) -> list[Review]:
    """Persist assignments, move eligible dossiers into review, audit, mail each reviewer."""
    created = []
    per_dossier = defaultdict(list)
    for member, dossier in pairs:
        review = Review(dossier_id=dossier.id, reviewer_id=member.user_id,
                        institution=member.institution, status=ReviewStatus.assigned)
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
        audit.record(user, "reviewers_assigned", dossier,
                     {"reviewers": [m.user_id for m, _ in items], "how": how, **change})
    db.session.flush()
    per_reviewer = defaultdict(list)
    for member, dossier in pairs:
        per_reviewer[member.user_id].append((member, dossier))
    for items in per_reviewer.values():
        person = items[0][0].user
        base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
        lines = "\n".join(f"- {d.reference} : {d.title} ({d.establishment.name})\n"
                          f"  En cas de conflit d'intérêts : "
                          f"{base}/instruction/dossiers/{d.id}/conflit"
                          for _, d in sorted(items, key=lambda x: x[1].reference or ""))
        count = len(items)
        queue_mail(person.email,
                   f"{count} nouveau{'x' if count > 1 else ''} dossier{'s' if count > 1 else ''} "
                   "à évaluer",
                   f"Bonjour {person.full_name},\n\nLa commission vous a confié "
                   f"{count} nouveau{'x' if count > 1 else ''} dossier{'s' if count > 1 else ''} "
                   f"à évaluer :\n{lines}\n\nSi vous avez un lien avec l'un de ces établissements, "
                   "déclarez un conflit d'intérêts par le lien indiqué : le dossier vous sera "
                   "retiré.")
    return created


def run_assignment(user: User, call: Call) -> AssignmentResult:
    """Give every eligible dossier N reviewers (one of each institution at least) and top up
    dossiers already in review, load balanced, never a conflicted pair (declared, same
    establishment, nor by default a same-network suspicion). Returns what could not be served."""
    require(user, Permission.MANAGE_COMMISSION, call)
    settings = _refuse_in_decision(call)
    dossiers = _assignable_dossiers(call)
    people = [m for m in members(call) if m.user.active]
    reviews = _call_reviews(call)
    declared = _declared_pairs(call)
    declared |= {(r.reviewer_id, r.dossier_id) for r in reviews
                 if r.status == ReviewStatus.declined}
    existing = {(r.reviewer_id, r.dossier_id) for r in reviews
                if r.status != ReviewStatus.declined}
    plan = assignment.assign([_dossier_ref(d) for d in dossiers],
                             [_reviewer_ref(m) for m in people],
                             settings.reviewers_per_dossier, declared, existing)
    by_user = {m.user_id: m for m in people}
    by_dossier = {d.id: d for d in dossiers}
    result = AssignmentResult()
    for rid, did in plan.conflicted_existing:
        review = next(r for r in reviews if (r.reviewer_id, r.dossier_id) == (rid, did))
        if review.status in REMOVABLE_STATES:
            result.removed.append(review.id)
            audit.record(user, "assignment_removed", by_dossier[did],
                         {"reviewer_id": rid, "reason": "conflict"})
            db.session.delete(review)
    db.session.flush()
    result.created = _create_reviews(user, [(by_user[r], by_dossier[d]) for r, d in plan.pairs],
                                     "automatic")
    for did, message in plan.shortfalls:
        ref = by_dossier[did].reference or str(did)
        result.shortfalls.append(message.replace(f"Dossier {did} :", f"Dossier {ref} :", 1))
    audit.record(user, "assignment_run", call,
                 {"created": len(result.created), "shortfalls": len(result.shortfalls),
                  "removed": result.removed})
    return result


def _refusal(call: Call, dossier: Dossier | None, person: User | None, member, *,
             declared: set, taken: set) -> str | None:
    """Why this (dossier, person) pair may not be assigned, in French; None when it may."""
    if dossier is None or dossier.call_id != call.id:
        return "ce dossier n'appartient pas à cet appel"
    if dossier.status not in ASSIGNABLE_STATES:
        return (f"le dossier {dossier.reference} est « {dossier.status_label} » : seuls les "
                "dossiers recevables ou en instruction reçoivent des instructeurs")
    if person is None:
        return "personne inconnue"
    if member is None or not person.active:
        return f"{person.full_name} n'est pas membre de la commission de cet appel"
    if person.establishment_id is not None and person.establishment_id == dossier.establishment_id:
        return (f"conflit d'intérêts : {person.full_name} appartient à l'établissement du dossier "
                f"{dossier.reference}")
    if (person.id, dossier.id) in declared:
        return (f"conflit d'intérêts : {person.full_name} a déclaré un conflit avec le dossier "
                f"{dossier.reference}")
    if (person.id, dossier.id) in taken:
        return f"{person.full_name} est déjà affecté au dossier {dossier.reference}"
    return None


def _pair_context(call: Call) -> tuple[set, set]:
    reviews = db.session.execute(select(Review.reviewer_id, Review.dossier_id, Review.status)
                                 .join(Dossier).where(Dossier.call_id == call.id)).all()
    declared = _declared_pairs(call) | {(r, d) for r, d, s in reviews
                                        if s == ReviewStatus.declined}
    taken = {(r, d) for r, d, _ in reviews}
    return declared, taken


def assign_reviewer(user: User, call: Call, dossier_id, person_id) -> Review:
    """Assign one member to one dossier by hand (a same-network suspicion is the admin's call;
    a declared conflict, the same establishment, a non-member or a duplicate are refused)."""
    require(user, Permission.MANAGE_COMMISSION, call)
    _refuse_in_decision(call)
    dossier = db.session.get(Dossier, int(dossier_id)) if str(dossier_id).isdigit() else None
    person = db.session.get(User, int(person_id)) if str(person_id).isdigit() else None
    member = None
    if person is not None:
        member = db.session.scalar(select(CommissionMember).where(
            CommissionMember.call_id == call.id, CommissionMember.user_id == person.id))
    declared, taken = _pair_context(call)
    reason = _refusal(call, dossier, person, member, declared=declared, taken=taken)
    if reason:
        raise ServiceError(f"Affectation impossible : {reason}.")
    return _create_reviews(user, [(member, dossier)], "manual")[0]


def remove_assignment(user: User, call: Call, review_id) -> None:
    """Withdraw an assignment not yet handed in; a dossier left without reviewers is eligible
    again."""
    require(user, Permission.MANAGE_COMMISSION, call)
    _refuse_in_decision(call)
    review = db.session.get(Review, review_id)
    if review is None or review.dossier.call_id != call.id:
        raise NotFound("Cette affectation n'existe pas.")
    if review.status not in REMOVABLE_STATES:
        raise Conflict("Cette évaluation a été rendue ou déclinée : l'affectation ne peut plus "
                       "être retirée.")
    dossier = review.dossier
    db.session.delete(review)
    db.session.flush()
    change = {}
    left = db.session.scalar(select(func.count(Review.id)).where(
        Review.dossier_id == dossier.id, Review.status != ReviewStatus.declined))
    if not left and dossier.status == DossierStatus.in_review:
        before, after = workflow.transition(dossier, "unassign")
        change = {"status": [before.value, after.value]}
    audit.record(user, "assignment_removed", dossier, {"reviewer_id": review.reviewer_id, **change})


# ---------------------------------------------------------------- CSV import

@dataclass
class ImportLine:
    line: int
    reference: str
    email: str
    error: str | None = None
    dossier: Dossier | None = None
    member: CommissionMember | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError("Le fichier n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 "
                           "(délimité par des points-virgules) ».", field="file") from None


def preview_import(user: User, call: Call, data: bytes | str) -> list[ImportLine]:
    """Check each line of a `reference;email` file; nothing is written.

    A header line (reference;email) is optional; blank lines are skipped. Each other line gets
    either no error or a French reason naming what is wrong.
    """
    require(user, Permission.MANAGE_COMMISSION, call)
    _settings_or_refuse(call)
    text = _decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    if len(rows) > MAX_IMPORT_LINES:
        raise ServiceError(f"Le fichier a plus de {MAX_IMPORT_LINES} lignes.", field="file")
    parsed: list[ImportLine] = []
    for number, cells in enumerate(rows, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells[:2]] in (["reference", "email"],
                                                              ["référence", "email"],
                                                              ["reference", "courriel"],
                                                              ["référence", "courriel"]):
            continue
        if len(cells) != 2:
            parsed.append(ImportLine(number, cells[0] if cells else "", "",
                                     error="deux colonnes attendues, « référence;courriel »"))
            continue
        parsed.append(ImportLine(number, cells[0], cells[1]))
    if not parsed:
        raise ServiceError("Le fichier ne contient aucune affectation (colonnes : "
                           "référence;courriel).", field="file")
    references = {p.reference for p in parsed if p.error is None}
    emails = {p.email.lower() for p in parsed if p.error is None}
    dossiers = {d.reference: d for d in db.session.scalars(
        select(Dossier).where(Dossier.reference.in_(references)))}
    people = {u.email.lower(): u for u in db.session.scalars(
        select(User).where(func.lower(User.email).in_(emails)))}
    by_user = {m.user_id: m for m in db.session.scalars(
        select(CommissionMember).options(joinedload(CommissionMember.user))
        .where(CommissionMember.call_id == call.id))}
    declared, taken = _pair_context(call)
    seen: dict = {}
    for item in parsed:
        if item.error:
            continue
        dossier = dossiers.get(item.reference)
        person = people.get(item.email.lower())
        if dossier is None:
            item.error = f"référence de dossier inconnue : « {item.reference} »"
            continue
        if person is None:
            item.error = f"aucun utilisateur n'a le courriel « {item.email} »"
            continue
        member = by_user.get(person.id)
        item.error = _refusal(call, dossier, person, member, declared=declared, taken=taken)
        pair = (person.id, dossier.id)
        if item.error is None and pair in seen:
            item.error = f"même affectation qu'à la ligne {seen[pair]}"
        seen.setdefault(pair, item.line)
        item.dossier, item.member = dossier, member
    return parsed


def apply_import(user: User, call: Call, data: bytes | str) -> list[Review]:
    """All or nothing: re-check every line, and write the assignments only if none is refused."""
    _refuse_in_decision(get_call(user, call.id))
    lines = preview_import(user, call, data)
    errors = {f"ligne {line.line}": line.error for line in lines if line.error}
    if errors:
        plural = "s" if len(errors) > 1 else ""
        raise ServiceError(f"{len(errors)} ligne{plural} en erreur : aucune "
                           "affectation n'a été importée. Corrigez le fichier et recommencez.",
                           errors=errors)
    created = _create_reviews(user, [(line.member, line.dossier) for line in lines], "import")
    audit.record(user, "assignments_imported", call, {"created": len(created)})
    return created
