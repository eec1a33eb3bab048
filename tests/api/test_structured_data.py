"""The dossier's structured data in the API: targets, themes, partner kinds and indicators are
read and written as the form does, with the same checks (400, French, on the field, nothing
changed); the reference lists and a call's common indicators are readable."""

from __future__ import annotations

from sqlalchemy import select

from portal.db import db
from portal.reference import CallIndicator, Theme

from .helpers import bearer, state


def _draft(world, factory):
    dossier = factory.dossier(world.call, world.staff_a, complete=True)
    indicator = CallIndicator(
        call_id=world.call.id,
        label="Taux d'absentéisme",
        unit="%",
        direction="down",
        measurement="Vie scolaire",
    )
    db.session.add(indicator)
    db.session.commit()
    return dossier, indicator


def test_structured_data_is_written_and_read_back(client, world, factory, api):
    dossier, indicator = _draft(world, factory)
    response = client.patch(
        f"/api/v1/dossiers/{dossier.id}",
        headers=bearer(api.staff_a),
        json={
            "targets": [
                {"category": "at_risk", "age_band": "16_18", "count": 9},
                {"category": "return_path", "age_band": "19_25", "count": "3"},
            ],
            "themes": ["numerique"],
            "partners": [{"name": "CIO Poitiers", "kind": "cio", "role": "Orientation"}],
            "indicators": [
                {"call_indicator_id": indicator.id, "baseline_value": "15,5", "target_value": 8},
                {
                    "name": "Heures de tutorat",
                    "unit": "h",
                    "direction": "up",
                    "baseline_value": 0,
                    "target_value": "40",
                },
            ],
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["target"]["count"] == 12
    assert body["targets"] == [
        {"category": "at_risk", "age_band": "16_18", "count": 9},
        {"category": "return_path", "age_band": "19_25", "count": 3},
    ]
    assert body["themes"] == ["numerique"]
    assert body["partners"][0]["kind"] == "cio"
    common, own = body["indicators"]
    assert common["call_indicator_id"] == indicator.id and common["direction"] == "down"
    assert (common["baseline_value"], common["target_value"]) == ("15.50", "8.00")
    assert own["call_indicator_id"] is None and own["unit"] == "h"
    again = client.get(f"/api/v1/dossiers/{dossier.id}", headers=bearer(api.staff_a)).get_json()
    assert again["targets"] == body["targets"] and again["indicators"] == body["indicators"]


def test_an_older_dossier_reads_its_free_text(client, world, factory, api):
    dossier, _ = _draft(world, factory)
    body = client.get(f"/api/v1/dossiers/{dossier.id}", headers=bearer(api.staff_a)).get_json()
    assert body["indicators"][0]["baseline"] == "18 %"
    assert body["indicators"][0]["baseline_value"] is None
    assert body["targets"] == [] and body["target"]["count"] == 24


def test_bad_structured_data_is_refused_on_its_field(client, world, factory, api):
    dossier, indicator = _draft(world, factory)
    before = state(dossier.id)
    cases = [
        (
            {"targets": [{"category": "at_risk", "age_band": "16_18", "count": -1}]},
            "targets-at_risk-16_18",
            "Le nombre de jeunes ne peut pas être négatif.",
        ),
        (
            {"targets": [{"category": "at_risk", "age_band": "16_18", "count": 1.5}]},
            "targets-at_risk-16_18",
            "Indiquez un nombre entier de jeunes (sans décimale).",
        ),
        (
            {"targets": [{"category": "at_risk", "age_band": "16_18", "count": 200000}]},
            "targets-at_risk-16_18",
            "Au plus 100\u202f000 jeunes.",
        ),
        ({"themes": ["inconnu"]}, "themes", "« inconnu » n'est pas un thème de la liste."),
        (
            {"partners": [{"name": "X", "kind": "ovni"}]},
            "partners-0-kind",
            "Choisissez un type de partenaire de la liste.",
        ),
        (
            {"indicators": [{"call_indicator_id": indicator.id, "target_value": "dix"}]},
            "indicators-0-target_value",
            "« dix » n'est pas un nombre : écrivez par exemple 12 ou 12,5.",
        ),
        (
            {"indicators": [{"call_indicator_id": 99999, "target_value": 1}]},
            "indicators-0-call_indicator_id",
            "Cet indicateur n'est pas un indicateur commun de l'appel.",
        ),
        (
            {"indicators": [{"name": "A", "direction": "left"}]},
            "indicators-0-direction",
            "Choisissez le sens de l'indicateur.",
        ),
    ]
    for payload, key, message in cases:
        response = client.patch(
            f"/api/v1/dossiers/{dossier.id}", headers=bearer(api.staff_a), json=payload
        )
        assert response.status_code == 400, payload
        assert response.get_json()["errors"] == {key: message}, payload
    # shapes the schema refuses before the service
    response = client.patch(
        f"/api/v1/dossiers/{dossier.id}",
        headers=bearer(api.staff_a),
        json={"targets": [{"category": "at_risk"}]},
    )
    assert response.status_code == 400
    assert state(dossier.id) == before


def test_reference_lists_and_common_indicators(client, world, factory, api):
    _, indicator = _draft(world, factory)
    db.session.scalar(select(Theme).where(Theme.code == "greta")).active = False
    db.session.commit()
    themes = client.get("/api/v1/reference/themes", headers=bearer(api.head_a)).get_json()["items"]
    assert {"code": "greta", "label": "GRETA", "active": False} in themes
    kinds = client.get("/api/v1/reference/partner-kinds", headers=bearer(api.head_a)).get_json()
    assert {"code": "cio", "label": "CIO", "active": True} in kinds["items"]
    found = client.get(
        f"/api/v1/calls/{world.call.id}/indicators", headers=bearer(api.head_a)
    ).get_json()["items"]
    assert found == [
        {
            "id": indicator.id,
            "label": "Taux d'absentéisme",
            "unit": "%",
            "direction": "down",
            "measurement": "Vie scolaire",
        }
    ]
    assert (
        client.get("/api/v1/calls/999999/indicators", headers=bearer(api.head_a)).status_code == 404
    )
