"""Every XLSX export (portal.exports) opens ready to work with: columns sized, header frozen and
bold, an autofilter over the table, amounts in euros, other decimals with two decimals, dates."""

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from portal.exports import (
    MAX_WIDTH,
    MIN_WIDTH,
    MONEY_FORMAT,
    NUMBER_FORMAT,
    column_widths,
    xlsx_bytes,
)
from portal.formatting import format_decimal

HEADER = ["Référence", "Titre du projet", "Montant engagé (€)", "Note /20", "Date", "Signalé"]


def _rows(n: int):
    for i in range(n):
        yield [
            f"2026-{i:04d}",
            "Un projet " + "très " * (i % 30) + "long",
            Decimal("12500.00") + i,
            Decimal("14.25"),
            dt.date(2026, 12, 1),
            i % 2 == 0,
        ]


def _sheet(header, rows):
    return load_workbook(io.BytesIO(xlsx_bytes(header, rows, "Engagements"))).active


def test_the_sheet_is_sized_frozen_filtered_and_formatted():
    sheet = _sheet(HEADER, _rows(300))
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F301"
    assert [c.value for c in sheet[1]] == HEADER and all(c.font.b for c in sheet[1])
    amount, score, day = sheet["C2"], sheet["D2"], sheet["E2"]
    assert amount.value == 12500 and amount.number_format == MONEY_FORMAT
    assert MONEY_FORMAT == '#,##0.00\\ "€"'
    assert score.value == 14.25 and score.number_format == NUMBER_FORMAT
    assert day.number_format == "DD/MM/YYYY" and day.value.date() == dt.date(2026, 12, 1)
    assert sheet["F2"].value == "Oui" and sheet["F3"].value == "Non"
    assert sheet["A301"].value == "2026-0299"  # every row, past the sample used for the widths
    widths = {k: d.width for k, d in sheet.column_dimensions.items()}
    assert widths["B"] > widths["A"] >= MIN_WIDTH  # the long titles make their column wide
    assert widths["B"] <= MAX_WIDTH
    assert widths["C"] >= len("Montant engagé (€)")


def test_widths_follow_the_header_and_values_within_bounds():
    assert column_widths(["A", "Un long intitulé"], []) == [MIN_WIDTH, len("Un long intitulé") + 2]
    assert column_widths(["Texte"], [["x" * 500]]) == [MAX_WIDTH]
    shown = len(format_decimal(Decimal("1234567.89")))
    assert column_widths(["M"], [[Decimal("1234567.89")], [None]]) == [shown + 2 + 2]


def test_an_empty_table_still_has_its_filtered_header():
    sheet = _sheet(HEADER, [])
    assert sheet.auto_filter.ref == "A1:F1" and sheet.freeze_panes == "A2"


def test_an_amount_given_as_int_or_float_still_reads_in_euros():
    header = ["Montant (€)", "Jeunes", "Taux"]
    sheet = _sheet(header, [[1500, 12, 0.5], [1500.5, 3, 1.25]])
    assert sheet["A2"].number_format == MONEY_FORMAT and sheet["A3"].number_format == MONEY_FORMAT
    assert sheet["B2"].number_format == "General"  # a count stays a plain number
    assert sheet["C2"].number_format == NUMBER_FORMAT and sheet["C3"].value == 1.25
