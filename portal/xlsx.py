"""An XLSX workbook of one sheet, written as its rows come: the bytes of the file stream out while
the rows are still being read, with nothing of the table kept in memory.

openpyxl (even in write-only mode) writes the sheet to a temporary file and zips the workbook when
it is saved, so a download's first byte waits for the last row. Here the sheet's XML is written row
by row into a deflated zip entry of a `zipfile.ZipFile` opened on an unseekable sink (sizes and CRCs
go in data descriptors after each entry), and every CHUNK of compressed bytes is handed on at once.
Strings are inline (no shared-strings table to hold until the end); the autofilter's range, known
only after the last row, is written after the sheet data, and the workbook part (which names the
filter's range) after the sheet. The result opens in Excel, LibreOffice and openpyxl.

The layout (which columns are amounts, the widths, the header) is the caller's: portal.exports.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import chain, islice
from xml.sax.saxutils import escape, quoteattr

CHUNK = 64 * 1024
ROWS_PER_WRITE = 200  # rows of XML joined before they go through the compressor

# Cell styles (indexes into styles.xml's cellXfs).
PLAIN, BOLD, MONEY, NUMBER, DATE = 0, 1, 2, 3, 4

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0
_EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (1900 date system, leap-year bug included)

CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    f'Type="{_REL}/officeDocument"/>'
    '<Relationship Id="rId2" Target="docProps/core.xml" Type="http://schemas.openxmlformats.org/'
    'package/2006/relationships/metadata/core-properties"/>'
    '<Relationship Id="rId3" Target="docProps/app.xml" '
    f'Type="{_REL}/extended-properties"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="{_REL}/worksheet"/>'
    f'<Relationship Id="rId2" Target="styles.xml" Type="{_REL}/styles"/>'
    "</Relationships>"
)
APP = (
    _HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties"><Application>Microsoft Excel</Application></Properties>'
)


def core(created: dt.datetime) -> str:
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        _HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def styles(money_format: str, number_format: str, date_format: str) -> str:
    """Five cell styles: plain, bold (the header), money, number, date (PLAIN…DATE)."""
    formats = "".join(
        f'<numFmt numFmtId="{164 + i}" formatCode={quoteattr(code)}/>'
        for i, code in enumerate((money_format, number_format, date_format))
    )
    font = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
    xf = '<xf numFmtId="{}" fontId="{}" fillId="0" borderId="0" xfId="0"{}/>'
    number = ' applyNumberFormat="1"'
    return (
        _HEAD + f'<styleSheet xmlns="{_MAIN}">'
        f'<numFmts count="3">{formats}</numFmts>'
        f'<fonts count="2"><font>{font}</font><font><b/>{font}</font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="5">'
        + xf.format(0, 0, "")
        + xf.format(0, 1, ' applyFont="1"')
        + xf.format(164, 0, number)
        + xf.format(165, 0, number)
        + xf.format(166, 0, number)
        + "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_name(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Feuille1"


def workbook(title: str, filter_ref: str | None) -> str:
    name = sheet_name(title)
    defined = ""
    if filter_ref:
        start, end = filter_ref.split(":")
        absolute = ":".join("$" + re.sub(r"(\d+)", r"$\1", part, count=1) for part in (start, end))
        quoted = "'" + name.replace("'", "''") + "'"
        defined = (
            '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" '
            f'hidden="1">{escape(quoted)}!{absolute}</definedName></definedNames>'
        )
    return (
        _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f'<sheets><sheet name={quoteattr(name)} sheetId="1" r:id="rId1"/></sheets>'
        f"{defined}</workbook>"
    )


def text_xml(ref: str, value: str, style: int) -> str:
    value = escape(_ILLEGAL.sub("", value))
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{value}</t></is></c>'


def serial(value) -> float | int:
    """Excel's serial number of a date or datetime (aware ones as wall-clock time, naive kept)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            from .formatting import to_paris

            value = to_paris(value).replace(tzinfo=None)
        delta = value - _EPOCH
        days = delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    else:
        days = (value - _EPOCH.date()).days
    return days - 1 if 0 < days <= 60 else days


