"""/pratiques: the public catalogue of practices (search, filters, pages) and one sheet.

Anonymous and cacheable: the pages carry nothing of the reader (no CSRF token, no account), and a
short lifetime, so a withdrawn consent leaves shared caches within a minute.
"""

from __future__ import annotations

from flask import Response, render_template, request

from portal.pagecache import cached_page

from ..services import catalogue
from . import bp
from .opendata import cacheable

LIFETIME = 60


@bp.get("/pratiques", endpoint="catalogue")
@cached_page
def catalogue_page():
    filters = catalogue.Filters.parse(request.args)
    result = catalogue.cards(filters, request.args.get("page"))
    page = render_template(
        "outcomes/catalogue.html",
        result=result,
        filters=filters,
        options=catalogue.filter_options(),
        open_calls=catalogue.open_calls(),
    )
    return cacheable(Response(page), LIFETIME)


@bp.get("/pratiques/<int:sheet_id>")
@cached_page
def sheet(sheet_id: int):
    view = catalogue.sheet_view(sheet_id)
    page = render_template("outcomes/sheet.html", v=view, open_calls=catalogue.open_calls())
    return cacheable(Response(page), LIFETIME)
