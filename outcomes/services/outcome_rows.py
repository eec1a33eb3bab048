"""Each funded dossier's outcome figures, computed from the source rows: the reference
computation of the `dossier_outcome` rows (outcomes.services.outcome_store writes them, the
dashboard adds them up).

Per dossier, GROUP BY dossier_id subqueries sum what it has: active commitments, payments and
settled clawbacks per funder, young people targeted per category, reached per category and
outcomes (final reports handed in), indicators measured and met. Joined to the dossiers with a
commitment (active or not: money paid on a cancelled one still counts), the dashboard's
conditions applied: a *funded* dossier has an active commitment; reach, outcomes and indicators
count when it is funded and its report handed in; money in cents.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, and_, case, cast, exists, func, select, true

from applications.models import Dossier, DossierTarget, Indicator
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
from portal.reference import OUTCOMES, YOUNG_CATEGORIES

from .dashboard_figures import FUNDERS

REPORTED = (ReportStatus.submitted, ReportStatus.validated)
# the figures of a dossier, in the dashboard's order (the columns of DossierOutcome)
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
# the measures in cents of a euro
MONEY = {
    *[f"{kind}_{f.value}" for kind in ("granted", "payments", "settled") for f in FUNDERS],
    "granted_reported",
}


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


def _per_dossier(of_dossiers):
    """The subqueries (`dossier_id` and the named sums), each GROUP BY dossier_id; `of_dossiers`
    (a dossier id column → condition) narrows each one to the dossiers wanted."""
    active = (
        select(
            Commitment.dossier_id.label("dossier_id"),
            *[
                _sum_if(Commitment.funder == f, Commitment.amount).label(f"granted_{f.value}")
                for f in FUNDERS
            ],
            *[_sum_if(Commitment.funder == f, 1).label(f"commitments_{f.value}") for f in FUNDERS],
        )
        .where(Commitment.status == CommitmentStatus.active, of_dossiers(Commitment.dossier_id))
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
        .where(of_dossiers(Commitment.dossier_id))
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
        .where(Clawback.status == ClawbackStatus.settled, of_dossiers(Commitment.dossier_id))
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
        .where(of_dossiers(DossierTarget.dossier_id))
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
            .where(FinalReport.status.in_(REPORTED), of_dossiers(FinalReport.dossier_id))
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
            of_dossiers(FinalReport.dossier_id),
        )
        .group_by(FinalReport.dossier_id)
        .subquery("indicator_sums")
    )
    return [active, paid, settled, targeted, reached, outcomes, measured]


def _cents(value):
    return cast(func.round(value * 100), BigInteger)


def dossier_rows(of_dossiers=lambda column: true()):
    """SELECT (dossier id, each of MEASURES) of the dossiers with a commitment that
    `of_dossiers` keeps (by default all): the rows of `dossier_outcome`."""
    active, paid, settled, targeted, reached, outcomes, measured = _per_dossier(of_dossiers)
    joined = select(Dossier)
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
    return joined.with_only_columns(
        Dossier.id.label("dossier_id"),
        *[
            (_cents(measures[name]) if name in MONEY else measures[name]).label(name)
            for name in MEASURES
        ],
        maintain_column_froms=False,
    ).where(exists().where(Commitment.dossier_id == Dossier.id), of_dossiers(Dossier.id))
