"""Officers' money pages: the call's commitments and payments, one commitment and its operations.

Reading needs VIEW_BUDGET on the call; every change goes through funding.services, which checks
MANAGE_MONEY for the funder (only the funder's own budget officers). A refused operation rolls
back and re-renders the page with the message on its field (400, 409 on a conflict; another
funder's officer gets the policy's 403); a successful one commits once, flashes and redirects.
"""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from applications.models import Dossier
from portal.db import db
from portal.enums import labels
from portal.errors import ServiceError
from portal.formatting import format_decimal, format_money
from portal.models import Institution
from portal.pagecache import cached_page
from portal.permissions import Permission, can, require
from portal.web import confirmed, done, load, refused, status_of
from review.models import Decision

from .. import money, services
from ..forms import (
    CancelForm,
    ClawbackForm,
    CommitAgainForm,
    PaymentForm,
    ReduceForm,
    SettleForm,
)
from ..models import Clawback, ClawbackStatus, Commitment, CommitmentStatus, PaymentKind
from ..services import agreements, lists, reports
from . import bp
from .common import FUNDER_CHOICES, budget_call, choice

STATUS_CHOICES = [(status.value, status.label) for status in CommitmentStatus]  # the list filter
HISTORY_LABELS = {
    "commitment_created": "Engagement créé",
    "commitment_reduced": "Engagement réduit",
    "commitment_cancelled": "Engagement annulé",
    "commitment_adjusted": "Engagement ajusté au bilan final",
    "payment_recorded": "Paiement enregistré",
    "clawback_created": "Reversement demandé",
    "clawback_settled": "Reversement soldé",
}


def _commitment(commitment_id: int):
    require(current_user, Permission.VIEW_BUDGET)  # before the lookup: ids are not probed
    commitment = load(Commitment, commitment_id)
    return commitment, budget_call(commitment.call_id)


def _may_manage() -> dict:
    return {f: services.can_manage(current_user, f) for f in Institution}


# ---------------------------------------------------------------- the call's commitments


def _commitments_page(call, status_code: int = 200, error: str | None = None):
    funder = choice(request.args.get("financeur"), Institution)
    status = choice(request.args.get("statut"), CommitmentStatus)
    follow = request.args.get("suivi", "")
    follow = follow if follow in lists.FOLLOW_UPS else ""
    sort = request.args.get("tri", "")
    sort = sort if sort in lists.SORTS else ""
    listing = lists.commitment_list(
        call, funder, status, request.args.get("page"), follow or None, sort or None
    )
    return render_template(
        "funding/money/commitments.html",
        call=call,
        listing=listing,
        pending=lists.pending_parts(call),
        funder=funder.value if funder else "",
        status=status.value if status else "",
        follow=follow,
        sort=sort,
        funders=FUNDER_CHOICES,
        statuses=STATUS_CHOICES,
        follow_ups=list(lists.FOLLOW_UPS.items()),
        sorts=list(lists.SORTS.items()),
        may_manage=_may_manage(),
        commit_form=CommitAgainForm(formdata=None),
        error=error,
        # each row's link: this prefix and the commitment's id (one URL built, not one per row)
        commitment_prefix=url_for("funding.commitment", commitment_id=0)[:-1],
    ), status_code


@bp.get("/appels/<int:call_id>/engagements")
@login_required
@cached_page
def commitments(call_id: int):
    return _commitments_page(budget_call(call_id))


@bp.post("/decisions/<int:decision_id>/engager")
@login_required
def commit_again(decision_id: int):
    """Commit a part an envelope refused: the funder's officer, once the envelope allows it."""
    require(current_user, Permission.VIEW_BUDGET)  # before the lookup: ids are not probed
    decision = load(Decision, decision_id)
    call = budget_call(decision.dossier.call_id)
    form = CommitAgainForm()
    try:
        form.check_input()
        commitment = services.commit_again(current_user, decision, form.funder.data)
    except ServiceError as exc:
        refused(exc)
        return _commitments_page(budget_call(call.id), status_of(exc), exc.message)
    return done(
        f"Engagement de {format_money(commitment.amount)} enregistré pour le dossier "
        f"{commitment.dossier.reference} ({commitment.funder_label}).",
        url_for("funding.commitment", commitment_id=commitment.id),
    )


