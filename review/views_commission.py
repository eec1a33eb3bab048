"""Review pages: commission sessions, proposals, co-piloted validations, documents, publication.

Thin views: load, check (services check again), call a service in review/decisions.py, commit once.
"""
from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from applications.models import Dossier
from portal.db import db
from portal.errors import NotFound, ServiceError
from portal.formatting import parse_amount
from portal.models import INSTITUTION_LABELS
from portal.permissions import Permission, require
from applications.policy import require_dossier

from . import decisions as svc
from . import documents
from .forms_commission import (EnvelopeForm, ProposalForm, PublishForm, SendBackForm, SessionForm,
                               ValidateForm)
from .models import Decision, DecisionOutcome
from .signals import envelopes_of
from .views import bp


def _call_for_session_work(call_id: int):
    call = svc._call(call_id)
    require(current_user, Permission.RUN_SESSION, call)
    return call


# ---------------------------------------------------------------- sessions

def _sessions_page(call, form, status=200):
    members = svc.commission_members(call)
    form.attendees.choices = [
        SelectChoice(m.user_id, f"{m.user.full_name} — {INSTITUTION_LABELS[m.institution]}"
                                f"{' (co-pilote)' if m.is_copilot else ''}") for m in members]
    return render_template("review/commission/sessions.html", call=call, form=form,
                           sessions=svc.sessions_of(call), members=members), status


@bp.route("/appels/<int:call_id>/seances", methods=["GET", "POST"])
@login_required
def sessions(call_id: int):
    call = _call_for_session_work(call_id)
    form = SessionForm()
    if request.method == "GET":
        return _sessions_page(call, form)
    try:
        session = svc.create_session(current_user, call, form.held_on.data, form.title.data or "",
                                     request.form.getlist("attendees"))
    except ServiceError as exc:
        db.session.rollback()
        if exc.status != 400:
            raise
        for name, message in exc.errors.items():
            getattr(form, name).errors = [message]
        return _sessions_page(call, form, 400)
    db.session.commit()
    flash(f"Séance « {session.title} » créée.", "success")
    return redirect(url_for("review.session", session_id=session.id))


def _envelopes(call) -> tuple[EnvelopeForm, dict]:
    """Envelopes typed in the query string (?enveloppe_etat=…&enveloppe_region=…, to try another
    amount), else the call's envelopes as the funding area holds them; an unreadable amount is
    reported on its field and ignored."""
    form = EnvelopeForm(request.args)
    known = envelopes_of(call.id)
    values = {}
    for funder, name in (("state", "enveloppe_etat"), ("region", "enveloppe_region")):
        raw = getattr(form, name).data
        if raw:
            try:
                values[funder] = parse_amount(raw)
            except ValueError as exc:
                getattr(form, name).errors = [str(exc)]
        elif known.get(funder) is not None:
            values[funder] = known[funder]
    return form, values


@bp.get("/seances/<int:session_id>")
@login_required
def session(session_id: int):
    session, call = svc.load_session(session_id)
    require(current_user, Permission.RUN_SESSION, call)
    envelope_form, envelopes = _envelopes(call)
    rows, line, totals = svc.session_table(current_user, call, envelopes)
    return render_template("review/commission/session.html", session=session, call=call, rows=rows,
                           line=line, totals=totals, envelope_form=envelope_form,
                           OUTCOME_LABELS=svc.OUTCOME_LABELS, FUNDER_LABELS=svc.FUNDER_LABELS)


def _proposal_target(session_id: int, dossier_id: int):
    session, call = svc.load_session(session_id)
    require(current_user, Permission.RUN_SESSION, call)
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None or dossier.call_id != call.id:
        raise NotFound()
    require_dossier(current_user, Permission.VIEW_DOSSIER, dossier)
    return session, call, dossier


@bp.route("/seances/<int:session_id>/dossiers/<int:dossier_id>/proposition",
          methods=["GET", "POST"])
@login_required
def proposal(session_id: int, dossier_id: int):
    session, call, dossier = _proposal_target(session_id, dossier_id)
    form = ProposalForm()
    decision = svc.decision_of(dossier)
    if request.method == "GET":
        if decision is not None and decision.finalised_at is None:
            form = ProposalForm(formdata=None, outcome=decision.outcome.value,
                                amount_state=str(decision.amount_state).replace(".", ","),
                                amount_region=str(decision.amount_region).replace(".", ","),
                                motivation=decision.motivation)
        return _proposal_page(session, call, dossier, decision, form)
    try:
        svc.record_proposal(current_user, session, dossier, form.outcome.data or "",
                            form.amount_state.data, form.amount_region.data,
                            form.motivation.data or "")
    except ServiceError as exc:
        db.session.rollback()
        if exc.status != 400:
            raise
        for name, message in exc.errors.items():
            getattr(form, name, form.outcome).errors = [message]
        dossier = db.session.get(Dossier, dossier_id)
        return _proposal_page(session, call, dossier, svc.decision_of(dossier), form, 400)
    db.session.commit()
    label = svc.OUTCOME_LABELS[DecisionOutcome(form.outcome.data)].lower()
    flash(f"Proposition d'{label} enregistrée pour le dossier {dossier.reference}"
          + (" ; elle attend la validation des deux co-pilotes." if form.outcome.data != "adjourn"
             else " ; le dossier reviendra en séance."), "success")
    return redirect(url_for("review.session", session_id=session.id) + f"#dossier-{dossier.id}")


