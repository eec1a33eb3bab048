"""Scoring: saving and submitting a review, an administrator reopening it.

Functions take domain objects and plain data, check the policy (phase rules live in
review/policy.py), audit, queue mail and flush; the caller commits once. A review's status moves
only through review.workflow.REVIEW.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified

from applications import workflow
from applications.models import Dossier, DossierStatus
from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, PermissionDenied, ServiceError
from portal.formatting import parse_amount
from portal.mail import queue_mail
from portal.models import Role, User
from portal.permissions import Permission, can, require

from .. import aggregation
from ..models import Criterion, Opinion, PhaseKind, Review, ReviewStatus, Score
from ..policy import SCORABLE, current_phase
from ..workflow import REVIEW

UNFINISHED = SCORABLE  # assigned, draft, reopened
STALE = (
    "Cette évaluation a été modifiée entre-temps (dans un autre onglet ou par un autre "
    "enregistrement). Rechargez la page : votre dernier enregistrement n'a pas été pris en "
    "compte."
)
SUBMITTED = (
    "Cette évaluation est soumise : elle ne peut plus être modifiée, sauf si un "
    "administrateur de l'appel la rouvre."
)
MAX_COMMENT = 10000
_CENT = Decimal("0.01")


# ---------------------------------------------------------------- reading


def criteria_of(call_id: int) -> list[Criterion]:
    """The call's grid, in order."""
    return list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.call_id == call_id)
            .order_by(Criterion.position, Criterion.id)
        )
    )


def score_values(review: Review) -> dict[int, Decimal | None]:
    return {s.criterion_id: s.value for s in review.scores}


def total_of(review: Review, criteria: list[Criterion]) -> Decimal | None:
    """The review's weighted total /20 (scoring criteria only), None without any score."""
    scores = {
        cid: v
        for cid, v in score_values(review).items()
        if cid in {c.id for c in criteria if c.scoring}
    }
    try:
        return aggregation.weighted_total(scores, criteria)
    except ValueError:  # the grid changed under a saved score: show no total rather than fail
        return None


def visible_reviews(user: User, review: Review) -> list[Review]:
    """The other reviews of the same dossier that the policy lets `user` read (phase, setting)."""
    others = db.session.scalars(
        select(Review)
        .options(selectinload(Review.scores), joinedload(Review.reviewer).lazyload(User.grants))
        .where(
            Review.dossier_id == review.dossier_id,
            Review.id != review.id,
            Review.status != ReviewStatus.declined,
        )
        .order_by(Review.institution, Review.id)
    ).all()
    return [other for other in others if can(user, Permission.VIEW_REVIEW, other)]


# ---------------------------------------------------------------- parsing


def _parse_score(raw, criterion: Criterion) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError(f"La note de « {criterion.label} » doit être un nombre.")
    if isinstance(raw, float):
        raw = repr(raw)
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(
            f"« {raw} » n'est pas une note : écrivez un nombre, par exemple 3 ou 3,5."
        ) from None
    if not value.is_finite() or abs(value) > 1000:
        raise ValueError(f"« {raw} » n'est pas une note : écrivez un nombre, par exemple 3 ou 3,5.")
    if value != value.quantize(_CENT):
        raise ValueError(f"La note de « {criterion.label} » a au plus deux décimales.")
    aggregation.validate_scores({criterion.id: value}, [criterion])  # French message if off scale
    return value.quantize(_CENT)


def _parse_flag(raw, criterion: Criterion) -> bool | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("yes", "oui", "y", "true", "1"):
        return True
    if text in ("no", "non", "n", "false", "0"):
        return False
    raise ValueError(f"Répondez par oui ou par non pour « {criterion.label} ».")


def _snapshot(review: Review) -> dict:
    out = {
        "status": review.status,
        "opinion": review.opinion,
        "comment": review.comment,
        "proposed_amount": review.proposed_amount,
    }
    for score in review.scores:
        out[f"score_{score.criterion_id}"] = score.value
        out[f"flag_{score.criterion_id}"] = score.flag
        out[f"comment_{score.criterion_id}"] = score.comment
    return out


def _check_may_score(user: User, review: Review, submitted_message: str = SUBMITTED) -> None:
    """SCORE_REVIEW, with a message that says why when the reviewer is the review's author."""
    if review.reviewer_id == user.id and review.status == ReviewStatus.submitted:
        raise Conflict(submitted_message)
    try:
        require(user, Permission.SCORE_REVIEW, review)  # logs a refusal
    except PermissionDenied:
        if (
            review.reviewer_id == user.id
            and review.status in SCORABLE
            and current_phase(review.dossier.call_id) != PhaseKind.independent_scoring
        ):
            raise PermissionDenied(_phase_message(review)) from None
        raise
    dossier = review.dossier
    if dossier.status not in (DossierStatus.in_review, DossierStatus.reviewed):
        raise Conflict(
            f"Ce dossier n'est plus en instruction : il est « {dossier.status_label} ». "
            "Son évaluation ne peut plus être modifiée."
        )


