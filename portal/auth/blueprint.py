"""The auth blueprint, and the rule that holds on every page: a role that requires the second
factor (`TOTP_REQUIRED_ROLES`) reaches nothing but enrolment and logout until it is enrolled."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from . import throttle, totp

bp = Blueprint("auth", __name__)
# Several gunicorn workers on memory:// storage would each count on their own: say so loudly.
bp.record_once(lambda state: throttle.check_storage(state.app.config))
# A misspelt role would silently leave that role unprotected: refuse to start instead.
bp.record_once(lambda state: totp.parse_roles(state.app.config.get("TOTP_REQUIRED_ROLES")))

# Reachable without the second factor: enrolling, logging out, the public login pages, files.
EXEMPT = {
    "auth.totp_enrol",
    "auth.logout",
    "auth.login",
    "auth.login_code",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.accept_invitation",
    "static",
}


@bp.before_app_request
def _second_factor_required():
    # The API authenticates each request by its bearer token, never by the browser session.
    if request.blueprint == "api" or request.endpoint in EXEMPT or request.endpoint is None:
        return None
    if not current_user.is_authenticated or not totp.required_for(current_user):
        return None
    if totp.is_enabled(current_user):
        return None
    flash(totp.ENROL_FIRST, "warning")
    return redirect(url_for("auth.totp_enrol"))
