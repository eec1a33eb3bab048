"""The outcome dashboard's statement: every figure of every breakdown in one GROUP BY.

1. Per dossier, GROUP BY dossier_id subqueries sum what it has: active commitments, payments
   and settled clawbacks per funder, young people targeted per category, reached per category
   and outcomes (final reports handed in), indicators measured and met.
2. `dashboard_dossier` (a CTE): the dossiers with a commitment, narrowed by the filters, those
   sums joined (LEFT JOIN, each on its dossier: hash joins whatever the planner estimates), with
   the dimensions the breakdowns need and two flags: funded (an active commitment) and reported.
3. The membership relation: one SELECT per dimension over the CTE (a dossier with two themes
   appears under each), all the measures carried along; the outer query GROUPs BY
   (dimension, value) and sums them. No join after the CTE, so no plan can go quadratic.
"""

from __future__ import annotations

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    select,
    union_all,
)

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
from portal.models import FIELDS, Call, Establishment
from portal.reference import OUTCOMES, YOUNG_CATEGORIES

from .dashboard_figures import FUNDERS
from .dashboard_filters import Filters

REPORTED = (ReportStatus.submitted, ReportStatus.validated)


def met_condition(direction, target, achieved):
    """`portal.reference.target_met` as SQL, for rows where both values are given."""
    return case(
        (direction == "down", achieved <= target),
        else_=achieved >= target,
    )


def met_flag():
    condition = met_condition(
        Indicator.direction, Indicator.target_value, ReportIndicator.achieved_value
    )
    return case((condition, 1), else_=0)


def _sum_if(condition, value):
    return func.sum(case((condition, value), else_=0))


def _per_dossier():
    """(name → subquery with `dossier_id` and the named sums), each one GROUP BY dossier_id."""
    active = (
        select(
            Commitment.dossier_id.label("dossier_id"),
            *[
                _sum_if(Commitment.funder == f, Commitment.amount).label(f"granted_{f.value}")
                for f in FUNDERS
            ],
            *[_sum_if(Commitment.funder == f, 1).label(f"commitments_{f.value}") for f in FUNDERS],
        )
        .where(Commitment.status == CommitmentStatus.active)
        .group_by(Commitment.dossier_id)
        .subquery("active_sums")
    )
    paid = (
        select(
            Commitment.dossier_id.label("dossier_id"),
            *[
                _sum_if(Commitment.funder == f, Payment.amount).label(f"payments_{f.value}")
                for f in FUNDERS
            ],
        )
        .join(Payment, Payment.commitment_id == Commitment.id)
        .group_by(Commitment.dossier_id)
        .subquery("payment_sums")
    )
    settled = (
        select(
            Commitment.dossier_id.label("dossier_id"),
            *[
                _sum_if(Commitment.funder == f, Clawback.amount).label(f"settled_{f.value}")
                for f in FUNDERS
            ],
        )
        .join(Clawback, Clawback.commitment_id == Commitment.id)
        .where(Clawback.status == ClawbackStatus.settled)
        .group_by(Commitment.dossier_id)
        .subquery("clawback_sums")
    )
    targeted = (
        select(
            DossierTarget.dossier_id.label("dossier_id"),
            *[
                _sum_if(DossierTarget.category == c, DossierTarget.count).label(f"targeted_{c}")
                for c in YOUNG_CATEGORIES
            ],
        )
        .group_by(DossierTarget.dossier_id)
        .subquery("target_sums")
    )

    def of_reports(model, column, prefix: str, codes, name: str):
        return (
            select(
                FinalReport.dossier_id.label("dossier_id"),
                *[_sum_if(column == c, model.count).label(f"{prefix}_{c}") for c in codes],
            )
            .join(model, model.report_id == FinalReport.id)
            .where(FinalReport.status.in_(REPORTED))
            .group_by(FinalReport.dossier_id)
            .subquery(name)
        )

    reached = of_reports(
        ReportReach, ReportReach.category, "reached", YOUNG_CATEGORIES, "reach_sums"
    )
    outcomes = of_reports(ReportOutcome, ReportOutcome.outcome, "outcome", OUTCOMES, "outcome_sums")
    measured = (
        select(
            FinalReport.dossier_id.label("dossier_id"),
            func.count().label("indicators_measured"),
            func.sum(met_flag()).label("indicators_met"),
        )
        .select_from(ReportIndicator)
        .join(FinalReport, FinalReport.id == ReportIndicator.report_id)
        .join(Indicator, Indicator.id == ReportIndicator.indicator_id)
        .where(
            FinalReport.status.in_(REPORTED),
            ReportIndicator.achieved_value.is_not(None),
            Indicator.target_value.is_not(None),
        )
        .group_by(FinalReport.dossier_id)
        .subquery("indicator_sums")
    )
    return [active, paid, settled, targeted, reached, outcomes, measured]


