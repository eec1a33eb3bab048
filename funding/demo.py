"""Demo data for the money: the decided call's envelopes, commitments, agreements, payments,
final reports and a clawback, so every funding screen shows something.

Loaded by portal.demo after the review demo (which decides and publishes a call). Everything goes
through the same services as the pages, in the order an officer and an establishment would act:

- envelopes per funder, and a Région sub-envelope per département (one deliberately too small,
  and over 90 % committed);
- the final accept decisions committed by each funder's officer (the review demo validated them
  before any envelope existed, so the `decision_finalised` signal could not commit them);
- one decision left uncommitted: its Région part does not fit its département's sub-envelope;
- agreements generated for the fully committed dossiers, one awaiting the head's signature, the
  others signed, recorded, and their advances paid;
- then, one dossier per stage of the final report: funded (advance paid, report to write),
  report submitted, report validated with a clawback open, report validated and balance paid
  (the dossier closed); each funder's officer validates its own part of the report. Each report
  gives the young people reached by category, their outcomes and a value achieved for every
  indicator (the target met, except for the clawback's); two heads consent to publication.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from sqlalchemy import func, select

from applications.models import Dossier, DossierStatus
from portal import audit
from portal.db import db
from portal.errors import ServiceError
from portal.models import ACADEMY_DEPARTMENTS, Call, Institution, User
from review.models import Decision, DecisionOutcome

from . import money, services
from .models import CommitmentStatus, Payment
from .services import agreements, reports

STATE, REGION = Institution.state, Institution.region
MAIN_ENVELOPES = {STATE: Decimal("60000.00"), REGION: Decimal("80000.00")}
SHORT_BY = Decimal("500.00")  # how much the too-small sub-envelope misses
REFERENCE_PREFIX = {STATE: "MANDAT-RECTORAT", REGION: "MANDAT-REGION"}
# What happens to each fully committed dossier, in reference order (the last one keeps its
# agreement awaiting the head's signature).
STAGES = ["closed", "clawback", "report_submitted", "funded", "awaiting_signature"]
# The young people each report says it reached, by category, and what became of them (same total).
REPORT_FIGURES = {
    "closed": (
        {"at_risk": 10, "return_path": 8},
        {"stayed_in_school": 9, "returned_to_training": 5, "qualification": 2, "unknown": 2},
    ),
    "clawback": (
        {"at_risk": 5, "left_without_qualification": 4},
        {"returned_to_training": 3, "employment": 2, "unknown": 4},
    ),
    "report_submitted": (
        {"at_risk": 12, "left_without_qualification": 3, "return_path": 3},
        {
            "stayed_in_school": 10,
            "returned_to_training": 4,
            "qualification": 1,
            "employment": 1,
            "unknown": 2,
        },
    ),
}
# The heads who agree to show their project in the public catalogue of practices.
CONSENTING = {"closed", "report_submitted"}


def decided_call() -> Call | None:
    """The call whose results are published (the review demo's decided call)."""
    return db.session.scalar(
        select(Call)
        .join(Dossier, Dossier.call_id == Call.id)
        .join(Decision, Decision.dossier_id == Dossier.id)
        .where(Decision.published_at.is_not(None), Decision.outcome == DecisionOutcome.accept)
        .order_by(Call.id)
        .limit(1)
    )


def load(users: list[User], pdf: bytes) -> dict:
    """Add the money of the decided call; the caller commits. Returns what was made, by stage."""
    people = {u.email.split("@")[0]: u for u in users}
    officers = {STATE: people["budget.etat"], REGION: people["budget.region"]}
    call = decided_call()
    if call is None:
        return {}
    decisions = _final_accepts(call)
    if not decisions:
        return {}
    short = decisions[-1]  # its Région part will not fit its département's sub-envelope
    _envelopes(call, officers, decisions, short)
    for decision, funder, _amount in services.uncommitted(call.id):
        _commit_part(officers[funder], decision, funder)
    full = [d for d in decisions if d is not short and _fully_committed(d)]
    made: dict = {"call": call, "uncommitted": short.dossier}
    due = services.today() + dt.timedelta(days=180)
    for decision, stage in zip(full, STAGES):
        dossier = decision.dossier
        agreement = agreements.generate(officers[REGION], dossier, due)
        made[stage] = dossier
        if stage == "awaiting_signature":
            continue
        head = agreements.head_of(dossier)
        agreements.upload_signed(head, dossier, "convention-signee.pdf", pdf)
        agreements.record_signature(officers[STATE], dossier, services.today())
        _pay_advances(officers, dossier)
        if stage == "funded":
            # the demo's own past: this report was due two weeks ago, so the late-report alert shows
            agreement.report_due_on = services.today() - dt.timedelta(days=15)
            continue
        _write_report(head, dossier, stage, pdf)
        reports.submit(head, dossier)
        if stage == "report_submitted":
            continue
        # each funder's officer validates its own part (the first fixes what each owes)
        for funder in reports.pending_funders(reports.report_of(dossier), dossier):
            reports.validate(officers[funder], dossier, funder)
        if stage == "closed":
            _pay_balances(officers, dossier)
    db.session.flush()
    return made


def _final_accepts(call: Call) -> list[Decision]:
    return list(
        db.session.scalars(
            select(Decision)
            .join(Dossier, Dossier.id == Decision.dossier_id)
            .where(
                Dossier.call_id == call.id,
                Decision.finalised_at.is_not(None),
                Decision.outcome == DecisionOutcome.accept,
                Dossier.status == DossierStatus.accepted,
            )
            .order_by(Dossier.reference)
        )
    )


def _department(decision: Decision) -> str:
    return decision.dossier.establishment.department_code


def _envelopes(call: Call, officers: dict, decisions: list[Decision], short: Decision) -> None:
    """Main envelopes for both funders; a Région sub-envelope per département, roomy except
    for the `short` decision's, which holds the others of its département but not it."""
    for funder, amount in MAIN_ENVELOPES.items():
        services.set_envelope(officers[funder], call, funder, amount)
    region_parts: dict[str, Decimal] = {code: Decimal("0.00") for code in ACADEMY_DEPARTMENTS}
    for decision in decisions:
        if decision is not short:
            region_parts[_department(decision)] += services.granted_parts(decision)[REGION]
    for code, total in region_parts.items():
        if code == _department(short):
            # too small for `short`; when others fill it, at least 90 % committed (the alert)
            slack = services.granted_parts(short)[REGION] - SHORT_BY
            if total > 0:
                slack = min(slack, _round_down(total / 9, Decimal("10.00")))
            amount = total + slack
        else:
            amount = _round_up(total + Decimal("2000.00"), Decimal("5000.00"))
        services.set_envelope(officers[REGION], call, REGION, amount, department_code=code)


def _round_down(value: Decimal, step: Decimal) -> Decimal:
    return ((value / step).to_integral_value(rounding=ROUND_FLOOR) * step).quantize(money.CENT)


def _round_up(value: Decimal, step: Decimal) -> Decimal:
    return ((value / step).to_integral_value(rounding=ROUND_CEILING) * step).quantize(money.CENT)


def _commit_part(officer: User, decision: Decision, funder: Institution) -> None:
    """The officer commits a part; a refusal (envelope too small) is kept as the signal keeps it:
    audited, the part awaiting commitment."""
    savepoint = db.session.begin_nested()
    try:
        services.commit_again(officer, decision, funder)
        savepoint.commit()
    except ServiceError as exc:
        savepoint.rollback()
        audit.record(
            officer,
            "commitment_refused",
            decision.dossier,
            {
                "funder": funder.value,
                "amount": services.granted_parts(decision)[funder],
                "reason": exc.message,
            },
        )


def _fully_committed(decision: Decision) -> bool:
    committed = {
        c.funder
        for c in services.commitments_of(decision.dossier)
        if c.status == CommitmentStatus.active
    }
    return all(
        f in committed for f, amount in services.granted_parts(decision).items() if amount > 0
    )


def _reference(funder: Institution) -> str:
    """The next mandate number of the funder (unique per funder)."""
    count = db.session.scalar(select(func.count(Payment.id)).where(Payment.funder == funder)) or 0
    return f"{REFERENCE_PREFIX[funder]}-{services.today().year}-{count + 1:04d}"


def _pay_advances(officers: dict, dossier: Dossier) -> None:
    rate = agreements.agreement_of(dossier).advance_rate
    for commitment in services.commitments_of(dossier):
        kind, amount = services.proposed_payment(commitment, rate)
        if amount > 0:
            services.record_payment(
                officers[commitment.funder],
                commitment,
                amount,
                services.today(),
                _reference(commitment.funder),
                kind=kind,
            )


def _pay_balances(officers: dict, dossier: Dossier) -> None:
    for figures in services.commitment_figures(services.commitments_of(dossier)):
        commitment = figures.commitment
        if commitment.status == CommitmentStatus.active and figures.to_pay > 0:
            services.record_payment(
                officers[commitment.funder],
                commitment,
                figures.to_pay,
                services.today(),
                _reference(commitment.funder),
                kind="balance",
            )


def _write_report(head: User, dossier: Dossier, stage: str, pdf: bytes) -> None:
    """The establishment's final report. Spending: the whole grant and the establishment's own
    share for most; for the `clawback` stage, 800 € less than the advances already received."""
    granted = sum((c.amount for c in services.commitments_of(dossier)), Decimal("0.00"))
    if stage == "clawback":
        advances = sum(
            (f.paid for f in services.commitment_figures(services.commitments_of(dossier))),
            Decimal("0.00"),
        )
        spent = advances - Decimal("800.00")
        expenses = [
            {
                "category": "services",
                "label": "Intervenants (actions réduites)",
                "amount": str(spent),
            }
        ]
    else:
        expenses = [
            {
                "category": "services",
                "label": "Intervenants",
                "amount": str(granted - Decimal("600.00")),
            },
            {"category": "equipment", "label": "Matériel pédagogique", "amount": "1100.00"},
        ]
    reach, outcomes = REPORT_FIGURES[stage]
    reports.save(
        head,
        dossier,
        {
            "actions_carried_out": "Ateliers hebdomadaires de remobilisation de novembre à juin, "
            "entretiens individuels avec les familles, bilan avec la mission "
            "locale en fin d'année.",
            "reach": reach,
            "outcomes": outcomes,
            "indicators": [_achieved(ind, stage) for ind in dossier.indicators],
            "expenses": expenses,
            "publication_consent": stage in CONSENTING,
        },
    )
    reports.add_attachment(head, dossier, "feuilles-de-presence.pdf", pdf)


def _target(indicator) -> Decimal | None:
    """The indicator's numeric target; an older dossier's free text ("8 %") read as a number."""
    if indicator.target_value is not None:
        return indicator.target_value
    match = re.search(r"\d+(?:[.,]\d+)?", indicator.target or indicator.baseline or "")
    return Decimal(match.group(0).replace(",", ".")) if match else None


def _achieved(indicator, stage: str) -> str:
    """A value achieved for the demo: the target met, except for the `clawback` stage (reduced
    actions), which misses it; 10 when the dossier gives no number at all."""
    target = _target(indicator)
    if target is None:
        return "10"
    better = -1 if indicator.direction == "down" else 1
    gap = max(target * Decimal("0.2"), Decimal("1"))
    value = target + better * gap if stage != "clawback" else target - better * gap
    return str(max(value, Decimal("0")).quantize(Decimal("0.01")))


def on_demo_loading(_sender=None, *, users, pdf, **_):
    """Receiver of `portal.signals.demo_loading`: the decided call's money (areas' order)."""
    return ("funding", lambda: load(users, pdf))
