"""Co-piloted decisions, at the service level: proposals, validations, send back, publication."""

from __future__ import annotations

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from applications.models import DossierStatus
from portal.db import db
from portal.errors import Conflict, NotFound, PermissionDenied, ServiceError
from portal.models import AuditEvent, OutboxMessage, Role
from review import documents
from review.models import Decision, DecisionOutcome
from review.services import decisions as decisions_svc
from review.services import publication as publication_svc
from review.services import sessions as sessions_svc
from review.services.sessions import SessionRow, funding_plan
from review.signals import decision_finalised

from .helpers import build_commission


@pytest.fixture
def c(world, factory):
    return build_commission(world, factory)


@pytest.fixture
def received():
    got = []

    def receiver(sender, **kw):
        got.append((sender, sender.finalised_at, sender.dossier.status))

    decision_finalised.connect(receiver)
    yield got
    decision_finalised.disconnect(receiver)


def _actions():
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_full_path_from_reviewed_dossiers_to_a_final_decision(world, c, received):
    session = sessions_svc.create_session(
        world.call_admin,
        world.call,
        c.session.held_on,
        "Séance plénière",
        [c.copilot_state.id, c.copilot_region.id],
    )
    ranked = [d for d, _, _ in sessions_svc.ranked_dossiers(c.copilot_state, world.call)]
    assert ranked == c.dossiers  # best score first
    accepted, rejected, adjourned = c.dossiers
    decision = decisions_svc.record_proposal(
        c.copilot_state,
        session,
        accepted,
        "accept",
        "2 000",
        "1 500,50",
        "Projet partenarial solide.",
    )
    refusal = decisions_svc.record_proposal(
        c.copilot_region,
        session,
        rejected,
        "reject",
        motivation="Le public visé n'est pas décrocheur.",
    )
    later = decisions_svc.record_proposal(world.call_admin, session, adjourned, "adjourn")
    assert (accepted.status, rejected.status, adjourned.status) == (
        DossierStatus.proposed_accept,
        DossierStatus.proposed_reject,
        DossierStatus.reviewed,
    )
    assert later.outcome == DecisionOutcome.adjourn

    decisions_svc.validate_decision(c.copilot_state, decision)
    assert decision.state_validated_by_id == c.copilot_state.id and decision.finalised_at is None
    assert accepted.status == DossierStatus.proposed_accept and received == []
    decisions_svc.validate_decision(c.copilot_region, decision)
    assert decision.finalised_at is not None
    assert accepted.status == DossierStatus.accepted
    assert received == [(decision, decision.finalised_at, DossierStatus.accepted)]

    decisions_svc.validate_decision(c.copilot_region, refusal)
    decisions_svc.validate_decision(c.copilot_state, refusal)
    assert rejected.status == DossierStatus.rejected and len(received) == 2
    actions = _actions()
    assert actions.count("decision_proposed") == 3 and actions.count("decision_validated") == 4
    assert actions.count("decision_finalised") == 2 and "session_created" in actions
    db.session.flush()  # the database accepts what the services built


def test_a_copilot_cannot_validate_for_the_other_institution(world, c):
    decision = decisions_svc.record_proposal(
        world.call_admin, c.session, c.dossiers[0], "accept", "1000", "1000"
    )
    with pytest.raises(PermissionDenied, match="que pour votre institution"):
        decisions_svc.validate_decision(c.copilot_state, decision, institution="region")
    assert decision.state_validated_by_id is None and decision.region_validated_by_id is None
    decisions_svc.validate_decision(c.copilot_state, decision, institution="state")
    assert decision.region_validated_by_id is None  # own institution only, by construction


def test_validating_twice_is_a_conflict(world, c):
    decision = decisions_svc.record_proposal(
        world.call_admin, c.session, c.dossiers[0], "accept", "1000", "1000"
    )
    decisions_svc.validate_decision(c.copilot_region, decision)
    first = decision.region_validated_at
    with pytest.raises(Conflict, match="déjà enregistrée"):
        decisions_svc.validate_decision(c.copilot_region, decision)
    assert decision.region_validated_at == first and decision.finalised_at is None


@pytest.mark.parametrize("who", ["reviewer_state", "call_admin", "head_a"])
def test_only_copilots_validate(world, c, who):
    user = getattr(c, who, None) or getattr(world, who)
    decision = decisions_svc.record_proposal(
        world.call_admin, c.session, c.dossiers[0], "reject", motivation="Non."
    )
    with pytest.raises(PermissionDenied):
        decisions_svc.validate_decision(user, decision)
    with pytest.raises(PermissionDenied):
        decisions_svc.send_back(user, decision, "Je conteste.")
    assert decision.state_validated_by_id is None and decision.region_validated_by_id is None
    assert c.dossiers[0].status == DossierStatus.proposed_reject


