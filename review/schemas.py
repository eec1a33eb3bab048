"""marshmallow schemas of the review area for the API: explicit field lists, decimals as strings.

What an applicant must never see (reviewer names, individual scores) is not in the decision's
schema; reviewer names in a review are filled only for those the ranking shows them to.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from portal.schemas import Amount, InputSchema, TextLength

from .models import Opinion, ReviewStatus

_FIGURE = {"as_string": True, "places": 2, "allow_none": True}


class RankingItemSchema(Schema):
    """A dossier in its call's ranking (figures /20, null without any submitted review)."""

    rank = fields.Integer(allow_none=True)
    dossier_id = fields.Function(lambda row: row.dossier.id, metadata={"type": "integer"})
    reference = fields.Function(lambda row: row.dossier.reference, metadata={"type": "string"})
    establishment = fields.Function(
        lambda row: row.dossier.establishment.name, metadata={"type": "string"}
    )
    score = fields.Decimal(**_FIGURE, metadata={"example": "14.50"})
    state_mean = fields.Decimal(**_FIGURE)
    region_mean = fields.Decimal(**_FIGURE)
    gap = fields.Decimal(**_FIGURE)
    spread = fields.Decimal(**_FIGURE)
    flagged = fields.Boolean()
    reasons = fields.List(fields.String())
    amount_region = fields.Decimal(
        as_string=True, places=2, metadata={"description": "Montant demandé à la Région."}
    )
    amount_state = fields.Decimal(
        as_string=True, places=2, metadata={"description": "Montant demandé au rectorat."}
    )


class ScoreSchema(Schema):
    criterion_id = fields.Integer()
    value = fields.Decimal(**_FIGURE, metadata={"description": "Note (critères notés)."})
    flag = fields.Boolean(
        allow_none=True, metadata={"description": "Oui/non (critères non notés)."}
    )
    comment = fields.String()


class ReviewSchema(Schema):
    """A review. `reviewer` is null unless the caller wrote it or runs the call.

    Dumped from `review_view(...)` (review.api): a plain mapping with the total computed.
    """

    id = fields.Integer()
    dossier_id = fields.Integer()
    institution = fields.String(metadata={"enum": ["state", "region"]})
    reviewer = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": [s.value for s in ReviewStatus]})
    opinion = fields.String(allow_none=True, metadata={"enum": [o.value for o in Opinion]})
    comment = fields.String()
    proposed_amount = fields.Decimal(**_FIGURE)
    total = fields.Decimal(**_FIGURE, metadata={"description": "Total pondéré sur 20."})
    scores = fields.List(fields.Nested(ScoreSchema))
    submitted_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class DecisionSchema(Schema):
    """The commission's decision on a dossier, as its establishment may read it once published."""

    dossier_id = fields.Integer()
    outcome = fields.Function(
        lambda d: d.outcome.value,
        metadata={"type": "string", "enum": ["accept", "reject", "adjourn"]},
    )
    amount_state = fields.Decimal(as_string=True, places=2)
    amount_region = fields.Decimal(as_string=True, places=2)
    motivation = fields.String()
    final = fields.Function(lambda d: d.finalised_at is not None, metadata={"type": "boolean"})
    state_validated_at = fields.DateTime(allow_none=True)
    region_validated_at = fields.DateTime(allow_none=True)
    finalised_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)


class ScoreInput(InputSchema):
    """One criterion's answer; a key left out leaves that part as it was, null clears it."""

    criterion_id = fields.Integer(required=True)
    value = Amount(
        allow_none=True, metadata={"type": "string", "description": 'Note, par exemple "3.5".'}
    )
    flag = fields.Boolean(allow_none=True)
    comment = fields.String(allow_none=True, validate=TextLength(max=10000))


class ReviewInput(InputSchema):
    """What a reviewer saves (PUT): any of scores, comment, opinion, proposed amount; `submit`
    true to submit. With `version`, a stale save is refused (409)."""

    scores = fields.List(fields.Nested(ScoreInput))
    comment = fields.String(validate=TextLength(max=10000))
    opinion = fields.String(allow_none=True, validate=validate.OneOf([o.value for o in Opinion]))
    proposed_amount = Amount(allow_none=True)
    submit = fields.Boolean(load_default=False)
    version = fields.Integer()


class NoteSchema(Schema):
    id = fields.Integer()
    author = fields.Method("get_author", metadata={"type": "string"})
    body = fields.String()
    created_at = fields.DateTime()

    def get_author(self, note):
        return note.author.full_name


class NoteInput(InputSchema):
    body = fields.String(required=True, validate=TextLength(max=5000))
