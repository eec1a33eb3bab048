"""Races on real PostgreSQL transactions: envelopes are never over-committed, money never paid twice.

Threads start together (a Barrier), each with its own session and connection, and commit for real
on a database of their own (`live_database_url`, dropped at the end), since the per-test
transaction of the other tests cannot show a race. Connections come from a pool of CONNECTIONS, as
a web server's would: up to that many transactions contend for the envelope row at once, the
others queue for a connection. SQLite serialises writers (no row locks): PostgreSQL only.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from applications.models import Dossier, DossierStatus
from funding import services
from funding.models import Clawback, Commitment, GrantAgreement, Payment
from portal.db import db, utcnow
from portal.errors import ServiceError
from portal.models import AuditEvent, Call, Institution, Role, User
from review.models import Decision, DecisionOutcome

from ..conftest import Factory
from ..helpers import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="row locks need PostgreSQL: set TEST_DATABASE_URL (.ci/run does)",
    ),
]
STATE = Institution.state


def _cast(app, departments=("86",)):
    """Committed for real: a call, an establishment per département, a State officer, the
    people a final decision names. Returns ids in a dict."""
    with app.app_context():
        factory = Factory()
        call = factory.call()
        cast = {
            "call": call.id,
            "officer": factory.user(Role.budget_officer, institution=STATE).id,
            "copilot": factory.user(Role.copilot, institution=STATE).id,
        }
        for department in departments:
            establishment = factory.establishment(department=department)
            cast[department] = (
                establishment.id,
                factory.user(Role.applicant_head, establishment=establishment).id,
            )
        db.session.commit()
        return cast


def _decisions(cast, department, count, amount="1000.00", start=0):
    """`count` final accept decisions of `amount` (State) for the département's establishment."""
    establishment_id, head_id = cast[department]
    now = utcnow()
    ids = []
    for n in range(start, start + count):
        dossier = Dossier(
            call_id=cast["call"],
            establishment_id=establishment_id,
            created_by_id=head_id,
            title=f"Projet {n}",
            main_axis=2,
            status=DossierStatus.accepted,
            reference=f"RACE-{department}-{n:04d}",
            decision_published_at=now,
        )
        db.session.add(dossier)
        db.session.flush()
        decision = Decision(
            dossier_id=dossier.id,
            outcome=DecisionOutcome.accept,
            amount_state=Decimal(amount),
            amount_region=Decimal(0),
            motivation="Projet retenu.",
            proposed_by_id=cast["copilot"],
            state_validated_by_id=cast["copilot"],
            state_validated_at=now,
            region_validated_by_id=cast["copilot"],
            region_validated_at=now,
            finalised_at=now,
            published_at=now,
        )
        db.session.add(decision)
        db.session.flush()
        ids.append(decision.id)
    return ids


def _commit_job(decision_id):
    def job():
        return services.commit_decision(db.session.get(Decision, decision_id))[STATE]

    return job


def _committed(call_id, department=None):
    query = select(func.coalesce(func.sum(Commitment.amount), 0), func.count(Commitment.id)).where(
        Commitment.call_id == call_id
    )
    if department:
        query = query.where(Commitment.department_code == department)
    return tuple(db.session.execute(query).one())


