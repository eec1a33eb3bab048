"""The final report's figures (issue 10 §1): young people reached by category and their outcomes
adding up, numeric values achieved against the dossier's targets, older free-text reports still
shown, the report's PDF — and every refusal changing nothing."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from funding.services import report_outcomes as figures
from funding.services import reports
from portal.db import db
from portal.errors import ServiceError
from portal.reference import OUTCOMES, YOUNG_CATEGORIES

from ..conftest import login
from .helpers import OUTCOMES as OUTCOME_COUNTS
from .helpers import REACH, _data, _page, _sign, _state, _submitted, _validation


@pytest.fixture
def funded(money_world):
    """Lycée A's dossier, agreement signed; its indicator has numbers: absenteeism from 18 % to
    at most 10 % (less is better)."""
    decision = money_world.accepted("1000.00", "2000.00")
    dossier = _sign(money_world, decision.dossier)
    indicator = dossier.indicators[0]
    indicator.unit, indicator.direction = "%", "down"
    indicator.baseline_value, indicator.target_value = Decimal("18"), Decimal("10")
    db.session.flush()
    return dossier


def _form(reach=None, outcomes=None, achieved=("8",), **extra) -> dict:
    reach = REACH if reach is None else reach
    outcomes = OUTCOME_COUNTS if outcomes is None else outcomes
    data = {"actions_carried_out": "Ateliers.", "action": "save"}
    data.update({f"reach-{k}": str(reach.get(k, "")) for k in YOUNG_CATEGORIES})
    data.update({f"outcomes-{k}": str(outcomes.get(k, "")) for k in OUTCOMES})
    data.update({f"indicators-{i}-achieved": v for i, v in enumerate(achieved)})
    data.update({"expenses-0-category": "services", "expenses-0-amount": "1 000,00"})
    data.update(extra)
    return data


def _url(dossier) -> str:
    return f"/financement/dossiers/{dossier.id}/bilan"


def test_figures_are_saved_and_young_reached_is_their_sum(client, money_world, funded):
    login(client, money_world.staff_a)
    response = client.post(_url(funded), data=_form(achieved=("8,5 %",)))
    assert response.status_code == 302
    report = reports.report_of(funded)
    assert {r.category: r.count for r in report.reach} == REACH
    assert {o.outcome: o.count for o in report.outcomes} == OUTCOME_COUNTS
    assert report.young_reached == 22
    row = report.indicators[0]
    assert row.indicator_id == funded.indicators[0].id and row.achieved_value == Decimal("8.50")
    # a category emptied is removed, the others updated in place
    response = client.post(
        _url(funded),
        data=_form(reach={"at_risk": 22}, outcomes={"stayed_in_school": 20, "unknown": 2}),
    )
    assert response.status_code == 302
    db.session.expire_all()
    report = reports.report_of(funded)
    assert {r.category: r.count for r in report.reach} == {"at_risk": 22}
    assert {o.outcome: o.count for o in report.outcomes} == {"stayed_in_school": 20, "unknown": 2}


@pytest.mark.parametrize(
    "outcomes,message",
    [
        (
            {"stayed_in_school": 10, "unknown": 8},
            "La somme des situations à l'issue du projet (18 jeunes) doit être égale au nombre "
            "de jeunes touchés (22 jeunes) : il en manque 4.",
        ),
        (
            {"stayed_in_school": 20, "unknown": 5},
            "La somme des situations à l'issue du projet (25 jeunes) doit être égale au nombre "
            "de jeunes touchés (22 jeunes) : 3 jeunes de trop.",
        ),
    ],
)
def test_outcomes_that_do_not_add_up_are_refused_on_their_table(
    client, money_world, funded, outcomes, message
):
    reports.save(money_world.head_a, funded, _data(achieved=("9",)))
    db.session.commit()
    before = _state(funded)
    login(client, money_world.head_a)
    response = client.post(_url(funded), data=_form(outcomes=outcomes))
    assert response.status_code == 400
    page = _page(response)
    assert message in page
    assert 'aria-describedby="outcomes-error"' in page and 'href="#outcomes"' in page
    assert 'value="20"' in page or 'value="10"' in page  # what was typed is shown again
    assert _state(funded) == before


def test_a_total_sent_with_the_categories_must_be_their_sum(money_world, funded):
    db.session.commit()
    before = _state(funded)
    with pytest.raises(ServiceError) as refused:
        reports.save(money_world.head_a, funded, _data(young=25))
    assert refused.value.errors == {
        "reach": "Le nombre de jeunes touchés indiqué (25 jeunes) diffère de la somme par "
        "catégorie (22 jeunes) : écart de 3."
    }
    db.session.rollback()
    assert _state(funded) == before


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("indicators-0-achieved", "beaucoup", "« beaucoup » n'est pas un nombre"),
        ("indicators-0-achieved", "-2", "Indiquez une valeur positive ou nulle."),
        ("indicators-0-achieved", "3,125", "au plus deux décimales"),
        ("reach-at_risk", "12,5", "Indiquez un nombre entier de jeunes"),
        ("outcomes-qualification", "-1", "Indiquez un nombre entier de jeunes"),
        ("reach-return_path", "100001", "entre 0 et 100"),
    ],
)
def test_bad_numbers_are_refused_on_their_field(client, money_world, funded, field, value, message):
    reports.save(money_world.head_a, funded, _data(achieved=("9",)))
    db.session.commit()
    before = _state(funded)
    login(client, money_world.head_a)
    response = client.post(_url(funded), data=_form(**{field: value}))
    assert response.status_code == 400
    page = _page(response)
    assert message in page and f'aria-describedby="{field}-error"' in page
    assert f'value="{value}"' in page
    assert _state(funded) == before


def test_unknown_categories_are_refused_by_the_service(money_world, funded):
    db.session.commit()
    before = _state(funded)
    with pytest.raises(ServiceError) as refused:
        reports.save(money_world.head_a, funded, _data(reach={"retraités": 3}))
    assert "Catégorie inconnue" in refused.value.errors["reach"]
    db.session.rollback()
    assert _state(funded) == before


def test_submission_needs_the_outcomes_and_a_number_per_indicator(money_world, funded):
    o = money_world
    reports.save(o.head_a, funded, _data(achieved=("",), outcomes={}))
    reports.add_attachment(o.head_a, funded, "facture.pdf", b"%PDF-1.4\n%%EOF\n")
    with pytest.raises(ServiceError) as refused:
        reports.submit(o.head_a, funded)
    assert refused.value.errors["outcomes"] == "Indiquez ce que sont devenus les jeunes touchés."
    assert "en nombre" in refused.value.errors["indicators-0-achieved"]


def test_target_and_achieved_are_shown_to_the_head_and_the_officers(client, money_world, funded):
    o = money_world
    report = _submitted(o, funded)  # 9 % achieved for a target of at most 10 %: met
    assert report.indicators[0].achieved_value == Decimal("9.00")
    db.session.commit()
    for who in (o.head_a, o.budget_region, o.budget_state):
        login(client, who)
        page = _page(client.get(_url(funded)))
        assert "Cible atteinte" in page, who
        assert "18 %" in page and "10 %" in page and "9 %" in page
        assert YOUNG_CATEGORIES["at_risk"] in page and OUTCOMES["unknown"] in page
        assert "<strong>22</strong>" in page  # the total of the reach table
    line = figures.indicator_lines(report, funded)[0]
    assert (line.target_value, line.achieved_value, line.met) == (Decimal("10"), Decimal("9"), True)


def test_a_missed_target_is_said_so(client, money_world, funded):
    o = money_world
    reports.save(o.head_a, funded, _data(achieved=("14 %",)))
    db.session.commit()
    line = figures.indicator_lines(reports.report_of(funded), funded)[0]
    assert line.met is False and line.achieved == "14 %"
    reports.add_attachment(o.head_a, funded, "facture.pdf", b"%PDF-1.4\n%%EOF\n")
    reports.submit(o.head_a, funded)
    db.session.commit()
    login(client, o.budget_region)
    assert "Cible non atteinte" in _page(client.get(_url(funded)))


def test_an_older_free_text_report_is_still_shown_and_kept(client, money_world, funded):
    """A report written before indicators had numbers: its rows name no indicator, their target
    and value are text; the page shows them as typed and the draft still saves text."""
    o = money_world
    reports.save(o.head_a, funded, _data(achieved=("9",)))
    row = reports.report_of(funded).indicators[0]
    row.indicator_id, row.achieved_value = None, None
    row.target, row.achieved = "10 % environ", "9 % en juin"
    db.session.commit()
    login(client, o.staff_a)
    page = _page(client.get(_url(funded)))
    assert 'value="9 % en juin"' in page and "10 % environ" in page
    response = client.post(_url(funded), data=_form(achieved=("à peu près 8 %",)))
    assert response.status_code == 302
    db.session.expire_all()
    row = reports.report_of(funded).indicators[0]
    assert row.achieved == "à peu près 8 %" and row.achieved_value is None
    reports.add_attachment(o.head_a, funded, "facture.pdf", b"%PDF-1.4\n%%EOF\n")
    reports.submit(o.head_a, funded)
    db.session.commit()
    login(client, o.budget_region)
    page = _page(client.get(_url(funded)))
    assert "à peu près 8 %" in page and "10 % environ" in page and "Non mesurable" in page


def test_the_report_pdf_has_the_figures(client, money_world, funded):
    o = money_world
    _submitted(o, funded)
    db.session.commit()
    for who in (o.head_a, o.budget_state):
        login(client, who)
        response = client.get(f"{_url(funded)}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
        text = " ".join(text.split())
        for expected in (
            "Taux d'absentéisme",
            "Valeur cible",
            "atteinte",
            "Élèves en risque de décrochage",
            "Situation inconnue",
            "Total : 22",
        ):
            assert expected in text, expected
    login(client, o.head_b)
    assert client.get(f"{_url(funded)}.pdf").status_code == 404


def test_no_pdf_before_the_report_is_started(client, money_world, funded):
    login(client, money_world.head_a)
    assert client.get(f"{_url(funded)}.pdf").status_code == 404


def test_officers_validate_a_report_with_figures(client, money_world, funded):
    """The review is unchanged: the officer's validation still works on the new report."""
    o = money_world
    _submitted(o, funded)
    db.session.commit()
    login(client, o.budget_region)
    response = client.post(f"{_url(funded)}/validation", data=_validation(funded))
    assert response.status_code == 302


