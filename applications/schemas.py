"""marshmallow schemas of dossiers for the API: explicit field lists, amounts as decimal strings.

Input schemas check shapes and types only (unknown fields refused); the domain rules (axes of
the call, amounts, lengths, dates in order…) stay in applications.services.
"""

from __future__ import annotations

from flask import g, url_for
from marshmallow import Schema, fields

from portal.db import db
from portal.reference import AGE_BANDS, DIRECTIONS, YOUNG_CATEGORIES
from portal.schemas import Amount, InputSchema, TextLength

from .models import EXPENSE_CATEGORIES, RESOURCE_SOURCES, STATUS_LABELS, Dossier
from .policy import EDITABLE_STATES, status_shown_to
from .services import submission_blockers

_MONEY = {"as_string": True, "places": 2}


# ---------------------------------------------------------------- output


_KIND = {"description": "Code d'un type de partenaire (GET /api/v1/reference/partner-kinds)."}


class PartnerSchema(Schema):
    name = fields.String()
    kind = fields.String(metadata=_KIND)
    role = fields.String()


class ActionSchema(Schema):
    title = fields.String()
    description = fields.String()
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)


_VALUE = {"as_string": True, "allow_none": True, "metadata": {"example": "12.50"}}


class IndicatorSchema(Schema):
    call_indicator_id = fields.Integer(
        allow_none=True, metadata={"description": "Indicateur commun de l'appel, ou null."}
    )
    name = fields.String()
    unit = fields.String()
    direction = fields.String(metadata={"enum": list(DIRECTIONS)})
    baseline_value = fields.Decimal(**_VALUE)
    target_value = fields.Decimal(**_VALUE)
    baseline = fields.String(metadata={"description": "Texte libre des dossiers anciens."})
    target = fields.String(metadata={"description": "Texte libre des dossiers anciens."})


class TargetCellSchema(Schema):
    category = fields.String(metadata={"enum": list(YOUNG_CATEGORIES)})
    age_band = fields.String(metadata={"enum": list(AGE_BANDS)})
    count = fields.Integer()


class ExpenseSchema(Schema):
    category = fields.String(metadata={"enum": list(EXPENSE_CATEGORIES)})
    label = fields.String()
    amount = fields.Decimal(**_MONEY, metadata={"example": "1234.50"})


class ResourceSchema(Schema):
    source = fields.String(attribute="category", metadata={"enum": list(RESOURCE_SOURCES)})
    label = fields.String()
    amount = fields.Decimal(**_MONEY, metadata={"example": "3000.00"})


class TargetSchema(Schema):
    count = fields.Integer(attribute="target_count", allow_none=True)
    ages = fields.String(attribute="target_ages")
    levels = fields.String(attribute="target_levels")
    profile = fields.String(attribute="target_profile")


class TotalsSchema(Schema):
    expenses = fields.Decimal(attribute="total_expenses", **_MONEY)
    resources = fields.Decimal(attribute="total_resources", **_MONEY)
    requested_region = fields.Method("get_region", metadata={"type": "string", "format": "decimal"})
    requested_state = fields.Method("get_state", metadata={"type": "string", "format": "decimal"})

    def get_region(self, dossier):
        return str(dossier.requested("region"))

    def get_state(self, dossier):
        return str(dossier.requested("state"))


class EstablishmentRefSchema(Schema):
    id = fields.Integer()
    uai = fields.String()
    name = fields.String()


class AttachmentSchema(Schema):
    id = fields.Integer()
    kind_id = fields.Integer(allow_none=True)
    kind_label = fields.Method("get_kind_label", metadata={"type": "string", "nullable": True})
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()

    def get_kind_label(self, attachment):
        return attachment.kind.label if attachment.kind else None


class BlockerSchema(Schema):
    field = fields.String(metadata={"description": "Section en cause (vide : le dossier entier)."})
    message = fields.String()


def _shown(dossier):
    """The state the API caller may know (the establishment waits for publication)."""
    return status_shown_to(g.get("api_user"), dossier)


