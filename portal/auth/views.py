"""Login, logout (placeholder until the auth area is built)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from portal.db import db

from . import services

bp = Blueprint("auth", __name__)


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        user = services.authenticate(request.form.get("email", ""), request.form.get("password", ""))
        if user:
            login_user(user)
            db.session.commit()
            return redirect(url_for("main.home"))
        flash("Adresse électronique ou mot de passe incorrect.", "error")
    return render_template("auth/login.html")


@bp.post("/deconnexion")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
