"""The dossier form's structured data in the pages: the table of young people targeted, themes,
partner kinds and indicators with numbers; errors tied to their field, nothing saved; the summary,
the dossier page and the PDF show all of it, older free-text indicators included."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from applications import services
from applications.models import Dossier
from portal.db import db
from portal.reference import CallIndicator, PartnerKind, Theme

from ..conftest import login
from .test_office_documents import _pdf_text


def fresh(dossier_id) -> Dossier:
    db.session.expire_all()
    return db.session.get(Dossier, dossier_id)


def post_step(client, dossier, step, data):
    data = dict(data, version=str(fresh(dossier.id).version))
    return client.post(f"/dossiers/{dossier.id}/etape/{step}", data=data)


@pytest.fixture
def draft(world, factory):
    return factory.dossier(world.call, world.staff_a, complete=True)


@pytest.fixture
def common(world):
    rows = [
        CallIndicator(
            call_id=world.call.id,
            position=1,
            label="Taux d'absentéisme",
            unit="%",
            direction="down",
            measurement="Demi-journées d'absence",
        ),
        CallIndicator(call_id=world.call.id, position=2, label="Jeunes raccrochés", unit="jeunes"),
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def test_the_axes_step_offers_the_table_and_active_themes(client, world, draft):
    db.session.scalar(select(Theme).where(Theme.code == "greta")).active = False
    db.session.flush()
    login(client, world.staff_a)
    page = client.get(f"/dossiers/{draft.id}/etape/axes-et-public").get_data(as_text=True)
    assert 'for="targets-return_path__19_25"' in page
    assert "Jeunes de 16 à 25 ans en parcours de retour en formation, 19 à 25 ans" in page
    assert 'value="numerique"' in page and 'value="greta"' not in page
    assert "nombre indiqué auparavant : 24" in page  # an older dossier: its count, to detail


def test_the_table_and_themes_are_saved(client, world, draft):
    login(client, world.staff_a)
    response = post_step(
        client,
        draft,
        "axes-et-public",
        {
            "main_axis": "2",
            "fields": ["prevention"],
            "themes": ["numerique", "citoyennete"],
            "targets-at_risk__under_16": "7",
            "targets-at_risk__16_18": " 13 ",
            "targets-left_without_qualification__19_25": "",
        },
    )
    assert response.status_code == 302
    dossier = fresh(draft.id)
    assert dossier.target_count == 20
    assert [t.code for t in dossier.themes] == ["numerique", "citoyennete"]
    page = client.get(f"/dossiers/{draft.id}/etape/axes-et-public").get_data(as_text=True)
    assert 'value="13"' in page and "(total) : <strong>20</strong>" in page


@pytest.mark.parametrize(
    "value,message",
    [
        ("-1", "Le nombre de jeunes ne peut pas être négatif."),
        ("3,5", "Indiquez un nombre entier de jeunes (sans décimale)."),
        ("abc", "« abc » n&#39;est pas un nombre : indiquez un nombre entier de jeunes."),
        ("999999", "Au plus 100\u202f000 jeunes."),
    ],
)
def test_a_bad_cell_is_refused_on_its_input(client, world, draft, value, message):
    login(client, world.staff_a)
    response = post_step(
        client,
        draft,
        "axes-et-public",
        {"main_axis": "2", "themes": ["sante"], "targets-return_path__16_18": value},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<p id="targets-return_path__16_18-error" class="fr-error-text">{message}</p>' in page
    assert 'aria-describedby="targets-return_path__16_18-error"' in page
    assert f'value="{value}"' in page  # what was typed is shown again
    dossier = fresh(draft.id)
    assert dossier.themes == [] and dossier.targets == [] and dossier.target_count == 24


def test_partner_kinds_offered_are_the_active_ones(client, world, draft):
    services.update_dossier(
        world.staff_a, draft, {"partners": [{"name": "CIO", "kind": "cio", "role": ""}]}
    )
    for code in ("cio", "psad"):
        db.session.scalar(select(PartnerKind).where(PartnerKind.code == code)).active = False
    db.session.flush()
    login(client, world.staff_a)
    page = client.get(f"/dossiers/{draft.id}/etape/partenaires").get_data(as_text=True)
    assert '<option selected value="cio">CIO</option>' in page  # kept for the partner who has it
    assert 'value="psad"' not in page and 'value="mission_locale"' in page
    response = post_step(
        client,
        draft,
        "partenaires",
        {
            "partners-0-name": "CIO",
            "partners-0-kind": "cio",
            "partners-1-name": "PSAD 86",
            "partners-1-kind": "psad",
        },
    )
    assert response.status_code == 400
    assert 'id="partners-1-kind-error"' in response.get_data(as_text=True)
    assert [p.name for p in fresh(draft.id).partners] == ["CIO"]


def test_the_indicators_step_picks_common_ones_with_numbers(client, world, draft, common):
    login(client, world.staff_a)
    page = client.get(f"/dossiers/{draft.id}/etape/indicateurs").get_data(as_text=True)
    assert "Taux d&#39;absentéisme" in page and "Demi-journées d&#39;absence" in page
    assert "Saisi auparavant en texte : de « 18 % » à « 10 % »" in page  # the older free text
    response = post_step(
        client,
        draft,
        "indicateurs",
        {
            "common-0-call_indicator_id": str(common[0].id),
            "common-0-selected": "y",
            "common-0-baseline_value": "18,5",
            "common-0-target_value": "9",
            "common-1-call_indicator_id": str(common[1].id),
            "common-1-baseline_value": "",
            "indicators-0-name": "Taux d'absentéisme (ancien)",
            "indicators-0-direction": "down",
            "indicators-0-baseline": "18 %",
            "indicators-0-target": "10 %",
            "indicators-0-baseline_value": "18",
            "indicators-0-target_value": "10",
            "indicators-1-direction": "up",  # a blank row (its select has a value)
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    first, own = fresh(draft.id).indicators
    assert (first.call_indicator_id, first.baseline_value) == (common[0].id, Decimal("18.50"))
    assert (own.baseline, own.baseline_value, own.direction) == ("18 %", Decimal("18.00"), "down")
    page = client.get(f"/dossiers/{draft.id}/etape/indicateurs").get_data(as_text=True)
    assert 'value="18,5"' in page and 'id="common-0-selected"' in page


def test_a_bad_indicator_value_is_refused_on_its_input(client, world, draft, common):
    login(client, world.staff_a)
    response = post_step(
        client,
        draft,
        "indicateurs",
        {
            "common-0-call_indicator_id": str(common[0].id),
            "common-1-call_indicator_id": str(common[1].id),
            "common-1-selected": "y",
            "common-1-target_value": "-4",
            "indicators-0-name": "Heures",
            "indicators-0-direction": "up",
            "indicators-0-target_value": "1,255",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (
        'id="common-1-target_value-error" class="fr-error-text">La valeur ne peut pas être négative.'
        in page
    )
    assert (
        'id="indicators-0-target_value-error" class="fr-error-text">La valeur a au plus deux décimales.'
        in page
    )
    assert [i.baseline for i in fresh(draft.id).indicators] == ["18 %"]


def test_the_dossier_page_shows_everything(client, world, draft, common):
    world.est_a.priority_education = "REP+"
    services.update_dossier(
        world.staff_a,
        draft,
        {
            "targets": [{"category": "at_risk", "age_band": "16_18", "count": 11}],
            "themes": ["sante"],
            "partners": [{"name": "GRETA Vienne", "kind": "greta", "role": ""}],
        },
    )
    login(client, world.staff_a)
    page = client.get(f"/dossiers/{draft.id}").get_data(as_text=True)
    assert "Éducation prioritaire</dt><dd>REP+" in page
    assert "Santé" in page and "GRETA Vienne (GRETA)" in page
    assert "<caption>Jeunes concernés par catégorie et tranche d'âge</caption>" in page
    assert '<td class="portal-amount"><strong>11</strong></td>' in page


def test_an_older_free_text_dossier_is_still_shown(client, world, draft):
    login(client, world.staff_a)
    for url in (f"/dossiers/{draft.id}", f"/dossiers/{draft.id}/etape/recapitulatif"):
        page = client.get(url).get_data(as_text=True)
        assert '<td class="portal-amount">18 %</td>' in page, url
        assert '<td class="portal-amount">10 %</td>' in page, url
        assert "Mission locale (Association)" in page  # an older partner kind code


def test_the_pdf_shows_targets_themes_and_numbers(client, world, factory, common):
    dossier = factory.dossier(world.call, world.head_a, complete=True)
    services.update_dossier(
        world.head_a,
        dossier,
        {
            "targets": [{"category": "return_path", "age_band": "19_25", "count": 6}],
            "themes": ["structure_retour"],
            "indicators": [
                {"call_indicator_id": common[1].id, "baseline_value": "2", "target_value": "6,5"}
            ],
        },
    )
    services.submit_dossier(world.head_a, dossier)
    login(client, world.call_admin)
    text = " ".join(_pdf_text(client.get(f"/dossiers/{dossier.id}/dossier.pdf").data).split())
    assert "Micro-lycée / structure de retour" in text
    assert "Jeunes de 16 à 25 ans en parcours de retour en formation" in text
    assert "Jeunes raccrochés" in text and "6,5" in text
