"""Permission-matrix entries of the FOQUALE network pages: the platform administrator only."""

from __future__ import annotations

from portal.db import db
from portal.models import Network


def _network(o):
    network = getattr(o, "network", None)
    if network is None:
        network = o.network = Network(name="FOQUALE de la matrice", department_code="86")
        db.session.add(network)
        db.session.flush()
    return network


MATRIX_ENTRIES = {
    ("admin.networks", "GET"): (lambda o: "/admin/reseaux", {"admin"}, None),
    ("admin.new_network", "GET"): (lambda o: "/admin/reseaux/nouveau", {"admin"}, None),
    ("admin.new_network", "POST"): (lambda o: "/admin/reseaux/nouveau", {"admin"}, lambda o: {}),
    ("admin.edit_network", "GET"): (
        lambda o: f"/admin/reseaux/{_network(o).id}",
        {"admin"},
        None,
    ),
    ("admin.edit_network", "POST"): (
        lambda o: f"/admin/reseaux/{_network(o).id}",
        {"admin"},
        lambda o: {},
    ),
}
