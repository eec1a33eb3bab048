"""Commission set-up per call: rules, phases, members and co-pilots, the scoring grid."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.db import db
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.models import AuditEvent, Institution, Role
from review.models import (
    CommissionMember,
    Criterion,
    PhaseKind,
    Review,
    ReviewPhase,
    ReviewSettings,
    Visibility,
)
from review.services import commission as commission_svc
from review.services import grid as grid_svc
from review.services import members as members_svc
from review.services import phases as phases_svc
from review.services import settings as settings_svc

from .helpers import RULES, _eligible, _submitted_review, count


def actions():
    return db.session.scalars(select(AuditEvent.action)).all()


@pytest.fixture
def commission(world):
    settings_svc.save_settings(world.call_admin, world.call, RULES)
    return world.call


def test_first_save_creates_phases_and_the_default_grid(world):
    settings = settings_svc.save_settings(world.call_admin, world.call, RULES)
    assert settings.reviewers_per_dossier == 3
    assert settings.spread_threshold == Decimal("6.50")
    rows = commission_svc.phases(world.call)
    assert [(p.kind, p.position) for p in rows] == [
        (PhaseKind.independent_scoring, 1),
        (PhaseKind.deliberation, 2),
        (PhaseKind.decision, 3),
    ]
    assert commission_svc.current_phase(world.call).kind == PhaseKind.independent_scoring
    grid = commission_svc.criteria(world.call)
    assert [c.label for c in grid if c.scoring] == [
        "Pertinence au regard du décrochage",
        "Qualité du partenariat",
        "Faisabilité et budget",
        "Évaluation prévue",
    ]
    flags = [c for c in grid if not c.scoring]
    assert len(flags) == 1 and flags[0].label.startswith("Solution innovante")
    assert "commission_set_up" in actions()
    # saving again changes the rules, not the phases nor the grid
    settings_svc.save_settings(
        world.call_admin, world.call, {**RULES, "reviewers_per_dossier": "2", "visibility": "never"}
    )
    assert settings.reviewers_per_dossier == 2 and settings.visibility == Visibility.never
    assert count(ReviewPhase) == 3 and len(commission_svc.criteria(world.call)) == 5
    assert "commission_settings_changed" in actions()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("reviewers_per_dossier", "1", "au moins 2"),
        ("reviewers_per_dossier", "deux", "nombre entier"),
        ("reviewers_per_dossier", "11", "Au plus 10"),
        ("gap_threshold", "-1", "entre 0 et 20"),
        ("gap_threshold", "21", "entre 0 et 20"),
        ("spread_threshold", "beaucoup", "nombre sur 20"),
        ("visibility", "toujours", "Choisissez quand"),
    ],
)
def test_bad_rules_are_refused_and_change_nothing(world, field, value, message):
    with pytest.raises(ServiceError, match=message) as caught:
        settings_svc.save_settings(world.call_admin, world.call, {**RULES, field: value})
    assert field in caught.value.errors
    assert count(ReviewSettings) == 0 and count(ReviewPhase) == 0 and count(Criterion) == 0


def test_bad_rules_on_an_existing_setup_leave_it_unchanged(world, commission):
    with pytest.raises(ServiceError):
        settings_svc.save_settings(
            world.call_admin, commission, {**RULES, "reviewers_per_dossier": "1"}
        )
    assert commission_svc.settings_of(commission).reviewers_per_dossier == 3


@pytest.mark.parametrize("who", ["head_a", "reviewer", "observer", "copilot", "budget"])
def test_only_call_staff_set_up_a_commission(world, who):
    with pytest.raises(PermissionDenied):
        settings_svc.save_settings(getattr(world, who), world.call, RULES)
    with pytest.raises(PermissionDenied):
        commission_svc.get_call(getattr(world, who), world.call.id)
    assert count(ReviewSettings) == 0


def test_unknown_call_is_not_found(world):
    with pytest.raises(NotFound):
        commission_svc.get_call(world.call_admin, 987654)


# ---------------------------------------------------------------- phases


def test_phases_move_forward_one_step_at_a_time_and_never_back(world, commission):
    with pytest.raises(Conflict, match="Passez d'abord par la phase « Délibération »"):
        phases_svc.advance_phase(world.call_admin, commission, "decision")
    with pytest.raises(Conflict, match="déjà en phase"):
        phases_svc.advance_phase(world.call_admin, commission, "independent_scoring")
    phases_svc.advance_phase(world.call_admin, commission, "deliberation")
    assert commission_svc.current_phase(commission).kind == PhaseKind.deliberation
    with pytest.raises(Conflict, match="On ne revient pas en arrière"):
        phases_svc.advance_phase(world.call_admin, commission, "independent_scoring")
    with pytest.raises(ServiceError, match="phase suivante"):
        phases_svc.advance_phase(world.call_admin, commission, "fin")
    phases_svc.advance_phase(world.call_admin, commission, "decision")
    assert commission_svc.current_phase(commission).kind == PhaseKind.decision
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "commission_phase_changed")
    ).all()
    assert [e.changes["phase"] for e in events] == [
        ["independent_scoring", "deliberation"],
        ["deliberation", "decision"],
    ]


def test_phases_need_a_setup(world):
    with pytest.raises(ServiceError, match="pas encore mise en place"):
        phases_svc.advance_phase(world.call_admin, world.call, "deliberation")


# ---------------------------------------------------------------- members


def test_members_are_added_with_the_institution_of_their_role(world, commission, factory):
    row = members_svc.add_member(world.call_admin, commission, world.reviewer.id, "region")
    assert row.institution == Institution.region and not row.is_copilot
    with pytest.raises(Conflict, match="déjà membre"):
        members_svc.add_member(world.call_admin, commission, world.reviewer.id, "region")
    state_reviewer = factory.user(Role.reviewer, institution=Institution.state)
    with pytest.raises(ServiceError, match="pas pour Région") as caught:
        members_svc.add_member(world.call_admin, commission, state_reviewer.id, "region")
    assert caught.value.errors == {"institution": caught.value.message}
    with pytest.raises(ServiceError, match="n'a pas le rôle d'instructeur"):
        members_svc.add_member(world.call_admin, commission, world.observer.id, "state")
    with pytest.raises(ServiceError, match="Choisissez une personne"):
        members_svc.add_member(world.call_admin, commission, "999999", "state")
    with pytest.raises(ServiceError, match="Choisissez l'institution"):
        members_svc.add_member(world.call_admin, commission, state_reviewer.id, "europe")
    state_reviewer.active = False
    with pytest.raises(ServiceError, match="Choisissez une personne"):
        members_svc.add_member(world.call_admin, commission, state_reviewer.id, "state")
    assert count(CommissionMember) == 1
    assert "commission_member_added" in actions()


def test_members_need_a_setup(world):
    with pytest.raises(ServiceError, match="pas encore mise en place"):
        members_svc.add_member(world.call_admin, world.call, world.reviewer.id, "region")
    assert count(CommissionMember) == 0


def test_one_copilot_per_institution_who_holds_the_copilot_role(world, commission, factory):
    first = members_svc.add_member(world.call_admin, commission, world.copilot.id, "state")
    members_svc.designate_copilot(world.call_admin, commission, first.id)
    assert first.is_copilot
    with pytest.raises(Conflict, match="déjà co-pilote"):
        members_svc.designate_copilot(world.call_admin, commission, first.id)
    # a reviewer without the co-pilot role cannot be designated
    reviewer = members_svc.add_member(world.call_admin, commission, world.reviewer.id, "region")
    with pytest.raises(ServiceError, match="n'a pas le rôle de co-pilote pour Région"):
        members_svc.designate_copilot(world.call_admin, commission, reviewer.id)
    assert not reviewer.is_copilot
    # a co-pilot of the other institution cannot be designated for this one
    both = factory.user(Role.reviewer, institution=Institution.region)
    both.grants.append(type(both.grants[0])(role=Role.copilot, institution=Institution.state))
    db.session.flush()
    member = members_svc.add_member(world.call_admin, commission, both.id, "region")
    with pytest.raises(ServiceError, match="co-pilote pour Région"):
        members_svc.designate_copilot(world.call_admin, commission, member.id)
    # designating another State co-pilot replaces the first
    second_user = factory.user(Role.copilot, institution=Institution.state)
    second = members_svc.add_member(world.call_admin, commission, second_user.id, "state")
    members_svc.designate_copilot(world.call_admin, commission, second.id)
    assert second.is_copilot and not first.is_copilot
    with pytest.raises(NotFound):
        members_svc.designate_copilot(world.call_admin, commission, 999999)


def test_a_member_with_submitted_reviews_stays(world, commission, factory):
    member = members_svc.add_member(world.call_admin, commission, world.reviewer.id, "region")
    dossier = _eligible(world, factory)
    _submitted_review(dossier, member)
    with pytest.raises(Conflict, match="déjà rendu des évaluations"):
        members_svc.remove_member(world.call_admin, commission, member.id)
    assert count(CommissionMember) == 1 and count(Review) == 1


def test_removing_a_member_withdraws_their_pending_assignments(world, commission, factory):
    member = members_svc.add_member(world.call_admin, commission, world.reviewer.id, "region")
    dossier = _eligible(world, factory)
    db.session.add(
        Review(dossier_id=dossier.id, reviewer_id=member.user_id, institution=member.institution)
    )
    db.session.flush()
    members_svc.remove_member(world.call_admin, commission, member.id)
    assert count(CommissionMember) == 0 and count(Review) == 0
    assert "commission_member_removed" in actions()


# ---------------------------------------------------------------- grid

GOOD = {
    "label": "Ancrage territorial",
    "guidance": "Lien avec le réseau FOQUALE.",
    "scale_min": "0",
    "scale_max": "4",
    "weight": "1,5",
    "required": True,
    "scoring": True,
}


def test_criteria_are_added_changed_and_removed(world, commission):
    row = grid_svc.add_criterion(world.call_admin, commission, GOOD)
    assert (row.weight, row.scale_max, row.position) == (Decimal("1.50"), 4, 6)
    grid_svc.update_criterion(
        world.call_admin, row, {**GOOD, "label": "Ancrage local", "scale_max": "10"}
    )
    assert row.label == "Ancrage local" and row.scale_max == 10
    flag = grid_svc.add_criterion(
        world.call_admin,
        commission,
        {"label": "Internat", "scoring": False, "weight": "", "scale_min": "", "scale_max": ""},
    )
    assert not flag.scoring and (flag.scale_min, flag.scale_max) == (0, 1)
    grid_svc.delete_criterion(world.call_admin, row)
    assert [c.label for c in commission_svc.criteria(commission)][-1] == "Internat"
    assert {"criterion_added", "criterion_changed", "criterion_removed"} <= set(actions())


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("label", "  ", "Indiquez l'intitulé"),
        ("weight", "0", "supérieur à zéro"),
        ("weight", "-2", "supérieur à zéro"),
        ("weight", "lourd", "Indiquez le coefficient"),
        ("scale_max", "0", "supérieure à la note minimale"),
        ("scale_min", "x", "note minimale"),
    ],
)
def test_bad_criteria_are_refused_and_change_nothing(world, commission, field, value, message):
    before = count(Criterion)
    with pytest.raises(ServiceError, match=message) as caught:
        grid_svc.add_criterion(world.call_admin, commission, {**GOOD, field: value})
    assert field in caught.value.errors
    assert count(Criterion) == before
    row = commission_svc.criteria(commission)[0]
    label, weight = row.label, row.weight
    with pytest.raises(ServiceError, match=message):
        grid_svc.update_criterion(world.call_admin, row, {**GOOD, field: value})
    assert (row.label, row.weight) == (label, weight)


def test_the_grid_is_frozen_once_a_review_is_in(world, commission, factory):
    member = members_svc.add_member(world.call_admin, commission, world.reviewer.id, "region")
    _submitted_review(_eligible(world, factory), member)
    row = commission_svc.criteria(commission)[0]
    for attempt in (
        lambda: grid_svc.add_criterion(world.call_admin, commission, GOOD),
        lambda: grid_svc.update_criterion(world.call_admin, row, GOOD),
        lambda: grid_svc.delete_criterion(world.call_admin, row),
    ):
        with pytest.raises(Conflict, match="la grille ne peut plus être modifiée"):
            attempt()
    assert len(commission_svc.criteria(commission)) == 5 and row.label != GOOD["label"]


def test_only_call_staff_change_the_grid(world, commission):
    row = commission_svc.criteria(commission)[0]
    with pytest.raises(PermissionDenied):
        grid_svc.add_criterion(world.reviewer, commission, GOOD)
    with pytest.raises(PermissionDenied):
        grid_svc.update_criterion(world.head_a, row, GOOD)
    with pytest.raises(PermissionDenied):
        grid_svc.delete_criterion(world.observer, row)
    assert len(commission_svc.criteria(commission)) == 5
