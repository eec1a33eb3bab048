"""Budget pages: the calls' money at a glance, a call's dashboard, its envelopes, the exports,
and the budget officers' and observers' home section.

Read access is `Permission.VIEW_BUDGET` (budget officers, observers, call administrators); every
change goes through `funding.services`, which lets only the funder's own officers touch its money.
Every figure comes from `funding.dashboard.call_budget` or `funding.services`: nothing is summed
here, so the pages, the lists, the exports and the API reconcile to the cent.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required
from sqlalchemy import exists, func, select

from applications.models import Dossier, DossierStatus
from portal.db import db
from portal.errors import NotFound, PermissionDenied, ServiceError
from portal.formatting import format_money
from portal.models import Call, CallStatus, Department, Establishment, Institution, Role
from portal.permissions import Permission, can, require

from . import dashboard, exports, services
from .forms_budget import EnvelopeForm
from .models import FUNDER_LABELS, Commitment, CommitmentStatus, Envelope, Payment
from .policy import officer_institutions
from .views import bp

FUNDERS = (Institution.state, Institution.region)
FUNDER_PARAM = "financeur"
ALERT_TITLES = {"envelope": "Enveloppe presque entièrement engagée",
                "late_report": "Bilan en retard", "clawback": "Reversement en attente",
                "uncommitted": "Décision non engagée"}


def _call(call_id: int) -> Call:
    require(current_user, Permission.VIEW_BUDGET)  # before the lookup: ids are not probed
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound("Cet appel à projets n'existe pas.")
    require(current_user, Permission.VIEW_BUDGET, call)
    return call


def _funder_filter() -> Institution | None:
    """`?financeur=state|region` narrows a page to one funder; anything else shows both."""
    try:
        return Institution(request.args.get(FUNDER_PARAM, ""))
    except ValueError:
        return None


def _budget_calls() -> list[Call]:
    return list(db.session.scalars(select(Call).where(Call.status != CallStatus.draft)
                                   .order_by(Call.opens_at.desc(), Call.id.desc())))


def _main_figures(call_id: int, funder: Institution | None = None) -> dict:
    """The main envelopes' figures of a call, by funder (a funder without envelope is absent)."""
    return {f.envelope.funder: f for f in services.envelope_figures(call_id, funder)
            if f.envelope.is_main}


@bp.app_template_filter("budget_percent")
def budget_percent(value, total) -> str:
    """`value` as a share of `total`, for bar widths: "42.5" (0–100, a dot: an SVG attribute)."""
    value, total = Decimal(value or 0), Decimal(total or 0)
    if total <= 0:
        return "100" if value > 0 else "0"
    share = max(Decimal(0), min(Decimal(100), value * 100 / total))
    return format(share.quantize(Decimal("0.1")), "f")


MONTHS_FR = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
             "nov.", "déc."]


def month_label(month: str) -> str:
    """"2026-11" → "nov. 2026"."""
    year, number = month.split("-")
    return f"{MONTHS_FR[int(number) - 1]} {year}"


@bp.app_template_global("budget_timeline")
def budget_timeline(series: list, width: int = 640, height: int = 220) -> dict | None:
    """Coordinates of the cumulative committed/paid lines of `FunderBudget.over_time`."""
    if not series:
        return None
    left, right, top, bottom = 90, width - 20, 12, height - 30
    peak = max(max(committed, paid) for _, committed, paid in series) or Decimal(1)
    step = (right - left) / max(len(series) - 1, 1)

    def x(i: int) -> str:
        return f"{left + (i * step if len(series) > 1 else (right - left) / 2):.1f}"

    def y(value) -> str:
        return f"{bottom - float(Decimal(value) / peak) * (bottom - top):.1f}"

    labels = [month_label(month) for month, _, _ in series]
    every = max(1, len(series) // 6)  # at most about six month labels under the axis
    _, committed, paid = series[-1]
    return {
        "width": width, "height": height, "left": left, "right": right, "top": top,
        "bottom": bottom, "labels": labels, "max_label": format_money(peak),
        "committed": " ".join(f"{x(i)},{y(c)}" for i, (_, c, _) in enumerate(series)),
        "paid": " ".join(f"{x(i)},{y(p)}" for i, (_, _, p) in enumerate(series)),
        "points": [(x(i), y(c), y(p)) for i, (_, c, p) in enumerate(series)],
        "ticks": [(x(i), labels[i]) for i in range(0, len(series), every)],
        "summary": f"De {labels[0]} à {labels[-1]}, l'engagé cumulé atteint "
                   f"{format_money(committed)} et le payé cumulé {format_money(paid)}.",
    }


@bp.app_template_filter("rate_fr")
def rate_fr(value) -> str:
    """A percentage the French way: 42,5 %."""
    rate = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rate}".replace(".", ",") + "\u00a0%"


