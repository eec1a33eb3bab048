"""Forms of the commission set-up and assignment pages (the rules live in review/setup.py)."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms.fields.choices import SelectChoice
from wtforms import (BooleanField, HiddenField, RadioField, SelectField, StringField,
                     TextAreaField)

from portal.models import INSTITUTION_LABELS

from .models import CONFLICT_LABELS
from .setup import VISIBILITY_LABELS

INSTITUTION_CHOICES = [SelectChoice(i.value, label) for i, label in INSTITUTION_LABELS.items()]


class SettingsForm(FlaskForm):
    reviewers_per_dossier = StringField("Nombre d'instructeurs par dossier",
                                        description="Au moins 2 : un de l'État et un de la Région.")
    gap_threshold = StringField("Seuil d'écart État–Région (sur 20)",
                                description="Au-delà, le dossier est signalé pour discussion.")
    spread_threshold = StringField("Seuil de dispersion des notes (sur 20)")
    visibility = RadioField("Les instructeurs voient les évaluations des autres",
                            choices=[SelectChoice(v.value, label)
                                     for v, label in VISIBILITY_LABELS.items()])

    def fill(self, settings):
        self.reviewers_per_dossier.data = str(settings.reviewers_per_dossier if settings else 2)
        self.gap_threshold.data = _num(settings.gap_threshold if settings else 4)
        self.spread_threshold.data = _num(settings.spread_threshold if settings else 6)
        self.visibility.data = settings.visibility.value if settings else "after_own_review"


def _num(value) -> str:
    return f"{value:.2f}".replace(".", ",").removesuffix(",00")


class MemberForm(FlaskForm):
    user_id = SelectField("Personne", choices=[], validate_choice=False)
    institution = SelectField("Institution", choices=INSTITUTION_CHOICES, validate_choice=False)


class CriterionForm(FlaskForm):
    label = StringField("Intitulé du critère")
    guidance = TextAreaField("Consignes aux instructeurs")
    scoring = BooleanField("Critère noté (décochez pour une simple case oui / non, non comptée)",
                           default=True)
    scale_min = StringField("Note minimale", default="0")
    scale_max = StringField("Note maximale", default="5")
    weight = StringField("Coefficient", default="1",
                         description="Supérieur à zéro, par exemple 1,5.")
    required = BooleanField("Obligatoire", default=True)

    def fill(self, criterion):
        self.label.data, self.guidance.data = criterion.label, criterion.guidance
        self.scoring.data, self.required.data = criterion.scoring, criterion.required
        self.scale_min.data = str(criterion.scale_min)
        self.scale_max.data = str(criterion.scale_max)
        self.weight.data = _num(criterion.weight)


class ManualAssignmentForm(FlaskForm):
    dossier_id = SelectField("Dossier", choices=[], validate_choice=False)
    user_id = SelectField("Instructeur", choices=[], validate_choice=False)


class ImportForm(FlaskForm):
    file = FileField("Fichier CSV des affectations",
                     description="Deux colonnes séparées par un point-virgule : référence du "
                                 "dossier ; courriel de l'instructeur (UTF-8).")


class ApplyImportForm(FlaskForm):
    content = HiddenField()


class ConflictForm(FlaskForm):
    kind = RadioField("Nature du conflit d'intérêts",
                      choices=[SelectChoice(k.value, label)
                               for k, label in CONFLICT_LABELS.items()])
    comment = TextAreaField("Précisions", description="Obligatoire pour « Autre ».")
