"""Open a spreadsheet of any format units send (``.xlsx``, ``.xls``, ``.ods``) with python-calamine,
and read the cached results of its formulas.

The readers walk sheets with the small part of openpyxl's interface they use (``worksheets``,
``title``, ``max_row``, ``max_column``, ``iter_rows``, ``cell``); :class:`CalamineBook` offers it
over python-calamine, so one reader serves every format. Why python-calamine: one maintained
library (a binding of the Rust crate calamine) reads ``.xlsx``, ``.xls`` and ``.ods``, fast and
without LibreOffice. It gives each cell's value (for a formula, the result the file last saved),
not the formula, error values or hyperlinks: for an ``.xlsx`` those come from one streaming pass
over the sheet's XML (:class:`Overlay`), so a formula cell reads as its formula text, as openpyxl
gives it. For ``.xls``/``.ods`` a formula cell looks like a typed value: the Lampiran III reader
compares values in computed rows with what the counts give instead of trusting them.
:func:`cached_values` gives the workbook's own results to the cross-check.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import sys
import threading
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from zi_metrics.lke.common import LkeFileError, column_index, column_letter, problem


@dataclass(frozen=True)
class Link:
    target: str


@dataclass(frozen=True)
class CellValue:
    """One cell as the readers see it (openpyxl's Cell interface, the part they use)."""

    row: int
    column: int
    value: Any
    data_type: str  # "n" number, "s" text, "b" boolean, "d" date, "e" error, "f" formula
    hyperlink: Link | None = None

    @property
    def coordinate(self) -> str:
        return f"{column_letter(self.column)}{self.row}"


def _data_type(value: Any) -> str:
    if isinstance(value, bool):
        return "b"
    if isinstance(value, (int, float)):
        return "n"
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return "d"
    return "s"


@dataclass
class Overlay:
    """What calamine does not give for an .xlsx sheet, read from the sheet's XML: which cells hold
    a formula (and its text), literal error values, hyperlinks, and every cached value."""

    formulas: dict[tuple[int, int], str]
    errors: dict[tuple[int, int], str]
    links: dict[tuple[int, int], str]
    cached: dict[tuple[int, int], Any]


class CalamineSheet:
    """A sheet read by python-calamine, with the openpyxl-like interface of the readers. For an
    .xlsx the overlay marks formulas (the value is the formula text, as openpyxl gives it),
    error cells and hyperlinks; for .xls and .ods formulas are not known (``knows_formulas``)."""

    def __init__(self, book: Any, name: str, state: str, overlay: Any = None):
        self._book = book
        self.title = name
        self.sheet_state = state
        self._rows: list[list[Any]] | None = None
        self._overlay_source = overlay
        self._overlay: Overlay | None = None
        self.knows_formulas = overlay is not None

    @property
    def rows(self) -> list[list[Any]]:
        if self._rows is None:
            sheet = self._book.get_sheet_by_name(self.title)
            self._rows = sheet.to_python(skip_empty_area=False)
        return self._rows

    @property
    def overlay(self) -> Overlay | None:
        if self._overlay is None and self._overlay_source is not None:
            self._overlay = self._overlay_source()
        return self._overlay

    @property
    def max_row(self) -> int:
        extra = max((r for r, _ in self.overlay.errors), default=0) if self.overlay else 0
        return max(len(self.rows), extra)

    @property
    def max_column(self) -> int:
        extra = max((c for _, c in self.overlay.errors), default=0) if self.overlay else 0
        return max(max((len(r) for r in self.rows), default=0), extra)

    def value(self, row: int, column: int) -> Any:
        if 1 <= row <= len(self.rows) and 1 <= column <= len(self.rows[row - 1]):
            v = self.rows[row - 1][column - 1]
            return None if v == "" else v
        return None

    def cell(self, row: int, column: int) -> CellValue:
        o = self.overlay
        if o is not None:
            key = (row, column)
            link = Link(o.links[key]) if key in o.links else None
            if key in o.formulas:
                return CellValue(row, column, "=" + o.formulas[key], "f", link)
            if key in o.errors:
                return CellValue(row, column, o.errors[key], "e", link)
            v = self.value(row, column)
            return CellValue(row, column, v, _data_type(v), link)
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
        m = re.match(r"^\$?([A-Za-z]{1,3})\$?(\d+)$", ref.strip())
        if not m:
            raise ValueError(f"not a cell reference: {ref!r}")
        return self.cell(int(m.group(2)), column_index(m.group(1)))


@contextlib.contextmanager
def _rust_quiet() -> Any:
    """Keep a Rust panic's report (written straight to file descriptor 2 by calamine's panic hook)
    off the terminal of a CLI run; the panic itself becomes a clear refusal. Only in the main
    thread of a process whose stderr is a real file (never inside the dashboard's threads)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        fd = -1
    if fd < 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    with open(os.devnull, "wb") as null:
        os.dup2(null.fileno(), fd)
    try:
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


class CalamineBook:
    """A workbook read by python-calamine: ``.xls``, ``.ods``, and ``.xlsx`` with its overlay
    (10 to 40 times faster than openpyxl's full load of the official form, which binds the style
    of every merged cell)."""

    def __init__(self, data: bytes, label: str, kind: str):
        import python_calamine as pc

        try:
            with _rust_quiet():
                self._book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
                meta = self._book.sheets_metadata
        except BaseException as exc:  # noqa: BLE001 - calamine's own errors, and a Rust panic (a BaseException)
            if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
                raise
            raise LkeFileError(problem(f"file.damaged_{kind}", file=label,
                                       reason=f"{type(exc).__name__}: {str(exc)[:120]}")) from None
        parts: dict[str, str] = {}
        archive = None
        if kind == "xlsx":
            from zi_metrics.lke.limits import _Budget, _xlsx_sheet_parts

            archive = zipfile.ZipFile(io.BytesIO(data))
            parts = dict(_xlsx_sheet_parts(archive, _Budget(1 << 62)))
        self._strings: list[str] | None = None

        def overlay_of(name: str) -> Any:
            part = parts.get(name)
            if archive is None or part is None:
                return None
            return lambda: _scan_overlay(archive, part, self.shared_strings(archive))

        self.worksheets = [CalamineSheet(self._book, m.name, str(m.visible).rsplit(".", 1)[-1].lower(),
                                         overlay_of(m.name))
                           for m in meta if str(m.typ).endswith("WorkSheet")]
        self.sheetnames = [ws.title for ws in self.worksheets]
        if not self.worksheets:
            raise LkeFileError(problem(f"file.damaged_{kind}", file=label, reason="no worksheet in the file"))
        for ws in self.worksheets:  # decoded now (the limits were checked): a damaged sheet is refused here
            try:
                with _rust_quiet():
                    ws.rows  # noqa: B018
            except BaseException as exc:  # noqa: BLE001 - as above
                if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
                    raise
                raise LkeFileError(problem(f"file.damaged_{kind}", file=label,
                                           reason=f"{ws.title[:40]}: {type(exc).__name__}: {str(exc)[:100]}")) from None

    def shared_strings(self, archive: zipfile.ZipFile) -> list[str]:
        if self._strings is None:
            self._strings = _shared_strings(archive)
        return self._strings

    def __getitem__(self, name: str) -> CalamineSheet:
        for ws in self.worksheets:
            if ws.title == name:
                return ws
        raise KeyError(name)


def open_book(data: bytes, kind: str, label: str) -> Any:
    """The workbook of ``data`` (sniffed as ``kind``: xlsx, xls or ods); raise LkeFileError."""
    try:
        return CalamineBook(data, label, kind)
    except LkeFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - a sheet that cannot be decoded
        raise LkeFileError(problem(f"file.damaged_{kind}", file=label, reason=str(exc)[:120])) from None


# ---------------------------------------------------------------------------------------------
# Cached values (what Excel or LibreOffice computed when the file was last saved)


def cached_values(data: bytes, kind: str, sheet: str, book: Any = None) -> dict[tuple[int, int], Any] | None:
    """(row, column) -> the cached value of every non-empty cell of ``sheet``; None when the
    sheet is not there. For an .xlsx these are the ``<v>`` of the sheet XML (errors such as
    ``#DIV/0!`` kept as text; a formula written by a library that does not calculate has none)."""
    if book is None or not hasattr(book, "worksheets"):
        return None
    ws = next((w for w in book.worksheets if w.title == sheet), None)
    if ws is None:
        return None
    if getattr(ws, "overlay", None) is not None:
        return ws.overlay.cached
    out = {}
    for r, row in enumerate(ws.rows, start=1):
        for c, v in enumerate(row, start=1):
            if v != "":
                out[(r, c)] = v
    return out


def _scan_overlay(archive: zipfile.ZipFile, part: str, shared: list[str]) -> Overlay:
    """One streaming pass over a sheet's XML (the limits were checked before)."""
    from xml.parsers import expat

    from zi_metrics.lke.limits import _ref

    overlay = Overlay({}, {}, {}, {})
    link_ids: dict[tuple[int, int], str] = {}
    state: dict[str, Any] = {"where": None, "type": "n", "in": None, "text": []}
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = tag.rsplit(" ", 1)[-1]
        if name == "c":
            state["where"] = _ref(attrs.get("r", ""))
            state["type"] = attrs.get("t", "n")
        elif name in ("v", "f") and state["where"]:
            state["in"], state["text"] = name, []
            if name == "f":
                overlay.formulas[state["where"]] = ""
        elif name == "hyperlink":
            ref = attrs.get("ref", "").split(":")[0]
            where = _ref(ref)
            if where:
                rid = attrs.get(f"{rel_ns} id")
                if rid:
                    link_ids[where] = rid
                elif attrs.get("location"):
                    overlay.links[where] = "#" + attrs["location"]

    def end(tag: str) -> None:
        name = tag.rsplit(" ", 1)[-1]
        where = state["where"]
        if name == "f" and where:
            overlay.formulas[where] = "".join(state["text"])
            state["in"] = None
        elif name == "v" and where:
            state["in"] = None
            text = "".join(state["text"])
            if text == "":
                return  # a formula written by a library that does not calculate: no result
            kind = state["type"]
            if kind == "s":
                value: Any = shared[int(text)] if text.isdigit() and int(text) < len(shared) else text
            elif kind in ("str", "inlineStr"):
                value = text
            elif kind == "e":
                value = text
                if where not in overlay.formulas:
                    overlay.errors[where] = text
            elif kind == "b":
                value = text == "1"
            else:
                try:
                    value = float(text)
                except ValueError:
                    value = text
            overlay.cached[where] = value
        elif name == "c":
            state["where"] = None

    def chars(text: str) -> None:
        if state["in"]:
            state["text"].append(text)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(65536):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
        pass
    if link_ids:
        targets = _rels(archive, part)
        overlay.links.update({k: targets[v] for k, v in link_ids.items() if v in targets})
    return overlay


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    from xml.parsers import expat

    folder, _, name = part.rpartition("/")
    path = f"{folder}/_rels/{name}.rels"
    if path not in archive.NameToInfo:
        return {}
    out: dict[str, str] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag.rsplit(" ", 1)[-1] == "Relationship":
            out[attrs.get("Id", "")] = attrs.get("Target", "")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    try:
        parser.Parse(archive.read(path), True)
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
        return {}
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
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
        return strings
    return strings
