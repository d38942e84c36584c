"""Open a spreadsheet of any format units send: ``.xlsx`` (openpyxl), ``.xls`` and ``.ods``
(python-calamine), and read the cached results of its formulas.

The readers walk sheets with the small part of openpyxl's interface they use (``worksheets``,
``title``, ``max_row``, ``max_column``, ``iter_rows``, ``cell``); :class:`CalamineBook` offers the
same over python-calamine, so one reader serves every format. Why python-calamine: one maintained
library (a binding of the Rust crate calamine) reads ``.xls``, ``.ods`` and ``.xlsx``, fast and
without LibreOffice; it gives each cell's value (for a formula, the result the file last saved),
not the formula itself nor hyperlinks, so for ``.xls``/``.ods`` a formula cell looks like a typed
value: the Lampiran III reader compares values in computed rows with what the counts give instead
of trusting them, and the workbook's own results serve the cross-check.
:func:`cached_values` gives those results for any format (errors such as ``#DIV/0!`` included
for ``.xlsx``, read from the sheet XML).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from zi_metrics.lke.common import LkeFileError, problem


@dataclass(frozen=True)
class CellValue:
    """One cell as the readers see it (openpyxl's Cell interface, the part they use)."""

    row: int
    column: int
    value: Any
    data_type: str  # "n" number, "s" text, "b" boolean, "d" date, "e" error text

    hyperlink = None

    @property
    def coordinate(self) -> str:
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(self.column)}{self.row}"


def _data_type(value: Any) -> str:
    if isinstance(value, bool):
        return "b"
    if isinstance(value, (int, float)):
        return "n"
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return "d"
    return "s"