# ---------------------------------------------------------------- pages

@bp.get("/")
@login_required
def index():
    """Every call past its preparation, with each funder's envelope, committed, paid, remaining."""
    require(current_user, Permission.VIEW_BUDGET)
    calls = [(call, _main_figures(call.id)) for call in _budget_calls()]
    return render_template("funding/budget/index.html", calls=calls, FUNDERS=FUNDERS,
                           FUNDER_LABELS=FUNDER_LABELS)


@bp.get("/appels/<int:call_id>", endpoint="dashboard")
@login_required
def dashboard_page(call_id: int):
    """A call's money per funder: figures, bars, breakdowns, the months, alerts, reconciliation."""
    call = _call(call_id)
    budget = dashboard.call_budget(call)
    only = _funder_filter()
    shown = [only] if only else list(FUNDERS)
    alerts = [a for a in budget.alerts if a.funder is None or a.funder in shown]
    export_args = {FUNDER_PARAM: only.value} if only else {}
    return render_template("funding/budget/dashboard.html", call=call, budget=budget,
                           shown=[budget.for_funder(f) for f in shown], only=only, alerts=alerts,
                           export_args=export_args, ALERT_TITLES=ALERT_TITLES,
                           FUNDER_LABELS=FUNDER_LABELS, FUNDERS=FUNDERS)


@bp.route("/appels/<int:call_id>/enveloppes", methods=["GET", "POST"])
@login_required
def envelopes(call_id: int):
    call = _call(call_id)
    own = sorted(officer_institutions(current_user), key=lambda i: i.value)
    form = EnvelopeForm()
    if request.method == "GET":
        form = _prefilled(call, own)
        return _envelopes_page(call, form, own)
    if not own:
        raise PermissionDenied("Seuls les agents budgétaires de l'État ou de la Région modifient "
                               "les enveloppes ; vous pouvez les consulter.")
    funder = form.funder.data or (own[0].value if len(own) == 1 else None)
    version = (form.version.data or "").strip()
    try:
        envelope = services.set_envelope(
            current_user, call, funder, form.amount.data, form.department_code.data or None,
            form.axis_number.data or None, int(version) if version.isdigit() else None)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status not in (400, 409):
            raise
        errors = exc.errors or {"amount": exc.message}
        for name, message in errors.items():
            getattr(form, name, form.amount).errors = [message]
        return _envelopes_page(call, form, own, exc.status)
    db.session.commit()
    label = services.envelope_label(envelope)
    flash(f"{label[:1].upper()}{label[1:]} : {format_money(envelope.amount)} enregistrés.",
          "success")
    return redirect(url_for("funding.envelopes", call_id=call.id))


def _prefilled(call: Call, own: list[Institution]) -> EnvelopeForm:
    """The form, filled with the envelope named by `?modifier=<id>` when it is the user's own."""
    envelope = None
    raw = request.args.get("modifier", "")
    if raw.isdigit() and int(raw) < 2**31:
        envelope = db.session.get(Envelope, int(raw))
    if envelope is None or envelope.call_id != call.id or envelope.funder not in own:
        return EnvelopeForm(formdata=None, funder=own[0].value if len(own) == 1 else None)
    return EnvelopeForm(formdata=None, funder=envelope.funder.value,
                        department_code=envelope.department_code or "",
                        axis_number=str(envelope.axis_number or ""),
                        amount=format(envelope.amount, "f").replace(".", ","),
                        version=str(envelope.version))


def _envelopes_page(call: Call, form: EnvelopeForm, own: list[Institution], status: int = 200):
    departments = db.session.execute(select(Department.code, Department.name)
                                     .order_by(Department.code)).all()
    form.set_scopes(departments, call.axes)
    names = dict(departments)
    axes = {a.number: a.label for a in call.axes}
    form_errors = [(getattr(form, name).id, message)
                   for name in ("funder", "department_code", "axis_number", "amount")
                   for message in getattr(form, name).errors]
    return render_template("funding/budget/envelopes.html", call=call, form=form, own=own,
                           figures=services.envelope_figures(call.id), names=names, axes=axes,
                           form_errors=form_errors, editing=form.version.data,
                           FUNDER_LABELS=FUNDER_LABELS), status


