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

The writer (:mod:`zi_metrics.lke.lampiran3_writer`) produces the same layout from stored answers.
"""

from __future__ import annotations

import re
from typing import Any

from zi_metrics.framework import (
    Area,
    Framework,
    HasilComponent,
    SubArea,
    list_frameworks,
    load_framework,
)
from zi_metrics.lke.common import (
    LkeFileError,
    ParsedLke,
    Source,
    best_match,
    check_answer,
    check_note,
    clean_text,
    coerce_number,
    column_letter,
    file_name_of,
    is_blank,
    is_error_value,
    is_formula,
    join_notes,
    problem,
    read_source,
    shown,
    text_key,
    warning,
)
from zi_metrics.lke.lampiran3_layout import (
    COMPONENT_RE,
    HALF_RE,
    NAME_MIN,
    Row,
    SheetColumns,
    answer_type_keys,
    cell_at,
    find_lke_sheets,
    is_numbering_row,
    split_label,
    type_key,
)

LAYOUT = "lampiran3"
DEFAULT_SHEET_NAME = "LKE ZI"
MAX_ROWS = 2000  # rows read below the header; the official sheet has about 250

_BLANK_FORMULA_TEXTS = {"blmdiisi", "belumdiisi"}  # what the form's formulas show before the counts
_TOTAL_RE = re.compile(r"^(nilaievaluasi|nilaiakhir|totalnilai|nilaitotal|jumlahnilai)")
_SUBTOTAL_RE = re.compile(r"^total(pengungkit|hasil)")


def _is_placeholder(value: Any) -> bool:
    """'Blm Diisi' ("not filled yet"): the text the form's formulas show; a blank, not a value."""
    return isinstance(value, str) and type_key(value) in _BLANK_FORMULA_TEXTS


