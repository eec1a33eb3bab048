"""Builders shared by the review tests (and the API and funding tests that need a commission).

Test modules import them from here, never from one another; the fixtures built on them
(`sw`, `ranked`) are in tests/review/conftest.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, select

from applications import services as dossiers
from applications.models import BudgetLine, Dossier, DossierStatus
from portal.db import db, utcnow
from portal.models import Institution, Role
from review.models import (
    CommissionMember,
    CommissionSession,
    Criterion,
    Opinion,
    PhaseKind,
    Review,
    ReviewSettings,
    ReviewStatus,
    Score,
)
from review.services import assignment as assignment_svc
from review.services import commission as commission_svc
from review.services import decisions
from review.services import members as members_svc
from review.services import screening as screening_svc
from review.services import settings as settings_svc

from ..conftest import Factory

D = Decimal

# ---------------------------------------------------------------- set-up (from test_setup)

RULES = {
    "reviewers_per_dossier": "3",
    "gap_threshold": "4",
    "spread_threshold": "6,5",
    "visibility": "after_own_review",
}


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _eligible(world, factory, est=None):
    est = est or world.est_a
    n = factory._next()
    dossier = Dossier(
        call_id=world.call.id,
        establishment_id=est.id,
        created_by_id=world.head_a.id,
        status=DossierStatus.eligible,
        reference=f"AAP-2014-9{n:03d}",
        title=f"Projet {n}",
    )
    db.session.add(dossier)
    db.session.flush()
    return dossier


def _submitted_review(dossier, member):
    review = Review(
        dossier_id=dossier.id,
        reviewer_id=member.user_id,
        institution=member.institution,
        status=ReviewStatus.submitted,
        opinion=Opinion.favourable,
        submitted_at=utcnow(),
    )
    db.session.add(review)
    db.session.flush()
    return review


def setup_matrix_objects(o):
    """Objects for the set-up rows of tests/test_permission_matrix.py, built on demand: the call's
    commission (o.copilot for the State, o.reviewer for the Région, not designated co-pilots),
    o.submitted screened eligible and assigned to o.reviewer."""
    if getattr(o, "_setup", None) is None:

        class Objects:
            pass

        s = Objects()
        settings_svc.save_settings(o.call_admin, o.call, dict(RULES))
        s.m_state = members_svc.add_member(o.call_admin, o.call, o.copilot.id, "state")
        s.m_region = members_svc.add_member(o.call_admin, o.call, o.reviewer.id, "region")
        s.criterion = commission_svc.criteria(o.call)[0]
        screening_svc.screen_dossier(o.call_admin, o.submitted, "eligible")
        s.review = assignment_svc.assign_reviewer(
            o.call_admin, o.call, o.submitted.id, o.reviewer.id
        )
        db.session.flush()
        o._setup = s
    return o._setup


# ---------------------------------------------------------------- scoring (from test_scoring)


class ScoringWorld:
    pass


def make_in_review(factory, call, author):
    dossier = factory.dossier(call, author, complete=True)
    dossiers.submit_dossier(author, dossier)
    dossier.status = DossierStatus.in_review  # assignment is another part's business
    db.session.flush()
    return dossier


def set_phase(s, kind: PhaseKind) -> None:
    s.settings.current_phase_id = s.phases[kind].id
    db.session.flush()


def full(s, relevance="4", feasibility="3,5", opinion="favourable") -> dict:
    return {
        "scores": {s.relevance.id: relevance, s.feasibility.id: feasibility, s.partners.id: ""},
        "flags": {s.priority.id: "yes"},
        "comments": {s.relevance.id: "Bien ciblé.", s.feasibility.id: ""},
        "opinion": opinion,
        "proposed_amount": "4 500,00",
        "comment": "Solide.",
    }


def form(s, review, **overrides) -> dict:
    data = {
        "version": str(review.version),
        "action": "save",
        f"score_{s.relevance.id}": "4",
        f"score_{s.feasibility.id}": "3,5",
        f"score_{s.partners.id}": "",
        f"flag_{s.priority.id}": "no",
        f"comment_{s.relevance.id}": "Pertinent",
        f"comment_{s.feasibility.id}": "",
        f"comment_{s.partners.id}": "",
        f"comment_{s.priority.id}": "",
        "opinion": "reserved",
        "proposed_amount": "",
        "comment": "À suivre",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# ---------------------------------------------------------------- commission (from test_commission)


def _reviewed(o, author, factory, reviewers, values):
    """A submitted dossier brought to « reviewed », with one submitted review per reviewer."""
    dossier = factory.dossier(o.call, author, complete=True)
    dossiers.submit_dossier(author, dossier)
    dossier.status = DossierStatus.reviewed  # screening and assignment are other tests' business
    for (reviewer, institution), value in zip(reviewers, values):
        review = Review(
            dossier_id=dossier.id,
            reviewer_id=reviewer.id,
            institution=institution,
            status=ReviewStatus.submitted,
            opinion=Opinion.favourable,
            submitted_at=utcnow(),
        )
        review.scores = [Score(criterion_id=c.id, value=Decimal(value)) for c in o.criteria]
        db.session.add(review)
    db.session.flush()
    return dossier


def build_commission(o, factory: Factory | None = None, count: int = 3):
    """On the world `o`: the call's commission (o.copilot co-pilots for the State, a Région one,
    two plain reviewers), a two-criterion grid, `count` reviewed dossiers of Lycée A (best first:
    scores 5, 4, 3…) and a session. Cached on `o`."""
    if getattr(o, "commission", None) is not None:
        return o.commission
    if factory is None:
        factory = Factory()
        factory._n = 10_000  # keep clear of the world's users and establishments
    c = SimpleNamespace()
    c.copilot_state = o.copilot
    c.copilot_region = factory.user(
        Role.copilot, institution=Institution.region, name="Régine Copilote"
    )
    c.reviewer_state = factory.user(
        Role.reviewer, institution=Institution.state, name="Étienne Instructeur"
    )
    c.reviewer_region = factory.user(
        Role.reviewer, institution=Institution.region, name="Rémi Instructeur"
    )
    for user, institution, copilot in (
        (c.copilot_state, Institution.state, True),
        (c.copilot_region, Institution.region, True),
        (c.reviewer_state, Institution.state, False),
        (c.reviewer_region, Institution.region, False),
    ):
        db.session.add(
            CommissionMember(
                call_id=o.call.id, user_id=user.id, institution=institution, is_copilot=copilot
            )
        )
    o.criteria = [
        Criterion(
            call_id=o.call.id,
            position=i,
            label=f"Critère {i}",
            scale_min=0,
            scale_max=5,
            weight=Decimal("1.00"),
        )
        for i in (1, 2)
    ]
    db.session.add_all(o.criteria)
    db.session.flush()
    reviewers = [(c.reviewer_state, Institution.state), (c.reviewer_region, Institution.region)]
    c.dossiers = [
        _reviewed(o, o.head_a, factory, reviewers, [5 - (i % 6), 5 - (i % 6)]) for i in range(count)
    ]
    c.session = CommissionSession(
        call_id=o.call.id,
        held_on=dt.date(2015, 3, 12),
        title="Commission du 12 mars",
        attendees=[c.copilot_state, c.copilot_region, c.reviewer_state],
    )
    db.session.add(c.session)
    db.session.flush()
    o.commission = c
    return c


def matrix_objects(o):
    """For the permission matrix: a pending proposal (dossiers[0]) and a published acceptance
    (dossiers[1]) on Lycée A's dossiers."""
    c = build_commission(o)
    if getattr(c, "pending", None) is None:
        c.pending = decisions.record_proposal(
            o.call_admin, c.session, c.dossiers[0], "accept", "1000", "1000"
        )
        final = decisions.record_proposal(
            o.call_admin, c.session, c.dossiers[1], "accept", "2000", "0"
        )
        decisions.validate_decision(c.copilot_state, final)
        decisions.validate_decision(c.copilot_region, final)
        final.published_at = utcnow()
        c.published = final
        db.session.flush()
    return c


