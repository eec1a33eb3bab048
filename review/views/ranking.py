"""Review pages: the ranking of a call, a dossier's reviews side by side, and the exports."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from applications.models import Dossier
from applications.policy import require_dossier
from portal.db import db
from portal.errors import NotFound
from portal.exports import download
from portal.models import INSTITUTION_LABELS, Call
from portal.pagecache import cached_page
from portal.permissions import Permission, require

from .. import exports
from ..ranking import SORTS, RankingQuery, build_ranking
from ..ranking_choices import filter_choices
from ..reviewer_store import reviewer_summaries
from ..standings import ranking_page
from . import bp


def _call(call_id: int) -> Call:
    """The call (the ranking itself checks VIEW_RANKING); its own message when there is none."""
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound("Cet appel à projets n'existe pas.")
    return call


def _sort_link(query: RankingQuery, key: str) -> str:
    """Clicking the sorted column reverses it; another column starts in its natural order."""
    if key == query.sort:
        order = "asc" if query.order == "desc" else "desc"
    else:
        order = SORTS[key][2]
    return url_for(
        "review.ranking", call_id=request.view_args["call_id"], tri=key, ordre=order, **query.args()
    )


def _page_number() -> int:
    value = request.args.get("page", "")
    return int(value) if value.isdigit() and 0 < len(value) < 7 else 1


def _page_link(query: RankingQuery, page: int) -> str:
    return url_for(
        "review.ranking",
        call_id=request.view_args["call_id"],
        tri=query.sort,
        ordre=query.order,
        page=page,
        **query.args(),
    )


@bp.get("/appels/<int:call_id>/classement")
@login_required
@cached_page
def ranking(call_id: int):
    """A page of the ranking (filters, sort, counts and the page itself computed in SQL)."""
    call = _call(call_id)
    query = RankingQuery.from_args(request.args, call)
    result = ranking_page(current_user, call, query, _page_number())
    return render_template(
        "review/ranking/index.html",
        call=call,
        ranking=result,
        rows=result.rows,
        reviewers=reviewer_summaries(current_user, call),
        query=query,
        sorts=SORTS,
        sort_link=_sort_link,
        page_link=_page_link,
        choices=filter_choices(call),
    )


@bp.get("/appels/<int:call_id>/classement/<int:dossier_id>")
@login_required
def ranking_detail(call_id: int, dossier_id: int):
    """Each review of the dossier: total, z-score, opinion (names for the call's staff only)."""
    call = _call(call_id)
    require(current_user, Permission.VIEW_RANKING, call)
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None or dossier.call_id != call.id:
        raise NotFound("Ce dossier n'existe pas dans cet appel ou ne vous est pas accessible.")
    require_dossier(current_user, Permission.VIEW_DOSSIER, dossier)
    result = build_ranking(current_user, call)
    return render_template(
        "review/ranking/detail.html",
        call=call,
        dossier=dossier,
        row=result.row(dossier.id),
        ranking=result,
        institutions=INSTITUTION_LABELS,
    )


@bp.get("/appels/<int:call_id>/classement.<any(csv, xlsx):fmt>")
@login_required
def export_ranking(call_id: int, fmt: str):
    """The ranking with the page's filters and sort, as CSV or XLSX, streamed as it is read."""
    call = _call(call_id)
    require(current_user, Permission.VIEW_RANKING, call)
    query = RankingQuery.from_args(request.args, call)
    rows = exports.ranking_rows(current_user, call, query)
    return download(exports.RANKING_HEADER, rows, fmt, f"classement-appel-{call.id}", "Classement")


@bp.get("/appels/<int:call_id>/evaluations.<any(csv, xlsx):fmt>")
@login_required
def export_reviews(call_id: int, fmt: str):
    """Every submitted review of the dossiers the user may see, in ranking order, filters applied."""
    call = _call(call_id)
    require(current_user, Permission.VIEW_RANKING, call)
    query = RankingQuery.from_args(request.args, call)
    header, criteria = exports.reviews_header(call)
    rows = exports.reviews_rows(current_user, call, query, criteria)
    return download(header, rows, fmt, f"evaluations-appel-{call.id}", "Évaluations")