class _Parser:
    def __init__(self, fw: Framework, ws: Any, cols: SheetColumns):
        self.fw = fw
        self.ws = ws
        self.cols = cols
        self.sheet = ws.title
        self.out = ParsedLke(LAYOUT, fw.id, sheet=ws.title)
        self.out.columns = cols
        self.component: str | None = None
        self.half: str | None = None
        self.area: Area | None = None
        self.sub: SubArea | None = None
        self.part: SubArea | None = None
        self.hasil_comp: HasilComponent | None = None
        self.matched: dict[int, int] = {}  # question -> row
        self.answered_at: dict[int, str] = {}
        self.computed_seen: dict[str, int] = {}  # sub-area code -> computed rows seen in it
        self.typed_computed: list[tuple[str, str, Any, str, SubArea, int]] = []
        self.done = False
        seen: dict[str, list[int]] = {}
        self.keys: dict[int, set[str]] = {}
        for q in fw.questions.values():
            self.keys[q.id] = {text_key(q.text), *(text_key(t) for t in q.form_texts)}
            for k in self.keys[q.id]:
                seen.setdefault(k, []).append(q.id)
        self.unique_texts = {k: v[0] for k, v in seen.items() if len(v) == 1}
        self.all_keys = frozenset(seen)

    # -- problems
    def warn(self, cell: str, code: str, **params: Any) -> None:
        self.out.problems.append(warning(code, self.sheet, cell, **params))

    def fail(self, cell: str, code: str, **params: Any) -> None:
        self.out.problems.append(problem(code, self.sheet, cell, **params))

    def ref(self, col: int | None, row: int) -> str:
        return f"{column_letter(col)}{row}" if col else str(row)

    def role(self, row: int, kind: str, what: Any = None) -> None:
        self.out.row_roles[row] = (kind, what)

    # -- headings
    def try_component(self, r: Row) -> bool:
        m = COMPONENT_RE.match(r.key)
        if not m:
            return False
        self.component = m.group(1)
        self.half = self.area = self.sub = self.part = self.hasil_comp = None
        self.role(r.number, "component", self.component)
        return True

    def try_half(self, r: Row) -> bool:
        m = HALF_RE.match(r.key)
        if m and self.component != "hasil":
            self.component = "pengungkit"
            self.half = m.group(1)
            self.area = self.sub = self.part = None
            self.role(r.number, "half", self.half)
            return True
        found = best_match(r.key, ((c, text_key(c.name)) for c in self.fw.hasil_components), NAME_MIN)
        if found:
            self.component = "hasil"
            self.hasil_comp = found[0]
            self.half = self.area = self.sub = self.part = None
            self.role(r.number, "hasil_component", found[0].code)
            return True
        return False

    def try_area(self, r: Row) -> bool:
        if self.component == "hasil":
            return False
        found = best_match(r.key, ((a, text_key(a.name)) for a in self.fw.areas), NAME_MIN)
        if not found:
            found = next(((a, 1.0) for a in self.fw.areas if r.key.startswith(text_key(a.name))), None)
        if not found:
            return False
        self.component = "pengungkit"
        self.area = found[0]
        self.sub = self.part = None
        self.role(r.number, "area", (self.area.code, self.half))
        return True

    def _sub_candidates(self) -> list[SubArea]:
        if self.area is not None:
            subs = list(self.area.sub_areas)
            if self.half:
                subs.sort(key=lambda s: s.half != self.half)
            return subs
        return [s for a in self.fw.areas for s in a.sub_areas]

    @staticmethod
    def _named(subs: list[SubArea] | tuple[SubArea, ...]) -> list[tuple[SubArea, str]]:
        return [(s, text_key(n)) for s in subs for n in (s.name, *s.form_texts)]

    def try_sub(self, r: Row, weight_cell: str) -> bool:
        if self.component == "hasil":
            return False
        found = best_match(r.key, self._named(self._sub_candidates()), NAME_MIN)
        if not found:
            return False
        sub = found[0]
        self.component = "pengungkit"
        self.sub, self.part = sub, None
        self.half = sub.half
        if self.area is None or self.area.code != sub.area:
            self.area = self.fw.area(sub.area)
        self.check_weight(r, sub.weight, weight_cell, sub.name)
        self.role(r.number, "sub", sub.code)
        return True

    def try_part(self, r: Row, weight_cell: str) -> bool:
        if self.sub is None or not self.sub.parts:
            return False
        found = best_match(r.key, self._named(self.sub.parts), NAME_MIN)
        if not found:
            return False
        self.part = found[0]
        self.check_weight(r, self.part.weight, weight_cell, self.part.name)
        self.role(r.number, "part", self.part.code)
        return True

    def check_weight(self, r: Row, expected: float, cell: str, name: str) -> None:
        w = r.weight
        if isinstance(w, (int, float)) and not isinstance(w, bool) and abs(float(w) - expected) > 1e-6:
            self.warn(cell, "lampiran3.weight_differs", weight=float(w), name=name, expected=float(expected),
                      framework=self.fw.id)

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

    def try_question(self, r: Row) -> tuple[int, str] | None:
        """(question id, how) when the row is a question: how is exact|fuzzy|duplicate|global.

        Exact texts (the question's or one of its official-form wordings) win over near ones, so a
        row holding another question's exact text is never taken for a near match of this one."""
        scope = self.scope()
        for q in scope:
            if q not in self.matched and r.key in self.keys[q]:
                return q, "exact"
        for q in scope:
            if q in self.matched and r.key in self.keys[q]:
                return q, "duplicate"
        qid = self.unique_texts.get(r.key)
        answered = not is_blank(r.answer) and not is_formula(r.answer, r.answer_type)
        if qid is not None and (qid in self.matched or answered):
            # Another part of the sheet: trusted only for an answered row (an unanswered heading
            # may repeat a question's words, e.g. AK's "Capaian kinerja lebih baik ...").
            return qid, "duplicate" if qid in self.matched else "global"
        found = best_match(r.key, ((q, k) for q in scope if q not in self.matched for k in self.keys[q]))
        if found and r.key not in self.all_keys:
            return found[0], "fuzzy"
        return None

    # -- the row loop
    def run(self) -> ParsedLke:
        cols = self.cols
        last = min(self.ws.max_row or 0, cols.header_row + MAX_ROWS)
        formulas: dict[tuple[int, int], str] | None = {} if getattr(self.ws, "knows_formulas", True) else None
        for row in self.ws.iter_rows(min_row=cols.header_row + 1, max_row=last):
            if not row or is_numbering_row(row):
                continue
            number = row[0].row
            if formulas is not None:
                for col in (cols.answer, cols.score):
                    c = cell_at(row, col)
                    if c is not None and is_formula(c.value, getattr(c, "data_type", None)):
                        formulas[(number, col)] = c.value if isinstance(c.value, str) else "="
            label, level, text = split_label(self.ws, row, cols)
            answer_cell = cell_at(row, cols.answer)
            type_cell = cell_at(row, cols.answer_type)
            weight_cell = cell_at(row, cols.weight)
            r = Row(number, label, level, text, text_key(text),
                     answer_cell.value if answer_cell is not None else None,
                     getattr(answer_cell, "data_type", None),
                     clean_text(type_cell.value) if type_cell is not None else "",
                     weight_cell.value if weight_cell is not None else None,
                     self.note_text(row, cols.notes), self.note_text(row, cols.evidence))
            self.row(r)
            if self.done:
                break  # below the final total: the signature block and anything else are not data
        self.out.formulas = formulas
        self.finish()
        return self.out

    def note_text(self, row: tuple[Any, ...], columns: tuple[int, ...]) -> str:
        parts = []
        for col in columns:
            c = cell_at(row, col)
            if c is None:
                continue
            value = c.value
            if is_formula(value, getattr(c, "data_type", None)):
                # A note typed starting with "=" or "+" is stored as a formula by Excel: keep its
                # text (neutralised again on export) and say so, never drop it.
                value = value if isinstance(value, str) else ""
                if value:
                    self.warn(self.ref(col, c.row), "note.formula_kept", text=shown(value))
            text = check_note(value) if not is_error_value(value) else ""
            link = getattr(getattr(c, "hyperlink", None), "target", None)
            if link and link != text:
                text = f"{text} ({link})" if text else link
            parts.append(text)
        return join_notes(parts)

    def row(self, r: Row) -> None:
        wref = self.ref(self.cols.weight, r.number)
        if not r.key:
            if not is_blank(r.answer) and not is_formula(r.answer, r.answer_type) \
                    and not is_error_value(r.answer, r.answer_type) and not _is_placeholder(r.answer):
                self.warn(self.ref(self.cols.answer, r.number), "lampiran3.no_question_text",
                          value=shown(r.answer))
            return
        if self.matched and _TOTAL_RE.match(r.key):
            self.role(r.number, "total")
            self.done = True
            return
        m = _SUBTOTAL_RE.match(r.key)
        if m:
            self.role(r.number, f"total_{m.group(1)}")
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

    def computed_row(self, r: Row) -> bool:
        """A % row or a subtotal of the current sub-area (or part): the role is recorded and a value
        typed over its formula is kept for :meth:`finish` to compare with the counts."""
        sub = self.part or self.sub
        if sub is None or self.component == "hasil" or all(i.kind == "answer" for i in sub.items):
            return False
        tkey = type_key(r.type_text)
        percent = tkey in ("%", "persen", "persentase") or r.key.startswith(("persentase", "%"))
        subtotal = not percent and (tkey.startswith("jumlah") or r.key.startswith("jumlah"))
        if not (percent or subtotal):
            return False
        computed = [i for i in sub.items if i.kind != "answer"]
        if percent:
            index = self.computed_seen.get(sub.code, 0)
            self.computed_seen[sub.code] = index + 1
            self.role(r.number, "computed", (sub.code, min(index, len(computed) - 1)))
        else:
            index = next((n for n, i in enumerate(computed) if len(i.denominator) > 1), -1)
            if index < 0:
                return False
            self.role(r.number, "subtotal", (sub.code, index))
        if not (is_blank(r.answer) or is_formula(r.answer, r.answer_type)
                or is_error_value(r.answer, r.answer_type) or _is_placeholder(r.answer)):
            kind = "percent" if percent else "subtotal"
            self.typed_computed.append((self.ref(self.cols.answer, r.number), kind, r.answer, r.text, sub,
                                        min(index, len(computed) - 1)))
        return True

    def unmatched_row(self, r: Row) -> None:
        text = shown(r.text, 70)
        if r.level in ("area", "subarea") and self.component != "hasil":
            code = "lampiran3.unknown_area" if r.level == "area" else "lampiran3.unknown_sub_area"
            self.warn(self.ref(self.cols.label_first, r.number), code, text=text, framework=self.fw.id)
            if r.level == "area":
                self.area = None
            self.sub = self.part = None
        if self.computed_row(r):
            return
        if is_blank(r.answer) or is_formula(r.answer, r.answer_type) \
                or is_error_value(r.answer, r.answer_type) or _is_placeholder(r.answer):
            return
        aref = self.ref(self.cols.answer, r.number)
        tkey = type_key(r.type_text)
        if tkey in ("%", "persen", "persentase") or r.key.startswith(("persentase", "%")):
            self.warn(aref, "lampiran3.computed_typed", value=shown(r.answer), text=text)
            return
        self.fail(aref, "lampiran3.unknown_item", value=shown(r.answer), framework=self.fw.id, text=text)

    def question_row(self, r: Row, qid: int, how: str) -> None:
        fw = self.fw
        q = fw.questions[qid]
        aref = self.ref(self.cols.answer, r.number)
        value, trouble = check_answer(fw, q, r.answer, sheet=self.sheet, cell=aref, data_type=r.answer_type)
        if how == "duplicate":
            first = self.answered_at.get(qid)
            if trouble is None and value is None:
                self.warn(aref, "lampiran3.blank_duplicate", qid=qid, row=self.matched[qid])
                return
            if first is not None:
                self.fail(aref, "lampiran3.answered_twice", qid=qid, first=first, second=aref)
                return
        if trouble is not None:
            self.out.problems.append(trouble)
        if how == "fuzzy":
            self.warn(self.ref(self.cols.label_first, r.number), "lampiran3.fuzzy_text", qid=qid, text=q.text)
        elif how == "global":
            self.warn(self.ref(self.cols.label_first, r.number), "lampiran3.outside_heading", qid=qid)
        self.matched.setdefault(qid, r.number)
        self.role(r.number, "question", qid)
        if r.type_text and self.cols.answer_type:
            self.check_type_cell(r, q, value, aref)
        if value is not None:
            self.out.answers[qid] = value
            self.out.cells[qid] = aref
            self.answered_at[qid] = aref
        if r.notes:
            self.out.notes[qid] = r.notes
        if r.evidence:
            self.out.evidence[qid] = r.evidence

    def check_type_cell(self, r: Row, q: Any, value: Any, aref: str) -> None:
        at = self.fw.answer_types[q.type]
        if type_key(r.type_text) in answer_type_keys(self.fw, q.type):
            return
        tref = self.ref(self.cols.answer_type, r.number)
        typed_answer = at.kind == "option" and any(
            o.casefold() == r.type_text.strip().casefold() for o in (at.options or {}))
        if typed_answer and value is None:
            self.warn(tref, "lampiran3.answer_in_type_cell", given=shown(r.type_text), qid=q.id, answer_cell=aref)
        elif typed_answer:
            self.warn(tref, "lampiran3.type_cell_holds_answer", given=shown(r.type_text), expected=at.label,
                      answer_cell=aref)
        else:
            self.warn(tref, "lampiran3.type_differs", given=shown(r.type_text), qid=q.id, expected=at.label)

    def finish(self) -> None:
        self.out.questions_found = len(self.matched)
        if not self.matched:
            self.fail("", "lampiran3.no_question", framework=self.fw.id, sheet_name=self.sheet)
            return
        missing = [q for q in self.fw.questions if q not in self.matched]
        if missing:
            ids = ", ".join(str(q) for q in missing[:10]) + (" ..." if len(missing) > 10 else "")
            self.warn("", "lampiran3.missing_questions", count=len(missing), framework=self.fw.id, ids=ids)
        self.check_typed_computed()

    def check_typed_computed(self) -> None:
        """A value typed over a % or subtotal formula is not trusted (the counts are the answers);
        say so when it differs from what the counts give (a cached value that agrees is silent)."""
        if not self.typed_computed:
            return
        from zi_metrics.scoring import score_answers

        card = score_answers(self.fw, self.out.answers)
        for cell, kind, raw, text, sub, index in self.typed_computed:
            item = [i for i in sub.items if i.kind != "answer"][index]
            value = coerce_number(raw)
            if isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if kind == "subtotal":
                counts = [self.out.answers.get(q) for q in item.denominator]
                computed = None if any(c is None for c in counts) else float(sum(counts))
                same = isinstance(value, float) and computed is not None and abs(value - computed) < 1e-9
                if not same:
                    self.warn(cell, "lampiran3.subtotal_typed", value=shown(raw), text=shown(text, 70),
                              computed="–" if computed is None else computed)
                continue
            scored = _sub_score(card, sub.code)
            computed = next((i.value for i in scored.items if i.code == item.code), None) if scored else None
            if isinstance(value, float) and computed is not None and (
                    abs(value - computed) < 1e-6 or abs(value - computed * 100) < 1e-6):
                continue
            if computed is None:
                self.warn(cell, "lampiran3.computed_typed", value=shown(raw), text=shown(text, 70))
            else:
                self.warn(cell, "lampiran3.computed_typed_differs", value=shown(raw), text=shown(text, 70),
                          computed=float(computed))


