"""Open data of the granted subsidies: SCDL « subventions » 2.1.1, validated with frictionless
against the Table Schema descriptor kept in the repository (outcomes/data/)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

from frictionless import Resource, Schema

from applications.models import BudgetLine
from funding.models import Commitment, CommitmentStatus, GrantAgreement
from outcomes.services import opendata
from portal.db import db
from portal.models import EstablishmentKind, Institution

STATE_SIRET, REGION_SIRET = "13002526500013", "20005375900011"


def _validate(text: str, tmp_path):
    (tmp_path / "subventions.csv").write_text(text, encoding="utf-8")
    resource = Resource(
        path="subventions.csv",
        basepath=str(tmp_path),
        schema=Schema.from_descriptor(opendata.table_schema()),
    )
    return resource.validate()


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _year(decision) -> int:
    return db.session.get(GrantAgreement, _agreement(decision).id).signed_on.year


def _agreement(decision):
    return db.session.query(GrantAgreement).filter_by(dossier_id=decision.dossier_id).one()


def test_the_file_follows_the_schema(money_world, tmp_path, client):
    o = money_world
    decision = o.funded("1000.00", "2000.00")
    year = _year(decision)
    response = client.get(f"/donnees-ouvertes/subventions-region-{year}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "public" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    assert not text.startswith("\ufeff")  # the SCDL file: UTF-8 without BOM
    report = _validate(text, tmp_path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert text.splitlines()[0].split(",") == opendata.COLUMNS
    (row,) = _rows(text)
    dossier = decision.dossier
    cost = sum(b.amount for b in dossier.budget_lines if b.kind == "expense")
    assert row["nomAttribuant"] == "Région Nouvelle-Aquitaine"
    assert row["idAttribuant"] == REGION_SIRET
    assert row["dateConvention"] == _agreement(decision).signed_on.isoformat()
    assert row["referenceDecision"] == f"DEC-{dossier.reference}"
    assert row["montant"] == "2000.00"
    assert row["nature"] == "aide en numéraire"
    assert row["notificationUE"] == "non"
    assert Decimal(row["pourcentageSubvention"]) == (Decimal("2000.00") / cost).quantize(
        Decimal("0.0001")
    )
    assert row["dispositifAide"] == o.call.title
    assert row["objet"] == dossier.title
    # The State's file carries the State's part only.
    (state_row,) = _rows(opendata.csv_text(Institution.state, year))
    assert state_row["montant"] == "1000.00" and state_row["idAttribuant"] == STATE_SIRET


def test_payment_conditions_follow_the_schedule(money_world):
    o = money_world
    decision = o.funded("0.00", "2000.00")
    agreement = _agreement(decision)
    year = agreement.signed_on.year
    (row,) = _rows(opendata.csv_text(Institution.region, year))
    if agreement.advance_rate and agreement.advance_rate > 0:
        assert row["conditionsVersement"] == "échelonné"
        assert row["datesPeriodeVersement"] == (
            f"{agreement.signed_on.isoformat()}/{agreement.report_due_on.isoformat()}"
        )
    agreement.advance_rate = Decimal("0.00")
    db.session.flush()
    (row,) = _rows(opendata.csv_text(Institution.region, year))
    assert row["conditionsVersement"] == "unique"
    assert row["datesPeriodeVersement"] == agreement.report_due_on.isoformat()
    # No part for the State: the State's file has no row for it.
    assert _rows(opendata.csv_text(Institution.state, year)) == []


def test_only_signed_and_not_cancelled_parts_are_published(money_world, client):
    o = money_world
    signed = o.funded("1000.00", "2000.00")
    o.accepted("500.00", "500.00")  # committed, agreement not signed: not published
    year = _year(signed)
    assert len(_rows(opendata.csv_text(Institution.region, year))) == 1
    files = {(f["funder"].slug, f["year"]): f["count"] for f in opendata.files()}
    assert files == {("etat", year): 1, ("region", year): 1}
    region_part = (
        db.session.query(Commitment)
        .filter_by(dossier_id=signed.dossier_id, funder=Institution.region)
        .one()
    )
    region_part.status = CommitmentStatus.cancelled
    db.session.flush()
    assert _rows(opendata.csv_text(Institution.region, year)) == []
    api = client.get("/api/v1/open-data/subsidies").get_json()["items"]
    assert [(i["funder"], i["year"], i["count"]) for i in api] == [("etat", year, 1)]


def test_a_private_lycee_is_published_under_its_managing_body(money_world, tmp_path):
    o = money_world
    est = o.head_a.establishment
    est.kind, est.public = EstablishmentKind.lycee_prive, False
    est.managing_body_name = "OGEC Saint-Joseph"
    est.managing_body_siret = "78467169500087"
    est.managing_body_rna = "W861000123"
    est.legal_representative = "Mme Odile Martin, présidente"
    decision = o.funded("1000.00", "2000.00")
    text = opendata.csv_text(Institution.region, _year(decision))
    assert _validate(text, tmp_path).valid
    (row,) = _rows(text)
    assert row["nomBeneficiaire"] == "OGEC Saint-Joseph"
    assert row["idBeneficiaire"] == "78467169500087"
    assert row["rnaBeneficiaire"] == "W861000123"
    # No person: neither the representative nor the head, nor any address.
    assert "Odile" not in text and o.head_a.full_name not in text
    assert o.head_a.email not in text and "@" not in text


def test_an_eple_is_its_own_beneficiary(money_world):
    o = money_world
    o.head_a.establishment.siret = "19990000000860"
    decision = o.funded("1000.00", "2000.00")
    (row,) = _rows(opendata.csv_text(Institution.region, _year(decision)))
    assert row["nomBeneficiaire"] == o.head_a.establishment.name
    assert row["idBeneficiaire"] == "19990000000860" and row["rnaBeneficiaire"] == ""


def test_free_text_cannot_start_a_formula(money_world):
    o = money_world
    decision = o.funded("1000.00", "2000.00")
    decision.dossier.title = '=HYPERLINK("http://x.example","clic")'
    db.session.flush()
    (row,) = _rows(opendata.csv_text(Institution.region, _year(decision)))
    assert row["objet"].startswith("'=")


def test_share_is_kept_within_the_schema_bounds(money_world, tmp_path):
    o = money_world
    decision = o.funded("0.00", "2000.00")
    year = _year(decision)
    lines = [b for b in decision.dossier.budget_lines if b.kind == "expense"]
    for line in lines:  # a cost far above the grant: share below 1 %
        line.amount = Decimal("900000.00")
    db.session.flush()
    text = opendata.csv_text(Institution.region, year)
    assert _rows(text)[0]["pourcentageSubvention"] == "0.0100"
    db.session.query(BudgetLine).filter(
        BudgetLine.dossier_id == decision.dossier_id, BudgetLine.kind == "expense"
    ).delete()
    db.session.expire_all()
    text = opendata.csv_text(Institution.region, year)  # no cost known: the whole
    assert _rows(text)[0]["pourcentageSubvention"] == "1.0000"
    assert _validate(text, tmp_path).valid


def test_the_schema_refuses_what_the_specification_refuses(tmp_path):
    good = {
        "nomAttribuant": "Région",
        "idAttribuant": REGION_SIRET,
        "dateConvention": "2026-01-02",
        "referenceDecision": "DEC-1",
        "nomBeneficiaire": "Lycée",
        "idBeneficiaire": "",
        "rnaBeneficiaire": "",
        "objet": "Objet",
        "montant": "1000.00",
        "nature": "aide en numéraire",
        "conditionsVersement": "unique",
        "datesPeriodeVersement": "2026-01-02",
        "idRAE": "",
        "notificationUE": "non",
        "pourcentageSubvention": "0.5",
        "dispositifAide": "AAP",
    }
    bad = {
        **good,
        "idAttribuant": "1234",
        "nature": "chèque",
        "notificationUE": "peut-être",
        "pourcentageSubvention": "1.5",
        "dateConvention": "02/01/2026",
        "rnaBeneficiaire": "12345",
        "datesPeriodeVersement": "2026",
        "montant": "1 000,00",
    }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=opendata.COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows([good, bad])
    report = _validate(buffer.getvalue(), tmp_path)
    errors = {(r, f) for r, f in report.flatten(["rowNumber", "fieldName"])}
    assert all(row == 3 for row, _ in errors)  # the good row passes
    assert {f for _, f in errors} == {
        "idAttribuant",
        "nature",
        "notificationUE",
        "pourcentageSubvention",
        "dateConvention",
        "rnaBeneficiaire",
        "datesPeriodeVersement",
        "montant",
    }


def test_without_the_funders_siret_nothing_is_published(money_world, client, app, monkeypatch):
    o = money_world
    decision = o.funded("1000.00", "2000.00")
    year = _year(decision)
    assert app.config["FUNDER_SIRET_REGION"] == REGION_SIRET  # the test app's (conftest)
    monkeypatch.setitem(app.config, "FUNDER_SIRET_REGION", "")
    response = client.get(f"/donnees-ouvertes/subventions-region-{year}.csv")
    assert response.status_code == 503
    assert "FUNDER_SIRET_REGION" in response.get_data(as_text=True)
    api = client.get(f"/api/v1/open-data/subsidies/region/{year}")
    assert api.status_code == 503 and "FUNDER_SIRET_REGION" in api.get_json()["error"]
    page = client.get("/donnees-ouvertes").get_data(as_text=True)
    assert "Bientôt disponible" in page
    monkeypatch.setitem(app.config, "FUNDER_SIRET_REGION", "20005375900012")  # a wrong key
    assert client.get(f"/api/v1/open-data/subsidies/region/{year}").status_code == 503


def test_unknown_funder_or_year_is_not_found(client):
    assert client.get("/donnees-ouvertes/subventions-mairie-2026.csv").status_code == 404
    assert client.get("/api/v1/open-data/subsidies/mairie/2026").status_code == 404
    assert client.get("/api/v1/open-data/subsidies/region/1999").status_code == 404
    assert client.get("/api/v1/open-data/subsidies/region/99999999999").status_code == 404
    assert client.get("/donnees-ouvertes/subventions-region-2101.csv").status_code == 404


def test_public_pages_and_api_need_no_login(money_world, client):
    o = money_world
    decision = o.funded("1000.00", "2000.00")
    year = _year(decision)
    page = client.get("/donnees-ouvertes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"subventions-region-{year}.csv" in html and "SCDL" in html
    api = client.get(f"/api/v1/open-data/subsidies/region/{year}")
    assert api.status_code == 200
    (item,) = api.get_json()["items"]
    assert item["montant"] == "2000.00" and item["idAttribuant"] == REGION_SIRET
    schema = client.get("/donnees-ouvertes/schema-subventions-2.1.1.json")
    assert json.loads(schema.get_data(as_text=True))["version"] == "2.1.1"


def test_file_names_and_the_period_rule():
    agreement = GrantAgreement(
        advance_rate=Decimal("30.00"),
        signed_on=dt.date(2026, 1, 15),
        report_due_on=dt.date(2026, 12, 31),
    )
    assert opendata._period(agreement, [dt.date(2027, 2, 1)]) == (
        "échelonné",
        "2026-01-15/2027-02-01",
    )