def test_a_copilot_of_another_call_cannot_validate(world, c, factory):
    outsider = factory.user(Role.copilot)
    decision = decisions_svc.record_proposal(
        world.call_admin, c.session, c.dossiers[0], "accept", "1000", "0"
    )
    with pytest.raises(NotFound):  # may not even read the dossier
        decisions_svc.validate_decision(outsider, decision)


def test_final_decisions_cannot_be_validated_or_replaced(world, c):
    decision = decisions_svc.record_proposal(
        world.call_admin, c.session, c.dossiers[0], "accept", "1000", "1000"
    )
    decisions_svc.validate_decision(c.copilot_state, decision)
    decisions_svc.validate_decision(c.copilot_region, decision)
    with pytest.raises(Conflict):
        decisions_svc.send_back(c.copilot_state, decision, "Trop tard ?")
    with pytest.raises(Conflict):
        decisions_svc.record_proposal(
            world.call_admin, c.session, c.dossiers[0], "reject", motivation="Revirement."
        )
    assert decision.outcome == DecisionOutcome.accept and decision.finalised_at is not None


def test_send_back_clears_validations_and_the_proposal_can_be_redone(world, c):
    dossier = c.dossiers[0]
    decision = decisions_svc.record_proposal(
        world.call_admin, c.session, dossier, "accept", "1000", "1000"
    )
    decisions_svc.validate_decision(c.copilot_state, decision)
    with pytest.raises(ServiceError, match="Expliquez pourquoi"):
        decisions_svc.send_back(c.copilot_region, decision, "   ")
    assert decision.state_validated_by_id == c.copilot_state.id
    with pytest.raises(Conflict, match="sans proposition en attente"):
        decisions_svc.record_proposal(
            world.call_admin, c.session, dossier, "reject", motivation="x"
        )

    decisions_svc.send_back(c.copilot_region, decision, "Le montant Région est trop élevé.")
    assert decision.state_validated_by_id is None and decision.state_validated_at is None
    assert dossier.status == DossierStatus.reviewed
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "decision_sent_back"))
    assert event.changes["comment"] == "Le montant Région est trop élevé."
    mails = db.session.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.subject.like("Proposition renvoyée%"))
    ).all()
    assert c.copilot_state.email in mails and c.copilot_region.email not in mails

    again = decisions_svc.record_proposal(
        world.call_admin, c.session, dossier, "accept", "1000", "500"
    )
    assert again.id == decision.id and again.amount_region == Decimal("500.00")
    assert dossier.status == DossierStatus.proposed_accept


def test_a_rejection_needs_a_motivation(world, c):
    with pytest.raises(ServiceError, match="Motivez le rejet") as err:
        decisions_svc.record_proposal(
            world.call_admin, c.session, c.dossiers[0], "reject", motivation=""
        )
    assert err.value.field == "motivation"
    assert c.dossiers[0].status == DossierStatus.reviewed
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 0


@pytest.mark.parametrize(
    "state,region,field,message",
    [
        ("3000.01", "0", "amount_state", "dépasse le montant demandé"),
        ("0", "4000", "amount_region", "dépasse le montant demandé"),
        ("0", "0", "amount_state", "Un accord porte sur un montant"),
        ("", "", "amount_state", "Un accord porte sur un montant"),
        ("-5", "100", "amount_state", "négatif"),
        ("douze", "100", "amount_state", "n'est pas un montant"),
        ("1000,123", "100", "amount_state", "deux décimales"),
    ],
)
def test_accept_amounts_are_checked_per_funder(world, c, state, region, field, message):
    dossier = c.dossiers[0]  # asks 3 000 € of each funder
    with pytest.raises(ServiceError) as err:
        decisions_svc.record_proposal(world.call_admin, c.session, dossier, "accept", state, region)
    assert message in err.value.errors[field]
    assert dossier.status == DossierStatus.reviewed and decisions_svc.decision_of(dossier) is None


def test_an_unknown_outcome_or_a_foreign_dossier_is_refused(world, c, factory):
    with pytest.raises(ServiceError, match="accord, rejet ou ajournement"):
        decisions_svc.record_proposal(world.call_admin, c.session, c.dossiers[0], "peut-être")
    other_call = factory.call()
    foreign = factory.dossier(other_call, world.head_a, complete=True)
    from applications import services as dossiers

    dossiers.submit_dossier(world.head_a, foreign)
    foreign.status = DossierStatus.reviewed
    with pytest.raises(NotFound):
        decisions_svc.record_proposal(world.call_admin, c.session, foreign, "adjourn")


