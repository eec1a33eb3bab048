"""marshmallow schemas of the funding area for the API: explicit field lists, money as strings.

Every amount is dumped as a decimal string with two places ("1234.50"), never a float, so finance
systems read exactly the figures the dashboard shows. The figures come from funding.services and
funding.dashboard (never recomputed here): the envelopes from `envelope_figures`, the budget from
`call_budget`, a commitment's paid and to-pay amounts from `commitment_figures`.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from portal.models import Institution
from portal.reference import DIRECTIONS, OUTCOMES, YOUNG_CATEGORIES
from portal.schemas import Amount, InputSchema, TextLength

from .models import CommitmentStatus, PaymentKind

_MONEY = {"as_string": True, "places": 2}
FUNDERS = [f.value for f in Institution]
PAYMENT_KINDS = [k.value for k in PaymentKind]
ALERT_KINDS = ["envelope", "late_report", "clawback", "uncommitted"]


def _value(obj):
    return getattr(obj, "value", obj)


def _funder_field(getter, nullable: bool = False):
    meta = {
        "type": "string",
        "enum": FUNDERS,
        "description": "Financeur : « state » (État, rectorat) ou « region » (Région).",
    }
    if nullable:
        meta["nullable"] = True
    return fields.Function(
        lambda obj: _value(getter(obj)) if getter(obj) is not None else None, metadata=meta
    )


# ---------------------------------------------------------------- output


class EnvelopeSchema(Schema):
    """An envelope (per call and funder) or a sub-envelope (per département and/or axis), with
    its figures. Amounts are decimal strings with two places."""

    id = fields.Function(lambda f: f.envelope.id, metadata={"type": "integer"})
    funder = _funder_field(lambda f: f.envelope.funder)
    department = fields.Function(
        lambda f: f.envelope.department_code,
        metadata={
            "type": "string",
            "nullable": True,
            "description": "Code du département d'une sous-enveloppe (null : tous).",
        },
    )
    axis = fields.Function(
        lambda f: f.envelope.axis_number,
        metadata={
            "type": "integer",
            "nullable": True,
            "description": "Numéro d'axe d'une sous-enveloppe (null : tous).",
        },
    )
    amount = fields.Decimal(
        **_MONEY, metadata={"description": "Montant de l'enveloppe.", "example": "100000.00"}
    )
    committed = fields.Decimal(**_MONEY, metadata={"description": "Engagé (engagements actifs)."})
    paid = fields.Decimal(
        **_MONEY, metadata={"description": "Versé, net des reversements encaissés."}
    )
    remaining = fields.Decimal(
        **_MONEY, metadata={"description": "Reste à engager (enveloppe − engagé)."}
    )
    to_pay = fields.Decimal(
        **_MONEY, metadata={"description": "Reste à verser sur les engagements."}
    )
    clawbacks_open = fields.Decimal(
        attribute="open_clawbacks", **_MONEY, metadata={"description": "Reversements attendus."}
    )
    rate = fields.Decimal(**_MONEY, metadata={"description": "Part engagée, en pourcentage."})


class CommitmentSchema(Schema):
    """A funder's commitment on an accepted dossier. `amount` is what stays committed now (after
    reductions or the final report), `initial_amount` what the decision granted; `paid` is net of
    settled clawbacks; `to_pay` = amount − (payments − clawbacks)."""

    id = fields.Integer()
    dossier_id = fields.Integer()
    dossier_reference = fields.String(allow_none=True, metadata={"example": "AAP-2014-0001"})
    funder = _funder_field(lambda c: c["funder"])
    department = fields.String(metadata={"description": "Département de l'établissement."})
    axis = fields.Integer(allow_none=True, metadata={"description": "Axe principal du dossier."})
    amount = fields.Decimal(**_MONEY, metadata={"example": "2500.00"})
    initial_amount = fields.Decimal(**_MONEY)
    paid = fields.Decimal(**_MONEY)
    clawbacks_open = fields.Decimal(**_MONEY, metadata={"description": "Reversements attendus."})
    to_pay = fields.Decimal(**_MONEY)
    status = fields.Function(
        lambda c: _value(c["status"]),
        metadata={"type": "string", "enum": [s.value for s in CommitmentStatus]},
    )
    created_at = fields.DateTime()


class PaymentSchema(Schema):
    """A payment recorded on a commitment (advance, instalment or balance)."""

    id = fields.Integer()
    commitment_id = fields.Integer()
    dossier_id = fields.Function(lambda p: p.commitment.dossier_id, metadata={"type": "integer"})
    funder = _funder_field(lambda p: p.funder)
    kind = fields.Function(
        lambda p: _value(p.kind),
        metadata={
            "type": "string",
            "enum": PAYMENT_KINDS,
            "description": "advance (avance), instalment (acompte) ou balance (solde).",
        },
    )
    amount = fields.Decimal(**_MONEY, metadata={"example": "1250.00"})
    paid_on = fields.Date()
    reference = fields.String(metadata={"description": "Référence du paiement (numéro de mandat)."})
    recorded_at = fields.DateTime()


class BarSchema(Schema):
    """One bar of a breakdown: committed and paid for a département, an axis or a kind."""

    key = fields.String()
    label = fields.String()
    committed = fields.Decimal(**_MONEY)
    paid = fields.Decimal(**_MONEY)


class BudgetPointSchema(Schema):
    """Cumulative committed and paid at the end of a month (Paris time)."""

    month = fields.String(metadata={"example": "2014-11"})
    committed = fields.Decimal(**_MONEY)
    paid = fields.Decimal(**_MONEY)


class FunderBudgetSchema(Schema):
    """One funder's figures for the call, as on the budget dashboard."""

    funder = _funder_field(lambda b: b.funder)
    label = fields.String()
    has_envelope = fields.Boolean()
    envelope = fields.Decimal(
        **_MONEY, metadata={"description": "Enveloppe globale (0 si aucune n'est fixée)."}
    )
    committed = fields.Decimal(**_MONEY)
    paid = fields.Decimal(
        **_MONEY, metadata={"description": "Versé, net des reversements encaissés."}
    )
    payments = fields.Decimal(**_MONEY, metadata={"description": "Total des paiements."})
    remaining = fields.Decimal(**_MONEY, metadata={"description": "Reste à engager."})
    to_pay = fields.Decimal(**_MONEY, metadata={"description": "Reste à verser."})
    clawbacks_open = fields.Decimal(**_MONEY)
    clawbacks_settled = fields.Decimal(**_MONEY)
    uncommitted = fields.Decimal(
        **_MONEY, metadata={"description": "Décisions définitives en attente d'engagement."}
    )
    rate = fields.Decimal(
        **_MONEY, metadata={"description": "Part engagée de l'enveloppe, en pourcentage."}
    )
    commitments = fields.Integer(metadata={"description": "Nombre d'engagements actifs."})
    by_department = fields.List(fields.Nested(BarSchema))
    by_axis = fields.List(fields.Nested(BarSchema))
    by_kind = fields.List(fields.Nested(BarSchema))
    over_time = fields.Method(
        "get_over_time",
        metadata={
            "type": "array",
            "items": {"$ref": "BudgetPoint"},
            "description": "Engagé et versé cumulés, mois par mois.",
        },
    )

    def get_over_time(self, budget):
        points = [
            {"month": month, "committed": committed, "paid": paid}
            for month, committed, paid in budget.over_time
        ]
        return BudgetPointSchema(many=True).dump(points)


