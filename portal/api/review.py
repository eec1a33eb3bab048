"""/api/v1 endpoints of the review area: a call's ranking, a dossier's reviews, one's own review,
a dossier's decision. Same policy and same services as the pages; refusals are 403, or 404 where
the object's existence is confidential.
"""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from applications.models import Dossier
from portal.db import db
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.models import Call, Role
from portal.permissions import Permission, can, log, require
from portal.schemas import load_input
from review import scoring
from review.models import Decision, Review, ReviewStatus
from review.ranking import build_ranking, shows_reviewer_names
from review.schemas import DecisionSchema, RankingItemSchema, ReviewInput, ReviewSchema

from . import bp

# Who reads reviews at all (the policy then decides review by review).
REVIEW_READERS = (Role.reviewer, Role.copilot, Role.call_admin)


def _user():
    return g.api_user


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(scoring.STALE) from None


def review_view(user, review: Review, criteria) -> dict:
    """A review as the API shows it to `user` (the reviewer's name for its author and the staff)."""
    names = review.reviewer_id == user.id or shows_reviewer_names(user)
    return {
        "id": review.id, "dossier_id": review.dossier_id,
        "institution": review.institution.value,
        "reviewer": review.reviewer.full_name if names else None,
        "status": review.status.value,
        "opinion": review.opinion.value if review.opinion else None,
        "comment": review.comment, "proposed_amount": review.proposed_amount,
        "total": scoring.total_of(review, criteria),
        "scores": [{"criterion_id": s.criterion_id, "value": s.value, "flag": s.flag,
                    "comment": s.comment}
                   for s in sorted(review.scores, key=lambda s: s.criterion_id)],
        "submitted_at": review.submitted_at, "version": review.version,
    }


def _readable_dossier(dossier_id: int) -> Dossier:
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound("Ce dossier n'existe pas ou ne vous est pas accessible.")
    require(_user(), Permission.VIEW_DOSSIER, dossier, hide=True)
    return dossier


def _review(review_id: int) -> Review:
    """The review if the user may read it (VIEW_REVIEW), else 404."""
    review = db.session.get(Review, review_id)
    if review is None:
        raise NotFound("Cette évaluation n'existe pas ou ne vous est pas accessible.")
    require(_user(), Permission.VIEW_REVIEW, review, hide=True)
    return review


@bp.get("/calls/<int:call_id>/ranking")
def call_ranking(call_id: int):
    """The call's ranking (administrators, co-pilots), highest score first."""
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound("Cet appel à projets n'existe pas.")
    ranking = build_ranking(_user(), call)
    return jsonify({"items": RankingItemSchema(many=True).dump(ranking.rows)})


@bp.get("/dossiers/<int:dossier_id>/reviews")
def dossier_reviews(dossier_id: int):
    """The dossier's reviews the caller may read (declined assignments are never listed)."""
    user = _user()
    dossier = _readable_dossier(dossier_id)
    if not user.has_role(*REVIEW_READERS):
        log.warning("access denied: user=%s permission=%s object=Dossier#%s", user.id,
                    Permission.VIEW_REVIEW.value, dossier.id)
        raise PermissionDenied("Les évaluations sont réservées à la commission et aux "
                               "gestionnaires de l'appel.")
    reviews = db.session.scalars(
        select(Review).where(Review.dossier_id == dossier.id,
                             Review.status != ReviewStatus.declined)
        .options(selectinload(Review.scores), joinedload(Review.reviewer))
        .order_by(Review.institution, Review.id)).unique().all()
    criteria = scoring.criteria_of(dossier.call_id)
    items = [review_view(user, r, criteria) for r in reviews
             if can(user, Permission.VIEW_REVIEW, r)]
    return jsonify({"items": ReviewSchema(many=True).dump(items)})


@bp.get("/reviews/<int:review_id>")
def get_review(review_id: int):
    review = _review(review_id)
    criteria = scoring.criteria_of(review.dossier.call_id)
    return jsonify(ReviewSchema().dump(review_view(_user(), review, criteria)))


@bp.put("/reviews/<int:review_id>")
def put_review(review_id: int):
    """The reviewer saves their own review (a draft); `"submit": true` then submits it."""
    user = _user()
    review = _review(review_id)
    data = load_input(ReviewInput(), request.get_json(silent=True))
    scores, flags, comments = {}, {}, {}
    for item in data.get("scores", []):
        cid = item["criterion_id"]
        if "value" in item:
            scores[cid] = item["value"]
        if "flag" in item:
            flags[cid] = item["flag"]
        if "comment" in item:
            comments[cid] = item["comment"] or ""
    changes = {"scores": scores, "flags": flags, "comments": comments}
    for key in ("comment", "opinion", "proposed_amount"):
        if key in data:
            changes[key] = data[key]
    scoring.save_review(user, review, changes, data.get("version"))
    if data.get("submit"):
        scoring.submit_review(user, review)
    _commit()
    criteria = scoring.criteria_of(review.dossier.call_id)
    return jsonify(ReviewSchema().dump(review_view(user, review, criteria)))


@bp.get("/dossiers/<int:dossier_id>/decision")
def dossier_decision(dossier_id: int):
    """The dossier's decision (VIEW_DECISION: staff who read it; the establishment once published)."""
    dossier = _readable_dossier(dossier_id)
    require(_user(), Permission.VIEW_DECISION, dossier, hide=True)
    decision = db.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))
    if decision is None:
        raise NotFound("Aucune décision n'a encore été prise sur ce dossier.")
    return jsonify(DecisionSchema().dump(decision))
