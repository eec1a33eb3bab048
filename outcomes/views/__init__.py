"""Outcomes pages: public pages, no login (`opendata`: the subsidies as open data;
`public_calls`: the open calls).

Thin views: parse, call a service, render; public answers carry a cache lifetime.
"""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)

from . import letter_compose, letter_public, letter_subscription, opendata, public_calls  # noqa: E402,F401  # noqa: E402,F401
