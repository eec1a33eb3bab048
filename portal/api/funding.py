"""/api/v1 endpoints of the funding area, for the Région's and rectorat's finance systems.

Reading (envelopes, commitments, payments, the budget) needs Permission.VIEW_BUDGET on the call
(budget officers, observers, call administrators). Recording a payment goes through
funding.services.record_payment, which asks Permission.MANAGE_MONEY on the commitment: only the
officers of its funder. Figures come from funding.services and funding.dashboard, never
recomputed here, so the API reconciles to the cent with the dashboard and the exports.
Every list is answered in a constant number of queries, whatever the number of rows.
"""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from funding import dashboard, services
from funding.models import Commitment, Payment
from funding.schemas import (CallBudgetSchema, CommitmentSchema, EnvelopeSchema, PaymentInput,
                             PaymentSchema)
from portal.db import db
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.models import Call, Institution
from portal.permissions import Permission, can, log, require
from portal.schemas import load_input

from . import bp

STALE = ("Cet engagement a été modifié au même moment par une autre requête : relisez-le puis "
         "renvoyez le paiement.")


def _user():
    return g.api_user


def _call(call_id: int) -> Call:
    """The call, if the user may read its budget (VIEW_BUDGET); 404 for an unknown call."""
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound("Cet appel à projets n'existe pas.")
    require(_user(), Permission.VIEW_BUDGET, call,
            message="Les données budgétaires sont réservées aux agents budgétaires, aux "
                    "observateurs et aux gestionnaires de l'appel.")
    return call


def _call_from_query() -> Call:
    raw = request.args.get("call")
    if raw is None or not raw.strip():
        raise ServiceError("Indiquez l'appel à projets : paramètre « call=<identifiant> ».",
                           field="call")
    if not raw.strip().isdigit():
        raise ServiceError("Le paramètre « call » doit être l'identifiant (nombre entier) d'un "
                           "appel à projets.", field="call")
    return _call(int(raw))


def _funder_from_query() -> Institution | None:
    raw = request.args.get("funder")
    if raw is None or raw == "":
        return None
    return services.parse_funder(raw)


# ---------------------------------------------------------------- envelopes and budget

@bp.get("/calls/<int:call_id>/envelopes")
def call_envelopes(call_id: int):
    """The call's envelopes and sub-envelopes with their figures (main envelopes first)."""
    call = _call(call_id)
    figures = services.envelope_figures(call.id, _funder_from_query())
    return jsonify({"items": EnvelopeSchema(many=True).dump(figures)})


@bp.get("/calls/<int:call_id>/budget")
def call_budget(call_id: int):
    """The budget dashboard's figures: per funder, envelopes, alerts."""
    call = _call(call_id)
    budget = dashboard.call_budget(call)
    data = {"call_id": call.id,
            "funders": {f.value: budget.for_funder(f) for f in (Institution.state,
                                                                Institution.region)},
            "envelopes": budget.envelopes, "alerts": budget.alerts}
    return jsonify(CallBudgetSchema().dump(data))


# ---------------------------------------------------------------- commitments

@bp.get("/commitments")
def list_commitments():
    """Every commitment of a call (`call` required), optionally one funder's; three queries."""
    call = _call_from_query()
    funder = _funder_from_query()
    query = (select(Commitment).where(Commitment.call_id == call.id)
             .options(joinedload(Commitment.dossier))
             .order_by(Commitment.dossier_id, Commitment.funder))
    if funder is not None:
        query = query.where(Commitment.funder == funder)
    commitments = db.session.scalars(query).all()
    items = []
    for figures in services.commitment_figures(commitments):
        c = figures.commitment
        items.append({
            "id": c.id, "dossier_id": c.dossier_id, "dossier_reference": c.dossier.reference,
            "funder": c.funder, "department": c.department_code, "axis": c.axis_number,
            "amount": c.amount, "initial_amount": c.initial_amount,
            "paid": figures.paid - figures.settled, "clawbacks_open": figures.open_clawbacks,
            "to_pay": figures.to_pay, "status": c.status, "created_at": c.created_at,
        })
    return jsonify({"items": CommitmentSchema(many=True).dump(items)})


# ---------------------------------------------------------------- payments

@bp.get("/payments")
def list_payments():
    """Every payment of a call (`call` required), optionally one funder's; by date."""
    call = _call_from_query()
    funder = _funder_from_query()
    query = (select(Payment).join(Payment.commitment).where(Commitment.call_id == call.id)
             .options(joinedload(Payment.commitment))
             .order_by(Payment.paid_on, Payment.id))
    if funder is not None:
        query = query.where(Payment.funder == funder)
    return jsonify({"items": PaymentSchema(many=True).dump(db.session.scalars(query).all())})


@bp.post("/payments")
def create_payment():
    """Record a payment on a commitment (its funder's budget officers only): 201 with it."""
    user = _user()
    if not any(can(user, Permission.MANAGE_MONEY, f) for f in Institution):
        log.warning("access denied: user=%s permission=%s object=Payment", user.id,
                    Permission.MANAGE_MONEY.value)
        raise PermissionDenied("Seuls les agents budgétaires de l'État ou de la Région "
                               "enregistrent des paiements.")
    data = load_input(PaymentInput(), request.get_json(silent=True))
    commitment = db.session.get(Commitment, data["commitment_id"])
    if commitment is None:
        raise NotFound(f"Aucun engagement n'a l'identifiant {data['commitment_id']}.")
    kind = data.get("kind")
    if kind is None:  # what the schedule proposes next (the rate only changes the amount)
        kind = services.proposed_payment(commitment, commitment.dossier.call.advance_rate)[0]
    try:
        payment = services.record_payment(user, commitment, data["amount"], data["paid_on"],
                                          data["reference"], kind=kind)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(STALE) from None
    except IntegrityError:  # the same reference recorded at the same instant by another request
        db.session.rollback()
        raise Conflict(f"Le paiement de référence « {data['reference'].strip()} » est déjà "
                       "enregistré.", field="reference") from None
    response = jsonify(PaymentSchema().dump(payment))
    response.status_code = 201
    return response
