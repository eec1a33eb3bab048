"""The outcomes area's answers to the kernel's signals (portal.signals)."""

from __future__ import annotations

from flask import url_for


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
