"""Administration pages of the FOQUALE networks: the list, a new network, a network's page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.db import db
from portal.errors import ServiceError
from portal.models import Network
from portal.permissions import Permission, require
from portal.web import REFUSED

from . import networks as services
from .forms import NetworkForm
from .views import _attach_errors, bp


@bp.get("/reseaux")
@login_required
def networks():
    require(current_user, Permission.MANAGE_ESTABLISHMENTS)
    return render_template("admin/networks.html", rows=services.list_networks())


def _page(network: Network | None):
    require(current_user, Permission.MANAGE_ESTABLISHMENTS)
    form = NetworkForm()
    if network is not None and request.method == "GET":
        form.name.data = network.name
        form.department_code.data = network.department_code
        form.members.data = "\n".join(e.uai for e in services.members_of(network))
    summary = []
    if request.method == "POST":
        try:
            form.check_input()
            saved = services.save_network(
                current_user,
                network,
                {
                    "name": form.name.data,
                    "department_code": form.department_code.data,
                    "members": form.members.data,
                },
            )
        except ServiceError as exc:
            db.session.rollback()
            summary = _attach_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Le réseau « {saved.name} » est enregistré.", "success")
            return redirect(url_for("admin.networks"))
    return render_template(
        "admin/network_form.html", form=form, network=network, summary=summary
    ), (REFUSED if summary else 200)


@bp.route("/reseaux/nouveau", methods=["GET", "POST"])
@login_required
def new_network():
    return _page(None)


@bp.route("/reseaux/<int:network_id>", methods=["GET", "POST"])
@login_required
def edit_network(network_id: int):
    require(current_user, Permission.MANAGE_ESTABLISHMENTS)
    return _page(db.session.get(Network, network_id) or abort(404))
