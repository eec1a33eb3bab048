"""/api/v1 endpoints of the review area: a call's ranking, a dossier's reviews, one's own review,
a dossier's decision. Same policy and same services as the pages; refusals are 403, or 404 where
the object's existence is confidential.
"""

from __future__ import annotations

from flask import jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from applications.models import Dossier
from portal.api import (
    INVALID,
    NOT_FOUND,
    api_user,
    bp,
    commit,
    created,
    doc,
    error,
    items,
    json_body,
    json_response,
    list_of,
    load,
    register_schemas,
)
from portal.db import db
from portal.errors import NotFound, PermissionDenied
from portal.models import Call, Role
from portal.pagecache import cached_page
from portal.permissions import Permission, can, log, require
from portal.schemas import load_input

from . import ranking, standings
from .models import Decision, Review, ReviewStatus
from .schemas import (
    DecisionSchema,
    NoteInput,
    NoteSchema,
    RankingItemSchema,
    ReviewInput,
    ReviewSchema,
    ScoreInput,
    ScoreSchema,
)
from .services import notes, scoring

# Who reads reviews at all (the policy then decides review by review).
REVIEW_READERS = (Role.reviewer, Role.copilot, Role.call_admin)

register_schemas(
    {
        "RankingItem": RankingItemSchema,
        "Review": ReviewSchema,
        "Score": ScoreSchema,
        "Decision": DecisionSchema,
        "ReviewInput": ReviewInput,
        "ScoreInput": ScoreInput,
        "Note": NoteSchema,
        "NoteInput": NoteInput,
    }
)

API_MAX_PAGE = 500
REVIEW_OK = json_response(ReviewSchema, "L'évaluation.")


def review_view(user, review: Review, criteria) -> dict:
    """A review as the API shows it to `user` (the reviewer's name for its author and the staff)."""
    names = review.reviewer_id == user.id or ranking.shows_reviewer_names(user)
    return {
        "id": review.id,
        "dossier_id": review.dossier_id,
        "institution": review.institution.value,
        "reviewer": review.reviewer.full_name if names else None,
        "status": review.status.value,
        "opinion": review.opinion.value if review.opinion else None,
        "comment": review.comment,
        "proposed_amount": review.proposed_amount,
        "total": scoring.total_of(review, criteria),
        "scores": [
            {"criterion_id": s.criterion_id, "value": s.value, "flag": s.flag, "comment": s.comment}
            for s in sorted(review.scores, key=lambda s: s.criterion_id)
        ],
        "submitted_at": review.submitted_at,
        "version": review.version,
    }


def _readable_dossier(dossier_id: int) -> Dossier:
    return load(
        Dossier,
        dossier_id,
        Permission.VIEW_DOSSIER,
        hide=True,
        missing="Ce dossier n'existe pas ou ne vous est pas accessible.",
    )


def _review(review_id: int) -> Review:
    """The review if the user may read it (VIEW_REVIEW), else 404."""
    return load(
        Review,
        review_id,
        Permission.VIEW_REVIEW,
        hide=True,
        missing="Cette évaluation n'existe pas ou ne vous est pas accessible.",
    )


@bp.get("/calls/<int:call_id>/ranking")
@doc(
    "Classement d'un appel (gestionnaires, co-pilotes), meilleure note d'abord",
    {
        "200": json_response(
            list_of(RankingItemSchema),
            "Dossiers classés, une page à la fois (total : dossiers visibles ; pages).",
        ),
        "403": error("Réservé aux gestionnaires et aux co-pilotes de l'appel."),
        "404": NOT_FOUND,
    },
    operationId="getCallRanking",
    parameters=[
        {
            "name": "page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "default": 1},
            "description": "Numéro de page (au-delà de la dernière : la dernière).",
        },
        {
            "name": "per_page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": API_MAX_PAGE, "default": 100},
            "description": f"Dossiers par page (au plus {API_MAX_PAGE}).",
        },
    ],
)
@cached_page
def call_ranking(call_id: int):
    """The call's ranking (administrators, co-pilots), highest score first, a page at a time."""
    call = load(Call, call_id, missing="Cet appel à projets n'existe pas.")
    page = _positive(request.args.get("page"), 1)
    per_page = min(_positive(request.args.get("per_page"), 100), API_MAX_PAGE)
    result = standings.ranking_page(
        api_user(), call, ranking.RankingQuery(), page=page, per_page=per_page
    )
    return jsonify(
        {
            "items": RankingItemSchema(many=True).dump(result.rows),
            "total": result.total,
            "page": result.page,
            "pages": result.pages,
            "per_page": result.per_page,
        }
    )


