"""Each funder validates its own part of the final report: a Région officer changes only the
Région's money and the State's officer only the State's; what each funder owes is fixed at the
first validation; the report is validated once every committed funder has validated its part.
Every refusal changes nothing."""

from __future__ import annotations

import os
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from applications.models import Dossier, DossierStatus
from funding import money, services
from funding.models import Clawback, FinalReport, ReportStatus
from funding.services import reports
from portal.db import db
from portal.errors import Conflict, PermissionDenied, ServiceError
from portal.models import OutboxMessage, Role, RoleGrant, User

from ..conftest import PDF_BYTES, Factory, login
from ..helpers import run_together
from . import conftest as funding_fixtures
from .conftest import REGION, STATE
from .helpers import (
    _data,
    _money,
    _page,
    _sign,
    _state,
    _submitted,
    _validation,
    commitment_of_dossier,
)


@pytest.fixture
def funded(money_world):
    """Lycée A's dossier (1 000 € État + 2 000 € Région) with its agreement signed."""
    return _sign(money_world, money_world.accepted("1000.00", "2000.00").dossier)


def _url(dossier, tail="validation") -> str:
    return f"/financement/dossiers/{dossier.id}/bilan/{tail}"


def test_each_funder_validates_and_settles_only_its_own_part(client, money_world, funded):
    """The abuse case of the issue: the Région's officer validating must not touch the State's
    money. The State's officer then validates its own part, the report is validated, and the
    settled clawbacks close the dossier."""
    o = money_world
    c_state, c_region = (commitment_of_dossier(funded, f) for f in (STATE, REGION))
    services.record_payment(o.budget_state, c_state, "500,00", services.today(), "E-1")
    services.record_payment(o.budget_region, c_region, "1000,00", services.today(), "R-1")
    _submitted(o, funded, expenses={"services": "600.00"})
    db.session.commit()
    state_money = _money(funded)[STATE]

    login(client, o.budget_region)
    assert client.post(_url(funded), data=_validation(funded)).status_code == 302
    db.session.expire_all()
    assert _money(funded)[STATE] == state_money  # commitment, payments, clawbacks untouched
    report = reports.report_of(funded)
    assert report.status == ReportStatus.submitted and funded.status == DossierStatus.reporting
    assert report.region_validated_by_id == o.budget_region.id and report.state_validated_at is None
    # the dues are fixed for both funders: min(3 000, 600) shared 1/3 – 2/3
    assert (report.justified_amount, report.due_state, report.due_region) == (
        Decimal("600.00"),
        Decimal("200.00"),
        Decimal("400.00"),
    )
    assert c_region.amount == Decimal("400.00")
    assert [(k.amount, k.created_by_id) for k in c_region.clawbacks] == [
        (Decimal("600.00"), o.budget_region.id)
    ]
    mail = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.subject
            == (f"Bilan du dossier {funded.reference} : part de la Région validée")
        )
    ).first()
    body = mail.body.replace("\u00a0", " ")
    assert "montant dû 400,00 € ; un reversement de 600,00 € vous sera demandé" in body
    assert "La part de l’État (rectorat) reste à valider par ses services." in body
    login(client, o.head_a)
    page = _page(client.get(f"/financement/dossiers/{funded.id}"))
    assert "Part Région validée le" in page and "Part État en attente" in page
    # the Région's clawback settled: the dossier stays open while the State's part is pending
    services.settle_clawback(o.budget_region, c_region.clawbacks[0], services.today(), "T-R")
    assert funded.status == DossierStatus.reporting
    db.session.commit()

    login(client, o.budget_state)
    assert client.post(_url(funded), data=_validation(funded)).status_code == 302
    db.session.expire_all()
    report = reports.report_of(funded)
    assert report.status == ReportStatus.validated
    assert report.state_validated_by_id == report.reviewed_by_id == o.budget_state.id
    assert (report.due_state, report.due_region) == (Decimal("200.00"), Decimal("400.00"))
    assert c_state.amount == Decimal("200.00")
    assert [(k.amount, k.created_by_id) for k in c_state.clawbacks] == [
        (Decimal("300.00"), o.budget_state.id)
    ]
    assert funded.status == DossierStatus.reporting  # the State's clawback is open
    services.settle_clawback(o.budget_state, c_state.clawbacks[0], services.today(), "T-E")
    assert funded.status == DossierStatus.closed


