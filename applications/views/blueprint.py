"""The area's one blueprint: every dossier page lives under /dossiers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("applications", __name__, url_prefix="/dossiers")
