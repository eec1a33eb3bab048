"""The frame's public pages (no login): accessibility statement, legal notice, personal data,
site map. They are linked from every page's footer."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("pages", __name__)


def _contact() -> str:
    return current_app.config.get("CONTACT_EMAIL") or current_app.config["MAIL_FROM"]


@bp.get("/accessibilite")
def accessibility():
    return render_template("pages/accessibility.html", contact=_contact())


@bp.get("/mentions-legales")
def legal_notice():
    return render_template("pages/legal_notice.html", contact=_contact())


@bp.get("/donnees-personnelles")
def personal_data():
    config = current_app.config
    return render_template(
        "pages/personal_data.html",
        contact=_contact(),
        reset_hours=config["RESET_TOKEN_HOURS"],
        invitation_days=config["INVITATION_TOKEN_DAYS"],
        known_address_days=config["LOGIN_KNOWN_ADDRESS_DAYS"],
    )


@bp.get("/plan-du-site")
def site_map():
    return render_template("pages/site_map.html")
