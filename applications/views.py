"""Dossier pages (placeholder until built)."""
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("applications", __name__, url_prefix="/dossiers")


@bp.get("/")
@login_required
def index():
    return "dossiers"


@bp.get("/deposes")
@login_required
def submitted():
    return "déposés"