def _phase_message(review: Review) -> str:
    phase = current_phase(review.dossier.call_id)
    if phase is None:
        return "L'évaluation des dossiers de cet appel n'est pas encore ouverte."
    return (
        f"L'appel est en phase « {phase.label} » : les évaluations ne peuvent plus être modifiées."
    )


# ---------------------------------------------------------------- writing


def save_review(user: User, review: Review, data: dict, expected_version: int | None) -> Review:
    """Save a review as a draft, half-filled or not: scores, comments, opinion, amount.

    `data`: {"scores": {criterion_id: value}, "flags": {criterion_id: yes/no},
    "comments": {criterion_id: text}, "opinion": str|None, "proposed_amount": str|Decimal|None,
    "comment": str}; a criterion absent from a mapping is left as it was, an empty value clears it.
    Guarantees: SCORE_REVIEW (own review, scorable status, phase); a submitted review is refused
    (Conflict); a stale `expected_version` is refused (Conflict); every value is checked first —
    a score outside its criterion's scale or with more than two decimals, an unknown opinion or an
    unreadable amount raise ServiceError (errors per field) and nothing is changed. Status assigned
    becomes draft (a reopened review stays reopened until resubmitted). Audited with a diff.
    """
    _check_may_score(user, review)
    if expected_version is not None and int(expected_version) != review.version:
        raise Conflict(STALE)

    criteria = {c.id: c for c in criteria_of(review.dossier.call_id)}
    errors: dict[str, str] = {}
    values: dict[int, Decimal | None] = {}
    flags: dict[int, bool | None] = {}
    comments: dict[int, str] = {}

    for key, raw in (data.get("scores") or {}).items():
        criterion = criteria.get(_int(key))
        if criterion is None or not criterion.scoring:
            errors[f"score_{key}"] = "Ce critère ne fait pas partie de la grille notée de l'appel."
            continue
        try:
            values[criterion.id] = _parse_score(raw, criterion)
        except ValueError as exc:
            errors[f"score_{criterion.id}"] = str(exc)
    for key, raw in (data.get("flags") or {}).items():
        criterion = criteria.get(_int(key))
        if criterion is None or criterion.scoring:
            errors[f"flag_{key}"] = "Ce critère n'est pas une question oui / non de la grille."
            continue
        try:
            flags[criterion.id] = _parse_flag(raw, criterion)
        except ValueError as exc:
            errors[f"flag_{criterion.id}"] = str(exc)
    for key, raw in (data.get("comments") or {}).items():
        criterion = criteria.get(_int(key))
        if criterion is None:
            errors[f"comment_{key}"] = "Ce critère ne fait pas partie de la grille de l'appel."
            continue
        text = (raw or "").strip()
        if len(text) > MAX_COMMENT:
            errors[f"comment_{criterion.id}"] = "Un commentaire fait au plus 10 000 caractères."
        comments[criterion.id] = text

    opinion = review.opinion
    if "opinion" in data:
        raw = data.get("opinion") or None
        try:
            opinion = Opinion(raw) if raw else None
        except ValueError:
            errors["opinion"] = (
                "Choisissez un avis : " + ", ".join(o.label.lower() for o in Opinion) + "."
            )
    amount = review.proposed_amount
    if "proposed_amount" in data:
        raw = data.get("proposed_amount")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            amount = None
        else:
            try:
                amount = parse_amount(raw)
            except ValueError as exc:
                errors["proposed_amount"] = str(exc)
    comment = review.comment
    if "comment" in data:
        comment = (data.get("comment") or "").strip()
        if len(comment) > MAX_COMMENT:
            errors["comment"] = "Le commentaire général fait au plus 10 000 caractères."
    if errors:
        first = next(iter(errors.values()))
        raise ServiceError(
            first
            if len(errors) == 1
            else f"{len(errors)} réponses sont à corriger ; rien n'a été enregistré.",
            errors=errors,
        )

    before = _snapshot(review)
    by_criterion = {s.criterion_id: s for s in review.scores}
    for cid in set(values) | set(flags) | set(comments):
        score = by_criterion.get(cid)
        if score is None:
            score = Score(criterion_id=cid, comment="")
            review.scores.append(score)
        if cid in values:
            score.value = values[cid]
        if cid in flags:
            score.flag = flags[cid]
        if cid in comments:
            score.comment = comments[cid]
    review.opinion = opinion
    review.proposed_amount = amount
    review.comment = comment
    REVIEW.transition(review, "save")  # assigned → draft; a reopened review stays reopened
    flag_modified(review, "comment")  # the version moves on every save, scores-only ones too
    db.session.flush()
    audit.record(user, "review_saved", review, audit.diff(before, _snapshot(review)))
    return review


