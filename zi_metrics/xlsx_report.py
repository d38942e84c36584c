"""Workbooks that read like a report: the one helper every XLSX table the app writes goes through.

A sheet built here has, top to bottom: a bold title, context lines (round, filters, the demo
warning), optional threshold rows ("Batas Menuju WBK" with the bar under each column it applies
to), one header row of human names in the reader's language, the ranked data rows with
per-cell colours, and a legend of those colours. It is set up to be printed: A4 landscape, fit
to one page wide (as many pages tall as it takes), the header row repeated on every printed
page, the page number in the footer, and panes frozen below the header and right of the
identifying columns.

Numbers stay numbers (a recipient sorts and sums them); their decimal and thousands separators
are drawn by the spreadsheet program from its own locale, which is the only way a number cell can
carry them. Text cells (failing-rule lists, notes) are formatted by :mod:`zi_metrics.formatting`
in the chosen language. Every text goes through :func:`zi_metrics.lke.common.safe_text`, so no
unit name or note can become a formula.

Use::

    from zi_metrics.xlsx_report import Column, ReportSheet, report_workbook

    sheet = ReportSheet(name="Rekap", title="Rekap 2025 · TPI", columns=[
        Column("rank", "#", "int", width=5), Column("unit", "Unit kerja", width=36),
        Column("total", "Nilai total", "number")], rows=[{"rank": 1, "unit": "...", "total": 81.2}])
    data = report_workbook([sheet], title="Rekap 2025", lang="id")

:func:`print_setup` alone gives a sheet that is not a report table (the Lampiran III form) the
same sane print settings.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from zi_metrics.i18n import t
from zi_metrics.lke.common import safe_text

ColumnKind = Literal["text", "int", "number", "percent", "fraction", "date"]

#: number formats per column kind (``percent``: the value is already 0-100; ``fraction``: 0-1)
NUMBER_FORMATS: dict[str, str] = {
    "text": "@",
    "int": "0",
    "number": "#,##0.00",
    "percent": '0.00"%"',
    "fraction": "0.00%",
    "date": "yyyy-mm-dd",
}

#: the colours shared by the app's tables (openpyxl wants RRGGBB without '#')
FAIL_WBK = "F8CBAD"  # fails a Menuju WBK rule
FAIL_WBBM = "FFE699"  # meets Menuju WBK, fails a Menuju WBBM rule
PASS = "C6EFCE"
HEADER_FILL = "DDEBF7"
THRESHOLD_FILL = "F2F2F2"


@dataclass(frozen=True)
class Column:
    """One column: ``key`` into each row, ``header`` as the reader sees it, the value's kind."""

    key: str
    header: str
    kind: ColumnKind = "text"
    width: float | None = None  # in characters; None: from the header and the values
    decimals: int | None = None  # overrides the kind's two decimals (number/percent/fraction)
    wrap: bool = False  # long text (notes, rule lists): wrapped in a wide column

    @property
    def number_format(self) -> str:
        fmt = NUMBER_FORMATS[self.kind]
        if self.decimals is not None and self.kind in ("number", "percent", "fraction"):
            zeros = ("." + "0" * self.decimals) if self.decimals else ""
            fmt = {"number": f"#,##0{zeros}", "percent": f'0{zeros}"%"', "fraction": f"0{zeros}%"}[self.kind]
        return fmt


@dataclass(frozen=True)
class ThresholdRow:
    """A row of bars above the header: ``values`` maps column keys to the bar in that column."""

    label: str
    values: Mapping[str, Any]


@dataclass
class ReportSheet:
    """One printable table. ``fills``: per data row, column key -> RRGGBB colour; ``legend``:
    (colour, meaning) pairs printed under the table; ``notes``: lines under the legend."""

    name: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    context: Sequence[str] = ()
    thresholds: Sequence[ThresholdRow] = ()
    fills: Sequence[Mapping[str, str]] = ()
    legend: Sequence[tuple[str, str]] = ()
    notes: Sequence[str] = ()
    freeze_columns: int = 2  # identifying columns kept in view when scrolling right
    warning: str | None = None  # e.g. the demo banner: red, under the title, and in the page header
    empty_text: str | None = None  # shown instead of rows when there are none


