"""Outcomes pages: public pages, no login (`opendata`: the subsidies as open data;
`public_calls`: the open calls); `dashboard`: the outcome dashboard (signed-in readers).

Thin views: parse, call a service, render; public answers carry a cache lifetime.
"""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)

from . import (  # noqa: E402,F401
    dashboard,
    letter_compose,
    letter_public,
    letter_subscription,
    opendata,
    public_calls,
)
