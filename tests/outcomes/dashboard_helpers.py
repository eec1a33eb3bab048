"""Builders of the outcome dashboard's tests: funded dossiers with targets, themes, indicators,
payments and final reports (reach, outcomes, achieved values), written through the models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from applications.models import DossierTarget, Indicator
from funding.models import (
    Clawback,
    ClawbackStatus,
    FinalReport,
    Payment,
    PaymentKind,
    ReportIndicator,
    ReportOutcome,
    ReportReach,
    ReportStatus,
)
from portal.db import db, utcnow

from ..funding.conftest import commitment_of


def project(
    o,
    state="1000.00",
    region="2000.00",
    *,
    author=None,
    targets=(("at_risk", "under_16", 10),),
    themes=(),
    fields=("prevention",),
    axis=2,
    paid=(),  # (funder, amount)
    settled=(),  # (funder, amount) clawbacks paid back
    report=ReportStatus.submitted,  # None: no report
    reach=(("at_risk", 8),),
    outcomes=(("stayed_in_school", 8),),
    indicators=(),  # (direction, target, achieved)
):
    """A funded dossier (money_world's `funded`) with its outcome data; returns the dossier."""
    decision = o.funded(state, region, author=author)
    dossier = decision.dossier
    dossier.fields = list(fields)
    dossier.main_axis = axis
    dossier.themes = list(themes)
    dossier.targets = [DossierTarget(category=c, age_band=b, count=n) for c, b, n in targets]
    made = []
    for n, (direction, target, _achieved) in enumerate(indicators):
        indicator = Indicator(
            dossier_id=dossier.id,
            position=50 + n,
            name=f"Indicateur {n}",
            direction=direction,
            target_value=None if target is None else Decimal(target),
        )
        db.session.add(indicator)
        made.append(indicator)
    db.session.flush()
    for n, (funder, amount) in enumerate(paid):
        commitment = commitment_of(decision, funder)
        db.session.add(
            Payment(
                commitment_id=commitment.id,
                funder=funder,
                kind=PaymentKind.advance,
                amount=Decimal(amount),
                paid_on=dt.date.today(),
                reference=f"P-{dossier.id}-{n}",
                recorded_by_id=o.budget.id,
            )
        )
    for funder, amount in settled:
        db.session.add(
            Clawback(
                commitment_id=commitment_of(decision, funder).id,
                amount=Decimal(amount),
                reason="Trop versé.",
                status=ClawbackStatus.settled,
                settled_on=dt.date.today(),
                settled_reference=f"T-{dossier.id}",
            )
        )
    if report is not None:
        final = FinalReport(
            dossier_id=dossier.id,
            status=report,
            young_reached=sum(n for _, n in reach),
            submitted_at=utcnow(),
            submitted_by_id=o.head_a.id,
        )
        final.reach = [ReportReach(category=c, count=n) for c, n in reach]
        final.outcomes = [ReportOutcome(outcome=k, count=n) for k, n in outcomes]
        final.indicators = [
            ReportIndicator(
                position=n,
                name=ind.name,
                indicator_id=ind.id,
                achieved_value=None if achieved is None else Decimal(achieved),
            )
            for n, (ind, (_, _, achieved)) in enumerate(zip(made, indicators))
        ]
        db.session.add(final)
    db.session.flush()
    return dossier