@bp.post("/enveloppes/<int:envelope_id>/supprimer")
@login_required
def delete_envelope(envelope_id: int):
    require(current_user, Permission.VIEW_BUDGET)  # before the lookup: ids are not probed
    envelope = db.session.get(Envelope, envelope_id)
    if envelope is None:
        raise NotFound("Cette enveloppe n'existe pas.")
    call = _call(envelope.call_id)
    label = services.envelope_label(envelope)
    try:
        services.delete_envelope(current_user, envelope)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status not in (400, 409):
            raise
        flash(exc.message, "error")
        return redirect(url_for("funding.envelopes", call_id=call.id))
    db.session.commit()
    flash(f"Sous-{label} supprimée.", "success")
    return redirect(url_for("funding.envelopes", call_id=call.id))


# ---------------------------------------------------------------- exports

_CSV = "text/csv; charset=utf-8"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(header, rows, fmt: str, name: str, title: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"',
               "Cache-Control": "no-store"}
    if fmt == "csv":
        return Response(stream_with_context(exports.csv_chunks(header, rows)), mimetype=_CSV,
                        headers=headers)
    handle = exports.xlsx_file(header, rows, title)
    return Response(exports.file_chunks(handle), mimetype=_XLSX, headers=headers,
                    direct_passthrough=True)


def _export_name(kind: str, call: Call, funder: Institution | None) -> str:
    return f"{kind}-appel-{call.id}" + (f"-{funder.value}" if funder else "")


@bp.get("/appels/<int:call_id>/engagements.<any(csv, xlsx):fmt>")
@login_required
def export_commitments(call_id: int, fmt: str):
    """Every commitment of the call (`?financeur=` for one funder), streamed."""
    call = _call(call_id)
    funder = _funder_filter()
    return _download(exports.COMMITMENT_HEADER, exports.commitment_rows(call.id, funder), fmt,
                     _export_name("engagements", call, funder), "Engagements")


@bp.get("/appels/<int:call_id>/paiements.<any(csv, xlsx):fmt>")
@login_required
def export_payments(call_id: int, fmt: str):
    """Every payment of the call (`?financeur=` for one funder), streamed."""
    call = _call(call_id)
    funder = _funder_filter()
    return _download(exports.PAYMENT_HEADER, exports.payment_rows(call.id, funder), fmt,
                     _export_name("paiements", call, funder), "Paiements")


# ---------------------------------------------------------------- home section

@bp.app_template_global("budget_home")
def budget_home(user) -> dict | None:
    """The budget officer's and the observer's home: per call, the money and what to do."""
    if not user.has_role(Role.budget_officer, Role.observer) or \
            not can(user, Permission.VIEW_BUDGET):
        return None
    own = officer_institutions(user)
    calls = [c for c in _budget_calls() if c.status != CallStatus.archived]
    section = {"own": sorted(own, key=lambda i: i.value), "calls": [], "to_pay": [],
               "labels": FUNDER_LABELS}
    if own:
        for call in calls:
            budget = dashboard.call_budget(call)
            envelopes = [f for f in budget.envelopes if f.envelope.funder in own]
            alerts = [a for a in budget.alerts if a.funder is None or a.funder in own]
            if envelopes or alerts:
                section["calls"].append({"call": call, "envelopes": envelopes, "alerts": alerts})
        section["to_pay"], section["to_pay_count"] = _payments_to_record(own)
    elif user.has_role(Role.observer):
        section["calls"] = [{"call": call, "main": _main_figures(call.id)} for call in calls]
    return section


HOME_TO_PAY = 20  # the home lists the first ones; the commitments list has them all


def _payments_to_record(own: set[Institution]) -> tuple[list, int]:
    """Active commitments of the institution's funded dossiers on which nothing is paid yet:
    the first HOME_TO_PAY of them, and how many there are."""
    where = (Commitment.funder.in_(own), Commitment.status == CommitmentStatus.active,
             Dossier.status == DossierStatus.funded,
             ~exists().where(Payment.commitment_id == Commitment.id))
    rows = db.session.execute(
        select(Commitment, Dossier.reference, Dossier.title, Establishment.name)
        .join(Dossier, Dossier.id == Commitment.dossier_id)
        .join(Establishment, Establishment.id == Dossier.establishment_id)
        .where(*where).order_by(Dossier.reference, Commitment.funder).limit(HOME_TO_PAY)).all()
    count = db.session.scalar(select(func.count(Commitment.id))
                              .join(Dossier, Dossier.id == Commitment.dossier_id).where(*where))
    return rows, count
