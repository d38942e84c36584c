"""Limits checked before a file is parsed (issue #15: a zip bomb must not run away).

Every upload and every file given to the CLI goes through :func:`check_file` after its size on
disk was checked (:func:`zi_metrics.lke.common.read_source`) and before any parser sees it:

* a zip container (``.xlsx``, ``.ods``): the central directory is read (nothing decompressed):
  number of members, total unpacked size, compression ratio of each large member; then the
  workbook's sheet list (number of sheets) and each sheet, streamed: its declared dimension first,
  then every row and cell while decompressing, stopping at the first limit crossed (a declared
  size or dimension is not trusted);
* an Excel 97-2003 file (``.xls``): the compound file's Workbook stream is scanned record by
  record (number of sheets, declared dimensions, then the row and column of every cell record);
* CSV and JSON: the number of lines or records.

Each limit is a named setting read from the environment (``ZI_MAX_...``, see :class:`ReadLimits`),
with defaults far above an official LKE (about 250 rows, 17 columns, under 1 MB). Crossing one
raises :class:`~zi_metrics.lke.common.LkeFileError` with one problem naming the file, the limit and
the setting; memory stays flat (64 KB chunks), and the check stops as soon as a limit is crossed.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, fields
from typing import Any

from zi_metrics.lke.common import LkeFileError, problem

MB = 1024 * 1024
CHUNK = 64 * 1024
RATIO_FROM_BYTES = MB  # smaller members may compress better than the ratio: they cannot run away


@dataclass(frozen=True)
class ReadLimits:
    """Limits on what an uploaded or CLI-given file may hold; each is a named setting."""

    max_file_bytes: int = 20 * MB  # ZI_MAX_FILE_MB: size on disk
    max_unpacked_bytes: int = 100 * MB  # ZI_MAX_UNPACKED_MB: total unpacked size of a zip container
    max_compression_ratio: float = 100.0  # ZI_MAX_COMPRESSION_RATIO: unpacked / packed, per member
    max_members: int = 2000  # ZI_MAX_ARCHIVE_MEMBERS: files inside a zip container
    max_sheets: int = 50  # ZI_MAX_SHEETS
    max_rows: int = 50_000  # ZI_MAX_SHEET_ROWS: per sheet (or CSV lines, JSON records)
    max_columns: int = 256  # ZI_MAX_SHEET_COLUMNS: per sheet
    max_cells: int = 500_000  # ZI_MAX_SHEET_CELLS: rows x columns of the used range (10,000-unit recap: 200,000)

    @property
    def settings(self) -> dict[str, str]:
        return dict(_SETTINGS)


_SETTINGS = {
    "max_file_bytes": "ZI_MAX_FILE_MB", "max_unpacked_bytes": "ZI_MAX_UNPACKED_MB",
    "max_compression_ratio": "ZI_MAX_COMPRESSION_RATIO", "max_members": "ZI_MAX_ARCHIVE_MEMBERS",
    "max_sheets": "ZI_MAX_SHEETS", "max_rows": "ZI_MAX_SHEET_ROWS", "max_columns": "ZI_MAX_SHEET_COLUMNS",
    "max_cells": "ZI_MAX_SHEET_CELLS",
}


def read_limits(environ: dict[str, str] | None = None) -> ReadLimits:
    """The limits in force: the defaults, overridden by the ``ZI_MAX_...`` environment variables
    (sizes in MB). A setting that is not a positive number is an error naming it."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    defaults = ReadLimits()
    for f in fields(ReadLimits):
        name = _SETTINGS[f.name]
        raw = env.get(name, "").strip()
        if not raw:
            continue
        try:
            number = float(raw)
        except ValueError:
            number = -1.0
        if not number > 0 or number > 1e12:
            raise ValueError(f"{name}={raw[:40]!r} is not a positive number")
        if f.name.endswith("_bytes"):
            values[f.name] = int(number * MB)
        elif isinstance(getattr(defaults, f.name), int):
            values[f.name] = int(number)
        else:
            values[f.name] = number
    return ReadLimits(**values)


class _Exceeded(Exception):
    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


def _refuse(label: str, code: str, **params: Any) -> LkeFileError:
    return LkeFileError(problem(f"limit.{code}", file=label, **params))


