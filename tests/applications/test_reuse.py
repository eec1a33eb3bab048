"""A new dossier started from one of the establishment's previous dossiers: content copied, action
dates and attachments not, budget kept to update; another establishment's dossier is a 404."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from applications import services
from applications.models import Dossier
from portal.db import db
from portal.errors import NotFound
from portal.models import AuditEvent

from ..conftest import PDF_BYTES, login


def _previous(world, factory):
    old = factory.dossier(world.call, world.head_a, complete=True)
    kind = world.call.required_attachment_kinds[0].id
    services.add_attachment(world.head_a, old, "budget.pdf", PDF_BYTES, kind_id=kind)
    db.session.flush()
    return old


def _count():
    return db.session.scalar(select(func.count(Dossier.id)))


def test_the_content_is_copied_but_not_the_dates_nor_the_attachments(world, factory):
    old = _previous(world, factory)
    assert any(a.start_date for a in old.actions)
    new_call = factory.call()
    new = services.create_from_previous(world.staff_a, new_call, old.id)
    assert new.call_id == new_call.id and new.status.value == "draft"
    assert (new.title, new.summary, new.main_axis) == (old.title, old.summary, old.main_axis)
    assert [p.name for p in new.partners] == [p.name for p in old.partners]
    assert [a.title for a in new.actions] == [a.title for a in old.actions]
    assert all(a.start_date is None and a.end_date is None for a in new.actions)
    assert [i.name for i in new.indicators] == [i.name for i in old.indicators]
    assert [(b.category, b.amount) for b in new.budget_lines] == [
        (b.category, b.amount) for b in old.budget_lines
    ]
    assert new.attachments == [] and new.reference is None
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "dossier_copied"))
    assert event.changes == {"from_dossier_id": old.id, "call_id": new_call.id}


def test_another_establishments_dossier_cannot_be_copied(world, factory):
    old = _previous(world, factory)
    before = _count()
    with pytest.raises(NotFound):
        services.create_from_previous(world.head_b, factory.call(), old.id)
    assert _count() == before


def test_the_page_offers_the_establishments_dossiers_only(client, world, factory):
    old = _previous(world, factory)
    theirs = factory.dossier(world.call, world.head_b)
    theirs.title = "Projet du lycée B"
    new_call = factory.call()
    login(client, world.head_a)
    page = client.get(f"/dossiers/nouveau?call_id={new_call.id}").get_data(as_text=True)
    assert "partir d'un dossier précédent" in page.replace("&#39;", "'")
    assert f'value="{old.id}"' in page and "Projet du lycée B" not in page
    response = client.post(
        "/dossiers/nouveau/depuis-un-dossier",
        data={"call_id": new_call.id, "previous_id": old.id},
    )
    assert response.status_code == 302
    copy = db.session.scalar(select(Dossier).where(Dossier.call_id == new_call.id))
    assert copy is not None and copy.title == old.title
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "mettez à jour le budget et les dates" in page


def test_a_refused_copy_is_a_400_on_its_field_or_a_404(client, world, factory):
    old = _previous(world, factory)
    new_call = factory.call()
    before = _count()
    login(client, world.head_a)
    response = client.post(
        "/dossiers/nouveau/depuis-un-dossier", data={"call_id": new_call.id, "previous_id": ""}
    )
    assert response.status_code == 400
    assert 'id="previous_id-error"' in response.get_data(as_text=True)
    login(client, world.head_b)
    response = client.post(
        "/dossiers/nouveau/depuis-un-dossier",
        data={"call_id": new_call.id, "previous_id": old.id},
    )
    assert response.status_code == 404
    assert _count() == before