# ---------------------------------------------------------------- one commitment


def _commitment_page(
    commitment: Commitment,
    call,
    *,
    form=None,
    settle_id: int | None = None,
    summary=None,
    status: int = 200,
):
    """The commitment page; after a refusal `form` is the submitted one, carrying the errors."""
    dossier: Dossier = commitment.dossier
    figures = services.figures_of(commitment)
    decision = lists.decision_of(commitment)
    agreement = agreements.agreement_of(dossier)
    report = reports.report_of(dossier)
    rate = agreement.advance_rate if agreement is not None else call.advance_rate

    payment_form = form if isinstance(form, PaymentForm) else None
    if payment_form is None:
        kind, amount = services.proposed_payment(commitment, rate)
        payment_form = PaymentForm(
            formdata=None,
            kind=kind.value,
            amount=format_decimal(amount) if amount > 0 else "",
            paid_on=services.today().isoformat(),
        )
    reduce_form = form if isinstance(form, ReduceForm) else ReduceForm(formdata=None)
    reduce_form.version.data = str(commitment.version)
    cancel_form = form if isinstance(form, CancelForm) else CancelForm(formdata=None)
    cancel_form.amount.data = "0"
    cancel_form.version.data = str(commitment.version)
    clawback_form = form if isinstance(form, ClawbackForm) else ClawbackForm(formdata=None)
    settle_forms = {}
    for clawback in commitment.clawbacks:
        if clawback.status == ClawbackStatus.open:
            mine = (
                form
                if settle_id == clawback.id
                else SettleForm(formdata=None, settled_on=services.today().isoformat())
            )
            settle_forms[clawback.id] = mine.for_clawback(clawback.id)
    people = lists.users_by_id(
        [p.recorded_by_id for p in commitment.payments]
        + [c.created_by_id for c in commitment.clawbacks]
        + [c.settled_by_id for c in commitment.clawbacks]
    )
    return render_template(
        "funding/money/commitment.html",
        call=call,
        commitment=commitment,
        dossier=dossier,
        figures=figures,
        decision=decision,
        agreement=agreement,
        report=report,
        rate_label=format_decimal(rate.normalize()),
        schedule=services.schedule(services.granted_parts(decision), rate) if decision else [],
        rounding_rule=money.ROUNDING_RULE,
        may_manage=services.can_manage(current_user, commitment.funder),
        active=commitment.status == CommitmentStatus.active,
        payable=dossier.status in services.PAYABLE_STATES,
        payment_form=payment_form,
        reduce_form=reduce_form,
        cancel_form=cancel_form,
        clawback_form=clawback_form,
        settle_forms=settle_forms,
        form_errors=summary or [],
        people=people,
        history=lists.history(commitment),
        HISTORY_LABELS=HISTORY_LABELS,
        PAYMENT_KIND_LABELS=labels(PaymentKind),
        may_read_dossier=can(current_user, Permission.VIEW_DOSSIER, dossier),
    ), status


@bp.get("/engagements/<int:commitment_id>")
@login_required
def commitment(commitment_id: int):
    commitment, call = _commitment(commitment_id)
    return _commitment_page(commitment, call)


def _refused(commitment_id: int, form, exc: ServiceError, settle_id: int | None = None):
    """Roll back, reload, and show the page again with the message on the submitted form."""
    summary = refused(exc, form)
    commitment, call = _commitment(commitment_id)
    return _commitment_page(
        commitment,
        call,
        form=form,
        settle_id=settle_id,
        summary=[(anchor or None, message) for anchor, message in summary],
        status=status_of(exc),
    )


def _done(commitment_id: int, message: str):
    return done(message, url_for("funding.commitment", commitment_id=commitment_id))


