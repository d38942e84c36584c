"""The PortalRB 2026 "Jawaban" workbook: one row per question at a fixed row.

PortalRB's master question list gives, for every question, its row in the sheet "Jawaban" and
five columns: K the unit's answer, L the unit's note, M the unit's evidence (bukti dukung), N the
TPI's answer, Q the TPI's note. The framework file records each question's row
(``Question.jawaban_row``).

The master list does not say where the question text is. The row numbers show the sheet is the
Lampiran III staircase without the computed rows (row 2 "A. PENGUNGKIT", 3 "I. PEMENUHAN", 4
"1. MANAJEMEN PERUBAHAN", 5 "i. Penyusunan Tim Kerja", 6 the first question), so we assume the
same columns A-J as Lampiran III: the hierarchy labels in B-F, the question text in G, the
weight in H, the criteria in I and the answer type in J. Because this is an assumption, the
check is tolerant: a row is confirmed when any of the columns B-J holds the question's text
(compared without case, spaces or trailing punctuation; a near-identical text is accepted with a
warning). A row whose text is another question's, or that is answered without any text, is a
fatal problem: the sheet is then not in the layout we know (rows inserted or deleted, or a sheet
of another LKE version), and no answer from it is trusted.

The reader yields two answer sets: the unit's (K, with L and M) and the TPI's (N, with Q).
"""

from __future__ import annotations

import re
from typing import Any

from zi_metrics.framework import Framework, FrameworkError, list_frameworks, load_framework
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
    open_workbook,
    read_source,
    sniff,
    text_key,
)

LAYOUT = "jawaban"
SHEET_NAME = "Jawaban"
UNIT_ANSWER, UNIT_NOTE, UNIT_EVIDENCE, TPI_ANSWER, TPI_NOTE = "K", "L", "M", "N", "Q"
TEXT_COLUMNS = "BCDEFGHIJ"
HIERARCHY_COLUMNS = "BCDEFG"  # where a question's own text may stand (H-J: weight, criteria, type)
TEXT_COLUMN = "G"  # where the writer of the test fixtures and of exports puts the question text
_LABEL_PREFIX = re.compile(r"^(?:[A-Za-z]{1,4}|\d{1,2})\s*[.)]\s+|^[-\u2013\u2022*]\s*")
_LABEL_ONLY = re.compile(r"^(?:[A-Za-z]{1,4}|\d{1,2})\s*[.)]$|^[-\u2013\u2022*]$")


def jawaban_frameworks() -> list[Framework]:
    """Frameworks whose questions have a row in the PortalRB Jawaban sheet."""
    out = []
    for fid in list_frameworks():
        fw = load_framework(fid)
        if any(q.jawaban_row for q in fw.questions.values()):
            out.append(fw)
    return out


def find_jawaban_sheet(wb: Any) -> Any | None:
    """The sheet named "Jawaban" (case and spaces ignored), else None."""
    for ws in wb.worksheets:
        if re.sub(r"\s+", "", ws.title).casefold() == SHEET_NAME.casefold():
            return ws
    return None


def _row_texts(ws: Any, row: int) -> list[tuple[str, str]]:
    out = []
    for col in TEXT_COLUMNS:
        value = ws[f"{col}{row}"].value
        if not isinstance(value, str):
            continue  # numbers (weights, ids) are never a question's text
        text = clean_text(value)
        if text and not _LABEL_ONLY.match(text):
            out.append((col, _LABEL_PREFIX.sub("", text)))
    return out


def _row_matches(texts: list[tuple[str, str]], key: str, others: frozenset[str] = frozenset()
                 ) -> tuple[str, float] | None:
    """(column, similarity) of the cell holding the text ``key``; a cell holding exactly the text
    of another question (``others``) never counts as a near match."""
    for col, text in texts:
        if text_key(text) == key:
            return col, 1.0
    return best_match(key, ((col, text_key(t)) for col, t in texts if text_key(t) not in others))


def matching_rows(ws: Any, fw: Framework) -> int:
    """How many of ``fw``'s question rows hold their question's text (for layout detection)."""
    n = 0
    for q in fw.questions.values():
        if q.jawaban_row and _row_matches(_row_texts(ws, q.jawaban_row), text_key(q.text)):
            n += 1
    return n


def _cell(ws: Any, col: str, row: int) -> tuple[Any, str | None]:
    c = ws[f"{col}{row}"]
    return c.value, getattr(c, "data_type", None)


