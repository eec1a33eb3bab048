"""Suspected conflicts, automatic and manual assignment, CSV import (all or nothing)."""

import pytest
from sqlalchemy import func, select

from applications.models import Dossier, DossierStatus
from portal.db import db
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.models import AuditEvent, Institution, OutboxMessage, Role
from review.assignment import REASON_SAME_ESTABLISHMENT, REASON_SAME_NETWORK
from review.models import Review, ReviewStatus
from review.services import assignment as assignment_svc
from review.services import assignment_import as assignment_import_svc
from review.services import commission as commission_svc
from review.services import conflicts as conflicts_svc
from review.services import coverage as coverage_svc
from review.services import members as members_svc
from review.services import phases as phases_svc
from review.services import settings as settings_svc

from .helpers import RULES, _eligible, _submitted_review, count


class Cast:
    pass


@pytest.fixture
def cast(world, factory):
    """A set-up commission: 2 State and 2 Région reviewers, 4 eligible dossiers."""
    c = Cast()
    c.w = world
    c.call = world.call
    settings_svc.save_settings(world.call_admin, c.call, {**RULES, "reviewers_per_dossier": "2"})
    c.net = factory.network()
    c.est_net = factory.establishment(name="Collège du réseau", network=c.net)
    c.est_other = factory.establishment(name="Lycée voisin", network=c.net)
    c.state = [
        factory.user(Role.reviewer, institution=Institution.state, name=f"État {i}")
        for i in range(2)
    ]
    c.region = [
        factory.user(Role.reviewer, institution=Institution.region, name=f"Région {i}")
        for i in range(2)
    ]
    c.state[0].establishment = c.est_net  # works in the network's collège
    c.members = {}
    for user in c.state + c.region:
        inst = "state" if user in c.state else "region"
        c.members[user.id] = members_svc.add_member(world.call_admin, c.call, user.id, inst)
    c.dossiers = [_eligible(world, factory) for _ in range(3)]
    c.net_dossier = _eligible(world, factory, est=c.est_other)  # same network as État 0
    c.own_dossier = _eligible(world, factory, est=c.est_net)  # État 0's own collège
    db.session.flush()
    return c


def reviews_of(dossier):
    return db.session.scalars(select(Review).where(Review.dossier_id == dossier.id)).all()


def test_suspected_conflicts_are_listed_before_assignment(cast):
    found = {
        (d.id, m.user_id, reason) for d, m, reason in coverage_svc.suspected_conflicts(cast.call)
    }
    assert found == {
        (cast.net_dossier.id, cast.state[0].id, REASON_SAME_NETWORK),
        (cast.own_dossier.id, cast.state[0].id, REASON_SAME_ESTABLISHMENT),
    }


def test_automatic_assignment_covers_both_institutions_without_conflicts(cast):
    conflicts_svc.declare_conflict(cast.region[0], cast.dossiers[0], "personal", "Ma fille y est.")
    outbox_before = count(OutboxMessage)
    result = assignment_svc.run_assignment(cast.w.call_admin, cast.call)
    assert result.shortfalls == []
    everything = cast.dossiers + [cast.net_dossier, cast.own_dossier]
    for dossier in everything:
        rows = reviews_of(dossier)
        assert len(rows) == 2, dossier.reference
        assert {r.institution for r in rows} == {Institution.state, Institution.region}
        assert all(r.status == ReviewStatus.assigned for r in rows)
        assert dossier.status == DossierStatus.in_review
    assert cast.state[0].id not in {r.reviewer_id for r in reviews_of(cast.own_dossier)}
    assert cast.state[0].id not in {r.reviewer_id for r in reviews_of(cast.net_dossier)}
    assert cast.region[0].id not in {r.reviewer_id for r in reviews_of(cast.dossiers[0])}
    # one summary mail per reviewer with new assignments
    mails = db.session.scalars(select(OutboxMessage))
    mails = list(mails)[outbox_before:]
    assigned = {r.reviewer_id for d in everything for r in reviews_of(d)}
    assert len(mails) == len(assigned)
    assert all("à évaluer" in m.subject for m in mails)
    assert "reviewers_assigned" in db.session.scalars(select(AuditEvent.action)).all()
    # running it again tops up nothing
    again = assignment_svc.run_assignment(cast.w.call_admin, cast.call)
    assert again.created == [] and again.shortfalls == []


def test_shortfalls_are_reported_with_the_reference(cast):
    for user in cast.region:
        member = cast.members[user.id]
        members_svc.remove_member(cast.w.call_admin, cast.call, member.id)
    result = assignment_svc.run_assignment(cast.w.call_admin, cast.call)
    assert result.shortfalls
    assert any(cast.dossiers[0].reference in s and "Région" in s for s in result.shortfalls)


