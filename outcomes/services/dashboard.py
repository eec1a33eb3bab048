"""The outcome dashboard's figures: what the funded projects cost and achieved, over one call or
across calls and years, broken down by call, school year, axis, field, theme, département,
FOQUALE network, kind of establishment and priority education.

Definitions, those of the funding area (funding.services.figures), so the figures reconcile with
the budget dashboard and the commitment and payment lists:
- a *funded project* is a dossier with at least one active commitment;
- *granted* (« accordé ») per funder is the sum of its active commitments' amounts (the budget
  dashboard's « engagé »); *paid* (« versé ») is the payments, on any commitment of the dossiers,
  less the clawbacks paid back;
- young people *reached*, their *outcomes* and the *indicators achieved* come from final reports
  handed in (submitted or validated); the *cost per young person reached* is what was granted to
  the projects with such a report divided by the young people they reached;
- an indicator *meets its target* by `portal.reference.target_met` (written here as SQL, and
  tested against it): at least the target, or at most when less is better.

Every figure comes from GROUP BY queries (outcomes.services.dashboard_sql) over the stored
per-dossier figures (`dossier_outcome`, kept by outcomes.services.outcome_store in the flush that
changes them): per (dimension, value) over a membership relation where a dossier counts once in
each value of each dimension it belongs to (a dossier with two themes counts in both), once in
the totals. Two statements for the figures and five for the reference lists, whatever the
number of dossiers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from sqlalchemy import func, select

from applications.models import Indicator
from funding.models import FinalReport, ReportIndicator
from portal.db import db
from portal.models import FIELDS, KIND_LABELS, EstablishmentKind
from portal.reference import OUTCOMES, YOUNG_CATEGORIES, CallIndicator

from .dashboard_figures import (  # noqa: F401  (re-exported: the views, exports and API)
    FUNDERS,
    ZERO,
    Dashboard,
    Figures,
    IndicatorLine,
    Line,
    percent,
)
from .dashboard_filters import REP_CHOICES, Filters, Options, load_options
from .dashboard_sql import (  # noqa: F401  (met_condition: tested against target_met)
    MEASURES,
    REPORTED,
    figures_statement,
    filtered,
    met_condition,
    met_flag,
)

# the breakdowns, in the page's order: dimension → title
DIMENSIONS = {
    "call": "Par appel à projets",
    "year": "Par année scolaire",
    "axis": "Par axe principal",
    "field": "Par champ d'intervention",
    "theme": "Par thématique",
    "department": "Par département",
    "network": "Par réseau FOQUALE",
    "kind": "Par type d'établissement",
    "rep": "Par éducation prioritaire",
}


def _fold(row) -> Figures:
    v = dict(zip(MEASURES, row))
    f = Figures(projects=int(v["projects"] or 0), reported=int(v["reported"] or 0))
    for funder in FUNDERS:
        f.granted[funder] = _money(v[f"granted_{funder.value}"])
        f.commitments[funder] = int(v[f"commitments_{funder.value}"] or 0)
        f.payments[funder] = _money(v[f"payments_{funder.value}"])
        f.settled[funder] = _money(v[f"settled_{funder.value}"])
    f.granted_reported = _money(v["granted_reported"])
    f.targeted = {c: int(v[f"targeted_{c}"] or 0) for c in YOUNG_CATEGORIES}
    f.reached = {c: int(v[f"reached_{c}"] or 0) for c in YOUNG_CATEGORIES}
    f.outcomes = {o: int(v[f"outcome_{o}"] or 0) for o in OUTCOMES}
    f.measured_projects = int(v["measured_projects"] or 0)
    f.met_all_projects = int(v["met_all_projects"] or 0)
    f.indicators_measured = int(v["indicators_measured"] or 0)
    f.indicators_met = int(v["indicators_met"] or 0)
    return f


def _money(cents) -> Decimal:
    """Euros from a sum of cents."""
    return (Decimal(int(cents or 0)) / 100).quantize(Decimal("0.01"))


@lru_cache(maxsize=256)
def statements(filters: Filters):
    """The two statements for `filters` (frozen, hashable), built once: building them costs
    more than running them (hundreds of column proxies), and reused they hit SQLAlchemy's
    compiled cache too."""
    base = filtered(filters)
    return figures_statement(base), _indicators_statement(base)


def compute(filters: Filters, options: Options | None = None) -> Dashboard:
    """The figures of the dossiers the filters keep: two statements (the figures of every
    breakdown, the common indicators) after the five of the reference lists."""
    options = options or load_options()
    figures, indicators = statements(filters)
    cells = {(dim, value): _fold(row) for dim, value, *row in db.session.execute(figures)}
    total = cells.pop(("all", ""), Figures())
    return Dashboard(
        filters, options, total, _breakdowns(cells, options, filters), _indicators(indicators)
    )


def _measured_rows(base, *columns):
    """`columns` over the report indicators with both a target and an achieved value, of the
    funded dossiers of `base` whose final report is handed in."""
    return (
        select(*columns)
        .select_from(ReportIndicator)
        .join(FinalReport, FinalReport.id == ReportIndicator.report_id)
        .join(Indicator, Indicator.id == ReportIndicator.indicator_id)
        .join(base, base.c.id == FinalReport.dossier_id)
        .where(
            base.c.funded == 1,
            FinalReport.status.in_(REPORTED),
            ReportIndicator.achieved_value.is_not(None),
            Indicator.target_value.is_not(None),
        )
    )


def _indicators_statement(base):
    """Per common indicator of the calls (and the projects' own, together)."""
    return (
        _measured_rows(
            base,
            Indicator.call_indicator_id,
            CallIndicator.label,
            CallIndicator.unit,
            CallIndicator.direction,
            func.count(),
            func.sum(met_flag()),
            func.avg(Indicator.target_value),
            func.avg(ReportIndicator.achieved_value),
        )
        .outerjoin(CallIndicator, CallIndicator.id == Indicator.call_indicator_id)
        .group_by(
            Indicator.call_indicator_id,
            CallIndicator.label,
            CallIndicator.unit,
            CallIndicator.direction,
        )
        .order_by(CallIndicator.label)
    )


def _indicators(stmt) -> list[IndicatorLine]:
    lines, own = [], None
    for ci_id, label, unit, direction, count, met, target, achieved in db.session.execute(stmt):
        if ci_id is None:  # the projects' own indicators: too unlike each other to average
            own = IndicatorLine(
                "Indicateurs propres aux projets", "", "", int(count), int(met or 0), None, None
            )
            continue
        lines.append(
            IndicatorLine(
                label,
                unit or "",
                direction,
                int(count),
                int(met or 0),
                _mean(target),
                _mean(achieved),
            )
        )
    return lines + ([own] if own else [])


def _mean(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _label(dim: str, key: str, options: Options, filters: Filters) -> str:
    if dim == "call":
        return options.call_titles.get(int(key), key)
    if dim == "year":
        return key
    if dim == "axis":
        if not key:
            return "Sans axe principal"
        axes = options.axes.get(filters.call_id or -1, {})
        number = int(key)
        return f"Axe {number} – {axes[number]}" if number in axes else f"Axe {number}"
    if dim == "field":
        return FIELDS.get(key, key)
    if dim == "theme":
        return options.themes.get(int(key), key)
    if dim == "department":
        return f"{options.departments.get(key, key)} ({key})"
    if dim == "network":
        return options.networks.get(int(key), key) if key else "Sans réseau FOQUALE"
    if dim == "kind":
        try:
            return KIND_LABELS[EstablishmentKind(key)]
        except ValueError:
            return key
    if dim == "rep":
        return REP_CHOICES.get(key or "hors", key)
    return key


def _sort_key(dim: str, line: Line):
    if dim == "year":
        return (0, line.key)
    if dim in ("axis", "call", "network", "theme") and line.key.isdigit():
        return (0, int(line.key)) if dim == "axis" else (0, line.label)
    return (1 if not line.key else 0, line.label)


def _breakdowns(cells: dict, options: Options, filters: Filters) -> dict[str, list[Line]]:
    out: dict[str, list[Line]] = {dim: [] for dim in DIMENSIONS}
    for (dim, key), figures in cells.items():
        if dim in out and figures.projects:
            out[dim].append(Line(key, _label(dim, key, options, filters), figures))
    for dim, lines in out.items():
        lines.sort(key=lambda line, d=dim: _sort_key(d, line))
    return out
