"""/lettre/abonnement: subscribe (anyone; double opt-in), confirm, unsubscribe in one click, and
the account's own subscription.

The unsubscribe address is the one the mails carry in List-Unsubscribe: a GET shows a button (a
link scanner opening it changes nothing), a POST unsubscribes — the mail client's one-click post
(RFC 8058, body « List-Unsubscribe=One-Click ») carries no CSRF token, so that view is exempt:
the unguessable token in the address is the proof.
"""

from __future__ import annotations

import functools

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from portal.db import db
from portal.errors import ServiceError
from portal.extensions import csrf, limiter
from portal.web import REFUSED, done, form_summary, refused

from ..forms import ActionForm, SubscribeForm
from ..services import letter_subscribers as subs
from . import bp


def _private(view):
    """These pages carry a CSRF token or the subscriber's address: never in a shared cache."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapper


def _limit() -> str:
    return current_app.config.get("LETTER_RATE_LIMIT") or "5 per minute;30 per hour"


@bp.route("/lettre/abonnement", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])  # no mail bombing through this form
@_private
def letter_subscribe():
    form = SubscribeForm()
    if not form.is_submitted():
        return render_template("outcomes/letter/subscribe.html", form=form, sent=False)
    if not form.validate():
        return render_template(
            "outcomes/letter/subscribe.html", form=form, sent=False,
            form_errors=form_summary(form),
        ), REFUSED  # fmt: skip
    try:
        subs.subscribe(form.email.data)
    except ServiceError as exc:
        return render_template(
            "outcomes/letter/subscribe.html", form=form, sent=False,
            form_errors=refused(exc, form),
        ), REFUSED  # fmt: skip
    db.session.commit()
    return render_template(
        "outcomes/letter/subscribe.html", form=SubscribeForm(formdata=None), sent=True,
        message=subs.SENT,
    )  # fmt: skip


def _bad_link():
    db.session.rollback()
    return render_template("outcomes/letter/link.html", error=subs.BAD_LINK), 404


@bp.route("/lettre/abonnement/confirmer/<token>", methods=["GET", "POST"])
@_private
def letter_confirm(token: str):
    try:
        sub = subs.subscriber_of_confirmation(token)
    except ServiceError:
        return _bad_link()
    form = ActionForm()
    if request.method == "POST" and form.validate():
        subs.confirm(token)
        return done(
            "Votre abonnement à La Lettre de la MLDS est confirmé.", url_for("outcomes.letters")
        )
    return render_template("outcomes/letter/link.html", kind="confirm", email=sub.email, form=form)


@bp.route("/lettre/desabonnement/<token>", methods=["GET", "POST"])
@csrf.exempt
@_private
def letter_unsubscribe(token: str):
    try:
        sub = subs.subscriber_of_unsubscribe(token)
    except ServiceError:
        return _bad_link()
    if request.method == "POST":
        subs.unsubscribe(token)
        db.session.commit()
        return render_template("outcomes/letter/link.html", kind="done", email=sub.email)
    return render_template(
        "outcomes/letter/link.html", kind="unsubscribe", email=sub.email, form=ActionForm()
    )


@bp.route("/lettre/abonnement/compte", methods=["GET", "POST"])
@login_required
def letter_account():
    form = ActionForm()
    if request.method == "POST" and form.validate():
        if request.form.get("subscribe") == "1":
            subs.subscribe_account(current_user)
            return done(
                "Vous êtes abonné à La Lettre de la MLDS.", url_for("outcomes.letter_account")
            )
        subs.unsubscribe_account(current_user)
        return done(
            "Vous ne recevrez plus La Lettre de la MLDS.", url_for("outcomes.letter_account")
        )
    if request.method == "POST":
        flash("Le formulaire a expiré : recommencez.", "error")
        return redirect(url_for("outcomes.letter_account"))
    sub = subs.of_user(current_user)
    return render_template(
        "outcomes/letter/account.html", subscribed=bool(sub and sub.status == "confirmed"),
        form=form,
    )  # fmt: skip
