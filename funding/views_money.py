"""Officers' money pages: the call's commitments and payments, one commitment and its operations.

Reading needs VIEW_BUDGET on the call; every change goes through funding/services.py, which checks
MANAGE_MONEY for the funder (only the funder's own budget officers). A refused operation rolls
back and re-renders the page with the message on its field (400, 409 on a conflict, 403 for
another funder's officer); a successful one commits once, flashes and redirects (PRG).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import Field

from applications.models import Dossier
from portal.db import db
from portal.errors import NotFound, ServiceError
from portal.formatting import format_money
from portal.models import Call, Institution
from portal.permissions import Permission, can, require

from . import money, services
from .views_budget import _call
from . import money_pages as pages
from .forms_money import ClawbackForm, CommitAgainForm, PaymentForm, ReduceForm, SettleForm
from .models import (FUNDER_LABELS, PAYMENT_KIND_LABELS, Clawback, ClawbackStatus, Commitment,
                     CommitmentStatus, FinalReport, GrantAgreement)
from .views import bp

FUNDER_CHOICES = [(f.value, FUNDER_LABELS[f]) for f in (Institution.state, Institution.region)]
STATUS_CHOICES = [(s.value, label) for s, label in pages.COMMITMENT_STATUS_LABELS.items()]


def _commitment(commitment_id: int) -> tuple[Commitment, Call]:
    require(current_user, Permission.VIEW_BUDGET)  # before the lookup: ids are not probed
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound("Cet engagement n'existe pas.")
    return commitment, _call(commitment.call_id)


def _choice(raw: str | None, enum_type):
    try:
        return enum_type(raw) if raw else None
    except ValueError:
        return None


def _amount_input(value) -> str:
    """An amount as the officer would type it: `1234,50`."""
    return str(value).replace(".", ",")


def _links() -> dict:
    """Endpoints of the other funding pages, when registered (another module owns them)."""
    from flask import current_app
    return {name: name in current_app.view_functions for name in ("funding.dashboard",)}


# ---------------------------------------------------------------- the call's commitments

def _commitments_page(call: Call, status_code: int = 200, error: str | None = None):
    funder = _choice(request.args.get("financeur"), Institution)
    status = _choice(request.args.get("statut"), CommitmentStatus)
    listing = pages.commitment_list(call, funder, status, request.args.get("page"))
    return render_template(
        "funding/money/commitments.html", call=call, listing=listing,
        pending=pages.pending_parts(call), funder=funder.value if funder else "",
        status=status.value if status else "", funders=FUNDER_CHOICES, statuses=STATUS_CHOICES,
        may_manage={f: services.can_manage(current_user, f) for f in Institution},
        commit_form=CommitAgainForm(formdata=None), error=error, links=_links()), status_code


@bp.get("/appels/<int:call_id>/engagements")
@login_required
def commitments(call_id: int):
    return _commitments_page(_call(call_id))


@bp.post("/decisions/<int:decision_id>/engager")
@login_required
def commit_again(decision_id: int):
    """Commit a part an envelope refused: the funder's officer, once the envelope allows it."""
    from review.models import Decision
    require(current_user, Permission.VIEW_BUDGET)  # before the lookup: ids are not probed
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        raise NotFound("Cette décision n'existe pas.")
    call = _call(decision.dossier.call_id)
    form = CommitAgainForm()
    try:
        commitment = services.commit_again(current_user, decision, form.funder.data)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        return _commitments_page(db.session.get(Call, call.id), exc.status, exc.message)
    db.session.commit()
    flash(f"Engagement de {format_money(commitment.amount)} enregistré pour le dossier "
          f"{commitment.dossier.reference} ({commitment.funder_label}).", "success")
    return redirect(url_for("funding.commitment", commitment_id=commitment.id))


# ---------------------------------------------------------------- one commitment

def _commitment_page(commitment: Commitment, call: Call, *, form=None, settle_id: int | None = None,
                     exc: ServiceError | None = None):
    """The commitment page; after a refusal `form` is the submitted one, carrying the errors."""
    from review.models import Decision
    dossier: Dossier = commitment.dossier
    figures = services.figures_of(commitment)
    decision = db.session.get(Decision, commitment.decision_id)
    agreement = db.session.scalar(select(GrantAgreement)
                                  .where(GrantAgreement.dossier_id == dossier.id))
    report = db.session.scalar(select(FinalReport).where(FinalReport.dossier_id == dossier.id))
    rate = agreement.advance_rate if agreement is not None else call.advance_rate
    may_manage = services.can_manage(current_user, commitment.funder)
    active = commitment.status == CommitmentStatus.active
    payable = dossier.status in services.PAYABLE_STATES

    payment_form = form if isinstance(form, PaymentForm) else None
    if payment_form is None:
        kind, amount = services.proposed_payment(commitment, rate)
        payment_form = PaymentForm(formdata=None, kind=kind.value,
                                   amount=_amount_input(amount) if amount > 0 else "",
                                   paid_on=services.today().isoformat())
    reduce_form = form if isinstance(form, ReduceForm) else ReduceForm(formdata=None)
    reduce_form.version.data = str(commitment.version)
    clawback_form = form if isinstance(form, ClawbackForm) else ClawbackForm(formdata=None)
    settle_forms = {}
    for clawback in commitment.clawbacks:
        if clawback.status == ClawbackStatus.open:
            mine = form if settle_id == clawback.id else SettleForm(
                formdata=None, settled_on=services.today().isoformat())
            settle_forms[clawback.id] = mine.for_clawback(clawback.id)

    errors = []
    if exc is not None:
        target = getattr(form, exc.field, None) if exc.field and form is not None else None
        if isinstance(target, Field):
            target.errors = [exc.message]
            errors.append((target.id, exc.message))
        else:
            errors.append((None, exc.message))
    people = pages.users_by_id([p.recorded_by_id for p in commitment.payments]
                               + [c.created_by_id for c in commitment.clawbacks]
                               + [c.settled_by_id for c in commitment.clawbacks])
    return render_template(
        "funding/money/commitment.html", call=call, commitment=commitment, dossier=dossier,
        figures=figures, decision=decision, agreement=agreement, report=report,
        rate_label=f"{rate.normalize():f}".replace(".", ","),
        schedule=services.schedule(services.granted_parts(decision), rate) if decision else [],
        rounding_rule=money.ROUNDING_RULE, may_manage=may_manage, active=active, payable=payable,
        payment_form=payment_form, reduce_form=reduce_form, clawback_form=clawback_form,
        settle_forms=settle_forms, form_errors=errors, people=people,
        history=pages.history(commitment), HISTORY_LABELS=pages.HISTORY_LABELS,
        PAYMENT_KIND_LABELS=PAYMENT_KIND_LABELS, links=_links(),
        may_read_dossier=can(current_user, Permission.VIEW_DOSSIER, dossier),
    ), (exc.status if exc is not None else 200)


