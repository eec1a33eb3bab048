"""The outcome dashboard's statement: every figure of every breakdown in one GROUP BY.

1. Per dossier, the figures are stored (`dossier_outcome`, outcomes.services.outcome_store,
   computed by outcomes.services.outcome_rows): one row per dossier with a commitment, the
   dashboard's conditions already applied (funded, reported), money in cents.
2. `dashboard_dossier` (a CTE): those rows, narrowed by the filters, with the dossier's call,
   main axis and establishment (dimensions are read now, never stored).
3. `dashboard_cell` (a CTE): the sums per (call, axis, establishment), far fewer rows than
   dossiers, then joined to the call (school year) and the establishment (département,
   network, kind, priority education).
4. The membership relation: one SELECT per dimension (over the cells; over the dossiers for the
   themes and fields, a dossier with two themes appears under each), all the measures carried
   along; the outer query GROUPs BY (dimension, value) and sums them. Sums of integers: regrouping
   changes no figure.
"""

from __future__ import annotations

from sqlalchemy import String, cast, exists, func, literal_column, select, union_all

from applications.models import Dossier, DossierTheme
from portal.models import FIELDS, Call, Establishment

from ..models import DossierOutcome
from .dashboard_filters import Filters
from .outcome_rows import (  # noqa: F401  (re-exported: the dashboard, its tests)
    MEASURES,
    MONEY,
    REPORTED,
    met_condition,
    met_flag,
)


def filtered(filters: Filters):
    """The CTE of the dossiers with a commitment (their stored figures), narrowed by the
    filters: the dossier's own dimensions; its call and establishment are joined only when a
    filter reads them (the cells take their dimensions afterwards)."""
    o = DossierOutcome.__table__.c
    fields_text = cast(Dossier.fields, String)
    stmt = (
        select(
            Dossier.id.label("id"),
            Dossier.call_id.label("call_id"),
            Dossier.main_axis.label("main_axis"),
            Dossier.establishment_id.label("establishment_id"),
            fields_text.label("fields"),
            o.projects.label("funded"),
            *[o[name] for name in MEASURES],
        )
        .select_from(DossierOutcome)
        .join(Dossier, Dossier.id == DossierOutcome.dossier_id)
    )
    f = filters
    if f.school_year is not None:
        stmt = stmt.join(Call, Call.id == Dossier.call_id).where(Call.school_year == f.school_year)
    if any(v is not None for v in (f.department, f.network_id, f.kind, f.rep)):
        stmt = stmt.join(Establishment, Establishment.id == Dossier.establishment_id)
    if f.call_id is not None:
        stmt = stmt.where(Dossier.call_id == f.call_id)
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


def figures_statement(base):
    """(dim, value, Σ each of MEASURES) for the totals ('all', '') and every dimension value."""
    b = base.c
    keys = [b.call_id, b.main_axis, b.establishment_id]
    sums = (
        select(*keys, *[func.sum(b[name]).label(name) for name in MEASURES])
        .group_by(*keys)
        .subquery("dashboard_sum")
    )
    cells = (
        select(
            sums.c.call_id,
            Call.school_year.label("school_year"),
            sums.c.main_axis,
            Establishment.department_code.label("department_code"),
            Establishment.network_id.label("network_id"),
            cast(Establishment.kind, String).label("kind"),
            Establishment.priority_education.label("rep"),
            *[sums.c[name] for name in MEASURES],
        )
        .join(Call, Call.id == sums.c.call_id)
        .join(Establishment, Establishment.id == sums.c.establishment_id)
        .cte("dashboard_cell")
    )
    c = cells.c

    def part(source, dim: str, value):
        return select(
            _const(dim).label("dim"), value.label("value"), *[source[n] for n in MEASURES]
        )

    union = union_all(
        part(c, "all", _const("")),
        part(c, "call", cast(c.call_id, String)),
        part(c, "year", c.school_year),
        part(c, "axis", func.coalesce(cast(c.main_axis, String), "")),
        part(c, "department", c.department_code),
        part(c, "network", func.coalesce(cast(c.network_id, String), "")),
        part(c, "kind", c.kind),
        part(c, "rep", c.rep),
        part(b, "theme", cast(DossierTheme.theme_id, String)).join(
            DossierTheme, DossierTheme.dossier_id == b.id
        ),
        # the patterns as constants: a statement with a bound LIKE pattern is never prepared
        *[
            part(b, "field", _const(code)).where(b.fields.like(_const(f'%"{code}"%')))
            for code in FIELDS
        ],
    ).subquery("membership")
    m = union.c
    return select(
        m.dim,
        m.value,
        *[func.sum(m[name]).label(name) for name in MEASURES],
    ).group_by(m.dim, m.value)
