"""/api/v1 endpoints of the funding area, for the Région's and rectorat's finance systems.

Reading (envelopes, commitments, payments, the budget) needs Permission.VIEW_BUDGET on the call
(budget officers, observers, call administrators). Recording a payment goes through
funding.services.record_payment, which asks Permission.MANAGE_MONEY on the commitment: only the
officers of its funder. Figures come from funding.services and funding.dashboard, never
recomputed here, so the API reconciles to the cent with the dashboard and the exports.
Every list is answered in a constant number of queries, whatever the number of rows.
"""

from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from portal.api import (
    api_user,
    bp,
    created,
    doc,
    error,
    json_body,
    json_response,
    list_of,
    load,
    register_schemas,
)
from portal.db import db
from portal.errors import Conflict, PermissionDenied, ServiceError
from portal.models import Call, Institution
from portal.permissions import Permission, can, log
from portal.schemas import load_input

from . import dashboard, services
from . import schemas as s
from .models import Commitment, Payment

STALE = (
    "Cet engagement a été modifié au même moment par une autre requête : relisez-le puis "
    "renvoyez le paiement."
)

register_schemas(
    {
        "Envelope": s.EnvelopeSchema,
        "Commitment": s.CommitmentSchema,
        "Payment": s.PaymentSchema,
        "PaymentInput": s.PaymentInput,
        "CallBudget": s.CallBudgetSchema,
        "FunderBudgets": s.FundersSchema,
        "FunderBudget": s.FunderBudgetSchema,
        "BudgetBar": s.BarSchema,
        "BudgetPoint": s.BudgetPointSchema,
        "BudgetAlert": s.AlertSchema,
        "FinalReport": s.FinalReportSchema,
        "FinalReportIndicator": s.ReportIndicatorSchema,
        "FinalReportReach": s.ReachSchema,
        "FinalReportOutcomes": s.OutcomesSchema,
        "FinalReportInput": s.FinalReportInput,
        "FinalReportReachInput": s.ReachInput,
        "FinalReportOutcomesInput": s.OutcomesInput,
        "PublicationConsentInput": s.ConsentInput,
    }
)

from . import api_reports  # noqa: E402,F401  (the final report's figures and consent)

CALL_QUERY = {
    "name": "call",
    "in": "query",
    "required": True,
    "schema": {"type": "integer"},
    "description": "Identifiant de l'appel à projets (obligatoire).",
}
FUNDER_QUERY = {
    "name": "funder",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["state", "region"]},
    "description": "Filtre sur un financeur : state (État) ou region (Région).",
}
MONEY = ' Montants en chaînes décimales à deux décimales ("1234.50"), jamais en nombres flottants.'
READERS = error("Réservé aux agents budgétaires, aux observateurs et aux gestionnaires de l'appel.")
BAD_QUERY = error("Paramètre call absent ou non entier, ou financeur inconnu.")
UNKNOWN_CALL = error("Appel à projets inconnu.")


def _call(call_id: int) -> Call:
    """The call, if the user may read its budget (VIEW_BUDGET); 404 for an unknown call."""
    return load(
        Call,
        call_id,
        Permission.VIEW_BUDGET,
        missing="Cet appel à projets n'existe pas.",
        message="Les données budgétaires sont réservées aux agents budgétaires, aux "
        "observateurs et aux gestionnaires de l'appel.",
    )


def _call_from_query() -> Call:
    raw = request.args.get("call")
    if raw is None or not raw.strip():
        raise ServiceError(
            "Indiquez l'appel à projets : paramètre « call=<identifiant> ».", field="call"
        )
    if not raw.strip().isdigit():
        raise ServiceError(
            "Le paramètre « call » doit être l'identifiant (nombre entier) d'un appel à projets.",
            field="call",
        )
    return _call(int(raw))


def _funder_from_query() -> Institution | None:
    raw = request.args.get("funder")
    if raw is None or raw == "":
        return None
    return services.parse_funder(raw)


# ---------------------------------------------------------------- envelopes and budget


@bp.get("/calls/<int:call_id>/envelopes")
@doc(
    "Enveloppes et sous-enveloppes d'un appel, avec engagé, versé, reste à engager et reste à "
    "verser",
    {
        "200": json_response(list_of(s.EnvelopeSchema), "Enveloppes (globales d'abord)."),
        "400": error("Financeur inconnu."),
        "403": READERS,
        "404": UNKNOWN_CALL,
    },
    operationId="listCallEnvelopes",
    description="Chiffres de l'enveloppe." + MONEY,
    parameters=[FUNDER_QUERY],
)
def call_envelopes(call_id: int):
    """The call's envelopes and sub-envelopes with their figures (main envelopes first)."""
    call = _call(call_id)
    figures = services.envelope_figures(call.id, _funder_from_query())
    return jsonify({"items": s.EnvelopeSchema(many=True).dump(figures)})


@bp.get("/calls/<int:call_id>/budget")
@doc(
    "Tableau de bord budgétaire d'un appel (les chiffres de la page Budget)",
    {
        "200": json_response(s.CallBudgetSchema, "Chiffres par financeur, enveloppes, alertes."),
        "403": READERS,
        "404": UNKNOWN_CALL,
    },
    operationId="getCallBudget",
    description="Les mêmes chiffres que le tableau de bord : ils se rapprochent au centime des "
    "listes /commitments et /payments." + MONEY,
)
def call_budget(call_id: int):
    """The budget dashboard's figures: per funder, envelopes, alerts."""
    call = _call(call_id)
    budget = dashboard.call_budget(call)
    data = {
        "call_id": call.id,
        "funders": {f.value: budget.for_funder(f) for f in (Institution.state, Institution.region)},
        "envelopes": budget.envelopes,
        "alerts": budget.alerts,
    }
    return jsonify(s.CallBudgetSchema().dump(data))


