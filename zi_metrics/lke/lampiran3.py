"""The Lampiran III "LKE ZI" worksheet of PermenPANRB 90/2021: reader and writer.

Layout (the one units fill in Excel), with the header row somewhere in the first 40 rows::

    A   No (any numbering; ignored)
    B-G PENILAIAN: the hierarchy as a staircase, each label in its level's column and its text
        to the right:  B "A."/"B." component (PENGUNGKIT / HASIL), C "I."/"II." half (PEMENUHAN /
        REFORM, or a hasil component), D "1."-"6." area, E "i."/"ii." sub-area, F "a."/"b." item
        (or "-" for the counts under a computed item), G the item's text
    H   BOBOT (weight, on component, half, area and sub-area rows)
    I   KRITERIA        J  PILIHAN JAWABAN (answer type)      K  JAWABAN (the answer)
    L   NILAI (a formula)      M  %      N  CATATAN (note)      O  BUKTI DUKUNG (evidence)

The columns are located from the header row ("Penilaian ... Bobot ... Jawaban ... Nilai", case
and spaces ignored), so a sheet with a column inserted still reads; notes are the columns headed
"Catatan"/"Keterangan" after M, evidence those headed "Bukti"/"Link".

Each row is mapped to a framework question by its place in the hierarchy and its text, never by
its row number or the numbering in column A: headings set the current area, sub-area and part;
an item row is matched against the questions of the current sub-area (texts compared without
case, spaces or trailing punctuation; near-identical texts accepted with a warning; repeated
texts taken in order). Only column K is read as the answer: the cached values of formulas, the
"Pilihan Jawaban" column and the score columns are not trusted; scores are recomputed with
:func:`zi_metrics.scoring.score_answers`. A value typed into a computed row (a percentage or a
subtotal) is ignored with a warning; an answer in a row that matches no question is fatal (it is
usually an LKE of another version).

The writer produces the same layout (with live formulas in L and M) from stored answers, so that
reading the export back yields the same answers and scores.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from zi_metrics.framework import (
    Area,
    Framework,
    FrameworkError,
    HasilComponent,
    Item,
    SubArea,
    list_frameworks,
    load_framework,
)
from zi_metrics.lke.common import (
    LkeFileError,
    ParsedLke,
    Problem,
    Source,
    best_match,
    check_answer,
    check_note,
    clean_text,
    describe_unreadable,
    file_name_of,
    is_blank,
    is_error_value,
    is_formula,
    join_notes,
    open_workbook,
    read_source,
    safe_text,
    sniff,
    text_key,
    unsafe_text,
)

LAYOUT = "lampiran3"
DEFAULT_SHEET_NAME = "LKE ZI"
MAX_HEADER_SCAN = 40
MAX_ROWS = 2000  # rows read below the header; the official sheet has about 250

# ---------------------------------------------------------------------------------------------
# Finding the sheet and its columns


@dataclass(frozen=True)
class SheetColumns:
    """1-based column numbers of one Lampiran III sheet, read from its header row."""

    header_row: int
    label_first: int
    label_last: int
    weight: int
    criteria: int | None
    answer_type: int | None
    answer: int
    score: int | None
    percent: int | None
    notes: tuple[int, ...]
    evidence: tuple[int, ...]


def _hkey(value: Any) -> str:
    return re.sub(r"[^0-9a-z%]", "", clean_text(value).casefold())


def find_header(ws: Any, max_rows: int = MAX_HEADER_SCAN) -> SheetColumns | None:
    """Locate the header row ("Penilaian ... Bobot ... Jawaban ... Nilai") and the columns."""
    last = min(ws.max_row or 0, max_rows)
    for row in ws.iter_rows(min_row=1, max_row=last):
        keys = [(c.column, _hkey(c.value)) for c in row if isinstance(c.value, str) and c.value.strip()]
        if len(keys) < 4:
            continue
        pen = next((col for col, k in keys if k.startswith(("penilaian", "komponen"))), None)
        if pen is None:
            continue
        bobot = next((col for col, k in keys if col > pen and k.startswith("bobot")), None)
        if bobot is None:
            continue
        after = [(col, k) for col, k in keys if col > bobot]
        jawaban = next((col for col, k in after if k == "jawaban"), None)
        if jawaban is None:
            jawaban = next((col for col, k in after if k.startswith("jawaban")), None)
        if jawaban is None:
            continue
        nilai = next((col for col, k in after if col > jawaban and k.startswith(("nilai", "skor"))), None)
        if nilai is None:
            continue
        between = [(col, k) for col, k in after if col < jawaban]
        criteria = next((col for col, k in between if "kriteria" in k or "penjelasan" in k), None)
        answer_type = next((col for col, k in between if "pilihan" in k or "jenis" in k), None)
        tail = [(col, k) for col, k in after if col > nilai]
        percent = next((col for col, k in tail if k in ("%", "persen", "persentase")), None)
        notes = tuple(col for col, k in tail if "catatan" in k or "keterangan" in k)
        evidence = tuple(col for col, k in tail if "bukti" in k or "link" in k or "eviden" in k)
        base = percent or nilai
        if not notes and not evidence:
            notes, evidence = (base + 1,), (base + 2,)
        row_no = row[0].row
        return SheetColumns(row_no, pen, bobot - 1, bobot, criteria, answer_type, jawaban, nilai, percent,
                            notes, evidence)
    return None


def _sheet_name_key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def find_lke_sheets(wb: Any) -> list[tuple[Any, SheetColumns]]:
    """Every sheet with a Lampiran III header, sheets named like "LKE ZI" first."""
    named, others = [], []
    for ws in wb.worksheets:
        cols = find_header(ws)
        if cols is None:
            continue
        key = _sheet_name_key(ws.title)
        (named if key.startswith("lke") or key == "lembarkerjaevaluasi" else others).append((ws, cols))
    return named + others


# ---------------------------------------------------------------------------------------------
# Row parsing

_LABEL_RE = re.compile(r"^(?:([A-Za-z]{1,4}|\d{1,2})\s*[.)]|[-\u2013\u2022*])$")
_LABEL_PREFIX_RE = re.compile(
    r"^(?:([A-Z]|[IVX]{1,4}|[ivx]{1,4}|[a-z]|\d{1,2})\s*[.)]|[-\u2013\u2022*])\s+(\S.*)$")
_ROMAN_UPPER = re.compile(r"^[IVX]{1,4}$")
_ROMAN_LOWER = re.compile(r"^[ivx]{1,4}$")
_COMPONENT_RE = re.compile(r"^(?:komponen)?(pengungkit|hasil)(?![a-z])")
_HALF_RE = re.compile(r"^(pemenuhan|reform)(?![a-z])")
_NAME_MIN = 0.9


@dataclass
class _Row:
    number: int
    label: str | None
    level: str | None  # component | half | area | subarea | item | bullet | None
    text: str
    key: str
    answer: Any
    answer_type: str | None  # the cell's data type
    type_text: str
    weight: Any
    notes: str
    evidence: str


def _label_level(label: str, offset: int) -> str | None:
    core = label.strip().rstrip(".)").strip()
    if core in ("", "-", "\u2013", "\u2022", "*"):
        return "bullet"
    if core.isdigit():
        return "area"
    if core in ("A", "B") and offset <= 1:
        return "component"
    if _ROMAN_UPPER.match(core):
        return "half"
    if _ROMAN_LOWER.match(core) and offset <= 3:
        return "subarea"
    if len(core) == 1 and core.islower():
        return "item"
    if len(core) == 1 and core.isupper():
        return "component"
    return None


def _split_label(ws: Any, row: tuple[Any, ...], cols: SheetColumns) -> tuple[str | None, str | None, str]:
    """(label, level, text) from the hierarchy columns of one row."""
    tokens: list[tuple[int, str]] = []
    for c in row[cols.label_first - 1:cols.label_last]:
        text = clean_text(unsafe_text(c.value) if isinstance(c.value, str) else c.value)
        if text:
            tokens.append((c.column - cols.label_first, text))
    if not tokens:
        return None, None, ""
    offset, first = tokens[0]
    if _LABEL_RE.match(first):
        return first, _label_level(first, offset), " ".join(t for _, t in tokens[1:])
    m = _LABEL_PREFIX_RE.match(first)
    if m:
        label = first[: m.start(2)].strip()
        rest = [m.group(2)] + [t for _, t in tokens[1:]]
        return label, _label_level(label, offset), " ".join(rest)
    return None, None, " ".join(t for _, t in tokens)


_NUMBERING = re.compile(r"^\(?\d{1,2}\)?$")


def _is_numbering_row(row: tuple[Any, ...]) -> bool:
    """The row of column numbers "(1) (2) ..." that many LKE sheets have under the header."""
    texts = [clean_text(c.value) for c in row if not is_blank(c.value)]
    return len(texts) >= 5 and all(_NUMBERING.match(t) for t in texts)


def _cell(row: tuple[Any, ...], col: int | None) -> Any:
    if col is None or col - 1 >= len(row):
        return None
    return row[col - 1]


def _note_text(row: tuple[Any, ...], columns: tuple[int, ...]) -> str:
    parts = []
    for col in columns:
        c = _cell(row, col)
        if c is None:
            continue
        text = check_note(c.value) if not is_formula(c.value, getattr(c, "data_type", None)) else ""
        link = getattr(getattr(c, "hyperlink", None), "target", None)
        if link and link != text:
            text = f"{text} ({link})" if text else link
        parts.append(text)
    return join_notes(parts)


def _type_key(text: str) -> str:
    return re.sub(r"[^0-9a-z%]", "", text.casefold())


def _answer_type_keys(fw: Framework, type_code: str) -> set[str]:
    at = fw.answer_types[type_code]
    keys = {_type_key(at.label), _type_key(at.code)}
    if at.kind == "option" and at.options:
        keys.add(_type_key("".join(at.options)))
        if set(at.options) == {"Ya", "Tidak"}:
            keys.add("yt")
    if at.kind == "survey":
        keys.update({"nilai", "04", "nilai04", "survei", "survey"})
    if at.kind == "count":
        keys.update({"jumlah", "angka", "bilangan"})
    return keys


class _Parser:
    def __init__(self, fw: Framework, ws: Any, cols: SheetColumns):
        self.fw = fw
        self.ws = ws
        self.cols = cols
        self.sheet = ws.title
        self.out = ParsedLke(LAYOUT, fw.id, sheet=ws.title)
        self.component: str | None = None
        self.half: str | None = None
        self.area: Area | None = None
        self.sub: SubArea | None = None
        self.part: SubArea | None = None
        self.hasil_comp: HasilComponent | None = None
        self.matched: dict[int, int] = {}  # question -> row
        self.answered_at: dict[int, str] = {}
        self.unique_texts: dict[str, int] = {}
        seen: dict[str, list[int]] = {}
        for q in fw.questions.values():
            seen.setdefault(text_key(q.text), []).append(q.id)
        self.unique_texts = {k: v[0] for k, v in seen.items() if len(v) == 1}
        self.all_keys = frozenset(seen)

    # -- problems
    def warn(self, cell: str, message: str) -> None:
        self.out.problems.append(Problem(self.sheet, cell, message, fatal=False))

    def fail(self, cell: str, message: str) -> None:
        self.out.problems.append(Problem(self.sheet, cell, message, fatal=True))

    def ref(self, col: int | None, row: int) -> str:
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(col)}{row}" if col else str(row)

    # -- headings
    def try_component(self, r: _Row) -> bool:
        m = _COMPONENT_RE.match(r.key)
        if not m:
            return False
        self.component = m.group(1)
        self.half = self.area = self.sub = self.part = self.hasil_comp = None
        return True

    def try_half(self, r: _Row) -> bool:
        m = _HALF_RE.match(r.key)
        if m and self.component != "hasil":
            self.component = "pengungkit"
            self.half = m.group(1)
            self.area = self.sub = self.part = None
            return True
        found = best_match(r.key, ((c, text_key(c.name)) for c in self.fw.hasil_components), _NAME_MIN)
        if found:
            self.component = "hasil"
            self.hasil_comp = found[0]
            self.half = self.area = self.sub = self.part = None
            return True
        return False

    def try_area(self, r: _Row) -> bool:
        if self.component == "hasil":
            return False
        found = best_match(r.key, ((a, text_key(a.name)) for a in self.fw.areas), _NAME_MIN)
        if not found:
            found = next(((a, 1.0) for a in self.fw.areas if r.key.startswith(text_key(a.name))), None)
        if not found:
            return False
        self.component = "pengungkit"
        self.area = found[0]
        self.sub = self.part = None
        return True

    def _sub_candidates(self) -> list[SubArea]:
        if self.area is not None:
            subs = list(self.area.sub_areas)
            if self.half:
                subs.sort(key=lambda s: s.half != self.half)
            return subs
        return [s for a in self.fw.areas for s in a.sub_areas]

    def try_sub(self, r: _Row, weight_cell: str) -> bool:
        if self.component == "hasil":
            return False
        found = best_match(r.key, ((s, text_key(s.name)) for s in self._sub_candidates()), _NAME_MIN)
        if not found:
            return False
        sub = found[0]
        self.component = "pengungkit"
        self.sub, self.part = sub, None
        self.half = sub.half
        if self.area is None or self.area.code != sub.area:
            self.area = self.fw.area(sub.area)
        self.check_weight(r, sub.weight, weight_cell, sub.name)
        return True

    def try_part(self, r: _Row, weight_cell: str) -> bool:
        if self.sub is None or not self.sub.parts:
            return False
        found = best_match(r.key, ((p, text_key(p.name)) for p in self.sub.parts), _NAME_MIN)
        if not found:
            return False
        self.part = found[0]
        self.check_weight(r, self.part.weight, weight_cell, self.part.name)
        return True

    def check_weight(self, r: _Row, expected: float, cell: str, name: str) -> None:
        w = r.weight
        if isinstance(w, (int, float)) and not isinstance(w, bool) and abs(float(w) - expected) > 1e-6:
            self.warn(cell, f"weight {w:g} of '{name}' differs from {expected:g} in {self.fw.id}; "
                            f"the regulation's weight is used")

    # -- questions
    def scope(self) -> list[int]:
        if self.component == "hasil":
            comps = [self.hasil_comp] if self.hasil_comp else list(self.fw.hasil_components)
            return [i.question for c in comps for i in c.items if i.question is not None]
        if self.part is not None:
            return list(self.part.questions)
        if self.sub is not None:
            return list(self.sub.questions)
        return []

    def try_question(self, r: _Row) -> tuple[int, str] | None:
        """(question id, how) when the row is a question: how is exact|fuzzy|duplicate|global.

        Exact texts win over near ones, so a row holding another question's exact text is never
        taken for a near match of this one."""
        scope = self.scope()
        keys = {q: text_key(self.fw.questions[q].text) for q in scope}
        for q in scope:
            if q not in self.matched and keys[q] == r.key:
                return q, "exact"
        for q in scope:
            if q in self.matched and keys[q] == r.key:
                return q, "duplicate"
        qid = self.unique_texts.get(r.key)
        answered = not is_blank(r.answer) and not is_formula(r.answer, r.answer_type)
        if qid is not None and (qid in self.matched or answered):
            # Another part of the sheet: trusted only for an answered row (an unanswered heading
            # may repeat a question's words, e.g. AK's "Capaian kinerja lebih baik ...").
            return qid, "duplicate" if qid in self.matched else "global"
        found = best_match(r.key, ((q, keys[q]) for q in scope if q not in self.matched))
        if found and r.key not in self.all_keys:
            return found[0], "fuzzy"
        return None

    # -- the row loop
    def run(self) -> ParsedLke:
        cols = self.cols
        last = min(self.ws.max_row or 0, cols.header_row + MAX_ROWS)
        for row in self.ws.iter_rows(min_row=cols.header_row + 1, max_row=last):
            if not row or _is_numbering_row(row):
                continue
            number = row[0].row
            label, level, text = _split_label(self.ws, row, cols)
            answer_cell = _cell(row, cols.answer)
            type_cell = _cell(row, cols.answer_type)
            weight_cell = _cell(row, cols.weight)
            r = _Row(number, label, level, text, text_key(text),
                     answer_cell.value if answer_cell is not None else None,
                     getattr(answer_cell, "data_type", None),
                     clean_text(type_cell.value) if type_cell is not None else "",
                     weight_cell.value if weight_cell is not None else None,
                     _note_text(row, cols.notes), _note_text(row, cols.evidence))
            self.row(r)
        self.finish()
        return self.out

    def row(self, r: _Row) -> None:
        wref = self.ref(self.cols.weight, r.number)
        if not r.key:
            if not is_blank(r.answer) and not is_formula(r.answer, r.answer_type) \
                    and not is_error_value(r.answer, r.answer_type):
                self.fail(self.ref(self.cols.answer, r.number),
                          f"answer {r.answer!r} in a row without a question text")
            return
        heading_first = {
            "component": ("component", "half", "area", "sub", "part", "question"),
            "half": ("half", "component", "area", "sub", "part", "question"),
            "area": ("area", "half", "sub", "question", "part"),
            "subarea": ("sub", "part", "area", "question"),
        }
        if r.level == "bullet":  # "-" rows are counts or computed rows, never headings
            order: tuple[str, ...] = ("question",)
        elif r.level == "item":
            order = ("question", "part", "sub")
        else:
            order = heading_first.get(r.level or "", ("question", "part", "sub", "area", "half", "component"))
        for attempt in order:
            if attempt == "question":
                hit = self.try_question(r)
                if hit:
                    self.question_row(r, *hit)
                    return
            elif attempt == "component" and self.try_component(r):
                return
            elif attempt == "half" and self.try_half(r):
                return
            elif attempt == "area" and self.try_area(r):
                return
            elif attempt == "sub" and self.try_sub(r, wref):
                return
            elif attempt == "part" and self.try_part(r, wref):
                return
        self.unmatched_row(r)

    def unmatched_row(self, r: _Row) -> None:
        shown = r.text if len(r.text) <= 70 else r.text[:67] + "..."
        if r.level in ("area", "subarea") and self.component != "hasil":
            what = "area" if r.level == "area" else "sub-area"
            self.warn(self.ref(self.cols.label_first, r.number),
                      f"unknown {what} '{shown}': not in {self.fw.id}; its rows are not read")
            if r.level == "area":
                self.area = None
            self.sub = self.part = None
        if is_blank(r.answer) or is_formula(r.answer, r.answer_type) \
                or is_error_value(r.answer, r.answer_type):
            return
        aref = self.ref(self.cols.answer, r.number)
        tkey = _type_key(r.type_text)
        computed_sub = self.sub is not None and (
            bool(self.sub.parts) or any(i.kind != "answer" for i in self.sub.items))
        if tkey in ("%", "persen", "persentase") or r.key.startswith(("persentase", "%")) or (
                computed_sub and tkey.startswith("jumlah")):
            self.warn(aref, f"the value {r.answer!r} typed into the computed row '{shown}' is ignored; "
                            "it is recomputed from the counts")
            return
        self.fail(aref, f"answer {r.answer!r} in a row that matches no question of {self.fw.id} "
                        f"('{shown}'): a file of another LKE version?")

    def question_row(self, r: _Row, qid: int, how: str) -> None:
        fw = self.fw
        q = fw.questions[qid]
        aref = self.ref(self.cols.answer, r.number)
        value, problem = check_answer(fw, q, r.answer, sheet=self.sheet, cell=aref, data_type=r.answer_type)
        if how == "duplicate":
            first = self.answered_at.get(qid)
            if problem is None and value is None:
                self.warn(aref, f"question {qid} appears again (first at row {self.matched[qid]}); "
                                "this blank copy is ignored")
                return
            if first is not None:
                self.fail(aref, f"question {qid} answered twice: {first} and {aref}")
                return
        if problem is not None:
            self.out.problems.append(problem)
        if how == "fuzzy":
            self.warn(self.ref(self.cols.label_first, r.number),
                      f"text differs slightly from question {qid} ('{q.text}'); read as that question")
        elif how == "global":
            self.warn(self.ref(self.cols.label_first, r.number),
                      f"question {qid} found outside its sub-area heading; matched by its text")
        self.matched.setdefault(qid, r.number)
        if r.type_text and self.cols.answer_type:
            if _type_key(r.type_text) not in _answer_type_keys(fw, q.type):
                self.warn(self.ref(self.cols.answer_type, r.number),
                          f"answer type '{r.type_text}' differs from question {qid}'s "
                          f"{fw.answer_types[q.type].label}; the regulation's type is used")
        if value is not None:
            self.out.answers[qid] = value
            self.out.cells[qid] = aref
            self.answered_at[qid] = aref
        if r.notes:
            self.out.notes[qid] = r.notes
        if r.evidence:
            self.out.evidence[qid] = r.evidence

    def finish(self) -> None:
        self.out.questions_found = len(self.matched)
        if not self.matched:
            self.fail("", f"no question of {self.fw.id} was recognised in sheet '{self.sheet}'")
            return
        missing = [q for q in self.fw.questions if q not in self.matched]
        if missing:
            shown = ", ".join(str(q) for q in missing[:10]) + (" ..." if len(missing) > 10 else "")
            self.warn("", f"{len(missing)} question(s) of {self.fw.id} were not found in the sheet: {shown}")


def parse_sheet(ws: Any, cols: SheetColumns, fw: Framework) -> ParsedLke:
    """Map one Lampiran III sheet onto ``fw``'s questions."""
    return _Parser(fw, ws, cols).run()


