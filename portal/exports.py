"""Tables as files for spreadsheets and finance systems: CSV (French Excel's dialect) or XLSX.

One module for every area's exports:
- CSV: semicolon-separated, UTF-8 with a byte-order mark, decimal comma, dates dd/mm/yyyy, free
  text defused against spreadsheet formulas, streamed line by line;
- XLSX: openpyxl in write-only mode, numbers kept as numbers (amounts in euros, other decimals
  with two decimals, dates as dates), columns sized, header frozen, an autofilter; spooled to a
  temporary file and streamed from it.
Rows may be any iterable (a generator reading the database in batches keeps memory flat).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import chain, islice

from flask import Response, stream_with_context

from .formatting import format_decimal

CHUNK = 64 * 1024
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def defuse(value: str) -> str:
    """Free text never starts a formula in a spreadsheet (a leading apostrophe defuses it)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, str):
        return defuse(value)
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def xlsx_cell(value):
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, str):
        return defuse(value)
    return value


def csv_chunks(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The table as CSV text, one chunk per line, the first starting with the BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def line(cells: Iterable) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell(c) for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(header)
    for cells in rows:
        yield line(cells)


MONEY_FORMAT = '#,##0.00\\ "€"'  # a column whose header says "(€)": 12 500,00 € in French Excel
NUMBER_FORMAT = "0.00"  # any other decimal column (scores, means, gaps)
DATE_FORMAT = "DD/MM/YYYY"
WIDTH_SAMPLE = 200  # rows read ahead to size the columns (the rest still streams)
MIN_WIDTH, MAX_WIDTH = 8, 60


def _number_format(label: str, value) -> str | None:
    if hasattr(value, "strftime"):
        return DATE_FORMAT
    if isinstance(value, Decimal):
        return MONEY_FORMAT if "(€)" in label else NUMBER_FORMAT
    return None


def _shown_length(value) -> int:
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return len(format_decimal(value)) + 2
    if hasattr(value, "strftime"):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def column_widths(header: list[str], sample: list[list]) -> list[int]:
    """Each column as wide as its header or its longest value in `sample`, within bounds."""
    widths = [len(str(label)) for label in header]
    for cells in sample:
        for i, value in enumerate(cells):
            if i < len(widths):
                widths[i] = max(widths[i], _shown_length(value))
    return [min(MAX_WIDTH, max(MIN_WIDTH, w + 2)) for w in widths]


def xlsx_file(header: list[str], rows: Iterable[Iterable], title: str):
    """The table as an XLSX workbook written row by row to a temporary file (rewound).

    Every sheet is ready to work with: columns sized on the header and the first rows, the header
    row bold and frozen, an autofilter over the table, dates as dates, amounts (a header with
    "(€)") in euros with thousands separators, other decimals with two decimals.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    rows = iter(rows)
    sample = [list(cells) for cells in islice(rows, WIDTH_SAMPLE)]
    for i, width in enumerate(column_widths(header, sample), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=xlsx_cell(label))
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    count = 0
    for cells in chain(sample, rows):
        out = []
        for i, value in enumerate(cells):
            number_format = _number_format(str(header[i]) if i < len(header) else "", value)
            if number_format is None:
                out.append(xlsx_cell(value))
            else:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                out.append(cell)
        sheet.append(out)
        count += 1
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def xlsx_bytes(header: list[str], rows: Iterable[Iterable], title: str) -> bytes:
    with xlsx_file(header, rows, title) as handle:
        return handle.read()


def file_chunks(handle) -> Iterator[bytes]:
    """Read a file in CHUNK-sized pieces, closing (and so deleting) it at the end."""
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


def xlsx_chunks(header: list[str], rows: Iterable[Iterable], title: str) -> Iterator[bytes]:
    """The workbook's bytes, built only when the response starts streaming (rows are read then,
    in the request's context), spooled through a temporary file."""
    yield from file_chunks(xlsx_file(header, rows, title))


def download(
    header: list[str], rows: Iterable[Iterable], fmt: str, name: str, title: str
) -> Response:
    """The table as a file download named `<name>.<fmt>`, streamed, never cached.

    Nothing is read from `rows` before the response starts: a generator reading the database in
    batches is consumed while the file is written (CSV line by line, XLSX in write-only mode)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    headers = {
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
        "Cache-Control": "no-store",
    }
    if fmt == "csv":
        return Response(
            stream_with_context(csv_chunks(header, rows)), mimetype=CSV_MIMETYPE, headers=headers
        )
    return Response(
        stream_with_context(xlsx_chunks(header, rows, title)),
        mimetype=XLSX_MIMETYPE,
        headers=headers,
        direct_passthrough=True,
    )
