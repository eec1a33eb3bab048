"""/api/v1/outcomes: the outcome dashboard's figures, the same as the page and its exports
(outcomes.services.dashboard), for the same readers (Permission.VIEW_OUTCOMES: the MLDS
coordinator, co-pilots, call administrators, observers), with a bearer token."""

from __future__ import annotations

from flask import jsonify, request

from portal.api import api_user, bp, doc, error, json_response, register_schemas
from portal.pagecache import cached_page
from portal.permissions import Permission, require

from . import schemas as s
from .services import dashboard
from .services.dashboard_filters import API_PARAMS, load_options, parse

register_schemas(
    {
        "OutcomeDashboard": s.OutcomeDashboardSchema,
        "OutcomeFigures": s.OutcomeFiguresSchema,
        "OutcomeLine": s.OutcomeLineSchema,
        "OutcomeIndicator": s.OutcomeIndicatorSchema,
    }
)

FILTERS = [
    ("call", "integer", "Identifiant d'un appel à projets."),
    ("school_year", "string", "Année scolaire, AAAA-AAAA."),
    ("axis", "integer", "Numéro de l'axe principal."),
    ("field", "string", "Champ : prevention, intervention ou remediation."),
    ("theme", "integer", "Identifiant d'une thématique."),
    ("department", "string", "Code du département (86…)."),
    ("network", "integer", "Identifiant d'un réseau FOQUALE."),
    ("kind", "string", "Type d'établissement (lp, lgt, college…)."),
    ("priority_education", "string", "REP, REP+ ou hors."),
]


@bp.get("/outcomes")
@doc(
    "Résultats des projets financés (les chiffres de la page Résultats)",
    {
        "200": json_response(s.OutcomeDashboardSchema, "Totaux, répartitions, indicateurs."),
        "400": error("Un filtre ne désigne aucune valeur connue (message par paramètre)."),
        "403": error(
            "Réservé au coordonnateur MLDS, aux co-pilotes, aux gestionnaires de l'appel et "
            "aux observateurs."
        ),
    },
    operationId="getOutcomes",
    description="Montants en chaînes décimales à deux décimales, parts en pour cent. Les "
    "montants accordés et versés se rapprochent au centime du tableau de bord budgétaire.",
    parameters=[
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": {"type": kind},
            "description": text,
        }
        for name, kind, text in FILTERS
    ],
)
@cached_page
def outcomes_dashboard():
    require(api_user(), Permission.VIEW_OUTCOMES)
    options = load_options()
    filters = parse(request.args, options, API_PARAMS)
    data = dashboard.compute(filters, options)
    body = {
        "filters": {API_PARAMS[k]: v for k, v in _attrs(filters).items()},
        "total": data.total,
        "breakdowns": data.breakdowns,
        "indicators": data.indicators,
    }
    return jsonify(s.dump_dashboard(body))  # OutcomeDashboardSchema's dump, written out


def _attrs(filters) -> dict[str, str]:
    out = {}
    for name in API_PARAMS:
        value = getattr(filters, name)
        if value is not None:
            out[name] = str(getattr(value, "value", value))
    return out
