"""Tables as files for spreadsheets and finance systems: CSV (French Excel's dialect) or XLSX.

One module for every area's exports:
- CSV: semicolon-separated, UTF-8 with a byte-order mark, decimal comma, dates dd/mm/yyyy, free
  text defused against spreadsheet formulas, streamed (the header at once, then CHUNK-sized
  pieces of lines);
- XLSX: numbers kept as numbers (amounts in euros, other decimals with two decimals, dates as
  dates), columns sized, header frozen, an autofilter; written by portal.xlsx into a zip stream
  as the rows come, so its bytes leave while the rows are still being read.
Rows may be any iterable (a generator reading the database in batches keeps memory flat).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

from flask import Response, stream_with_context

from . import xlsx
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
        if value.is_finite():  # format_decimal's writing, without Babel's cost per cell
            return format(value, "f").replace(".", ",")
        return format_decimal(value)
    if isinstance(value, str):
        return defuse(value)
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def csv_chunks(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The table as CSV text: the BOM and the header line at once, then the lines in pieces of
    about CHUNK characters (one write to the socket per piece, not per line)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def line(cells: Iterable) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell(c) for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(header)
    pending, size = [], 0
    for cells in rows:
        text = line(cells)
        pending.append(text)
        size += len(text)
        if size >= CHUNK:
            yield "".join(pending)
            pending, size = [], 0
    if pending:
        yield "".join(pending)


MONEY_FORMAT = '#,##0.00\\ "€"'  # a column whose header says "(€)": 12 500,00 € in French Excel
NUMBER_FORMAT = "0.00"  # any other decimal column (scores, means, gaps)
DATE_FORMAT = "DD/MM/YYYY"
WIDTH_SAMPLE = 200  # rows read ahead to size the columns (the rest still streams)
MIN_WIDTH, MAX_WIDTH = 8, 60


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


def _decimal_styles(header: list[str]) -> list[int]:
    """The style of a Decimal in each column: euros when the header says "(€)", else 0.00."""
    return [xlsx.MONEY if "(€)" in str(label) else xlsx.NUMBER for label in header]


def xlsx_chunks(header: list[str], rows: Iterable[Iterable], title: str) -> Iterator[bytes]:
    """The table as an XLSX workbook, its bytes streamed as the rows are read (portal.xlsx).

    Every sheet is ready to work with: columns sized on the header and the first WIDTH_SAMPLE
    rows, the header row bold and frozen, an autofilter over the table, dates as dates, amounts (a
    header with "(€)") in euros with thousands separators, other decimals with two decimals.
    The workbook's fixed parts are out before the first row is read."""
    yield from xlsx.workbook_chunks(
        title,
        [str(label) for label in header],
        rows,
        lambda sample: column_widths(header, sample),
        _decimal_styles(header),
        text=defuse,
        formats=(MONEY_FORMAT, NUMBER_FORMAT, DATE_FORMAT),
        sample=WIDTH_SAMPLE,
    )


def xlsx_bytes(header: list[str], rows: Iterable[Iterable], title: str) -> bytes:
    return b"".join(xlsx_chunks(header, rows, title))


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
