"""Funding fixtures: a call with envelopes, officers of both funders, accepted and funded dossiers.

Decisions are built directly (the commission's path is tests/review's business), then committed
through `funding.services.commit_decision`, the same function the `decision_finalised` signal runs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from applications import services as dossiers
from applications.models import DossierStatus
from funding import services
from funding.models import GrantAgreement
from portal.db import db, utcnow
from portal.models import Institution, Role
from review.models import Decision, DecisionOutcome

from ..conftest import PDF_BYTES, Factory  # noqa: F401  (re-exported for the funding tests)

STATE, REGION = Institution.state, Institution.region


def accepted(
    o,
    amount_state="1000.00",
    amount_region="2000.00",
    author=None,
    publish=True,
    commit=True,
    factory: Factory | None = None,
):
    """A dossier of `author`'s establishment (Lycée A by default) with a final, published accept
    decision; its parts committed when `commit`. Returns the Decision (decision.dossier)."""
    factory = factory or o.factory
    author = author or o.head_a
    dossier = factory.dossier(o.call, author, complete=True)
    dossiers.submit_dossier(author, dossier)
    dossier.status = DossierStatus.accepted
    now = utcnow()
    decision = Decision(
        dossier_id=dossier.id,
        outcome=DecisionOutcome.accept,
        amount_state=Decimal(amount_state),
        amount_region=Decimal(amount_region),
        motivation="Projet retenu.",
        proposed_by_id=o.call_admin.id,
        state_validated_by_id=o.copilot.id,
        state_validated_at=now,
        region_validated_by_id=o.copilot.id,
        region_validated_at=now,
        finalised_at=now,
        published_at=now if publish else None,
    )
    if publish:
        dossier.decision_published_at = now
    db.session.add(decision)
    db.session.flush()
    if commit:
        services.commit_decision(decision)
    return decision


def funded(
    o,
    amount_state="1000.00",
    amount_region="2000.00",
    author=None,
    report_due_on: dt.date | None = None,
):
    """An accepted dossier whose agreement is signed (status funded), rows written directly."""
    decision = accepted(o, amount_state, amount_region, author=author)
    dossier = decision.dossier
    agreement = GrantAgreement(
        dossier_id=dossier.id,
        number=f"CONV-{dossier.reference}",
        generated_by_id=o.budget.id,
        report_due_on=report_due_on or dt.date.today() + dt.timedelta(days=300),
        advance_rate=o.call.advance_rate,
        amount_state=decision.amount_state,
        amount_region=decision.amount_region,
        signed_key=f"test/agreements/{dossier.id}.pdf",
        signed_filename="convention-signee.pdf",
        signed_size=len(PDF_BYTES),
        signed_sha256="0" * 64,
        signed_uploaded_at=utcnow(),
        signed_uploaded_by_id=o.head_a.id,
        signed_on=dt.date.today() - dt.timedelta(days=365),
        signature_recorded_by_id=o.budget.id,
        signature_recorded_at=utcnow(),
    )
    db.session.add(agreement)
    dossier.status = DossierStatus.funded
    db.session.flush()
    return decision


@pytest.fixture
def money_world(world, factory):
    """`world` plus: envelopes of 100 000,00 € per funder on world.call, a State budget officer
    (`budget_state`; world.budget is the Région's), and the `accepted`/`funded` builders."""
    o = world
    o.factory = factory
    o.budget_region = o.budget
    o.budget_state = factory.user(Role.budget_officer, institution=STATE, name="Stéphane Budget")
    o.envelope_state = services.set_envelope(o.budget_state, o.call, STATE, "100000.00")
    o.envelope_region = services.set_envelope(o.budget_region, o.call, REGION, "100000.00")
    o.accepted = lambda *a, **k: accepted(o, *a, **k)
    o.funded = lambda *a, **k: funded(o, *a, **k)
    db.session.flush()
    return o


def commitment_of(decision, funder):
    return next(c for c in services.commitments_of(decision.dossier) if c.funder == funder)


__all__ = ["accepted", "funded", "commitment_of", "STATE", "REGION", "SimpleNamespace"]
