"""/api/v1 endpoints of the outcomes area: the open data of granted subsidies (public); the
outcome dashboard's figures in `api_dashboard`, the catalogue of practices in `api_catalogue`
(public; both imported below)."""

from __future__ import annotations

from flask import jsonify, url_for

from portal.api import (
    NOT_FOUND,
    bp,
    doc,
    error,
    json_response,
    list_of,
    public,
    register_schemas,
)
from portal.models import Institution

from . import (
    api_catalogue,  # noqa: F401  (the catalogue of practices)
    api_dashboard,  # noqa: F401  (registers /outcomes)
)
from . import schemas as s
from .services import opendata

register_schemas({"SubsidyFile": s.SubsidyFileSchema, "Subsidy": s.SubsidySchema})


def _with_url(entry: dict) -> dict:
    return {
        **entry,
        "csv_url": url_for(
            "outcomes.subsidies_csv", funder=entry["funder"].slug, year=entry["year"]
        ),
    }


@bp.get("/open-data/subsidies")
@doc(
    "Fichiers de données ouvertes des subventions (un par financeur et par année)",
    {"200": json_response(list_of(s.SubsidyFileSchema), "Les fichiers publiés.")},
    security=[],
    operationId="listSubsidyFiles",
)
@public
def open_data_files():
    entries = [_with_url(entry) for entry in opendata.files()]
    return jsonify({"items": s.SubsidyFileSchema(many=True).dump(entries)})


@bp.get("/open-data/subsidies/<funder>/<int:year>")
@doc(
    "Les subventions d'un financeur pour une année, au schéma SCDL « subventions » 2.1.1",
    {
        "200": json_response(list_of(s.SubsidySchema), "Les lignes du fichier."),
        "404": NOT_FOUND,
        "503": error("Le SIRET de l'attribuant n'est pas configuré."),
    },
    security=[],
    operationId="listSubsidies",
)
@public
def open_data_subsidies(funder: str, year: int):
    institution: Institution = opendata.funder_of_slug(funder).institution
    return jsonify({"items": list(opendata.rows(institution, year))})