def _int(key) -> int | None:
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


def submit_review(user: User, review: Review) -> Review:
    """Submit a review: every required scoring criterion scored and an opinion given.

    Guarantees: SCORE_REVIEW as for saving; refused (ServiceError, French, listing what is
    missing, `errors` per field) while a required criterion has no score or no opinion is given;
    sets submitted_at; when every non-declined review of the dossier is then submitted, the
    dossier moves in_review → reviewed. Audited.
    """
    _check_may_score(user, review, "Cette évaluation est déjà soumise.")
    criteria = criteria_of(review.dossier.call_id)
    scores = {cid: v for cid, v in score_values(review).items()}
    missing = aggregation.missing_required(scores, criteria)
    errors = {
        f"score_{c.id}": f"Notez « {c.label} » avant de soumettre."
        for c in criteria
        if c.label in missing and c.scoring and c.required and scores.get(c.id) is None
    }
    parts = []
    if missing:
        parts.append("notez " + ", ".join(f"« {label} »" for label in missing))
    if review.opinion is None:
        parts.append("donnez un avis (favorable, réservé ou défavorable)")
        errors["opinion"] = "Donnez un avis avant de soumettre."
    if parts:
        raise ServiceError(
            "Votre évaluation ne peut pas encore être soumise : " + " ; ".join(parts) + ".",
            errors=errors,
        )
    before, _ = REVIEW.transition(review, "submit")
    review.submitted_at = utcnow()
    db.session.flush()
    total = aggregation.weighted_total(
        {cid: v for cid, v in scores.items() if cid in {c.id for c in criteria}}, criteria
    )
    audit.record(
        user,
        "review_submitted",
        review,
        {"status": [before.value, review.status.value], "total": total, "opinion": review.opinion},
    )
    _complete_dossier_if_done(user, review.dossier)
    return review


def _complete_dossier_if_done(user: User, dossier: Dossier) -> None:
    if dossier.status != DossierStatus.in_review:
        return
    # Two reviewers submitting at once: the second waits here for the first to commit, then
    # counts its submission, so the last one in always moves the dossier on (PostgreSQL).
    db.session.execute(select(Dossier.id).where(Dossier.id == dossier.id).with_for_update())
    pending = db.session.scalar(
        select(func.count(Review.id)).where(
            Review.dossier_id == dossier.id,
            Review.status.notin_([ReviewStatus.submitted, ReviewStatus.declined]),
        )
    )
    submitted = db.session.scalar(
        select(func.count(Review.id)).where(
            Review.dossier_id == dossier.id, Review.status == ReviewStatus.submitted
        )
    )
    if pending or not submitted:
        return
    before, after = workflow.transition(dossier, "complete_reviews")
    db.session.flush()
    audit.record(user, "dossier_reviewed", dossier, {"status": [before.value, after.value]})


def reopen_review(user: User, review: Review, reason: str) -> Review:
    """A call administrator reopens a submitted review, with a reason the reviewer receives by mail.

    Guarantees: REOPEN_REVIEW (call admin, review submitted); a reason is required (ServiceError,
    field "reason"); status becomes reopened and submitted_at is cleared; a dossier already
    « Instruit » goes back to « En instruction »; audited; the reviewer is emailed.
    """
    if user.has_role(Role.call_admin):
        REVIEW.next_state(review, "reopen")  # « Seule une évaluation soumise peut être rouverte… »
    require(user, Permission.REOPEN_REVIEW, review)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            "Indiquez le motif de la réouverture : l'évaluateur le recevra.", field="reason"
        )
    if len(reason) > 2000:
        raise ServiceError("Le motif fait au plus 2 000 caractères.", field="reason")
    REVIEW.transition(review, "reopen")
    review.submitted_at = None
    review.reopen_reason = reason
    db.session.flush()
    audit.record(
        user,
        "review_reopened",
        review,
        {"status": [ReviewStatus.submitted.value, ReviewStatus.reopened.value], "reason": reason},
    )
    dossier = review.dossier
    if dossier.status == DossierStatus.reviewed:
        before, after = workflow.transition(dossier, "reopen_review")
        db.session.flush()
        audit.record(
            user,
            "dossier_review_reopened",
            dossier,
            {"status": [before.value, after.value], "review": review.id},
        )
    link = _review_link(review)
    queue_mail(
        review.reviewer.email,
        f"Évaluation du dossier {dossier.reference} rouverte",
        f"Bonjour,\n\nVotre évaluation du dossier {dossier.reference} « {dossier.title} » a "
        f"été rouverte par l'administration de l'appel.\n\nMotif : {reason}\n\n"
        f"Vous pouvez la modifier puis la soumettre à nouveau{link}.",
    )
    return review


def _review_link(review: Review) -> str:
    try:
        base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
        return " : " + base + url_for("review.review_page", review_id=review.id, _external=False)
    except RuntimeError:
        return ""