@bp.post("/engagements/<int:commitment_id>/paiements")
@login_required
def record_payment(commitment_id: int):
    commitment, _ = _commitment(commitment_id)
    form = PaymentForm()
    try:
        form.check_input()
        payment = services.record_payment(
            current_user,
            commitment,
            form.amount.data,
            form.paid_on.data,
            form.reference.data,
            kind=form.kind.data or "advance",
        )
    except ServiceError as exc:
        return _refused(commitment_id, form, exc)
    return _done(
        commitment_id,
        f"Paiement enregistré : {payment.kind_label.lower()} de "
        f"{format_money(payment.amount)} (mandat {payment.reference}) "
        f"sur le dossier {commitment.dossier.reference}.",
    )


@bp.post("/engagements/<int:commitment_id>/reduire")
@login_required
def reduce_commitment(commitment_id: int):
    commitment, _ = _commitment(commitment_id)
    # the cancel form (amount 0, its button opens the confirmation modal) or the reduce form
    form = CancelForm() if request.form.get("intent") == "cancel" else ReduceForm()
    version = form.version.data
    try:
        form.check_input()
        changed = services.reduce_commitment(
            current_user,
            commitment,
            form.amount.data,
            form.reason.data,
            expected_version=int(version) if (version or "").isdigit() else None,
        )
    except ServiceError as exc:
        return _refused(commitment_id, form, exc)
    if changed.status == CommitmentStatus.cancelled and not (
        form.confirm.data == "1" or confirmed()
    ):
        # checked, not carried out: a cancellation is final, it needs the confirmed form (the
        # modal's button, or without JavaScript the confirmation page)
        db.session.rollback()
        commitment, call = _commitment(commitment_id)
        return render_template(
            "funding/money/confirm_cancel.html",
            call=call,
            commitment=commitment,
            form=form,
        )
    if changed.status == CommitmentStatus.cancelled:
        message = (
            f"Engagement annulé pour le dossier {changed.dossier.reference} : "
            "l'argent revient à l'enveloppe."
        )
    else:
        message = (
            f"Engagement ramené à {format_money(changed.amount)} pour le dossier "
            f"{changed.dossier.reference}."
        )
    return _done(commitment_id, message)


@bp.post("/engagements/<int:commitment_id>/reversements")
@login_required
def create_clawback(commitment_id: int):
    commitment, _ = _commitment(commitment_id)
    form = ClawbackForm()
    try:
        form.check_input()
        clawback = services.create_clawback(
            current_user, commitment, form.amount.data, form.reason.data
        )
    except ServiceError as exc:
        return _refused(commitment_id, form, exc)
    return _done(
        commitment_id,
        f"Reversement de {format_money(clawback.amount)} demandé à "
        f"l'établissement ; il reste ouvert jusqu'à sa réception.",
    )


@bp.post("/reversements/<int:clawback_id>/solder")
@login_required
def settle_clawback(clawback_id: int):
    require(current_user, Permission.VIEW_BUDGET)  # before the lookup: ids are not probed
    clawback = load(Clawback, clawback_id)
    commitment_id = clawback.commitment_id
    _commitment(commitment_id)
    form = SettleForm()
    try:
        form.check_input()
        services.settle_clawback(current_user, clawback, form.settled_on.data, form.reference.data)
    except ServiceError as exc:
        return _refused(commitment_id, form, exc, settle_id=clawback_id)
    return _done(
        commitment_id,
        f"Reversement de {format_money(clawback.amount)} soldé "
        f"(référence {clawback.settled_reference}).",
    )


# ---------------------------------------------------------------- the call's payments


@bp.get("/appels/<int:call_id>/paiements")
@login_required
def payments(call_id: int):
    call = budget_call(call_id)
    funder = choice(request.args.get("financeur"), Institution)
    month = request.args.get("mois", "")
    if lists.parse_month(month) is None:
        month = ""
    listing = lists.payment_list(call, funder, month, request.args.get("page"))
    clawbacks = lists.clawbacks_of_call(call, funder)
    return render_template(
        "funding/money/payments.html",
        call=call,
        listing=listing,
        clawbacks=clawbacks,
        funder=funder.value if funder else "",
        month=month,
        funders=FUNDER_CHOICES,
        open_total=sum(
            (c.amount for c in clawbacks if c.status == ClawbackStatus.open), services.ZERO
        ),
        may_manage=_may_manage(),
    )