# ---------------------------------------------------------------- commitments


@bp.get("/commitments")
@doc(
    "Engagements d'un appel (un par financeur et par dossier retenu)",
    {
        "200": json_response(list_of(s.CommitmentSchema), "Engagements, par dossier."),
        "400": BAD_QUERY,
        "403": READERS,
        "404": UNKNOWN_CALL,
    },
    operationId="listCommitments",
    description="La somme des montants (amount) égale l'engagé du tableau de bord." + MONEY,
    parameters=[CALL_QUERY, FUNDER_QUERY],
)
def list_commitments():
    """Every commitment of a call (`call` required), optionally one funder's; three queries."""
    call = _call_from_query()
    funder = _funder_from_query()
    query = (
        select(Commitment)
        .where(Commitment.call_id == call.id)
        .options(joinedload(Commitment.dossier))
        .order_by(Commitment.dossier_id, Commitment.funder)
    )
    if funder is not None:
        query = query.where(Commitment.funder == funder)
    commitments = db.session.scalars(query).all()
    rows = []
    for figures in services.commitment_figures(commitments):
        c = figures.commitment
        rows.append(
            {
                "id": c.id,
                "dossier_id": c.dossier_id,
                "dossier_reference": c.dossier.reference,
                "funder": c.funder,
                "department": c.department_code,
                "axis": c.axis_number,
                "amount": c.amount,
                "initial_amount": c.initial_amount,
                "paid": figures.paid - figures.settled,
                "clawbacks_open": figures.open_clawbacks,
                "to_pay": figures.to_pay,
                "status": c.status,
                "created_at": c.created_at,
            }
        )
    return jsonify({"items": s.CommitmentSchema(many=True).dump(rows)})


# ---------------------------------------------------------------- payments


@bp.get("/payments")
@doc(
    "Paiements d'un appel, par date",
    {
        "200": json_response(list_of(s.PaymentSchema), "Paiements."),
        "400": BAD_QUERY,
        "403": READERS,
        "404": UNKNOWN_CALL,
    },
    operationId="listPayments",
    description="Paiements enregistrés." + MONEY,
    parameters=[CALL_QUERY, FUNDER_QUERY],
)
def list_payments():
    """Every payment of a call (`call` required), optionally one funder's; by date."""
    call = _call_from_query()
    funder = _funder_from_query()
    query = (
        select(Payment)
        .join(Payment.commitment)
        .where(Commitment.call_id == call.id)
        .options(joinedload(Payment.commitment))
        .order_by(Payment.paid_on, Payment.id)
    )
    if funder is not None:
        query = query.where(Payment.funder == funder)
    return jsonify({"items": s.PaymentSchema(many=True).dump(db.session.scalars(query).all())})


@bp.post("/payments")
@doc(
    "Enregistrer un paiement sur un engagement (agents budgétaires de son financeur)",
    {
        "201": json_response(s.PaymentSchema, "Paiement enregistré."),
        "400": error(
            "Paiement refusé (errors, par champ) : montant nul, négatif, à plus de deux "
            "décimales ou supérieur au reste à verser, référence absente, date invalide "
            "ou future, solde avant le bilan."
        ),
        "403": error("Engagement d'un autre financeur, ou pas agent budgétaire."),
        "404": error("Engagement inconnu."),
        "409": error(
            "Référence déjà enregistrée par ce financeur, engagement annulé, convention "
            "non signée, ou modification concurrente."
        ),
    },
    operationId="createPayment",
    description='Envoyez le montant de préférence en chaîne décimale ("1250.00") : un nombre '
    "JSON est accepté, mais un flottant peut être inexact.",
    requestBody=json_body(s.PaymentInput),
)
def create_payment():
    """Record a payment on a commitment (its funder's budget officers only): 201 with it."""
    user = api_user()
    if not any(can(user, Permission.MANAGE_MONEY, f) for f in Institution):
        log.warning(
            "access denied: user=%s permission=%s object=Payment",
            user.id,
            Permission.MANAGE_MONEY.value,
        )
        raise PermissionDenied(
            "Seuls les agents budgétaires de l'État ou de la Région enregistrent des paiements."
        )
    data = load_input(s.PaymentInput(), request.get_json(silent=True))
    commitment = load(
        Commitment,
        data["commitment_id"],
        missing=f"Aucun engagement n'a l'identifiant {data['commitment_id']}.",
    )
    kind = data.get("kind")
    if kind is None:  # what the schedule proposes next (the rate only changes the amount)
        kind = services.proposed_payment(commitment, commitment.dossier.call.advance_rate)[0]
    try:
        payment = services.record_payment(
            user, commitment, data["amount"], data["paid_on"], data["reference"], kind=kind
        )
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(STALE) from None
    except IntegrityError:  # the same reference recorded at the same instant by another request
        db.session.rollback()
        raise Conflict(
            f"Le paiement de référence « {data['reference'].strip()} » est déjà enregistré.",
            field="reference",
        ) from None
    return created(s.PaymentSchema().dump(payment))
