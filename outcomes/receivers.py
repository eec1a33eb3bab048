"""What the outcomes area answers to the kernel's signals: the account page's offer of the Lettre
(portal.signals.account_links) and the coordinator's home section (portal.signals.home_sections):
the practice sheets by state (one query)."""

from __future__ import annotations

from flask import url_for

from portal.models import Role

from .services import catalogue_sheets


def account_links(user, **_) -> list[dict]:
    """The account page offers La Lettre de la MLDS (subscribe or unsubscribe the account)."""
    return [
        {
            "title": "La Lettre de la MLDS",
            "label": "Mon abonnement à la Lettre",
            "text": "la recevoir par courriel à l'adresse de votre compte, ou ne plus la recevoir.",
            "url": url_for("outcomes.letter_account"),
        }
    ]


def home_sections(user, **_) -> dict:
    if not user.has_role(Role.coordinator):
        return {}
    return {"coordinator": {"sheets": catalogue_sheets.counts()}}