def check_file(data: bytes, kind: str, label: str, limits: ReadLimits | None = None) -> None:
    """Raise LkeFileError when ``data`` (already known to be ``kind``) crosses a limit."""
    limits = limits or read_limits()
    try:
        if kind in ("xlsx", "ods"):
            _check_zip(data, kind, limits)
        elif kind == "xls":
            _check_xls(data, limits)
        elif kind == "csv":
            lines = data.count(b"\n") + (not data.endswith(b"\n"))
            if lines > limits.max_rows + 1:
                raise _Exceeded("rows", sheet_name="", rows=lines, limit=limits.max_rows, setting="ZI_MAX_SHEET_ROWS")
    except _Exceeded as exc:
        raise _refuse(label, exc.code, **exc.params) from None


# ---------------------------------------------------------------------------------------------
# Zip containers (.xlsx, .ods)


def _check_zip(data: bytes, kind: str, limits: ReadLimits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return  # not readable as a zip at all: the workbook reader says so
    if len(members) > limits.max_members:
        raise _Exceeded("members", count=len(members), limit=limits.max_members, setting="ZI_MAX_ARCHIVE_MEMBERS")
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked_bytes:
        raise _Exceeded("unpacked", size=total / MB, limit=limits.max_unpacked_bytes / MB,
                        setting="ZI_MAX_UNPACKED_MB")
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size >= RATIO_FROM_BYTES and ratio > limits.max_compression_ratio:
            raise _Exceeded("ratio", member=m.filename[:80], ratio=float(round(ratio)),
                            limit=limits.max_compression_ratio, setting="ZI_MAX_COMPRESSION_RATIO")
    budget = _Budget(limits.max_unpacked_bytes)
    if kind == "xlsx":
        sheets = _xlsx_sheet_parts(archive, budget)
        if len(sheets) > limits.max_sheets:
            raise _Exceeded("sheets", count=len(sheets), limit=limits.max_sheets, setting="ZI_MAX_SHEETS")
        for name, part in sheets:
            if part in archive.NameToInfo:
                _scan_xlsx_sheet(archive, part, _Extent(name, limits), budget)
    else:
        if "content.xml" in archive.NameToInfo:
            _scan_xml(archive, "content.xml", _OdsScan(limits), budget)


class _Budget:
    """Bytes decompressed so far, across members: the declared sizes are not trusted."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise _Exceeded("unpacked", size=self.used / MB, limit=self.limit / MB, setting="ZI_MAX_UNPACKED_MB")


def _scan_xml(archive: zipfile.ZipFile, part: str, scan: Any, budget: _Budget) -> None:
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = scan.start
    if hasattr(scan, "end"):
        parser.EndElementHandler = scan.end
    if hasattr(scan, "text"):
        parser.CharacterDataHandler = scan.text

    def no_dtd(*_: Any) -> None:  # no legitimate workbook part declares a DTD (entity expansion)
        raise _Exceeded("dtd", member=part)

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    try:
        with archive.open(part) as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                budget.take(len(chunk))
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
        # A CRC mismatch, a broken deflate stream or an unknown method: the member does not unpack
        # to what the central directory declares (zipfile stops at the declared size): damaged, or
        # built to mislead a size check.
        raise _Exceeded("damaged_member", member=part[:80]) from None
    except (expat.ExpatError, OSError, ValueError, RuntimeError):
        return  # damaged XML: the workbook reader reports it
    except StopIteration:
        return  # the scan has seen all it needs


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _xlsx_sheet_parts(archive: zipfile.ZipFile, budget: _Budget) -> list[tuple[str, str]]:
    """(sheet name, part name) of every sheet the workbook lists."""
    sheets: list[tuple[str, str]] = []
    targets: dict[str, str] = {}

    class Book:
        def start(self, tag: str, attrs: dict[str, str]) -> None:
            if tag.endswith(" sheet"):
                sheets.append((attrs.get("name", ""), attrs.get(f"{_REL_NS} id", "")))

    class Rels:
        def start(self, tag: str, attrs: dict[str, str]) -> None:
            if tag.endswith(" Relationship") or tag == "Relationship":
                targets[attrs.get("Id", "")] = attrs.get("Target", "")

    if "xl/workbook.xml" in archive.NameToInfo:
        _scan_xml(archive, "xl/workbook.xml", Book(), budget)
    if "xl/_rels/workbook.xml.rels" in archive.NameToInfo:
        _scan_xml(archive, "xl/_rels/workbook.xml.rels", Rels(), budget)
    out = []
    for name, rid in sheets:
        target = targets.get(rid, "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out.append((name, re.sub(r"/[^/]+/\.\./", "/", part)))
    return out


def _ref(ref: str) -> tuple[int, int] | None:
    """(row, column) of an A1 reference ("K12", "$K$12"); None when it is not one."""
    ref = ref.replace("$", "")
    i = 0
    col = 0
    for ch in ref:
        o = ord(ch)
        if 65 <= o <= 90:
            col = col * 26 + o - 64
        elif 97 <= o <= 122:
            col = col * 26 + o - 96
        else:
            break
        i += 1
    digits = ref[i:]
    if not 0 < i <= 3 or not digits.isdigit():
        return None
    return int(digits), col


class _Extent:
    """The used range of one sheet, checked against the limits as it grows."""

    def __init__(self, sheet: str, limits: ReadLimits):
        self.sheet = sheet[:80]
        self.limits = limits
        self.rows = 0
        self.columns = 0

    def grow(self, rows: int, columns: int) -> None:
        if rows > self.rows:
            self.rows = rows
            if rows > self.limits.max_rows:
                raise _Exceeded("rows", sheet_name=self.sheet, rows=rows, limit=self.limits.max_rows,
                                setting="ZI_MAX_SHEET_ROWS")
        if columns > self.columns:
            self.columns = columns
            if columns > self.limits.max_columns:
                raise _Exceeded("columns", sheet_name=self.sheet, columns=columns, limit=self.limits.max_columns,
                                setting="ZI_MAX_SHEET_COLUMNS")
        if self.rows * self.columns > self.limits.max_cells:
            raise _Exceeded("cells", sheet_name=self.sheet, cells=self.rows * self.columns,
                            limit=self.limits.max_cells, setting="ZI_MAX_SHEET_CELLS")


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"[^\"]*?([A-Z]{1,3}\d+)\"")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")
_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\s[^>]*?\br=\"(\d+)\"")
# A cell's reference is the only r="..." whose value starts with letters (a row's r is a number).
_CELL_COLUMN = {n: re.compile(rb"\sr=\"([A-Z]{%d})\d" % n) for n in (1, 2, 3)}


def _scan_xlsx_sheet(archive: zipfile.ZipFile, part: str, extent: _Extent, budget: _Budget) -> None:
    """A sheet's used range while its XML is decompressed, chunk by chunk, with regular
    expressions run in C (a per-element callback took seconds on a hostile sheet): the declared
    dimension first, then the highest row number (or the count of rows) and the widest cell
    reference, refused at the first limit crossed."""
    rows_seen = 0
    carry = b""
    first = True
    try:
        with archive.open(part) as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk and not carry:
                    break
                budget.take(len(chunk))
                buf = carry + chunk
                cut = buf.rfind(b">") + 1 if chunk else len(buf)
                buf, carry = buf[:cut], buf[cut:]
                if len(carry) > CHUNK:  # no tag end in a whole chunk: not a sheet anyone wrote
                    raise _Exceeded("damaged_member", member=part[:80])
                if first:
                    first = False
                    if b"<!DOCTYPE" in buf or b"<!ENTITY" in buf:
                        raise _Exceeded("dtd", member=part[:80])
                    m = _DIMENSION.search(buf)
                    corner = _ref(m.group(1).decode()) if m else None
                    if corner:
                        extent.grow(*corner)
                rows_seen += len(_ROW_TAG.findall(buf))
                numbers = _ROW_NUMBER.findall(buf)
                last = max(int(n) for n in numbers[-1:]) if numbers else 0
                column = 0
                for width in (3, 2, 1):
                    found = _CELL_COLUMN[width].findall(buf)
                    if found:
                        column = _ref(max(found).decode() + "1")[1]
                        break
                extent.grow(max(rows_seen, last), column)
                if not chunk:
                    break
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
        raise _Exceeded("damaged_member", member=part[:80]) from None
    except (OSError, ValueError, RuntimeError):
        return


_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


class _OdsScan:
    """content.xml of an OpenDocument spreadsheet: tables, and rows and cells with their repeat
    counts (a repeated empty row is how every file ends; a repeated cell with content counts)."""

    def __init__(self, limits: ReadLimits):
        self.limits = limits
        self.tables = 0
        self.extent: _Extent | None = None
        self.row = 0  # rows before the current one
        self.row_repeat = 1
        self.col = 0
        self.cell_repeat = 1
        self.cell_full = False
        self.row_last_col = 0
        self.depth_in_cell = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == f"{_TABLE} table":
            self.tables += 1
            if self.tables > self.limits.max_sheets:
                raise _Exceeded("sheets", count=self.tables, limit=self.limits.max_sheets, setting="ZI_MAX_SHEETS")
            self.extent = _Extent(attrs.get(f"{_TABLE} name", ""), self.limits)
            self.row = 0
        elif tag == f"{_TABLE} table-row":
            self.row_repeat = _count(attrs.get(f"{_TABLE} number-rows-repeated"))
            self.col = 0
            self.row_last_col = 0
        elif tag in (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"):
            self.cell_repeat = _count(attrs.get(f"{_TABLE} number-columns-repeated"))
            self.cell_full = bool(attrs.get(f"{_OFFICE} value-type") or attrs.get(f"{_TABLE} formula"))
            self.depth_in_cell = 1
        elif self.depth_in_cell:
            self.depth_in_cell += 1
            if tag.endswith(" p") or tag.endswith(" a"):
                self.cell_full = True

    def end(self, tag: str) -> None:
        if tag in (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"):
            self.depth_in_cell = 0
            self.col += self.cell_repeat
            if self.cell_full:
                self.row_last_col = self.col
                if self.extent is not None:
                    self.extent.grow(self.row + 1, self.col)
        elif self.depth_in_cell:
            self.depth_in_cell -= 1
        elif tag == f"{_TABLE} table-row":
            if self.row_last_col and self.extent is not None:
                self.extent.grow(self.row + self.row_repeat, self.row_last_col)
            self.row += self.row_repeat


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1


# ---------------------------------------------------------------------------------------------
# Excel 97-2003 (.xls): BIFF records of the compound file's Workbook stream

_BOUNDSHEET, _BOF, _EOF, _DIMENSIONS = 0x0085, 0x0809, 0x000A, 0x0200
_CELL_RECORDS = {0x0203, 0x0204, 0x00FD, 0x027E, 0x0006, 0x0201, 0x0205, 0x00D6}
_MULTI_RECORDS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, ..., last column


def _check_xls(data: bytes, limits: ReadLimits) -> None:
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if name is None:
            return
        stream = ole.openstream(name).read()
    except Exception:  # noqa: BLE001 - olefile raises many kinds on a damaged file: the reader says so
        return
    names: list[str] = []
    bofs = 0
    extent: _Extent | None = None
    pos, end = 0, len(stream)
    while pos + 4 <= end:
        rtype, size = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4: pos + 4 + size]
        pos += 4 + size
        if rtype == _BOUNDSHEET:
            names.append(_sheet_name(body) or f"sheet {len(names) + 1}")
            if len(names) > limits.max_sheets:
                raise _Exceeded("sheets", count=len(names), limit=limits.max_sheets, setting="ZI_MAX_SHEETS")
        elif rtype == _BOF:
            bofs += 1  # the first one opens the workbook globals, each next one a sheet
            extent = None if bofs == 1 else _Extent(names[bofs - 2] if bofs - 2 < len(names) else "?", limits)
        elif extent is None:
            continue
        elif rtype == _DIMENSIONS and len(body) >= 12:
            _first_row, last_row, _first_col, last_col = struct.unpack_from("<IIHH", body)
            extent.grow(last_row, last_col)  # "last" is one past the used range
        elif rtype in _CELL_RECORDS and len(body) >= 4:
            row, col = struct.unpack_from("<HH", body)
            extent.grow(row + 1, col + 1)
        elif rtype in _MULTI_RECORDS and len(body) >= 6:
            row, _first = struct.unpack_from("<HH", body)
            (last,) = struct.unpack_from("<H", body, len(body) - 2)
            extent.grow(row + 1, last + 1)


def _sheet_name(body: bytes) -> str:
    """The name in a BOUNDSHEET record (a short unicode string after 6 bytes)."""
    if len(body) < 8:
        return ""
    count, high = body[6], body[7] & 1
    raw = body[8: 8 + count * (2 if high else 1)]
    return raw.decode("utf-16-le" if high else "latin-1", errors="replace")

__all__ = ["ReadLimits", "check_file", "read_limits"]
