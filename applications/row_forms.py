"""The repeatable rows of the dossier's step forms, and the table of young people targeted
(imported by applications.forms)."""

from __future__ import annotations

from wtforms import BooleanField, Form, HiddenField, SelectField, StringField, TextAreaField

from portal.reference import AGE_BANDS, DIRECTIONS, YOUNG_CATEGORIES

from .models import EXPENSE_CATEGORIES, RESOURCE_SOURCES
from .page_forms import EMPTY_CHOICE, choices

# ---------------------------------------------------------------- repeatable rows


class PartnerRow(Form):
    name = StringField("Nom du partenaire")
    kind = SelectField("Type de partenaire", choices=[], validate_choice=False)
    role = TextAreaField("Rôle dans le projet")


class ActionRow(Form):
    title = StringField("Intitulé de l'action")
    description = TextAreaField("Description")
    start_date = StringField("Date de début")
    end_date = StringField("Date de fin")


class IndicatorRow(Form):
    """One of the dossier's own indicators; `baseline`/`target` carry an older free text."""

    name = StringField("Indicateur")
    unit = StringField("Unité", description="Exemple : %, jeunes, heures.")
    direction = SelectField("Sens", choices=choices(DIRECTIONS.items()), default="up")
    baseline_value = StringField("Valeur de départ")
    target_value = StringField("Valeur cible")
    baseline = HiddenField()
    target = HiddenField()


class CommonIndicatorRow(Form):
    """One of the call's common indicators: ticked to retain it, with its two values."""

    call_indicator_id = HiddenField()
    selected = BooleanField("Retenir cet indicateur")
    baseline_value = StringField("Valeur de départ")
    target_value = StringField("Valeur cible")


def cell(category: str, band: str) -> str:
    return f"{category}__{band}"


# The table of young people targeted: one number per category and age band.
TargetsTable = type(
    "TargetsTable",
    (Form,),
    {
        cell(c, b): StringField(f"{YOUNG_CATEGORIES[c]}, {AGE_BANDS[b].lower()}")
        for c in YOUNG_CATEGORIES
        for b in AGE_BANDS
    },
)


class ExpenseRow(Form):
    category = SelectField(
        "Catégorie",
        choices=EMPTY_CHOICE + choices(EXPENSE_CATEGORIES.items()),
        validate_choice=False,
    )
    label = StringField("Libellé")
    amount = StringField("Montant")


class ResourceRow(Form):
    source = SelectField(
        "Source", choices=EMPTY_CHOICE + choices(RESOURCE_SOURCES.items()), validate_choice=False
    )
    label = StringField("Libellé")
    amount = StringField("Montant")