def test_an_officer_cannot_validate_the_other_funders_part(client, money_world, funded):
    o = money_world
    services.record_payment(
        o.budget_state, commitment_of_dossier(funded, STATE), "500,00", services.today(), "E-1"
    )
    _submitted(o, funded, expenses={"services": "300.00"})
    db.session.commit()
    before = _state(funded)
    login(client, o.budget_region)
    response = client.post(_url(funded), data=_validation(funded, STATE))
    assert response.status_code == 403
    assert _state(funded) == before
    with pytest.raises(PermissionDenied, match="Seuls les agents budgétaires de l’État"):
        reports.validate(o.budget_region, funded, STATE)
    assert _state(funded) == before


def test_an_officer_of_a_funder_without_commitment_is_refused(client, money_world):
    """A Région-only grant: the State's officer has no part to validate (403); the Région's
    officer validates alone, and the report is validated at once."""
    o = money_world
    dossier = _sign(o, o.accepted("0", "2000.00").dossier)
    _submitted(o, dossier, expenses={"services": "1500.00"})
    db.session.commit()
    before = _state(dossier)
    login(client, o.budget_state)
    page = _page(client.get(f"/financement/dossiers/{dossier.id}/bilan"))
    assert "Aucune part du bilan n'attend votre validation" in page
    assert 'name="funder"' not in page
    response = client.post(_url(dossier), data=_validation(dossier))
    assert response.status_code == 403
    assert _state(dossier) == before
    result = reports.validate(o.budget_region, dossier)
    assert result.complete and (result.due, result.balance) == (
        Decimal("1500.00"),
        Decimal("1500.00"),
    )
    report = reports.report_of(dossier)
    assert report.status == ReportStatus.validated
    assert (report.due_state, report.due_region) == (None, Decimal("1500.00"))


def test_corrections_are_refused_after_a_partial_validation(client, money_world, funded):
    o = money_world
    _submitted(o, funded)
    reports.validate(o.budget_state, funded)
    db.session.commit()
    before = _state(funded)
    login(client, o.budget_region)
    page = _page(client.get(f"/financement/dossiers/{funded.id}/bilan"))
    assert "Demander des corrections" not in page
    assert "des corrections ne peuvent plus être demandées" in page
    response = client.post(_url(funded, "corrections"), data={"message": "Joignez les factures."})
    assert response.status_code == 409
    assert "Part État validée le" in _page(response)
    assert _state(funded) == before
    with pytest.raises(Conflict, match="des corrections ne peuvent plus être demandées"):
        reports.request_corrections(o.budget_state, funded, "Autre chose.")
    assert _state(funded) == before


def test_a_stale_page_is_refused(client, money_world, funded):
    """The form carries the report's version and the preview's digest: a payment recorded, or the
    other part validated, since the page was shown is a 409 that changes nothing."""
    o = money_world
    _submitted(o, funded, expenses={"services": "900.00"})
    db.session.commit()
    shown = _validation(funded)
    services.record_payment(
        o.budget_state, commitment_of_dossier(funded, STATE), "100,00", services.today(), "E-1"
    )
    db.session.commit()
    before = _state(funded)
    login(client, o.budget_state)
    response = client.post(_url(funded), data=shown)
    assert response.status_code == 409
    assert "Le bilan a changé depuis l'affichage" in _page(response)
    assert _state(funded) == before
    shown = _validation(funded)
    reports.validate(o.budget_region, funded)  # the other part: the report's version moves on
    db.session.commit()
    before = _state(funded)
    for data in (
        shown,
        {**_validation(funded), "version": shown["version"]},
        {"preview": _validation(funded)["preview"]},
    ):  # a missing version is stale too
        response = client.post(_url(funded), data=data)
        assert response.status_code == 409
        assert "Le bilan a changé depuis l'affichage" in _page(response)
        assert _state(funded) == before
    assert client.post(_url(funded), data=_validation(funded)).status_code == 302


