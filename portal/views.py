"""Home: each role lands on its own page."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    return render_template("home.html")
