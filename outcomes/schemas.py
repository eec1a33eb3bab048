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


# ---------------------------------------------------------------- the outcome dashboard


def _money(value) -> str | None:
    return None if value is None else format(value, "f")


def _per_funder(amounts: dict, total) -> dict:
    return {**{funder.value: _money(v) for funder, v in amounts.items()}, "total": _money(total)}


class OutcomeFiguresSchema(Schema):
    """The figures of a set of funded projects (outcomes.services.dashboard_figures.Figures)."""

    projects = fields.Integer(metadata={"description": "Projets financés (un engagement actif)."})
    reported = fields.Integer(metadata={"description": "Dont avec un bilan final déposé."})
    granted = fields.Function(
        lambda f: _per_funder(f.granted, f.granted_total),
        metadata={"description": "Accordé (engagements actifs) : state, region, total."},
    )
    paid = fields.Function(
        lambda f: _per_funder({k: f.paid(k) for k in f.payments}, f.paid_total),
        metadata={"description": "Versé (paiements − reversements encaissés)."},
    )
    commitments = fields.Function(lambda f: {k.value: v for k, v in f.commitments.items()})
    targeted = fields.Function(lambda f: {**f.targeted, "total": f.targeted_total})
    reached = fields.Function(lambda f: {**f.reached, "total": f.reached_total})
    outcomes = fields.Function(lambda f: dict(f.outcomes))
    measured_projects = fields.Integer()
    met_all_projects = fields.Integer()
    met_all_share = fields.Function(
        lambda f: _money(f.met_all_share), metadata={"description": "En pour cent, ou null."}
    )
    indicators_measured = fields.Integer()
    indicators_met = fields.Integer()
    cost_per_young = fields.Function(
        lambda f: _money(f.cost_per_young),
        metadata={"description": "Accordé des projets avec bilan ÷ jeunes atteints, ou null."},
    )


class OutcomeLineSchema(Schema):
    key = fields.String(metadata={"description": "La valeur, comme dans le filtre."})
    label = fields.String()
    figures = fields.Nested(OutcomeFiguresSchema)


class OutcomeIndicatorSchema(Schema):
    label = fields.String()
    unit = fields.String()
    direction = fields.String()
    measured = fields.Integer()
    met = fields.Integer()
    share = fields.Function(lambda i: _money(i.share))
    mean_target = fields.Function(lambda i: _money(i.mean_target))
    mean_achieved = fields.Function(lambda i: _money(i.mean_achieved))


class OutcomeDashboardSchema(Schema):
    filters = fields.Dict(keys=fields.String(), values=fields.String())
    total = fields.Nested(OutcomeFiguresSchema)
    breakdowns = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Nested(OutcomeLineSchema))
    )
    indicators = fields.List(fields.Nested(OutcomeIndicatorSchema))


def dump_figures(f) -> dict:
    """OutcomeFiguresSchema's dump, written out: the API dumps a few dozen of them per answer
    (tests/outcomes check that both give the same)."""
    return {
        "projects": f.projects,
        "reported": f.reported,
        "granted": _per_funder(f.granted, f.granted_total),
        "paid": _per_funder({k: f.paid(k) for k in f.payments}, f.paid_total),
        "commitments": {k.value: v for k, v in f.commitments.items()},
        "targeted": {**f.targeted, "total": f.targeted_total},
        "reached": {**f.reached, "total": f.reached_total},
        "outcomes": dict(f.outcomes),
        "measured_projects": f.measured_projects,
        "met_all_projects": f.met_all_projects,
        "met_all_share": _money(f.met_all_share),
        "indicators_measured": f.indicators_measured,
        "indicators_met": f.indicators_met,
        "cost_per_young": _money(f.cost_per_young),
    }


def dump_dashboard(body: dict) -> dict:
    """OutcomeDashboardSchema's dump of {filters, total, breakdowns, indicators}, written out."""
    return {
        "filters": {str(k): str(v) for k, v in body["filters"].items()},
        "total": dump_figures(body["total"]),
        "breakdowns": {
            str(dim): [
                {"key": line.key, "label": line.label, "figures": dump_figures(line.figures)}
                for line in lines
            ]
            for dim, lines in body["breakdowns"].items()
        },
        "indicators": [
            {
                "label": i.label,
                "unit": i.unit,
                "direction": i.direction,
                "measured": i.measured,
                "met": i.met,
                "share": _money(i.share),
                "mean_target": _money(i.mean_target),
                "mean_achieved": _money(i.mean_achieved),
            }
            for i in body["indicators"]
        ],
    }


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