def test_a_hundred_commitments_race_for_an_envelope_that_holds_fifty(race):
    app = race
    cast = _cast(app)
    with app.app_context():
        officer, call = db.session.get(User, cast["officer"]), db.session.get(Call, cast["call"])
        services.set_envelope(officer, call, STATE, "50 000,00")
        ids = _decisions(cast, "86", 100)
        db.session.commit()

    # a watcher reads the committed sum while the race runs: never above the envelope
    seen, stop = [], threading.Event()

    def watch():
        with app.app_context():
            while not stop.is_set():
                seen.append(_committed(cast["call"])[0])
                db.session.rollback()
                time.sleep(0.002)
            db.session.remove()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        outcomes, seconds = run_together(app, [_commit_job(i) for i in ids])
    finally:
        stop.set()
        watcher.join(30)
    print(f"100 commitments against 50: {seconds:.2f} s, {len(seen)} sums watched")

    crashes = [o for o in outcomes if isinstance(o, Exception)]
    assert crashes == []
    committed = [o for o in outcomes if isinstance(o, Commitment)]
    refusals = [o for o in outcomes if isinstance(o, str)]
    assert (len(committed), len(refusals)) == (50, 50)
    assert all(
        o.startswith("Engagement refusé : 1\u202f000,00\u00a0€ pour le dossier RACE-")
        and "reste à engager : 0,00\u00a0€" in o
        for o in refusals
    )
    with app.app_context():
        assert _committed(cast["call"]) == (Decimal("50000.00"), 50)
        (figures,) = services.envelope_figures(cast["call"])
        assert (figures.committed, figures.remaining) == (Decimal("50000.00"), Decimal("0.00"))
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "commitment_refused")
            )
            == 50
        )
        assert len(services.uncommitted(cast["call"])) == 50
    assert seen and max(seen) <= Decimal("50000.00")


def test_a_département_sub_envelope_holds_under_a_race(race):
    """20 dossiers of the Vienne (86) race for a sub-envelope holding 7 while 5 of the
    Charente-Maritime (17) commit against the same main envelope, which has room for all."""
    app = race
    cast = _cast(app, departments=("86", "17"))
    with app.app_context():
        officer, call = db.session.get(User, cast["officer"]), db.session.get(Call, cast["call"])
        services.set_envelope(officer, call, STATE, "50000")
        services.set_envelope(officer, call, STATE, "7000", department_code="86")
        ids = _decisions(cast, "86", 20) + _decisions(cast, "17", 5, start=100)
        db.session.commit()
    outcomes, seconds = run_together(app, [_commit_job(i) for i in ids])
    print(f"25 commitments, sub-envelope of 7: {seconds:.2f} s")
    assert not [o for o in outcomes if isinstance(o, Exception)]
    refusals = [o for o in outcomes if isinstance(o, str)]
    assert len(refusals) == 13 and all("département 86" in o for o in refusals)
    with app.app_context():
        assert _committed(cast["call"], "86") == (Decimal("7000.00"), 7)
        assert _committed(cast["call"], "17") == (Decimal("5000.00"), 5)


def _funded(app, cast, count):
    """`count` committed and signed State commitments of 1 000,00 €; their ids."""
    with app.app_context():
        officer, call = db.session.get(User, cast["officer"]), db.session.get(Call, cast["call"])
        services.set_envelope(officer, call, STATE, "50000")
        ids = []
        for decision_id in _decisions(cast, "86", count):
            decision = db.session.get(Decision, decision_id)
            commitment = services.commit_decision(decision)[STATE]
            dossier = decision.dossier
            db.session.add(
                GrantAgreement(
                    dossier_id=dossier.id,
                    number=f"CONV-{dossier.reference}",
                    generated_by_id=officer.id,
                    report_due_on=dt.date.today() + dt.timedelta(days=300),
                    advance_rate=Decimal(50),
                    signed_key=f"race/{dossier.id}.pdf",
                    signed_on=dt.date.today(),
                    signature_recorded_by_id=officer.id,
                )
            )
            dossier.status = DossierStatus.funded
            ids.append(commitment.id)
        db.session.commit()
        return ids


def test_two_payments_of_what_remains_cannot_both_pass(race):
    """On each of five commitments, two officers' tabs record the 1 000,00 € that remain, at once."""
    app = race
    cast = _cast(app)
    commitment_ids = _funded(app, cast, 5)

    def pay(commitment_id, reference):
        def job():
            officer = db.session.get(User, cast["officer"])
            return services.record_payment(
                officer,
                db.session.get(Commitment, commitment_id),
                "1 000,00",
                services.today(),
                reference,
                "instalment",
            )

        return job

    jobs = [pay(c, f"M-{c}-{tab}") for c in commitment_ids for tab in "AB"]
    outcomes, seconds = run_together(app, jobs)
    print(f"10 payments on 5 commitments: {seconds:.2f} s")
    for i in range(0, len(jobs), 2):
        pair = outcomes[i : i + 2]
        assert sum(isinstance(o, Payment) for o in pair) == 1, pair
        (message,) = [o for o in pair if isinstance(o, str)]
        assert "dépasse ce qui reste à verser sur l'engagement : 0,00\u00a0€" in message
    with app.app_context():
        for commitment_id in commitment_ids:
            assert db.session.scalar(
                select(func.sum(Payment.amount)).where(Payment.commitment_id == commitment_id)
            ) == Decimal("1000.00")


