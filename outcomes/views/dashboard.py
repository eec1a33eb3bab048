"""/resultats: the outcome dashboard (figures over the funded projects, filters in the URL), its
CSV and XLSX exports. Read by the MLDS coordinator, co-pilots, call administrators and observers
(Permission.VIEW_OUTCOMES); every figure comes from outcomes.services.dashboard.
"""

from __future__ import annotations

from decimal import Decimal

from flask import render_template, request
from flask_login import current_user, login_required

from portal import exports as tables
from portal.errors import ServiceError
from portal.pagecache import cached_page
from portal.permissions import Permission, require
from portal.reference import OUTCOMES, YOUNG_CATEGORIES

from .. import exports
from ..services import dashboard as service
from ..services.dashboard_filters import MESSAGES, PARAMS, load_options, parse
from . import bp

FILTER_LABELS = {
    "call_id": ("Appel à projets", "Tous les appels"),
    "school_year": ("Année scolaire", "Toutes les années"),
    "axis": ("Axe principal", "Tous les axes"),
    "field": ("Champ d'intervention", "Tous les champs"),
    "theme_id": ("Thématique", "Toutes les thématiques"),
    "department": ("Département", "Tous les départements"),
    "network_id": ("Réseau FOQUALE", "Tous les réseaux"),
    "kind": ("Type d'établissement", "Tous les types"),
    "rep": ("Éducation prioritaire", "Tous les établissements"),
}


@bp.app_template_filter("outcome_share")
def outcome_share(value, scale) -> str:
    """`value` as a share of `scale`, for a bar's width in percent ("42.5", a dot: CSS/SVG)."""
    value, scale = Decimal(value or 0), Decimal(scale or 0)
    if scale <= 0 or value <= 0:
        return "0"
    return format(min(Decimal(100), value * 100 / scale).quantize(Decimal("0.1")), "f")


@bp.get("/resultats", endpoint="dashboard")
@login_required
@cached_page
def dashboard_page():
    require(current_user, Permission.VIEW_OUTCOMES)
    options = load_options()
    context = {
        "options": options,
        "choices": options.choices(),
        "PARAMS": PARAMS,
        "FILTER_LABELS": FILTER_LABELS,
        "DIMENSIONS": service.DIMENSIONS,
        "FUNDERS": service.FUNDERS,
        "YOUNG_CATEGORIES": YOUNG_CATEGORIES,
        "OUTCOMES": OUTCOMES,
        "selected": {name: (request.args.get(p) or "").strip() for name, p in PARAMS.items()},
    }
    try:
        filters = parse(request.args, options)
    except ServiceError as exc:
        errors = {name: MESSAGES[name] for name, p in PARAMS.items() if p in exc.errors}
        page = render_template("outcomes/dashboard.html", data=None, errors=errors, **context)
        return page, 400
    data = service.compute(filters, options)
    return render_template(
        "outcomes/dashboard.html", data=data, errors={}, export_args=filters.args(), **context
    )


@bp.get("/resultats.<any(csv, xlsx):fmt>", endpoint="dashboard_export")
@login_required
def dashboard_export(fmt: str):
    """The dashboard's figures, the same filters (a bad value: 400 with its message)."""
    require(current_user, Permission.VIEW_OUTCOMES)
    options = load_options()
    data = service.compute(parse(request.args, options), options)
    return tables.download(
        exports.DASHBOARD_HEADER,
        exports.dashboard_rows(data),
        fmt,
        "resultats-projets",
        "Résultats",
    )