def _note(ws: Any, col: str, row: int) -> str:
    c = ws[f"{col}{row}"]
    text = check_note(c.value) if not (isinstance(c.value, str) and c.value.startswith("=")) else ""
    link = getattr(getattr(c, "hyperlink", None), "target", None)
    if link and link != text:
        text = f"{text} ({link})" if text else link
    return text


def parse_jawaban_sheet(ws: Any, fw: Framework) -> ParsedLke:
    """Read the unit's and the TPI's answers from a Jawaban sheet laid out for ``fw``."""
    sheet = ws.title
    out = ParsedLke(LAYOUT, fw.id, tpi_answers={}, sheet=sheet)
    by_row = {q.jawaban_row: q for q in fw.questions.values() if q.jawaban_row}
    text_of_row = {row: text_key(q.text) for row, q in by_row.items()}
    all_keys = frozenset(text_of_row.values())
    confirmed = 0
    for row, q in sorted(by_row.items()):
        texts = _row_texts(ws, row)
        raw = {col: _cell(ws, col, row) for col in (UNIT_ANSWER, TPI_ANSWER)}
        notes = {col: _note(ws, col, row) for col in (UNIT_NOTE, UNIT_EVIDENCE, TPI_NOTE)}
        has_content = any(not is_blank(v) for v, _ in raw.values()) or any(notes.values())
        key = text_key(q.text)
        hit = _row_matches(texts, key, all_keys - {key})
        if hit is None:
            own = [(col, t) for col, t in texts if col in HIERARCHY_COLUMNS]
            if not own and not has_content:
                continue
            shown = max(own, key=lambda ct: len(ct[1]))[1] if own else ""
            hint = ""
            keys_here = {text_key(t) for _, t in texts}
            elsewhere = [r for r, k in text_of_row.items() if r != row and k in keys_here]
            if elsewhere:
                hint = f" (that is the text of row {elsewhere[0]}: rows inserted or deleted?)"
            where = f"{max(own, key=lambda ct: len(ct[1]))[0]}{row}" if own else f"{TEXT_COLUMN}{row}"
            if own:
                msg = (f"row {row} should hold question {q.id} ('{q.text[:60]}') but reads '{shown[:60]}'"
                       f"{hint}: the row does not match its question, so the sheet is not trusted")
            else:
                msg = (f"row {row} is answered but has no question text; expected question {q.id} "
                       f"('{q.text[:60]}')")
            out.problems.append(Problem(sheet, where, msg))
            continue
        confirmed += 1
        if hit[1] < 1.0:
            msg = f"text differs slightly from question {q.id} ('{q.text}'); read as that question"
            out.problems.append(Problem(sheet, f"{hit[0]}{row}", msg, fatal=False))
        for col, who, target in ((UNIT_ANSWER, "", out.answers), (TPI_ANSWER, "TPI", out.tpi_answers)):
            value, dtype = raw[col]
            checked, problem = check_answer(fw, q, value, sheet=sheet, cell=f"{col}{row}", data_type=dtype,
                                            who=who)
            if problem is not None:
                out.problems.append(problem)
            elif checked is not None:
                target[q.id] = checked
                if col == UNIT_ANSWER:
                    out.cells[q.id] = f"{col}{row}"
        if notes[UNIT_NOTE]:
            out.notes[q.id] = notes[UNIT_NOTE]
        if notes[UNIT_EVIDENCE]:
            out.evidence[q.id] = notes[UNIT_EVIDENCE]
        if notes[TPI_NOTE]:
            out.tpi_notes[q.id] = notes[TPI_NOTE]
    out.questions_found = confirmed
    if confirmed == 0:
        out.problems.append(Problem(sheet, "", f"no row of sheet '{sheet}' holds its question's text: not a "
                                               f"PortalRB Jawaban sheet of {fw.id}"))
    return out


def read_jawaban_workbook(wb: Any, framework_id: str | None = None) -> ParsedLke:
    ws = find_jawaban_sheet(wb)
    if ws is None:
        return ParsedLke.failure(LAYOUT, framework_id, "no sheet named 'Jawaban'")
    fws = [load_framework(framework_id)] if framework_id else jawaban_frameworks()
    if not fws:
        return ParsedLke.failure(LAYOUT, framework_id, "no framework has Jawaban rows", ws.title)
    fw = max(fws, key=lambda f: matching_rows(ws, f))
    return parse_jawaban_sheet(ws, fw)


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