class DossierSchema(Schema):
    id = fields.Integer()
    reference = fields.String(allow_none=True, metadata={"example": "AAP-2014-0042"})
    status = fields.Method("get_status", metadata={"type": "string"})
    status_label = fields.Method("get_status_label", metadata={"type": "string"})
    call_id = fields.Integer()
    establishment = fields.Nested(EstablishmentRefSchema)
    title = fields.String()
    summary = fields.String()
    main_axis = fields.Integer(allow_none=True)
    other_axes = fields.List(fields.Integer())
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    target = fields.Function(lambda d: TargetSchema().dump(d), metadata={"$ref": "Target"})
    targets = fields.List(
        fields.Nested(TargetCellSchema),
        metadata={
            "description": "Jeunes visés par catégorie et tranche d'âge (somme : target.count)."
        },
    )
    themes = fields.Function(
        lambda d: [t.code for t in d.themes],
        metadata={"type": "array", "items": {"type": "string"}},
    )
    partners = fields.List(fields.Nested(PartnerSchema))
    actions = fields.List(fields.Nested(ActionSchema))
    indicators = fields.List(fields.Nested(IndicatorSchema))
    expenses = fields.List(fields.Nested(ExpenseSchema))
    resources = fields.List(fields.Nested(ResourceSchema))
    totals = fields.Function(lambda d: TotalsSchema().dump(d), metadata={"$ref": "Totals"})
    attachments = fields.List(fields.Nested(AttachmentSchema))
    version = fields.Integer(
        metadata={
            "description": "À renvoyer dans PATCH pour détecter une modification concurrente."
        }
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    blockers = fields.Method(
        "get_blockers",
        metadata={
            "type": "array",
            "items": {"$ref": "Blocker"},
            "description": "Ce qui empêche encore le dépôt (dossiers modifiables seulement).",
        },
    )

    def get_status(self, dossier):
        return _shown(dossier).value

    def get_status_label(self, dossier):
        return STATUS_LABELS[_shown(dossier)]

    def get_blockers(self, dossier):
        if dossier.status.value not in EDITABLE_STATES:
            return []
        return [{"field": f, "message": m} for f, m in submission_blockers(dossier)]


class DossierListItemSchema(Schema):
    """A short view for lists: no sections, no blockers (each would cost queries)."""

    id = fields.Integer()
    reference = fields.String(allow_none=True)
    status = fields.Method("get_status", metadata={"type": "string"})
    status_label = fields.Method("get_status_label", metadata={"type": "string"})
    call_id = fields.Integer()
    establishment = fields.Nested(EstablishmentRefSchema)
    title = fields.String()
    version = fields.Integer()
    updated_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)

    def get_status(self, dossier):
        return _shown(dossier).value

    def get_status_label(self, dossier):
        return STATUS_LABELS[_shown(dossier)]


class SubmissionSchema(Schema):
    dossier_id = fields.Integer()
    reference = fields.Method("get_reference", metadata={"type": "string"})
    number = fields.Integer(metadata={"description": "1, puis 2 après une demande de compléments…"})
    submitted_at = fields.DateTime()
    snapshot_sha256 = fields.String()
    status = fields.Method("get_status", metadata={"type": "string"})
    receipt_url = fields.Method("get_receipt_url", metadata={"type": "string"})

    def get_reference(self, submission):
        return submission.snapshot.get("reference")

    def get_status(self, submission):
        return db.session.get(Dossier, submission.dossier_id).status.value

    def get_receipt_url(self, submission):
        return url_for("api.dossier_receipt", dossier_id=submission.dossier_id)


# ---------------------------------------------------------------- input

_TEXT = {"allow_none": True}


class PartnerInput(InputSchema):
    name = fields.String(**_TEXT)
    kind = fields.String(**_TEXT, metadata=_KIND)
    role = fields.String(**_TEXT)


class ActionInput(InputSchema):
    title = fields.String(**_TEXT)
    description = fields.String(**_TEXT)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)


_NUMBER = {
    "type": "string",
    "example": "12,5",
    "description": "Nombre positif, deux décimales au plus (virgule ou point ; chaîne ou nombre).",
}


class IndicatorInput(InputSchema):
    call_indicator_id = fields.Integer(strict=True, allow_none=True)
    name = fields.String(**_TEXT)
    unit = fields.String(**_TEXT)
    direction = fields.String(**_TEXT, metadata={"enum": list(DIRECTIONS)})
    baseline_value = fields.Raw(allow_none=True, metadata=_NUMBER)
    target_value = fields.Raw(allow_none=True, metadata=_NUMBER)
    baseline = fields.String(**_TEXT)
    target = fields.String(**_TEXT)


