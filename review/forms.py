"""Forms of the review area."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import Optional

from .services import CHECKLIST


class ScreeningForm(FlaskForm):
    outcome = RadioField("Recevabilité", choices=[("eligible", "Recevable"),
                                                  ("ineligible", "Irrecevable")])
    motivation = TextAreaField("Motif (obligatoire si irrecevable, lu par l'établissement)",
                               validators=[Optional()])


# One checkbox per checklist item, named check_<key>.
for _key, _question in CHECKLIST.items():
    setattr(ScreeningForm, f"check_{_key}", BooleanField(_question))