# ---------------------------------------------------------------- ranking (from test_ranking)


class Ranked:
    pass


_refs = iter(range(1, 100000))


def make_dossier(
    call,
    establishment,
    author,
    *,
    status=DossierStatus.in_review,
    main_axis=1,
    fields=("prevention",),
    region="3000.00",
    state="2000.00",
    title="Projet",
):
    """A dossier straight in the database (its way through submission is tested elsewhere)."""
    dossier = Dossier(
        call_id=call.id,
        establishment_id=establishment.id,
        created_by_id=author.id,
        status=status,
        reference=f"AAP-2014-{next(_refs) + 5000:05d}",
        title=title,
        main_axis=main_axis,
        fields=list(fields),
        submitted_at=utcnow(),
    )
    dossier.budget_lines = [
        BudgetLine(
            kind="expense",
            category="services",
            label="Intervenant",
            amount=D(region) + D(state),
            position=0,
        ),
        BudgetLine(kind="resource", category="region", label="", amount=D(region), position=1),
        BudgetLine(kind="resource", category="state", label="", amount=D(state), position=2),
    ]
    db.session.add(dossier)
    return dossier


def make_review(
    dossier,
    reviewer,
    institution,
    values,
    *,
    flag=True,
    opinion=Opinion.favourable,
    status=ReviewStatus.submitted,
    amount=None,
    comment="Avis motivé.",
):
    """A review scoring the grid's two scoring criteria with `values` (c1, c2)."""
    grid = dossier._grid
    review = Review(
        dossier_id=dossier.id,
        reviewer_id=reviewer.id,
        institution=institution,
        status=status,
        opinion=opinion if status == ReviewStatus.submitted else None,
        submitted_at=utcnow() if status == ReviewStatus.submitted else None,
        proposed_amount=D(amount) if amount else None,
        comment=comment,
    )
    review.scores = [
        Score(criterion_id=grid[0].id, value=D(values[0])),
        Score(criterion_id=grid[1].id, value=D(values[1])),
        Score(criterion_id=grid[2].id, flag=flag),
    ]
    db.session.add(review)
    return review


