"""Units files (CSV or XLSX): reading them into raw records that remember where each value was,
and writing the registry as one (``units --format csv``), in hierarchy order.

The header row may sit under title rows (the first row, within the first 20, that names the
columns ``id`` and ``name`` is the header). Column names are matched case-insensitively with
spaces, hyphens and dots read as underscores, in English or Indonesian (``nama``, ``induk``,
``tingkat``, ...). Every value keeps its line (the file's line for a CSV, the sheet's row for a
workbook) and its column label (``C (parent_id)`` in a workbook, ``3 (parent_id)`` in a CSV), so
that every refusal can say where. Checking the values is :mod:`zi_metrics.registry`'s work.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zi_metrics.store import PREREQUISITE_FIELDS, Unit

MAX_UNITS_FILE_BYTES = 20 * 1024 * 1024
HEADER_SEARCH_ROWS = 20

UNIT_FIELDS: tuple[str, ...] = ("id", "name", "parent_id", "level", "short_name", "instansi_kind", "afirmasi")
FACT_FIELDS: tuple[str, ...] = ("year", *PREREQUISITE_FIELDS)
FIELDS: tuple[str, ...] = (*UNIT_FIELDS, *FACT_FIELDS)
REQUIRED_FIELDS: tuple[str, ...] = ("id", "name")

# Header spellings (after normalisation) -> field. Each field also matches its own name.
ALIASES: dict[str, str] = {
    "kode": "id", "kode_unit": "id", "unit_id": "id", "id_unit": "id",
    "nama": "name", "nama_unit": "name", "unit": "name", "unit_name": "name",
    "parent": "parent_id", "induk": "parent_id", "id_induk": "parent_id", "kode_induk": "parent_id",
    "parent_unit": "parent_id",
    "tingkat": "level", "jenjang": "level",
    "nama_singkat": "short_name", "singkatan": "short_name", "short": "short_name",
    "jenis_instansi": "instansi_kind", "kind": "instansi_kind",
    "tahun": "year",
}


def header_key(value: Any) -> str:
    """A header cell as a matching key: ``"Parent ID"`` -> ``parent_id``."""
    text = "" if value is None else str(value)
    text = re.sub(r"[\s\-./]+", "_", text.strip().casefold())
    return text.strip("_")


def field_of(value: Any) -> str | None:
    key = header_key(value)
    if key in FIELDS:
        return key
    return ALIASES.get(key)


@dataclass(frozen=True)
class Cell:
    """One value of a units file and where it was read."""

    value: Any  # str, int, float, bool (a workbook's typed cell) or None
    line: int | None
    column: str  # a label naming the column: "C (parent_id)", "3 (parent_id)" or "--parent"


@dataclass
class RawRecord:
    """One data row: field -> cell (only the columns the file has)."""

    line: int | None
    cells: dict[str, Cell] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        cell = self.cells.get(name)
        return None if cell is None else cell.value

    def is_blank(self) -> bool:
        return all(blank(c.value) for c in self.cells.values())


@dataclass
class FileIssue:
    """A problem with the file as a whole or its header (the registry turns it into a problem)."""

    code: str
    params: dict[str, Any]
    line: int | None = None
    column: str | None = None
    fatal: bool = True


@dataclass
class RawFile:
    records: list[RawRecord]
    columns: list[str]  # the fields the file has, in file order
    issues: list[FileIssue]
    sheet: str | None = None


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _header(rows: Iterable[tuple[int, list[Any]]], label: Any
            ) -> tuple[int, dict[int, tuple[str, str]], list[FileIssue]] | None:
    """The header row's line and its columns (0-based index -> (field, header text)), or None."""
    for line, values in rows:
        fields = {i: field_of(v) for i, v in enumerate(values)}
        found = {f for f in fields.values() if f}
        if not {"id", "name"} <= found:
            continue
        issues: list[FileIssue] = []
        columns: dict[int, tuple[str, str]] = {}
        seen: dict[str, int] = {}
        for i, f in fields.items():
            text = "" if blank(values[i]) else str(values[i]).strip()
            if f is None:
                if text:
                    issues.append(FileIssue("unknown_column", {"header": text}, line, label(i, text), fatal=False))
                continue
            if f in seen:
                issues.append(FileIssue("duplicate_column", {"header": text, "field": f}, line, label(i, text)))
                continue
            seen[f] = i
            columns[i] = (f, text)
        return line, columns, issues
    return None