# the measures the figures statement sums, in its column order after (dim, value)
MEASURES = [
    "projects",
    "reported",
    *[f"granted_{f.value}" for f in FUNDERS],
    *[f"commitments_{f.value}" for f in FUNDERS],
    *[f"payments_{f.value}" for f in FUNDERS],
    *[f"settled_{f.value}" for f in FUNDERS],
    "granted_reported",
    *[f"targeted_{c}" for c in YOUNG_CATEGORIES],
    *[f"reached_{c}" for c in YOUNG_CATEGORIES],
    *[f"outcome_{o}" for o in OUTCOMES],
    "measured_projects",
    "met_all_projects",
    "indicators_measured",
    "indicators_met",
]


def filtered(filters: Filters):
    """The CTE of the dossiers with a commitment (active or not: money paid on a cancelled one
    still counts), narrowed by the filters, with their dimensions, flags and sums."""
    active, paid, settled, targeted, reached, outcomes, measured = _per_dossier()
    joined = (
        select(Dossier)
        .join(Call, Call.id == Dossier.call_id)
        .join(Establishment, Establishment.id == Dossier.establishment_id)
    )
    for sub in (active, paid, settled, targeted, reached, outcomes, measured):
        joined = joined.outerjoin(sub, sub.c.dossier_id == Dossier.id)

    def z(column):
        return func.coalesce(column, 0)

    funded = z(active.c.commitments_state) + z(active.c.commitments_region) > 0
    reported = exists().where(
        FinalReport.dossier_id == Dossier.id, FinalReport.status.in_(REPORTED)
    )
    counted = and_(funded, reported)  # reach, outcomes and indicators: funded and reported

    def when(condition, column):
        return case((condition, z(column)), else_=0)

    granted_total = z(active.c.granted_state) + z(active.c.granted_region)
    measures = {
        "projects": case((funded, 1), else_=0),
        "reported": case((counted, 1), else_=0),
        **{f"granted_{f.value}": z(active.c[f"granted_{f.value}"]) for f in FUNDERS},
        **{f"commitments_{f.value}": z(active.c[f"commitments_{f.value}"]) for f in FUNDERS},
        **{f"payments_{f.value}": z(paid.c[f"payments_{f.value}"]) for f in FUNDERS},
        **{f"settled_{f.value}": z(settled.c[f"settled_{f.value}"]) for f in FUNDERS},
        "granted_reported": case((counted, granted_total), else_=0),
        **{f"targeted_{c}": when(funded, targeted.c[f"targeted_{c}"]) for c in YOUNG_CATEGORIES},
        **{f"reached_{c}": when(counted, reached.c[f"reached_{c}"]) for c in YOUNG_CATEGORIES},
        **{f"outcome_{o}": when(counted, outcomes.c[f"outcome_{o}"]) for o in OUTCOMES},
        "measured_projects": case(
            (and_(counted, z(measured.c.indicators_measured) > 0), 1), else_=0
        ),
        "met_all_projects": case(
            (
                and_(
                    counted,
                    z(measured.c.indicators_measured) > 0,
                    measured.c.indicators_met == measured.c.indicators_measured,
                ),
                1,
            ),
            else_=0,
        ),
        "indicators_measured": when(counted, measured.c.indicators_measured),
        "indicators_met": when(counted, measured.c.indicators_met),
    }
    fields_text = cast(Dossier.fields, String)
    stmt = joined.with_only_columns(
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
        *[measures[name].label(name) for name in MEASURES],
        maintain_column_froms=False,
    ).where(exists().where(Commitment.dossier_id == Dossier.id))
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


def figures_statement(base):
    """(dim, value, Σ each of MEASURES) for the totals ('all', '') and every dimension value."""
    b = base.c
    carried = [b[name] for name in MEASURES]

    def part(dim: str, value):
        return select(_const(dim).label("dim"), value.label("value"), *carried)

    union = union_all(
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
    ).subquery("membership")
    m = union.c
    return select(
        m.dim,
        m.value,
        *[func.sum(m[name]).label(name) for name in MEASURES],
    ).group_by(m.dim, m.value)
