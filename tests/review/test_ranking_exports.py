"""Exports of the ranking and of the reviews: CSV (French Excel) and XLSX, read back."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from portal.db import db
from review.models import ConflictDeclaration

from ..conftest import login


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def _csv_rows(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # UTF-8 BOM: Excel reads the accents right
    text = raw.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def _xlsx_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_ranking_csv(client, world, ranked):
    login(client, world.call_admin)
    response = _get(client, f"/instruction/appels/{ranked.call.id}/classement.csv")
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Rang", "Référence", "Établissement"]
    assert [r[1] for r in body] == [
        ranked.a.reference,
        ranked.b.reference,
        ranked.c.reference,
        ranked.d.reference,
    ]
    a = dict(zip(header, body[0]))
    assert a["Rang"] == "1" and a["Note /20"] == "17,00" and a["Moyenne État /20"] == "14,00"
    assert a["Moyenne Région /20"] == "20,00" and a["Demandé à la Région (€)"] == "4000,00"
    assert a["Signalé"] == "Oui"
    assert a["Motif du signalement"] == "Écart État–Région de 6,00 points (seuil 3,00)"
    d = dict(zip(header, body[3]))
    assert d["Rang"] == "" and d["Note /20"] == "" and d["Signalé"] == "Non"


def test_ranking_export_follows_the_filters_and_sort(client, world, ranked):
    login(client, world.call_admin)
    rows = _csv_rows(
        _get(
            client,
            f"/instruction/appels/{ranked.call.id}/classement.csv?signales=1&tri=score&ordre=asc",
        )
    )
    assert [r[1] for r in rows[1:]] == [ranked.c.reference, ranked.a.reference]


def test_ranking_xlsx(client, world, ranked):
    login(client, world.call_admin)
    response = _get(client, f"/instruction/appels/{ranked.call.id}/classement.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    rows = _xlsx_rows(response)
    header = rows[0]
    a = dict(zip(header, rows[1]))
    assert a["Référence"] == ranked.a.reference and a["Rang"] == 1
    assert float(a["Note /20"]) == 17.0 and float(a["Demandé à la Région (€)"]) == 4000.0
    assert a["Signalé"] == "Oui"
    assert [r[1] for r in rows[1:]] == [
        ranked.a.reference,
        ranked.b.reference,
        ranked.c.reference,
        ranked.d.reference,
    ]


def test_reviews_csv_has_one_row_per_submitted_review(client, world, ranked):
    login(client, world.call_admin)
    rows = _csv_rows(_get(client, f"/instruction/appels/{ranked.call.id}/evaluations.csv"))
    header, body = rows[0], rows[1:]
    assert header[:6] == [
        "Référence",
        "Établissement",
        "Instructeur",
        "Institution",
        "Pertinence",
        "Faisabilité",
    ]
    assert "Partenariat local (oui/non)" in header
    assert len(body) == 6  # 3 on A, 2 on B, 1 on C; drafts and declined ones are not exported
    lines = [dict(zip(header, r)) for r in body]
    severe_a = next(
        x
        for x in lines
        if x["Référence"] == ranked.a.reference and x["Instructeur"] == "Sévère État"
    )
    assert severe_a["Institution"] == "État (rectorat)"
    assert severe_a["Pertinence"] == "4,00" and severe_a["Partenariat local (oui/non)"] == "Oui"
    assert severe_a["Total /20"] == "16,00" and severe_a["Score standardisé (z)"] == "1,22"
    assert severe_a["Avis"] == "Favorable" and severe_a["Montant proposé (€)"] == "4500,00"


def test_reviews_xlsx_hides_names_from_copilots(client, world, ranked):
    login(client, ranked.copilot_region)
    rows = _xlsx_rows(_get(client, f"/instruction/appels/{ranked.call.id}/evaluations.xlsx"))
    names = {r[2] for r in rows[1:]}
    assert names == {"Instructeur État 1", "Instructeur État 2", "Instructeur Région 1"}
    assert len(rows) == 7


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_conflicted_rows_never_appear_in_exports(client, world, ranked, fmt):
    db.session.add(
        ConflictDeclaration(
            dossier_id=ranked.a.id, user_id=ranked.copilot_region.id, kind="institutional"
        )
    )
    db.session.flush()
    login(client, ranked.copilot_region)
    for kind in ("classement", "evaluations"):
        response = _get(client, f"/instruction/appels/{ranked.call.id}/{kind}.{fmt}")
        rows = _csv_rows(response) if fmt == "csv" else _xlsx_rows(response)
        references = {r[1] if kind == "classement" else r[0] for r in rows[1:]}
        assert ranked.a.reference not in references
        assert ranked.b.reference in references


def test_free_text_never_becomes_a_formula(client, world, ranked):
    ranked.a.title = '=HYPERLINK("http://exemple.invalid")'
    db.session.flush()
    login(client, world.call_admin)
    rows = _csv_rows(_get(client, f"/instruction/appels/{ranked.call.id}/classement.csv"))
    assert rows[1][5].startswith("'=")
    xlsx = _xlsx_rows(_get(client, f"/instruction/appels/{ranked.call.id}/classement.xlsx"))
    assert xlsx[1][5].startswith("'=")
