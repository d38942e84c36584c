"""Which unit, year and stage an uploaded LKE file is probably for: a suggestion for the import
form, never a decision (the user confirms or changes it).

Where the hints come from, most trusted first:

* the workbook's own text: sheet names and the title rows units type above the table
  (``LKE ZI INSPEKTORAT JENDERAL KEMENDESA PDTT TAHUN 2025``), a payload's top-level fields
  (``tahun``, a unit name); the official form's printed heading (``LAMPIRAN III PERATURAN
  MENTERI ... NOMOR 90 TAHUN 2021``) is the regulation's, not the unit's, and is skipped;
* the file name (``lke-zi-2025-tpi-itjen.xlsx``).

A unit matches when its id, name or short name appears in that text as whole words; a unit whose
ancestors appear too scores higher, and the deeper unit wins a tie (``Itjen Kemendesa`` is the
Itjen, not the ministry). Two equally good units of different branches give no suggestion.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TITLE_ROWS = 12  # rows read at the top of each sheet, up to the table's header row
_HEADER_WORDS = {"penilaian", "bobot", "jawaban", "pilihan jawaban", "soal_id", "unit_id"}
_FORM_HEADING = re.compile(r"lampiran|peraturan menteri|permen|nomor \d+ tahun", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_STAGE_WORDS = {"mandiri": "mandiri", "self": "mandiri", "tpi": "tpi", "tpn": "tpn"}
_LEVEL_DEPTH = {"instansi": 0, "eselon1": 1, "eselon2": 2, "satker": 3}
MIN_ALIAS = 3


@dataclass(frozen=True)
class Hint:
    value: Any
    source: str  # "content" | "file_name"
    text: str  # the words the hint was read from (shown to the user)


@dataclass(frozen=True)
class Hints:
    unit: Hint | None = None
    year: Hint | None = None
    stage: Hint | None = None


def _words(text: str) -> str:
    """Lowercase ASCII words separated by single spaces: ``"Itjen_Kemendesa-2025.xlsx"`` ->
    ``"itjen kemendesa 2025 xlsx"``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def _cell_texts(data: bytes) -> list[str]:
    """Sheet names and the text of the first rows of each sheet of a workbook ([] if unreadable)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # not a workbook this module can read: no hints from its content
        return []
    out: list[str] = []
    try:
        for ws in wb.worksheets:
            if getattr(ws, "sheet_state", "visible") != "visible":
                continue
            out.append(str(ws.title))
            for row in ws.iter_rows(min_row=1, max_row=TITLE_ROWS, values_only=True):
                texts = [v for v in row if isinstance(v, str) and v.strip() and not v.startswith("=")]
                if any(" ".join(v.split()).casefold() in _HEADER_WORDS for v in texts):
                    break  # the table starts: its criteria texts are the form's, not the unit's
                out.extend(texts)
    finally:
        wb.close()
    return out


def _payload_texts(data: bytes) -> list[str]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return []
    if not isinstance(doc, Mapping):
        return []
    return [str(v) for v in doc.values() if isinstance(v, (str, int)) and not isinstance(v, bool)]


def content_texts(data: bytes) -> list[str]:
    """The texts of a file that may name its unit, year and stage (the form's own heading left out)."""
    if data[:4] == b"PK\x03\x04":
        texts = _cell_texts(data)
    elif data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        texts = _payload_texts(data)
    else:
        texts = []
    return [t for t in texts if not _FORM_HEADING.search(t)]


def _aliases(unit: Any) -> list[str]:
    out = [_words(unit.id), _words(unit.name)]
    if unit.short_name:
        out.append(_words(unit.short_name))
    return [a for a in out if len(a) >= MIN_ALIAS]


def _match(text: str, aliases: Iterable[str]) -> str | None:
    """The longest alias found in ``text`` as whole words."""
    best = None
    padded = f" {text} "
    for alias in aliases:
        if f" {alias} " in padded and (best is None or len(alias) > len(best)):
            best = alias
    return best


def suggest_unit(texts: Iterable[str], units: Mapping[str, Any]) -> tuple[str, str] | None:
    """(unit id, the matching text) of the unit the texts name best, or None."""
    lines = [w for w in (_words(t) for t in texts) if w]
    if not lines or not units:
        return None
    whole = " | ".join(lines)
    found: dict[str, str] = {}
    for uid, unit in units.items():
        hit = _match(whole, _aliases(unit))
        if hit:
            found[uid] = hit
    if not found:
        return None

    def score(uid: str) -> tuple[int, int]:
        total = len(found[uid])
        parent, seen = units[uid].parent_id, {uid}
        while parent in units and parent not in seen:
            seen.add(parent)
            if parent in found:
                total += len(found[parent])
            parent = units[parent].parent_id
        return total, _LEVEL_DEPTH.get(units[uid].level, 0)

    ranked = sorted(found, key=score, reverse=True)
    if len(ranked) > 1 and score(ranked[0]) == score(ranked[1]):
        return None  # two units named equally well: let the user choose
    uid = ranked[0]
    line = next(t for t in texts if _match(_words(t), [found[uid]]))
    return uid, line.strip()


def _year(texts: Iterable[str]) -> tuple[int, str] | None:
    for text in texts:
        years = {int(y) for y in _YEAR.findall(text) if 2000 <= int(y) <= 2100}
        if len(years) == 1:
            return years.pop(), text.strip()
    return None


def _stage(texts: Iterable[str]) -> tuple[str, str] | None:
    for text in texts:
        stages = {_STAGE_WORDS[w] for w in _words(text).split() if w in _STAGE_WORDS}
        if len(stages) == 1:
            return stages.pop(), text.strip()
    return None


def suggest(data: bytes, name: str, units: Mapping[str, Any]) -> Hints:
    """Hints for one upload; ``units`` maps unit id -> Unit (the registered units)."""
    content = content_texts(data)
    stem = Path(name).stem
    sources = (("content", content), ("file_name", [stem]))
    unit = year = stage = None
    for source, texts in sources:
        if unit is None and (found := suggest_unit(texts, units)):
            unit = Hint(found[0], source, found[1])
        if year is None and (got := _year(texts)):
            year = Hint(got[0], source, got[1])
        if stage is None and (st := _stage(texts)):
            stage = Hint(st[0], source, st[1])
    return Hints(unit, year, stage)


__all__ = ["Hint", "Hints", "content_texts", "suggest", "suggest_unit"]
