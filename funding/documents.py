"""The funding area's PDFs, rendered by WeasyPrint: the grant agreement (*convention attributive*)
with the parties, the amounts, the payment schedule, the rounding rule and the report's due date;
the final report with the young people reached, their outcomes and the indicators target vs
achieved.
"""

from __future__ import annotations

from flask import render_template

from applications.models import EXPENSE_CATEGORIES
from portal.reference import OUTCOMES, YOUNG_CATEGORIES

from . import money
from .models import FinalReport, GrantAgreement
from .services import report_outcomes
from .services.agreements import FUNDERS, amounts, generated_on, head_of, payment_schedule
from .services.common import OF_FUNDER


def agreement_pdf(agreement: GrantAgreement) -> bytes:
    """The agreement as PDF bytes: parties, object, amounts, schedule, rounding rule, due date."""
    from weasyprint import HTML

    dossier = agreement.dossier
    call = dossier.call
    axes = {a.number: a.label for a in call.axes}
    granted = amounts(agreement)
    html = render_template(
        "funding/grant/agreement_pdf.html",
        agreement=agreement,
        dossier=dossier,
        call=call,
        establishment=dossier.establishment,
        head=head_of(dossier),
        main_axis=axes.get(dossier.main_axis),
        other_axes=[axes[n] for n in dossier.other_axes or [] if n in axes],
        granted=[(f, OF_FUNDER[f], granted[f]) for f in FUNDERS if granted[f] > 0],
        total=sum(granted.values(), money.ZERO),
        schedule=payment_schedule(agreement),
        rounding_rule=money.ROUNDING_RULE,
        generated_on=generated_on(agreement),
    )
    return HTML(string=html).write_pdf()


def agreement_pdf_filename(agreement: GrantAgreement) -> str:
    return f"convention-{agreement.number}.pdf"


def report_pdf(report: FinalReport) -> bytes:
    """The final report as PDF bytes: actions, reach, outcomes, indicators, expenses, consent."""
    from weasyprint import HTML

    html = render_template(
        "funding/grant/report_pdf.html",
        report=report,
        dossier=report.dossier,
        reach=report_outcomes.reach_of(report),
        outcomes=report_outcomes.outcomes_of(report),
        indicators=report_outcomes.indicator_lines(report, report.dossier),
        young_categories=YOUNG_CATEGORIES,
        outcome_labels=OUTCOMES,
        categories=EXPENSE_CATEGORIES,
    )
    return HTML(string=html).write_pdf()


def report_pdf_filename(report: FinalReport) -> str:
    return f"bilan-{report.dossier.reference}.pdf"
