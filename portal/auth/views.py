"""Login, logout, forgotten password, and the one-time links (reset, invitation)."""

from __future__ import annotations

import logging

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user

from portal import audit
from portal.db import db
from portal.errors import ServiceError
from portal.extensions import limiter

from . import (  # noqa: F401  (routes)
    account_views,
    login_flow,
    notification_views,
    services,
    throttle,
    totp,
)
from .blueprint import bp
from .forms import ForgotPasswordForm, LoginCodeForm, LoginForm, SetPasswordForm

log = logging.getLogger("portal.security")

FORGOT_CONFIRMATION = (
    "Si un compte correspond à cette adresse, un courriel vient de lui être "
    "envoyé avec un lien pour choisir un nouveau mot de passe. Pensez à "
    "regarder dans les indésirables."
)


def _login_limit() -> str:
    return current_app.config.get("LOGIN_RATE_LIMIT") or "5 per minute;30 per hour"


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        if throttle.refused(email):  # per account and per address; see auth/throttle.py
            log.warning("throttled login for %r from %s", email[:200], request.remote_addr)
            abort(429)
        user = services.authenticate(email, form.password.data)
        if user is not None:  # then the second factor's code, if the person has one
            return login_flow.after_password(
                user, login_flow.safe_next(request.args.get("next")), email
            )
        throttle.failed(email)  # only failed attempts count
        log.warning("failed login for %r from %s", email[:200], request.remote_addr)
        form.password.errors = ["Adresse électronique ou mot de passe incorrect."]
        return render_template("auth/login.html", form=form), 200
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/connexion/code", methods=["GET", "POST"])
def login_code():
    """The second step of a login: the code of the person's application, or a recovery code."""
    user, expired = login_flow.pending()
    if user is None:
        if current_user.is_authenticated:
            return redirect(url_for("main.home"))
        if expired:
            flash("Le délai de saisie du code est dépassé : connectez-vous de nouveau.", "warning")
        return redirect(url_for("auth.login"))
    form = LoginCodeForm()
    if form.validate_on_submit():
        if throttle.refused(user.email):  # wrong codes count with wrong passwords
            log.warning("throttled login code for user %s from %s", user.id, request.remote_addr)
            abort(429)
        try:
            used = totp.check_second_factor(user, form.code.data)
        except ServiceError as exc:
            db.session.rollback()
            throttle.failed(user.email)
            log.warning("failed login code for user %s from %s", user.id, request.remote_addr)
            form.code.errors = [exc.message]
            return render_template("auth/login_code.html", form=form), 400
        if used == "recovery_code":
            flash(
                f"Vous vous êtes connecté avec un code de secours : il vous en reste "
                f"{totp.remaining_recovery_codes(user)}. Vous pouvez en générer de nouveaux "
                "depuis « Mon compte ».",
                "warning",
            )
        return login_flow.complete(
            user, login_flow.pending_next(), user.email, {"second_factor": used}
        )
    return render_template("auth/login_code.html", form=form), 400 if form.errors else 200


@bp.post("/deconnexion")
def logout():
    session.pop(login_flow.PENDING_KEY, None)
    services.close_session(session.pop(services.SESSION_KEY, None))
    db.session.commit()
    logout_user()
    flash("Vous êtes déconnecté.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])  # no mail bombing through this form
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # Known or unknown address, the response does the same work (nothing but this page);
        # the lookup, the link and the mail happen once it has gone, so timing tells nothing.
        response = make_response(
            render_template(
                "auth/forgot.html", form=form, sent=True, confirmation=FORGOT_CONFIRMATION
            )
        )
        response.call_on_close(
            services.reset_after_response(current_app._get_current_object(), form.email.data)
        )
        return response
    return render_template("auth/forgot.html", form=form, sent=False), 400 if form.errors else 200


def _link_page(token: str, purpose: str):
    """Shared by the reset and invitation links: check the link, then set the password."""
    titles = {"reset": "Choisir un nouveau mot de passe", "invitation": "Activer votre compte"}
    try:
        row = services.check_link_token(token, purpose)
    except ServiceError as exc:  # nothing was changed: no rollback needed
        return render_template(
            "auth/set_password.html",
            title=titles[purpose],
            form=None,
            link_error=exc.message,
            purpose=purpose,
        ), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.consume_link_token(token, purpose, form.password.data)
        except ServiceError as exc:
            db.session.rollback()
            form.password.errors = [exc.message]
        else:
            if purpose == "invitation" and totp.is_enabled(user):
                db.session.commit()  # the password is set; the login still needs the code
                return login_flow.after_password(user, None, user.email)
            if purpose == "invitation":
                login_flow.start_session(user)
                audit.record(user, "login", user, {"via": "invitation"})
                db.session.commit()
                flash("Votre compte est activé. Bienvenue sur le portail.", "success")
                return redirect(url_for("main.home"))
            db.session.commit()
            flash(
                "Votre mot de passe a été changé. Connectez-vous avec le nouveau mot de passe.",
                "success",
            )
            return redirect(url_for("auth.login"))
    return render_template(
        "auth/set_password.html",
        title=titles[purpose],
        form=form,
        user=row.user,
        link_error=None,
        purpose=purpose,
    ), 400 if form.errors else 200


@bp.route("/reinitialiser/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _link_page(token, "reset")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _link_page(token, "invitation")
