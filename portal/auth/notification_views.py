"""« Mes notifications » in the account space: per kind, immediately, a daily digest, or never.
Mandatory kinds (decisions, completion requests) are listed but cannot be changed."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required
from wtforms import RadioField
from wtforms.validators import InputRequired

from portal.forms import PortalForm
from portal.jobs.models import NotificationMode
from portal.jobs.preferences import KINDS, choosable, preferences_of, save_preferences
from portal.web import done, form_summary

from .blueprint import bp


def preferences_form(user, posted: bool):
    """A form with one radio group per choosable kind, preset to the person's choices."""

    class PreferencesForm(PortalForm):
        pass

    for kind, label in choosable():
        setattr(
            PreferencesForm,
            kind,
            RadioField(
                label,
                choices=NotificationMode.choices(),
                validators=[InputRequired("Choisissez quand recevoir ces courriels.")],
            ),
        )
    current = {kind: mode.value for kind, mode in preferences_of(user).items()}
    if posted:
        return PreferencesForm(data=current)  # Flask-WTF reads the posted form
    return PreferencesForm(formdata=None, data=current)


@bp.route("/compte/notifications", methods=["GET", "POST"])
@login_required
def notification_settings():
    form = preferences_form(current_user, request.method == "POST")
    if request.method == "POST":
        if form.validate_on_submit():
            save_preferences(
                current_user,
                {kind: NotificationMode(form[kind].data) for kind, _ in choosable()},
            )
            return done("Vos préférences de notification sont enregistrées.", request.path)
        status = 400
    else:
        status = 200
    mandatory = [label for label, required in KINDS.values() if required]
    return render_template(
        "auth/notifications.html",
        form=form,
        kinds=[kind for kind, _ in choosable()],
        mandatory=mandatory,
        form_errors=form_summary(form) if form.errors else None,
    ), status
