"""Login, logout, forgotten password, and the one-time links (reset, invitation)."""
from __future__ import annotations

import logging
import re
from urllib.parse import unquote, urlsplit

from flask import (Blueprint, abort, current_app, flash, make_response, redirect, render_template,
                   request, session, url_for)
from flask_login import login_user, logout_user

from portal import audit
from portal.db import db
from portal.errors import ServiceError
from portal.extensions import limiter

from . import services, throttle
from .forms import ForgotPasswordForm, LoginForm, SetPasswordForm

bp = Blueprint("auth", __name__)
# Several gunicorn workers on memory:// storage would each count on their own: say so loudly.
bp.record_once(lambda state: throttle.check_storage(state.app.config))
log = logging.getLogger("portal.security")

FORGOT_CONFIRMATION = ("Si un compte correspond à cette adresse, un courriel vient de lui être "
                       "envoyé avec un lien pour choisir un nouveau mot de passe. Pensez à "
                       "regarder dans les indésirables.")


def _login_limit() -> str:
    return current_app.config.get("LOGIN_RATE_LIMIT") or "5 per minute;30 per hour"


# What a local `next` may hold: a path (and query) of printable ASCII, nothing a header or a
# browser could read as another host or a script.
_SAFE_NEXT = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*")


def _safe_next(target: str | None) -> str | None:
    """Only a path of this site, else None (the user lands on their home).

    Refused: a scheme or host (`https://…`, `javascript:`), the protocol-relative `//host` trick,
    backslashes, control characters (CR/LF would break the Location header), whitespace and
    non-ASCII; also once percent-decoded, so `/%2F%2Fhost` or `/%0d%0a…` do not slip through.
    """
    if not target or len(target) > 2000 or not _SAFE_NEXT.fullmatch(target):
        return None
    for text in (target, unquote(target)):
        if (text.startswith("//") or "\\" in text
                or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        if throttle.refused(email):  # per account and per address; see auth/throttle.py
            log.warning("throttled login for %r from %s", email[:200], request.remote_addr)
            abort(429)
        user = services.authenticate(email, form.password.data)
        if user is not None:
            throttle.succeeded(email)
            _start_session(user)
            audit.record(user, "login", user, {})
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
        throttle.failed(email)  # only failed attempts count
        log.warning("failed login for %r from %s", email[:200], request.remote_addr)
        form.password.errors = ["Adresse électronique ou mot de passe incorrect."]
        return render_template("auth/login.html", form=form), 200
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def _start_session(user) -> None:
    """Log the user in on a fresh server-side session row (revoked again by logout)."""
    session.pop(services.SESSION_KEY, None)
    login_user(user)
    session[services.SESSION_KEY] = services.open_session(user, request.user_agent.string)


@bp.post("/deconnexion")
def logout():
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
        response = make_response(render_template("auth/forgot.html", form=form, sent=True,
                                                 confirmation=FORGOT_CONFIRMATION))
        response.call_on_close(services.reset_after_response(current_app._get_current_object(),
                                                             form.email.data))
        return response
    return render_template("auth/forgot.html", form=form, sent=False), 400 if form.errors else 200


def _link_page(token: str, purpose: str):
    """Shared by the reset and invitation links: check the link, then set the password."""
    titles = {"reset": "Choisir un nouveau mot de passe",
              "invitation": "Activer votre compte"}
    try:
        row = services.check_link_token(token, purpose)
    except ServiceError as exc:  # nothing was changed: no rollback needed
        return render_template("auth/set_password.html", title=titles[purpose], form=None,
                               link_error=exc.message, purpose=purpose), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.consume_link_token(token, purpose, form.password.data)
        except ServiceError as exc:
            db.session.rollback()
            form.password.errors = [exc.message]
        else:
            if purpose == "invitation":
                _start_session(user)
                audit.record(user, "login", user, {"via": "invitation"})
                db.session.commit()
                flash("Votre compte est activé. Bienvenue sur le portail.", "success")
                return redirect(url_for("main.home"))
            db.session.commit()
            flash("Votre mot de passe a été changé. Connectez-vous avec le nouveau mot de passe.",
                  "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", title=titles[purpose], form=form,
                           user=row.user, link_error=None, purpose=purpose), \
        400 if form.errors else 200


@bp.route("/reinitialiser/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _link_page(token, "reset")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _link_page(token, "invitation")