def test_the_same_part_committed_twice_at_once_is_one_commitment(race):
    """The signal and an officer (or two officers) commit the same part at the same instant."""
    app = race
    cast = _cast(app)
    with app.app_context():
        officer, call = db.session.get(User, cast["officer"]), db.session.get(Call, cast["call"])
        services.set_envelope(officer, call, STATE, "50000")
        ids = _decisions(cast, "86", 4)
        db.session.commit()

    def again(decision_id):
        return lambda: services.commit_again(
            db.session.get(User, cast["officer"]), db.session.get(Decision, decision_id), STATE
        )

    outcomes, _ = run_together(app, [f(i) for i in ids for f in (again, again)])
    for i in range(0, len(outcomes), 2):
        pair = outcomes[i : i + 2]
        assert sum(isinstance(o, Commitment) for o in pair) == 1, pair
        assert any(isinstance(o, str) and "est déjà engagée" in o for o in pair), pair
    with app.app_context():
        assert _committed(cast["call"]) == (Decimal("4000.00"), 4)


def test_a_clawback_settled_twice_at_once_is_settled_once(race):
    app = race
    cast = _cast(app)
    (commitment_id,) = _funded(app, cast, 1)
    with app.app_context():
        officer = db.session.get(User, cast["officer"])
        commitment = db.session.get(Commitment, commitment_id)
        services.record_payment(officer, commitment, "500", services.today(), "AV-1")
        clawback_id = services.create_clawback(officer, commitment, "200", "Trop versé.").id
        db.session.commit()

    def settle(reference):
        return lambda: services.settle_clawback(
            db.session.get(User, cast["officer"]),
            db.session.get(Clawback, clawback_id),
            services.today(),
            reference,
        )

    outcomes, _ = run_together(app, [settle("T-1"), settle("T-2")])
    assert sum(isinstance(o, Clawback) for o in outcomes) == 1, outcomes
    assert any(isinstance(o, str) and "déjà soldé" in o for o in outcomes), outcomes


def test_a_new_sub_envelope_waits_for_a_commitment_in_flight(race):
    """A commitment holds the main envelope's lock while its transaction runs; a sub-envelope
    created meanwhile waits for it, then sees it: it cannot be set below what it must hold."""
    app = race
    cast = _cast(app)
    with app.app_context():
        officer, call = db.session.get(User, cast["officer"]), db.session.get(Call, cast["call"])
        services.set_envelope(officer, call, STATE, "50000")
        (decision_id,) = _decisions(cast, "86", 1)
        db.session.commit()
    locked, release, outcome = threading.Event(), threading.Event(), {}

    def committing():
        with app.app_context():
            services.commit_decision(db.session.get(Decision, decision_id))
            locked.set()
            release.wait(30)
            db.session.commit()
            db.session.remove()

    def splitting():
        locked.wait(30)
        with app.app_context():
            try:
                services.set_envelope(
                    db.session.get(User, cast["officer"]),
                    db.session.get(Call, cast["call"]),
                    STATE,
                    "500",
                    department_code="86",
                )
                db.session.commit()
                outcome["result"] = "created"
            except ServiceError as exc:
                db.session.rollback()
                outcome["result"] = exc.message
            finally:
                db.session.remove()

    first, second = threading.Thread(target=committing), threading.Thread(target=splitting)
    first.start()
    second.start()
    locked.wait(30)
    time.sleep(0.5)
    assert "result" not in outcome  # the sub-envelope waits for the commitment's transaction
    release.set()
    first.join(30)
    second.join(30)
    assert "déjà engagé : 1\u202f000,00" in outcome["result"]
