"""The PortalRB 2026 "Jawaban" workbook and the agencies' exports of it with several assessors.

Rows. PortalRB's master question list gives every question's row in the sheet "Jawaban" (the
framework file records it as ``Question.jawaban_row``). The master list does not say where the
question text is; the row numbers show the sheet is the Lampiran III staircase without the
computed rows (row 2 "A. PENGUNGKIT", 3 "I. PEMENUHAN", 4 "1. MANAJEMEN PERUBAHAN", 5 "i.
Penyusunan Tim Kerja", 6 the first question) under a header in row 1. A row is confirmed when
one of its text cells (any column that is not an assessor's) holds the question's text (compared
without case, spaces or trailing punctuation; a near-identical text is accepted with a warning).
Title rows inserted above the header move every row by the same amount, which is found from the
header row (or, failing that, from the texts). A row whose text is another question's, or that is
answered without any text, is a fatal problem: rows were inserted or deleted inside the table, or
the sheet belongs to another LKE version, and no answer from it is trusted.

Columns are located by their header text, never by a fixed letter (:mod:`zi_metrics.lke.assessors`
says which header belongs to which assessor and stage): ``Jawaban Unit``, ``Catatan Unit``,
``Bukti Dukung Unit``, ``Jawaban TPI``, ``Catatan TPI``, ``Jawaban TPI Itjen``..., the follow-up
flags and the PIC, in any order and any letters, under a one- or two-row header (a merged group
cell such as ``TPI Itjen`` above ``Jawaban | Catatan | Bukti``). A sheet without any such header
is read where the master places the columns (K unit answer, L unit note, M evidence, N TPI answer,
Q TPI note), with a warning.

The sheet is the one named "Jawaban" (case and spaces ignored: older templates say "jawaban");
failing that, a sheet whose header names the answers of two assessors (an agency's working copy
under another name). PortalRB's ``Utama`` sheet is a summary of the same answers: not read.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from zi_metrics.framework import Framework, FrameworkError, list_frameworks, load_framework
from zi_metrics.lke.assessors import (
    ADDRESSED,
    ANSWER,
    DUE,
    EVIDENCE,
    FOLLOWUP_FIELDS,
    FOLLOWUP_LINK,
    NAMED_OK,
    NOTE,
    PERIOD_OK,
    PIC,
    STATUS,
    TPI_PLAIN,
    UNIT,
    AssessorSet,
    FollowUpFacts,
    header_assessor,
    header_field,
    header_key,
    parse_due_date,
    parse_flag,
    parse_status,
    resolve_stages,
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
    is_formula,
    open_workbook,
    problem,
    read_source,
    shown,
    sniff,
    text_key,
    warning,
)
from zi_metrics.stages import STAGE_RANK

LAYOUT = "jawaban"
SHEET_NAME = "Jawaban"
TEXT_COLUMN = "G"  # where PortalRB's layout has the question text (for messages about an empty row)
MAX_HEADER_ROWS = 20  # the header is searched in the first rows only
MAX_COLUMNS = 200  # formatting can stretch a sheet's used range to column XFD
MAX_ROW_SHIFT = 30  # title rows above the table that a text search still finds
# The master's columns, for a sheet without a header naming them.
MASTER_COLUMNS = (("K", ANSWER, UNIT), ("L", NOTE, UNIT), ("M", EVIDENCE, UNIT), ("N", ANSWER, TPI_PLAIN),
                  ("Q", NOTE, TPI_PLAIN))
_LABEL_PREFIX = re.compile(r"^(?:[A-Za-z]{1,4}|\d{1,2})\s*[.)]\s+|^[-\u2013\u2022*]\s*")
_LABEL_ONLY = re.compile(r"^(?:[A-Za-z]{1,4}|\d{1,2})\s*[.)]$|^[-\u2013\u2022*]$")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


def column_letter(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def column_number(letter: str) -> int:
    n = 0
    for ch in letter.upper():
        n = n * 26 + ord(ch) - 64
    return n


def jawaban_frameworks() -> list[Framework]:
    """Frameworks whose questions have a row in the PortalRB Jawaban sheet."""
    out = []
    for fid in list_frameworks():
        fw = load_framework(fid)
        if any(q.jawaban_row for q in fw.questions.values()):
            out.append(fw)
    return out


# ---------------------------------------------------------------------------------------------
# The header


@dataclass(frozen=True)
class Column:
    number: int
    field: str
    assessor: str | None  # named by the header itself (None: positional)
    header: str  # as written (group and sub-header joined)

    @property
    def letter(self) -> str:
        return column_letter(self.number)


@dataclass
class Layout:
    """Where one sheet's assessors are: header rows, the columns of each assessor, the rest."""

    header_row: int  # last header row (0: no header, the master's columns are used)
    columns: list[Column]
    assessor_of: dict[int, str] = field(default_factory=dict)  # column -> assessor key
    problems: list[Problem] = field(default_factory=list)

    @property
    def role_columns(self) -> set[int]:
        return {c.number for c in self.columns}