def test_the_call_export_has_each_reports_figures(client, money_world, funded):
    o = money_world
    _submitted(o, funded)
    other = _sign(o, o.accepted("500.00", "500.00").dossier)
    reports.save(
        o.head_a,
        other,
        _data(young=None, achieved=("12",), reach={"at_risk": 4}, outcomes={"employment": 4}),
    )
    db.session.commit()
    login(client, o.budget_state)
    response = client.get(f"/financement/appels/{o.call.id}/bilans.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(body) == 2
    first = dict(zip(header, next(r for r in body if r[0] == funded.reference)))
    assert first["Jeunes touchés"] == "22"
    assert first[f"Touchés : {YOUNG_CATEGORIES['at_risk']}"] == "12"
    assert first[f"Situation : {OUTCOMES['unknown']}"] == "4"
    assert first["Cibles atteintes"] == "1" and first["Indicateurs avec cible chiffrée"] == "1"
    assert "Taux d'absentéisme : 10 % → 9 % (atteinte)" in first["Indicateurs (cible → atteint)"]
    assert first["Accord de publication"] == "non"
    second = dict(zip(header, next(r for r in body if r[0] == other.reference)))
    assert second["Jeunes touchés"] == "4" and second["Cibles atteintes"] == "0"
    response = client.get(f"/financement/appels/{o.call.id}/bilans.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    login(client, o.head_a)
    assert client.get(f"/financement/appels/{o.call.id}/bilans.csv").status_code in (403, 404)