def test_assignment_tops_up_dossiers_in_review(cast):
    assignment_svc.assign_reviewer(
        cast.w.call_admin, cast.call, cast.dossiers[0].id, cast.state[1].id
    )
    assert cast.dossiers[0].status == DossierStatus.in_review
    assignment_svc.run_assignment(cast.w.call_admin, cast.call)
    rows = reviews_of(cast.dossiers[0])
    assert len(rows) == 2 and cast.state[1].id in {r.reviewer_id for r in rows}
    assert {r.institution for r in rows} == {Institution.state, Institution.region}


def test_assignment_needs_at_least_two_reviewers_per_dossier_in_the_database(cast):
    from sqlalchemy.exc import IntegrityError

    commission_svc.settings_of(cast.call).reviewers_per_dossier = 1
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "case,message",
    [
        ("declared", "a déclaré un conflit"),
        ("same_establishment", "appartient à l'établissement"),
        ("not_member", "n'est pas membre"),
        ("duplicate", "déjà affecté"),
        ("unknown_dossier", "n'appartient pas à cet appel"),
        ("not_eligible", "seuls les dossiers recevables"),
    ],
)
def test_manual_assignment_refusals(cast, factory, case, message):
    w = cast.w
    dossier, person = cast.dossiers[0], cast.region[1]
    if case == "declared":
        conflicts_svc.declare_conflict(person, dossier, "institutional")
    elif case == "same_establishment":
        dossier, person = cast.own_dossier, cast.state[0]
    elif case == "not_member":
        person = factory.user(Role.reviewer, institution=Institution.region)
    elif case == "duplicate":
        assignment_svc.assign_reviewer(w.call_admin, cast.call, dossier.id, person.id)
    elif case == "unknown_dossier":
        dossier = Dossier(id=999999)
    elif case == "not_eligible":
        dossier = factory.dossier(cast.call, w.head_a)  # a draft
    before = count(Review)
    status = dossier.status if dossier.call_id else None
    with pytest.raises(ServiceError, match=message) as caught:
        assignment_svc.assign_reviewer(w.call_admin, cast.call, dossier.id, person.id)
    assert caught.value.message.startswith("Affectation impossible")
    assert count(Review) == before
    if status is not None:
        assert dossier.status == status


def test_manual_assignment_allows_a_suspected_pair_and_mails_the_reviewer(cast):
    review = assignment_svc.assign_reviewer(
        cast.w.call_admin, cast.call, cast.net_dossier.id, cast.state[0].id
    )
    assert review.institution == Institution.state and review.status == ReviewStatus.assigned
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert mail.recipient == cast.state[0].email and cast.net_dossier.reference in mail.body
    assert f"/instruction/dossiers/{cast.net_dossier.id}/conflit" in mail.body


def test_removing_an_assignment(cast):
    review = assignment_svc.assign_reviewer(
        cast.w.call_admin, cast.call, cast.dossiers[0].id, cast.state[1].id
    )
    assignment_svc.remove_assignment(cast.w.call_admin, cast.call, review.id)
    assert count(Review) == 0 and cast.dossiers[0].status == DossierStatus.eligible
    kept = _submitted_review(cast.dossiers[1], cast.members[cast.region[1].id])
    with pytest.raises(Conflict, match="ne peut plus être retirée"):
        assignment_svc.remove_assignment(cast.w.call_admin, cast.call, kept.id)
    assert count(Review) == 1
    with pytest.raises(NotFound):
        assignment_svc.remove_assignment(cast.w.call_admin, cast.call, 999999)


def test_assignment_is_frozen_in_the_decision_phase(cast):
    phases_svc.advance_phase(cast.w.call_admin, cast.call, "deliberation")
    phases_svc.advance_phase(cast.w.call_admin, cast.call, "decision")
    with pytest.raises(Conflict, match="phase de décision"):
        assignment_svc.run_assignment(cast.w.call_admin, cast.call)
    with pytest.raises(Conflict, match="phase de décision"):
        assignment_svc.assign_reviewer(
            cast.w.call_admin, cast.call, cast.dossiers[0].id, cast.state[1].id
        )
    assert count(Review) == 0


@pytest.mark.parametrize("who", ["head_a", "reviewer", "observer", "copilot"])
def test_only_call_staff_assign(cast, who):
    user = getattr(cast.w, who)
    with pytest.raises(PermissionDenied):
        assignment_svc.run_assignment(user, cast.call)
    with pytest.raises(PermissionDenied):
        assignment_svc.assign_reviewer(user, cast.call, cast.dossiers[0].id, cast.state[1].id)
    with pytest.raises(PermissionDenied):
        assignment_import_svc.preview_import(user, cast.call, b"x;y")
    assert count(Review) == 0


# ---------------------------------------------------------------- CSV import


def _csv(*lines, bom=False):
    text = "\n".join(lines) + "\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


