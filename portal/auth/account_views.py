"""The account space: the person's own account and their second factor (enrol, disable, renew
the recovery codes). Every form is a Flask-WTF form (CSRF); every refusal changes nothing."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.db import db
from portal.errors import ServiceError
from portal.signals import account_links, answers
from portal.web import done, form_summary, refused, status_of

from . import throttle, totp
from .blueprint import bp
from .forms import RecoveryCodesForm, TotpDisableForm, TotpEnrolForm

log = logging.getLogger("portal.security")


def _account_page(disable_form=None, renew_form=None, form_errors=None, status: int = 200):
    user = current_user
    factor = totp.factor_of(user)
    return render_template(
        "auth/account.html",
        factor=factor,
        required=totp.required_for(user),
        remaining=totp.remaining_recovery_codes(user) if factor else 0,
        disable_form=disable_form or TotpDisableForm(formdata=None),
        renew_form=renew_form or RecoveryCodesForm(formdata=None),
        form_errors=form_errors,
        links=[link for found in answers(account_links, user) for link in found],
    ), status


@bp.get("/compte/")
@login_required
def account():
    return _account_page()


def _enrol_page(form, form_errors=None, status: int = 200):
    secret = totp.pending_secret(current_user)
    db.session.commit()  # the pending secret stays the same across reloads until confirmed
    return render_template(
        "auth/totp_enrol.html",
        form=form,
        secret=totp.grouped(secret),
        qr=totp.qr_svg(totp.provisioning_uri(current_user, secret)),
        required=totp.required_for(current_user),
        form_errors=form_errors,
    ), status


@bp.route("/compte/double-authentification", methods=["GET", "POST"])
@login_required
def totp_enrol():
    if totp.is_enabled(current_user):
        flash("La double authentification est déjà activée sur votre compte.", "info")
        return redirect(url_for("auth.account"))
    form = TotpEnrolForm()
    if not form.validate_on_submit():
        return _enrol_page(form, form_summary(form), 400 if form.errors else 200)
    try:
        codes = totp.confirm_enrolment(current_user, form.code.data)
    except ServiceError as exc:
        return _enrol_page(form, refused(exc, form), status_of(exc))
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, enrolled=True)


def _proof_refused(exc: ServiceError) -> None:
    """A wrong code or password counts as a failed login attempt (throttle.py)."""
    if exc.field == "proof":
        throttle.failed(current_user.email)
        log.warning(
            "wrong second-factor proof for user %s from %s", current_user.id, request.remote_addr
        )


def _with_proof(form, slot: str, action):
    """Run `action(user, proof)` once the form is valid and the attempt not throttled; a refused
    form or proof renders the account page again (nothing changed), else (True, the result)."""
    if not form.validate_on_submit():
        return False, _account_page(**{slot: form}, form_errors=form_summary(form), status=400)
    if throttle.refused(current_user.email):
        abort(429)
    try:
        return True, action(current_user, form.proof.data)
    except ServiceError as exc:
        _proof_refused(exc)
        return False, _account_page(
            **{slot: form}, form_errors=refused(exc, form), status=status_of(exc)
        )


@bp.post("/compte/double-authentification/desactiver")
@login_required
def totp_disable():
    ok, answer = _with_proof(TotpDisableForm(), "disable_form", totp.disable)
    if not ok:
        return answer
    return done(
        "La double authentification est désactivée sur votre compte.", url_for("auth.account")
    )


@bp.post("/compte/double-authentification/codes-de-secours")
@login_required
def totp_recovery_codes():
    ok, answer = _with_proof(RecoveryCodesForm(), "renew_form", totp.regenerate_recovery_codes)
    if not ok:
        return answer
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=answer, enrolled=False)