class _Sink:
    """An unseekable file for ZipFile: keeps what is written until `take()`."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self):
        pass

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return out


def workbook_chunks(
    title: str,
    header: Sequence[str],
    rows: Iterable[Iterable],
    widths: Callable[[list[list]], Sequence[int]],
    decimal_styles: Sequence[int],
    text: Callable[[str], str] = str,
    formats: tuple[str, str, str] = ("#,##0.00", "0.00", "DD/MM/YYYY"),
    sample: int = 200,
) -> Iterator[bytes]:
    """The .xlsx file's bytes, a CHUNK at a time as `rows` are read.

    The sheet: `header` in bold and frozen, columns as wide as `widths(first rows)` says (the
    first `sample` rows, read ahead), an autofilter over the table; a Decimal of column i takes
    style `decimal_styles[i]` (MONEY or NUMBER), so does an int or float of a MONEY column (a
    float elsewhere: NUMBER, an int elsewhere: a plain count), dates DATE; booleans are « Oui »/« Non », strings
    go through `text` (defusing formulas), None is an empty cell. `formats`: the money, number and
    date format codes. The workbook's fixed parts are out before the first row is read."""
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    archive.writestr("[Content_Types].xml", CONTENT_TYPES)
    archive.writestr("_rels/.rels", ROOT_RELS)
    archive.writestr("docProps/app.xml", APP)
    archive.writestr("docProps/core.xml", core(dt.datetime.now(dt.UTC)))
    archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
    archive.writestr("xl/styles.xml", styles(*formats))
    yield sink.take()  # the first bytes leave before any row is read

    rows = iter(rows)
    first = [list(cells) for cells in islice(rows, sample)]
    letters = [column_letter(i) for i in range(1, max(len(header), 1) + 1)]
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(widths(first), start=1)
    )
    opening = (
        _HEAD + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews>"
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
    )
    heading = "".join(
        text_xml(f"{letters[i]}1", text(str(label)), BOLD) for i, label in enumerate(header)
    )
    entry = archive.open("xl/worksheets/sheet1.xml", "w")
    entry.write((opening + f'<row r="1">{heading}</row>').encode())
    pending: list[str] = []
    number = 1
    for cells in chain(first, rows):
        number += 1
        out = [f'<row r="{number}">']
        for i, value in enumerate(cells):
            if value is None:
                continue
            while i >= len(letters):
                letters.append(column_letter(len(letters) + 1))
            ref = f"{letters[i]}{number}"
            if isinstance(value, str):
                out.append(text_xml(ref, text(value), PLAIN))
            elif isinstance(value, bool):
                out.append(text_xml(ref, "Oui" if value else "Non", PLAIN))
            elif isinstance(value, Decimal):
                if value.is_finite():
                    style = decimal_styles[i] if i < len(decimal_styles) else NUMBER
                    out.append(f'<c r="{ref}" s="{style}"><v>{value:f}</v></c>')
            elif isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
                # an amount given as int or float still reads in euros; other ints are counts
                money = i < len(decimal_styles) and decimal_styles[i] == MONEY
                style = MONEY if money else NUMBER if isinstance(value, float) else PLAIN
                s = f' s="{style}"' if style else ""
                out.append(f'<c r="{ref}"{s}><v>{value!r}</v></c>')
            elif isinstance(value, dt.date):
                out.append(f'<c r="{ref}" s="{DATE}"><v>{serial(value)}</v></c>')
            else:
                out.append(text_xml(ref, text(str(value)), PLAIN))
        out.append("</row>")
        pending.append("".join(out))
        if len(pending) >= ROWS_PER_WRITE:
            entry.write("".join(pending).encode())
            pending.clear()
            if sink.size >= CHUNK:
                yield sink.take()
    filter_ref = f"A1:{letters[len(header) - 1]}{number}" if header else None
    closing = "</sheetData>" + (f'<autoFilter ref="{filter_ref}"/>' if filter_ref else "")
    entry.write(("".join(pending) + closing + "</worksheet>").encode())
    entry.close()
    archive.writestr("xl/workbook.xml", workbook(title, filter_ref))
    archive.close()
    yield sink.take()
