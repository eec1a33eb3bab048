"""Forms of the commission: sessions, proposals, validations, the session page's envelopes."""
from flask_wtf import FlaskForm
from wtforms import (DateField, Form, HiddenField, RadioField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionForm(FlaskForm):
    held_on = DateField("Date de la séance", validators=[Optional()],
                        format=["%Y-%m-%d", "%d/%m/%Y"],
                        description="Format : JJ/MM/AAAA")
    title = StringField("Intitulé", description="Par exemple « Commission du 12 mars 2015 »")
    attendees = MultiCheckboxField("Membres présents", coerce=int)


class ProposalForm(FlaskForm):
    outcome = RadioField("Proposition", choices=[SelectChoice("accept", "Accord"),
                                                 SelectChoice("reject", "Rejet"),
                                                 SelectChoice("adjourn", "Ajournement")])
    amount_state = StringField("Montant accordé par l'État (rectorat)",
                               description="En euros, par exemple 2 500,00 ; au plus le montant "
                                           "demandé")
    amount_region = StringField("Montant accordé par la Région",
                                description="En euros, par exemple 2 500,00 ; au plus le montant "
                                            "demandé")
    motivation = TextAreaField("Motivation (obligatoire pour un rejet, lue par l'établissement)")


class ValidateForm(FlaskForm):
    institution = HiddenField()


class SendBackForm(FlaskForm):
    comment = TextAreaField("Motif du renvoi en commission")


class PublishForm(FlaskForm):
    pass


class EnvelopeForm(Form):
    """The envelopes typed on the session page (GET parameters, nothing stored)."""
    enveloppe_etat = StringField("Enveloppe de l'État (rectorat)",
                                 description="En euros, par exemple 150 000")
    enveloppe_region = StringField("Enveloppe de la Région",
                                   description="En euros, par exemple 150 000")
