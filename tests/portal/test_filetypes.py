"""Uploads are recognised by content; malformed or hostile archives are refused, not inflated."""

import io
import zipfile

import pytest

from portal.filetypes import sniff


def _zip(entries, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, method in entries:
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method or compression)
    return buf.getvalue()


def test_opendocument_and_office_formats():
    odt = _zip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED),
            ("content.xml", b"<x/>", zipfile.ZIP_DEFLATED),
        ]
    )
    docx = _zip([("[Content_Types].xml", b"<x/>", None), ("word/document.xml", b"<x/>", None)])
    xlsx = _zip([("[Content_Types].xml", b"<x/>", None), ("xl/workbook.xml", b"<x/>", None)])
    assert (sniff(odt), sniff(docx), sniff(xlsx)) == ("odt", "docx", "xlsx")


def test_a_compressed_giant_mimetype_entry_is_refused_without_inflating_it():
    bomb = _zip([("mimetype", b"\0" * (50 * 1024 * 1024), zipfile.ZIP_DEFLATED)])
    assert len(bomb) < 1024 * 1024
    assert sniff(bomb) is None


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + b"\x00" * 200,  # truncated zip
        b"MZ\x90\x00" + b"\x00" * 200,  # a Windows executable
        b"<html><script>alert(1)</script></html>",  # HTML named .pdf
        b"",
    ],
)
def test_unknown_or_malformed_content_is_refused(data):
    assert sniff(data) is None


def test_encrypted_flag_does_not_crash():
    data = bytearray(_zip([("mimetype", b"application/vnd.oasis.opendocument.text", None)]))
    data[6] |= 0x1  # set the "encrypted" bit of the local header and rely on the central one
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1
    assert sniff(bytes(data)) in (None, "odt")
