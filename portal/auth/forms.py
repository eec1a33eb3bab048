"""Forms of the auth area: login (password, then the second factor's code), forgotten password,
choosing a password through a link, managing the second factor."""

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.forms import PortalForm

from .services import MIN_PASSWORD


class LoginForm(PortalForm):
    email = EmailField(
        "Adresse électronique", validators=[DataRequired("Indiquez votre adresse électronique.")]
    )
    password = PasswordField(
        "Mot de passe", validators=[DataRequired("Indiquez votre mot de passe.")]
    )


class ForgotPasswordForm(PortalForm):
    email = EmailField(
        "Adresse électronique",
        description="L'adresse avec laquelle vous vous connectez.",
        validators=[DataRequired("Indiquez votre adresse électronique.")],
    )


class SetPasswordForm(PortalForm):
    password = PasswordField(
        "Nouveau mot de passe",
        description=f"Au moins {MIN_PASSWORD} caractères.",
        validators=[
            DataRequired("Choisissez un mot de passe."),
            Length(
                min=MIN_PASSWORD,
                message=f"Le mot de passe doit comporter au moins {MIN_PASSWORD} caractères.",
            ),
        ],
    )
    confirm = PasswordField(
        "Confirmez le mot de passe",
        validators=[
            DataRequired("Saisissez le mot de passe une seconde fois."),
            EqualTo("password", "Les deux mots de passe ne sont pas identiques."),
        ],
    )


class LoginCodeForm(PortalForm):
    code = StringField(
        "Code de vérification",
        description="Les 6 chiffres affichés par votre application d'authentification, ou l'un "
        "de vos codes de secours.",
        validators=[DataRequired("Saisissez le code de votre application ou un code de secours.")],
    )


class TotpEnrolForm(PortalForm):
    code = StringField(
        "Code à 6 chiffres",
        description="Le code affiché par l'application après l'ajout de la clé.",
        validators=[DataRequired("Saisissez le code affiché par votre application.")],
    )


_PROOF = "Un code à 6 chiffres de votre application, ou votre mot de passe."
_PROOF_MISSING = "Saisissez un code de votre application ou votre mot de passe."


class TotpDisableForm(PortalForm):
    proof = PasswordField(
        "Code ou mot de passe",
        id="disable-proof",
        description=_PROOF,
        validators=[DataRequired(_PROOF_MISSING)],
    )


class RecoveryCodesForm(PortalForm):
    proof = PasswordField(
        "Code ou mot de passe",
        id="renew-proof",
        description=_PROOF,
        validators=[DataRequired(_PROOF_MISSING)],
    )