def _cell_text(ws: Any, row: int, col: int) -> str:
    value = ws.cell(row=row, column=col).value
    return clean_text(value) if isinstance(value, str) else ""


def _width(ws: Any) -> int:
    return min(ws.max_column or 0, MAX_COLUMNS)


def _classify_row(ws: Any, row: int) -> list[Column]:
    out = []
    for col in range(1, _width(ws) + 1):
        text = _cell_text(ws, row, col)
        if not text or len(text) > 80:
            continue
        key = header_key(text)
        fld = header_field(key)
        if fld is not None:
            out.append(Column(col, fld, header_assessor(key), text))
    return out


def _group_labels(ws: Any, row: int) -> dict[int, str]:
    """Column -> text of a group cell in ``row`` (a merged cell spans its range; a lone cell spans
    the columns up to the next group cell): ``TPI Itjen`` above ``Jawaban | Catatan | Bukti``."""
    spans: dict[int, tuple[int, str]] = {}
    merged = getattr(getattr(ws, "merged_cells", None), "ranges", ()) or ()
    for rng in merged:
        if rng.min_row <= row <= rng.max_row:
            text = _cell_text(ws, rng.min_row, rng.min_col)
            if text:
                spans[rng.min_col] = (rng.max_col, text)
    for col in range(1, _width(ws) + 1):
        text = _cell_text(ws, row, col)
        if text and col not in spans and not any(a <= col <= b for a, (b, _) in spans.items()):
            spans[col] = (0, text)  # end filled below
    starts = sorted(spans)
    out: dict[int, str] = {}
    for i, start in enumerate(starts):
        end, text = spans[start]
        if end == 0:
            end = (starts[i + 1] - 1) if i + 1 < len(starts) else _width(ws)
        for col in range(start, end + 1):
            out[col] = text
    return out


def find_layout(ws: Any) -> Layout | None:
    """The header of an export (None when no row of the first ones names an answer column)."""
    for row in range(1, min(ws.max_row or 0, MAX_HEADER_ROWS) + 1):
        cols = _classify_row(ws, row)
        answers = [c for c in cols if c.field == ANSWER]
        if not answers or len(cols) < 2:
            continue
        if row > 1:
            groups = _group_labels(ws, row - 1)
            named = {col: header_assessor(header_key(text)) for col, text in groups.items()}
            if any(named.values()) and not any(c.field == ANSWER for c in _classify_row(ws, row - 1)):
                cols = [Column(c.number, c.field, c.assessor or named.get(c.number),
                               f"{groups[c.number]} {c.header}" if named.get(c.number) else c.header)
                        for c in cols]
        return _assign(row, cols)
    return None


def _assign(header_row: int, cols: list[Column]) -> Layout:
    """Give every column its assessor: the one its header names, else the answer column's to its
    left, else the unit's."""
    layout = Layout(header_row, cols)
    current: str | None = None
    seen_answer = False
    for c in sorted(cols, key=lambda c: c.number):
        if c.field == ANSWER:
            key = c.assessor
            if key is None:
                if seen_answer:
                    layout.problems.append(problem("jawaban.unnamed_answer", "", f"{c.letter}{header_row}",
                                                   header=shown(c.header)))
                    continue
                key = UNIT
            seen_answer = True
            current = key
        elif c.field in FOLLOWUP_FIELDS and c.assessor == TPI_PLAIN:
            # "Catatan TPI sudah ditindaklanjuti" after the Itjen's columns is about the Itjen's note:
            # in a follow-up header a bare "TPI" means "the assessor", so the position decides
            key = current or UNIT
        else:
            key = c.assessor or current or UNIT
        layout.assessor_of[c.number] = key
    return layout