def _positive(value, default: int) -> int:
    """A positive integer from the query string, else `default`."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < len(value) < 7 and int(value) > 0 else default


@bp.get("/dossiers/<int:dossier_id>/reviews")
@doc(
    "Évaluations d'un dossier que l'appelant peut lire",
    {
        "200": json_response(list_of(ReviewSchema), "Évaluations."),
        "403": error("Réservé à la commission."),
        "404": NOT_FOUND,
    },
    operationId="listDossierReviews",
)
def dossier_reviews(dossier_id: int):
    """The dossier's reviews the caller may read (declined assignments are never listed)."""
    user = api_user()
    dossier = _readable_dossier(dossier_id)
    if not user.has_role(*REVIEW_READERS):
        log.warning(
            "access denied: user=%s permission=%s object=Dossier#%s",
            user.id,
            Permission.VIEW_REVIEW.value,
            dossier.id,
        )
        raise PermissionDenied(
            "Les évaluations sont réservées à la commission et aux gestionnaires de l'appel."
        )
    reviews = (
        db.session.scalars(
            select(Review)
            .where(Review.dossier_id == dossier.id, Review.status != ReviewStatus.declined)
            .options(selectinload(Review.scores), joinedload(Review.reviewer))
            .order_by(Review.institution, Review.id)
        )
        .unique()
        .all()
    )
    criteria = scoring.criteria_of(dossier.call_id)
    views = [
        review_view(user, r, criteria) for r in reviews if can(user, Permission.VIEW_REVIEW, r)
    ]
    return jsonify({"items": ReviewSchema(many=True).dump(views)})


@bp.get("/reviews/<int:review_id>")
@doc("Une évaluation", {"200": REVIEW_OK, "404": NOT_FOUND}, operationId="getReview")
def get_review(review_id: int):
    review = _review(review_id)
    criteria = scoring.criteria_of(review.dossier.call_id)
    return jsonify(ReviewSchema().dump(review_view(api_user(), review, criteria)))


@bp.put("/reviews/<int:review_id>")
@doc(
    "Enregistrer son évaluation (et la soumettre avec submit: true)",
    {
        "200": REVIEW_OK,
        "400": INVALID,
        "403": error("Évaluation d'un autre, ou phase qui ne le permet pas."),
        "404": NOT_FOUND,
        "409": error("Évaluation déjà soumise, ou version périmée."),
    },
    operationId="putReview",
    requestBody=json_body(ReviewInput),
)
def put_review(review_id: int):
    """The reviewer saves their own review (a draft); `"submit": true` then submits it."""
    user = api_user()
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
    commit(scoring.STALE)
    criteria = scoring.criteria_of(review.dossier.call_id)
    return jsonify(ReviewSchema().dump(review_view(user, review, criteria)))


@bp.get("/dossiers/<int:dossier_id>/decision")
@doc(
    "Décision sur un dossier",
    {
        "200": json_response(DecisionSchema, "La décision."),
        "404": error("Pas de décision, ou non accessible."),
    },
    operationId="getDossierDecision",
)
def dossier_decision(dossier_id: int):
    """The dossier's decision (VIEW_DECISION: the staff who read it; its establishment once
    published)."""
    dossier = _readable_dossier(dossier_id)
    require(api_user(), Permission.VIEW_DECISION, dossier, hide=True)
    decision = db.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))
    if decision is None:
        raise NotFound("Aucune décision n'a encore été prise sur ce dossier.")
    return jsonify(DecisionSchema().dump(decision))


# ---------------------------------------------------------------- internal notes

NOTES_MISSING = "Ce dossier n'existe pas ou ses notes internes ne vous sont pas accessibles."


def _notes_dossier(dossier_id: int) -> Dossier:
    return load(Dossier, dossier_id, Permission.VIEW_NOTES, missing=NOTES_MISSING, hide=True)


@bp.get("/dossiers/<int:dossier_id>/notes")
@doc(
    "Les notes internes d'un dossier",
    {"200": json_response(list_of(NoteSchema), "Notes, de la plus ancienne."), "404": NOT_FOUND},
    operationId="listDossierNotes",
)
def list_notes(dossier_id: int):
    dossier = _notes_dossier(dossier_id)
    return items(NoteSchema, notes.notes_of(api_user(), dossier))


@bp.post("/dossiers/<int:dossier_id>/notes")
@doc(
    "Ajouter une note interne",
    {"201": json_response(NoteSchema, "Note enregistrée."), "400": INVALID, "404": NOT_FOUND},
    operationId="addDossierNote",
    requestBody=json_body(NoteInput),
)
def add_note(dossier_id: int):
    dossier = _notes_dossier(dossier_id)
    data = load_input(NoteInput(), request.get_json(silent=True))
    note = notes.add_note(api_user(), dossier, data["body"])
    commit("Le dossier a changé entre-temps : renvoyez la note.")
    return created(NoteSchema().dump(note), url_for("api.list_notes", dossier_id=dossier.id))
