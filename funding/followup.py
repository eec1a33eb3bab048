"""What the funding area answers to the kernel's follow-up signals: the « À faire » items
(portal.signals.todo_items) and the reminders due (portal.signals.due_reminders: the final
report's due date, then the day after it is late). Constant number of queries per answer."""

from __future__ import annotations

import datetime as dt

from flask import url_for
from sqlalchemy import and_, exists, func, or_, select

from applications.models import Dossier
from portal.db import db
from portal.formatting import PARIS, format_date
from portal.models import Call, Institution, Role, User
from portal.permissions import APPLICANT_ROLES
from review.models import Decision, DecisionOutcome

from .models import Clawback, ClawbackStatus, Commitment, FinalReport, GrantAgreement, ReportStatus
from .policy import officer_institutions
from .services.common import COMMITTABLE_STATES

REPORT_NOTICE_DAYS = 7
OPEN_REPORT = (ReportStatus.draft, ReportStatus.corrections_requested)


def report_due_at(day: dt.date) -> dt.datetime:
    """A report due on a day is due by 23:59 that day, Paris time."""
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=PARIS).astimezone(dt.UTC)


def _report_not_deposited():
    return or_(FinalReport.id.is_(None), FinalReport.status.in_(OPEN_REPORT))


def _applicant_items(user, now) -> list[dict]:
    rows = db.session.execute(
        select(
            Dossier.id,
            Dossier.reference,
            GrantAgreement.number,
            GrantAgreement.signed_on,
            GrantAgreement.signed_key,
            GrantAgreement.report_due_on,
            FinalReport.status,
        )
        .join(GrantAgreement, GrantAgreement.dossier_id == Dossier.id)
        .outerjoin(FinalReport, FinalReport.dossier_id == Dossier.id)
        .where(Dossier.establishment_id == user.establishment_id)
    ).all()
    items = []
    for dossier_id, reference, number, signed_on, signed_key, due_on, report in rows:
        if signed_on is None and signed_key is None:
            items.append(
                {
                    "kind": "agreement_to_sign",
                    "label": f"Signer et déposer la convention {number} ({reference})",
                    "url": url_for("funding.grant", dossier_id=dossier_id),
                    "due": None,
                }
            )
        elif signed_on is not None and (report is None or report in OPEN_REPORT):
            items.append(
                {
                    "kind": "report_due",
                    "label": f"Déposer le bilan du dossier {reference}",
                    "url": url_for("funding.report", dossier_id=dossier_id),
                    "due": report_due_at(due_on),
                }
            )
    return items


def _officer_items(user, own: set[Institution]) -> list[dict]:
    items = []
    waiting = []
    if Institution.state in own:
        waiting.append(
            and_(FinalReport.state_validated_by_id.is_(None), GrantAgreement.amount_state > 0)
        )
    if Institution.region in own:
        waiting.append(
            and_(FinalReport.region_validated_by_id.is_(None), GrantAgreement.amount_region > 0)
        )
    for dossier_id, reference in db.session.execute(
        select(Dossier.id, Dossier.reference)
        .join(FinalReport, FinalReport.dossier_id == Dossier.id)
        .join(GrantAgreement, GrantAgreement.dossier_id == Dossier.id)
        .where(FinalReport.status == ReportStatus.submitted, or_(*waiting))
        .order_by(Dossier.reference)
    ):
        items.append(
            {
                "kind": "report_to_validate",
                "label": f"Bilan à valider : dossier {reference}",
                "url": url_for("funding.report", dossier_id=dossier_id),
                "due": None,
            }
        )
    parts = {Institution.state: Decision.amount_state, Institution.region: Decision.amount_region}
    for funder in sorted(own, key=lambda f: f.value):
        column = parts[funder]
        for call_id, call_title, count in db.session.execute(
            select(Call.id, Call.title, func.count(Decision.id))
            .join(Dossier, Dossier.id == Decision.dossier_id)
            .join(Call, Call.id == Dossier.call_id)
            .where(
                Decision.finalised_at.is_not(None),
                Decision.outcome == DecisionOutcome.accept,
                Dossier.status.in_(COMMITTABLE_STATES),
                column > 0,
                ~exists().where(Commitment.dossier_id == Dossier.id, Commitment.funder == funder),
            )
            .group_by(Call.id, Call.title)
        ):
            items.append(
                {
                    "kind": "parts_to_commit",
                    "label": (
                        f"{count} part{'s' if count > 1 else ''} à engager "
                        f"({funder.label}) — {call_title}"
                    ),
                    "url": url_for("funding.commitments", call_id=call_id),
                    "due": None,
                    "count": count,
                }
            )
    for call_id, call_title, count in db.session.execute(
        select(Call.id, Call.title, func.count(Clawback.id))
        .join(Commitment, Commitment.id == Clawback.commitment_id)
        .join(Call, Call.id == Commitment.call_id)
        .where(Clawback.status == ClawbackStatus.open, Commitment.funder.in_(own))
        .group_by(Call.id, Call.title)
    ):
        items.append(
            {
                "kind": "clawbacks_open",
                "label": (
                    f"{count} reversement{'s' if count > 1 else ''} à recevoir — {call_title}"
                ),
                "url": url_for("funding.commitments", call_id=call_id),
                "due": None,
                "count": count,
            }
        )
    return items


