"""Recap files: the six area points and the hasil inputs per unit and round, as CSV or XLSX.

Columns (header names matter, their order does not)::

    unit_id, year, stage, framework, MP, TT, SDM, AK, PW, PP,
    survey_anti_korupsi, capaian_kinerja, tlhp_percent, survey_pelayanan

``framework`` may be blank (the framework in force in ``year`` is used). ``capaian_kinerja``
(an A-E answer) belongs to PermenPANRB 90/2021, ``tlhp_percent`` (0-100) to 52/2014: leave the
other one blank. A blank area or hasil cell is a missing input (the evaluation is then
provisional). CSV files may use ``,``, ``;`` or tabs, and decimal commas with ``;``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from zi_metrics.framework import AREA_CODES, Framework, FrameworkError, framework_for_year, load_framework
from zi_metrics.lke.common import (
    STAGES,
    LkeFileError,
    Problem,
    Source,
    clean_text,
    coerce_number,
    file_name_of,
    is_blank,
    is_error_value,
    is_formula,
    open_workbook,
    problem,
    read_source,
    safe_text,
    shown,
    sniff,
    unreadable_problem,
    warning,
)
from zi_metrics.scoring import ScoringInputError, normalize_hasil_value, normalize_scale

LAYOUT = "recap"
HASIL_COLUMNS = ("survey_anti_korupsi", "capaian_kinerja", "tlhp_percent", "survey_pelayanan")
KEY_COLUMNS = ("unit_id", "year", "stage", "framework")
RECAP_COLUMNS = KEY_COLUMNS + AREA_CODES + HASIL_COLUMNS
REQUIRED_COLUMNS = ("unit_id", "year", "stage") + AREA_CODES
SHEET_NAME = "Rekap"


@dataclass(frozen=True)
class RecapRow:
    unit_id: str
    year: int
    stage: str
    framework_id: str
    areas: dict[str, float]
    hasil: dict[str, Any]
    where: str  # "line 3" (CSV) or "row 3" (XLSX)


@dataclass
class ParsedRecap:
    layout: str = LAYOUT
    rows: list[RecapRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None

    @property
    def fatal(self) -> bool:
        return any(p.fatal for p in self.problems)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.fatal]


def _column_key(name: Any) -> str:
    text = clean_text(name)
    if text.upper() in AREA_CODES:
        return text.upper()
    return text.casefold().replace(" ", "_")


def is_recap_header(values: list[Any]) -> bool:
    keys = {_column_key(v) for v in values if not is_blank(v)}
    return "unit_id" in keys and sum(code in keys for code in AREA_CODES) >= 3


class _RowReader:
    def __init__(self, out: ParsedRecap, sheet: str):
        self.out = out
        self.sheet = sheet
        self.seen: dict[tuple[str, int, str], str] = {}

    def fail(self, cell: str, code: str, **params: Any) -> None:
        self.out.problems.append(problem(code, self.sheet, cell, **params))

    def read(self, where: str, cells: dict[str, tuple[Any, str, str | None]]) -> None:
        """``cells``: column -> (value, cell reference, data type)."""
        bad = False
        clean: dict[str, Any] = {}
        for col, (value, ref, dtype) in cells.items():
            if is_formula(value, dtype):
                self.fail(ref, "recap.formula", column=col, formula=shown(value))
                bad = True
            elif is_error_value(value, dtype):
                self.fail(ref, "recap.error_value", column=col, value=shown(value))
                bad = True
            elif not is_blank(value):
                clean[col] = value.strip() if isinstance(value, str) else value
        if bad:
            return

        def ref(col: str) -> str:
            return cells[col][1] if col in cells else where

        unit_id = clean_text(clean.get("unit_id", ""))
        if not unit_id:
            self.fail(ref("unit_id"), "recap.no_unit")
            return
        year = coerce_number(clean.get("year"))
        if isinstance(year, bool) or not isinstance(year, (int, float)) or not float(year).is_integer() \
                or not 2000 <= year <= 2100:
            self.fail(ref("year"), "recap.bad_year", value=shown(clean.get("year")))
            return
        year = int(year)
        stage = clean_text(clean.get("stage", "")).casefold()
        if stage not in STAGES:
            self.fail(ref("stage"), "recap.bad_stage", stages=", ".join(STAGES), value=shown(clean.get("stage")))
            return
        try:
            fid = clean_text(clean.get("framework", "")) or framework_for_year(year)
            fw = load_framework(fid)
        except FrameworkError as exc:
            self.fail(ref("framework"), "recap.framework", reason=str(exc))
            return
        key = (unit_id, year, stage)
        if key in self.seen:
            self.fail(where, "recap.twice", unit=shown(unit_id), year=year, stage=stage, first=self.seen[key],
                      second=where)
            return
        self.seen[key] = where
        areas = self._areas(fw, clean, ref)
        hasil = self._hasil(fw, clean, ref)
        if areas is None or hasil is None:
            return
        self.out.rows.append(RecapRow(unit_id, year, stage, fw.id, areas, hasil, where))

    def _areas(self, fw: Framework, clean: dict[str, Any], ref: Any) -> dict[str, float] | None:
        areas: dict[str, float] = {}
        ok = True
        for code in AREA_CODES:
            if code not in clean:
                continue
            amax = fw.area(code).max
            try:
                areas[code] = normalize_scale(coerce_number(clean[code]), code, 0.0, amax, f"{code} points")
            except ScoringInputError:
                self.fail(ref(code), "recap.area_range", area=code, max=float(amax), value=shown(clean[code]))
                ok = False
        return areas if ok else None

    def _hasil(self, fw: Framework, clean: dict[str, Any], ref: Any) -> dict[str, Any] | None:
        hasil: dict[str, Any] = {}
        ok = True
        items = fw.hasil_items
        for col in HASIL_COLUMNS:
            if col not in clean:
                continue
            if col not in items:
                self.fail(ref(col), "recap.not_hasil_item", column=col, framework=fw.id, items=", ".join(items))
                ok = False
                continue
            item = items[col]
            value = clean[col] if item.kind == "option" else coerce_number(clean[col])
            try:
                hasil[col] = normalize_hasil_value(item, value, col)
            except ScoringInputError as exc:
                self.fail(ref(col), "recap.hasil_value", column=col, reason=exc.message)
                ok = False
        return hasil if ok else None


def _check_header(out: ParsedRecap, sheet: str, names: list[str], where: str) -> dict[str, int] | None:
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        key = _column_key(name)
        if not key:
            continue
        if key in index:
            out.problems.append(problem("recap.column_twice", sheet, where, column=key))
            return None
        index[key] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    if missing:
        out.problems.append(problem("recap.missing_columns", sheet, where, missing=", ".join(missing),
                                    expected=", ".join(RECAP_COLUMNS)))
        return None
    extra = [n for n in index if n not in RECAP_COLUMNS and n not in ("unit_name", "unit")]
    if extra:
        out.problems.append(warning("recap.ignored_columns", sheet, where, columns=", ".join(extra)))
    return {k: v for k, v in index.items() if k in RECAP_COLUMNS}


def parse_recap_csv(text: str) -> ParsedRecap:
    out = ParsedRecap()
    sample = text[:4096]
    first = sample.splitlines()[0] if sample.splitlines() else ""
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = list(reader)
    if not rows:
        out.problems.append(problem("recap.empty"))
        return out
    index = _check_header(out, "", rows[0], "line 1")
    if index is None:
        return out
    rr = _RowReader(out, "")
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        where = f"line {n}"
        cells = {col: (row[i] if i < len(row) else None, f"{where}, {col}", None) for col, i in index.items()}
        rr.read(where, cells)
    if not rr.seen and not out.fatal:
        out.problems.append(problem("recap.no_rows"))
    return out


def parse_recap_workbook(wb: Any) -> ParsedRecap:
    from openpyxl.utils import get_column_letter

    out = ParsedRecap()
    for ws in wb.worksheets:
        for header in ws.iter_rows(min_row=1, max_row=min(ws.max_row or 0, 10)):
            values = [c.value for c in header]
            if not is_recap_header(values):
                continue
            out.sheet = ws.title
            index = _check_header(out, ws.title, [clean_text(v) for v in values], f"row {header[0].row}")
            if index is None:
                return out
            rr = _RowReader(out, ws.title)
            for row in ws.iter_rows(min_row=header[0].row + 1, max_row=ws.max_row):
                if all(is_blank(c.value) for c in row):
                    continue
                n = row[0].row
                cells = {}
                for col, i in index.items():
                    c = row[i] if i < len(row) else None
                    ref = f"{get_column_letter(i + 1)}{n}"
                    cells[col] = (c.value if c is not None else None, ref, getattr(c, "data_type", None))
                rr.read(f"row {n}", cells)
            if not rr.seen and not out.fatal:
                out.problems.append(problem("recap.no_rows", ws.title))
            return out
    out.problems.append(problem("recap.no_sheet"))
    return out


def read_recap(source: Source, *, name: str | None = None) -> ParsedRecap:
    """Read a recap CSV or XLSX (path, bytes or file object); problems instead of exceptions."""
    label = file_name_of(source, name)
    try:
        data = read_source(source, name)
        kind = sniff(data, label)
        if kind == "xlsx":
            return parse_recap_workbook(open_workbook(data, label))
        if kind in ("encrypted", "xls"):
            return ParsedRecap(problems=[unreadable_problem(kind, label)])
    except LkeFileError as exc:
        return ParsedRecap(problems=[exc.problem])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return parse_recap_csv(text)


def recap_template(fmt: str = "xlsx") -> bytes:
    """An empty recap with the expected header (``csv`` or ``xlsx``; the XLSX has a help sheet)."""
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(RECAP_COLUMNS)
        return buf.getvalue().encode("utf-8")
    if fmt != "xlsx":
        raise ValueError(f"template format must be csv or xlsx, got {fmt!r}")
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    for col, name in enumerate(RECAP_COLUMNS, start=1):
        ws.cell(row=1, column=col, value=name).font = Font(bold=True)
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = max(8, len(name) + 2)
    dv = DataValidation(type="list", formula1=f'"{",".join(STAGES)}"', allow_blank=False)
    ws.add_data_validation(dv)
    dv.add("C2:C1000")
    ws.freeze_panes = "A2"
    help_ws = wb.create_sheet("Petunjuk")
    lines = [("Kolom", "Isi"),
             ("unit_id", "kode unit kerja, sama dengan yang terdaftar di dasbor"),
             ("year", "tahun evaluasi, mis. 2026"),
             ("stage", ", ".join(STAGES[:-1]) + " atau " + STAGES[-1]),
             ("framework", "kosongkan: kerangka yang berlaku pada tahun itu dipakai")]
    for code in AREA_CODES:
        lines.append((code, f"nilai area {code} (poin, 0 sampai nilai maksimal area)"))
    lines += [("survey_anti_korupsi", "nilai survei persepsi anti korupsi, 0-4"),
              ("capaian_kinerja", "A/B/C/D/E (PermenPANRB 90/2021)"),
              ("tlhp_percent", "persentase tindak lanjut hasil pemeriksaan, 0-100 (PermenPANRB 52/2014)"),
              ("survey_pelayanan", "nilai survei persepsi kualitas pelayanan, 0-4")]
    for r, (a, b) in enumerate(lines, start=1):
        help_ws.cell(row=r, column=1, value=safe_text(a)).font = Font(bold=r == 1)
        help_ws.cell(row=r, column=2, value=safe_text(b))
    help_ws.column_dimensions["A"].width = 22
    help_ws.column_dimensions["B"].width = 80
    # An input form: its header keeps the machine names the importer reads; only the print set-up
    # is a report's (A4 landscape, one page wide, the header on every page).
    from zi_metrics.xlsx_report import print_setup

    print_setup(ws, header_rows=(1, 1), title="Templat rekap nilai Zona Integritas")
    print_setup(help_ws, landscape=False, title="Petunjuk pengisian templat rekap")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