class FundersSchema(Schema):
    state = fields.Nested(FunderBudgetSchema)
    region = fields.Nested(FunderBudgetSchema)


class AlertSchema(Schema):
    """Something an officer should look at: an envelope ≥ 90 % committed, a late report, an open
    clawback, a decision awaiting commitment."""

    kind = fields.String(metadata={"enum": ALERT_KINDS})
    message = fields.String()
    funder = _funder_field(lambda a: a.funder, nullable=True)
    dossier_id = fields.Integer(allow_none=True)


class CallBudgetSchema(Schema):
    """The call's budget dashboard: per funder, the envelopes with their figures, the alerts.

    Dumped from a mapping built from funding.dashboard.call_budget."""

    call_id = fields.Integer()
    funders = fields.Nested(FundersSchema)
    envelopes = fields.List(fields.Nested(EnvelopeSchema))
    alerts = fields.List(fields.Nested(AlertSchema))


# ---------------------------------------------------------------- input


class PaymentInput(InputSchema):
    """A payment to record on a commitment. `amount` preferably as a decimal string ("1250.00"):
    a JSON number is accepted but a float may not be exact; at most two decimals. `paid_on` is
    the payment date (AAAA-MM-JJ, not in the future). `kind` defaults to what the schedule
    proposes (the advance first, then an instalment, or the balance once the report is
    validated)."""

    commitment_id = fields.Integer(required=True, strict=True)
    amount = Amount(
        required=True,
        metadata={
            "oneOf": [{"type": "string", "example": "1250.00"}, {"type": "number"}],
            "description": 'Montant en chaîne décimale (préférée, par exemple "1250.00") ou nombre.',
        },
    )
    paid_on = fields.String(required=True, metadata={"format": "date", "example": "2014-11-03"})
    reference = fields.String(
        required=True,
        validate=TextLength(max=50),
        metadata={"description": "Numéro de mandat ; unique par financeur."},
    )
    kind = fields.String(validate=validate.OneOf(PAYMENT_KINDS))