@pytest.mark.parametrize("bom", [False, True])
def test_import_applies_a_clean_file(cast, bom):
    data = _csv(
        "reference;email",
        f"{cast.dossiers[0].reference};{cast.state[1].email}",
        "",
        f" {cast.dossiers[0].reference} ; {cast.region[1].email.upper()} ",
        bom=bom,
    )
    lines = assignment_import_svc.preview_import(cast.w.call_admin, cast.call, data)
    assert [(l.line, l.ok) for l in lines] == [(2, True), (4, True)]
    created = assignment_import_svc.apply_import(cast.w.call_admin, cast.call, data)
    assert len(created) == 2 and cast.dossiers[0].status == DossierStatus.in_review
    assert "assignments_imported" in db.session.scalars(select(AuditEvent.action)).all()


def test_import_with_errors_applies_nothing(cast, factory):
    conflicts_svc.declare_conflict(cast.region[1], cast.dossiers[1], "personal")
    outsider = factory.user(Role.reviewer, institution=Institution.state)
    data = _csv(
        f"{cast.dossiers[0].reference};{cast.state[1].email}",
        f"AAP-2099-0001;{cast.state[1].email}",
        f"{cast.dossiers[0].reference};inconnu@example.fr",
        f"{cast.dossiers[1].reference};{cast.region[1].email}",
        f"{cast.own_dossier.reference};{cast.state[0].email}",
        f"{cast.dossiers[2].reference};{outsider.email}",
        f"{cast.dossiers[0].reference};{cast.state[1].email}",
        "une seule colonne",
    )
    lines = assignment_import_svc.preview_import(cast.w.call_admin, cast.call, data)
    by_line = {l.line: l.error for l in lines}
    assert by_line[1] is None
    assert "référence de dossier inconnue" in by_line[2]
    assert "aucun utilisateur" in by_line[3]
    assert "a déclaré un conflit" in by_line[4]
    assert "appartient à l'établissement" in by_line[5]
    assert "n'est pas membre" in by_line[6]
    assert "même affectation qu'à la ligne 1" in by_line[7]
    assert "deux colonnes" in by_line[8]
    with pytest.raises(ServiceError, match="aucune affectation n'a été importée") as caught:
        assignment_import_svc.apply_import(cast.w.call_admin, cast.call, data)
    assert set(caught.value.errors) == {f"ligne {n}" for n in range(2, 9)}
    assert count(Review) == 0 and cast.dossiers[0].status == DossierStatus.eligible


def test_import_revalidates_at_apply_time(cast):
    data = _csv(f"{cast.dossiers[0].reference};{cast.region[1].email}")
    assert all(
        l.ok for l in assignment_import_svc.preview_import(cast.w.call_admin, cast.call, data)
    )
    conflicts_svc.declare_conflict(cast.region[1], cast.dossiers[0], "personal")  # meanwhile
    with pytest.raises(ServiceError):
        assignment_import_svc.apply_import(cast.w.call_admin, cast.call, data)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Review).where(Review.status != ReviewStatus.declined)
        )
        == 0
    )


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "aucune affectation"),
        ("r\u00e9f;x".encode("latin-1") + b"\xff\n", "UTF-8"),
    ],
)
def test_unreadable_or_empty_files_are_refused(cast, data, message):
    with pytest.raises(ServiceError, match=message):
        assignment_import_svc.preview_import(cast.w.call_admin, cast.call, data)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_persisted_assignment_never_pairs_a_conflict(world, factory, seed):
    """On a random commission with declared conflicts and reviewers from the establishments:
    no stored pair is conflicted by the policy's own test, and every dossier not reported short
    has N reviewers of both institutions."""
    import random

    from review import policy

    rnd = random.Random(seed)
    settings_svc.save_settings(
        world.call_admin, world.call, {**RULES, "reviewers_per_dossier": "3"}
    )
    establishments = [factory.establishment() for _ in range(5)]
    people = []
    for i in range(8):
        inst = Institution.state if i % 2 else Institution.region
        est = rnd.choice(establishments + [None, None])
        person = factory.user(Role.reviewer, institution=inst, establishment=est)
        members_svc.add_member(world.call_admin, world.call, person.id, inst.value)
        people.append(person)
    dossiers = [_eligible(world, factory, est=rnd.choice(establishments)) for _ in range(20)]
    for _ in range(10):
        person, dossier = rnd.choice(people), rnd.choice(dossiers)
        try:
            conflicts_svc.declare_conflict(person, dossier, "personal")
        except Conflict:
            pass
    result = assignment_svc.run_assignment(world.call_admin, world.call)
    rows = db.session.scalars(select(Review).where(Review.status != ReviewStatus.declined)).all()
    for review in rows:
        assert not policy.conflicted(review.reviewer, review.dossier)
    short = {s.split(" : ")[0].removeprefix("Dossier ") for s in result.shortfalls}
    assert len(short) < len(dossiers) // 2  # the check below must bite
    for dossier in dossiers:
        if dossier.reference not in short:
            mine = [r for r in rows if r.dossier_id == dossier.id]
            assert len(mine) == 3
            assert {r.institution for r in mine} == {Institution.state, Institution.region}