def test_adjourned_dossier_comes_back_in_a_later_session(world, c):
    dossier = c.dossiers[0]
    first = decisions_svc.record_proposal(world.call_admin, c.session, dossier, "adjourn")
    with pytest.raises(Conflict, match="ajournement ne se valide pas"):
        decisions_svc.validate_decision(c.copilot_state, first)
    later = sessions_svc.create_session(
        world.call_admin, world.call, c.session.held_on, "Suite", [c.copilot_state.id]
    )
    again = decisions_svc.record_proposal(
        world.call_admin, later, dossier, "reject", motivation="Non."
    )
    assert again.id == first.id and again.session_id == later.id
    assert dossier.status == DossierStatus.proposed_reject


def test_a_session_refuses_a_user_who_does_not_run_sessions(world, c):
    for user in (world.head_a, c.reviewer_state, world.admin):
        with pytest.raises(PermissionDenied):
            sessions_svc.create_session(user, world.call, c.session.held_on, "Séance", [])
        with pytest.raises(PermissionDenied):
            decisions_svc.record_proposal(user, c.session, c.dossiers[0], "adjourn")


# ---------------------------------------------------------------- publication


def _finalise(world, c, dossier, outcome="accept", **kw):
    args = ("1000", "1000") if outcome == "accept" else ()
    decision = decisions_svc.record_proposal(
        world.call_admin,
        c.session,
        dossier,
        outcome,
        *args,
        motivation=kw.get("motivation", "Motif."),
    )
    decisions_svc.validate_decision(c.copilot_state, decision)
    decisions_svc.validate_decision(c.copilot_region, decision)
    return decision


def test_publication_waits_for_every_final_decision(world, c):
    _finalise(world, c, c.dossiers[0])
    with pytest.raises(ServiceError) as err:
        publication_svc.publish_results(world.call_admin, world.call)
    assert "Publication impossible : 2 dossiers" in err.value.message
    assert c.dossiers[1].reference in err.value.message
    assert c.dossiers[2].reference in err.value.message
    assert (
        db.session.scalar(
            select(func.count()).select_from(Decision).where(Decision.published_at.is_not(None))
        )
        == 0
    )


def test_publication_publishes_all_and_mails_each_establishment_once(world, c):
    decided = [
        _finalise(world, c, c.dossiers[0]),
        _finalise(world, c, c.dossiers[1], "reject", motivation="Hors du champ de l'appel."),
    ]
    decisions_svc.record_proposal(
        world.call_admin, c.session, c.dossiers[2], "reject", motivation="Non."
    )
    with pytest.raises(ServiceError):  # still one proposal waiting for the co-pilots
        publication_svc.publish_results(world.call_admin, world.call)
    decided.append(_finalise_pending(c, c.dossiers[2]))
    with pytest.raises(PermissionDenied):
        publication_svc.publish_results(c.copilot_state, world.call)
    published = publication_svc.publish_results(world.call_admin, world.call)
    assert {d.id for d in published} == {d.id for d in decided}
    assert all(d.published_at is not None for d in decided)
    subjects = db.session.scalars(
        select(OutboxMessage.subject).where(
            OutboxMessage.recipient == world.head_a.email,
            OutboxMessage.subject.like("Dossier %retenu"),
        )
    ).all()
    assert sorted(subjects) == sorted(
        [
            f"Dossier {c.dossiers[0].reference} retenu",
            f"Dossier {c.dossiers[1].reference} non retenu",
            f"Dossier {c.dossiers[2].reference} non retenu",
        ]
    )
    body = db.session.scalar(
        select(OutboxMessage.body).where(
            OutboxMessage.subject == f"Dossier {c.dossiers[1].reference} non retenu"
        )
    )
    assert "Hors du champ de l'appel." in body and c.reviewer_state.full_name not in body
    with pytest.raises(Conflict, match="déjà été publiés"):
        publication_svc.publish_results(world.call_admin, world.call)
    assert "results_published" in _actions()


def _finalise_pending(c, dossier):
    decision = decisions_svc.decision_of(dossier)
    decisions_svc.validate_decision(c.copilot_state, decision)
    decisions_svc.validate_decision(c.copilot_region, decision)
    return decision


