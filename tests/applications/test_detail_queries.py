"""The dossier page loads what it shows with the dossier: its statements do not grow with the
dossier's labels, nor with the labels defined for its call and the others."""

from __future__ import annotations

from applications import services
from portal.db import db

from ..conftest import login
from ..helpers import count_queries
from .helpers_office import submitted


def _statements(client, dossier_id: int) -> tuple[int, str]:
    client.get(f"/dossiers/{dossier_id}")  # warm-up
    db.session.expire_all()
    with count_queries() as statements:
        response = client.get(f"/dossiers/{dossier_id}")
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_the_dossier_page_costs_the_same_with_more_labels(client, world, factory):
    plain = submitted(world, factory, title="Sans étiquette")
    labelled = submitted(world, factory, title="Étiqueté")
    names = ["à relancer", "partenariat à vérifier", "budget à revoir"]
    for name in names:
        services.set_label(
            world.call_admin, labelled, services.create_label(world.call_admin, name)
        )
    db.session.commit()
    login(client, world.call_admin)
    few, plain_page = _statements(client, plain.id)
    many, page = _statements(client, labelled.id)
    assert few == many, (few, many)
    assert "Aucune étiquette." in plain_page
    for name in names:  # set on the dossier, and offered by the form
        assert f"Retirer l'étiquette {name}" in page.replace("&#39;", "'")
        assert f">{name}</option>" in page
