"""FOQUALE networks administered in the portal: name, département, member establishments (of
that département); every refusal tied to its field, nothing changed; audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.admin import networks
from portal.db import db
from portal.errors import PermissionDenied, ServiceError
from portal.models import AuditEvent, Establishment, Network

from ..conftest import login


def _data(**overrides):
    return {"name": "FOQUALE Poitiers", "department_code": "86", "members": "", **overrides}


def test_a_network_is_created_with_its_members_and_audited(world, factory):
    a = factory.establishment(name="Lycée Vienne 1", department="86")
    b = factory.establishment(name="Lycée Vienne 2", department="86")
    network = networks.save_network(
        world.admin, None, _data(members=f"{a.uai.lower()}\n{b.uai}, {a.uai}")
    )
    assert {e.id for e in networks.members_of(network)} == {a.id, b.id}
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "network_created"))
    assert event.changes["members"] == [None, sorted([a.uai, b.uai])]
    # Changing the members takes one out.
    networks.save_network(world.admin, network, _data(members=b.uai))
    assert [e.id for e in networks.members_of(network)] == [b.id]
    assert db.session.get(Establishment, a.id).network_id is None


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"name": ""}, "name", "Indiquez le nom"),
        ({"name": "x" * 121}, "name", "au plus 120"),
        ({"department_code": "75"}, "department_code", "quatre départements"),
        ({"members": "0000000Z"}, "members", "UAI inconnus"),
    ],
)
def test_a_refused_network_names_the_field_and_changes_nothing(world, overrides, field, message):
    before = db.session.scalar(select(func.count(Network.id)))
    with pytest.raises(ServiceError) as refused:
        networks.save_network(world.admin, None, _data(**overrides))
    assert message in refused.value.errors[field]
    assert db.session.scalar(select(func.count(Network.id))) == before


def test_members_belong_to_the_networks_department(world, factory):
    other = factory.establishment(name="Lycée Charente-Maritime", department="17")
    with pytest.raises(ServiceError) as refused:
        networks.save_network(world.admin, None, _data(members=other.uai))
    assert "son département" in refused.value.errors["members"]
    assert "Lycée Charente-Maritime" in refused.value.errors["members"]
    assert db.session.get(Establishment, other.id).network_id is None


def test_names_are_unique_whatever_the_case(world):
    networks.save_network(world.admin, None, _data())
    with pytest.raises(ServiceError) as refused:
        networks.save_network(world.admin, None, _data(name="foquale poitiers"))
    assert "déjà" in refused.value.errors["name"]


def test_only_the_administrator_manages_networks(world):
    with pytest.raises(PermissionDenied):
        networks.save_network(world.call_admin, None, _data())


def test_the_pages_list_create_and_refuse(client, world, factory):
    est = factory.establishment(name="Lycée du réseau", department="86")
    login(client, world.admin)
    page = client.get("/admin/reseaux/nouveau").get_data(as_text=True)
    assert 'name="csrf_token"' in page and "Établissements membres" in page
    response = client.post(
        "/admin/reseaux/nouveau", data={"name": "", "department_code": "86", "members": "nope"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="name-error"' in page and 'id="members-error"' in page
    response = client.post(
        "/admin/reseaux/nouveau",
        data={"name": "FOQUALE Châtellerault", "department_code": "86", "members": est.uai},
    )
    assert response.status_code == 302
    network = db.session.scalar(select(Network).where(Network.name == "FOQUALE Châtellerault"))
    page = client.get("/admin/reseaux").get_data(as_text=True)
    assert "FOQUALE Châtellerault" in page and "Lycée du réseau" in page
    page = client.get(f"/admin/reseaux/{network.id}").get_data(as_text=True)
    assert est.uai in page
    assert client.get("/admin/reseaux/999999").status_code == 404
