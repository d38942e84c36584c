"""The workbook's own total beside the project's (issue #10.3).

A Lampiran III workbook saved by Excel or LibreOffice carries the results of its own formulas.
The project recomputes every score from the answers (following the regulation), so the two may
differ; :func:`check_workbook` reads the workbook's total and, when it differs from the project's,
explains the difference row by row, walking down from the total to the sub-areas and items whose
cached score differs, and naming the cause where it is known:

* ``type_cell``: the answer-type cell holds an answer (the distributed form has "Ya" in J8), so the
  form's formula ignores the answer;
* ``lhk_composite``: the form's ``=AVERAGE(L176:L179)*H175`` averages the LHKPN part with its own
  % row and leaves LHKASN out, where the regulation adds the two parts;
* ``div_zero``: a ratio of the form divides by zero (the discipline ratio when last year's count is
  0; a count to divide by that is 0), where the regulation gives a value;
* ``no_answer``: a sub-area without any answer (the form shows #DIV/0!, the project counts 0) or a
  blank survey value;
* ``form_waits``: the form's ratio waits for every count of its block ("Blm Diisi"), also counts
  the regulation does not use (complaints being processed), where the project computes it;
* ``typed_over``: a score cell holds a typed number where the form has a formula;
* ``answer_not_recognised``: the form's formula does not recognise the answer as typed (lower case
  or spaces, a count typed as text, a decimal comma), which the project reads;
* ``differs``: any other difference, with both values.

The project's score is the regulation's; the workbook's total is shown, never used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zi_metrics.lke.common import ParsedLke, clean_text, coerce_number, column_letter, shown

TOLERANCE = 0.005  # the workbook's total is compared as displayed (two decimals)
ITEM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Difference:
    """One row where the workbook's result differs from the project's, and why."""

    row: int
    cell: str
    what: str  # "total", "sub-area MP.P1", "question 1", ...
    workbook: Any  # the cached value (a number, an error text, or None when blank)
    project: float | None
    reason: str  # a code, see the module docstring
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "cell": self.cell, "what": self.what, "workbook": _plain(self.workbook),
                "project": self.project, "reason": self.reason, **({"detail": self.detail} if self.detail else {})}

    def text(self, lang: str = "en") -> str:
        from zi_metrics.lke.common import render_problem

        params = {"cell": self.cell, "what": self.what, "workbook": _shown_value(self.workbook, lang),
                  "project": "–" if self.project is None else self.project, **self.detail}
        return render_problem(f"crosscheck.{self.reason}", lang, params)


@dataclass(frozen=True)
class WorkbookCheck:
    """The workbook's own total (None when it carries none) and the differences explained."""

    sheet: str
    cell: str | None
    total: Any  # a number, an error text such as "#DIV/0!", or None (not calculated)
    project_total: float
    differences: tuple[Difference, ...] = ()

    @property
    def has_total(self) -> bool:
        return self.cell is not None and self.total is not None

    @property
    def agrees(self) -> bool:
        return isinstance(self.total, float) and abs(self.total - self.project_total) < TOLERANCE

    def to_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "cell": self.cell, "total": _plain(self.total),
                "project_total": self.project_total, "agrees": self.agrees,
                "differences": [d.to_dict() for d in self.differences]}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def _shown_value(value: Any, lang: str) -> Any:
    if value is None:
        return "–"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return shown(value, 40)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.replace(" ", "").casefold() in ("blmdiisi", "belumdiisi")