@pytest.mark.parametrize(
    "state,region,justified",
    [
        ("1000.00", "2000.00", "1000.01"),  # rounding: the parts still add up to the cent
        ("1000.00", "2000.00", "3500.00"),  # more spent than granted: the grants are due
        ("333.33", "666.67", "100.00"),
    ],
)
def test_dues_are_fixed_at_the_first_validation(money_world, state, region, justified):
    o = money_world
    dossier = _sign(o, o.accepted(state, region).dossier)
    services.record_payment(
        o.budget_region, commitment_of_dossier(dossier, REGION), "50,00", services.today(), "R-1"
    )
    _submitted(o, dossier, expenses={"services": justified})
    expected = money.due_per_funder(
        {STATE: Decimal(state), REGION: Decimal(region)}, Decimal(justified)
    )
    reports.validate(o.budget_region, dossier)
    report = reports.report_of(dossier)
    fixed = (report.due_state, report.due_region)
    assert fixed == (expected[STATE], expected[REGION])
    assert sum(fixed) == min(Decimal(state) + Decimal(region), Decimal(justified))
    # the Région's commitment is now its due: recomputing would change the State's share,
    # the stored due does not move
    reports.validate(o.budget_state, dossier)
    db.session.expire_all()
    report = reports.report_of(dossier)
    assert (report.due_state, report.due_region) == fixed
    assert report.status == ReportStatus.validated
    assert {c.funder: c.amount for c in services.commitments_of(dossier)} == {
        STATE: fixed[0],
        REGION: fixed[1],
    }


def test_an_officer_of_both_funders_chooses_the_part(client, money_world, funded):
    o = money_world
    both = o.factory.user(Role.budget_officer, institution=STATE, name="Agent des deux")
    both.grants.append(RoleGrant(role=Role.budget_officer, institution=REGION))
    _submitted(o, funded)
    db.session.commit()
    before = _state(funded)
    login(client, both)
    page = _page(client.get(f"/financement/dossiers/{funded.id}/bilan"))
    assert "Part du bilan que vous validez" in page and 'id="funder-state"' in page
    response = client.post(_url(funded), data=_validation(funded))
    assert response.status_code == 400
    page = _page(response)
    assert "choisissez la part du bilan que vous validez" in page
    assert 'aria-labelledby="funder-legend funder-error"' in page and 'href="#funder"' in page
    assert _state(funded) == before
    with pytest.raises(ServiceError, match="choisissez la part"):
        reports.validate(both, funded)
    assert client.post(_url(funded), data=_validation(funded, STATE)).status_code == 302
    db.session.expire_all()
    report = reports.report_of(funded)
    assert report.state_validated_by_id == both.id and report.region_validated_at is None
    page = _page(client.get(f"/financement/dossiers/{funded.id}/bilan"))
    assert 'name="funder" value="region"' in page  # one part left: no choice to make


# ---------------------------------------------------------------- PostgreSQL: both at once


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="row locks need PostgreSQL: set TEST_DATABASE_URL (.ci/run does)",
)
@pytest.mark.usefixtures("race")  # the app's session on a database of its own, real commits
def test_both_funders_validating_at_once_validate_the_report(app):
    """The State's and the Région's officers validate their parts at the same instant: the report
    row is locked, so the second sees the first's validation and the report ends validated."""
    with app.app_context():
        factory = Factory()
        o = SimpleNamespace(factory=factory, call=factory.call())
        o.est_a = factory.establishment(name="Lycée A")
        o.head_a = factory.user(Role.applicant_head, establishment=o.est_a)
        o.copilot = factory.user(Role.copilot, institution=STATE)
        o.call_admin = factory.user(Role.call_admin, institution=STATE)
        o.budget = factory.user(Role.budget_officer, institution=REGION)
        officer_state = factory.user(Role.budget_officer, institution=STATE)
        services.set_envelope(officer_state, o.call, STATE, "10000")
        services.set_envelope(o.budget, o.call, REGION, "10000")
        dossier = funding_fixtures.funded(o, "1000.00", "2000.00").dossier
        reports.save(o.head_a, dossier, _data(expenses={"services": "1500.00"}))
        reports.add_attachment(o.head_a, dossier, "facture.pdf", PDF_BYTES)
        reports.submit(o.head_a, dossier)
        db.session.commit()
        ids = {STATE: officer_state.id, REGION: o.budget.id}
        dossier_id = dossier.id

    def validate(funder):
        def job():
            return reports.validate(
                db.session.get(User, ids[funder]), db.session.get(Dossier, dossier_id), funder
            )

        return job

    outcomes, _ = run_together(app, [validate(STATE), validate(REGION)])
    assert all(isinstance(r, reports.PartValidated) for r in outcomes), outcomes
    assert sorted(r.complete for r in outcomes) == [False, True]
    with app.app_context():
        report = db.session.scalar(select(FinalReport).where(FinalReport.dossier_id == dossier_id))
        assert report.status == ReportStatus.validated
        assert (report.due_state, report.due_region) == (Decimal("500.00"), Decimal("1000.00"))
        assert report.state_validated_by_id == ids[STATE]
        assert report.region_validated_by_id == ids[REGION]
        assert db.session.scalar(select(Clawback.id)) is None