class TargetInput(InputSchema):
    category = fields.String(required=True, metadata={"enum": list(YOUNG_CATEGORIES)})
    age_band = fields.String(required=True, metadata={"enum": list(AGE_BANDS)})
    count = fields.Raw(allow_none=True, metadata={"type": "integer"})


class ExpenseInput(InputSchema):
    category = fields.String(**_TEXT, metadata={"enum": list(EXPENSE_CATEGORIES)})
    label = fields.String(**_TEXT)
    amount = Amount(
        allow_none=True,
        metadata={
            "type": "string",
            "example": "1234.50",
            "description": "Montant en euros, deux décimales au plus (chaîne ou nombre).",
        },
    )


class ResourceInput(InputSchema):
    source = fields.String(**_TEXT, metadata={"enum": list(RESOURCE_SOURCES)})
    category = fields.String(**_TEXT, metadata={"description": "Synonyme de source."})
    label = fields.String(**_TEXT)
    amount = Amount(
        allow_none=True,
        metadata={
            "type": "string",
            "example": "3000.00",
            "description": "Montant en euros, deux décimales au plus (chaîne ou nombre).",
        },
    )


class DossierCreateInput(InputSchema):
    call_id = fields.Integer(required=True, strict=True)
    title = fields.String(load_default="", validate=TextLength(max=200))


class DossierPatchInput(InputSchema):
    """Any subset of the sections; lists replace the whole section."""

    version = fields.Integer(
        strict=True,
        allow_none=True,
        metadata={"description": "La version lue ; 409 si le dossier a changé depuis."},
    )
    title = fields.String(**_TEXT)
    summary = fields.String(**_TEXT)
    main_axis = fields.Integer(strict=True, allow_none=True)
    other_axes = fields.List(fields.Integer(strict=True), allow_none=True)
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields", allow_none=True)
    target_count = fields.Integer(
        strict=True,
        allow_none=True,
        metadata={"description": "Seulement sans targets (dossiers anciens) : sinon la somme."},
    )
    targets = fields.List(fields.Nested(TargetInput), allow_none=True)
    themes = fields.List(fields.String(), allow_none=True)
    target_ages = fields.String(**_TEXT)
    target_levels = fields.String(**_TEXT)
    target_profile = fields.String(**_TEXT)
    partners = fields.List(fields.Nested(PartnerInput), allow_none=True)
    actions = fields.List(fields.Nested(ActionInput), allow_none=True)
    indicators = fields.List(fields.Nested(IndicatorInput), allow_none=True)
    expenses = fields.List(fields.Nested(ExpenseInput), allow_none=True)
    resources = fields.List(fields.Nested(ResourceInput), allow_none=True)


class AttachmentUploadInput(InputSchema):
    """The form fields of the multipart upload besides `file`."""

    kind_id = fields.Integer(allow_none=True, metadata={"description": "Type de pièce de l'appel."})


# ---------------------------------------------------------------- the dossier's thread


class MessageAttachmentSchema(Schema):
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    url = fields.String(metadata={"description": "Où la télécharger (GET, même jeton)."})


class ThreadEntrySchema(Schema):
    """A message, or a completion request shown in the thread (kind says which)."""

    kind = fields.String(metadata={"enum": ["message", "completion"]})
    id = fields.Method("get_id", metadata={"type": "integer", "nullable": True})
    at = fields.DateTime()
    side = fields.Method(
        "get_side", metadata={"type": "string", "enum": ["establishment", "call_office"]}
    )
    author = fields.Method("get_author", metadata={"type": "string", "nullable": True})
    body = fields.String()
    due_at = fields.DateTime(allow_none=True)
    unread = fields.Boolean()
    read_by_other_side = fields.Boolean()
    attachment = fields.Method("get_attachment", metadata={"type": "object", "nullable": True})

    def get_id(self, entry):
        return entry.message.id if entry.message is not None else None

    def get_side(self, entry):
        return entry.side.value

    def get_author(self, entry):
        return entry.author.full_name if entry.author is not None else None

    def get_attachment(self, entry):
        m = entry.message
        if m is None or m.attachment_key is None:
            return None
        return {
            "filename": m.attachment_filename,
            "content_type": m.attachment_content_type,
            "size": m.attachment_size,
            "sha256": m.attachment_sha256,
            "url": url_for("api.message_attachment", dossier_id=m.dossier_id, message_id=m.id),
        }


class MessageInput(InputSchema):
    body = fields.String(required=True, validate=TextLength(max=5000))