class CalamineSheet:
    """A sheet read by python-calamine, with the openpyxl-like interface of the readers."""

    def __init__(self, book: Any, name: str, state: str):
        self._book = book
        self.title = name
        self.sheet_state = state
        self._rows: list[list[Any]] | None = None
        self.rows_cached = True  # values only: the format does not say which cells are formulas

    @property
    def rows(self) -> list[list[Any]]:
        if self._rows is None:
            sheet = self._book.get_sheet_by_name(self.title)
            self._rows = sheet.to_python(skip_empty_area=False)
        return self._rows

    @property
    def max_row(self) -> int:
        return len(self.rows)

    @property
    def max_column(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def value(self, row: int, column: int) -> Any:
        if 1 <= row <= len(self.rows) and 1 <= column <= len(self.rows[row - 1]):
            v = self.rows[row - 1][column - 1]
            return None if v == "" else v
        return None

    def cell(self, row: int, column: int) -> CellValue:
        v = self.value(row, column)
        return CellValue(row, column, v, _data_type(v))

    def iter_rows(self, min_row: int | None = None, max_row: int | None = None, min_col: int | None = None,
                  max_col: int | None = None, values_only: bool = False) -> Any:
        first, last = min_row or 1, min(max_row or self.max_row, self.max_row)
        width = max_col or self.max_column
        for r in range(first, last + 1):
            cells = tuple(self.cell(r, c) for c in range(min_col or 1, width + 1))
            yield tuple(c.value for c in cells) if values_only else cells

    def __getitem__(self, ref: str) -> CellValue:
        from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

        letters, row = coordinate_from_string(ref)
        return self.cell(row, column_index_from_string(letters))


class CalamineBook:
    """A workbook read by python-calamine (``.xls``, ``.ods``)."""

    def __init__(self, data: bytes, label: str, kind: str):
        import python_calamine as pc

        try:
            self._book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
            meta = self._book.sheets_metadata
        except Exception as exc:  # noqa: BLE001 - calamine raises its own kinds on damaged files
            raise LkeFileError(problem(f"file.damaged_{kind}", file=label,
                                       reason=f"{type(exc).__name__}: {str(exc)[:120]}")) from None
        self.worksheets = [CalamineSheet(self._book, m.name, str(m.visible).rsplit(".", 1)[-1].lower())
                           for m in meta if str(m.typ).endswith("WorkSheet")]
        self.sheetnames = [ws.title for ws in self.worksheets]
        if not self.worksheets:
            raise LkeFileError(problem(f"file.damaged_{kind}", file=label, reason="no worksheet in the file"))

    def __getitem__(self, name: str) -> CalamineSheet:
        for ws in self.worksheets:
            if ws.title == name:
                return ws
        raise KeyError(name)


def open_book(data: bytes, kind: str, label: str) -> Any:
    """The workbook of ``data`` (sniffed as ``kind``: xlsx, xls or ods); raise LkeFileError."""
    if kind == "xlsx":
        from zi_metrics.lke.common import open_workbook

        return open_workbook(data, label)
    try:
        return CalamineBook(data, label, kind)
    except LkeFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - a sheet that cannot be decoded
        raise LkeFileError(problem(f"file.damaged_{kind}", file=label, reason=str(exc)[:120])) from None


# ---------------------------------------------------------------------------------------------
# Cached values (what Excel or LibreOffice computed when the file was last saved)


def cached_values(data: bytes, kind: str, sheet: str, book: Any = None) -> dict[tuple[int, int], Any] | None:
    """(row, column) -> the cached value of every non-empty cell of ``sheet``; None when the file
    carries no cached result at all (a workbook written by a library that does not calculate)."""
    if kind == "xlsx":
        return _xlsx_cached(data, sheet)
    if book is None or not hasattr(book, "worksheets"):
        return None
    ws = next((w for w in book.worksheets if w.title == sheet), None)
    if ws is None:
        return None
    out = {}
    for r, row in enumerate(ws.rows, start=1):
        for c, v in enumerate(row, start=1):
            if v != "":
                out[(r, c)] = v
    return out


def _xlsx_cached(data: bytes, sheet: str) -> dict[tuple[int, int], Any] | None:
    """The ``<v>`` of every cell of one sheet of an .xlsx, read by streaming its XML (the limits
    were checked before); shared strings resolved, errors kept as their text (``#DIV/0!``)."""
    from xml.parsers import expat

    from zi_metrics.lke.limits import _Budget, _ref, _xlsx_sheet_parts

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = dict(_xlsx_sheet_parts(archive, _Budget(1 << 62)))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    part = parts.get(sheet)
    if part is None or part not in archive.NameToInfo:
        return None
    shared = _shared_strings(archive)
    out: dict[tuple[int, int], Any] = {}
    formulas = 0
    state: dict[str, Any] = {"where": None, "type": "n", "in_v": False, "text": []}

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal formulas
        name = tag.rsplit(" ", 1)[-1]
        if name == "c":
            state["where"] = _ref(attrs.get("r", ""))
            state["type"] = attrs.get("t", "n")
        elif name == "v":
            state["in_v"], state["text"] = True, []
        elif name == "f":
            formulas += 1

    def end(tag: str) -> None:
        name = tag.rsplit(" ", 1)[-1]
        if name == "v" and state["where"]:
            text = "".join(state["text"])
            state["in_v"] = False
            if text == "":
                return  # a formula written by a library that does not calculate: no result
            kind = state["type"]
            if kind == "s":
                value: Any = shared[int(text)] if text.isdigit() and int(text) < len(shared) else text
            elif kind in ("str", "e", "inlineStr"):
                value = text
            elif kind == "b":
                value = text == "1"
            else:
                try:
                    value = float(text)
                except ValueError:
                    value = text
            out[state["where"]] = value

    def chars(text: str) -> None:
        if state["in_v"]:
            state["text"].append(text)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(65536):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, OSError, ValueError):
        return None
    return out


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    from xml.parsers import expat

    name = "xl/sharedStrings.xml"
    if name not in archive.NameToInfo:
        return []
    strings: list[str] = []
    current: list[str] = []
    depth = {"si": False, "t": False, "rph": 0}

    def start(tag: str, _attrs: dict[str, str]) -> None:
        n = tag.rsplit(" ", 1)[-1]
        if n == "si":
            depth["si"] = True
            current.clear()
        elif n == "t":
            depth["t"] = True
        elif n == "rPh":
            depth["rph"] += 1

    def end(tag: str) -> None:
        n = tag.rsplit(" ", 1)[-1]
        if n == "si":
            strings.append("".join(current))
            depth["si"] = False
        elif n == "t":
            depth["t"] = False
        elif n == "rPh":
            depth["rph"] -= 1

    def chars(text: str) -> None:
        if depth["si"] and depth["t"] and not depth["rph"]:
            current.append(text)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(65536):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, OSError, ValueError):
        return strings
    return strings
