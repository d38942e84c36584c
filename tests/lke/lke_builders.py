"""Build LKE workbooks in the official layouts, for the tests and the bad-input fixtures.

Everything here is built from PortalRB's 2026 master question list (reference data outside the
repository, ``../shared/domain/lke/``), not from the package's framework file or its writer, so
a test that reads these workbooks checks the package against the reference. An independent
scorer (:func:`reference_score`) recomputes the official figures from the master list and the
rules of the domain reference, for comparison with ``zi_metrics.scoring``.

Lampiran III layout built here (PermenPANRB 90/2021, sheet "LKE ZI"): a header row
(No | Penilaian (B:G) | Bobot | Kriteria | Pilihan Jawaban | Jawaban | Nilai | % | Catatan |
Bukti Dukung), a row of column numbers under it, then the hierarchy as a staircase: component
label in B and name in C, half in C/D, area in D/E, sub-area in E/F, item in F/G; counts are "-"
rows under an item heading, followed by a computed "%" row; the LHKPN sub-area has its two parts
as "a."/"b." rows with a "Jumlah yang harus melaporkan" subtotal (a formula) and a "%" row each.

PortalRB Jawaban layout built here: sheet "Jawaban", header in row 1, every question at its
``excel_baris`` with the label in F and the text in G (columns A-J as in Lampiran III), K unit
answer, L unit note, M evidence, N TPI answer, O/P scores (formulas), Q TPI note.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

MASTER_PATH = Path(__file__).resolve().parents[2].parent / "shared/domain/lke/lke-2026-master.json"

TYPE_LABEL = {"YA_TIDAK": "Ya/Tidak", "ABC": "A/B/C", "ABCD": "A/B/C/D", "ABCDE": "A/B/C/D/E",
              "JUMLAH": "Jumlah", "0-4": "Nilai (0-4)"}


def _type(soal: Mapping[str, Any]) -> str:
    t = soal["jenis_jawaban"]
    return "JUMLAH" if t.casefold() == "jumlah" else t


@lru_cache(maxsize=1)
def load_master() -> dict[str, Any]:
    return json.loads(MASTER_PATH.read_text(encoding="utf-8"))


@dataclass
class Node:
    name: str  # with its label, as the master has it ("i. Penyusunan Tim Kerja")
    level: str
    weight: float
    children: list[Node] = field(default_factory=list)
    soals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def title(self) -> str:
        return self.name.split(" ", 1)[1]


def tree() -> list[Node]:
    def build(raw: Mapping[str, Any]) -> Node:
        return Node(raw["nama"], raw["level"], float(raw["bobot_maksimal"]),
                    [build(c) for c in raw.get("children", [])], list(raw.get("soals", [])))
    return [build(n) for n in load_master()["data"]]


def all_soals() -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}

    def walk(n: Node) -> None:
        for s in n.soals:
            out[s["id"]] = s
        for c in n.children:
            walk(c)
    for n in tree():
        walk(n)
    return dict(sorted(out.items()))


def multipliers(soal: Mapping[str, Any]) -> dict[str, float]:
    return {o["key"]: float(o["multiplier"]) for o in soal["skema_penilaian"]}


# ---------------------------------------------------------------------------------------------
# Answer sets


def full_answers() -> dict[int, Any]:
    """A complete, deterministic answer set (options cycle with the id; counts chosen by hand)."""
    counts = {88: 10, 89: 8, 90: 8, 91: 6, 102: 5, 103: 2, 104: 2, 105: 10, 106: 7, 110: 20, 111: 3, 112: 15,
              113: 1, 114: 4, 115: 5, 116: 9, 117: 3, 118: 5, 119: 12, 120: 20, 122: 40, 123: 30}
    out: dict[int, Any] = {}
    for qid, soal in all_soals().items():
        t = _type(soal)
        if t == "JUMLAH":
            out[qid] = counts[qid]
        elif t == "0-4":
            out[qid] = 3.62 if qid == 125 else 3.41
        else:
            keys = list(multipliers(soal))
            out[qid] = keys[qid % len(keys)]
    out.update({1: "Ya", 2: "B", 6: "A", 7: "B", 8: "D", 126: "B"})
    return out


# ---------------------------------------------------------------------------------------------
# The independent scorer (official rules of the domain reference, section 3)


def _ratio(num: float, den: float, zero: float) -> float:
    return zero if den == 0 else min(1.0, max(0.0, num / den))


def reference_score(answers: Mapping[int, Any]) -> dict[str, Any]:
    """Official as-answered figures computed from the master list: sub-area = mean of answered
    items x weight, computed % items per the domain reference, sums above."""
    soals = all_soals()

    def mult(qid: int) -> float | None:
        if qid not in answers:
            return None
        given = str(answers[qid]).strip().casefold()
        return next(m for k, m in multipliers(soals[qid]).items() if k.casefold() == given)

    def have(*ids: int) -> bool:
        return all(i in answers for i in ids)

    def a(i: int) -> float:
        return float(answers[i])

    computed = {
        "Komitmen dalam perubahan": lambda: [
            _ratio(a(89), a(88), 0) if have(88, 89) else None,
            _ratio(a(91), a(90), 0) if have(90, 91) else None],
        "Pelanggaran Disiplin Pegawai": lambda: [
            (1.0 if a(102) == 0 and a(103) == 0 else 0.0 if a(102) == 0
             else max(0.0, (a(102) - a(103)) / a(102))) if have(102, 103) else None],
        "Meningkatnya capaian kinerja unit kerja": lambda: [
            _ratio(a(106), a(105), 0) if have(105, 106) else None],
        "Penanganan Pengaduan Masyarakat": lambda: [_ratio(a(112), a(110), 1) if have(110, 112) else None],
        "Penyampaian Laporan Harta Kekayaan Pejabat Negara (LHKPN)": lambda: [
            _ratio(a(116), a(113) + a(114) + a(115), 1) if have(113, 114, 115, 116) else None],
        "Penyampaian Laporan Harta Kekayaan Non LHKPN (Tidak Wajib LHKPN)": lambda: [
            _ratio(a(120), a(117) + a(118) + a(119), 1) if have(117, 118, 119, 120) else None],
        "Upaya dan/atau Inovasi Pelayanan Publik": lambda: [
            mult(121), _ratio(a(123), a(122), 0) if have(122, 123) else None],
    }
    subs: dict[str, float] = {}
    areas: dict[str, float] = {}
    halves: dict[str, float] = {}

    def sub_score(node: Node) -> float:
        if node.children:  # the composite LHKPN sub-area: sum of its parts
            return sum(sub_score(c) for c in node.children)
        if node.title in computed:
            values = computed[node.title]()
        else:
            values = [mult(s["id"]) for s in node.soals]
        got = [v for v in values if v is not None]
        score = node.weight * sum(got) / len(got) if got else 0.0
        subs[node.title] = score
        return score

    peng, hasil = tree()
    for half in peng.children:
        for area in half.children:
            total = sum(sub_score(s) for s in area.children)
            areas[area.title] = areas.get(area.title, 0.0) + total
            halves[half.title] = halves.get(half.title, 0.0) + total
    hasil_points = {}
    for comp in hasil.children:
        for s in comp.soals:
            if s["id"] not in answers:
                hasil_points[s["id"]] = 0.0
            elif _type(s) == "0-4":
                hasil_points[s["id"]] = float(answers[s["id"]]) / 4 * s["bobot_maksimal"]
            else:
                hasil_points[s["id"]] = mult(s["id"]) * s["bobot_maksimal"]
    pengungkit = sum(areas.values())
    hasil_total = sum(hasil_points.values())
    return {"sub_areas": subs, "areas": areas, "halves": halves, "pengungkit": pengungkit,
            "hasil": hasil_total, "hasil_points": hasil_points, "total": pengungkit + hasil_total}


AREA_CODE = {"MANAJEMEN PERUBAHAN": "MP", "PENATAAN TATALAKSANA": "TT",
             "PENATAAN SISTEM MANAJEMEN SDM APARATUR": "SDM", "PENGUATAN AKUNTABILITAS": "AK",
             "PENGUATAN PENGAWASAN": "PW", "PENINGKATAN KUALITAS PELAYANAN PUBLIK": "PP"}


# ---------------------------------------------------------------------------------------------
# Lampiran III workbook


@dataclass
class Quirks:
    """Irregularities seen in real files."""

    stray_spaces: bool = False  # " i . " labels, double and trailing spaces in texts, mixed case
    blank_rows_every: int = 0  # insert a blank row after every n-th row
    renumber_a: bool = False  # column A numbering restarts and has text such as "3a"
    wrong_types: dict[int, str] = field(default_factory=dict)  # question -> a wrong 'Pilihan Jawaban'
    score_literals: dict[int, Any] = field(default_factory=dict)  # question -> a typed value in L
    summary_sheet: bool = False  # an extra summary sheet placed before the LKE sheet
    typed_percent: bool = False  # a number typed over the formula of a computed % row
    header_row: int = 5
    sheet_title: str = "LKE ZI"
    extra_sheet_after: bool = False  # a "Petunjuk" sheet after the LKE sheet


class _Sheet:
    def __init__(self, ws: Any, quirks: Quirks):
        self.ws = ws
        self.q = quirks
        self.r = quirks.header_row + 1  # the column-number row
        self.n = 0
        self.rows: dict[int, int] = {}  # question -> row

    def label(self, text: str) -> str:
        if not self.q.stray_spaces:
            return text
        return f" {text[:-1]} {text[-1]} " if text.endswith(".") and len(text) <= 4 else f" {text}"

    def text(self, text: str) -> str:
        if not self.q.stray_spaces:
            return text
        words = text.split(" ")
        if len(words) > 2:
            words[1] = words[1] + " "  # a double space inside
        return " ".join(words) + "  "

    def next_row(self) -> int:
        self.r += 1
        if self.q.blank_rows_every and self.n and self.n % self.q.blank_rows_every == 0:
            self.r += 1  # leave one row empty
        self.n += 1
        if self.q.renumber_a:
            self.ws.cell(row=self.r, column=1, value=f"{self.n}a" if self.n % 7 == 0 else self.n % 40)
        else:
            self.ws.cell(row=self.r, column=1, value=self.n)
        return self.r

    def heading(self, col: int, label: str, title: str, weight: float | None) -> int:
        r = self.next_row()
        self.ws.cell(row=r, column=col, value=self.label(label))
        self.ws.cell(row=r, column=col + 1, value=self.text(title))
        if weight is not None:
            self.ws.cell(row=r, column=8, value=weight)
        return r

    def question(self, soal: Mapping[str, Any], label: str, col: int, answers: Mapping[int, Any],
                 notes: Mapping[int, str], evidence: Mapping[int, str]) -> int:
        r = self.next_row()
        qid = soal["id"]
        self.rows[qid] = r
        self.ws.cell(row=r, column=col, value=self.label(label))
        self.ws.cell(row=r, column=col + 1, value=self.text(soal["teks_pertanyaan"]))
        if soal["bobot_maksimal"]:
            self.ws.cell(row=r, column=8, value=soal["bobot_maksimal"])
        self.ws.cell(row=r, column=9, value=soal["kriteria_nilai"])
        self.ws.cell(row=r, column=10, value=self.q.wrong_types.get(qid, TYPE_LABEL[_type(soal)]))
        if qid in answers:
            self.ws.cell(row=r, column=11, value=answers[qid])
        if qid in self.q.score_literals:
            self.ws.cell(row=r, column=12, value=self.q.score_literals[qid])
        elif soal["skema_penilaian"]:
            expr = '""'
            for o in reversed(soal["skema_penilaian"]):
                expr = f'IF(K{r}="{o["key"]}",{o["multiplier"]},{expr})'
            self.ws.cell(row=r, column=12, value=f"={expr}")
        if notes.get(qid):
            self.ws.cell(row=r, column=14, value=notes[qid])
        if evidence.get(qid):
            cell = self.ws.cell(row=r, column=15, value=evidence[qid])
            if evidence[qid].startswith("http"):
                cell.hyperlink = evidence[qid]
        return r

    def percent_row(self, text: str, num: list[int], den: list[int]) -> int:
        r = self.next_row()
        self.ws.cell(row=r, column=6, value="-")
        self.ws.cell(row=r, column=7, value=text)
        self.ws.cell(row=r, column=10, value="%")
        if self.q.typed_percent:
            self.ws.cell(row=r, column=11, value=0.5)
        else:
            n = "+".join(f"K{self.rows[i]}" for i in num)
            d = "+".join(f"K{self.rows[i]}" for i in den)
            self.ws.cell(row=r, column=11, value=f"=IFERROR(({n})/({d}),0)")
        self.ws.cell(row=r, column=12, value=f"=K{r}")
        return r


_COUNT_GROUPS = {  # sub-area title -> item headings with their questions and % rows (num, den)
    "Komitmen dalam perubahan": [
        ("Agen perubahan telah membuat perubahan yang konkret di Instansi (dalam 1 tahun)",
         [88, 89], [89], [88]),
        ("Perubahan yang dibuat Agen Perubahan telah terintegrasi dalam sistem manajemen",
         [90, 91], [91], [90])],
    "Pelanggaran Disiplin Pegawai": [
        ("Penurunan pelanggaran disiplin pegawai", [102, 103, 104], [103], [102])],
    "Meningkatnya capaian kinerja unit kerja": [
        ("Capaian kinerja lebih baik dari pada capaian kinerja sebelumnya", [105, 106], [106], [105])],
    "Penanganan Pengaduan Masyarakat": [
        ("Penanganan pengaduan masyarakat", [110, 111, 112], [112], [110])],
    "Penyampaian Laporan Harta Kekayaan Pejabat Negara (LHKPN)": [
        ("Jumlah yang harus melaporkan", [113, 114, 115, 116], [116], [113, 114, 115])],
    "Penyampaian Laporan Harta Kekayaan Non LHKPN (Tidak Wajib LHKPN)": [
        ("Jumlah yang harus melaporkan", [117, 118, 119, 120], [120], [117, 118, 119])],
    "Upaya dan/atau Inovasi Pelayanan Publik": [
        ("Perijinan/pelayanan yang telah dipermudah", [122, 123], [123], [122])],
}


def _sub_area(sheet: _Sheet, node: Node, col: int, answers: Mapping[int, Any], notes: Mapping[int, str],
              evidence: Mapping[int, str]) -> None:
    sheet.heading(col, node.label, node.title, node.weight)
    if node.children:
        for part in node.children:
            _sub_area(sheet, part, col + 1, answers, notes, evidence)
        return
    groups = _COUNT_GROUPS.get(node.title)
    soals = {s["id"]: s for s in node.soals}
    letters = iter("abcdefghijklmnop")
    if not groups:
        for s in node.soals:
            sheet.question(s, f"{next(letters)}.", 6, answers, notes, evidence)
        return
    grouped = {q for _, qs, _, _ in groups for q in qs}
    for s in node.soals:  # option questions of a mixed sub-area (Q121) come first
        if s["id"] not in grouped:
            sheet.question(s, f"{next(letters)}.", 6, answers, notes, evidence)
    for heading, qids, num, den in groups:
        if heading.startswith("Jumlah yang harus"):
            for q in qids:
                sheet.question(soals[q], "-", 6, answers, notes, evidence)
            r = sheet.next_row()  # the subtotal the official sheet computes
            sheet.ws.cell(row=r, column=6, value="-")
            sheet.ws.cell(row=r, column=7, value=heading)
            sheet.ws.cell(row=r, column=10, value="Jumlah")
            sheet.ws.cell(row=r, column=11, value="=" + "+".join(f"K{sheet.rows[q]}" for q in den))
        else:
            sheet.heading(6, f"{next(letters)}.", heading, None)
            for q in qids:
                sheet.question(soals[q], "-", 6, answers, notes, evidence)
        sheet.percent_row(f"Persentase {heading[0].lower()}{heading[1:]}", num, den)


def build_lampiran3(answers: Mapping[int, Any], notes: Mapping[int, str] | None = None,
                    evidence: Mapping[int, str] | None = None, quirks: Quirks | None = None) -> Workbook:
    """A Lampiran III workbook holding ``answers`` (question id -> cell value, written as given)."""
    q = quirks or Quirks()
    notes, evidence = notes or {}, evidence or {}
    wb = Workbook()
    ws = wb.active
    ws.title = q.sheet_title
    if q.summary_sheet:
        summary = wb.create_sheet("Rekapitulasi", 0)
        for r, row in enumerate([("REKAPITULASI PENILAIAN", None, None), ("Komponen", "Bobot", "Nilai"),
                                 ("Pengungkit", 60, "='LKE ZI'!L7"), ("Hasil", 40, 0), ("Total", 100, 0)], 1):
            for c, v in enumerate(row, 1):
                summary.cell(row=r, column=c, value=v)
    if q.extra_sheet_after:
        wb.create_sheet("Petunjuk").cell(row=1, column=1, value="Isilah kolom Jawaban (K) sesuai kriteria.")
    title = ws.cell(row=1, column=2, value="LEMBAR KERJA EVALUASI ZONA INTEGRITAS MENUJU WBK/WBBM")
    title.font = Font(bold=True)
    ws.cell(row=2, column=2, value="Unit Kerja : Inspektorat Jenderal (data sintetis)")
    h = q.header_row
    for col, text in ((1, "NO"), (2, "PENILAIAN"), (8, "BOBOT"), (9, "KRITERIA"), (10, "PILIHAN JAWABAN"),
                      (11, "JAWABAN"), (12, "NILAI"), (13, "%"), (14, "CATATAN"),
                      (15, "BUKTI DUKUNG / LINK")):
        ws.cell(row=h, column=col, value=f" {text.lower()} " if q.stray_spaces and col in (2, 11) else text)
    ws.merge_cells(start_row=h, start_column=2, end_row=h, end_column=7)
    for col in range(1, 16):
        ws.cell(row=h + 1, column=col, value=f"({col})")
    sheet = _Sheet(ws, q)
    peng, hasil = tree()
    sheet.heading(2, peng.label, peng.title, peng.weight)
    for half in peng.children:
        sheet.heading(3, half.label, half.title, half.weight)
        for area in half.children:
            sheet.heading(4, area.label, area.title, area.weight)
            for sub in area.children:
                _sub_area(sheet, sub, 5, answers, notes, evidence)
    sheet.heading(2, hasil.label, hasil.title, hasil.weight)
    for comp in hasil.children:
        sheet.heading(3, comp.label, comp.title, comp.weight)
        for n, s in enumerate(comp.soals, 1):
            sheet.question(s, f"{n}.", 4, answers, notes, evidence)
    ws.cell(row=sheet.r + 2, column=2, value="NILAI AKHIR")
    ws.cell(row=sheet.r + 2, column=12, value="=L7")
    wb._lke_rows = sheet.rows  # test helper: question -> row
    return wb


# ---------------------------------------------------------------------------------------------
# PortalRB Jawaban workbook


def _walk(nodes: list[Node], depth: int = 0) -> Iterator[tuple[Node, int]]:
    for n in nodes:
        yield n, depth
        yield from _walk(n.children, depth + 1)


def build_jawaban(unit: Mapping[int, Any], tpi: Mapping[int, Any] | None = None,
                  notes: Mapping[int, str] | None = None, evidence: Mapping[int, str] | None = None,
                  tpi_notes: Mapping[int, str] | None = None, *, shift_from: int | None = None,
                  blank_text: set[int] | None = None, extra_sheets: bool = True) -> Workbook:
    """A PortalRB Jawaban workbook. ``shift_from``: rows from that row on are written one row
    lower (a row inserted by hand); ``blank_text``: questions whose text cell is left empty."""
    tpi, notes, evidence, tpi_notes = tpi or {}, notes or {}, evidence or {}, tpi_notes or {}
    blank_text = blank_text or set()
    wb = Workbook()
    ws = wb.active
    ws.title = "Jawaban"
    if extra_sheets:
        info = wb.create_sheet("Info", 0)
        info.cell(row=1, column=1, value="Unduhan LKE PortalRB 2026 (data sintetis)")
        wb.create_sheet("Rekap").cell(row=1, column=1, value="Rekap nilai")

    def row_of(r: int) -> int:
        return r + 1 if shift_from is not None and r >= shift_from else r

    for col, text in ((1, "No"), (2, "Komponen"), (7, "Pertanyaan"), (8, "Bobot"), (9, "Kriteria"),
                      (10, "Jenis Jawaban"), (11, "Jawaban Unit"), (12, "Catatan Unit"),
                      (13, "Bukti Dukung Unit"), (14, "Jawaban TPI"), (15, "Nilai Unit"), (16, "Nilai TPI"),
                      (17, "Catatan TPI")):
        ws.cell(row=1, column=col, value=text)
    used = {s["excel_baris"] for s in all_soals().values()}
    nodes = sorted(_walk(tree()), key=lambda nd: -nd[1])  # deepest first: sub-areas sit right above
    for node, depth in nodes:
        first = min((s["excel_baris"] for n2, _ in _walk([node]) for s in n2.soals), default=None)
        if first is None:
            continue
        r = first - 1
        while r in used and r > 1:
            r -= 1
        if r <= 1:
            continue
        used.add(r)
        col = 2 + depth
        ws.cell(row=row_of(r), column=col, value=node.label)
        ws.cell(row=row_of(r), column=col + 1, value=node.title)
        ws.cell(row=row_of(r), column=8, value=node.weight)
    for qid, s in all_soals().items():
        r = row_of(s["excel_baris"])
        ws.cell(row=r, column=1, value=qid)
        ws.cell(row=r, column=6, value="-" if _type(s) == "JUMLAH" else "a.")
        if qid not in blank_text:
            ws.cell(row=r, column=7, value=s["teks_pertanyaan"])
        ws.cell(row=r, column=8, value=s["bobot_maksimal"] or None)
        ws.cell(row=r, column=9, value=s["kriteria_nilai"])
        ws.cell(row=r, column=10, value=TYPE_LABEL[_type(s)])
        for col, source in ((11, unit), (12, notes), (13, evidence), (14, tpi), (17, tpi_notes)):
            if qid in source:
                ws.cell(row=r, column=col, value=source[qid])
        if s["skema_penilaian"]:
            for col, ans in ((15, "K"), (16, "N")):
                expr = '""'
                for o in reversed(s["skema_penilaian"]):
                    expr = f'IF({ans}{r}="{o["key"]}",{o["multiplier"]},{expr})'
                ws.cell(row=r, column=col, value=f"={expr}")
    return wb


def to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
