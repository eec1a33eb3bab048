"""Forms of the administration area: invitations, establishments, FOQUALE networks."""

from wtforms import (
    EmailField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.models import (
    ACADEMY_DEPARTMENTS,
    INSTITUTION_LABELS,
    INSTITUTIONAL_ROLES,
    KIND_LABELS,
    ROLE_LABELS,
    Role,
)

from ..forms import PortalForm


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def role_choices() -> list[SelectChoice]:
    """'applicant_head', 'reviewer:region'… with their French labels, as parse_grants reads them."""
    out = []
    for role in Role:
        if role in INSTITUTIONAL_ROLES:
            out += [
                (f"{role.value}:{inst.value}", f"{ROLE_LABELS[role]} — {label}")
                for inst, label in INSTITUTION_LABELS.items()
            ]
        else:
            out.append((role.value, ROLE_LABELS[role]))
    return choices(out)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InviteForm(PortalForm):
    email = EmailField(
        "Adresse électronique",
        validators=[
            DataRequired("Indiquez l'adresse électronique de la personne."),
            Length(max=200),
        ],
    )
    full_name = StringField(
        "Prénom et nom",
        validators=[DataRequired("Indiquez le nom de la personne."), Length(max=200)],
    )
    roles = MultiCheckboxField(
        "Rôles",
        choices=role_choices(),
        validators=[DataRequired("Cochez au moins un rôle.")],
        invalid_choice_message="Choisissez les rôles dans la liste.",
    )
    uai = StringField(
        "UAI de l'établissement",
        description="Obligatoire pour un personnel ou un chef d'établissement, "
        "par exemple 0860034V.",
        validators=[Optional(), Length(max=20)],
    )


PRIORITY_CHOICES = [("", "Aucune"), ("REP", "REP"), ("REP+", "REP+")]
SECTOR_CHOICES = [("public", "Public"), ("private", "Privé sous contrat")]


class EstablishmentForm(PortalForm):
    uai = StringField(
        "UAI",
        description="7 chiffres et une lettre de contrôle, par exemple 0860034V.",
        validators=[DataRequired("Indiquez l'UAI de l'établissement."), Length(max=20)],
    )
    name = StringField(
        "Nom", validators=[DataRequired("Indiquez le nom de l'établissement."), Length(max=200)]
    )
    kind = SelectField(
        "Type d'établissement",
        choices=choices((k.value, label) for k, label in KIND_LABELS.items()),
        validators=[DataRequired("Choisissez le type d'établissement.")],
        invalid_choice_message="Choisissez un type d'établissement de la liste.",
    )
    sector = SelectField(
        "Secteur",
        choices=choices(SECTOR_CHOICES),
        validators=[DataRequired("Choisissez le secteur.")],
        invalid_choice_message="Choisissez « Public » ou « Privé sous contrat ».",
    )
    department_code = SelectField(
        "Département",
        choices=choices((code, f"{code} — {name}") for code, name in ACADEMY_DEPARTMENTS.items()),
        validators=[DataRequired("Choisissez le département.")],
        invalid_choice_message="Choisissez l'un des quatre départements de l'académie.",
    )
    commune = StringField("Commune", validators=[Optional(), Length(max=120)])
    email = EmailField(
        "Adresse électronique de l'établissement",
        validators=[
            Optional(),
            Email("Cette adresse électronique n'est pas valide."),
            Length(max=200),
        ],
    )
    network_id = SelectField("Réseau FOQUALE", choices=[], validate_choice=False)
    priority_education = SelectField(
        "Éducation prioritaire",
        choices=choices(PRIORITY_CHOICES),
        invalid_choice_message="Choisissez « Aucune », « REP » ou « REP+ ».",
    )
    siret = StringField(
        "SIRET de l'établissement",
        description="14 chiffres, pour un établissement public (EPLE) : il est le bénéficiaire.",
        validators=[Optional(), Length(max=20)],
    )
    managing_body_name = StringField(
        "Organisme gestionnaire",
        description="Lycée privé sous contrat, MFR : l'organisme qui signe la convention "
        "(association, OGEC…).",
        validators=[Optional(), Length(max=200)],
    )
    managing_body_siret = StringField(
        "SIRET de l'organisme gestionnaire", validators=[Optional(), Length(max=20)]
    )
    managing_body_rna = StringField(
        "Numéro RNA de l'organisme gestionnaire",
        description="Pour une association : W suivi de 9 chiffres.",
        validators=[Optional(), Length(max=12)],
    )
    legal_representative = StringField(
        "Représentant légal de l'organisme gestionnaire",
        description="Nom et qualité, par exemple « Mme Claire Martin, présidente ».",
        validators=[Optional(), Length(max=200)],
    )
    # The version the person started from: a save over someone else's newer one is refused.
    version = HiddenField()


class UserAccessForm(PortalForm):
    """A user's roles (each institutional role for the State or the Région) and establishment."""

    roles = MultiCheckboxField(
        "Rôles",
        choices=role_choices(),
        # The service checks each value and says what is wrong, tied to this field.
        validate_choice=False,
    )
    uai = StringField(
        "UAI de l'établissement",
        description="Obligatoire pour un personnel ou un chef d'établissement, "
        "par exemple 0860034V. Laissez vide pour un compte sans établissement.",
        validators=[Optional(), Length(max=20)],
    )


EMPTY = [SelectChoice("", "— Choisir —")]


class NetworkForm(PortalForm):
    name = StringField("Nom du réseau", validators=[Length(max=120)])
    department_code = SelectField(
        "Département",
        choices=EMPTY
        + choices((code, f"{code} — {name}") for code, name in ACADEMY_DEPARTMENTS.items()),
        validate_choice=False,  # the service says which départements a network may have
    )
    members = TextAreaField(
        "Établissements membres",
        description="Leurs UAI, un par ligne (ou séparés par des virgules), tous du département "
        "du réseau.",
    )
