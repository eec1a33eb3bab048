"""Review pages: the reviewer's queue and the scoring screen (routes on the review blueprint)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from applications.models import Attachment, Dossier
from applications.views import form_labels
from portal.db import db, memo, utcnow
from portal.errors import NotFound, PermissionDenied, ServiceError
from portal.models import Role
from portal.pagecache import cached_page
from portal.permissions import Permission, can, require
from portal.web import done, refused

from ..forms import ReopenForm, review_form
from ..models import Review
from ..policy import current_phase
from ..ranking import shows_reviewer_names
from ..services import queue, scoring
from . import bp, refused_here


def _load(review_id: int) -> Review:
    """The review, if the user may read both it and its dossier: 404 when even the dossier is
    out of reach (existence is confidential), 403 when the dossier is readable but not the review.
    Loaded in one statement with its scores, dossier, establishment and call (the page shows them
    all), the dossier's attachments with their kinds in one more; the policy's « own review of
    this dossier » question is answered by the review itself when it is the user's."""
    review = (
        db.session.scalars(
            select(Review)
            .where(Review.id == review_id)
            .options(
                joinedload(Review.scores),
                joinedload(Review.dossier).joinedload(Dossier.establishment),
                joinedload(Review.dossier).joinedload(Dossier.call),
                joinedload(Review.dossier)
                .selectinload(Dossier.attachments)
                .joinedload(Attachment.kind),
            )
        )
        .unique()
        .one_or_none()
    )
    if review is None:
        raise NotFound()
    if review.reviewer_id == current_user.id:
        memo(("own_review", current_user.id, review.dossier_id), lambda: review)
    require(current_user, Permission.VIEW_DOSSIER, review.dossier, hide=True)
    require(current_user, Permission.VIEW_REVIEW, review)
    return review


def _context(review: Review, form=None, reopen_form=None, missing=None) -> dict:
    criteria = scoring.criteria_of(review.dossier.call_id)
    may_score = can(current_user, Permission.SCORE_REVIEW, review)
    others = scoring.visible_reviews(current_user, review)
    phase = current_phase(review.dossier.call_id)
    return {
        "review": review,
        "dossier": review.dossier,
        "criteria": criteria,
        "form": form or review_form(criteria, review, formdata=None),
        "reopen_form": reopen_form or ReopenForm(formdata=None),
        "may_score": may_score,
        "own": review.reviewer_id == current_user.id,
        "may_reopen": can(current_user, Permission.REOPEN_REVIEW, review),
        "total": scoring.total_of(review, criteria),
        "others": [
            (other, scoring.total_of(other, criteria), {s.criterion_id: s for s in other.scores})
            for other in others
        ],
        "scores": {s.criterion_id: s for s in review.scores},
        "phase_label": phase.label if phase else "Phase non ouverte",
        "status_label": review.status.label,
        "status_badge": review.status.badge_class,
        "show_names": shows_reviewer_names(current_user),
        "labels": form_labels(),
        "missing": missing or [],
    }


@bp.get("/mes-dossiers")
@login_required
@cached_page
def my_reviews():
    if not current_user.has_role(Role.reviewer, Role.copilot):
        raise PermissionDenied("Cette page est réservée aux membres de la commission.")
    summary = queue.queue_summary(current_user)
    result = queue.queue_page(current_user, request.args.get("page"), summary)
    return render_template(
        "review/scoring/queue.html",
        result=result,
        rows=result.items,
        done=sum(entry["done"] for entry in summary),
        total=result.total,
        summary=summary,
        now=utcnow(),
    )


@bp.get("/evaluations/<int:review_id>")
@login_required
@cached_page
def review_page(review_id: int):
    review = _load(review_id)
    return render_template("review/scoring/review.html", **_context(review))


@bp.post("/evaluations/<int:review_id>")
@login_required
def save(review_id: int):
    review = _load(review_id)
    criteria = scoring.criteria_of(review.dossier.call_id)
    form = review_form(criteria)
    action = request.form.get("action", "save")
    try:
        version = int(form.version.data or 0)
    except ValueError:
        version = 0
    try:
        form.check_input()
        scoring.save_review(current_user, review, form.service_data(), version)
        if action == "submit":
            scoring.submit_review(current_user, review)
    except ServiceError as exc:
        refused(exc)
        review = _load(review_id)
        if exc.message == scoring.STALE:  # keep what was typed, say why it was not saved
            form.version.data = str(version)
            return render_template(
                "review/scoring/review.html", **_context(review, form=form), stale=exc.message
            ), 409
        if exc.status != 400:
            raise
        form.attach_errors(exc.errors)
        return render_template(
            "review/scoring/review.html", **_context(review, form=form), problem=exc.message
        ), 400
    db.session.commit()
    reference = review.dossier.reference
    if action == "submit":
        flash(f"Votre évaluation du dossier {reference} est soumise.", "success")
    else:
        flash(f"Évaluation du dossier {reference} enregistrée.", "success")
    if action in ("next", "submit"):
        target = queue.next_unfinished(current_user, review.id)
        if target is not None:
            return redirect(url_for("review.review_page", review_id=target))
        if action == "next":
            flash("Vous n'avez plus d'évaluation à faire : voici votre liste.", "info")
        return redirect(url_for("review.my_reviews"))
    return redirect(url_for("review.review_page", review_id=review.id))


@bp.post("/evaluations/<int:review_id>/reouvrir")
@login_required
def reopen(review_id: int):
    review = _load(review_id)
    form = ReopenForm()
    try:
        form.check_input()
        scoring.reopen_review(current_user, review, form.reason.data or "")
    except ServiceError as exc:
        refused_here(exc)
        review = _load(review_id)
        form.reason.errors = [exc.message]
        return render_template(
            "review/scoring/review.html", **_context(review, reopen_form=form)
        ), 400
    return done(
        f"L'évaluation du dossier {review.dossier.reference} est rouverte ; l'évaluateur a "
        "été prévenu par courriel.",
        url_for("review.review_page", review_id=review.id),
    )
