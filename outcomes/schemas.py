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