def setup_call(world, factory, *, gap="3.00", spread="8.00"):
    """The world's call under review: settings, a grid, co-pilots and reviewers of each side."""
    r = Ranked()
    r.call = world.call
    db.session.add(
        ReviewSettings(
            call_id=r.call.id,
            reviewers_per_dossier=2,
            gap_threshold=D(gap),
            spread_threshold=D(spread),
        )
    )
    r.grid = [
        Criterion(
            call_id=r.call.id, position=1, label="Pertinence", scale_min=0, scale_max=5, weight=D(2)
        ),
        Criterion(
            call_id=r.call.id,
            position=2,
            label="Faisabilité",
            scale_min=0,
            scale_max=5,
            weight=D(1),
        ),
        Criterion(
            call_id=r.call.id, position=3, label="Partenariat local", scoring=False, required=False
        ),
    ]
    db.session.add_all(r.grid)
    r.copilot_state = world.copilot
    r.copilot_region = factory.user(
        Role.copilot, institution=Institution.region, name="Copilote Région"
    )
    r.s1 = factory.user(Role.reviewer, institution=Institution.state, name="Sévère État")
    r.s2 = factory.user(Role.reviewer, institution=Institution.state, name="Second État")
    r.r1 = world.reviewer
    for user, inst, copilot in (
        (r.copilot_state, Institution.state, True),
        (r.copilot_region, Institution.region, True),
        (r.s1, Institution.state, False),
        (r.s2, Institution.state, False),
        (r.r1, Institution.region, False),
    ):
        db.session.add(
            CommissionMember(
                call_id=r.call.id, user_id=user.id, institution=inst, is_copilot=copilot
            )
        )
    db.session.flush()
    return r


def attach_grid(r, *dossiers):
    db.session.flush()
    for d in dossiers:
        d._grid = r.grid
