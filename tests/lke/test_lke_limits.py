"""Limits before loading (issue #15.1): hostile files are refused before any parser sees them.

The zip bombs are generated here (never committed). "Refused before parsing" is asserted on
behaviour: the workbook parser is replaced by one that fails the test if called, and the memory
allocated while refusing is measured with tracemalloc (flat: far below the unpacked size).
"""

from __future__ import annotations

import importlib.util
import io
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from official_form import FIXTURES, FORM_PATH

from zi_metrics.lke import read_bytes, read_file
from zi_metrics.lke.common import LkeFileError
from zi_metrics.lke.limits import ReadLimits, check_file, read_limits

MB = 1024 * 1024
_spec = importlib.util.spec_from_file_location(
    "make_bad_fixtures", Path(__file__).resolve().parents[1] / "fixtures" / "make_bad_fixtures.py")
_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bad)

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook_xml(sheets: int) -> bytes:
    items = "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, sheets + 1))
    return f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{items}</sheets></workbook>'.encode()


def rels_xml(sheets: int) -> bytes:
    items = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                    for i in range(1, sheets + 1))
    return f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{items}' \
           f'</Relationships>'.encode()


def xlsx(sheet_xml: bytes | None = None, sheets: int = 1, stream_rows: int = 0) -> bytes:
    """A minimal .xlsx; ``stream_rows`` writes a sheet of that many rows chunk by chunk (the bomb)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("xl/workbook.xml", workbook_xml(sheets))
        z.writestr("xl/_rels/workbook.xml.rels", rels_xml(sheets))
        for i in range(1, sheets + 1):
            if stream_rows and i == 1:
                with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
                    out.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
                    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 4000 + b"</t></is></c></row>"
                    block = row * 256
                    for _ in range(stream_rows // 256):
                        out.write(block)
                    out.write(b"</sheetData></worksheet>")
            else:
                z.writestr(f"xl/worksheets/sheet{i}.xml", sheet_xml or f'<worksheet xmlns="{MAIN}"><sheetData>'
                           f'<row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'.encode())
    return buf.getvalue()


def sheet(rows: int = 1, dimension: str | None = None, column: str = "A") -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(f'<row r="{r}"><c r="{column}{r}"><v>{r}</v></c></row>' for r in range(1, rows + 1))
    return f'<worksheet xmlns="{MAIN}">{dim}<sheetData>{body}</sheetData></worksheet>'.encode()


@pytest.fixture
def no_parser(monkeypatch):
    """Any attempt to parse the workbook fails the test: a refusal must come before."""
    def forbidden(*_a, **_k):
        raise AssertionError("the workbook was handed to a parser")

    monkeypatch.setattr("zi_metrics.lke.reader.open_book", forbidden)


def refused(data: bytes, name: str = "bom.xlsx", limits: ReadLimits | None = None):
    parsed = read_bytes(data, name, limits=limits)
    assert parsed.fatal and len(parsed.problems) == 1, [str(p) for p in parsed.problems]
    return parsed.problems[0]


def test_a_zip_bomb_is_refused_from_its_central_directory_with_flat_memory(no_parser):
    data = xlsx(stream_rows=40_000)  # ~160 MB of sheet XML
    assert len(data) < 2 * MB
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size > 150 * MB
    tracemalloc.start()
    try:
        p = refused(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert p.code == "limit.unpacked" and "ZI_MAX_UNPACKED_MB" in p.message and "bom.xlsx" in p.message
    assert peak < 16 * MB  # nothing was decompressed
    assert "\n" not in p.message and len(p.message) < 200


def test_a_highly_compressed_member_is_refused_by_its_ratio(no_parser):
    data = xlsx(stream_rows=8_000)  # ~32 MB in about 100 KB: ratio far above 100
    p = refused(data)
    assert p.code == "limit.ratio" and "xl/worksheets/sheet1.xml" in p.message


def test_a_central_directory_that_lies_is_not_trusted(no_parser):
    data = bytearray(xlsx(stream_rows=2_000))  # ~8 MB of XML declared as 1 KB
    cd = data.rfind(b"PK\x01\x02")
    name_len = struct.unpack_from("<H", data, cd + 28)[0]
    assert data[cd + 46: cd + 46 + name_len].endswith(b"sheet1.xml")
    struct.pack_into("<I", data, cd + 24, 1000)  # uncompressed size in the central directory
    tracemalloc.start()
    try:
        parsed = read_bytes(bytes(data), "bohong.xlsx", limits=ReadLimits(max_rows=500))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert parsed.fatal and parsed.problems[0].code == "limit.damaged_member"
    assert peak < 16 * MB


def test_rows_are_counted_while_streaming_when_no_dimension_says_so(no_parser):
    p = refused(xlsx(sheet(rows=1_500)), limits=ReadLimits(max_rows=1_000))
    assert p.code == "limit.rows" and "limit of 1000 rows" in p.message and "ZI_MAX_SHEET_ROWS" in p.message
    assert 1_000 < p.params["rows"] < 1_500  # stopped in the middle of the stream (at a 64 KB chunk)


def test_a_declared_dimension_is_refused_at_once(no_parser):
    p = refused(xlsx(sheet(rows=1, dimension="A1:XFD1048576")))
    assert p.code == "limit.rows" and "1048576" in p.message


def test_columns_and_sheets(no_parser):
    assert refused(xlsx(sheet(rows=2, column="KZ"))).code == "limit.columns"
    assert refused(xlsx(sheets=60)).code == "limit.sheets"


def test_the_used_range_of_cells(no_parser):
    p = refused(xlsx(sheet(rows=2_000, column="CV")), limits=ReadLimits(max_cells=100_000))
    assert p.code == "limit.cells"


def test_an_xml_part_with_a_dtd_is_refused(no_parser):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
              b'<worksheet xmlns="' + MAIN.encode() + b'"><sheetData><row><c><v>&b;</v></c></row>'
              b'</sheetData></worksheet>')
    assert refused(xlsx(laughs)).code == "limit.dtd"


def ods(content: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


ODS_HEAD = (b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>')
ODS_TAIL = b"</office:spreadsheet></office:body></office:document-content>"


def test_ods_repeated_rows_with_content_count_and_empty_ones_do_not(no_parser):
    full = (b'<table:table table:name="LKE"><table:table-row table:number-rows-repeated="1000000">'
            b'<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p>'
            b'</table:table-cell></table:table-row></table:table>')
    p = refused(ods(ODS_HEAD + full + ODS_TAIL), "bom.ods")
    assert p.code == "limit.rows" and "'LKE'" in p.message
    empty = (b'<table:table table:name="LKE"><table:table-row><table:table-cell office:value-type="string">'
             b'<text:p>x</text:p></table:table-cell></table:table-row>'
             b'<table:table-row table:number-rows-repeated="1048575"><table:table-cell '
             b'table:number-columns-repeated="1024"/></table:table-row></table:table>')
    check_file(ods(ODS_HEAD + empty + ODS_TAIL), "ods", "ok.ods", ReadLimits())  # how LibreOffice saves


def biff(*records: tuple[int, bytes]) -> bytes:
    return b"".join(struct.pack("<HH", rtype, len(body)) + body for rtype, body in records)


def test_xls_dimensions_and_cells_are_checked_before_calamine(no_parser):
    bof = (0x0809, b"\x00\x06\x05\x00" + b"\x00" * 12)
    sheet_rec = (0x0085, struct.pack("<IBB", 0, 0, 0) + b"\x03\x00LKE")
    eof = (0x000A, b"")
    huge = (0x0200, struct.pack("<IIHHH", 0, 65536, 0, 256, 0))
    data = _bad.compound_file({"Workbook": biff(bof, sheet_rec, eof, bof, huge, eof)})
    p = refused(data, "lama.xls")
    assert p.code == "limit.rows" and "'LKE'" in p.message
    # no DIMENSIONS record, one NUMBER cell far down: found while scanning the records
    number = (0x0203, struct.pack("<HHHd", 60_000, 3, 0, 1.0))
    data = _bad.compound_file({"Workbook": biff(bof, sheet_rec, eof, bof, number, eof)})
    assert refused(data, "lama.xls").code == "limit.rows"


def test_the_limits_are_named_settings(monkeypatch):
    assert read_limits({}) == ReadLimits()
    limits = read_limits({"ZI_MAX_SHEET_ROWS": "100", "ZI_MAX_UNPACKED_MB": "2.5"})
    assert limits.max_rows == 100 and limits.max_unpacked_bytes == int(2.5 * MB)
    with pytest.raises(ValueError, match="ZI_MAX_SHEETS"):
        read_limits({"ZI_MAX_SHEETS": "banyak"})
    if FORM_PATH.is_file():
        monkeypatch.setenv("ZI_MAX_SHEET_ROWS", "100")  # the official form has 222 rows
        parsed = read_file(FORM_PATH)
        assert parsed.fatal and parsed.problems[0].code == "limit.rows"
        assert "ZI_MAX_SHEET_ROWS" in parsed.problems[0].text("id")


def test_csv_lines():
    data = b"unit_id,year\n" + b"x,2025\n" * 30
    with pytest.raises(LkeFileError) as exc:
        check_file(data, "csv", "rekap.csv", ReadLimits(max_rows=10))
    assert exc.value.problem.code == "limit.rows"


def test_real_workbooks_pass_the_default_limits():
    for name in ("unit-complete.xls", "unit-complete.ods", "unit-complete-saved.xlsx"):
        data = (FIXTURES / name).read_bytes()
        kind = name.rsplit(".", 1)[1]
        check_file(data, kind, name, ReadLimits())
    if FORM_PATH.is_file():
        check_file(FORM_PATH.read_bytes(), "xlsx", "form.xlsx", ReadLimits())


def test_json_nested_too_deep_is_one_clear_line():
    for data in (b"[" * 200_000 + b"]" * 200_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
        p = refused(data, "payload.json")
        assert p.code == "limit.json_depth" and "payload.json" in p.message


@pytest.mark.parametrize("name", ["unit-complete-saved.xlsx", "unit-complete.xls", "unit-complete.ods"])
def test_damaged_copies_of_real_workbooks_never_raise(name):
    """Random bytes overwritten and files cut short (seeded): every one is read or refused, none
    raises (zlib errors, unknown zip methods and calamine's Rust panics included)."""
    import random

    data = (FIXTURES / name).read_bytes()
    rng = random.Random(20260514)
    refused_count = 0
    for _ in range(25):
        b = bytearray(data)
        for _ in range(rng.randint(1, 30)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        if rng.random() < 0.3:
            b = b[: rng.randrange(len(b))]
        parsed = read_bytes(bytes(b), name)
        refused_count += parsed.fatal
        assert all(p.message and "\n" not in p.message for p in parsed.problems)
    assert refused_count  # the damage is seen