def _is_error(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith("#")


class _Checker:
    def __init__(self, parsed: ParsedLke, values: dict[tuple[int, int], Any]):
        from zi_metrics.framework import load_framework
        from zi_metrics.scoring import score_answers

        self.parsed = parsed
        self.values = values
        self.cols = parsed.columns
        self.fw = load_framework(parsed.framework_id or "")
        self.card = score_answers(self.fw, parsed.answers)
        self.rows_of: dict[tuple[str, Any], int] = {}
        for row, role in parsed.row_roles.items():
            self.rows_of.setdefault(role, row)
        self.out: list[Difference] = []

    def at(self, row: int, col: int | None) -> Any:
        if col is None:
            return None
        return self.values.get((row, col))

    def score_at(self, row: int) -> Any:
        return self.at(row, self.cols.score)

    def ref(self, row: int, col: int | None = None) -> str:
        return f"{column_letter(col or self.cols.score)}{row}"

    def add(self, row: int, what: str, workbook: Any, project: float | None, reason: str,
            col: int | None = None, **detail: Any) -> None:
        self.out.append(Difference(row, self.ref(row, col), what, workbook, project, reason, detail))

    # -- walking down from the total
    def run(self) -> list[Difference]:
        for sub in (s for a in self.fw.areas for s in a.sub_areas):
            self.sub_area(sub, self.card.sub_areas[sub.code])
        for comp in self.fw.hasil_components:
            for item in comp.items:
                if item.question is not None:
                    self.hasil_item(item)
        return self.out

    def differs(self, cached: Any, project: float, tol: float = ITEM_TOLERANCE) -> bool:
        value = _number(cached)
        return value is None or abs(value - project) > tol

    def sub_area(self, sub: Any, score: Any) -> None:
        row = self.rows_of.get(("sub", sub.code))
        if row is None:
            return
        cached = self.score_at(row)
        if not self.differs(cached, score.score):
            return
        if sub.parts:
            self.composite(sub, score, row, cached)
            return
        if score.answered_items == 0:
            self.add(row, f"sub-area {sub.code}", cached, score.score, "no_answer", name=sub.name)
            return
        before = len(self.out)
        for item in score.items:
            self.item(sub, item)
        if len(self.out) == before:  # no item explains it: say what the sub-area row shows
            reason = "typed_over" if self.typed(row) else "differs"
            self.add(row, f"sub-area {sub.code}", cached, score.score, reason, name=sub.name)

    def composite(self, sub: Any, score: Any, row: int, cached: Any) -> None:
        part_rows = [self.rows_of.get(("part", p.code)) for p in sub.parts]
        formula = self.formula(row)
        parts_cached = [_number(self.score_at(r)) if r else None for r in part_rows]
        if formula and "AVERAGE" in formula.upper() or (
                None not in parts_cached and self.differs(cached, sum(parts_cached))):
            self.add(row, f"sub-area {sub.code}", cached, score.score, "lhk_composite", name=sub.name,
                     formula=formula or "AVERAGE(...)")
        for part, part_score, prow in zip(sub.parts, score.parts, part_rows, strict=True):
            if prow is not None and self.differs(self.score_at(prow), part_score.score):
                self.sub_area_part(part, part_score, prow)

    def sub_area_part(self, part: Any, score: Any, row: int) -> None:
        cached = self.score_at(row)
        if score.answered_items == 0:
            self.add(row, f"sub-area {part.code}", cached, score.score, "no_answer", name=part.name)
            return
        before = len(self.out)
        for item in score.items:
            self.item(part, item)
        if len(self.out) == before:
            self.add(row, f"sub-area {part.code}", cached, score.score, "differs", name=part.name)

    def item(self, sub: Any, item: Any) -> None:
        if item.value is None:
            return
        if item.kind == "answer":
            qid = item.questions[0]
            row = self.rows_of.get(("question", qid))
            if row is None:
                return
            cached = self.score_at(row)
            if not self.differs(cached, item.value):
                return
            self.explain_answer(row, qid, cached, item.value)
            return
        index = [i for i in sub.items if i.kind != "answer"].index(
            next(i for i in sub.items if i.code == item.code))
        row = self.rows_of.get(("computed", (sub.code, index)))
        if row is None:
            return
        cached = self.at(row, self.cols.answer)  # the form computes the ratio in the answer column
        if cached is None or not self.differs(cached, item.value):
            cached = self.score_at(row)
            if cached is None or not self.differs(cached, item.value):
                return
        if _is_placeholder(cached):
            blank = [q for q in sub.questions if self.parsed.answers.get(q) is None]
            self.add(row, f"item {item.code}", cached, item.value, "form_waits", col=self.cols.answer,
                     blank=", ".join(str(q) for q in blank) or "–")
        elif _is_error(cached):
            counts = {q: self.parsed.answers.get(q) for q in item.questions}
            self.add(row, f"item {item.code}", cached, item.value, "div_zero", col=self.cols.answer,
                     counts=", ".join(f"{q}={_count(v)}" for q, v in counts.items()))
        elif self.typed(row, self.cols.answer):
            self.add(row, f"item {item.code}", cached, item.value, "typed_over", col=self.cols.answer)
        else:
            self.add(row, f"item {item.code}", cached, item.value, "differs", col=self.cols.answer)

    def explain_answer(self, row: int, qid: int, cached: Any, project: float) -> None:
        type_text = clean_text(self.at(row, self.cols.answer_type))
        at = self.fw.answer_types[self.fw.questions[qid].type]
        raw = self.at(row, self.cols.answer)
        if type_text and type_text != at.label and type_text.casefold() in {o.casefold() for o in at.options or {}}:
            self.add(row, f"question {qid}", cached, project, "type_cell", col=self.cols.answer_type,
                     given=type_text, expected=at.label)
        elif self.typed(row):
            self.add(row, f"question {qid}", cached, project, "typed_over")
        elif isinstance(raw, str) and raw != self.parsed.answers.get(qid):
            self.add(row, f"question {qid}", cached, project, "answer_not_recognised", col=self.cols.answer,
                     answer=shown(raw, 20))
        else:
            self.add(row, f"question {qid}", cached, project, "differs")

    def hasil_item(self, item: Any) -> None:
        row = self.rows_of.get(("question", item.question))
        if row is None:
            return
        score = self.card.hasil_items.get(item.code) if hasattr(self.card, "hasil_items") else None
        project = getattr(score, "points", None)
        cached = self.score_at(row)
        answered = self.parsed.answers.get(item.question) is not None
        if not answered:
            if _number(cached) not in (None, 0.0) or _is_error(cached):
                name = shown(self.fw.questions[item.question].text, 60)
                self.add(row, f"question {item.question}", cached, 0.0, "no_answer", name=name)
            return
        if project is None or not self.differs(cached, project):
            return
        raw = self.at(row, self.cols.answer)
        if isinstance(raw, str):
            self.add(row, f"question {item.question}", cached, project, "answer_not_recognised",
                     col=self.cols.answer, answer=shown(raw, 20))
        elif self.typed(row):
            self.add(row, f"question {item.question}", cached, project, "typed_over")
        else:
            self.add(row, f"question {item.question}", cached, project, "differs")

    # -- what the workbook holds besides values
    def formula(self, row: int, col: int | None = None) -> str | None:
        return (self.parsed.formulas or {}).get((row, col or self.cols.score))

    def typed(self, row: int, col: int | None = None) -> bool:
        """A number where the distributed form has a formula (known for .xlsx only)."""
        formulas = self.parsed.formulas
        if formulas is None:
            return False
        return (row, col or self.cols.score) not in formulas and _number(self.at(row, col or self.cols.score)) \
            is not None


def _count(value: Any) -> str:
    v = coerce_number(value)
    return "–" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))


def check_workbook(parsed: ParsedLke, values: dict[tuple[int, int], Any] | None) -> WorkbookCheck | None:
    """Compare the workbook's cached results with the project's scores; None when the sheet has
    no total row or the file carries no cached value at all."""
    from zi_metrics.scoring import score_answers

    if not values or parsed.columns is None or not parsed.framework_id:
        return None
    total_row = next((r for r, role in parsed.row_roles.items() if role[0] == "total"), None)
    if total_row is None:
        return None
    from zi_metrics.framework import load_framework

    project = score_answers(load_framework(parsed.framework_id), parsed.answers).total
    cached = values.get((total_row, parsed.columns.score))
    cell = f"{column_letter(parsed.columns.score)}{total_row}"
    if cached is None and not any(values.get((r, parsed.columns.score)) is not None
                                  for r in parsed.row_roles):
        return None  # never calculated (written by a library): nothing to compare with
    total = _number(cached) if _number(cached) is not None else cached
    check = WorkbookCheck(parsed.sheet or "", cell, total, project)
    if check.agrees:
        return check
    differences = sorted(_Checker(parsed, values).run(), key=lambda d: d.row)
    return WorkbookCheck(check.sheet, cell, total, project, tuple(differences))
