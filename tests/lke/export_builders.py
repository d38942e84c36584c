"""Build exports with several assessors the way PortalRB and agencies lay them out (§4.2).

The question rows come from PortalRB's master list (``excel_baris``, sheet ``Jawaban``), the text
columns A-J from :func:`lke_builders.build_jawaban` (the PortalRB staircase), and the assessor
columns are written here from a list of column specifications, so that a test can put them in
any order and letters, spell the headers as agencies do, add columns the reader must skip, put
a merged group header above the sub-headers, insert title rows, name the sheet in lower case, and
pair the sheet with PortalRB's ``Utama`` summary. Nothing here uses the package under test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lke_builders import all_soals, build_jawaban
from openpyxl import Workbook
from openpyxl.utils import get_column_letter


@dataclass
class Col:
    """One column: its header and the value per question (``values``), or a constant."""

    header: str
    values: Mapping[int, Any] = field(default_factory=dict)
    group: str | None = None  # the merged group cell above it (two-row headers)
    link: bool = False  # write web addresses as hyperlinks too
    score_of: str | None = None  # a score column: the header of the answer column it scores


def assessor_columns(who: str, answers: Mapping[int, Any], notes: Mapping[int, str] | None = None,
                     evidence: Mapping[int, str] | None = None, *, spelling: Any = "{field} {who}",
                     score: bool = True, grouped: bool = False) -> list[Col]:
    """The columns of one assessor: Jawaban, Catatan, Bukti Dukung (links) and Nilai."""
    def head(name: str) -> str:
        if grouped:
            return name
        return spelling(name, who) if callable(spelling) else spelling.format(field=name, who=who)
    group = who if grouped else None
    cols = [Col(head("Jawaban"), answers, group), Col(head("Catatan"), notes or {}, group)]
    if evidence is not None:
        cols.append(Col(head("Bukti Dukung"), evidence, group, link=True))
    if score:
        cols.append(Col(head("Nilai"), {}, group, score_of=head("Jawaban")))
    return cols


def build_export(columns: Sequence[Col], *, first_column: int = 11, sheet: str = "Jawaban",
                 title_rows: Sequence[str] = (), utama: bool = True, extra_left: Sequence[str] = (),
                 drop_text_columns: bool = False) -> Workbook:
    """A Jawaban sheet whose assessor columns start at ``first_column`` (11 = K, as PortalRB).
    ``extra_left`` inserts columns (e.g. "Kode Soal") before column B, moving the question text
    away from G; ``title_rows`` are written above the header; a two-row header is used as soon
    as one column has a ``group``."""
    wb = build_jawaban({}, extra_sheets=False)
    ws = wb["Jawaban"]
    for col in range(11, 18):  # drop PortalRB's own K-Q columns: the specification replaces them
        for row in range(1, ws.max_row + 1):
            ws.cell(row=row, column=col).value = None
    soals = all_soals()
    for i, name in enumerate(extra_left):
        ws.insert_cols(2 + i)
        ws.cell(row=1, column=2 + i, value=name)
        for qid, s in soals.items():
            ws.cell(row=s["excel_baris"], column=2 + i, value=f"Z{qid:03d}")
    first_column += len(extra_left)
    letters = {c.header: get_column_letter(first_column + i) for i, c in enumerate(columns)}
    for i, c in enumerate(columns):
        col = first_column + i
        ws.cell(row=1, column=col, value=c.header)
        for qid, s in soals.items():
            r = s["excel_baris"]
            if c.score_of is not None:
                expr = '""'
                for o in reversed(s["skema_penilaian"]):
                    expr = f'IF({letters[c.score_of]}{r}="{o["key"]}",{o["multiplier"]},{expr})'
                if s["skema_penilaian"]:
                    ws.cell(row=r, column=col, value=f"={expr}")
                continue
            if qid in c.values:
                ws.cell(row=r, column=col, value=c.values[qid])
    if drop_text_columns:  # a sheet keeping only the question text (G), no labels, criteria or types
        for col in (3, 4, 5, 6, 9, 10):
            for row in range(2, ws.max_row + 1):
                ws.cell(row=row, column=col + len(extra_left)).value = None
    if any(c.group for c in columns):
        ws.insert_rows(1)
        start = None
        for i, c in enumerate([*columns, Col("", group=None)]):
            col = first_column + i
            prev = columns[i - 1].group if i else None
            if start is not None and c.group != prev:
                ws.cell(row=1, column=start, value=prev)
                if col - 1 > start:
                    ws.merge_cells(start_row=1, start_column=start, end_row=1, end_column=col - 1)
                start = None
            if c.group and (start is None):
                start = col
    if title_rows:
        ws.insert_rows(1, len(title_rows))
        for i, text in enumerate(title_rows, 1):
            ws.cell(row=i, column=2, value=text)
        # openpyxl does not move merged ranges with inserted rows: move them by hand
        for rng in list(ws.merged_cells.ranges):
            rng.shift(0, len(title_rows))
    # hyperlinks last: openpyxl keeps a link's cell reference when rows are inserted
    shift = (1 if any(c.group for c in columns) else 0) + len(title_rows)
    for i, c in enumerate(columns):
        if c.link:
            for qid, s in soals.items():
                value = c.values.get(qid)
                if isinstance(value, str) and value.startswith("http"):
                    ws.cell(row=s["excel_baris"] + shift, column=first_column + i).hyperlink = value
    ws.title = "tmp"  # openpyxl renames "jawaban" to "jawaban1" while "Jawaban" exists, even itself
    ws.title = sheet
    if utama:
        add_utama(wb, ws.title)
    return wb


def add_utama(wb: Workbook, jawaban_sheet: str) -> None:
    """PortalRB's summary sheet: unit, year and the component totals as formulas over the answers."""
    ut = wb.create_sheet("Utama", 0)
    rows = [("LEMBAR KERJA EVALUASI ZONA INTEGRITAS", None), ("Unit Kerja", "Balai Besar (data sintetis)"),
            ("Tahun", 2026), (None, None), ("Komponen", "Nilai"),
            ("A. PENGUNGKIT", f"=SUM('{jawaban_sheet}'!O2:O198)"), ("B. HASIL", 0),
            ("NILAI EVALUASI REFORMASI BIROKRASI", "=B6+B7")]
    for r, (a, b) in enumerate(rows, 1):
        ut.cell(row=r, column=1, value=a)
        ut.cell(row=r, column=2, value=b)