def _records(rows: Iterable[tuple[int, list[Any]]], header_line: int, columns: Mapping[int, tuple[str, str]],
             label: Any) -> list[RawRecord]:
    out = []
    for line, values in rows:
        if line <= header_line:
            continue
        rec = RawRecord(line)
        for i, (f, text) in columns.items():
            value = values[i] if i < len(values) else None
            if isinstance(value, str):
                value = value.strip()
            rec.cells[f] = Cell(value, line, label(i, text))
        if not rec.is_blank():
            out.append(rec)
    return out


def _from_rows(rows: list[tuple[int, list[Any]]], label: Any, sheet: str | None = None) -> RawFile:
    found = _header(rows[:HEADER_SEARCH_ROWS], label)
    if found is None:
        first = next((line for line, values in rows if any(not blank(v) for v in values)), 1)
        return RawFile([], [], [FileIssue("no_header", {}, first)], sheet)
    line, columns, issues = found
    return RawFile(_records(rows, line, columns, label), [f for f, _ in columns.values()], issues, sheet)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_csv(data: bytes) -> RawFile:
    """A CSV with ``,``, ``;`` or tab between values (Excel in Indonesian locales writes ``;``)."""
    text = _decode(data)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[Any]]] = []
    start = 1
    try:
        for values in reader:
            rows.append((start, values))
            start = reader.line_num + 1
    except csv.Error as exc:
        return RawFile([], [], [FileIssue("bad_csv", {"error": str(exc)}, reader.line_num)])
    return _from_rows(rows, lambda i, f: f"{i + 1} ({f})")


def read_xlsx(data: bytes) -> RawFile:
    """The first sheet holding a units header (title rows above it are skipped)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        return RawFile([], [], [FileIssue("bad_workbook", {"error": f"{type(exc).__name__}: {exc}"})])
    try:
        first_rows: list[tuple[int, list[Any]]] | None = None
        for ws in wb.worksheets:
            rows = [(n, list(values)) for n, values in enumerate(ws.iter_rows(values_only=True), start=1)]
            if first_rows is None:
                first_rows = rows
            if _header(rows[:HEADER_SEARCH_ROWS], lambda i, f: "") is not None:
                return _from_rows(rows, lambda i, f: f"{_column_letter(i + 1)} ({f})", ws.title)
        return _from_rows(first_rows or [], lambda i, f: f"{_column_letter(i + 1)} ({f})")
    finally:
        wb.close()


def read_units_file(data: bytes, name: str) -> RawFile:
    """Read a units CSV or XLSX (recognised by its bytes: a zip container is a workbook)."""
    if len(data) > MAX_UNITS_FILE_BYTES:
        return RawFile([], [], [FileIssue("too_large", {"mb": round(len(data) / 1024 / 1024, 1),
                                                         "limit": MAX_UNITS_FILE_BYTES // 1024 // 1024})])
    if not data.strip():
        return RawFile([], [], [FileIssue("empty_file", {})])
    if data[:4] == b"PK\x03\x04":
        return read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or b"\x00" in data[:4096]:
        return RawFile([], [], [FileIssue("not_units_file", {"name": name})])
    return read_csv(data)


# ---------------------------------------------------------------------------------------------
# Writing: the registry in hierarchy order, and as a units file


@dataclass(frozen=True)
class ListedUnit:
    unit: Unit
    depth: int


def unit_tree(units: Sequence[Unit]) -> list[ListedUnit]:
    """Units in hierarchy order (each unit followed by its sub-units, siblings by id) with their
    depth; units whose parent is missing are listed as roots."""
    by_id = {u.id: u for u in units}
    children: dict[str | None, list[Unit]] = {}
    for u in units:
        parent = u.parent_id if u.parent_id in by_id else None
        children.setdefault(parent, []).append(u)
    out: list[ListedUnit] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda x: x.id):
            if u.id in seen:
                continue
            seen.add(u.id)
            out.append(ListedUnit(u, depth))
            walk(u.id, depth + 1)

    walk(None, 0)
    for u in sorted(units, key=lambda x: x.id):  # a stored cycle (not possible through this module)
        if u.id not in seen:
            out.append(ListedUnit(u, 0))
    return out


UNITS_CSV_COLUMNS = ("id", "name", "parent_id", "level", "short_name", "instansi_kind", "afirmasi")


def units_csv(units: Sequence[Unit]) -> str:
    """The registry as a units file that import-units reads back unchanged."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(UNITS_CSV_COLUMNS)
    for item in unit_tree(units):
        u = item.unit
        writer.writerow([u.id, _csv_safe(u.name), u.parent_id or "", u.level, _csv_safe(u.short_name or ""),
                         u.instansi_kind, "ya" if u.afirmasi else "tidak"])
    return buf.getvalue()


def _csv_safe(text: str) -> str:
    """A name that a spreadsheet would take for a formula gets an apostrophe (as the exports do)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
