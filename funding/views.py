"""Funding pages (/financement). Routes live in views_*.py modules, registered on this blueprint."""
from flask import Blueprint

bp = Blueprint("funding", __name__, url_prefix="/financement")

from . import views_budget, views_grants, views_money  # noqa: E402,F401
