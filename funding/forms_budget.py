"""Forms of the budget pages: an envelope (or sub-envelope) of the officer's own institution."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from portal.models import INSTITUTION_LABELS, Institution


class EnvelopeForm(FlaskForm):
    """Amounts stay text: `funding.services.set_envelope` parses them the French way and says
    what is wrong on the field. `version` is the envelope's version when the page was shown."""
    funder = RadioField("Financeur", choices=[SelectChoice(i.value, INSTITUTION_LABELS[i])
                                              for i in Institution], validate_choice=False)
    department_code = SelectField("Département (facultatif)", validate_choice=False,
                                  description="Laissez « Tous les départements » pour "
                                              "l'enveloppe globale ou une enveloppe par axe.")
    axis_number = SelectField("Axe (facultatif)", validate_choice=False,
                              description="Laissez « Tous les axes » pour l'enveloppe globale ou "
                                          "une enveloppe par département.")
    amount = StringField("Montant de l'enveloppe",
                         description="En euros, par exemple 150 000,00 ; au moins ce qui est "
                                     "déjà engagé")
    version = HiddenField()

    def set_scopes(self, departments, axes) -> None:
        self.department_code.choices = [SelectChoice("", "Tous les départements")] + [
            SelectChoice(code, f"{code} – {name}") for code, name in departments]
        self.axis_number.choices = [SelectChoice("", "Tous les axes")] + [
            SelectChoice(str(axis.number), f"Axe {axis.number} – {axis.label}") for axis in axes]
