"""Outcomes pages: public pages, no login (`opendata`: the subsidies as open data;
`public_calls`: the open calls; `catalogue`: the practices; `letter_public`, `letter_subscription`:
the Lettre's archive and subscriptions; `sitemap`: /sitemap.xml and /robots.txt); signed-in pages: `dashboard` (the outcome dashboard),
`sheets` (the coordinator's practice sheets), `letter_compose` (the coordinator's Lettre).

Thin views: parse, call a service, render; public answers carry a cache lifetime.
"""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)

from . import (  # noqa: E402,F401
    catalogue,
    dashboard,
    letter_compose,
    letter_public,
    letter_subscription,
    opendata,
    public_calls,
    sheets,
    sitemap,
)
