"""The head's consent to show the project in the public catalogue (issue 10 §3): given on the
final report, withdrawn at any time (even once validated) after a confirmation, by the head
only; audited; the report's status and version never change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from funding.models import ReportStatus
from funding.services import report_outcomes as figures
from funding.services import reports
from portal.db import db
from portal.errors import PermissionDenied
from portal.models import AuditEvent

from ..conftest import login
from .helpers import _data, _page, _sign, _state, _submitted

CONSENT = "J'accepte que ce projet soit présenté dans le catalogue public des pratiques"


@pytest.fixture
def funded(money_world):
    decision = money_world.accepted("1000.00", "2000.00")
    return _sign(money_world, decision.dossier)


def _url(dossier, tail: str = "") -> str:
    return f"/financement/dossiers/{dossier.id}/bilan{tail}"


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _form(consent: bool) -> dict:
    data = {
        "action": "save",
        "actions_carried_out": "Ateliers.",
        "reach-at_risk": "5",
        "outcomes-unknown": "5",
        "indicators-0-achieved": "9",
        "expenses-0-category": "services",
        "expenses-0-amount": "100",
    }
    if consent:
        data["publication_consent"] = "y"
    return data


def test_the_head_gives_consent_on_the_report_form(client, money_world, funded):
    o = money_world
    login(client, o.head_a)
    assert CONSENT in _page(client.get(_url(funded)))
    response = client.post(_url(funded), data=_form(consent=True))
    assert response.status_code == 302
    report = reports.report_of(funded)
    assert report.publication_consent and report.consent_changed_at is not None
    assert report.status == ReportStatus.draft
    (event,) = _events("publication_consent_given")
    assert event.actor_id == o.head_a.id and event.object_id == report.id
    assert event.changes == {"publication_consent": [False, True]}
    # saving again without the box does not withdraw it (withdrawal has its own confirmed button)
    assert client.post(_url(funded), data=_form(consent=False)).status_code == 302
    db.session.expire_all()
    assert reports.report_of(funded).publication_consent


def test_staff_may_not_give_consent(client, money_world, funded):
    o = money_world
    reports.save(o.head_a, funded, _data())
    db.session.commit()
    before = _state(funded)
    login(client, o.staff_a)
    page = _page(client.get(_url(funded)))
    assert CONSENT not in page  # no box for staff
    assert client.post(_url(funded), data=_form(consent=True)).status_code == 403
    assert client.post(_url(funded, "/publication")).status_code == 403
    assert _state(funded) == before
    with pytest.raises(PermissionDenied, match="Seul le chef d'établissement"):
        figures.set_consent(o.staff_a, funded, True)


@pytest.mark.parametrize("who,status", [("staff_a", 403), ("budget", 403), ("head_b", 404)])
def test_only_the_head_withdraws_consent(client, money_world, funded, who, status):
    o = money_world
    reports.save(o.head_a, funded, {**_data(), "publication_consent": True})
    db.session.commit()
    before = _state(funded)
    login(client, getattr(o, who))
    for data in ({}, {"confirmed": "1"}):
        response = client.post(_url(funded, "/publication/retrait"), data=data)
        assert response.status_code == status, data
    assert _state(funded) == before
    assert reports.report_of(funded).publication_consent


def test_withdrawal_asks_for_confirmation_then_withdraws_a_validated_report(
    client, money_world, funded
):
    o = money_world
    _submitted(o, funded)
    reports.validate(o.budget_region, funded)
    reports.validate(o.budget_state, funded)
    figures.set_consent(o.head_a, funded, True)
    db.session.commit()
    report = reports.report_of(funded)
    assert report.status == ReportStatus.validated
    version, status = report.version, report.status
    login(client, o.head_a)
    page = _page(client.get(_url(funded)))
    assert "Accord de publication donné" in page and "Retirer l'accord de publication" in page
    before = _state(funded)
    # without the confirmation field: the confirmation page, nothing changed
    response = client.post(_url(funded, "/publication/retrait"))
    assert response.status_code == 200
    page = _page(response)
    assert "Retirer l'accord de publication du projet ?" in page
    assert 'name="confirmed" value="1"' in page
    assert _state(funded) == before
    response = client.post(_url(funded, "/publication/retrait"), data={"confirmed": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    report = reports.report_of(funded)
    assert report.publication_consent is False and report.consent_changed_at is not None
    assert (report.status, report.version) == (status, version)  # validation untouched
    (event,) = _events("publication_consent_withdrawn")
    assert event.actor_id == o.head_a.id and event.changes == {"publication_consent": [True, False]}
    page = _page(client.get(_url(funded)))
    assert "Pas d'accord de publication" in page and "Donner l'accord de publication" in page
    # the head may give it again, from the same page, without touching the validation
    assert client.post(_url(funded, "/publication")).status_code == 302
    db.session.expire_all()
    report = reports.report_of(funded)
    assert report.publication_consent and (report.status, report.version) == (status, version)


def test_consent_does_not_make_an_officers_review_stale(money_world, funded):
    """Withdrawing while the report is in review keeps the officer's page valid."""
    o = money_world
    _submitted(o, funded)
    figures.set_consent(o.head_a, funded, True)
    version = reports.report_of(funded).version
    figures.set_consent(o.head_a, funded, False)
    reports.validate(o.budget_region, funded, expected_version=str(version))
    report = reports.report_of(funded)
    assert report.region_validated_at is not None and report.publication_consent is False


def test_no_consent_before_the_report_exists(client, money_world, funded):
    login(client, money_world.head_a)
    response = client.post(_url(funded, "/publication"))
    assert response.status_code == 409
    assert "pas encore commencé" in _page(response)


def test_the_dossier_page_leads_the_head_to_the_consent(client, money_world, funded):
    o = money_world
    reports.save(o.head_a, funded, _data())
    db.session.commit()
    link = f'href="/financement/dossiers/{funded.id}/bilan#publication"'
    login(client, o.head_a)
    assert link in _page(client.get(f"/dossiers/{funded.id}"))
    login(client, o.staff_a)
    assert link not in _page(client.get(f"/dossiers/{funded.id}"))


def test_withdrawing_a_consent_never_given_changes_nothing(client, money_world, funded):
    o = money_world
    reports.save(o.head_a, funded, _data())
    db.session.commit()
    before = _state(funded)
    login(client, o.head_a)
    response = client.post(
        _url(funded, "/publication/retrait"), data={"confirmed": "1"}, follow_redirects=True
    )
    assert "Aucun accord de publication n'était donné" in _page(response)
    assert _state(funded) == before and _events("publication_consent_withdrawn") == []
