"""A call copied for the next school year: the kernel's parts, the review and funding parts through
the `call_duplicated` signal, the confirmable parts only when ticked; a draft, audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from funding import services as funding
from funding.models import Envelope
from portal.calls import duplication
from portal.db import db
from portal.errors import PermissionDenied, ServiceError
from portal.models import AuditEvent, Call, CallStatus, Institution, Role
from review.models import CommissionMember, Criterion, ReviewPhase, ReviewSettings
from review.services import members as members_svc
from review.services import settings as settings_svc

from ..conftest import login
from ..review.helpers import RULES


def _set_up(world, factory):
    call = world.call
    settings_svc.save_settings(world.call_admin, call, dict(RULES))
    members_svc.add_member(world.call_admin, call, world.copilot.id, "state")
    members_svc.add_member(world.call_admin, call, world.reviewer.id, "region")
    officer = factory.user(Role.budget_officer, institution=Institution.state)
    funding.set_envelope(officer, call, "state", "120000.00")
    db.session.flush()
    return call


def _count(model, call):
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.call_id == call.id)
    )


def test_the_copy_takes_every_part_and_the_confirmed_ones(world, factory):
    source = _set_up(world, factory)
    parts = duplication.duplication_parts(source)
    confirmable = {p["key"] for p in parts if p["confirm"]}
    assert confirmable == {"review_members", "funding_envelopes"}
    call, copied = duplication.duplicate_call(
        world.call_admin, source, "Appel 2015-2016", "2015-2016", ["review_members"]
    )
    assert call.status == CallStatus.draft and call.school_year == "2015-2016"
    assert [a.label for a in call.axes] == [a.label for a in source.axes]
    assert [(k.label, k.required) for k in call.attachment_kinds] == [
        (k.label, k.required) for k in source.attachment_kinds
    ]
    assert call.fields == source.fields and call.max_amount == source.max_amount
    # Dates: a year later, to be checked before opening.
    assert call.deadline_at.year == source.deadline_at.year + 1
    assert _count(Criterion, call) == _count(Criterion, source) > 0
    assert _count(ReviewPhase, call) == 3
    assert db.session.get(ReviewSettings, call.id).current_phase_id is not None
    assert {
        (m.user_id, m.institution)
        for m in db.session.scalars(
            select(CommissionMember).where(CommissionMember.call_id == call.id)
        )
    } == {(world.copilot.id, Institution.state), (world.reviewer.id, Institution.region)}
    # Envelopes not ticked: not copied.
    assert _count(Envelope, call) == 0
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "call_duplicated"))
    assert event.object_id == call.id and event.changes["source_id"] == source.id
    assert any("Instructeurs" in line for line in copied)


def test_envelopes_are_copied_with_last_year_amounts_when_ticked(world, factory):
    source = _set_up(world, factory)
    call, copied = duplication.duplicate_call(
        world.call_admin, source, "Appel 2015-2016", "2015-2016", ["funding_envelopes"]
    )
    [envelope] = db.session.scalars(select(Envelope).where(Envelope.call_id == call.id))
    assert envelope.amount == Decimal("120000.00") and envelope.funder == Institution.state
    assert any("à confirmer" in line for line in copied)
    assert _count(CommissionMember, call) == 0


@pytest.mark.parametrize(
    "title,year,parts,field",
    [
        ("", "2015-2016", [], "title"),
        ("Appel", "2015-2017", [], "school_year"),
        ("Appel", "2015-2016", ["everything"], "parts"),
    ],
)
def test_a_refused_copy_says_why_and_creates_nothing(world, factory, title, year, parts, field):
    source = _set_up(world, factory)
    before = db.session.scalar(select(func.count(Call.id)))
    with pytest.raises(ServiceError) as refused:
        duplication.duplicate_call(world.call_admin, source, title, year, parts)
    assert field in refused.value.errors
    assert db.session.scalar(select(func.count(Call.id))) == before


def test_only_call_administrators_copy_a_call(world, factory):
    with pytest.raises(PermissionDenied):
        duplication.duplicate_call(world.head_a, world.call, "Appel", "2015-2016")
    draft = factory.call(status=CallStatus.draft)
    with pytest.raises(ServiceError, match="en préparation"):
        duplication.duplicate_call(world.call_admin, draft, "Appel", "2015-2016")


def test_the_form_shows_what_will_be_copied_and_creates_a_draft(client, world, factory):
    source = _set_up(world, factory)
    login(client, world.call_admin)
    page = client.get(f"/appels/{source.id}/dupliquer").get_data(as_text=True)
    page = page.replace("&#39;", "'")
    assert 'value="2015-2016"' in page and "Grille d'évaluation" in page
    assert "Enveloppes et sous-enveloppes" in page and "à confirmer" in page
    assert 'name="csrf_token"' in page
    response = client.post(
        f"/appels/{source.id}/dupliquer",
        data={"title": "Appel 2015-2016", "school_year": "2015-2016", "parts": ["review_members"]},
    )
    assert response.status_code == 302
    new = db.session.scalar(select(Call).where(Call.title == "Appel 2015-2016"))
    assert new.status == CallStatus.draft
    assert response.headers["Location"].endswith(f"/appels/{new.id}")
    response = client.post(
        f"/appels/{source.id}/dupliquer", data={"title": "", "school_year": "2015"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="title-error"' in page and 'id="school_year-error"' in page