def master_layout() -> Layout:
    cols = [Column(column_number(letter), fld, who, f"{letter} ({who} {fld})") for letter, fld, who in MASTER_COLUMNS]
    return Layout(0, cols, {c.number: c.assessor or UNIT for c in cols})


def find_jawaban_sheet(wb: Any) -> Any | None:
    """The sheet named "Jawaban" (case and spaces ignored); else the first sheet whose header names
    the answer columns of two assessors; else None."""
    for ws in wb.worksheets:
        if re.sub(r"\s+", "", ws.title).casefold() == SHEET_NAME.casefold():
            return ws
    for ws in wb.worksheets:
        layout = find_layout(ws)
        if layout is None:
            continue
        answer_keys = {layout.assessor_of.get(c.number) for c in layout.columns if c.field == ANSWER}
        if len(answer_keys - {None}) < 2:
            continue
        # a Lampiran III sheet given a "Jawaban TPI" column has the same header words, and its rows
        # follow PortalRB's up to the first computed row (about two thirds of the questions): the
        # rows must be PortalRB's nearly all the way down
        for fw in jawaban_frameworks():
            if matching_rows(ws, fw, _row_offset(ws, fw, layout), layout) >= 0.9 * len(fw.questions):
                return ws
    return None


# ---------------------------------------------------------------------------------------------
# Rows


def _row_texts(ws: Any, row: int, text_columns: list[int]) -> list[tuple[int, str]]:
    out = []
    for col in text_columns:
        value = ws.cell(row=row, column=col).value
        if not isinstance(value, str):
            continue  # numbers (weights, ids) are never a question's text
        text = clean_text(value)
        if text and not _LABEL_ONLY.match(text):
            out.append((col, _LABEL_PREFIX.sub("", text)))
    return out


def _row_matches(texts: list[tuple[int, str]], key: str, others: frozenset[str] = frozenset()
                 ) -> tuple[int, float] | None:
    """(column, similarity) of the cell holding the text ``key``; a cell holding exactly the text
    of another question (``others``) never counts as a near match."""
    for col, text in texts:
        if text_key(text) == key:
            return col, 1.0
    return best_match(key, ((col, text_key(t)) for col, t in texts if text_key(t) not in others))


def _text_columns(ws: Any, layout: Layout) -> list[int]:
    roles = layout.role_columns
    return [c for c in range(1, _width(ws) + 1) if c not in roles]


def matching_rows(ws: Any, fw: Framework, offset: int = 0, layout: Layout | None = None) -> int:
    """How many of ``fw``'s question rows (moved by ``offset``) hold their question's text."""
    layout = layout or find_layout(ws) or master_layout()
    text_cols = _text_columns(ws, layout)
    n = 0
    for q in fw.questions.values():
        if q.jawaban_row and _row_matches(_row_texts(ws, q.jawaban_row + offset, text_cols), text_key(q.text)):
            n += 1
    return n


def _row_offset(ws: Any, fw: Framework, layout: Layout) -> int:
    """Rows added above the table: the header's own shift when the texts confirm it, else the
    shift under which most rows hold their question's text."""
    default = max(layout.header_row - 1, 0)
    if matching_rows(ws, fw, default, layout):
        return default
    best, best_n = default, 0
    for offset in range(0, MAX_ROW_SHIFT + 1):
        n = matching_rows(ws, fw, offset, layout)
        if n > best_n:
            best, best_n = offset, n
    return best


def _note(ws: Any, col: int, row: int) -> str:
    c = ws.cell(row=row, column=col)
    text = check_note(c.value)  # a note typed starting with "=" is kept as text (neutralised on export)
    link = getattr(getattr(c, "hyperlink", None), "target", None)
    if link and link != text:
        text = f"{text} ({link})" if text else link
    return text