def _late_reports(now) -> list[dict]:
    today = now.astimezone(PARIS).date()
    rows = db.session.execute(
        select(
            Call.id,
            Call.title,
            func.count(GrantAgreement.id),
            func.min(GrantAgreement.report_due_on),
        )
        .join(Dossier, Dossier.id == GrantAgreement.dossier_id)
        .join(Call, Call.id == Dossier.call_id)
        .outerjoin(FinalReport, FinalReport.dossier_id == Dossier.id)
        .where(
            GrantAgreement.signed_on.is_not(None),
            GrantAgreement.report_due_on < today,
            _report_not_deposited(),
        )
        .group_by(Call.id, Call.title)
    ).all()
    return [
        {
            "kind": "late_reports",
            "label": f"{count} bilan{'s' if count > 1 else ''} en retard — {call_title}",
            "url": url_for("funding.dashboard", call_id=call_id),
            "due": report_due_at(first_due),
            "count": count,
        }
        for call_id, call_title, count, first_due in rows
    ]


def todo_items(user, now=None, **_) -> list[dict]:
    items = []
    if user.establishment_id is not None and user.has_role(*APPLICANT_ROLES):
        items += _applicant_items(user, now)
    own = officer_institutions(user) if user.has_role(Role.budget_officer) else set()
    if own:
        items += _officer_items(user, own)
    if user.has_role(Role.call_admin):
        items += _late_reports(now)
    return items


def due_reminders(_sender=None, now=None, **_) -> list[dict]:
    """The final report: a week before its due date (J-7), and the day after it is late."""
    today = now.astimezone(PARIS).date()
    rows = db.session.execute(
        select(GrantAgreement.id, GrantAgreement.report_due_on, Dossier.reference, User)
        .join(Dossier, Dossier.id == GrantAgreement.dossier_id)
        .join(User, and_(User.establishment_id == Dossier.establishment_id, User.active.is_(True)))
        .outerjoin(FinalReport, FinalReport.dossier_id == Dossier.id)
        .where(
            GrantAgreement.signed_on.is_not(None),
            GrantAgreement.report_due_on <= today + dt.timedelta(days=REPORT_NOTICE_DAYS),
            GrantAgreement.report_due_on >= today - dt.timedelta(days=30),
            _report_not_deposited(),
        )
    ).all()
    per_occasion: dict[tuple, dict] = {}
    for agreement_id, due_on, reference, person in rows:
        if not person.has_role(*APPLICANT_ROLES):
            continue
        late = due_on < today
        key = (agreement_id, late)
        entry = per_occasion.setdefault(
            key,
            {
                "kind": "report_due",
                "object_id": agreement_id,
                "occasion": "retard" if late else "J-7",
                "users": [],
                "subject": (
                    f"Bilan du dossier {reference} en retard"
                    if late
                    else f"Rappel : bilan du dossier {reference} attendu le {format_date(due_on)}"
                ),
                "body": (
                    f"Bonjour,\n\nLe bilan du dossier {reference} était attendu le "
                    f"{format_date(due_on)}. Déposez-le au plus vite sur le portail."
                    if late
                    else f"Bonjour,\n\nLe bilan du dossier {reference} est attendu au plus tard "
                    f"le {format_date(due_on)}. Vous pouvez le préparer dès maintenant sur le "
                    "portail."
                ),
            },
        )
        entry["users"].append(person)
    return list(per_occasion.values())
