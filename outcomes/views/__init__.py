"""Outcomes pages: public pages, no login (`opendata`: the subsidies as open data;
`public_calls`: the open calls); `dashboard`: the outcome dashboard (signed-in readers).

Thin views: parse, call a service, render; public answers carry a cache lifetime.
"""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)

from . import dashboard, opendata, public_calls  # noqa: E402,F401
