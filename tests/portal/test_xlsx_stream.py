"""The XLSX export streams (portal.xlsx): bytes leave before the rows are all read, and what
arrives is a workbook openpyxl reads back with every value, type and layout rule kept."""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from portal.exports import CHUNK, MONEY_FORMAT, NUMBER_FORMAT, csv_cell, xlsx_bytes, xlsx_chunks
from portal.formatting import format_decimal
from portal.xlsx import column_letter, serial


class Counted:
    """Rows that count how many of them were read."""

    def __init__(self, n: int):
        self.n, self.read = n, 0
        self.rng = random.Random(7)

    def __iter__(self):
        for i in range(self.n):
            self.read += 1
            noise = "".join(self.rng.choice("abcdefghij klmnop") for _ in range(40))
            yield [f"AAP-{i:06d}", noise, Decimal(self.rng.randint(0, 10**7)) / 100]


def test_the_first_bytes_leave_before_any_row_is_read():
    rows = Counted(10)
    chunks = xlsx_chunks(["Référence", "Texte", "Montant (€)"], rows, "Feuille")
    first = next(chunks)
    assert first.startswith(b"PK") and rows.read == 0
    assert b"".join(chunks)  # the rest follows once the rows are read
    assert rows.read == 10


def test_bytes_keep_coming_while_the_rows_are_read():
    rows = Counted(20_000)
    read_at_each_chunk, sizes = [], []
    body = bytearray()
    for chunk in xlsx_chunks(["Référence", "Texte", "Montant (€)"], rows, "Feuille"):
        read_at_each_chunk.append(rows.read)
        sizes.append(len(chunk))
        body += chunk
    assert len(body) > 10 * CHUNK
    # many pieces, each sent while rows were still coming: never the whole file at the end
    during = [n for n in read_at_each_chunk if 0 < n < rows.n]
    assert len(during) >= 10
    assert max(sizes) < 4 * CHUNK
    sheet = load_workbook(io.BytesIO(bytes(body)), read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 20_001 and values[-1][0] == "AAP-019999"


def test_values_types_and_layout_survive_the_round_trip():
    header = ["Texte", "Montant (€)", "Note", "Jour", "Moment", "Entier", "Réel", "Oui/non"]
    header += [f"Col {i}" for i in range(len(header), 30)]  # past column Z
    paris = dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC)  # 12:30 in Paris (summer time)
    rows = [
        ["<b>&\"'</b>", Decimal("12500.50"), Decimal("14.25"), dt.date(2026, 12, 1), paris]
        + [42, 2.5, True]
        + [f"v{i}" for i in range(8, 30)],
        ["  espaces  ", None, Decimal("-0.5"), None, dt.datetime(2026, 1, 2, 6, 0)]
        + [-(10**12), None, False]
        + [None] * 22,
        ["=HYPERLINK(1)", Decimal("0"), None, dt.date(1900, 3, 1), None]
        + [0, 1e-3, None, "fin\x01\x07 sans contrôle"],
    ]
    body = xlsx_bytes(header, rows, "Dossiers: l'été")
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.title == "Dossiers  l'été"  # ':' is not allowed in a sheet name
    assert [c.value for c in sheet[1]] == header and all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:AD4"
    first = [c.value for c in sheet[2]]
    assert first[:3] == ["<b>&\"'</b>", 12500.5, 14.25]
    assert first[3] == dt.datetime(2026, 12, 1) and first[4] == dt.datetime(2026, 7, 1, 12, 30)
    assert first[5:8] == [42, 2.5, "Oui"] and first[29] == "v29" and sheet["AD2"].value == "v29"
    assert sheet["B2"].number_format == MONEY_FORMAT
    assert sheet["C2"].number_format == NUMBER_FORMAT
    assert sheet["D2"].number_format == "DD/MM/YYYY"
    second = [c.value for c in sheet[3]]
    assert second[0] == "  espaces  " and second[1] is None and second[2] == -0.5
    assert second[4] == dt.datetime(2026, 1, 2, 6, 0) and second[5] == -(10**12)
    assert second[7] == "Non"
    third = [c.value for c in sheet[4]]
    assert third[0] == "'=HYPERLINK(1)"  # never a formula
    assert third[1] == 0 and third[3] == dt.datetime(1900, 3, 1) and third[6] == 0.001
    assert third[8] == "fin sans contrôle"  # characters XML cannot carry are dropped
    widths = {k: d.width for k, d in sheet.column_dimensions.items()}
    assert set(widths) >= {"A", "Z", "AA", "AD"}


def test_column_letters_and_serial_dates_follow_excel():
    assert [column_letter(i) for i in (1, 26, 27, 52, 53, 702, 703)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
    assert serial(dt.date(1900, 1, 1)) == 1 and serial(dt.date(1900, 3, 1)) == 61
    assert serial(dt.date(2026, 12, 1)) == 46357
    assert serial(dt.datetime(2026, 12, 1, 12, 0)) == 46357.5


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_csv_decimals_are_written_as_format_decimal_writes_them(value):
    assert csv_cell(value) == format_decimal(value)