def _proposal_page(session, call, dossier, decision, form, status=200):
    errors = [(getattr(form, name).id, msg) for name in ("outcome", "amount_state", "amount_region",
                                                         "motivation")
              for msg in getattr(form, name).errors]
    return render_template("review/commission/proposal.html", session=session, call=call,
                           dossier=dossier, decision=decision, form=form, form_errors=errors,
                           sent_back=svc.last_send_back(decision)
                           if dossier.status.value == "reviewed" else None,
                           asked={f: dossier.requested(f) for f in svc.FUNDERS},
                           OUTCOME_LABELS=svc.OUTCOME_LABELS,
                           default_motivation=svc.DEFAULT_ACCEPT_MOTIVATION), status


@bp.get("/seances/<int:session_id>/proces-verbal")
@login_required
def minutes(session_id: int):
    session, call = svc.load_session(session_id)
    require(current_user, Permission.RUN_SESSION, call)
    pdf = documents.render_minutes(session, call, current_user)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=documents.minutes_filename(session))


# ---------------------------------------------------------------- validations

@bp.get("/appels/<int:call_id>/decisions")
@login_required
def decisions(call_id: int):
    call = _call_for_session_work(call_id)
    items = svc.call_decisions(current_user, call)
    people = svc.users_by_id([d.state_validated_by_id for d in items]
                             + [d.region_validated_by_id for d in items])
    own = svc.copilot_institution(current_user, call.id)
    from portal.permissions import can
    may_publish = can(current_user, Permission.PUBLISH_RESULTS, call)
    return render_template(
        "review/commission/decisions.html", call=call, items=items, people=people,
        own=own, own_label=svc.FOR_INSTITUTION[own] if own else None,
        blockers=svc.publication_blockers(call) if may_publish else [],
        may_publish=may_publish, validate_form=ValidateForm(formdata=None),
        send_back_form=SendBackForm(formdata=None), publish_form=PublishForm(formdata=None),
        OUTCOME_LABELS=svc.OUTCOME_LABELS, PROPOSED_STATES=svc.PROPOSED_STATES)


def _decision(decision_id: int) -> Decision:
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        raise NotFound()
    # Someone who may not read the dossier may not learn that a decision exists on it.
    require_dossier(current_user, Permission.VIEW_DOSSIER, decision.dossier)
    return decision


@bp.post("/decisions/<int:decision_id>/valider")
@login_required
def validate(decision_id: int):
    decision = _decision(decision_id)
    form = ValidateForm()
    svc.validate_decision(current_user, decision, form.institution.data or None)
    db.session.commit()
    if decision.finalised_at is not None:
        flash("Décision validée : elle est définitive pour le dossier "
              f"{decision.dossier.reference} "
              f"(« {decision.dossier.status_label} »).", "success")
    else:
        flash(f"Validation enregistrée pour le dossier {decision.dossier.reference} ; elle attend "
              "celle de l'autre co-pilote.", "success")
    return redirect(url_for("review.decisions", call_id=decision.dossier.call_id))


@bp.post("/decisions/<int:decision_id>/renvoyer")
@login_required
def send_back(decision_id: int):
    decision = _decision(decision_id)
    call_id = decision.dossier.call_id
    form = SendBackForm()
    try:
        svc.send_back(current_user, decision, form.comment.data or "")
    except ServiceError as exc:
        db.session.rollback()
        if exc.status != 400:
            raise
        flash(exc.message, "error")
        return redirect(url_for("review.decisions", call_id=call_id) + f"#decision-{decision_id}")
    db.session.commit()
    flash(f"La proposition sur le dossier {decision.dossier.reference} est renvoyée en commission.",
          "success")
    return redirect(url_for("review.decisions", call_id=call_id))


# ---------------------------------------------------------------- publication and letters

@bp.post("/appels/<int:call_id>/publier")
@login_required
def publish(call_id: int):
    call = svc._call(call_id)
    require(current_user, Permission.PUBLISH_RESULTS, call)
    try:
        published = svc.publish_results(current_user, call)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status not in (400, 409):
            raise
        flash(exc.message, "error")
        return redirect(url_for("review.decisions", call_id=call.id))
    db.session.commit()
    flash(f"{len(published)} décision{'s' if len(published) > 1 else ''} publiée"
          f"{'s' if len(published) > 1 else ''} ; chaque établissement a été prévenu par courriel.",
          "success")
    return redirect(url_for("review.decisions", call_id=call.id))


@bp.get("/dossiers/<int:dossier_id>/lettre-de-decision")
@login_required
def letter(dossier_id: int):
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound()
    require_dossier(current_user, Permission.VIEW_DECISION, dossier)
    decision = svc.shown_decision(current_user, dossier)
    if decision is None:
        raise NotFound("Ce dossier n'a pas encore de décision définitive.")
    pdf = documents.render_letter(decision)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=documents.letter_filename(decision))


# ---------------------------------------------------------------- helpers for other templates

@bp.app_template_global("dossier_decision")
def dossier_decision(dossier):
    """The final decision shown on a dossier's page, if the current user may read it."""
    return svc.shown_decision(current_user, dossier)


@bp.app_template_global("commission_home")
def commission_home(user):
    """The co-pilot's home section: calls co-piloted and proposals awaiting their validation."""
    from sqlalchemy import select

    from portal.models import Call

    from .models import CommissionMember
    rows = db.session.execute(
        select(Call, CommissionMember.institution).join(CommissionMember,
                                                        CommissionMember.call_id == Call.id)
        .where(CommissionMember.user_id == user.id, CommissionMember.is_copilot.is_(True))
        .order_by(Call.opens_at.desc())).all()
    if not rows:
        return None
    return {"calls": [(call, svc.FOR_INSTITUTION[inst]) for call, inst in rows],
            "pending": svc.pending_for(user)}
