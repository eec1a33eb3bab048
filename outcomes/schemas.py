"""Marshmallow schemas of the outcomes area's API."""

from __future__ import annotations

from marshmallow import Schema, fields


class SubsidyFileSchema(Schema):
    funder = fields.Function(lambda f: f["funder"].slug, metadata={"enum": ["etat", "region"]})
    funder_name = fields.Function(lambda f: f["funder"].name)
    year = fields.Integer()
    count = fields.Integer(metadata={"description": "Conventions signées publiées."})
    ready = fields.Boolean(
        metadata={"description": "Faux tant que le SIRET de l'attribuant n'est pas configuré."}
    )
    csv_url = fields.String()


class SubsidySchema(Schema):
    """One row of the SCDL « subventions » 2.1.1 file, field names as the schema spells them."""

    nomAttribuant = fields.String()
    idAttribuant = fields.String()
    dateConvention = fields.String(metadata={"format": "date"})
    referenceDecision = fields.String()
    nomBeneficiaire = fields.String()
    idBeneficiaire = fields.String()
    rnaBeneficiaire = fields.String()
    objet = fields.String()
    montant = fields.String(metadata={"description": "Euros, point décimal : 4500.00"})
    nature = fields.String()
    conditionsVersement = fields.String()
    datesPeriodeVersement = fields.String()
    idRAE = fields.String()
    notificationUE = fields.String(metadata={"enum": ["oui", "non"]})
    pourcentageSubvention = fields.String()
    dispositifAide = fields.String()


class PracticeListItemSchema(Schema):
    """A published practice sheet in the catalogue's list (public data only)."""

    id = fields.Integer()
    title = fields.String()
    summary = fields.String(metadata={"description": "Ce qui a été fait."})
    establishment = fields.Function(lambda s: s.dossier.establishment.name)
    commune = fields.Function(lambda s: s.dossier.establishment.commune)
    department_code = fields.Function(lambda s: s.dossier.establishment.department_code)
    establishment_kind = fields.Function(lambda s: s.dossier.establishment.kind.value)
    school_year = fields.Function(lambda s: s.dossier.call.school_year)
    themes = fields.Function(lambda s: [t.label for t in s.dossier.themes])
    validated_at = fields.DateTime()


class PracticeListSchema(Schema):
    items = fields.List(fields.Nested(PracticeListItemSchema))
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()


class PracticeIndicatorSchema(Schema):
    name = fields.String()
    unit = fields.String()
    direction = fields.String(metadata={"enum": ["up", "down"]})
    baseline = fields.Function(lambda i: _plain(i["baseline"]))
    target = fields.Function(lambda i: _plain(i["target"]))
    achieved = fields.Function(lambda i: _plain(i["achieved"]))
    met = fields.Boolean(allow_none=True)


def _plain(value):
    return "" if value is None else str(value)


class PracticeSchema(Schema):
    """One published sheet, as its public page shows it (no person's name, email or phone)."""

    id = fields.Function(lambda v: v.sheet.id)
    title = fields.Function(lambda v: v.sheet.title)
    summary = fields.Function(lambda v: v.sheet.summary)
    results = fields.Function(lambda v: v.sheet.results)
    establishment = fields.Function(lambda v: v.establishment.name)
    commune = fields.Function(lambda v: v.establishment.commune)
    department_code = fields.Function(lambda v: v.establishment.department_code)
    establishment_kind = fields.Function(lambda v: v.establishment.kind.value)
    establishment_email = fields.Function(
        lambda v: v.establishment.email,
        metadata={"description": "L'adresse officielle de l'établissement."},
    )
    school_year = fields.Function(lambda v: v.call.school_year)
    axes = fields.List(fields.String())
    fields_ = fields.Function(lambda v: v.fields, data_key="fields")
    themes = fields.List(fields.String())
    young_reached = fields.Integer(allow_none=True)
    reach = fields.Function(lambda v: [{"category": c, "count": n} for c, n in v.reach])
    partner_kinds = fields.List(fields.String())
    indicators = fields.List(fields.Nested(PracticeIndicatorSchema))
    period_start = fields.Function(lambda v: v.period[0].isoformat() if v.period else None)
    period_end = fields.Function(lambda v: v.period[1].isoformat() if v.period else None)
    amounts = fields.Function(
        lambda v: [{"funder": f, "amount": f"{a:.2f}"} for f, a in v.amounts],
        metadata={"description": "Montants accordés par financeur (euros, point décimal)."},
    )
