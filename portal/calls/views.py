"""Call set-up by call administrators (placeholder until built)."""
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("calls", __name__, url_prefix="/appels")


@bp.get("/")
@login_required
def index():
    return "appels"
