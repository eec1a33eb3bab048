"""Exports of commitments and payments: CSV (French Excel) and XLSX, streamed, read back, and
reconciled to the cent with the dashboard's totals."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from funding import dashboard, exports, services
from portal.db import db
from portal.models import INSTITUTION_LABELS as FUNDER_LABELS

from ..conftest import login
from ..helpers import count_queries
from .conftest import REGION, STATE, commitment_of

TODAY = dt.date.today()


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def _csv_rows(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # UTF-8 BOM: Excel reads the accents right
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def _xlsx_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def _amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


@pytest.fixture
def money_moved(money_world):
    """Three dossiers: advances paid, a clawback settled, one open, a commitment cancelled."""
    o = money_world
    o.est_a.name = '=HYPERLINK("x")'  # free text that a spreadsheet would run
    o.a = o.funded("1000.00", "3000.00")
    o.b = o.funded("2000.00", "500.50", author=o.head_b)
    o.c = o.funded("700.00", "0")
    services.record_payment(o.budget_state, commitment_of(o.a, STATE), "500,00", TODAY, "M-1")
    services.record_payment(o.budget_region, commitment_of(o.a, REGION), "1500,00", TODAY, "R-1")
    services.record_payment(o.budget_state, commitment_of(o.b, STATE), "1000,00", TODAY, "M-2")
    services.record_payment(o.budget_region, commitment_of(o.b, REGION), "250,25", TODAY, "R-2")
    settled = services.create_clawback(
        o.budget_state, commitment_of(o.b, STATE), "300,00", "Action réduite."
    )
    services.settle_clawback(o.budget_state, settled, TODAY, "T-1")
    services.create_clawback(
        o.budget_region, commitment_of(o.a, REGION), "100,00", "Une action non faite."
    )
    services.reduce_commitment(o.budget_state, commitment_of(o.c, STATE), "0", "Projet abandonné.")
    db.session.flush()
    return o


def test_commitments_csv_streams_one_row_per_commitment(client, money_moved):
    o = money_moved
    login(client, o.observer)
    response = _get(client, f"/financement/appels/{o.call.id}/engagements.csv")
    assert response.is_streamed and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="engagements-appel-{o.call.id}.csv"'
    )
    rows = _csv_rows(response)
    assert rows[0] == exports.COMMITMENT_HEADER
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert len(body) == 5  # a: 2, b: 2, c: 1 (the Région granted nothing on c)
    assert [r["Référence du dossier"] for r in body] == sorted(
        r["Référence du dossier"] for r in body
    )
    first = next(
        r
        for r in body
        if r["Référence du dossier"] == o.a.dossier.reference
        and r["Financeur"] == FUNDER_LABELS[REGION]
    )
    assert first["Établissement"] == '\'=HYPERLINK("x")'  # defused
    assert first["UAI"] == o.est_a.uai and first["Département"] == "86"
    assert first["Axe"] == "2" and first["Montant accordé (€)"] == "3000,00"
    assert first["Montant engagé (€)"] == "2900,00"  # lowered by the clawback
    assert first["Payé (€)"] == "1500,00" and first["Reste à payer (€)"] == "1500,00"
    assert first["Statut"] == "Actif"
    cancelled = next(r for r in body if r["Référence du dossier"] == o.c.dossier.reference)
    assert cancelled["Statut"] == "Annulé" and cancelled["Montant engagé (€)"] == "0,00"


def test_payments_csv_lists_every_payment(client, money_moved):
    o = money_moved
    login(client, o.budget_state)
    rows = _csv_rows(_get(client, f"/financement/appels/{o.call.id}/paiements.csv"))
    assert rows[0] == exports.PAYMENT_HEADER
    assert len(rows) == 5
    line = dict(zip(rows[0], next(r for r in rows if r[3] == "R-2")))
    assert line == {
        "Date du paiement": TODAY.strftime("%d/%m/%Y"),
        "Financeur": "Région",
        "Dossier": o.b.dossier.reference,
        "Référence (mandat)": "R-2",
        "Type": "Avance",
        "Montant (€)": "250,25",
    }


@pytest.mark.parametrize("funder", [STATE, REGION])
def test_csv_exports_reconcile_with_the_dashboard(client, money_moved, funder):
    o = money_moved
    figures = dashboard.call_budget(o.call).for_funder(funder)
    login(client, o.budget_region)
    rows = _csv_rows(
        _get(client, f"/financement/appels/{o.call.id}/engagements.csv?financeur={funder.value}")
    )
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert {r["Financeur"] for r in body} == {FUNDER_LABELS[funder]}
    assert sum(_amount(r["Montant engagé (€)"]) for r in body) == figures.committed
    assert sum(_amount(r["Payé (€)"]) for r in body) == figures.paid
    assert sum(_amount(r["Reste à payer (€)"]) for r in body) == figures.to_pay
    assert sum(1 for r in body if r["Statut"] == "Actif") == figures.commitments
    payments = _csv_rows(
        _get(client, f"/financement/appels/{o.call.id}/paiements.csv?financeur={funder.value}")
    )
    assert sum(_amount(r[5]) for r in payments[1:]) == figures.payments
    assert {r[1] for r in payments[1:]} == {FUNDER_LABELS[funder]}


def test_xlsx_exports_keep_numbers_and_reconcile(client, money_moved):
    o = money_moved
    budget = dashboard.call_budget(o.call)
    login(client, o.call_admin)
    response = _get(client, f"/financement/appels/{o.call.id}/engagements.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet") and response.is_streamed
    rows = _xlsx_rows(response)
    assert rows[0] == exports.COMMITMENT_HEADER
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    for funder in (STATE, REGION):
        mine = [r for r in body if r["Financeur"] == FUNDER_LABELS[funder]]
        assert (
            sum(Decimal(str(r["Montant engagé (€)"])) for r in mine)
            == budget.for_funder(funder).committed
        )
        assert sum(Decimal(str(r["Payé (€)"])) for r in mine) == budget.for_funder(funder).paid
    assert isinstance(body[0]["Montant accordé (€)"], (int, float))
    payments = _xlsx_rows(_get(client, f"/financement/appels/{o.call.id}/paiements.xlsx"))
    assert payments[0] == exports.PAYMENT_HEADER
    assert isinstance(payments[1][0], dt.datetime) and payments[1][0].date() == TODAY
    assert (
        sum(Decimal(str(r[5])) for r in payments[1:])
        == budget.for_funder(STATE).payments + budget.for_funder(REGION).payments
    )


def test_an_empty_call_exports_just_the_header(client, money_world):
    o = money_world
    login(client, o.observer)
    assert _csv_rows(_get(client, f"/financement/appels/{o.call.id}/engagements.csv")) == [
        exports.COMMITMENT_HEADER
    ]
    assert _xlsx_rows(_get(client, f"/financement/appels/{o.call.id}/paiements.xlsx")) == [
        exports.PAYMENT_HEADER
    ]


def test_rows_are_read_in_batches_of_constant_size(money_moved):
    """Keyset pages: every row comes out once, in order, three queries per page of commitments
    (the page, then paid and clawed back for its commitments), one per page of payments."""
    o = money_moved
    whole = list(exports.commitment_rows(o.call.id))
    with count_queries() as counter:
        paged = list(exports.commitment_rows(o.call.id, batch=2))
    assert paged == whole and len(whole) == 5
    assert counter.count == 3 * 3  # pages of 2, 2 and 1 rows
    with count_queries() as counter:
        paged = list(exports.payment_rows(o.call.id, batch=3))
    assert paged == list(exports.payment_rows(o.call.id)) and len(paged) == 4
    assert counter.count == 2
    with count_queries() as counter:
        assert len(list(exports.payment_rows(o.call.id, batch=2))) == 4
    assert counter.count == 3  # two full pages, then an empty one
