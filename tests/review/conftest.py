"""Fixtures shared by the review tests (their builders are in tests/review/helpers.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from applications.models import DossierStatus
from portal.db import db
from portal.models import EstablishmentKind, Institution, Role
from review.models import (
    CommissionMember,
    Criterion,
    Opinion,
    PhaseKind,
    Review,
    ReviewPhase,
    ReviewSettings,
    ReviewStatus,
    Visibility,
)

from .helpers import (
    ScoringWorld,
    attach_grid,
    make_dossier,
    make_in_review,
    make_review,
    setup_call,
)


@pytest.fixture
def sw(world, factory):
    """A call in independent scoring: a grid, a State and a Région reviewer, a co-pilot, one
    in_review dossier with two reviews (State, Région)."""
    s = ScoringWorld()
    s.w = world
    s.call = world.call
    settings = ReviewSettings(
        call_id=s.call.id, reviewers_per_dossier=2, visibility=Visibility.after_own_review
    )
    db.session.add(settings)
    s.phases = {
        kind: ReviewPhase(call_id=s.call.id, kind=kind, position=i)
        for i, kind in enumerate(PhaseKind, start=1)
    }
    db.session.add_all(s.phases.values())
    db.session.flush()
    settings.current_phase_id = s.phases[PhaseKind.independent_scoring].id
    s.settings = settings
    s.relevance = Criterion(
        call_id=s.call.id,
        position=1,
        label="Pertinence",
        guidance="Le projet répond-il au décrochage ?",
        scale_min=0,
        scale_max=5,
        weight=Decimal("2"),
        required=True,
    )
    s.feasibility = Criterion(
        call_id=s.call.id,
        position=2,
        label="Faisabilité",
        scale_min=0,
        scale_max=5,
        weight=Decimal("1"),
        required=True,
    )
    s.partners = Criterion(
        call_id=s.call.id,
        position=3,
        label="Partenariats",
        scale_min=0,
        scale_max=10,
        weight=Decimal("1"),
        required=False,
    )
    s.priority = Criterion(
        call_id=s.call.id, position=4, label="Public prioritaire", scoring=False, required=False
    )
    db.session.add_all([s.relevance, s.feasibility, s.partners, s.priority])
    s.state_reviewer = factory.user(
        Role.reviewer, institution=Institution.state, name="Évaluatrice État"
    )
    s.region_reviewer = world.reviewer
    s.outsider = factory.user(Role.reviewer, institution=Institution.state, name="Non assignée")
    db.session.add_all(
        [
            CommissionMember(
                call_id=s.call.id, user_id=s.state_reviewer.id, institution=Institution.state
            ),
            CommissionMember(
                call_id=s.call.id, user_id=s.region_reviewer.id, institution=Institution.region
            ),
            CommissionMember(
                call_id=s.call.id, user_id=s.outsider.id, institution=Institution.state
            ),
            CommissionMember(
                call_id=s.call.id,
                user_id=world.copilot.id,
                institution=Institution.state,
                is_copilot=True,
            ),
        ]
    )
    s.dossier = make_in_review(factory, s.call, world.head_a)
    s.r_state = Review(
        dossier_id=s.dossier.id, reviewer_id=s.state_reviewer.id, institution=Institution.state
    )
    s.r_region = Review(
        dossier_id=s.dossier.id, reviewer_id=s.region_reviewer.id, institution=Institution.region
    )
    db.session.add_all([s.r_state, s.r_region])
    db.session.flush()
    return s


@pytest.fixture
def ranked(world, factory):
    """Four dossiers: A (State 16 and 12, Région 20: gap 6 > 3, flagged), B (12 and 12),
    C (State 8 only: flagged, no Région review), D (in review, nothing submitted yet)."""
    r = setup_call(world, factory)
    net = factory.network("Réseau FOQUALE Poitiers")
    r.est_c = factory.establishment(
        EstablishmentKind.lp, department="79", name="Lycée C", network=net
    )
    world.est_a.network = net
    r.a = make_dossier(
        r.call,
        world.est_a,
        world.head_a,
        main_axis=2,
        fields=("prevention", "intervention"),
        region="4000.00",
        state="1000.00",
        title="Projet A",
    )
    r.b = make_dossier(
        r.call,
        world.est_b,
        world.head_b,
        status=DossierStatus.reviewed,
        main_axis=1,
        fields=("remediation",),
        region="2500.00",
        state="2500.00",
        title="Projet B",
    )
    r.c = make_dossier(
        r.call, r.est_c, world.head_b, main_axis=1, fields=("prevention",), title="Projet C"
    )
    r.d = make_dossier(
        r.call, r.est_c, world.head_b, main_axis=3, fields=("intervention",), title="Projet D"
    )
    # not ranked: still a draft, and submitted but not screened
    r.draft = make_dossier(r.call, world.est_a, world.head_a, status=DossierStatus.submitted)
    attach_grid(r, r.a, r.b, r.c, r.d)
    make_review(r.a, r.s1, Institution.state, (4, 4), amount="4500.00")  # 16
    make_review(r.a, r.s2, Institution.state, (3, 3), opinion=Opinion.reserved)  # 12
    make_review(r.a, r.r1, Institution.region, (5, 5))  # 20
    make_review(r.b, r.s1, Institution.state, (3, 3))  # 12
    make_review(r.b, r.r1, Institution.region, (3, 3), flag=False)  # 12
    make_review(r.c, r.s1, Institution.state, (2, 2), opinion=Opinion.unfavourable)  # 8
    make_review(r.d, r.s2, Institution.state, (5, 5), status=ReviewStatus.draft)  # not counted
    make_review(r.c, r.s2, Institution.state, (1, 1), status=ReviewStatus.declined)
    db.session.flush()
    return r