def _sheet_title(name: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "Sheet"
    return clean[:31]


def print_setup(ws: Any, *, lang: str = "id", header_rows: tuple[int, int] | None = None,
                landscape: bool = True, title: str | None = None, warning: str | None = None) -> None:
    """A4, landscape (or portrait), fit to one page wide and as many tall as needed, narrow
    margins, ``header_rows`` (first, last) repeated on every printed page, centred horizontally,
    page x of y in the footer, the title (and a warning such as the demo banner) in the header."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0: as many pages tall as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    if header_rows is not None:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
    # Header/footer codes: &P page, &N pages; '&' in data is doubled so it prints as itself.
    if title:
        ws.oddHeader.left.text = _hf(title)
        ws.oddHeader.left.size = 9
    if warning:
        ws.oddHeader.right.text = _hf(warning)
        ws.oddHeader.right.size = 9
        ws.oddHeader.right.color = "C00000"
    ws.oddFooter.right.text = t("xlsx.page_of", lang, page="&P", pages="&N")
    ws.oddFooter.right.size = 9


def _hf(text: str) -> str:
    # control characters (a unit name may hold them) cannot be in the file; '&' starts a code
    clean = "".join(ch for ch in text if ch >= " " or ch == "\n")
    return clean.replace("&", "&&")[:250]


def _width(col: Column, rows: Sequence[Mapping[str, Any]]) -> float:
    if col.width is not None:
        return col.width
    longest = max([len(col.header) // 2 + 2 if len(col.header) > 16 else len(col.header) + 2]
                  + [len(_display(r.get(col.key))) + 2 for r in rows[:200]])
    cap = 48 if col.wrap else 30
    return float(max(8, min(cap, longest)))


def row_height(texts: Sequence[str], widths: Sequence[float], bold: bool = False) -> float:
    """Row height in points for wrapped ``texts`` in columns ``widths`` characters wide: spreadsheet
    programs do not grow a row for wrapped text written by a library, so the row says it."""
    per_char = 1.0 if bold else 0.85  # proportional text is narrower than the width unit's '0'
    lines = 1
    for text, width in zip(texts, widths, strict=True):
        usable = max(width - 1, 1)
        n = sum(max(1, math.ceil(len(part) * per_char / usable)) for part in str(text).split("\n"))
        lines = max(lines, n)
    return 15.0 * lines + 3


def _display(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


def add_report_sheet(wb: Any, sheet: ReportSheet, *, lang: str = "id") -> Any:
    """Append ``sheet`` as a new worksheet of the openpyxl workbook ``wb``; returns the worksheet."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(_sheet_title(sheet.name))
    columns = list(sheet.columns)
    index = {c.key: i for i, c in enumerate(columns, start=1)}
    thin = Side(style="thin", color="BFBFBF")
    grid = Border(left=thin, right=thin, top=thin, bottom=thin)

    def text(r: int, c: int, value: str, **style: Any) -> Any:
        cell = ws.cell(row=r, column=c, value=safe_text(value))
        cell.data_type = "s"
        for k, v in style.items():
            setattr(cell, k, v)
        return cell

    r = 1
    text(r, 1, sheet.title, font=Font(bold=True, size=14))
    if sheet.warning:
        r += 1
        text(r, 1, sheet.warning, font=Font(bold=True, color="C00000"))
    for line in sheet.context:
        r += 1
        text(r, 1, line, font=Font(color="404040"))
    r += 1  # a blank line before the table
    band_fill = PatternFill("solid", fgColor=THRESHOLD_FILL)
    for band in sheet.thresholds:
        r += 1
        text(r, 1, band.label, font=Font(bold=True, italic=True), fill=band_fill)
        for key, value in band.values.items():
            if key not in index or value is None:
                continue
            col = columns[index[key] - 1]
            if isinstance(value, str):
                cell = text(r, index[key], value)
            else:
                cell = ws.cell(row=r, column=index[key], value=value)
                cell.number_format = col.number_format
            cell.font = Font(italic=True)
            cell.fill = band_fill
    r += 1
    header_row = r
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    for c, col in enumerate(columns, start=1):
        text(header_row, c, col.header, font=Font(bold=True), fill=header_fill, border=grid,
             alignment=Alignment(wrap_text=True, vertical="center",
                                 horizontal="left" if col.kind == "text" else "right"))
    widths = [_width(col, sheet.rows) for col in columns]
    ws.row_dimensions[header_row].height = row_height([c.header for c in columns], widths, bold=True)
    fills_cache: dict[str, Any] = {}
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for n, row in enumerate(sheet.rows):
        rr = header_row + 1 + n
        for c, col in enumerate(columns, start=1):
            value = row.get(col.key)
            if value is None or (isinstance(value, float) and value != value):
                cell = ws.cell(row=rr, column=c)  # an empty cell, never the text "None"
                cell.number_format = col.number_format  # a value typed in later shows like the others
            elif isinstance(value, str) or col.kind == "text":
                cell = text(rr, c, str(value))
            else:
                cell = ws.cell(row=rr, column=c, value=value)
                cell.number_format = col.number_format
            cell.border = grid
            cell.alignment = wrap if col.wrap else top
        wrapped = [(str(row.get(c.key) or ""), w) for c, w in zip(columns, widths, strict=True) if c.wrap]
        if wrapped:
            ws.row_dimensions[rr].height = row_height([x for x, _ in wrapped], [w for _, w in wrapped])
        if n < len(sheet.fills):
            for key, colour in sheet.fills[n].items():
                if key in index and colour:
                    fill = fills_cache.setdefault(colour, PatternFill("solid", fgColor=colour))
                    ws.cell(row=rr, column=index[key]).fill = fill
    last = header_row + len(sheet.rows)
    if not sheet.rows and sheet.empty_text:
        last += 1
        text(last, 1, sheet.empty_text, font=Font(italic=True))
    r = last + 1
    for colour, meaning in sheet.legend:
        r += 1
        ws.cell(row=r, column=1).fill = PatternFill("solid", fgColor=colour)
        ws.cell(row=r, column=1).border = grid
        text(r, 2, meaning)
    if sheet.legend:
        r += 1
    for line in sheet.notes:
        r += 1
        text(r, 1, line, font=Font(italic=True, color="404040"))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    freeze_col = min(max(sheet.freeze_columns, 0), len(columns)) + 1
    ws.freeze_panes = ws.cell(row=header_row + 1, column=freeze_col)
    if sheet.rows:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{last}"
    ws.print_area = f"A1:{get_column_letter(max(len(columns), 1))}{r}"
    print_setup(ws, lang=lang, header_rows=(header_row, header_row), title=sheet.title, warning=sheet.warning)
    return ws


def header_row_of(ws: Any) -> int:
    """The row repeated on every printed page of a sheet made here (its header row)."""
    rows = ws.print_title_rows or ""
    return int(rows.split(":")[0].lstrip("$")) if rows else 0


def report_workbook(sheets: Sequence[ReportSheet], *, title: str, lang: str = "id", subject: str = "",
                    author: str | None = None) -> bytes:
    """The workbook of ``sheets`` as .xlsx bytes, with title, subject and author properties."""
    from openpyxl import Workbook

    if not sheets:
        raise ValueError("a report workbook needs at least one sheet")
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        add_report_sheet(wb, sheet, lang=lang)
    set_properties(wb, title=title, lang=lang, subject=subject, author=author)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def set_properties(wb: Any, *, title: str, lang: str = "id", subject: str = "", author: str | None = None) -> None:
    """Document properties a file browser and the print dialog show."""
    props = wb.properties
    props.title = safe_text(title)[:250]
    props.subject = safe_text(subject)[:250] if subject else None
    props.creator = author or t("app.title", lang)
    props.lastModifiedBy = props.creator
    props.language = lang


__all__ = [
    "FAIL_WBBM",
    "FAIL_WBK",
    "NUMBER_FORMATS",
    "PASS",
    "Column",
    "ReportSheet",
    "ThresholdRow",
    "add_report_sheet",
    "header_row_of",
    "print_setup",
    "report_workbook",
    "row_height",
    "set_properties",
]
