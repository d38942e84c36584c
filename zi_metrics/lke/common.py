"""Shared pieces of the LKE readers and writers: the result types, file sniffing and size limits,
text normalisation for matching question texts, and the validation of one answer cell.

Every reader returns problems instead of raising: a :class:`Problem` names the sheet, the cell
(or the JSON path / CSV line) and what is wrong. A fatal problem means nothing may be imported
from that file; a non-fatal one is a warning shown beside the preview.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import math
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from zi_metrics import quoting
from zi_metrics.framework import Framework, Question
from zi_metrics.scoring import ScoringInputError, normalize_answer
from zi_metrics.stages import STAGES as _STAGES

MAX_FILE_BYTES = 20 * 1024 * 1024  # 20 MB: larger uploads are refused before they are read
STAGES = _STAGES  # zi_metrics.stages: mandiri, tpi_eselon1, tpi, tpn

Source = str | os.PathLike[str] | bytes | bytearray | IO[bytes]


# ---------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file. ``cell`` is an Excel reference (``K12``), a JSON path
    (``[3].jawaban_unit``) or a CSV line (``line 4``); empty when the whole file is concerned.

    ``code`` names the kind of problem and ``params`` its details: :meth:`text` words it in the
    interface's language through the i18n catalogue (key ``problem.<code>``); ``message`` is the
    English wording (CLI, logs, JSON). A problem without a code has only its English message."""

    sheet: str
    cell: str
    message: str
    fatal: bool = True
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, str]:
        out = {"sheet": self.sheet, "cell": self.cell, "message": self.message}
        if self.code:
            out["code"] = self.code
        return out

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` (``id`` or ``en``); the English one when the code has no entry."""
        if not self.code:
            return self.message
        try:
            return render_problem(self.code, lang, self.params)
        except (KeyError, ValueError, IndexError):
            return self.message

    def where(self) -> str:
        return "!".join(p for p in (self.sheet, self.cell) if p)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


def render_problem(code: str, lang: str, params: dict[str, Any]) -> str:
    """The catalogue text of a problem code; numbers in the language's format."""
    from zi_metrics.formatting import format_number
    from zi_metrics.i18n import t

    shown = {}
    for key, value in params.items():
        if isinstance(value, float) and not isinstance(value, bool):
            decimals = 0 if value.is_integer() else 2 if abs(value) >= 0.01 else 6
            shown[key] = format_number(value, lang, decimals)
        else:
            shown[key] = value
    return t(f"problem.{code}", lang, **shown)


def problem(code: str, sheet: str = "", cell: str = "", *, fatal: bool = True, **params: Any) -> Problem:
    """A :class:`Problem` worded by the catalogue entry ``problem.<code>`` (English message kept)."""
    return Problem(sheet, cell, render_problem(code, "en", params), fatal, code, params)


def warning(code: str, sheet: str = "", cell: str = "", **params: Any) -> Problem:
    return problem(code, sheet, cell, fatal=False, **params)


def shown(value: Any, limit: int = 80) -> str:
    """A value from the file as a message may quote it: at most ``limit`` characters, control
    characters escaped (a 50 MB cell or a NUL byte never reaches a message whole); the project's
    one quoting rule, :func:`zi_metrics.quoting.shown`, on the cell's text."""
    return quoting.shown(value if isinstance(value, str) else clean_text(value), limit)


@dataclass
class ParsedLke:
    """The answers read from one LKE file, before anything is stored.

    ``answers`` are the unit's answers (question id -> normalised value: an option key such as
    ``"Ya"``/``"B"``, or a float for counts and survey values); ``tpi_answers`` the TPI's where the
    layout carries them (PortalRB Jawaban workbook and payload), else None. ``cells`` maps a
    question id to where its answer was read (for a preview). Only answers that passed validation
    are kept; every rejected one is a fatal problem.
    """

    layout: str  # "lampiran3" | "jawaban" | "payload"
    framework_id: str | None
    answers: dict[int, Any] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    evidence: dict[int, str] = field(default_factory=dict)
    tpi_answers: dict[int, Any] | None = None
    tpi_notes: dict[int, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None
    cells: dict[int, str] = field(default_factory=dict)
    questions_found: int = 0  # question rows / records recognised, answered or not
    # Exports with several assessors (jawaban): one lke.assessors.AssessorSet per answer column,
    # in stage order, with its notes, evidence and follow-up facts; empty for the other layouts.
    assessors: list[Any] = field(default_factory=list)
    # Lampiran III only: what each row of the sheet is (("question", 12), ("sub", "MP.P1"),
    # ("total", None), ...) and the columns, for the cross-check against the workbook's own result.
    row_roles: dict[int, tuple[str, Any]] = field(default_factory=dict)
    columns: Any = None
    workbook: Any = None  # zi_metrics.lke.crosscheck.WorkbookCheck when the file has cached values
    # (row, column) -> formula of the answer and score columns (.xlsx); None when the format does
    # not say which cells are formulas (.xls, .ods read by python-calamine)
    formulas: dict[tuple[int, int], str] | None = None

    @property
    def fatal(self) -> bool:
        return any(p.fatal for p in self.problems)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.fatal]

    @classmethod
    def failure(cls, layout: str, framework_id: str | None, message: str | Problem, sheet: str = "",
                cell: str = "") -> ParsedLke:
        """A result holding only one fatal problem."""
        p = message if isinstance(message, Problem) else Problem(sheet, cell, message)
        return cls(layout, framework_id, problems=[p])

    def answer_sets(self) -> dict[str, dict[int, Any]]:
        """Answer sets by source column: ``unit`` always, ``tpi`` when the layout has TPI answers."""
        out = {"unit": self.answers}
        if self.tpi_answers is not None:
            out["tpi"] = self.tpi_answers
        return out


class LkeFileError(Exception):
    """Raised internally when a file cannot be read at all; carries the fatal Problem."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


# ---------------------------------------------------------------------------------------------
# Reading the raw bytes


def file_name_of(source: Source, name: str | None = None) -> str:
    if name:
        return name
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    return getattr(source, "name", None) or "upload"


def read_source(source: Source, name: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes; refuse an empty file or one over ``max_bytes`` (checked before reading)."""
    label = file_name_of(source, name)
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise LkeFileError(problem("file.unreadable", file=shown(label), reason=exc.strerror or str(exc))) from None
        if size > max_bytes:
            raise LkeFileError(_too_large(label, size, max_bytes))
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise LkeFileError(problem("file.unreadable", file=shown(label), reason=exc.strerror or str(exc))) from None
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise LkeFileError(_too_large(label, len(data), max_bytes))
    if not data.strip():
        raise LkeFileError(problem("file.empty", file=shown(label)))
    return data


def _too_large(label: str, size: int, limit: int) -> Problem:
    return problem("limit.file_size", file=shown(label), size=size / 1024 / 1024, limit=limit / 1024 / 1024,
                   setting="ZI_MAX_FILE_MB")


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA (without importing openpyxl, which imports numpy: the CLI starts faster)."""
    letters = ""
    while column > 0:
        column, rem = divmod(column - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def sniff(data: bytes, name: str = "") -> str:
    """What the bytes are: ``xlsx`` (a zip container), ``ods`` (an OpenDocument spreadsheet: a
    zip whose first member says so), ``encrypted`` (a password-protected Office file), ``xls``
    (the old binary format), ``json``, ``csv`` or ``unknown``."""
    if data[:4] == b"PK\x03\x04":
        return "ods" if _ODS_MIMETYPE in data[:256] else "xlsx"
    if data[:8] == _OLE_MAGIC:
        # An encrypted OOXML workbook is an OLE compound file holding these two streams.
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            return "encrypted"
        return "xls"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "json"
    suffix = Path(name).suffix.casefold()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    return "unknown"


def is_lock_file(name: str) -> bool:
    """Excel's owner file ``~$name.xlsx`` (and LibreOffice's ``.~lock.name#``): a marker that the
    workbook is open, never a workbook; a folder or multi-file import skips it."""
    base = Path(name).name
    return base.startswith("~$") or (base.startswith(".~lock.") and base.endswith("#"))


def unreadable_problem(kind: str, label: str) -> Problem:
    if kind == "encrypted":
        return problem("file.encrypted", file=shown(label))
    return problem("file.unknown_format", file=shown(label))


SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".json", ".csv")


def collect_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[str]]:
    """(files to read, lock files skipped) from the paths of a multi-file or folder import: a
    folder gives its supported files, sorted by name; a file named is kept whatever its name,
    except a lock file among several (alone, it is read and refused clearly)."""
    named = [Path(p) for p in paths]
    files: list[str] = []
    skipped: list[str] = []
    for path in named:
        if path.is_dir():
            for child in sorted(path.iterdir(), key=lambda c: c.name):
                if not child.is_file() or child.suffix.casefold() not in SUPPORTED_SUFFIXES and not \
                        is_lock_file(child.name):
                    continue
                (skipped if is_lock_file(child.name) else files).append(str(child))
        elif is_lock_file(path.name) and len(named) > 1:
            skipped.append(str(path))
        else:
            files.append(str(path))
    return files, skipped


def describe_unreadable(kind: str, label: str) -> str:
    return unreadable_problem(kind, label).message


def open_workbook(data: bytes, label: str) -> Any:
    """Load an .xlsx with formulas kept (cached values are not trusted); raise LkeFileError."""
    import zipfile

    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), data_only=False, read_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise LkeFileError(problem("file.damaged_xlsx", file=shown(label), reason=shown(str(exc), 120))) from None
    except Exception as exc:  # openpyxl raises many kinds on malformed XML
        raise LkeFileError(problem("file.damaged_xlsx", file=shown(label),
                                   reason=shown(f"{type(exc).__name__}: {exc}", 120))) from None


# ---------------------------------------------------------------------------------------------
# Text normalisation and matching


def clean_text(value: Any) -> str:
    """A cell's text, trimmed, with runs of whitespace collapsed ('' for None)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


def text_key(value: Any) -> str:
    """A matching key: case, spaces and punctuation variants do not matter."""
    text = clean_text(value).casefold()
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"^[-\u2022*]+", "", text)
    text = re.sub(r"[\s.:;,]+$", "", text)
    return re.sub(r"[\s-]+", "", text)  # "Whistle-Blowing" and "Whistle Blowing" are one text


FUZZY_MIN = 0.93


def best_match(key: str, candidates: Iterable[tuple[Any, str]], minimum: float = FUZZY_MIN
               ) -> tuple[Any, float] | None:
    """The candidate whose key equals ``key``, else the most similar one at or above ``minimum``.
    ``candidates`` are (object, key) pairs; the first exact match in order wins."""
    best: tuple[Any, float] | None = None
    for obj, cand in candidates:
        if not cand:
            continue
        if cand == key:
            return obj, 1.0
        if minimum >= 1.0:
            continue
        sm = difflib.SequenceMatcher(None, key, cand, autojunk=False)
        if sm.real_quick_ratio() < minimum or sm.quick_ratio() < minimum:
            continue  # cheap upper bounds of ratio()
        score = sm.ratio()
        if score >= minimum and (best is None or score > best[1]):
            best = (obj, score)
    return best


# Characters an .xlsx cell cannot hold (openpyxl raises IllegalCharacterError on them): the store
# accepts them in names and notes, so an export drops them instead of failing.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(value: str) -> str:
    """Neutralise a text that a spreadsheet would take for a formula (=, +, -, @ first) by
    prefixing an apostrophe. Control characters a workbook cannot hold are dropped."""
    value = _UNSTORABLE.sub("", value)
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def unsafe_text(value: str) -> str:
    """Undo :func:`safe_text` when reading back a file this package wrote."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value


# ---------------------------------------------------------------------------------------------
# One answer


_ERROR_VALUES = {"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                 "#GETTING_DATA"}
_NUMBER_RE = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def is_formula(value: Any, data_type: str | None = None) -> bool:
    if data_type == "f":
        return True
    if value is not None and type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
        return True
    return isinstance(value, str) and value.startswith("=") and len(value) > 1


def is_error_value(value: Any, data_type: str | None = None) -> bool:
    if data_type == "e":
        return True
    return isinstance(value, str) and value.strip().upper() in _ERROR_VALUES


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def coerce_number(value: Any) -> Any:
    """Numbers typed as text ('12', '3,62') become numbers; anything else is returned unchanged."""
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER_RE.match(text):
            return float(text.replace(",", "."))
    return value


def check_answer(fw: Framework, question: Question, value: Any, *, sheet: str, cell: str,
                 data_type: str | None = None, who: str = "") -> tuple[Any, Problem | None]:
    """Validate one raw answer. Returns (normalised value or None when blank, problem or None)."""
    qid = question.id
    who = f" ({who})" if who else ""
    if is_formula(value, data_type):
        formula = shown(value) if isinstance(value, str) else "="
        return None, problem("answer.formula", sheet, cell, qid=qid, who=who, formula=formula)
    if is_error_value(value, data_type):
        return None, problem("answer.error_value", sheet, cell, qid=qid, who=who, value=str(value).strip())
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        return None, problem("answer.boolean", sheet, cell, qid=qid, who=who)
    if isinstance(value, str):
        value = unsafe_text(value)
    if question.kind in ("count", "survey"):
        value = coerce_number(value)
        if isinstance(value, float) and not math.isfinite(value):
            return None, problem("answer.not_number", sheet, cell, qid=qid, who=who, value=shown(value))
    try:
        return normalize_answer(fw, question, value, field=cell), None
    except ScoringInputError:
        return None, _answer_problem(fw, question, value, sheet, cell, who)


def _answer_problem(fw: Framework, question: Question, value: Any, sheet: str, cell: str, who: str) -> Problem:
    params: dict[str, Any] = {"qid": question.id, "who": who, "value": shown(value)}
    if question.kind == "option":
        return problem("answer.not_option", sheet, cell, options="/".join(question.options or {}), **params)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if question.kind == "count":
        if not number or not math.isfinite(value):
            return problem("answer.not_count", sheet, cell, **params)
        code = "answer.negative_count" if value < 0 else "answer.fractional_count"
        return problem(code, sheet, cell, **params)
    at = fw.answer_types[question.type]
    low, high = float(at.min or 0.0), float(at.max or 4.0)
    code = "answer.survey_range" if number else "answer.not_survey"
    return problem(code, sheet, cell, low=low, high=high, **params)


def check_note(value: Any) -> str:
    """A note or evidence cell as text ('' when blank)."""
    if is_blank(value):
        return ""
    text = value if isinstance(value, str) else clean_text(value)
    return unsafe_text(text.strip())


def join_notes(parts: Iterable[str]) -> str:
    return "\n".join(p for p in parts if p)


def mapping_summary(problems: Iterable[Problem]) -> str:
    """Every fatal problem (or the first warning when none is fatal), one per line, for a CLI."""
    problems = list(problems)
    fatal = [p for p in problems if p.fatal] or problems[:1]
    return "\n".join(str(p) for p in fatal)
