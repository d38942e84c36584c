"""Fill the official Lampiran III form (``../shared/domain/lke/lampiran3-official-form.xlsx``) the
way a unit does, and apply the edits units make before sending it (domain page, section 4.1).

Everything here is written from reading the form itself, not from the package: the row of every
question (PortalRB ``soal_id`` -> row of sheet "LKE ZI"), the rows of the computed cells, and the
repairs that make the form's own formulas follow the regulation (used only by
``make_official_fixtures.py`` to get expected scores from LibreOffice).

openpyxl's ``insert_rows``/``insert_cols`` move cells but neither merged ranges, data validations,
the autofilter nor formulas: :func:`insert_rows` and :func:`insert_cols` here do what Excel does
(formulas are re-pointed by a reference shift over the whole workbook).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

FORM_PATH = Path(__file__).resolve().parents[2].parent / "shared/domain/lke/lampiran3-official-form.xlsx"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lke-official"
SHEET = "LKE ZI"

# soal_id -> row of the answer cell (column K) in the form as distributed.
QUESTION_ROWS: dict[int, int] = {
    1: 8, 2: 9, 3: 11, 4: 12, 5: 13, 6: 15, 7: 16, 8: 17, 9: 19, 10: 20, 11: 21, 12: 22,
    13: 25, 14: 26, 15: 27, 16: 29, 17: 30, 18: 31, 19: 32, 20: 34, 21: 35,
    22: 38, 23: 39, 24: 40, 25: 42, 26: 43, 27: 44, 28: 46, 29: 47, 30: 48, 31: 49, 32: 50, 33: 51,
    34: 53, 35: 54, 36: 55, 37: 56, 38: 58, 39: 60,
    40: 63, 41: 64, 42: 65, 43: 67, 44: 68, 45: 69, 46: 70, 47: 71, 48: 72, 49: 73, 50: 74,
    51: 77, 52: 78, 53: 80, 54: 81, 55: 82, 56: 83, 57: 85, 58: 86, 59: 87, 60: 88,
    61: 91, 62: 92, 63: 93, 64: 95, 65: 96, 66: 97, 67: 98, 68: 99,
    69: 102, 70: 103, 71: 104, 72: 105, 73: 107, 74: 108, 75: 109, 76: 110, 77: 111, 78: 112,
    79: 114, 80: 115, 81: 116, 82: 118, 83: 119, 84: 120, 85: 122, 86: 123, 87: 124,
    88: 129, 89: 130, 90: 132, 91: 133, 92: 135, 93: 137,
    94: 140, 95: 142, 96: 143, 97: 145, 98: 146, 99: 147,
    100: 150, 101: 152, 102: 155, 103: 156, 104: 157,
    105: 161, 106: 162, 107: 164, 108: 166,
    109: 169, 110: 172, 111: 173, 112: 174,
    113: 179, 114: 180, 115: 181, 116: 182, 117: 186, 118: 187, 119: 188, 120: 189,
    121: 192, 122: 194, 123: 195, 124: 197,
    125: 202, 126: 203, 127: 205,
}
TOTAL_ROW = 208  # "NILAI EVALUASI ZONA INTEGRITAS"; the minister's signature block is below it
LHKPN_SUBTOTAL_ROW = 178  # "Jumlah yang harus melaporkan" = K179+K180+K181 (a formula)
LHKASN_SUBTOTAL_ROW = 185
# Rows of the scores the expected values are read from (column L of the form).
SCORE_ROWS = {"total": 208, "pengungkit": 198, "hasil": 206, "pemenuhan": 5, "reform": 125}
AREA_ROWS = {"MP": (6, 126), "TT": (23, 138), "SDM": (36, 148), "AK": (61, 158), "PW": (75, 167),
             "PP": (100, 190)}


def load_form() -> Workbook:
    return load_workbook(FORM_PATH)


def to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Answer sets


def unit_answers() -> dict[int, Any]:
    """A complete filling (every one of the 127 items), typed as Excel stores them."""
    options = {
        1: "Ya", 2: "B", 3: "Ya", 4: "A", 5: "B", 6: "A", 7: "B", 8: "C", 9: "Ya", 10: "A", 11: "B", 12: "B",
        13: "A", 14: "B", 15: "C", 16: "A", 17: "A", 18: "B", 19: "B", 20: "A", 21: "B",
        22: "Ya", 23: "B", 24: "Tidak", 25: "Ya", 26: "C", 27: "Ya", 28: "Ya", 29: "B", 30: "C", 31: "A",
        32: "B", 33: "B", 34: "A", 35: "B", 36: "A", 37: "Ya", 38: "B", 39: "A",
        40: "A", 41: "B", 42: "A", 43: "Ya", 44: "Ya", 45: "Ya", 46: "B", 47: "Ya", 48: "A", 49: "Tidak",
        50: "B", 51: "A", 52: "B", 53: "B", 54: "C", 55: "A", 56: "B", 57: "A", 58: "Ya", 59: "B", 60: "C",
        61: "A", 62: "B", 63: "B", 64: "A", 65: "B", 66: "C", 67: "A", 68: "B",
        69: "A", 70: "B", 71: "A", 72: "Ya", 73: "B", 74: "A", 75: "C", 76: "D", 77: "B", 78: "C",
        79: "A", 80: "A", 81: "B", 82: "B", 83: "A", 84: "B", 85: "A", 86: "Ya", 87: "B",
        92: "B", 93: "A", 94: "B", 95: "A", 96: "B", 97: "C", 98: "B", 99: "A", 100: "A", 101: "B",
        107: "B", 108: "A", 109: "B", 121: "A", 124: "B", 126: "B",
    }
    counts = {88: 12, 89: 9, 90: 9, 91: 7, 102: 6, 103: 2, 104: 2, 105: 14, 106: 11,
              110: 25, 111: 4, 112: 21, 113: 1, 114: 13, 115: 13, 116: 25,
              117: 4, 118: 9, 119: 40, 120: 50, 122: 30, 123: 24}
    return {**options, **counts, 125: 3.62, 127: 3.45}


def partial_answers() -> dict[int, Any]:
    """A half-filled LKE: every third item left blank, the LHKPN counts given."""
    full = unit_answers()
    keep = {88, 89, 90, 91, 102, 103, 104, 113, 114, 115, 116, 125, 127}
    return {q: v for q, v in full.items() if q % 3 != 0 or q in keep}


def fill(wb: Workbook, answers: Mapping[int, Any], rows: Mapping[int, int] | None = None,
         column: str = "K", sheet: str = SHEET) -> None:
    """Type the answers into the answer column, as a unit does (nothing else is touched)."""
    ws = wb[sheet]
    rows = rows or QUESTION_ROWS
    for qid, value in answers.items():
        ws[f"{column}{rows[qid]}"] = value


# ---------------------------------------------------------------------------------------------
# The edits of section 4.1


_REF = re.compile(r"(?<![A-Za-z_\d!'])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\d(A-Za-z_])")


def _shift_formula(formula: str, *, row_at: int | None = None, rows: int = 0, col_at: int | None = None,
                   cols: int = 0) -> str:
    """Shift the A1 references of a formula of the edited sheet, as Excel does on an insert."""
    out = []
    for i, part in enumerate(re.split(r'("[^"]*")', formula)):
        if i % 2:  # a string literal
            out.append(part)
            continue

        def move(m: re.Match[str]) -> str:
            col, row = column_index_from_string(m.group(2)), int(m.group(4))
            if row_at is not None and row >= row_at:
                row += rows
            if col_at is not None and col >= col_at:
                col += cols
            return f"{m.group(1)}{get_column_letter(col)}{m.group(3)}{row}"

        out.append(_REF.sub(move, part))
    return "".join(out)


def _shift_other_sheets(wb: Workbook, ws: Any, **shift: Any) -> None:
    """Formulas of the other sheets that point at the edited one ('LKE ZI'!L5)."""
    quoted = re.compile(rf"('?{re.escape(ws.title)}'?!)(\$?[A-Z]{{1,3}}\$?\d+)")
    for other in wb.worksheets:
        if other is ws:
            continue
        for row in other.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    c.value = quoted.sub(lambda m: m.group(1) + _shift_formula(m.group(2), **shift), c.value)


def insert_rows(wb: Workbook, at: int, count: int, sheet: str = SHEET) -> None:
    """Insert ``count`` rows before row ``at`` as Excel does: merges, validations, the autofilter
    and every formula (this sheet's and the references from other sheets) move with the cells."""
    ws = wb[sheet]
    merges = [str(r) for r in ws.merged_cells.ranges]
    for r in merges:
        ws.unmerge_cells(r)
    ws.insert_rows(at, count)
    for r in merges:
        ws.merge_cells(_shift_formula(r, row_at=at, rows=count))
    _after_insert(wb, ws, row_at=at, rows=count)


def insert_cols(wb: Workbook, at: int, count: int = 1, sheet: str = SHEET) -> None:
    ws = wb[sheet]
    merges = [str(r) for r in ws.merged_cells.ranges]
    for r in merges:
        ws.unmerge_cells(r)
    widths = {k: (d.width, d.hidden) for k, d in ws.column_dimensions.items()}
    ws.insert_cols(at, count)
    for r in merges:
        ws.merge_cells(_shift_formula(r, col_at=at, cols=count))
    for key in list(ws.column_dimensions):
        del ws.column_dimensions[key]
    for letter, (width, hidden) in widths.items():
        col = column_index_from_string(letter)
        new = get_column_letter(col + count if col >= at else col)
        ws.column_dimensions[new].width = width
        ws.column_dimensions[new].hidden = hidden
    _after_insert(wb, ws, col_at=at, cols=count)


def _after_insert(wb: Workbook, ws: Any, **shift: Any) -> None:
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                c.value = _shift_formula(c.value, **shift)
    for dv in ws.data_validations.dataValidation:
        dv.sqref = type(dv.sqref)(" ".join(_shift_formula(str(r), **shift) for r in dv.sqref.ranges))
    if ws.auto_filter.ref:
        ws.auto_filter.ref = _shift_formula(ws.auto_filter.ref, **shift)
    _shift_other_sheets(wb, ws, **shift)


def title_rows(wb: Workbook, lines: list[str] = ("LEMBAR KERJA EVALUASI ZONA INTEGRITAS",
                                                  "Unit kerja: Balai Besar Pelatihan Tangerang Selatan",
                                                  "Tahun 2025")) -> int:
    """Title lines above the table (the header moves down); returns how many rows were added."""
    insert_rows(wb, 1, len(lines))
    ws = wb[SHEET]
    for i, line in enumerate(lines, start=1):
        ws.cell(row=i, column=2, value=line)
    return len(lines)


def rows_after_insert(at: int, count: int) -> dict[int, int]:
    return {q: r + count if r >= at else r for q, r in QUESTION_ROWS.items()}


def hide_rows(wb: Workbook, rows: list[int], sheet: str = SHEET) -> None:
    for r in rows:
        wb[sheet].row_dimensions[r].hidden = True


def rename_and_reorder(wb: Workbook, title: str = "LKE ZI 2025") -> None:
    ws = wb[SHEET]
    ws.title = title
    wb.move_sheet(ws, offset=-wb.index(ws))  # first, before the summaries


def delete_helper_sheets(wb: Workbook) -> None:
    for name in ("Utama", "Ctt Eval"):
        if name in wb.sheetnames:
            del wb[name]


def messy_answers(answers: Mapping[int, Any]) -> dict[int, Any]:
    """Lower case, stray spaces, counts typed as text, survey values with a decimal comma."""
    out: dict[int, Any] = {}
    for n, (q, v) in enumerate(sorted(answers.items())):
        if isinstance(v, str):
            out[q] = [v.lower(), f" {v} ", f"{v.lower()}  ", v][n % 4]
        elif q in (125, 127):
            out[q] = f"{v:.2f}".replace(".", ",")
        elif isinstance(v, int):
            out[q] = [str(v), f" {v} ", v][n % 3]
        else:
            out[q] = v
    return out


def repair(wb: Workbook) -> None:
    """Make the form's own formulas follow the regulation (for the LibreOffice oracle only):

    * J8 holds "Ya" where the answer type "Ya/Tidak" belongs, so L8 ignores the answer;
    * the LHK composite L175 averages L176:L179 (the LHKPN part and its own % row) instead of
      adding the LHKPN (L176) and LHKASN (L183) parts;
    * the discipline ratio K154 divides by zero when last year's count is 0 (the regulation as
      the project reads it: 1 when both years are 0, else 0);
    * the ratio rows divide by zero when the count to divide by is 0 (PW complaints and the two
      LHK ratios score 1 then, the others 0).
    """
    ws = wb[SHEET]
    ws["J8"] = "Ya/Tidak"
    ws["L175"] = "=L176+L183"
    ws["K154"] = ('=IF(OR(K155="",K156=""),"Blm Diisi",IF(K155=0,IF(K156=0,1,0),'
                  'MAX(0,(K155-K156)/K155)))')
    ws["K171"] = '=IF(OR(K172="",K174=""),"Blm Diisi",IF(K172=0,1,MIN(1,K174/K172)))'
    ws["K177"] = '=IF(OR(K178="",K182=""),"Blm Diisi",IF(K178=0,1,MIN(1,K182/K178)))'
    ws["K184"] = '=IF(OR(K185="",K189=""),"Blm Diisi",IF(K185=0,1,MIN(1,K189/K185)))'
    for row, (num, den) in {128: (130, 129), 131: (133, 132), 160: (162, 161), 193: (195, 194)}.items():
        ws[f"K{row}"] = (f'=IF(OR(K{den}="",K{num}=""),"Blm Diisi",IF(K{den}=0,0,'
                         f'MIN(1,K{num}/K{den})))')
    # A sub-area with no answered item is #DIV/0! in the form (0 in the regulation as the project
    # reads it), and a blank hasil row is "Blm Diisi"*weight = #VALUE! (SUM skips only text).
    for row in ws.iter_rows(min_row=1, max_row=TOTAL_ROW, min_col=12, max_col=12):
        c = row[0]
        if isinstance(c.value, str) and c.value.startswith("=AVERAGE("):
            c.value = f"=IFERROR({c.value[1:]},0)"
    for ref in ("L202", "L203", "L205"):
        ws[ref] = f'=IFERROR({ws[ref].value[1:]},"Blm Diisi")'
