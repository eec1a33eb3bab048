"""Outcomes pages: public pages, no login (`opendata`: the subsidies as open data;
`public_calls`: the open calls; `catalogue`: the practices), and the MLDS coordinator's pages
(`sheets`: the practice sheets).

Thin views: parse, call a service, render; public answers carry a cache lifetime.
"""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)

from . import catalogue, opendata, public_calls, sheets  # noqa: E402,F401
