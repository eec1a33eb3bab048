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

Every figure comes from GROUP BY queries over one membership relation (dossier, dimension,
value): a dossier counts once in each value of each dimension it belongs to (a dossier with two
themes counts in both), once in the totals. Nine queries for the figures and five for the
reference lists, whatever the number of dossiers.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import String, and_, case, cast, exists, func, literal_column, select, union_all

from applications.models import Dossier, DossierTarget, DossierTheme, Indicator
from funding.models import (
    Clawback,
    ClawbackStatus,
    Commitment,
    CommitmentStatus,
    FinalReport,
    Payment,
    ReportIndicator,
    ReportOutcome,
    ReportReach,
    ReportStatus,
)
from portal.db import db
from portal.models import FIELDS, KIND_LABELS, Call, Establishment, EstablishmentKind
from portal.reference import CallIndicator

from .dashboard_figures import FUNDERS, ZERO, Dashboard, Figures, IndicatorLine, Line, percent  # noqa: F401
from .dashboard_filters import REP_CHOICES, Filters, Options, load_options

REPORTED = (ReportStatus.submitted, ReportStatus.validated)
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


def met_condition(direction, target, achieved):
    """`portal.reference.target_met` as SQL, for rows where both values are given."""
    return case(
        (direction == "down", achieved <= target),
        else_=achieved >= target,
    )


def _filtered(filters: Filters):
    """The dossiers with a commitment (active or not: money paid on a cancelled one still counts),
    narrowed by the filters, with what the breakdowns need: a CTE read by every query."""
    funded = exists().where(
        Commitment.dossier_id == Dossier.id, Commitment.status == CommitmentStatus.active
    )
    reported = exists().where(
        FinalReport.dossier_id == Dossier.id, FinalReport.status.in_(REPORTED)
    )
    fields_text = cast(Dossier.fields, String)
    stmt = (
        select(
            Dossier.id.label("id"),
            Dossier.call_id.label("call_id"),
            Call.school_year.label("school_year"),
            Dossier.main_axis.label("main_axis"),
            Establishment.department_code.label("department_code"),
            Establishment.network_id.label("network_id"),
            cast(Establishment.kind, String).label("kind"),
            Establishment.priority_education.label("rep"),
            fields_text.label("fields"),
            case((funded, 1), else_=0).label("funded"),
            case((reported, 1), else_=0).label("reported"),
        )
        .join(Call, Call.id == Dossier.call_id)
        .join(Establishment, Establishment.id == Dossier.establishment_id)
        .where(exists().where(Commitment.dossier_id == Dossier.id))
    )
    f = filters
    if f.call_id is not None:
        stmt = stmt.where(Dossier.call_id == f.call_id)
    if f.school_year is not None:
        stmt = stmt.where(Call.school_year == f.school_year)
    if f.axis is not None:
        stmt = stmt.where(Dossier.main_axis == f.axis)
    if f.field is not None:
        stmt = stmt.where(fields_text.like(f'%"{f.field}"%'))
    if f.theme_id is not None:
        stmt = stmt.where(
            exists().where(
                DossierTheme.dossier_id == Dossier.id, DossierTheme.theme_id == f.theme_id
            )
        )
    if f.department is not None:
        stmt = stmt.where(Establishment.department_code == f.department)
    if f.network_id is not None:
        stmt = stmt.where(Establishment.network_id == f.network_id)
    if f.kind is not None:
        stmt = stmt.where(Establishment.kind == f.kind)
    if f.rep is not None:
        stmt = stmt.where(Establishment.priority_education == ("" if f.rep == "hors" else f.rep))
    return stmt.cte("dashboard_dossier")


def _const(text: str):
    """A constant string column (the dimension's name): literal SQL, never a bound parameter,
    so PostgreSQL types the UNION's column (only fixed names from this module come here)."""
    return literal_column(f"'{text}'", String)


