"""The beneficiary's legal identity on the establishment's record: SIRET, managing body."""

import html

import pytest
from sqlalchemy import select

from portal.db import db
from portal.models import AuditEvent, Establishment, EstablishmentKind
from portal.siret import validate_rna, validate_siret

from ..conftest import login
from .test_establishments import _form

BODY_SIRET = "78467169500087"


def _post(client, est, **changes):
    return client.post(f"/admin/etablissements/{est.id}", data=_form(est, **changes))


def test_managing_body_is_saved_and_audited(client, world):
    login(client, world.admin)
    est = world.est_a
    response = _post(
        client,
        est,
        kind="lycee_prive",
        sector="private",
        managing_body_name="  OGEC   Saint-Joseph ",
        managing_body_siret="784 671 695 00087",
        managing_body_rna="w861000123",
        legal_representative="Mme Odile Martin, présidente",
    )
    assert response.status_code == 302
    est = db.session.get(Establishment, est.id)
    assert est.kind == EstablishmentKind.lycee_prive and est.has_managing_body
    assert est.managing_body_name == "OGEC Saint-Joseph"
    assert est.managing_body_siret == BODY_SIRET and est.managing_body_rna == "W861000123"
    assert est.beneficiary_name == "OGEC Saint-Joseph" and est.beneficiary_siret == BODY_SIRET
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "establishment_updated", AuditEvent.object_id == est.id
        )
    )
    assert event.changes["managing_body_siret"] == ["", BODY_SIRET]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"siret": "1234"}, "siret", "Un SIRET compte 14 chiffres"),
        ({"siret": "19990000000861"}, "siret", "Ce SIRET n'est pas valide"),
        (
            {"managing_body_name": "OGEC", "managing_body_siret": "ABCDEFGHIJKLMN"},
            "managing_body_siret",
            "Un SIRET compte 14 chiffres",
        ),
        (
            {"managing_body_name": "OGEC", "managing_body_rna": "861000123"},
            "managing_body_rna",
            "Un numéro RNA commence par W",
        ),
        (
            {"legal_representative": "M. Dupont"},
            "managing_body_name",
            "Indiquez le nom de l'organisme gestionnaire",
        ),
    ],
)
def test_bad_identity_is_tied_to_its_field_and_changes_nothing(
    client, world, changes, field, message
):
    login(client, world.admin)
    est = world.est_a
    version = est.version
    response = _post(client, est, **changes)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    assert f'id="{field}-error"' in page or f'aria-describedby="{field}' in page
    db.session.expire_all()
    est = db.session.get(Establishment, est.id)
    assert est.version == version and est.siret == "" and est.managing_body_name == ""


def test_a_public_eple_is_its_own_beneficiary(world):
    est = world.est_a
    est.siret = "19990000000860"
    assert not est.has_managing_body
    assert est.beneficiary_name == est.name and est.beneficiary_siret == "19990000000860"
    assert est.beneficiary_rna == ""


def test_identifier_rules():
    assert validate_siret("") == ""
    assert validate_siret("356 000 000 00051") == "35600000000051"  # La Poste: sum rule
    with pytest.raises(ValueError):
        validate_siret("35600000000052")
    assert validate_rna(" w123456789 ") == "W123456789"
    with pytest.raises(ValueError):
        validate_rna("W12345")
