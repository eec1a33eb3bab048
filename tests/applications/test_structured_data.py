"""The dossier's structured data: young people targeted by category and age band (the count is
their sum), themes and partner kinds from the reference lists, indicators with numbers (the
call's common ones and the dossier's own). Every bad input is refused in French on its field and
nothing is saved; older free-text dossiers keep what they had and show it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from applications import services
from applications.models import Dossier
from portal.db import db
from portal.errors import ServiceError
from portal.models import AuditEvent
from portal.reference import CallIndicator, PartnerKind, Theme


def fresh(dossier_id) -> Dossier:
    db.session.expire_all()
    return db.session.get(Dossier, dossier_id)


def theme(code) -> Theme:
    return db.session.scalar(select(Theme).where(Theme.code == code))


def kind(code) -> PartnerKind:
    return db.session.scalar(select(PartnerKind).where(PartnerKind.code == code))


@pytest.fixture
def draft(world, factory):
    dossier = factory.dossier(world.call, world.staff_a, complete=True)
    db.session.commit()  # a refusal rolls back to here
    return dossier


@pytest.fixture
def common(world):
    rows = [
        CallIndicator(
            call_id=world.call.id,
            position=1,
            label="Taux d'absentéisme",
            unit="%",
            direction="down",
            measurement="Demi-journées d'absence / demi-journées dues",
        ),
        CallIndicator(call_id=world.call.id, position=2, label="Jeunes raccrochés", unit="jeunes"),
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def refused(user, dossier, data) -> dict:
    db.session.commit()  # what the test did so far is kept; the refusal rolls back to here
    before = fresh(dossier.id).version
    with pytest.raises(ServiceError) as exc:
        services.update_dossier(user, dossier, data)
    db.session.rollback()
    assert fresh(dossier.id).version == before  # nothing saved
    return exc.value.errors


# ---------------------------------------------------------------- targets


def test_targets_are_saved_and_the_count_is_their_sum(world, draft):
    services.update_dossier(
        world.staff_a,
        draft,
        {
            "targets": [
                {"category": "at_risk", "age_band": "16_18", "count": "12"},
                {"category": "at_risk", "age_band": "under_16", "count": 5},
                {"category": "return_path", "age_band": "19_25", "count": "3"},
                {"category": "left_without_qualification", "age_band": "19_25", "count": ""},
                {"category": "left_without_qualification", "age_band": "16_18", "count": "0"},
            ]
        },
    )
    dossier = fresh(draft.id)
    assert dossier.target_count == 20
    assert sorted((t.category, t.age_band, t.count) for t in dossier.targets) == [
        ("at_risk", "16_18", 12),
        ("at_risk", "under_16", 5),
        ("return_path", "19_25", 3),
    ]


@pytest.mark.parametrize(
    "count,message",
    [
        ("-2", "Le nombre de jeunes ne peut pas être négatif."),
        ("2,5", "Indiquez un nombre entier de jeunes (sans décimale)."),
        (2.5, "Indiquez un nombre entier de jeunes (sans décimale)."),
        ("douze", "« douze » n'est pas un nombre : indiquez un nombre entier de jeunes."),
        (True, "Indiquez un nombre entier de jeunes."),
        ("100001", "Au plus 100\u202f000 jeunes."),
    ],
)
def test_a_bad_count_is_refused_on_its_cell(world, draft, count, message):
    errors = refused(
        world.staff_a,
        draft,
        {"targets": [{"category": "at_risk", "age_band": "16_18", "count": count}]},
    )
    assert errors == {"targets-at_risk-16_18": message}
    assert fresh(draft.id).target_count == 24 and fresh(draft.id).targets == []


def test_unknown_cells_duplicates_and_a_too_large_total_are_refused(world, draft):
    errors = refused(
        world.staff_a,
        draft,
        {
            "targets": [
                {"category": "adults", "age_band": "16_18", "count": 1},
                {"category": "at_risk", "age_band": "16_18", "count": 1},
                {"category": "at_risk", "age_band": "16_18", "count": 2},
            ]
        },
    )
    assert errors["targets-adults-16_18"] == "Catégorie de jeunes ou tranche d'âge inconnue."
    assert "deux fois" in errors["targets-at_risk-16_18"]
    cells = [
        {"category": c, "age_band": "16_18", "count": 60000} for c in ("at_risk", "return_path")
    ]
    assert refused(world.staff_a, draft, {"targets": cells}) == {
        "targets": "Au plus 100\u202f000 jeunes en tout."
    }
    assert refused(world.staff_a, draft, {"targets": "12"}) == {
        "targets": "Liste attendue de {category, age_band, count}."
    }


def test_the_count_alone_is_refused_once_the_table_is_filled(world, draft):
    services.update_dossier(
        world.staff_a,
        draft,
        {"targets": [{"category": "at_risk", "age_band": "16_18", "count": 8}]},
    )
    errors = refused(world.staff_a, draft, {"target_count": 30})
    assert "somme du tableau" in errors["target_count"]
    assert fresh(draft.id).target_count == 8


def test_an_older_dossier_keeps_its_count_without_a_table(world, draft):
    assert fresh(draft.id).target_count == 24 and fresh(draft.id).targets == []
    services.update_dossier(world.staff_a, draft, {"target_count": 30})
    db.session.commit()
    assert fresh(draft.id).target_count == 30
    assert refused(world.staff_a, draft, {"target_count": -1}) == {
        "target_count": "Le nombre de jeunes ne peut pas être négatif."
    }


# ---------------------------------------------------------------- themes and partner kinds


def test_themes_from_the_active_list_only(world, draft):
    services.update_dossier(world.staff_a, draft, {"themes": ["numerique", "sante", "numerique"]})
    db.session.commit()
    assert [t.code for t in fresh(draft.id).themes] == ["numerique", "sante"]
    assert refused(world.staff_a, draft, {"themes": ["astrologie"]}) == {
        "themes": "« astrologie » n'est pas un thème de la liste."
    }
    assert refused(world.staff_a, draft, {"themes": "numerique"}) == {
        "themes": "Liste de codes de thèmes attendue."
    }
    theme("sante").active = False
    theme("greta").active = False
    db.session.commit()
    # An inactive theme the dossier has stays; one it does not have is not offered any more.
    services.update_dossier(world.staff_a, draft, {"themes": ["sante", "numerique"]})
    assert [t.code for t in fresh(draft.id).themes] == ["numerique", "sante"]
    assert refused(world.staff_a, draft, {"themes": ["greta"]}) == {
        "themes": "« greta » n'est pas un thème de la liste."
    }
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "dossier_updated")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None


def test_partner_kinds_come_from_the_reference_table(world, draft):
    services.update_dossier(
        world.staff_a, draft, {"partners": [{"name": "CIO de Poitiers", "kind": "cio", "role": ""}]}
    )
    db.session.commit()
    assert fresh(draft.id).partners[0].kind == "cio"
    assert refused(
        world.staff_a, draft, {"partners": [{"name": "X", "kind": "ovni", "role": ""}]}
    ) == {"partners-0-kind": "Choisissez un type de partenaire de la liste."}
    kind("cio").active = False
    kind("psad").active = False
    db.session.commit()
    # The partner that has the inactive kind keeps it; a new one cannot take an inactive kind.
    services.update_dossier(
        world.staff_a,
        draft,
        {"partners": [{"name": "CIO de Poitiers", "kind": "cio", "role": "x"}]},
    )
    assert refused(
        world.staff_a, draft, {"partners": [{"name": "PSAD 86", "kind": "psad", "role": ""}]}
    ) == {"partners-0-kind": "Choisissez un type de partenaire de la liste."}


# ---------------------------------------------------------------- indicators


def test_common_and_own_indicators_with_numbers(world, draft, common):
    services.update_dossier(
        world.staff_a,
        draft,
        {
            "indicators": [
                {"call_indicator_id": common[0].id, "baseline_value": "18,5", "target_value": "10"},
                {
                    "name": "Heures de tutorat",
                    "unit": "heures",
                    "direction": "up",
                    "baseline_value": 0,
                    "target_value": 12.25,
                },
            ]
        },
    )
    first, own = fresh(draft.id).indicators
    assert (first.call_indicator_id, first.name, first.unit, first.direction) == (
        common[0].id,
        "Taux d'absentéisme",
        "%",
        "down",
    )
    assert (first.baseline_value, first.target_value) == (Decimal("18.50"), Decimal("10.00"))
    assert (own.call_indicator_id, own.name, own.target_value) == (
        None,
        "Heures de tutorat",
        Decimal("12.25"),
    )
    assert services.snapshot_of(fresh(draft.id))["indicators"][0] == {
        "call_indicator_id": common[0].id,
        "name": "Taux d'absentéisme",
        "unit": "%",
        "direction": "down",
        "baseline_value": "18.50",
        "target_value": "10.00",
        "baseline": "",
        "target": "",
    }


@pytest.mark.parametrize(
    "row,key,message",
    [
        (
            {"name": "A", "baseline_value": "-1"},
            "baseline_value",
            "La valeur ne peut pas être négative.",
        ),
        (
            {"name": "A", "target_value": "1,234"},
            "target_value",
            "La valeur a au plus deux décimales.",
        ),
        (
            {"name": "A", "target_value": "beaucoup"},
            "target_value",
            "« beaucoup » n'est pas un nombre : écrivez par exemple 12 ou 12,5.",
        ),
        (
            {"name": "A", "target_value": "1e12"},
            "target_value",
            "La valeur est trop élevée (au plus 1 000 000 000).",
        ),
        (
            {"name": "A", "target_value": "NaN"},
            "target_value",
            "« NaN » n'est pas un nombre : écrivez par exemple 12 ou 12,5.",
        ),
        (
            {"name": "A", "direction": "sideways"},
            "direction",
            "Choisissez le sens de l'indicateur.",
        ),
        ({"name": "A", "unit": "u" * 41}, "unit", "L'unité fait au plus 40 caractères."),
        (
            {"unit": "%", "target_value": "3"},
            "name",
            "Nommez l'indicateur (200 caractères au plus).",
        ),
        (
            {"call_indicator_id": 999999, "target_value": "3"},
            "call_indicator_id",
            "Cet indicateur n'est pas un indicateur commun de l'appel.",
        ),
    ],
)
def test_a_bad_indicator_is_refused_on_its_field(world, draft, common, row, key, message):
    errors = refused(world.staff_a, draft, {"indicators": [row]})
    assert errors == {f"indicators-0-{key}": message}
    assert [i.baseline for i in fresh(draft.id).indicators] == ["18 %"]


def test_a_common_indicator_of_another_call_or_twice_is_refused(world, draft, common, factory):
    other = factory.call()
    foreign = CallIndicator(call_id=other.id, label="Autre")
    db.session.add(foreign)
    db.session.commit()
    errors = refused(
        world.staff_a,
        draft,
        {
            "indicators": [
                {"call_indicator_id": common[1].id, "target_value": "3"},
                {"call_indicator_id": common[1].id, "target_value": "4"},
                {"call_indicator_id": foreign.id, "target_value": "4"},
            ]
        },
    )
    assert errors == {
        "indicators-1-call_indicator_id": "Cet indicateur est retenu deux fois.",
        "indicators-2-call_indicator_id": "Cet indicateur n'est pas un indicateur commun de l'appel.",
    }


def test_an_indicator_without_numbers_blocks_submission(world, draft):
    blockers = dict(services.submission_blockers(fresh(draft.id)))
    assert "indicators" not in blockers  # older free text counts
    services.update_dossier(world.staff_a, draft, {"indicators": [{"name": "Assiduité"}]})
    messages = [m for a, m in services.submission_blockers(fresh(draft.id)) if a == "indicators"]
    assert messages == [
        "Indiquez la valeur de départ et la valeur cible de l'indicateur « Assiduité »."
    ]


def test_the_snapshot_freezes_targets_themes_and_kind_labels(world, draft):
    services.update_dossier(
        world.staff_a,
        draft,
        {
            "targets": [{"category": "return_path", "age_band": "19_25", "count": 4}],
            "themes": ["numerique"],
            "partners": [{"name": "Mission locale", "kind": "mission_locale", "role": ""}],
        },
    )
    submission = services.submit_dossier(world.head_a, fresh(draft.id))
    theme("numerique").label = "Numérique et réseaux"
    db.session.flush()
    snap = submission.snapshot
    assert snap["targets"] == [{"category": "return_path", "age_band": "19_25", "count": 4}]
    assert snap["target"]["count"] == 4
    assert snap["themes"] == [{"code": "numerique", "label": "Numérique"}]
    assert snap["partners"][0]["kind_label"] == "Mission locale"
    assert services.snapshot_hash(snap) == submission.snapshot_sha256
