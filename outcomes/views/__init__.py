"""Outcomes pages: public pages, no login (`opendata`: the subsidies as open data).

Thin views: parse, call a service, render; public answers carry a cache lifetime.
"""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)

from . import opendata  # noqa: E402,F401
