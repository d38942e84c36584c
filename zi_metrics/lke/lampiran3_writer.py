"""The Lampiran III "LKE ZI" worksheet writer: the reader's layout with live formulas in L and M,
so that reading an export back yields the same answers and scores.
"""

from __future__ import annotations

import io
import re
from typing import Any

from zi_metrics.framework import Framework, Item, SubArea
from zi_metrics.lke.common import safe_text

DEFAULT_SHEET_NAME = "LKE ZI"

_HEADERS = ("NO", "PENILAIAN", "", "", "", "", "", "BOBOT", "KRITERIA", "PILIHAN JAWABAN", "JAWABAN", "NILAI",
            "%", "CATATAN", "BUKTI DUKUNG")
BULLET = "-"
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
_UPPER_ROMAN = ("I", "II", "III", "IV", "V")


def _letter(n: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[n] if n < 26 else f"a{n - 25}"


def _option_formula(options: dict[str, float], cell: str) -> str:
    expr = '""'
    for key, mult in reversed(list(options.items())):
        expr = f'IF({cell}="{key}",{mult:g},{expr})'
    return expr


class _Writer:
    def __init__(self, fw: Framework, answers: dict[int, Any], notes: dict[int, str],
                 evidence: dict[int, str]):
        from openpyxl import Workbook

        self.fw = fw
        self.answers = answers
        self.notes = notes
        self.evidence = evidence
        self.wb = Workbook()
        self.ws = self.wb.active
        self.ws.title = DEFAULT_SHEET_NAME
        self.r = 0
        self.no = 0
        self.validations: dict[str, Any] = {}

    def put(self, col: int, value: Any, **style: Any) -> Any:
        cell = self.ws.cell(row=self.r, column=col)
        if isinstance(value, str):
            cell.value = value if value == BULLET else safe_text(value)  # a lone "-" is no formula
            cell.data_type = "s"  # never a formula, whatever the text
        else:
            cell.value = value
        for key, val in style.items():
            setattr(cell, key, val)
        return cell

    def formula(self, col: int, expr: str, number_format: str = "0.00", row: int | None = None) -> None:
        cell = self.ws.cell(row=row or self.r, column=col)
        cell.value = "=" + expr
        cell.number_format = number_format

    def new_row(self, label_col: int, label: str, text: str, weight: float | None = None,
                bold: bool = False) -> int:
        from openpyxl.styles import Font

        self.r += 1
        self.no += 1
        self.put(1, self.no)
        font = Font(bold=bold)
        self.put(label_col, label, font=font)
        self.put(label_col + 1, text, font=font)
        if weight is not None:
            self.put(8, weight)
        return self.r

    def heading_score(self, row: int, parts: list[int], how: str = "sum") -> None:
        if how == "sum":
            expr = "+".join(f"L{p}" for p in parts) if parts else "0"
        else:
            refs = ",".join(f"L{p}" for p in parts)
            expr = f"IFERROR(AVERAGE({refs})*H{row},0)"
        self.formula(12, expr, row=row)
        self.formula(13, f"IFERROR(L{row}/H{row},0)", "0.00%", row=row)

    def answer_cells(self, qid: int) -> None:
        q = self.fw.questions[qid]
        at = self.fw.answer_types[q.type]
        self.put(10, at.label)
        value = self.answers.get(qid)
        if isinstance(value, float) and value.is_integer() and q.kind == "count":
            value = int(value)
        self.put(11, value)
        if at.kind == "option" and at.options:
            self.put(9, "; ".join(f"{k} = {v:g}".replace(".", ",") for k, v in at.options.items()))
            key = ",".join(at.options)
            if key not in self.validations:
                from openpyxl.worksheet.datavalidation import DataValidation

                dv = DataValidation(type="list", formula1=f'"{key}"', allow_blank=True)
                self.ws.add_data_validation(dv)
                self.validations[key] = dv
            self.validations[key].add(f"K{self.r}")
        elif at.kind == "survey":
            self.put(9, f"Nilai {at.min or 0:g} sampai {at.max or 4:g}")
        if self.notes.get(qid):
            self.put(14, self.notes[qid])
        if self.evidence.get(qid):
            cell = self.put(15, self.evidence[qid])
            link = self.evidence[qid].strip()
            if re.match(r"^https?://\S+$", link):
                cell.hyperlink = link

    def option_item(self, qid: int, label: str, multiplier_weight: str | None = None) -> int:
        row = self.new_row(6, label, self.fw.questions[qid].text)
        self.answer_cells(qid)
        q = self.fw.questions[qid]
        if q.kind == "option":
            expr = _option_formula(q.options or {}, f"K{row}")
            self.formula(12, f'IF(K{row}="","",{expr})' if multiplier_weight is None
                         else f'IF(K{row}="","",{multiplier_weight}*{expr})')
        return row

    def count_row(self, qid: int) -> int:
        row = self.new_row(6, "-", self.fw.questions[qid].text)
        self.answer_cells(qid)
        return row

    def computed_item(self, item: Item, rows: dict[int, int]) -> int:
        row = self.new_row(6, "-", item.name or item.code)
        self.put(10, "%")
        refs = [f"K{rows[q]}" for q in item.questions]
        ready = f"COUNTA({','.join(refs)})<{len(refs)}"
        if item.kind == "ratio":
            num = "+".join(f"K{rows[q]}" for q in item.numerator)
            den = "+".join(f"K{rows[q]}" for q in item.denominator)
            expr = f'IF({ready},"",IF(({den})=0,{item.zero_denominator:g},MIN(1,MAX(0,({num})/({den})))))'
        else:
            b, a = f"K{rows[item.before]}", f"K{rows[item.after]}"
            expr = (f'IF({ready},"",IF(AND({b}=0,{a}=0),{item.both_zero:g},IF({b}=0,{item.before_zero:g},'
                    f'MIN(1,MAX(0,({b}-{a})/{b})))))')
        self.formula(12, expr, "0.00%")
        return row

    def sub_area(self, sub: SubArea, label: str, label_col: int = 5) -> int:
        row = self.new_row(label_col, label, sub.name, sub.weight, bold=True)
        if sub.parts:
            part_rows = [self.sub_area(p, f"{_letter(i)}.", 6) for i, p in enumerate(sub.parts)]
            self.heading_score(row, part_rows)
            return row
        value_rows: list[int] = []
        if all(i.kind == "answer" for i in sub.items):
            for n, qid in enumerate(sub.questions):
                value_rows.append(self.option_item(qid, f"{_letter(n)}."))
        else:
            rows: dict[int, int] = {}
            n = 0
            for qid in sub.questions:
                if self.fw.questions[qid].kind == "option":
                    value_rows.append(self.option_item(qid, f"{_letter(n)}."))
                    n += 1
                else:
                    rows[qid] = self.count_row(qid)
            for item in sub.items:
                if item.kind != "answer":
                    value_rows.append(self.computed_item(item, rows))
        self.heading_score(row, value_rows, "average")
        return row

    def build(self, title_lines: list[str]) -> Any:
        from openpyxl.styles import Alignment, Font, PatternFill

        from zi_metrics.xlsx_report import print_setup, row_height

        ws, fw = self.ws, self.fw
        for line in title_lines:
            self.r += 1
            self.put(2, line, font=Font(bold=self.r == 1))
        self.r += 1
        self.r += 1
        header_fill = PatternFill("solid", fgColor="DDEBF7")
        for col, text in enumerate(_HEADERS, start=1):
            if text:
                self.put(col, text, font=Font(bold=True), fill=header_fill,
                         alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
        ws.merge_cells(start_row=self.r, start_column=2, end_row=self.r, end_column=7)
        ws.freeze_panes = ws.cell(row=self.r + 1, column=8)
        header_row = self.r

        comp_rows = []
        peng = self.new_row(2, "A.", "PENGUNGKIT", fw.pengungkit_max, bold=True)
        comp_rows.append(peng)
        halves = list(fw.half_names.items()) or [("", "")]
        half_rows: list[int] = []
        for hi, (hcode, hname) in enumerate(halves):
            hrow = 0
            if hcode:
                hmax = sum(h.max for a in fw.areas for h in a.halves if h.code == hcode)
                hrow = self.new_row(3, f"{_UPPER_ROMAN[hi]}.", hname.upper(), hmax, bold=True)
                half_rows.append(hrow)
            area_rows = []
            for ai, area in enumerate(fw.areas):
                half = next(h for h in area.halves if h.code == hcode)
                arow = self.new_row(4, f"{ai + 1}.", area.name.upper(), half.max, bold=True)
                area_rows.append(arow)
                sub_rows = [self.sub_area(s, f"{_ROMAN[si]}.") for si, s in enumerate(half.sub_areas)]
                self.heading_score(arow, sub_rows)
            if hcode:
                self.heading_score(hrow, area_rows)
            else:
                half_rows.extend(area_rows)
        self.heading_score(peng, half_rows)

        hasil = self.new_row(2, "B.", "HASIL", fw.hasil_max, bold=True)
        comp_rows.append(hasil)
        hc_rows = []
        for ci, comp in enumerate(fw.hasil_components):
            crow = self.new_row(3, f"{_UPPER_ROMAN[ci]}.", comp.name.upper(), comp.max, bold=True)
            hc_rows.append(crow)
            item_rows = []
            for ii, item in enumerate(comp.items):
                if item.question is None:
                    continue
                q = fw.questions[item.question]
                row = self.new_row(4, f"{ii + 1}.", q.text, item.points)
                self.answer_cells(q.id)
                if q.kind == "option":
                    self.formula(12, f'IF(K{row}="","",H{row}*{_option_formula(q.options or {}, f"K{row}")})')
                else:
                    self.formula(12, f'IF(K{row}="","",K{row}/{item.scale_max or 4:g}*H{row})')
                self.formula(13, f'IFERROR(L{row}/H{row},"")', "0.00%")
                item_rows.append(row)
            self.heading_score(crow, item_rows)
        self.heading_score(hasil, hc_rows)

        self.r += 2
        self.put(2, "NILAI AKHIR (PENGUNGKIT + HASIL)", font=Font(bold=True))
        self.put(8, fw.total_max)
        self.formula(12, "+".join(f"L{r}" for r in comp_rows))
        self.formula(13, f"IFERROR(L{self.r}/H{self.r},0)", "0.00%")

        widths = {"A": 5, "B": 4, "C": 4, "D": 4, "E": 5, "F": 5, "G": 60, "H": 8, "I": 28, "J": 12, "K": 11,
                  "L": 9, "M": 9, "N": 40, "O": 40}
        for col, width in widths.items():
            ws.column_dimensions[col].width = width
        wrapped = {7: widths["G"], 9: widths["I"], 14: widths["N"], 15: widths["O"]}
        for row in ws.iter_rows(min_row=header_row + 1, max_row=self.r):
            texts = []
            for cell in row:
                if cell.column in wrapped and cell.value is not None:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                    texts.append((str(cell.value), wrapped[cell.column]))
            if texts:  # spreadsheet programs do not grow a row for wrapped text a library wrote
                ws.row_dimensions[row[0].row].height = row_height([x for x, _ in texts], [w for _, w in texts])
        # A form, not a report: its layout stays the official one; only the print set-up is added
        # (A4 landscape, one page wide, the column header on every page, page numbers).
        print_setup(ws, header_rows=(header_row, header_row), title=" ".join(title_lines[1:3]))
        return self.wb


def build_lampiran3(fw: Framework, answers: dict[int, Any], notes: dict[int, str] | None = None,
                    evidence: dict[int, str] | None = None, *, unit_name: str = "", year: int | None = None,
                    stage: str | None = None) -> Any:
    """An openpyxl Workbook in the Lampiran III layout holding these answers, notes and evidence."""
    titles = ["LEMBAR KERJA EVALUASI ZONA INTEGRITAS MENUJU WBK/WBBM",
              f"Unit kerja: {unit_name}" if unit_name else "Unit kerja:",
              f"Tahun: {year or ''}    Penilaian: {stage or ''}",
              f"Kerangka: {fw.name}"]
    return _Writer(fw, {int(k): v for k, v in answers.items()}, {int(k): v for k, v in (notes or {}).items()},
                   {int(k): v for k, v in (evidence or {}).items()}).build(titles)


def write_lampiran3(fw: Framework, answers: dict[int, Any], notes: dict[int, str] | None = None,
                    evidence: dict[int, str] | None = None, **kwargs: Any) -> bytes:
    """The Lampiran III workbook as .xlsx bytes (see :func:`build_lampiran3`)."""
    buf = io.BytesIO()
    build_lampiran3(fw, answers, notes, evidence, **kwargs).save(buf)
    return buf.getvalue()
