"""Review pages: commission sessions, the session's table, proposals and the minutes.

Thin views: load, check (services check again), call a service, commit once.
"""

from __future__ import annotations

import io

from flask import current_app, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from applications.models import Dossier
from applications.policy import require_dossier
from portal.db import db
from portal.errors import NotFound, ServiceError
from portal.formatting import format_decimal, parse_amount
from portal.models import INSTITUTION_LABELS, Call, User
from portal.pagecache import cached_page
from portal.permissions import Permission
from portal.web import REFUSED, done, load

from .. import documents
from ..forms import EnvelopeForm, ProposalForm, SessionForm
from ..models import CommissionSession, DecisionOutcome
from ..services import decisions
from ..services import sessions as svc
from ..signals import envelopes_of
from . import bp, refused_here


def session_call(call_id: int) -> Call:
    """The call whose sessions the current user runs (404, then 403)."""
    return load(Call, call_id, Permission.RUN_SESSION)


def _session(session_id: int, attendees: bool = False) -> tuple[CommissionSession, Call]:
    """The session and its call (RUN_SESSION); with `attendees`, its attendees' names in the same
    statement (the session page lists them)."""
    if not attendees:
        session = load(CommissionSession, session_id)
    else:
        session = (
            db.session.scalars(
                select(CommissionSession)
                .where(CommissionSession.id == session_id)
                .options(joinedload(CommissionSession.attendees).lazyload(User.grants))
            )
            .unique()
            .one_or_none()
        )
        if session is None:
            raise NotFound()
    return session, session_call(session.call_id)


# ---------------------------------------------------------------- sessions


def _sessions_page(call, form, status=200):
    members = svc.commission_members(call)
    form.attendees.choices = [
        SelectChoice(
            m.user_id,
            f"{m.user.full_name} — {INSTITUTION_LABELS[m.institution]}"
            f"{' (co-pilote)' if m.is_copilot else ''}",
        )
        for m in members
    ]
    return render_template(
        "review/commission/sessions.html",
        call=call,
        form=form,
        sessions=svc.sessions_of(call),
        members=members,
    ), status


@bp.route("/appels/<int:call_id>/seances", methods=["GET", "POST"])
@login_required
def sessions(call_id: int):
    call = session_call(call_id)
    form = SessionForm()
    if request.method == "GET":
        return _sessions_page(call, form)
    try:
        form.check_input()
        session = svc.create_session(
            current_user,
            call,
            form.held_on.data,
            form.title.data or "",
            request.form.getlist("attendees"),
        )
    except ServiceError as exc:
        refused_here(exc, form)
        return _sessions_page(call, form, REFUSED)
    return done(
        f"Séance « {session.title} » créée.", url_for("review.session", session_id=session.id)
    )


def _envelopes(call) -> tuple[EnvelopeForm, dict, dict]:
    """Envelopes typed in the query string (?enveloppe_etat=…&enveloppe_region=…, to try another
    amount), else the call's envelopes as the funding area holds them (also returned: the call's
    own); an unreadable amount is reported on its field and ignored."""
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
    return form, values, known


@bp.get("/seances/<int:session_id>")
@login_required
@cached_page
def session(session_id: int):
    session, call = _session(session_id, attendees=True)
    envelope_form, envelopes, known = _envelopes(call)
    value = request.args.get("page", "")
    number = int(value) if value.isdigit() and 0 < len(value) < 7 else None
    table = svc.session_page(current_user, call, envelopes, number)
    args = {k: v for k, v in request.args.items() if k in ("enveloppe_etat", "enveloppe_region")}
    return render_template(
        "review/commission/session.html",
        session=session,
        call=call,
        table=table,
        rows=table.rows,
        line=table.line,
        totals=table.totals,
        page_link=lambda n: url_for("review.session", session_id=session.id, page=n, **args),
        page_args=args,
        envelope_form=envelope_form,
        # Funders whose envelope the call has not set yet, and where budget officers set them
        # (the funding area's page, when it is installed).
        envelopes_missing=[f for f in ("state", "region") if known.get(f) is None],
        envelopes_url=(
            url_for("funding.envelopes", call_id=call.id)
            if "funding.envelopes" in current_app.view_functions
            else None
        ),
    )


def _proposal_target(session_id: int, dossier_id: int):
    session, call = _session(session_id)
    dossier = load(Dossier, dossier_id)
    if dossier.call_id != call.id:
        raise NotFound()
    require_dossier(current_user, Permission.VIEW_DOSSIER, dossier)
    return session, call, dossier


@bp.route(
    "/seances/<int:session_id>/dossiers/<int:dossier_id>/proposition", methods=["GET", "POST"]
)
@login_required
def proposal(session_id: int, dossier_id: int):
    session, call, dossier = _proposal_target(session_id, dossier_id)
    form = ProposalForm()
    decision = decisions.decision_of(dossier)
    if request.method == "GET":
        if decision is not None and decision.finalised_at is None:
            form = ProposalForm(
                formdata=None,
                outcome=decision.outcome.value,
                amount_state=format_decimal(decision.amount_state),
                amount_region=format_decimal(decision.amount_region),
                motivation=decision.motivation,
            )
        return _proposal_page(session, call, dossier, decision, form)
    try:
        form.check_input()
        decisions.record_proposal(
            current_user,
            session,
            dossier,
            form.outcome.data or "",
            form.amount_state.data,
            form.amount_region.data,
            form.motivation.data or "",
        )
    except ServiceError as exc:
        refused_here(exc, form)
        dossier = load(Dossier, dossier_id)
        return _proposal_page(session, call, dossier, decisions.decision_of(dossier), form, REFUSED)
    label = DecisionOutcome(form.outcome.data).label.lower()
    return done(
        f"Proposition d'{label} enregistrée pour le dossier {dossier.reference}"
        + (
            " ; elle attend la validation des deux co-pilotes."
            if form.outcome.data != "adjourn"
            else " ; le dossier reviendra en séance."
        ),
        url_for("review.session", session_id=session.id) + f"#dossier-{dossier.id}",
    )


def _proposal_page(session, call, dossier, decision, form, status=200):
    errors = [
        (getattr(form, name).id, msg)
        for name in ("outcome", "amount_state", "amount_region", "motivation")
        for msg in getattr(form, name).errors
    ]
    return render_template(
        "review/commission/proposal.html",
        session=session,
        call=call,
        dossier=dossier,
        decision=decision,
        form=form,
        form_errors=errors,
        sent_back=decisions.last_send_back(decision)
        if dossier.status.value == "reviewed"
        else None,
        asked={f: dossier.requested(f) for f in svc.FUNDERS},
        default_motivation=decisions.DEFAULT_ACCEPT_MOTIVATION,
    ), status


@bp.get("/seances/<int:session_id>/proces-verbal")
@login_required
def minutes(session_id: int):
    session, call = _session(session_id)
    pdf = documents.render_minutes(session, call, current_user)
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=documents.minutes_filename(session),
    )
