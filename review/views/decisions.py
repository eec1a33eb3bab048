"""Review pages: the co-pilots' validations, publication of the results, decision letters, and
the decision and co-pilot panels other templates show."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from applications.models import Dossier
from applications.policy import require_dossier
from portal.errors import NotFound, ServiceError
from portal.formatting import format_money
from portal.models import Call
from portal.permissions import Permission, can, require
from portal.web import confirmation_page, confirmed, done, load, refused

from .. import documents
from ..forms import PublishForm, SendBackForm, ValidateForm
from ..models import Capacity, Decision
from ..services import decisions as svc
from ..services import publication
from ..services.deputies import signing_capacity
from ..services.sessions import PROPOSED_STATES
from . import bp, refused_here
from .commission import session_call


@bp.get("/appels/<int:call_id>/decisions")
@login_required
def decisions(call_id: int):
    call = session_call(call_id)
    items = svc.call_decisions(current_user, call)
    people = svc.users_by_id(
        [d.state_validated_by_id for d in items] + [d.region_validated_by_id for d in items]
    )
    signer = signing_capacity(current_user, call.id)
    own = signer[0] if signer else None
    may_publish = can(current_user, Permission.PUBLISH_RESULTS, call)
    return render_template(
        "review/commission/decisions.html",
        call=call,
        items=items,
        people=people,
        own=own,
        own_label=svc.FOR_INSTITUTION[own] if own else None,
        deputy_capacity=bool(signer and signer[1] == Capacity.deputy),
        blockers=publication.publication_blockers(call) if may_publish else [],
        may_publish=may_publish,
        validate_form=ValidateForm(formdata=None),
        send_back_form=SendBackForm(formdata=None),
        publish_form=PublishForm(formdata=None),
        final_consequences=final_consequences,
        PUBLISH_CONSEQUENCES=PUBLISH_CONSEQUENCES,
        PROPOSED_STATES=PROPOSED_STATES,
    )


def _decision(decision_id: int) -> Decision:
    decision = load(Decision, decision_id)
    # Someone who may not read the dossier may not learn that a decision exists on it.
    require_dossier(current_user, Permission.VIEW_DOSSIER, decision.dossier)
    return decision


def finalising(user, decision: Decision) -> bool:
    """Whether `user`'s validation would be the second one, making the decision final (after the
    permission check: a refused person gets 403/404, not a question)."""
    require(user, Permission.VALIDATE_DECISION, decision)
    own = svc.copilot_institution(user, decision.dossier.call_id)
    if own is None or decision.finalised_at is not None:
        return False
    other = "region" if own.value == "state" else "state"
    return getattr(decision, f"{other}_validated_by_id") is not None


def final_consequences(decision: Decision) -> list[str]:
    """What the second validation makes final (the modal and the confirmation page say it)."""
    accepted = decision.outcome.value == "accept"
    return [
        "Votre validation est la seconde : la décision devient définitive et ne pourra plus "
        "être renvoyée en commission.",
        (
            f"Le dossier sera « Retenu » : État {format_money(decision.amount_state)}, "
            f"Région {format_money(decision.amount_region)}."
            if accepted
            else "Le dossier sera « Non retenu »."
        ),
        "L'établissement ne la verra qu'à la publication des résultats.",
    ]


PUBLISH_CONSEQUENCES = [
    "Chaque établissement reçoit par courriel sa décision, les montants accordés et la "
    "motivation ; elles apparaissent sur la page du dossier.",
    "Une décision publiée ne peut plus être retirée ni modifiée.",
]


def _decisions_url(call_id: int, anchor: str = "") -> str:
    return url_for("review.decisions", call_id=call_id) + anchor


@bp.post("/decisions/<int:decision_id>/valider")
@login_required
def validate(decision_id: int):
    decision = _decision(decision_id)
    form = ValidateForm()
    form.check_input()
    dossier = decision.dossier
    if finalising(current_user, decision) and not confirmed():
        return confirmation_page(
            f"Rendre définitive la décision sur le dossier {dossier.reference} ?",
            final_consequences(decision),
            button="Confirmer la validation",
            cancel_url=_decisions_url(dossier.call_id, f"#decision-{decision.id}"),
            keep=("institution",),
        )
    svc.validate_decision(current_user, decision, form.institution.data or None)
    if decision.finalised_at is not None:
        message = (
            "Décision validée : elle est définitive pour le dossier "
            f"{dossier.reference} (« {dossier.status_label} »)."
        )
    else:
        message = (
            f"Validation enregistrée pour le dossier {dossier.reference} ; elle attend "
            "celle de l'autre co-pilote."
        )
    return done(message, _decisions_url(dossier.call_id))


@bp.post("/decisions/<int:decision_id>/renvoyer")
@login_required
def send_back(decision_id: int):
    decision = _decision(decision_id)
    call_id = decision.dossier.call_id
    form = SendBackForm()
    try:
        form.check_input()
        svc.send_back(current_user, decision, form.comment.data or "")
    except ServiceError as exc:
        refused_here(exc)
        flash(exc.message, "error")
        return redirect(_decisions_url(call_id, f"#decision-{decision_id}"))
    return done(
        f"La proposition sur le dossier {decision.dossier.reference} est renvoyée en commission.",
        _decisions_url(call_id),
    )


@bp.post("/appels/<int:call_id>/publier")
@login_required
def publish(call_id: int):
    call = load(Call, call_id, Permission.PUBLISH_RESULTS)
    if not confirmed():
        return confirmation_page(
            "Publier les résultats de l'appel ?",
            PUBLISH_CONSEQUENCES,
            button="Confirmer la publication",
            cancel_url=_decisions_url(call.id),
        )
    try:
        published = publication.publish_results(current_user, call)
    except ServiceError as exc:
        refused(exc)
        flash(exc.message, "error")
        return redirect(_decisions_url(call.id))
    count = len(published)
    plural = "s" if count > 1 else ""
    return done(
        f"{count} décision{plural} publiée{plural} ; chaque établissement a été prévenu "
        "par courriel.",
        _decisions_url(call.id),
    )


@bp.get("/dossiers/<int:dossier_id>/lettre-de-decision")
@login_required
def letter(dossier_id: int):
    dossier = load(Dossier, dossier_id, Permission.VIEW_DECISION, dossier=True)
    decision = svc.shown_decision(current_user, dossier)
    if decision is None:
        raise NotFound("Ce dossier n'a pas encore de décision définitive.")
    pdf = documents.render_letter(decision)
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=documents.letter_filename(decision),
    )