def _membership(base):
    """(dossier_id, dim, value, funded, reported): each dossier once per dimension value it
    belongs to, plus once under ('all', '') for the totals; its flags carried along, so the
    measures join it alone (no second join to the dossiers)."""
    b = base.c

    def part(dim: str, value):
        return select(
            b.id.label("dossier_id"),
            _const(dim).label("dim"),
            value.label("value"),
            b.funded.label("funded"),
            b.reported.label("reported"),
        )

    parts = [
        part("all", _const("")),
        part("call", cast(b.call_id, String)),
        part("year", b.school_year),
        part("axis", func.coalesce(cast(b.main_axis, String), "")),
        part("department", b.department_code),
        part("network", func.coalesce(cast(b.network_id, String), "")),
        part("kind", b.kind),
        part("rep", b.rep),
        part("theme", cast(DossierTheme.theme_id, String)).join(
            DossierTheme, DossierTheme.dossier_id == b.id
        ),
        *[part("field", _const(code)).where(b.fields.like(f'%"{code}"%')) for code in FIELDS],
    ]
    return union_all(*parts).subquery("membership")


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def compute(filters: Filters, options: Options | None = None) -> Dashboard:
    options = options or load_options()
    base = _filtered(filters)
    m = _membership(base)
    b = m.c  # the flags, as membership carries them
    cells: dict[tuple[str, str], Figures] = defaultdict(Figures)
    keyed = (m.c.dim, m.c.value)

    for dim, value, projects, reported in db.session.execute(
        select(
            *keyed,
            func.sum(b.funded),
            func.sum(case((and_(b.funded == 1, b.reported == 1), 1), else_=0)),
        ).group_by(*keyed)
    ):
        cell = cells[(dim, value)]
        cell.projects, cell.reported = int(projects or 0), int(reported or 0)

    for dim, value, category, total in db.session.execute(
        select(*keyed, DossierTarget.category, func.sum(DossierTarget.count))
        .join(DossierTarget, DossierTarget.dossier_id == m.c.dossier_id)
        .where(b.funded == 1)
        .group_by(*keyed, DossierTarget.category)
    ):
        cells[(dim, value)].targeted[category] = int(total or 0)

    for dim, value, funder, total, count, of_reported in db.session.execute(
        select(
            *keyed,
            Commitment.funder,
            func.sum(Commitment.amount),
            func.count(Commitment.id),
            func.sum(case((b.reported == 1, Commitment.amount), else_=0)),
        )
        .join(Commitment, Commitment.dossier_id == m.c.dossier_id)
        .where(Commitment.status == CommitmentStatus.active)
        .group_by(*keyed, Commitment.funder)
    ):
        cell = cells[(dim, value)]
        cell.granted[funder] = _money(total)
        cell.commitments[funder] = int(count or 0)
        cell.granted_reported += _money(of_reported)

    for dim, value, funder, total in db.session.execute(
        select(*keyed, Commitment.funder, func.sum(Payment.amount))
        .join(Commitment, Commitment.dossier_id == m.c.dossier_id)
        .join(Payment, Payment.commitment_id == Commitment.id)
        .group_by(*keyed, Commitment.funder)
    ):
        cells[(dim, value)].payments[funder] = _money(total)

    for dim, value, funder, total in db.session.execute(
        select(*keyed, Commitment.funder, func.sum(Clawback.amount))
        .join(Commitment, Commitment.dossier_id == m.c.dossier_id)
        .join(Clawback, Clawback.commitment_id == Commitment.id)
        .where(Clawback.status == ClawbackStatus.settled)
        .group_by(*keyed, Commitment.funder)
    ):
        cells[(dim, value)].settled[funder] = _money(total)

    reported_of_funded = and_(b.funded == 1, b.reported == 1)
    for model, column, target in (
        (ReportReach, ReportReach.category, "reached"),
        (ReportOutcome, ReportOutcome.outcome, "outcomes"),
    ):
        for dim, value, key, total in db.session.execute(
            select(*keyed, column, func.sum(model.count))
            .join(FinalReport, FinalReport.dossier_id == m.c.dossier_id)
            .join(model, model.report_id == FinalReport.id)
            .where(reported_of_funded)
            .group_by(*keyed, column)
        ):
            getattr(cells[(dim, value)], target)[key] = int(total or 0)

    measured = _measured()
    for dim, value, projects, met_all, count, met in db.session.execute(
        select(
            *keyed,
            func.count(),
            func.sum(case((measured.c.met == measured.c.measured, 1), else_=0)),
            func.sum(measured.c.measured),
            func.sum(measured.c.met),
        )
        .join(measured, measured.c.dossier_id == m.c.dossier_id)
        .where(b.funded == 1)
        .group_by(*keyed)
    ):
        cell = cells[(dim, value)]
        cell.measured_projects, cell.met_all_projects = int(projects), int(met_all or 0)
        cell.indicators_measured, cell.indicators_met = int(count or 0), int(met or 0)

    total = cells.pop(("all", ""), Figures())
    return Dashboard(
        filters, options, total, _breakdowns(cells, options, filters), _indicators(base)
    )


def _measured_rows(base, *columns):
    """`columns` over the report indicators with both a target and an achieved value, of final
    reports handed in; of the funded dossiers of `base` only when it is given (the per-dossier
    subquery leaves that to the query joining it: PostgreSQL plans it much better)."""
    stmt = (
        select(*columns)
        .select_from(ReportIndicator)
        .join(FinalReport, FinalReport.id == ReportIndicator.report_id)
        .join(Indicator, Indicator.id == ReportIndicator.indicator_id)
        .where(
            FinalReport.status.in_(REPORTED),
            ReportIndicator.achieved_value.is_not(None),
            Indicator.target_value.is_not(None),
        )
    )
    if base is not None:
        stmt = stmt.join(base, base.c.id == FinalReport.dossier_id).where(base.c.funded == 1)
    return stmt


def _met():
    condition = met_condition(
        Indicator.direction, Indicator.target_value, ReportIndicator.achieved_value
    )
    return case((condition, 1), else_=0)


def _measured():
    """Per dossier: its indicators measured against a target, and how many met it."""
    return (
        _measured_rows(
            None,
            FinalReport.dossier_id.label("dossier_id"),
            func.count().label("measured"),
            func.sum(_met()).label("met"),
        )
        .group_by(FinalReport.dossier_id)
        .subquery("measured")
    )


def _indicators(base) -> list[IndicatorLine]:
    """Per common indicator of the calls (and the projects' own, together): one query."""
    stmt = (
        _measured_rows(
            base,
            Indicator.call_indicator_id,
            CallIndicator.label,
            CallIndicator.unit,
            CallIndicator.direction,
            func.count(),
            func.sum(_met()),
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