@bp.get("/engagements/<int:commitment_id>")
@login_required
def commitment(commitment_id: int):
    commitment, call = _commitment(commitment_id)
    return _commitment_page(commitment, call)


def _refused(commitment_id: int, form, exc: ServiceError, settle_id: int | None = None):
    """Roll back, reload, and show the page again with the message on the submitted form."""
    db.session.rollback()
    if exc.status == 404:
        raise exc
    commitment, call = _commitment(commitment_id)
    return _commitment_page(commitment, call, form=form, settle_id=settle_id, exc=exc)


def _done(commitment_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("funding.commitment", commitment_id=commitment_id))


@bp.post("/engagements/<int:commitment_id>/paiements")
@login_required
def record_payment(commitment_id: int):
    commitment, _ = _commitment(commitment_id)
    form = PaymentForm()
    try:
        payment = services.record_payment(current_user, commitment, form.amount.data,
                                          form.paid_on.data, form.reference.data,
                                          kind=form.kind.data or "advance")
    except ServiceError as exc:
        return _refused(commitment_id, form, exc)
    return _done(commitment_id, f"Paiement enregistré : {payment.kind_label.lower()} de "
                                f"{format_money(payment.amount)} (mandat {payment.reference}) "
                                f"sur le dossier {commitment.dossier.reference}.")


@bp.post("/engagements/<int:commitment_id>/reduire")
@login_required
def reduce_commitment(commitment_id: int):
    commitment, _ = _commitment(commitment_id)
    form = ReduceForm()
    version = form.version.data
    try:
        changed = services.reduce_commitment(
            current_user, commitment, form.amount.data, form.reason.data,
            expected_version=int(version) if (version or "").isdigit() else None)
    except ServiceError as exc:
        return _refused(commitment_id, form, exc)
    if changed.status == CommitmentStatus.cancelled:
        message = (f"Engagement annulé pour le dossier {changed.dossier.reference} : "
                   "l'argent revient à l'enveloppe.")
    else:
        message = (f"Engagement ramené à {format_money(changed.amount)} pour le dossier "
                   f"{changed.dossier.reference}.")
    return _done(commitment_id, message)


@bp.post("/engagements/<int:commitment_id>/reversements")
@login_required
def create_clawback(commitment_id: int):
    commitment, _ = _commitment(commitment_id)
    form = ClawbackForm()
    try:
        clawback = services.create_clawback(current_user, commitment, form.amount.data,
                                            form.reason.data)
    except ServiceError as exc:
        return _refused(commitment_id, form, exc)
    return _done(commitment_id, f"Reversement de {format_money(clawback.amount)} demandé à "
                                f"l'établissement ; il reste ouvert jusqu'à sa réception.")


@bp.post("/reversements/<int:clawback_id>/solder")
@login_required
def settle_clawback(clawback_id: int):
    require(current_user, Permission.VIEW_BUDGET)  # before the lookup: ids are not probed
    clawback = db.session.get(Clawback, clawback_id)
    if clawback is None:
        raise NotFound("Ce reversement n'existe pas.")
    commitment_id = clawback.commitment_id
    _commitment(commitment_id)
    form = SettleForm()
    try:
        services.settle_clawback(current_user, clawback, form.settled_on.data,
                                 form.reference.data)
    except ServiceError as exc:
        return _refused(commitment_id, form, exc, settle_id=clawback_id)
    return _done(commitment_id, f"Reversement de {format_money(clawback.amount)} soldé "
                                f"(référence {clawback.settled_reference}).")


# ---------------------------------------------------------------- the call's payments

@bp.get("/appels/<int:call_id>/paiements")
@login_required
def payments(call_id: int):
    call = _call(call_id)
    funder = _choice(request.args.get("financeur"), Institution)
    month = request.args.get("mois", "")
    if pages.parse_month(month) is None:
        month = ""
    listing = pages.payment_list(call, funder, month, request.args.get("page"))
    clawbacks = pages.clawbacks_of_call(call, funder)
    return render_template(
        "funding/money/payments.html", call=call, listing=listing, clawbacks=clawbacks,
        funder=funder.value if funder else "", month=month, funders=FUNDER_CHOICES,
        open_total=sum((c.amount for c in clawbacks if c.status == ClawbackStatus.open),
                       services.ZERO),
        may_manage={f: services.can_manage(current_user, f) for f in Institution},
        links=_links())