def _sub_score(card: Any, code: str) -> Any:
    for sub in card.sub_areas.values():
        if sub.code == code:
            return sub
        for part in sub.parts:
            if part.code == code:
                return part
    return None


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
        names = ", ".join(f"'{shown(ws.title, 40)}'" for ws in wb.worksheets)
        return ParsedLke(LAYOUT, framework_id, problems=[problem("lampiran3.no_sheet", sheets=names)])
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
        best.problems.append(warning("lampiran3.other_sheet", other.title, sheet_name=ws.title))
    return best


def read_lampiran3(source: Source, *, name: str | None = None, framework_id: str | None = None) -> ParsedLke:
    """Read a Lampiran III workbook (path, bytes or file object); problems instead of exceptions."""
    from zi_metrics.lke.reader import read_bytes

    label = file_name_of(source, name)
    try:
        data = read_source(source, name)
    except LkeFileError as exc:
        return ParsedLke(LAYOUT, framework_id, problems=[exc.problem])
    parsed = read_bytes(data, label, framework_id)
    if isinstance(parsed, ParsedLke) and (parsed.layout == LAYOUT or parsed.fatal):
        return parsed
    return ParsedLke.failure(LAYOUT, framework_id, f"{label} is not a Lampiran III workbook")


# The writer lives in its own module; these names are part of this module's interface.
from zi_metrics.lke.lampiran3_writer import build_lampiran3, write_lampiran3  # noqa: E402

__all__ = ["build_lampiran3", "find_lke_sheets", "read_lampiran3", "read_lampiran3_workbook", "write_lampiran3"]