def _warn_formula_note(ws: Any, col: Any, row: int, sheet: str, problems: list[Problem]) -> None:
    """A note typed starting with "=" or "+" is stored by Excel as a formula: its text is kept (and
    neutralised again on export), and the import says so (issue #15.6), never dropping it."""
    c = ws.cell(row=row, column=col.number)
    if isinstance(c.value, str) and is_formula(c.value, getattr(c, "data_type", None)):
        problems.append(warning("note.formula_kept", sheet, f"{col.letter}{row}", text=shown(c.value)))


def _link(text: str) -> str:
    """The first web address in an evidence text ('' when none)."""
    for word in text.replace("(", " ").replace(")", " ").split():
        if _URL.match(word):
            return word
    return ""


@dataclass
class _Assessor:
    key: str
    stage: str
    answer: Column
    notes: list[Column] = field(default_factory=list)
    evidence: list[Column] = field(default_factory=list)
    followup: dict[str, Column] = field(default_factory=dict)

    @property
    def who(self) -> str:
        """The assessor as the header names it ("TPI Itjen"), for messages."""
        words = [w for w in self.answer.header.split() if header_key(w).strip() not in ("jawaban", "answer")]
        return " ".join(words) or self.stage


def _assessors(layout: Layout, sheet: str) -> tuple[list[_Assessor], list[Problem]]:
    problems = list(layout.problems)
    by_key: dict[str, _Assessor] = {}
    loose: list[Column] = []
    answer_cols = [c for c in layout.columns if c.field == ANSWER and c.number in layout.assessor_of]
    keys = [layout.assessor_of[c.number] for c in answer_cols]
    stages = resolve_stages(list(dict.fromkeys(keys)))
    for c in answer_cols:
        key = layout.assessor_of[c.number]
        if key in by_key:
            first = by_key[key].answer
            problems.append(problem("jawaban.same_assessor", sheet, f"{c.letter}{layout.header_row}",
                                    first=first.letter, first_header=shown(first.header), second=c.letter,
                                    second_header=shown(c.header)))
            continue
        clash = next((a for a in by_key.values() if a.stage == stages[key]), None)
        if clash is not None:
            problems.append(problem("jawaban.same_round", sheet, f"{c.letter}{layout.header_row}",
                                    first=clash.answer.letter, first_header=shown(clash.answer.header),
                                    second=c.letter, second_header=shown(c.header), stage=stages[key]))
            continue
        by_key[key] = _Assessor(key, stages[key], c)
    for c in layout.columns:
        if c.field == ANSWER:
            continue
        owner = by_key.get(layout.assessor_of.get(c.number, ""))
        if owner is None:
            loose.append(c)
            continue
        if c.field == NOTE:
            owner.notes.append(c)
        elif c.field == EVIDENCE:
            owner.evidence.append(c)
        elif c.field in (ADDRESSED, PERIOD_OK, NAMED_OK, PIC, STATUS, DUE, FOLLOWUP_LINK):
            if c.field in owner.followup:
                first = owner.followup[c.field]
                problems.append(warning("jawaban.repeated_column", sheet, f"{c.letter}{layout.header_row}",
                                        header=shown(c.header), first_header=shown(first.header),
                                        first=first.letter))
            else:
                owner.followup[c.field] = c
    for c in loose:
        if c.field in (NOTE, EVIDENCE, ADDRESSED, PERIOD_OK, NAMED_OK, PIC, STATUS, DUE, FOLLOWUP_LINK):
            problems.append(warning("jawaban.loose_column", sheet, f"{c.letter}{layout.header_row}",
                                    header=shown(c.header)))
    ordered = sorted(by_key.values(), key=lambda a: STAGE_RANK[a.stage])
    return ordered, problems


