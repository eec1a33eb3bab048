"""Administration: establishments and users (placeholder until built)."""
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/etablissements")
@login_required
def establishments():
    return "établissements"


@bp.get("/utilisateurs")
@login_required
def users():
    return "utilisateurs"
