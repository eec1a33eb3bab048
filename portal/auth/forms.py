"""Forms of the auth area: login, forgotten password, choosing a password through a link."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from .services import MIN_PASSWORD


class LoginForm(FlaskForm):
    email = EmailField("Adresse électronique",
                       validators=[DataRequired("Indiquez votre adresse électronique.")])
    password = PasswordField("Mot de passe",
                             validators=[DataRequired("Indiquez votre mot de passe.")])


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Adresse électronique",
                       description="L'adresse avec laquelle vous vous connectez.",
                       validators=[DataRequired("Indiquez votre adresse électronique.")])


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "Nouveau mot de passe", description=f"Au moins {MIN_PASSWORD} caractères.",
        validators=[DataRequired("Choisissez un mot de passe."),
                    Length(min=MIN_PASSWORD, message=f"Le mot de passe doit comporter au moins "
                                                     f"{MIN_PASSWORD} caractères.")])
    confirm = PasswordField(
        "Confirmez le mot de passe",
        validators=[DataRequired("Saisissez le mot de passe une seconde fois."),
                    EqualTo("password", "Les deux mots de passe ne sont pas identiques.")])