def _read_followup(ws: Any, a: _Assessor, row: int, sheet: str, problems: list[Problem]) -> FollowUpFacts:
    facts = FollowUpFacts()
    for fld, col in a.followup.items():
        cell = ws.cell(row=row, column=col.number)
        value = cell.value
        ref = f"{col.letter}{row}"
        if fld in (ADDRESSED, PERIOD_OK, NAMED_OK):
            flag, ok = parse_flag(value)
            if not ok:
                problems.append(warning("jawaban.bad_flag", sheet, ref, value=shown(value), header=shown(col.header)))
            setattr(facts, fld, flag)
        elif fld == PIC:
            facts.pic = clean_text(value) if not is_blank(value) else ""
        elif fld == STATUS:
            status, ok = parse_status(value)
            if not ok:
                problems.append(warning("jawaban.bad_status", sheet, ref, value=shown(value),
                                        header=shown(col.header)))
            facts.status = status
        elif fld == DUE:
            due, ok = parse_due_date(value)
            if not ok:
                problems.append(warning("jawaban.bad_date", sheet, ref, value=shown(value), header=shown(col.header)))
            facts.due_date = due
        elif fld == FOLLOWUP_LINK:
            facts.evidence_url = _note(ws, col.number, row)
    return facts


def parse_jawaban_sheet(ws: Any, fw: Framework, layout: Layout | None = None) -> ParsedLke:
    """Read every assessor's answers, notes, evidence and follow-up facts from a Jawaban sheet
    laid out for ``fw``."""
    sheet = ws.title
    out = ParsedLke(LAYOUT, fw.id, tpi_answers={}, sheet=sheet)
    if layout is None:
        layout = find_layout(ws)
        if layout is None:
            layout = master_layout()
            out.problems.append(warning("jawaban.no_header", sheet))
    assessors, problems = _assessors(layout, sheet)
    out.problems += [replace(p, sheet=sheet) for p in problems]
    if not assessors:
        out.problems.append(problem("jawaban.no_answer_column", sheet, sheet_name=shown(sheet)))
        return out
    offset = _row_offset(ws, fw, layout)
    text_cols = _text_columns(ws, layout)
    sets = {a.key: AssessorSet(a.stage, a.answer.header, a.answer.letter) for a in assessors}
    by_row = {q.jawaban_row + offset: q for q in fw.questions.values() if q.jawaban_row}
    text_of_row = {row: text_key(q.text) for row, q in by_row.items()}
    all_keys = frozenset(text_of_row.values())
    rows = {row: _row_texts(ws, row, text_cols) for row in by_row}
    hits = {row: _row_matches(rows[row], text_of_row[row], all_keys - {text_of_row[row]}) for row in by_row}
    hit_cols = Counter(h[0] for h in hits.values() if h is not None)
    text_col = hit_cols.most_common(1)[0][0] if hit_cols else column_number(TEXT_COLUMN)
    confirmed = 0
    for row, q in sorted(by_row.items()):
        texts = rows[row]
        raw = {a.key: ws.cell(row=row, column=a.answer.number) for a in assessors}
        notes = {a.key: [_note(ws, c.number, row) for c in a.notes + a.evidence] for a in assessors}
        has_content = any(not is_blank(c.value) for c in raw.values()) or any(any(v) for v in notes.values())
        hit = hits[row]
        if hit is None:
            own = [(col, t) for col, t in texts if col <= text_col]
            if not own and not has_content:
                continue
            keys_here = {text_key(t) for _, t in texts}
            elsewhere = [r for r, k in text_of_row.items() if r != row and k in keys_here]
            if own:
                col, found = max(own, key=lambda ct: len(ct[1]))
                args = {"row": row, "qid": q.id, "expected": q.text[:60], "found": shown(found, 60)}
                if elsewhere:
                    out.problems.append(problem("jawaban.row_moved", sheet, f"{column_letter(col)}{row}",
                                                other_row=elsewhere[0], **args))
                else:
                    out.problems.append(problem("jawaban.row_mismatch", sheet, f"{column_letter(col)}{row}", **args))
            else:
                out.problems.append(problem("jawaban.row_no_text", sheet, f"{column_letter(text_col)}{row}",
                                            row=row, qid=q.id, expected=q.text[:60]))
            continue
        confirmed += 1
        if hit[1] < 1.0:
            out.problems.append(warning("jawaban.near_text", sheet, f"{column_letter(hit[0])}{row}", qid=q.id,
                                        expected=q.text))
        for a in assessors:
            target = sets[a.key]
            cell = raw[a.key]
            ref = f"{a.answer.letter}{row}"
            who = "" if a.stage == "mandiri" else a.who
            checked, bad = check_answer(fw, q, cell.value, sheet=sheet, cell=ref,
                                        data_type=getattr(cell, "data_type", None), who=who)
            if bad is not None:
                out.problems.append(bad)
            elif checked is not None:
                target.answers[q.id] = checked
                if a.stage == "mandiri":
                    out.cells[q.id] = ref
            note = "\n".join(t for t in (_note(ws, c.number, row) for c in a.notes) if t)
            evidence = "\n".join(t for t in (_note(ws, c.number, row) for c in a.evidence) if t)
            for c in a.notes + a.evidence:
                _warn_formula_note(ws, c, row, sheet, out.problems)
            if note:
                target.notes[q.id] = note
            if evidence:
                target.evidence[q.id] = evidence
            facts = _read_followup(ws, a, row, sheet, out.problems)
            if not facts.is_empty():
                target.followups[q.id] = facts
    out.questions_found = confirmed
    if confirmed == 0:
        out.problems.append(problem("jawaban.no_rows", sheet, sheet_name=shown(sheet), framework=fw.id))
    _attach_followups(list(sets.values()))
    out.assessors = [s for s in sets.values()]
    for s in out.assessors:
        if s.stage == "mandiri":
            out.answers, out.notes, out.evidence = s.answers, s.notes, s.evidence
        elif s.stage == "tpi":
            out.tpi_answers, out.tpi_notes = s.answers, s.notes
    return out


