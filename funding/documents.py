"""The funding area's PDFs: the grant agreement (*convention attributive*), rendered by WeasyPrint
with the parties, the amounts, the payment schedule, the rounding rule and the report's due date.
"""

from __future__ import annotations

from flask import render_template

from . import money
from .models import GrantAgreement
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