def _candidate_frameworks(framework_id: str | None) -> list[Framework]:
    if framework_id is not None:
        return [load_framework(framework_id)]
    fws = [load_framework(f) for f in list_frameworks()]
    return sorted(fws, key=lambda f: -(f.first_year or 0))


def read_lampiran3_workbook(wb: Any, framework_id: str | None = None) -> ParsedLke:
    """Read an open workbook as Lampiran III; the framework is the one whose questions match best."""
    sheets = find_lke_sheets(wb)
    if not sheets:
        names = ", ".join(f"'{ws.title}'" for ws in wb.worksheets)
        return ParsedLke(LAYOUT, framework_id, problems=[Problem(
            "", "", f"no recognisable LKE sheet: no sheet has the header row 'Penilaian ... Bobot ... "
                    f"Jawaban ... Nilai' (sheets: {names})")])
    ws, cols = sheets[0]
    best: ParsedLke | None = None
    best_found = -1
    for fw in _candidate_frameworks(framework_id):
        parsed = parse_sheet(ws, cols, fw)
        found = parsed.questions_found
        if found > best_found:
            best, best_found = parsed, found
        if found * 2 > len(fw.questions):
            break  # most of this version's questions are there: no need to try older ones
    assert best is not None
    for other, _ in sheets[1:]:
        best.problems.append(Problem(other.title, "", f"another LKE sheet; only '{ws.title}' was read",
                                     fatal=False))
    return best


def read_lampiran3(source: Source, *, name: str | None = None, framework_id: str | None = None) -> ParsedLke:
    """Read a Lampiran III workbook (path, bytes or file object); problems instead of exceptions."""
    label = file_name_of(source, name)
    try:
        data = read_source(source, name)
        kind = sniff(data, label)
        if kind != "xlsx":
            return ParsedLke.failure(LAYOUT, framework_id, describe_unreadable(kind, label))
        wb = open_workbook(data, label)
    except LkeFileError as exc:
        return ParsedLke(LAYOUT, framework_id, problems=[exc.problem])
    try:
        return read_lampiran3_workbook(wb, framework_id)
    except FrameworkError as exc:
        return ParsedLke(LAYOUT, framework_id, problems=[Problem("", "", str(exc))])


# ---------------------------------------------------------------------------------------------
# Writer

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
