"""The outcomes area's page forms (Flask-WTF: CSRF on every one): the coordinator's practice
sheet and La Lettre de la MLDS.

Plain values: the services check every one and name the faulty field (portal.web.refused)."""

from __future__ import annotations

from wtforms import DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.forms import MultiCheckboxField, PortalForm

from .services.catalogue_sheets import LIMITS

# ---------------------------------------------------------------- practice sheets


class SheetForm(PortalForm):
    """`version` is the sheet's version when the page was shown (0 before the first save)."""

    limits = LIMITS
    title = StringField("Titre public", description="200 caractères au plus.")
    summary = TextAreaField(
        "Ce qui a été fait",
        description="Les actions menées, pour un lecteur qui ne connaît pas le projet. "
        "Aucune donnée personnelle : ni nom, ni adresse électronique, ni téléphone.",
    )
    results = TextAreaField(
        "Résultats obtenus",
        description="Ce que le projet a permis, au regard de ses objectifs.",
    )
    version = HiddenField()

    def to_data(self) -> dict:
        return {
            "title": self.title.data,
            "summary": self.summary.data,
            "results": self.results.data,
        }


# ---------------------------------------------------------------- La Lettre de la MLDS

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class _FrenchDate(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Saisissez une date valide, au format JJ/MM/AAAA.") from None


class _FrenchInteger(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Saisissez un nombre entier, par exemple 3.") from None


class LetterForm(PortalForm):
    """An issue of the Lettre: the service checks every field (French errors on each)."""

    limits = {"title": 200, "editorial": 20000}
    number = _FrenchInteger("Numéro", validators=[Optional()])
    issue_date = _FrenchDate(
        "Date du numéro", validators=[Optional()], format=DATE_FORMATS,
        description="Format : JJ/MM/AAAA",
    )  # fmt: skip
    title = StringField("Titre du numéro")
    editorial = TextAreaField(
        "Éditorial",
        description=(
            "En Markdown : **gras**, *italique*, [lien](https://…), listes à tirets, titres "
            "avec #. Le HTML n'est pas interprété."
        ),
    )
    period_start = _FrenchDate(
        "Chiffres clés : début de la période", validators=[Optional()], format=DATE_FORMATS,
        description="Format : JJ/MM/AAAA",
    )  # fmt: skip
    period_end = _FrenchDate(
        "Chiffres clés : fin de la période", validators=[Optional()], format=DATE_FORMATS,
        description="Format : JJ/MM/AAAA",
    )  # fmt: skip
    sheets = MultiCheckboxField(
        "Fiches du catalogue mises en avant", coerce=int, validate_choice=False
    )

    def service_data(self) -> dict:
        return {
            "number": self.number.data,
            "issue_date": self.issue_date.data,
            "title": self.title.data or "",
            "editorial": self.editorial.data or "",
            "period_start": self.period_start.data,
            "period_end": self.period_end.data,
            "sheets": list(self.sheets.data or []),
        }


class SubscribeForm(PortalForm):
    email = StringField("Adresse électronique", description="Format attendu : nom@domaine.fr")


class ActionForm(PortalForm):
    """A button's form: only the CSRF token (confirm, unsubscribe, publish…)."""
