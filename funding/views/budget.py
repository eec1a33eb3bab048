"""Budget pages: the calls' money at a glance, a call's dashboard, its envelopes, the exports.

Read access is `Permission.VIEW_BUDGET` (budget officers, observers, call administrators); every
change goes through `funding.services`, which lets only the funder's own officers touch its money.
Every figure comes from `funding.services.dashboard.call_budget` or the services' figures: nothing
is summed here, so the pages, the lists, the exports and the API reconcile to the cent.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import exports as tables
from portal.errors import PermissionDenied, ServiceError
from portal.formatting import format_decimal, format_money
from portal.models import Call, Institution
from portal.pagecache import cached_page
from portal.permissions import Permission, require
from portal.web import done, load, refused, status_of

from .. import exports, services
from ..forms import EnvelopeForm
from ..models import Envelope
from ..policy import officer_institutions
from ..services import dashboard, lists
from . import bp
from .common import FUNDER_LABELS, FUNDER_PARAM, FUNDERS, budget_call, funder_filter

ALERT_TITLES = {
    "envelope": "Enveloppe presque entièrement engagée",
    "late_report": "Bilans finaux en retard",
    "clawback": "Reversements en attente",
    "uncommitted": "Décisions non engagées",
}


@bp.get("/")
@login_required
def index():
    """Every call past its preparation, with each funder's envelope, committed, paid, remaining."""
    require(current_user, Permission.VIEW_BUDGET)
    calls = [(call, lists.main_figures(call.id)) for call in lists.budget_calls()]
    return render_template(
        "funding/budget/index.html", calls=calls, FUNDERS=FUNDERS, FUNDER_LABELS=FUNDER_LABELS
    )


@bp.get("/appels/<int:call_id>", endpoint="dashboard")
@login_required
@cached_page
def dashboard_page(call_id: int):
    """A call's money per funder: figures, bars, breakdowns, the months, alerts, reconciliation."""
    call = budget_call(call_id)
    budget = dashboard.call_budget(call)
    only = funder_filter()
    shown = [only] if only else list(FUNDERS)
    alerts = budget.counts_for(shown)
    export_args = {FUNDER_PARAM: only.value} if only else {}
    return render_template(
        "funding/budget/dashboard.html",
        call=call,
        budget=budget,
        shown=[budget.for_funder(f) for f in shown],
        only=only,
        alerts=alerts,
        export_args=export_args,
        ALERT_TITLES=ALERT_TITLES,
        FUNDER_LABELS=FUNDER_LABELS,
        FUNDERS=FUNDERS,
    )


@bp.route("/appels/<int:call_id>/enveloppes", methods=["GET", "POST"])
@login_required
def envelopes(call_id: int):
    call = budget_call(call_id)
    own = sorted(officer_institutions(current_user), key=lambda i: i.value)
    form = EnvelopeForm()
    if request.method == "GET":
        form = _prefilled(call, own)
        return _envelopes_page(call, form, own)
    if not own:
        raise PermissionDenied(
            "Seuls les agents budgétaires de l'État ou de la Région modifient "
            "les enveloppes ; vous pouvez les consulter."
        )
    funder = form.funder.data or (own[0].value if len(own) == 1 else None)
    version = (form.version.data or "").strip()
    try:
        form.check_input()
        envelope = services.set_envelope(
            current_user,
            call,
            funder,
            form.amount.data,
            form.department_code.data or None,
            form.axis_number.data or None,
            int(version) if version.isdigit() else None,
        )
    except ServiceError as exc:
        if not exc.errors:  # a message about the envelope as a whole goes with its amount
            exc.errors = {"amount": exc.message}
        return _envelopes_page(call, form, own, status_of(exc), refused(exc, form))
    label = services.envelope_label(envelope)
    return done(
        f"{label[:1].upper()}{label[1:]} : {format_money(envelope.amount)} enregistrés.",
        url_for("funding.envelopes", call_id=call.id),
    )


def _prefilled(call: Call, own: list[Institution]) -> EnvelopeForm:
    """The form, filled with the envelope named by `?modifier=<id>` when it is the user's own."""
    envelope = None
    raw = request.args.get("modifier", "")
    if raw.isdigit() and int(raw) < 2**31:
        envelope = services.envelope_of(int(raw))
    if envelope is None or envelope.call_id != call.id or envelope.funder not in own:
        return EnvelopeForm(formdata=None, funder=own[0].value if len(own) == 1 else None)
    return EnvelopeForm(
        formdata=None,
        funder=envelope.funder.value,
        department_code=envelope.department_code or "",
        axis_number=str(envelope.axis_number or ""),
        amount=format_decimal(envelope.amount),
        version=str(envelope.version),
    )


def _envelopes_page(
    call: Call, form: EnvelopeForm, own: list[Institution], status: int = 200, form_errors=None
):
    departments = lists.departments()
    form.set_scopes(departments, call.axes)
    return render_template(
        "funding/budget/envelopes.html",
        call=call,
        form=form,
        own=own,
        figures=services.envelope_figures(call.id),
        names=dict(departments),
        axes={a.number: a.label for a in call.axes},
        form_errors=form_errors or [],
        editing=form.version.data,
        FUNDER_LABELS=FUNDER_LABELS,
    ), status


@bp.post("/enveloppes/<int:envelope_id>/supprimer")
@login_required
def delete_envelope(envelope_id: int):
    require(current_user, Permission.VIEW_BUDGET)  # before the lookup: ids are not probed
    envelope = load(Envelope, envelope_id)
    call = budget_call(envelope.call_id)
    label = services.envelope_label(envelope)
    back = url_for("funding.envelopes", call_id=call.id)
    try:
        services.delete_envelope(current_user, envelope)
    except ServiceError as exc:
        refused(exc)
        flash(exc.message, "error")
        return redirect(back)
    return done(f"Sous-{label} supprimée.", back)


# ---------------------------------------------------------------- exports


def _export_name(kind: str, call: Call, funder: Institution | None) -> str:
    return f"{kind}-appel-{call.id}" + (f"-{funder.value}" if funder else "")


@bp.get("/appels/<int:call_id>/engagements.<any(csv, xlsx):fmt>")
@login_required
def export_commitments(call_id: int, fmt: str):
    """Every commitment of the call (`?financeur=` for one funder), streamed."""
    call = budget_call(call_id)
    funder = funder_filter()
    return tables.download(
        exports.COMMITMENT_HEADER,
        exports.commitment_rows(call.id, funder),
        fmt,
        _export_name("engagements", call, funder),
        "Engagements",
    )


@bp.get("/appels/<int:call_id>/paiements.<any(csv, xlsx):fmt>")
@login_required
def export_payments(call_id: int, fmt: str):
    """Every payment of the call (`?financeur=` for one funder), streamed."""
    call = budget_call(call_id)
    funder = funder_filter()
    return tables.download(
        exports.PAYMENT_HEADER,
        exports.payment_rows(call.id, funder),
        fmt,
        _export_name("paiements", call, funder),
        "Paiements",
    )


@bp.get("/appels/<int:call_id>/bilans.<any(csv, xlsx):fmt>")
@login_required
def export_reports(call_id: int, fmt: str):
    """Every final report of the call with its figures, streamed."""
    call = budget_call(call_id)
    return tables.download(
        exports.REPORT_HEADER,
        exports.report_rows(call.id),
        fmt,
        _export_name("bilans", call, None),
        "Bilans",
    )
