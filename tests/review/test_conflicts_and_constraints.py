"""Conflicts of interest, and the invariants the database itself enforces."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from applications import services as dossiers
from portal.db import db, utcnow
from portal.errors import Conflict, PermissionDenied, ServiceError
from portal.models import Institution, Role
from review.models import (
    CommissionMember,
    ConflictDeclaration,
    Decision,
    DecisionOutcome,
    Review,
    ReviewStatus,
)
from review.services import conflicts as conflicts_svc
from review.services import screening as screening_svc


@pytest.fixture
def eligible(world, factory):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    dossiers.submit_dossier(world.head_a, dossier)
    screening_svc.screen_dossier(world.call_admin, dossier, "eligible")
    db.session.add(
        CommissionMember(
            call_id=world.call.id, user_id=world.reviewer.id, institution=Institution.region
        )
    )
    db.session.flush()
    return dossier


def test_declaring_a_conflict_declines_the_assignment(world, eligible):
    review = Review(
        dossier_id=eligible.id, reviewer_id=world.reviewer.id, institution=Institution.region
    )
    db.session.add(review)
    db.session.flush()
    conflicts_svc.declare_conflict(world.reviewer, eligible, "personal", "Mon neveu y est élève.")
    assert review.status == ReviewStatus.declined
    with pytest.raises(Conflict):
        conflicts_svc.declare_conflict(world.reviewer, eligible, "personal")


def test_conflict_declarations_are_validated(world, eligible, factory):
    with pytest.raises(ServiceError, match="type de conflit"):
        conflicts_svc.declare_conflict(world.reviewer, eligible, "amical")
    with pytest.raises(ServiceError, match="Précisez"):
        conflicts_svc.declare_conflict(world.reviewer, eligible, "other", "")
    outsider = factory.user(Role.reviewer, institution=Institution.state)
    with pytest.raises(PermissionDenied):
        conflicts_svc.declare_conflict(outsider, eligible, "personal")
    assert db.session.query(ConflictDeclaration).count() == 0


def _decision(dossier, **kw):
    values = dict(
        dossier_id=dossier.id,
        outcome=DecisionOutcome.accept,
        amount_state=Decimal("3000.00"),
        amount_region=Decimal("2000.00"),
        motivation="Projet solide.",
        proposed_at=utcnow(),
    )
    values.update(kw)
    return Decision(**values)


def test_database_refuses_a_final_decision_with_one_validation(world, eligible):
    now = utcnow()
    db.session.add(
        _decision(
            eligible,
            proposed_by_id=world.copilot.id,
            state_validated_by_id=world.copilot.id,
            state_validated_at=now,
            finalised_at=now,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_database_refuses_a_final_decision_without_motivation(world, eligible, factory):
    now = utcnow()
    region_copilot = factory.user(Role.copilot, institution=Institution.region)
    db.session.add(
        _decision(
            eligible,
            motivation="",
            proposed_by_id=world.copilot.id,
            state_validated_by_id=world.copilot.id,
            state_validated_at=now,
            region_validated_by_id=region_copilot.id,
            region_validated_at=now,
            finalised_at=now,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_database_accepts_a_final_decision_validated_by_both(world, eligible, factory):
    now = utcnow()
    region_copilot = factory.user(Role.copilot, institution=Institution.region)
    decision = _decision(
        eligible,
        proposed_by_id=world.copilot.id,
        state_validated_by_id=world.copilot.id,
        state_validated_at=now,
        region_validated_by_id=region_copilot.id,
        region_validated_at=now + dt.timedelta(minutes=5),
        finalised_at=now,
    )
    db.session.add(decision)
    db.session.flush()
    assert decision.id is not None


def test_one_copilot_per_institution_and_call(world, factory):
    other = factory.user(Role.copilot, institution=Institution.state)
    db.session.add(
        CommissionMember(
            call_id=world.call.id,
            user_id=world.copilot.id,
            institution=Institution.state,
            is_copilot=True,
        )
    )
    db.session.flush()
    db.session.add(
        CommissionMember(
            call_id=world.call.id, user_id=other.id, institution=Institution.state, is_copilot=True
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "values",
    [
        {"published_at": "now"},  # published though never final
        {
            "outcome": DecisionOutcome.adjourn,
            "amount_state": Decimal("0"),
            "amount_region": Decimal("0"),
            "finalised": True,
        },  # an adjournment is never final
        {"proposed_by_id": None, "finalised": True},  # a final decision has an author
    ],
)
def test_database_refuses_other_impossible_decisions(world, eligible, factory, values):
    now = utcnow()
    region_copilot = factory.user(Role.copilot, institution=Institution.region)
    values = dict(values)
    kw = dict(proposed_by_id=world.copilot.id)
    if values.pop("finalised", False):
        kw.update(
            state_validated_by_id=world.copilot.id,
            state_validated_at=now,
            region_validated_by_id=region_copilot.id,
            region_validated_at=now,
            finalised_at=now,
        )
    if values.pop("published_at", None):
        kw["published_at"] = now
    kw.update(values)
    db.session.add(_decision(eligible, **kw))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