def _attach_followups(sets: list[AssessorSet]) -> None:
    """Follow-up facts read with the unit's columns go to the latest assessor's follow-ups; every
    assessor's note becomes a follow-up; a follow-up without its own evidence link points at the
    unit's evidence for the item when that is a web address."""
    unit = next((s for s in sets if s.stage == "mandiri"), None)
    reviewers = [s for s in sets if s.is_assessor]
    if unit is not None and unit.followups:
        if reviewers:
            latest = reviewers[-1]
            for qid, facts in unit.followups.items():
                latest.followups[qid] = latest.followups.get(qid, FollowUpFacts()).merged(facts)
        unit.followups = {}
    for s in reviewers:
        for qid in s.notes:
            s.followups.setdefault(qid, FollowUpFacts())
        if unit is not None:
            for qid, facts in s.followups.items():
                if not facts.evidence_url and qid in unit.evidence:
                    facts.evidence_url = _link(unit.evidence[qid])


def read_jawaban_workbook(wb: Any, framework_id: str | None = None) -> ParsedLke:
    ws = find_jawaban_sheet(wb)
    if ws is None:
        return ParsedLke.failure(LAYOUT, framework_id, problem("jawaban.no_sheet"))
    fws = [load_framework(framework_id)] if framework_id else jawaban_frameworks()
    if not fws:
        return ParsedLke.failure(LAYOUT, framework_id, problem("jawaban.no_framework", ws.title))
    layout = find_layout(ws)
    fw = max(fws, key=lambda f: matching_rows(ws, f, max((layout.header_row if layout else 1) - 1, 0), layout))
    return parse_jawaban_sheet(ws, fw, None)


def read_jawaban(source: Source, *, name: str | None = None, framework_id: str | None = None) -> ParsedLke:
    """Read a PortalRB Jawaban workbook (path, bytes or file object); problems instead of exceptions."""
    label = file_name_of(source, name)
    try:
        data = read_source(source, name)
        kind = sniff(data, label)
        if kind != "xlsx":
            return ParsedLke.failure(LAYOUT, framework_id, describe_unreadable(kind, label))
        wb = open_workbook(data, label)
        return read_jawaban_workbook(wb, framework_id)
    except LkeFileError as exc:
        return ParsedLke(LAYOUT, framework_id, problems=[exc.problem])
    except FrameworkError as exc:
        return ParsedLke(LAYOUT, framework_id, problems=[Problem("", "", str(exc))])
