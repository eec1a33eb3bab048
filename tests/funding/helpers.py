"""Helpers shared by the funding tests (the final report's pages and services).

Test modules import them from here, never from one another.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from funding import services
from funding.models import Clawback, FinalReport, Payment, ReportAttachment
from funding.services import agreements, reports
from portal.db import db
from portal.models import AuditEvent, OutboxMessage

from ..conftest import PDF_BYTES


def _page(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


REACH = {"at_risk": 12, "return_path": 10}
OUTCOMES = {"stayed_in_school": 10, "returned_to_training": 8, "unknown": 4}


def _data(
    actions="Ateliers hebdomadaires.",
    young=22,
    achieved=("9 %",),
    expenses=None,
    reach=None,
    outcomes=None,
) -> dict:
    """The same as the services take it (young people reached and their outcomes add up)."""
    expenses = {"services": "1000.00"} if expenses is None else expenses
    return {
        "actions_carried_out": actions,
        "young_reached": young,
        "reach": REACH if reach is None else reach,
        "outcomes": OUTCOMES if outcomes is None else outcomes,
        "indicators": list(achieved),
        "expenses": [{"category": k, "amount": v, "label": ""} for k, v in expenses.items()],
    }


def _money(dossier) -> dict:
    """Each funder's money on the dossier: commitment, payments and clawbacks (with their author)."""
    return {
        c.funder: (
            (c.amount, c.status, c.version),
            sorted((p.kind.value, p.amount, p.reference) for p in c.payments),
            sorted((k.amount, k.status.value, k.created_by_id) for k in c.clawbacks),
        )
        for c in services.commitments_of(dossier)
    }


def _state(dossier) -> tuple:
    """Everything a refused report action must leave as it was."""
    db.session.expire_all()
    report = reports.report_of(dossier)
    row = (
        None
        if report is None
        else (
            report.status,
            report.actions_carried_out,
            report.young_reached,
            report.justified_amount,
            report.correction_message,
            report.submitted_at,
            report.version,
            report.due_state,
            report.due_region,
            report.state_validated_at,
            report.region_validated_at,
            [(i.achieved, i.achieved_value) for i in report.indicators],
            [(e.category, e.amount) for e in report.expenses],
            len(report.attachments),
            sorted((r.category, r.count) for r in report.reach),
            sorted((r.outcome, r.count) for r in report.outcomes),
            report.publication_consent,
            report.consent_changed_at,
        )
    )
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return (
        dossier.status,
        row,
        _money(dossier),
        count(FinalReport),
        count(ReportAttachment),
        count(Payment),
        count(Clawback),
        count(OutboxMessage),
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.like("report%") | AuditEvent.action.like("publication%"))
        ),
    )


def _sign(o, dossier, due: dt.date | None = None):
    """The agreement generated, signed copy deposited, signature recorded: the dossier is funded."""
    agreements.generate(o.budget_region, dossier, due or services.today() + dt.timedelta(days=200))
    agreements.upload_signed(o.head_a, dossier, "signee.pdf", PDF_BYTES)
    agreements.record_signature(o.budget_region, dossier, services.today())
    return dossier


def commitment_of_dossier(dossier, funder):
    return next(c for c in services.commitments_of(dossier) if c.funder == funder)


def _submitted(o, dossier, expenses=None):
    """The head saves and submits the report (with a supporting document, required)."""
    reports.save(o.head_a, dossier, _data(expenses=expenses))
    if not reports.report_of(dossier).attachments:
        reports.add_attachment(o.head_a, dossier, "facture.pdf", PDF_BYTES)
    reports.submit(o.head_a, dossier)
    return reports.report_of(dossier)


def _validation(dossier, funder=None, **extra) -> dict:
    """The validation form as the officer's page posts it: the part (hidden when the officer has
    one funder), the report's version and the preview's digest."""
    db.session.expire_all()
    report = reports.report_of(dossier)
    data = {
        "version": str(report.version),
        "preview": reports.preview_fingerprint(report, reports.settlement_preview(dossier, report)),
    }
    if funder is not None:
        data["funder"] = funder.value
    data.update(extra)
    return data
