"""Forms of the review area: screening, commission set-up and assignment, scoring, sessions and
decisions. The scoring grid is data, so the scoring form's class is built from the criteria."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Form,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.formatting import format_decimal, format_number
from portal.forms import MultiCheckboxField, PortalForm
from portal.models import INSTITUTION_LABELS

from .models import ConflictKind, Opinion, Visibility
from .services.screening import CHECKLIST

INSTITUTION_CHOICES = [SelectChoice(i.value, label) for i, label in INSTITUTION_LABELS.items()]


# ---------------------------------------------------------------- screening


class ScreeningForm(PortalForm):
    outcome = RadioField(
        "Recevabilité",
        choices=[SelectChoice("eligible", "Recevable"), SelectChoice("ineligible", "Irrecevable")],
    )
    motivation = TextAreaField(
        "Motif (obligatoire si irrecevable, lu par l'établissement)", validators=[Optional()]
    )


# One checkbox per checklist item, named check_<key>.
for _key, _question in CHECKLIST.items():
    setattr(ScreeningForm, f"check_{_key}", BooleanField(_question))


# ---------------------------------------------------------------- set-up and assignment


class SettingsForm(PortalForm):
    reviewers_per_dossier = StringField(
        "Nombre d'instructeurs par dossier",
        description="Au moins 2 : un de l'État et un de la Région.",
    )
    gap_threshold = StringField(
        "Seuil d'écart État–Région (sur 20)",
        description="Au-delà, le dossier est signalé pour discussion.",
    )
    spread_threshold = StringField("Seuil de dispersion des notes (sur 20)")
    visibility = RadioField(
        "Les instructeurs voient les évaluations des autres",
        choices=[SelectChoice(v.value, v.label) for v in Visibility],
    )

    def fill(self, settings):
        self.reviewers_per_dossier.data = str(settings.reviewers_per_dossier if settings else 2)
        self.gap_threshold.data = _num(settings.gap_threshold if settings else 4)
        self.spread_threshold.data = _num(settings.spread_threshold if settings else 6)
        self.visibility.data = settings.visibility.value if settings else "after_own_review"


def _num(value) -> str:
    return format_decimal(value, 2, compact=True)


class MemberForm(PortalForm):
    user_id = SelectField("Personne", choices=[], validate_choice=False)
    institution = SelectField("Institution", choices=INSTITUTION_CHOICES, validate_choice=False)


class CriterionForm(PortalForm):
    label = StringField("Intitulé du critère")
    guidance = TextAreaField("Consignes aux instructeurs")
    scoring = BooleanField(
        "Critère noté (décochez pour une simple case oui / non, non comptée)", default=True
    )
    scale_min = StringField("Note minimale", default="0")
    scale_max = StringField("Note maximale", default="5")
    weight = StringField(
        "Coefficient", default="1", description="Supérieur à zéro, par exemple 1,5."
    )
    required = BooleanField("Obligatoire", default=True)

    def fill(self, criterion):
        self.label.data, self.guidance.data = criterion.label, criterion.guidance
        self.scoring.data, self.required.data = criterion.scoring, criterion.required
        self.scale_min.data = str(criterion.scale_min)
        self.scale_max.data = str(criterion.scale_max)
        self.weight.data = _num(criterion.weight)


class ManualAssignmentForm(PortalForm):
    dossier_id = SelectField("Dossier", choices=[], validate_choice=False)
    user_id = SelectField("Instructeur", choices=[], validate_choice=False)


class ImportForm(PortalForm):
    file = FileField(
        "Fichier CSV des affectations",
        description="Deux colonnes séparées par un point-virgule : référence du "
        "dossier ; courriel de l'instructeur (UTF-8).",
    )


class ApplyImportForm(PortalForm):
    content = HiddenField()


class ConflictForm(PortalForm):
    kind = RadioField(
        "Nature du conflit d'intérêts",
        choices=[SelectChoice(k.value, k.label) for k in ConflictKind],
    )
    comment = TextAreaField("Précisions", description="Obligatoire pour « Autre ».")


# ---------------------------------------------------------------- scoring


def _fr(number) -> str:
    """0 → "0", 2.5 → "2,5" (no trailing zeros, French decimal comma)."""
    return format_number(Decimal(str(number)))


class _ReviewFormBase(PortalForm):
    version = HiddenField()
    opinion = RadioField(
        "Avis général", choices=Opinion.choices(), validators=[Optional()], validate_choice=False
    )
    proposed_amount = StringField(
        "Montant proposé (facultatif)",
        description="En euros, par exemple 4 500,00.",
        validators=[Optional()],
    )
    comment = TextAreaField("Commentaire général", validators=[Optional()])

    criteria: list = []

    def service_data(self) -> dict:
        """The posted answers in the shape `review.services.scoring.save_review` takes."""
        data = {
            "scores": {},
            "flags": {},
            "comments": {},
            "opinion": self.opinion.data or None,
            "proposed_amount": self.proposed_amount.data or "",
            "comment": self.comment.data or "",
        }
        for criterion in self.criteria:
            if criterion.scoring:
                data["scores"][criterion.id] = self[f"score_{criterion.id}"].data or ""
            else:
                data["flags"][criterion.id] = self[f"flag_{criterion.id}"].data or ""
            data["comments"][criterion.id] = self[f"comment_{criterion.id}"].data or ""
        return data

    def attach_errors(self, errors: dict) -> None:
        for name, message in errors.items():
            if name in self:
                self[name].errors = [message]

    def error_list(self) -> list[tuple[str, str]]:
        return [
            (self[name].id, field.errors[0]) for name, field in self._fields.items() if field.errors
        ]


def review_form(criteria, review=None, **kwargs) -> _ReviewFormBase:
    """A form for this grid: per criterion a score (or a yes/no) and a comment.

    Field names: score_<criterion id>, flag_<id>, comment_<id>; with `review`, starts from its
    saved answers (unless a post is being read).
    """
    attrs = {"criteria": list(criteria)}
    for criterion in criteria:
        if criterion.scoring:
            attrs[f"score_{criterion.id}"] = StringField(
                f"Note de « {criterion.label} »",
                description=f"Entre {_fr(criterion.scale_min)} et {_fr(criterion.scale_max)}, "
                "deux décimales au plus (par exemple 3,5)"
                + ("" if criterion.required else " ; facultative")
                + ".",
                validators=[Optional()],
            )
        else:
            attrs[f"flag_{criterion.id}"] = RadioField(
                f"Réponse pour « {criterion.label} »",
                choices=[SelectChoice("yes", "Oui"), SelectChoice("no", "Non")],
                validators=[Optional()],
                validate_choice=False,
            )
        attrs[f"comment_{criterion.id}"] = TextAreaField(
            f"Commentaire sur « {criterion.label} »", validators=[Optional()]
        )
    form_class = type("ReviewForm", (_ReviewFormBase,), attrs)
    data = None
    if review is not None:
        data = {
            "version": str(review.version),
            "opinion": review.opinion.value if review.opinion else None,
            "proposed_amount": _fr(review.proposed_amount)
            if review.proposed_amount is not None
            else "",
            "comment": review.comment,
        }
        for score in review.scores:
            if score.value is not None:
                data[f"score_{score.criterion_id}"] = _fr(
                    score.value.normalize()
                    if score.value == score.value.to_integral()
                    else score.value
                )
            if score.flag is not None:
                data[f"flag_{score.criterion_id}"] = "yes" if score.flag else "no"
            data[f"comment_{score.criterion_id}"] = score.comment
    return form_class(data=data, **kwargs)


class ReopenForm(PortalForm):
    reason = TextAreaField(
        "Motif de la réouverture (transmis à l'évaluateur)", validators=[Optional()]
    )


# ---------------------------------------------------------------- sessions and decisions


class SessionForm(PortalForm):
    held_on = DateField(
        "Date de la séance",
        validators=[Optional()],
        format=["%Y-%m-%d", "%d/%m/%Y"],
        description="Format : JJ/MM/AAAA",
    )
    title = StringField("Intitulé", description="Par exemple « Commission du 12 mars 2015 »")
    attendees = MultiCheckboxField("Membres présents", coerce=int)


class ProposalForm(PortalForm):
    outcome = RadioField(
        "Proposition",
        choices=[
            SelectChoice("accept", "Accord"),
            SelectChoice("reject", "Rejet"),
            SelectChoice("adjourn", "Ajournement"),
        ],
    )
    amount_state = StringField(
        "Montant accordé par l'État (rectorat)",
        description="En euros, par exemple 2 500,00 ; au plus le montant demandé",
    )
    amount_region = StringField(
        "Montant accordé par la Région",
        description="En euros, par exemple 2 500,00 ; au plus le montant demandé",
    )
    motivation = TextAreaField("Motivation (obligatoire pour un rejet, lue par l'établissement)")


class ValidateForm(PortalForm):
    institution = HiddenField()


class DeputyForm(PortalForm):
    deputy_id = SelectField(
        "Suppléant",
        description="Un co-pilote de la même institution ; il valide les propositions à votre "
        "place quand vous êtes en conflit d'intérêts ou absent.",
        validate_choice=False,  # the service says why a person cannot be named
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.deputy_id.choices = [SelectChoice("", "— Choisir —")] + [
            SelectChoice(str(p.id), f"{p.full_name} ({p.email})") for p in people
        ]


class SendBackForm(PortalForm):
    comment = TextAreaField("Motif du renvoi en commission")


class PublishForm(PortalForm):
    pass


class EnvelopeForm(Form):
    """The envelopes typed on the session page (GET parameters, nothing stored)."""

    enveloppe_etat = StringField(
        "Enveloppe de l'État (rectorat)", description="En euros, par exemple 150 000"
    )
    enveloppe_region = StringField(
        "Enveloppe de la Région", description="En euros, par exemple 150 000"
    )


class PhaseEndsForm(PortalForm):
    """When each phase ends (Paris time); empty: no end date."""

    ends_independent_scoring = StringField("Fin de l'évaluation individuelle")
    ends_deliberation = StringField("Fin de la délibération")
    ends_decision = StringField("Fin de la décision")

    def fill(self, rows) -> None:
        from portal.formatting import to_paris

        for phase in rows:
            if phase.ends_at is not None:
                field = getattr(self, f"ends_{phase.kind.value}")
                field.data = to_paris(phase.ends_at).strftime("%Y-%m-%dT%H:%M")

    def values(self) -> dict:
        return {
            kind: getattr(self, f"ends_{kind}").data
            for kind in ("independent_scoring", "deliberation", "decision")
        }


class NoteForm(PortalForm):
    body = TextAreaField(
        "Nouvelle note interne",
        description="Visible du gestionnaire de l'appel, des co-pilotes et des évaluateurs "
        "affectés ; jamais de l'établissement. 5 000 caractères au plus.",
    )