def test_the_decision_is_shown_to_the_establishment_only_once_published(world, c):
    decision = _finalise(world, c, c.dossiers[0])
    assert decisions_svc.shown_decision(world.head_a, c.dossiers[0]) is None
    assert decisions_svc.shown_decision(world.call_admin, c.dossiers[0]) == decision
    assert decisions_svc.shown_decision(world.head_b, c.dossiers[0]) is None
    decision.published_at = decision.finalised_at
    assert decisions_svc.shown_decision(world.head_a, c.dossiers[0]) == decision


# ---------------------------------------------------------------- documents


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_minutes_and_letter_are_pdfs_naming_the_dossier(world, c):
    decision = _finalise(world, c, c.dossiers[0], motivation="Projet remarquable.")
    decisions_svc.record_proposal(
        world.call_admin, c.session, c.dossiers[1], "reject", motivation="Trop coûteux."
    )
    minutes = _text(documents.render_minutes(c.session, world.call, world.call_admin))
    assert c.dossiers[0].reference in minutes and c.dossiers[1].reference in minutes
    assert "Trop coûteux." in minutes and "Étienne Instructeur" in minutes  # present at the session
    assert "co-pilote" in minutes
    letter = _text(documents.render_letter(decision))
    assert c.dossiers[0].reference in letter and "Projet remarquable." in letter
    for person in (c.reviewer_state, c.reviewer_region, c.copilot_state, c.copilot_region):
        assert person.full_name not in letter


# ---------------------------------------------------------------- the funding line (pure)


def _row(rank, state, region, decision=None):
    return SessionRow(
        rank=rank,
        dossier=None,
        score=None,
        flagged=False,
        asked={"state": Decimal(state), "region": Decimal(region)},
        decision=decision,
    )


def test_funding_line_falls_where_the_envelope_runs_out():
    proposed = SimpleNamespace(status=DossierStatus.proposed_accept)
    granted = SimpleNamespace(
        outcome=DecisionOutcome.accept,
        amount_state=Decimal("1000"),
        amount_region=Decimal("500"),
        finalised_at=None,
        dossier=proposed,
    )
    rejected = SimpleNamespace(
        outcome=DecisionOutcome.reject,
        amount_state=Decimal("0"),
        amount_region=Decimal("0"),
        finalised_at=None,
        dossier=proposed,
    )
    rows = [
        _row(1, "3000", "3000", granted),
        _row(2, "3000", "3000", rejected),
        _row(3, "2000", "4000"),
        _row(4, "1000", "1000"),
    ]
    line = funding_plan(rows, {"region": Decimal("9000"), "state": None})
    # Région: 500 (granted) + 0 (rejected) + 4 000 (asked) = 4 500 at rank 3; + 1 000 = 5 500.
    assert line["region"] == {"rank": 4, "left": Decimal("3500"), "envelope": Decimal("9000")}
    assert "state" not in line
    assert [r.cumulative_planned["state"] for r in rows] == [1000, 1000, 3000, 4000]
    assert [r.cumulative_granted["region"] for r in rows] == [500, 500, 500, 500]
    line = funding_plan(rows, {"region": Decimal("4500")})
    assert line["region"]["rank"] == 3 and line["region"]["left"] == 0
    assert [r.beyond["region"] for r in rows] == [False, False, False, True]
    assert funding_plan(rows, {"region": Decimal("100")})["region"]["rank"] is None


def test_a_validation_racing_another_one_is_refused_not_lost(world, c):
    """Both co-pilots validating at once: the later write fails its version check (→ 409 page)."""
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    from portal.db import utcnow

    decision = decisions_svc.record_proposal(
        world.call_admin, c.session, c.dossiers[0], "accept", "1000", "1000"
    )
    db.session.flush()
    db.session.execute(
        update(Decision)
        .where(Decision.id == decision.id)
        .values(
            version=Decision.version + 1,
            region_validated_by_id=c.copilot_region.id,
            region_validated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(StaleDataError):
        decisions_svc.validate_decision(c.copilot_state, decision)


def test_a_proposal_sent_back_no_longer_counts_as_granted():
    back = SimpleNamespace(status=DossierStatus.reviewed)
    sent_back = SimpleNamespace(
        outcome=DecisionOutcome.accept,
        amount_state=Decimal("1000"),
        amount_region=Decimal("500"),
        finalised_at=None,
        dossier=back,
    )
    row = _row(1, "3000", "3000", sent_back)
    line = funding_plan([row], {"region": Decimal("2000")})
    # the asked 3 000 € is planned again, not the 500 € of the withdrawn proposal
    assert row.granted["region"] == 0 and row.planned["region"] == Decimal("3000")
    assert line["region"]["rank"] is None
