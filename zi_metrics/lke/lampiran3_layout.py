"""Where things are on a Lampiran III sheet: the header row and its columns, and the labels of
the hierarchy columns (B-G) of each row. Used by :mod:`zi_metrics.lke.lampiran3`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from zi_metrics.framework import Framework
from zi_metrics.lke.common import clean_text, is_blank, unsafe_text

MAX_HEADER_SCAN = 40

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
        elif not evidence:
            # The official form heads only its explanation column (O, "Catatan/Keterangan/
            # Penjelasan"); the two columns after it, unheaded, hold the evidence documents and links.
            evidence = (max(notes) + 1, max(notes) + 2)
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
_BARE_LABEL_RE = re.compile(r"^(?:[A-Za-z]|[IVX]{1,4}|[ivx]{1,4}|\d{1,2})$")
_ROMAN_UPPER = re.compile(r"^[IVX]{1,4}$")
_ROMAN_LOWER = re.compile(r"^[ivx]{1,4}$")
COMPONENT_RE = re.compile(r"^(?:komponen)?(pengungkit|hasil)(?![a-z])")
HALF_RE = re.compile(r"^(pemenuhan|reform)(?![a-z])")
NAME_MIN = 0.9


@dataclass
class Row:
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


def split_label(ws: Any, row: tuple[Any, ...], cols: SheetColumns) -> tuple[str | None, str | None, str]:
    """(label, level, text) from the hierarchy columns of one row."""
    tokens: list[tuple[int, str]] = []
    for c in row[cols.label_first - 1:cols.label_last]:
        text = clean_text(unsafe_text(c.value) if isinstance(c.value, str) else c.value)
        if text:
            tokens.append((c.column - cols.label_first, text))
    if not tokens:
        return None, None, ""
    offset, first = tokens[0]
    if len(tokens) > 1 and _BARE_LABEL_RE.match(first):
        # A label typed without its dot ("a", "d", "ii") in a cell of its own, the text after it.
        return first, _label_level(first, offset), " ".join(t for _, t in tokens[1:])
    if _LABEL_RE.match(first):
        return first, _label_level(first, offset), " ".join(t for _, t in tokens[1:])
    m = _LABEL_PREFIX_RE.match(first)
    if m:
        label = first[: m.start(2)].strip()
        rest = [m.group(2)] + [t for _, t in tokens[1:]]
        return label, _label_level(label, offset), " ".join(rest)
    return None, None, " ".join(t for _, t in tokens)


_NUMBERING = re.compile(r"^\(?\d{1,2}\)?$")


def is_numbering_row(row: tuple[Any, ...]) -> bool:
    """The row of column numbers "(1) (2) ..." that many LKE sheets have under the header."""
    texts = [clean_text(c.value) for c in row if not is_blank(c.value)]
    return len(texts) >= 5 and all(_NUMBERING.match(t) for t in texts)


def cell_at(row: tuple[Any, ...], col: int | None) -> Any:
    if col is None or col - 1 >= len(row):
        return None
    return row[col - 1]


def type_key(text: str) -> str:
    return re.sub(r"[^0-9a-z%]", "", text.casefold())


def answer_type_keys(fw: Framework, type_code: str) -> set[str]:
    at = fw.answer_types[type_code]
    keys = {type_key(at.label), type_key(at.code)}
    if at.kind == "option" and at.options:
        keys.add(type_key("".join(at.options)))
        if set(at.options) == {"Ya", "Tidak"}:
            keys.add("yt")
    if at.kind == "survey":
        keys.update({"nilai", "04", "nilai04", "survei", "survey"})
    if at.kind == "count":
        keys.update({"jumlah", "angka", "bilangan"})
    return keys
