"""The agreement names the legal beneficiary: the EPLE, or a private lycée's / MFR's managing
body with its legal representative — never « le chef d'établissement » for those kinds."""

from __future__ import annotations

import pytest

from funding.services import agreements
from portal.errors import Conflict
from portal.models import EstablishmentKind

from ..conftest import login
from .test_agreements import FUTURE, _pdf_text, _state


def _private(est, **identity):
    est.kind, est.public = EstablishmentKind.mfr, False
    for key, value in identity.items():
        setattr(est, key, value)


def test_a_managed_establishment_without_its_body_gets_no_agreement(money_world):
    o = money_world
    _private(o.est_a)
    dossier = o.accepted("1000.00", "1000.00").dossier
    before = _state(dossier)
    with pytest.raises(Conflict) as refused:
        agreements.generate(o.budget_state, dossier, FUTURE)
    assert "organisme gestionnaire" in refused.value.message
    assert "fiche de l'établissement" in refused.value.message
    assert _state(dossier) == before


def test_the_managing_body_signs_for_an_mfr(client, money_world):
    o = money_world
    _private(
        o.est_a,
        managing_body_name="Association MFR du Haut-Poitou",
        managing_body_siret="78467169500087",
        managing_body_rna="W861000123",
        legal_representative="M. Jean Rivière, président",
    )
    dossier = o.accepted("1000.00", "1000.00").dossier
    agreements.generate(o.budget_state, dossier, FUTURE)
    login(client, o.head_a)
    response = client.get(f"/financement/dossiers/{dossier.id}/convention.pdf")
    text = " ".join(_pdf_text(response.data).split())
    assert "Association MFR du Haut-Poitou" in text and "78467169500087" in text
    assert "W861000123" in text and "M. Jean Rivière, président" in text
    assert "organisme gestionnaire de" in text and o.est_a.uai in text
    assert "représenté par son chef d'établissement" not in text


def test_an_eple_signs_through_its_head_with_its_siret(client, money_world):
    o = money_world
    o.est_a.siret = "19990000000860"
    dossier = o.accepted("1000.00", "1000.00").dossier
    agreements.generate(o.budget_state, dossier, FUTURE)
    login(client, o.head_a)
    response = client.get(f"/financement/dossiers/{dossier.id}/convention.pdf")
    text = " ".join(_pdf_text(response.data).split())
    assert "SIRET 19990000000860" in text
    assert "représenté par son chef d'établissement" in text and o.head_a.full_name in text
