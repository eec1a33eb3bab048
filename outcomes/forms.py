"""The outcomes area's forms: the coordinator's practice sheet.

Plain strings: the service checks every value and names the faulty field (portal.web.refused)."""

from __future__ import annotations

from wtforms import HiddenField, StringField, TextAreaField

from portal.forms import PortalForm

from .services.catalogue_sheets import LIMITS


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
