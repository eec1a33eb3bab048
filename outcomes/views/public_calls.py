"""/appels-a-projets: the open calls, readable without an account."""

from __future__ import annotations

from flask import Response, render_template

from portal.calls import services as call_services
from portal.db import utcnow
from portal.pagecache import cached_page

from ..services import public_calls
from . import bp
from .opendata import cacheable


@bp.get("/appels-a-projets")
@cached_page
def calls():
    now = utcnow()
    page = render_template("outcomes/calls.html", calls=public_calls.open_calls(now), now=now)
    return cacheable(Response(page), 60)  # the time left is in the page


@bp.get("/appels-a-projets/<int:call_id>")
@cached_page
def call(call_id: int):
    now = utcnow()
    found = public_calls.open_call(call_id, now)
    page = render_template(
        "outcomes/call.html",
        call=found,
        now=now,
        kinds=call_services.kind_labels(found),
        fields=call_services.field_labels(found),
    )
    return cacheable(Response(page), 60)  # the time left is in the page
