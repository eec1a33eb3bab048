"""/donnees-ouvertes: the granted subsidies as open data (SCDL « subventions » 2.1.1)."""

from __future__ import annotations

import json

from flask import Response, abort, render_template

from portal.errors import NotFound

from ..services import opendata
from . import bp


def cacheable(response: Response, seconds: int = 300) -> Response:
    """A public answer: shared caches may keep it (authenticated answers stay no-store)."""
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


@bp.get("/donnees-ouvertes")
def open_data():
    page = render_template(
        "outcomes/open_data.html", files=opendata.files(), columns=opendata.COLUMNS
    )
    return cacheable(Response(page))


@bp.get("/donnees-ouvertes/subventions-<funder>-<int:year>.csv")
def subsidies_csv(funder: str, year: int):
    try:
        institution = opendata.funder_of_slug(funder).institution
    except NotFound:
        abort(404)
    body = opendata.csv_text(institution, year)
    response = Response(body, mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{opendata.file_name(institution, year)}"'
    )
    return cacheable(response)


@bp.get("/donnees-ouvertes/schema-subventions-2.1.1.json")
def subsidies_schema():
    body = json.dumps(opendata.table_schema(), ensure_ascii=False, indent=2)
    return cacheable(Response(body, mimetype="application/json"))