# ---------------------------------------------------------------- the final report's figures


def _counts_schema(name: str, vocabulary: dict, doc: str, *, input_: bool) -> type[Schema]:
    """One integer per key of a vocabulary (young people categories, outcomes)."""
    attrs = {
        key: fields.Integer(
            strict=True, allow_none=True, metadata={"description": label, "minimum": 0}
        )
        for key, label in vocabulary.items()
    }
    cls = type(name, (InputSchema if input_ else Schema,), attrs)
    cls.__doc__ = doc
    return cls


_REACH_DOC = "Jeunes effectivement touchés, par catégorie (nombres entiers, 0 ou plus)."
_OUTCOMES_DOC = (
    "Situation des jeunes touchés à l'issue du projet ; le total doit être égal au total des "
    "jeunes touchés."
)
ReachSchema = _counts_schema("ReachSchema", YOUNG_CATEGORIES, _REACH_DOC, input_=False)
OutcomesSchema = _counts_schema("OutcomesSchema", OUTCOMES, _OUTCOMES_DOC, input_=False)
ReachInput = _counts_schema("ReachInput", YOUNG_CATEGORIES, _REACH_DOC, input_=True)
OutcomesInput = _counts_schema("OutcomesInput", OUTCOMES, _OUTCOMES_DOC, input_=True)
_DECIMAL = {"as_string": True, "allow_none": True}


class ReportIndicatorSchema(Schema):
    """An indicator of the dossier: its target and the value achieved; `target_met` says whether
    the target is met (null when either number is missing). `target` and `achieved` are as
    shown (an older report's free text)."""

    indicator_id = fields.Integer(allow_none=True)
    name = fields.String()
    unit = fields.String()
    direction = fields.String(metadata={"enum": list(DIRECTIONS)})
    baseline = fields.String()
    target = fields.String()
    achieved = fields.String()
    target_value = fields.Decimal(**_DECIMAL)
    achieved_value = fields.Decimal(**_DECIMAL)
    target_met = fields.Boolean(attribute="met", allow_none=True)


class FinalReportSchema(Schema):
    """The final report's figures: young people reached (their total is `young_reached`), their
    outcomes, the indicators target vs achieved, the head's consent to publication."""

    dossier_id = fields.Integer()
    status = fields.Function(lambda r: r["report"].status.value, metadata={"type": "string"})
    actions_carried_out = fields.Function(
        lambda r: r["report"].actions_carried_out, metadata={"type": "string"}
    )
    young_reached = fields.Function(
        lambda r: r["report"].young_reached, metadata={"type": "integer", "nullable": True}
    )
    reach = fields.Nested(ReachSchema)
    outcomes = fields.Nested(OutcomesSchema)
    indicators = fields.List(fields.Nested(ReportIndicatorSchema))
    publication_consent = fields.Function(
        lambda r: r["report"].publication_consent, metadata={"type": "boolean"}
    )
    consent_changed_at = fields.Function(
        lambda r: (
            r["report"].consent_changed_at.isoformat() if r["report"].consent_changed_at else None
        ),
        metadata={"type": "string", "format": "date-time", "nullable": True},
    )
    version = fields.Function(lambda r: r["report"].version, metadata={"type": "integer"})


class AchievedValue(Amount):
    """A value achieved: a JSON number or a string ("12,5"), or null to clear it."""

    default_error_messages = {"invalid": 'Valeur attendue : un nombre ou une chaîne comme "12,5".'}


class FinalReportInput(InputSchema):
    """What the establishment saves on its draft report (any subset): the actions, the young
    people reached by category, their outcomes (same total), the values achieved for the
    indicators, in the order of the report's `indicators` (null clears a value). Refused on its
    field (`reach-at_risk`, `outcomes`, `indicators-0-achieved`), nothing saved."""

    actions_carried_out = fields.String(validate=TextLength(max=10_000))
    reach = fields.Nested(ReachInput)
    outcomes = fields.Nested(OutcomesInput)
    indicators = fields.List(
        AchievedValue(
            allow_none=True,
            metadata={"oneOf": [{"type": "string"}, {"type": "number"}], "nullable": True},
        ),
        validate=validate.Length(max=100),
    )


class ConsentInput(InputSchema):
    """The head's consent to show the project in the public catalogue of practices."""

    publication_consent = fields.Boolean(required=True, truthy={True}, falsy={False})
