"""Deputies: a co-pilot names a deputy of the same institution for a call, who validates when the
co-pilot is conflicted or away; every validation records who signed and in which capacity; a
conflicted person never validates, deputy or not."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.db import db
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.models import AuditEvent, Institution, Role
from review.models import Capacity, CopilotDeputy
from review.services import conflicts as conflicts_svc
from review.services import decisions as decisions_svc
from review.services import deputies as svc

from ..conftest import login
from .helpers import build_commission


@pytest.fixture
def c(world, factory):
    c = build_commission(world, factory)
    c.deputy_state = factory.user(Role.copilot, institution=Institution.state, name="Denise Supp")
    return c


def _proposal(world, c, index=0):
    return decisions_svc.record_proposal(
        world.call_admin, c.session, c.dossiers[index], "accept", "1000", "1000"
    )


def _deputies():
    return db.session.scalar(select(func.count(CopilotDeputy.id)))


def test_the_deputy_validates_when_the_copilot_is_conflicted_and_it_is_recorded(world, c):
    svc.name_deputy(c.copilot_state, world.call, c.deputy_state.id)
    decision = _proposal(world, c)
    conflicts_svc.declare_conflict(c.copilot_state, decision.dossier, "personal", "Mon neveu.")
    # The conflicted co-pilot can never validate (the dossier is hidden from them).
    with pytest.raises((NotFound, PermissionDenied)):
        decisions_svc.validate_decision(c.copilot_state, decision)
    assert decision.state_validated_by_id is None
    decisions_svc.validate_decision(c.deputy_state, decision, institution="state")
    assert decision.state_validated_by_id == c.deputy_state.id
    assert decision.state_validated_as == Capacity.deputy
    decisions_svc.validate_decision(c.copilot_region, decision)
    assert decision.region_validated_as == Capacity.copilot
    assert decision.finalised_at is not None
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "decision_validated")
    ).all()
    assert [e.changes["capacity"] for e in events] == ["deputy", "copilot"]


def test_a_conflicted_deputy_never_validates(world, c):
    svc.name_deputy(c.copilot_state, world.call, c.deputy_state.id)
    decision = _proposal(world, c)
    conflicts_svc_member(world, c)
    conflicts_svc.declare_conflict(c.deputy_state, decision.dossier, "institutional")
    with pytest.raises((NotFound, PermissionDenied)):
        decisions_svc.validate_decision(c.deputy_state, decision)
    assert decision.state_validated_by_id is None and decision.state_validated_as is None


def conflicts_svc_member(world, c):
    """A deputy declares conflicts as a commission member of the call."""
    from review.models import CommissionMember

    db.session.add(
        CommissionMember(
            call_id=world.call.id, user_id=c.deputy_state.id, institution=Institution.state
        )
    )
    db.session.flush()


def test_the_slot_signed_by_one_cannot_be_signed_again_by_the_other(world, c):
    svc.name_deputy(c.copilot_state, world.call, c.deputy_state.id)
    decision = _proposal(world, c)
    decisions_svc.validate_decision(c.copilot_state, decision)
    assert decision.state_validated_as == Capacity.copilot
    with pytest.raises(Conflict, match="déjà enregistrée"):
        decisions_svc.validate_decision(c.deputy_state, decision)
    assert decision.state_validated_by_id == c.copilot_state.id


def test_without_being_named_a_copilot_of_the_institution_does_not_validate(world, c):
    decision = _proposal(world, c)
    with pytest.raises((NotFound, PermissionDenied)):
        decisions_svc.validate_decision(c.deputy_state, decision)


@pytest.mark.parametrize("who", ["copilot_region", "reviewer_state", "self", "nobody"])
def test_a_deputy_is_a_copilot_of_the_same_institution(world, c, who):
    person = {
        "copilot_region": getattr(c, "copilot_region", None),
        "reviewer_state": getattr(c, "reviewer_state", None),
        "self": c.copilot_state,
        "nobody": None,
    }[who]
    with pytest.raises(ServiceError) as refused:
        svc.name_deputy(c.copilot_state, world.call, person.id if person else "")
    assert "deputy_id" in refused.value.errors and _deputies() == 0


def test_only_the_copilot_names_a_deputy(world, c):
    with pytest.raises(PermissionDenied):
        svc.name_deputy(c.reviewer_state, world.call, c.deputy_state.id)
    with pytest.raises(PermissionDenied):
        svc.name_deputy(world.call_admin, world.call, c.deputy_state.id)
    assert _deputies() == 0


def test_naming_is_audited_and_removal_too(world, c):
    svc.name_deputy(c.copilot_state, world.call, c.deputy_state.id)
    with pytest.raises(Conflict):
        svc.name_deputy(c.copilot_state, world.call, c.deputy_state.id)
    svc.remove_deputy(c.copilot_state, world.call)
    with pytest.raises(Conflict):
        svc.remove_deputy(c.copilot_state, world.call)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("copilot_deputy_%"))
    ).all()
    assert actions == ["copilot_deputy_named", "copilot_deputy_removed"]
    assert _deputies() == 0


def test_the_deputy_page_names_and_the_decisions_page_shows_the_capacity(client, world, c):
    login(client, c.copilot_state)
    page = client.get(f"/instruction/appels/{world.call.id}/suppleant").get_data(as_text=True)
    assert "Denise Supp" in page and 'name="csrf_token"' in page
    response = client.post(f"/instruction/appels/{world.call.id}/suppleant", data={"deputy_id": ""})
    assert response.status_code == 400
    assert 'id="deputy_id-error"' in response.get_data(as_text=True)
    response = client.post(
        f"/instruction/appels/{world.call.id}/suppleant", data={"deputy_id": c.deputy_state.id}
    )
    assert response.status_code == 302 and _deputies() == 1
    decision = _proposal(world, c)
    db.session.commit()
    login(client, c.deputy_state)
    page = client.get(f"/instruction/appels/{world.call.id}/decisions").get_data(as_text=True)
    assert "suppléant du co-pilote" in page
    response = client.post(f"/instruction/decisions/{decision.id}/valider", data={})
    assert response.status_code == 302
    page = client.get(f"/instruction/appels/{world.call.id}/decisions").get_data(as_text=True)
    assert "Denise Supp (suppléant)" in page
