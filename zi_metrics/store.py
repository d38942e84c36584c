"""DuckDB store: schema, migrations, connections and every SQL statement of the project.

Connection model
----------------
Short-lived connections, one per unit of work:

* ``with store.reading() as con:`` opens the file ``read_only=True`` for one read and closes it;
* ``with store.writing(actor, action, ...) as con:`` opens it read-write, runs ``BEGIN`` ...
  ``COMMIT``, adds the ``audit_log`` row inside the same transaction, and rolls back on any
  exception.

Why: DuckDB lets one *process* hold a file read-write, or several processes hold it read-only,
and a read-only holder blocks every writer. The dashboard (one process) and the CLI (another)
must both be able to work on the same file; a connection kept open by the app would lock the
CLI out for as long as the app runs. Short-lived connections hold the file lock only for the
milliseconds of one query or one write, and a lock conflict is retried with backoff up to
``busy_timeout`` seconds before :class:`StoreBusyError` says clearly who holds the file.
Opening a connection costs about 20 ms, which is why the app keys its caches on
:meth:`Store.data_version` (a ``stat`` of the file and its WAL) instead of reopening the file
on every rerun.

Between processes DuckDB lets a writer in only when no process has the file open, and the
dashboard's sessions open read connections so often that they overlap: a writer in another process
(the CLI ``import``) could wait out its whole busy timeout. So a writer first takes a side file,
``<database>.lock``, exclusively (``flock``), and every reader passes through it (a shared lock
taken and dropped) before opening the database: readers queue behind a waiting writer, which gets
the file as soon as the reads already running end (writer priority across processes).

Inside one process DuckDB refuses read-only and read-write connections to one file at the same
time, so a per-file readers-writer lock (many readers or one writer) serialises them across
threads. A ``reading()`` nested inside a ``writing()`` of the same thread reuses the write
connection (and sees the uncommitted rows); a ``writing()`` nested in another ``writing()`` or in
a ``reading()`` of the same thread is a programming error and raises :class:`StoreError`.

DuckDB traps handled here: ``COMMIT`` after a failed statement silently rolls back instead of
raising, so the audit row is written just before ``COMMIT`` (DuckDB refuses any statement in an
aborted transaction, which surfaces the failure) and its presence is checked after ``COMMIT``.
Bulk rows are inserted with one ``INSERT ... SELECT unnest(?)`` statement per table: still
parameterised, and about a hundred times faster than ``executemany``.

Referential integrity (unit of an evaluation, parent of a unit, ...) is checked by the write
functions rather than by SQL foreign keys: DuckDB refuses to update any indexed column of a row
that a foreign key references, which would break the upserts.

Scores are never stored: :mod:`zi_metrics.scoring` computes them from answers, area points and
hasil inputs.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import operator
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from zi_metrics.framework import Framework, FrameworkError, load_framework
from zi_metrics.scoring import ScoringInputError, normalize_answer, normalize_hasil_value, normalize_scale

try:
    import fcntl
except ImportError:  # Windows: no writer priority between processes, the busy retry still applies
    fcntl = None  # type: ignore[assignment]

# ---------------------------------------------------------------------------------------------
# Constants

STAGES: tuple[str, ...] = ("mandiri", "tpi", "tpn")
LEVELS: tuple[str, ...] = ("instansi", "eselon1", "eselon2", "satker")
INSTANSI_KINDS: tuple[str, ...] = ("kementerian_lembaga", "pemerintah_daerah")
PREDICATES: tuple[str, ...] = ("WBK", "WBBM")
SOURCES: tuple[str, ...] = ("answers", "recap")
DATASET_KINDS: tuple[str, ...] = ("demo", "real", "empty")
BPK_OPINIONS: tuple[str, ...] = ("WTP", "WDP", "TW", "TMP")
GRADES: tuple[str, ...] = ("D", "C", "CC", "B", "BB", "A", "AA")
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_STAGE_RANK = {stage: rank for rank, stage in enumerate(STAGES)}
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_TEXT = 4000

# Prerequisite fields (all nullable = unknown) and their kinds.
PREREQUISITE_FIELDS: dict[str, str] = {
    "bpk_opinion": "opinion",
    "bpk_opinion_previous": "opinion",
    "sakip_grade": "grade",
    "indeks_rb_grade": "grade",
    "spip_level": "spip",
    "tl_percent": "percent",
    "lhkpn_percent": "percent",
    "lhkasn_percent": "percent",
    "zi_started_year": "year",
    "unit_sakip_grade": "grade",
    "core_service": "bool",
    "eselon_level": "eselon",
    "strategic_service": "bool",
    "large_resources": "bool",
    "reform_track_record": "bool",
}
# Facts about the whole instansi: prerequisites_for() inherits them from the nearest ancestor.
INSTANSI_FIELDS: tuple[str, ...] = (
    "bpk_opinion",
    "bpk_opinion_previous",
    "sakip_grade",
    "indeks_rb_grade",
    "spip_level",
)

_REPO_ROOT = Path(__file__).resolve().parent.parent


def default_db_path() -> Path:
    """``$ZI_DB_PATH`` if set (read at call time), else ``<repo>/data/zi.duckdb``."""
    env = os.environ.get("ZI_DB_PATH", "").strip()
    if env:
        return Path(env).expanduser()
    return _REPO_ROOT / "data" / "zi.duckdb"


# ---------------------------------------------------------------------------------------------
# Errors


class StoreError(Exception):
    """Base of every store error; ``str(err)`` is a message a user can read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StoreFileError(StoreError):
    """The file is not a DuckDB database, or not a Zona Integritas database, or cannot be read."""


class StoreMissingError(StoreError):
    """The database file does not exist."""


class StoreVersionError(StoreError):
    """The file's schema version is newer than this code knows."""


class StoreBusyError(StoreError):
    """Another process (or thread) held the file for longer than ``busy_timeout``."""


class StoreValidationError(StoreError, ValueError):
    """Input refused before anything was written; the message says what and where."""


class UnknownUnitError(StoreValidationError, LookupError):
    def __init__(self, unit_id: str, where: str = ""):
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}unknown unit {unit_id!r}")
        self.unit_id = unit_id


class UnknownEvaluationError(StoreValidationError, LookupError):
    def __init__(self, what: str):
        super().__init__(f"unknown evaluation {what}")


# ---------------------------------------------------------------------------------------------
# Schema and migrations


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "first schema",
        (
            """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT
        )""",
            """CREATE TABLE units (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            short_name TEXT,
            parent_id TEXT,
            level TEXT NOT NULL CHECK (level IN ('instansi', 'eselon1', 'eselon2', 'satker')),
            instansi_kind TEXT NOT NULL CHECK (instansi_kind IN ('kementerian_lembaga', 'pemerintah_daerah')),
            afirmasi BOOLEAN NOT NULL DEFAULT FALSE
        )""",
            """CREATE TABLE evaluations (
            id INTEGER PRIMARY KEY,
            unit_id TEXT NOT NULL,
            year INTEGER NOT NULL,
            stage TEXT NOT NULL CHECK (stage IN ('mandiri', 'tpi', 'tpn')),
            framework_id TEXT NOT NULL,
            evaluated_on DATE,
            source TEXT NOT NULL CHECK (source IN ('answers', 'recap')),
            UNIQUE (unit_id, year, stage)
        )""",
            """CREATE TABLE answers (
            evaluation_id INTEGER NOT NULL,
            question_id INTEGER NOT NULL,
            answer_text TEXT,
            answer_number DOUBLE,
            note TEXT,
            evidence_ref TEXT,
            PRIMARY KEY (evaluation_id, question_id),
            CHECK (answer_text IS NULL OR answer_number IS NULL)
        )""",
            """CREATE TABLE area_points (
            evaluation_id INTEGER NOT NULL,
            area_code TEXT NOT NULL,
            points DOUBLE NOT NULL,
            PRIMARY KEY (evaluation_id, area_code)
        )""",
            """CREATE TABLE hasil_inputs (
            evaluation_id INTEGER NOT NULL,
            item_code TEXT NOT NULL,
            value_number DOUBLE,
            value_text TEXT,
            PRIMARY KEY (evaluation_id, item_code)
        )""",
            """CREATE TABLE prerequisites (
            unit_id TEXT NOT NULL,
            year INTEGER NOT NULL,
            bpk_opinion TEXT,
            bpk_opinion_previous TEXT,
            sakip_grade TEXT,
            indeks_rb_grade TEXT,
            spip_level DOUBLE,
            tl_percent DOUBLE,
            lhkpn_percent DOUBLE,
            lhkasn_percent DOUBLE,
            zi_started_year INTEGER,
            unit_sakip_grade TEXT,
            core_service BOOLEAN,
            eselon_level INTEGER,
            strategic_service BOOLEAN,
            large_resources BOOLEAN,
            reform_track_record BOOLEAN,
            PRIMARY KEY (unit_id, year)
        )""",
            """CREATE TABLE predicate_awards (
            unit_id TEXT NOT NULL,
            year INTEGER NOT NULL,
            predicate TEXT NOT NULL CHECK (predicate IN ('WBK', 'WBBM')),
            decree_ref TEXT,
            revoked BOOLEAN NOT NULL DEFAULT FALSE,
            revoked_on DATE,
            PRIMARY KEY (unit_id, year, predicate)
        )""",
            """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            "at" TIMESTAMP NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT,
            file_name TEXT,
            file_sha256 TEXT
        )""",
        ),
    ),
    Migration(
        2,
        "record why a predicate was revoked",
        ("ALTER TABLE predicate_awards ADD COLUMN revoked_reason TEXT",),
    ),
)
SCHEMA_VERSION: int = MIGRATIONS[-1].version

# The tables of the current schema, in a stable order (tests and dumps use it).
TABLES: tuple[str, ...] = (
    "meta",
    "units",
    "evaluations",
    "answers",
    "area_points",
    "hasil_inputs",
    "prerequisites",
    "predicate_awards",
    "audit_log",
)
_DATA_TABLES: tuple[str, ...] = (
    "units",
    "evaluations",
    "answers",
    "area_points",
    "hasil_inputs",
    "prerequisites",
    "predicate_awards",
)


# ---------------------------------------------------------------------------------------------
# In-process readers-writer lock, one per database file


class _RWLock:
    """Many readers or one writer; waiting writers block new readers (no writer starvation)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    def acquire_read(self, deadline: float) -> bool:
        with self._cond:
            while self._writer or self._writers_waiting:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            self._readers += 1
            return True

    def release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if self._readers == 0:
                self._cond.notify_all()

    def acquire_write(self, deadline: float) -> bool:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._cond.wait(remaining)
                self._writer = True
                return True
            finally:
                self._writers_waiting -= 1
                self._cond.notify_all()

    def release_write(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()


class _FileState:
    def __init__(self) -> None:
        self.lock = _RWLock()
        self.local = threading.local()  # .write_con, .read_depth per thread


_STATES: dict[str, _FileState] = {}
_STATES_LOCK = threading.Lock()


def _file_state(path: Path) -> _FileState:
    key = os.path.normcase(str(path))
    with _STATES_LOCK:
        state = _STATES.get(key)
        if state is None:
            state = _STATES[key] = _FileState()
        return state


# ---------------------------------------------------------------------------------------------
# Value types


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    level: str
    instansi_kind: str = "kementerian_lembaga"
    parent_id: str | None = None
    short_name: str | None = None
    afirmasi: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RoundInputs:
    """Everything needed to score a set of evaluations: one (year, stage) round of every unit
    (round_inputs), or every round of one unit (unit_inputs); ``year`` / ``stage`` / ``unit_id``
    say which filter made it (None = any).

    ``evaluations`` has one row per evaluation (with unit columns); ``answers`` maps evaluation
    id -> question id -> answer (the option key, or the number for counts and survey values;
    unanswered questions are absent); ``area_points`` and ``hasil`` map evaluation id -> code ->
    value. Every evaluation id of ``evaluations`` is a key of the three dicts.
    """

    year: int | None
    stage: str | None
    evaluations: pd.DataFrame
    answers: dict[int, dict[int, str | float]]
    area_points: dict[int, dict[str, float]]
    hasil: dict[int, dict[str, float | str]]
    unit_id: str | None = None


@dataclass
class _PreparedEvaluation:
    unit_id: str
    year: int
    stage: str
    framework_id: str
    evaluated_on: dt.date | None
    source: str
    answers: list[tuple[int, str | None, float | None, str | None, str | None]] = field(default_factory=list)
    area_points: list[tuple[str, float]] = field(default_factory=list)
    hasil: list[tuple[str, float | None, str | None]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Validation helpers (pure)


def _where(unit_id: str, year: int, stage: str) -> str:
    return f"{unit_id} {year} {stage}"


def _check_text(value: Any, what: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise StoreValidationError(f"{what} is required")
        return None
    if not isinstance(value, str):
        raise StoreValidationError(f"{what} must be text, got {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise StoreValidationError(f"{what} is required")
    if len(value) > max_len:
        raise StoreValidationError(f"{what} is longer than {max_len} characters")
    return value


def _as_int(value: Any, what: str) -> int:
    """An int from an int-like value (numpy integers from a DataFrame included), else a clear error."""
    if isinstance(value, bool):
        raise StoreValidationError(f"{what} must be a whole number, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise StoreValidationError(f"{what} must be a whole number, got {value!r}") from None


def _opt_int(value: Any, what: str) -> int | None:
    return None if value is None else _as_int(value, what)


def _check_year(year: Any, what: str = "year") -> int:
    year = _as_int(year, what)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise StoreValidationError(f"{what} {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return year


def _check_stage(stage: Any, where: str = "") -> str:
    prefix = f"{where}: " if where else ""
    if stage not in STAGES:
        raise StoreValidationError(f"{prefix}stage {stage!r} is not one of {', '.join(STAGES)}")
    return stage


def _check_date(value: Any, what: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise StoreValidationError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None
    raise StoreValidationError(f"{what} must be a date, got {value!r}")


def _check_predicate(predicate: Any) -> str:
    if predicate not in PREDICATES:
        raise StoreValidationError(f"predicate {predicate!r} is not one of {', '.join(PREDICATES)}")
    return predicate


def _finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _load_fw(framework_id: Any, where: str) -> Framework:
    try:
        return load_framework(framework_id)
    except FrameworkError as exc:
        raise StoreValidationError(f"{where}: {exc}") from None


def _coerce_unit(raw: Unit | Mapping[str, Any], n: int) -> Unit:
    if isinstance(raw, Unit):
        data = raw.to_dict()
    elif isinstance(raw, Mapping):
        data = dict(raw)
    else:
        raise StoreValidationError(f"units[{n}]: expected a Unit or a mapping, got {type(raw).__name__}")
    unknown = set(data) - set(Unit.__dataclass_fields__)
    if unknown:
        raise StoreValidationError(f"units[{n}]: unknown field(s) {', '.join(sorted(unknown))}")
    uid = data.get("id")
    if not isinstance(uid, str) or not _SLUG.match(uid):
        raise StoreValidationError(
            f"units[{n}]: id {uid!r} must be a slug of lowercase letters, digits and single hyphens "
            "(e.g. 'kemendesa-itjen')"
        )
    where = f"unit {uid}"
    name = _check_text(data.get("name"), f"{where}: name", required=True, max_len=300)
    short = _check_text(data.get("short_name"), f"{where}: short_name", max_len=100)
    level = data.get("level")
    if level not in LEVELS:
        raise StoreValidationError(f"{where}: level {level!r} is not one of {', '.join(LEVELS)}")
    kind = data.get("instansi_kind", "kementerian_lembaga")
    if kind not in INSTANSI_KINDS:
        raise StoreValidationError(
            f"{where}: instansi_kind {kind!r} is not one of {', '.join(INSTANSI_KINDS)}"
        )
    parent = data.get("parent_id")
    if parent is not None and (not isinstance(parent, str) or not parent):
        raise StoreValidationError(f"{where}: parent_id must be a unit id or empty, got {parent!r}")
    afirmasi = data.get("afirmasi", False)
    if not isinstance(afirmasi, bool):
        raise StoreValidationError(f"{where}: afirmasi must be true or false, got {afirmasi!r}")
    return Unit(uid, name or "", level, kind, parent, short, afirmasi)


def _check_hierarchy(units: Mapping[str, Unit], ids: Iterable[str]) -> None:
    for uid in ids:
        u = units[uid]
        where = f"unit {uid}"
        if u.level == "instansi":
            if u.parent_id is not None:
                raise StoreValidationError(
                    f"{where}: an instansi has no parent (got parent_id {u.parent_id!r})"
                )
            continue
        if u.parent_id is None:
            raise StoreValidationError(f"{where}: a unit of level {u.level} needs a parent_id")
        parent = units.get(u.parent_id)
        if parent is None:
            raise UnknownUnitError(u.parent_id, f"{where}: parent_id")
        if _LEVEL_RANK[parent.level] >= _LEVEL_RANK[u.level]:
            raise StoreValidationError(
                f"{where}: a {u.level} cannot sit under {parent.id}, which is a {parent.level}"
            )
        if parent.instansi_kind != u.instansi_kind:
            raise StoreValidationError(
                f"{where}: instansi_kind {u.instansi_kind} differs from its parent's ({parent.instansi_kind})"
            )


def _prepare_answers(
    fw: Framework, answers: Mapping[Any, Any], where: str
) -> list[tuple[int, str | None, float | None, str | None, str | None]]:
    rows = []
    seen: set[int] = set()
    for key, raw in answers.items():
        qid = key
        if isinstance(key, str) and key.strip().isdigit():
            qid = int(key.strip())
        if isinstance(qid, bool) or not isinstance(qid, int) or qid not in fw.questions:
            raise StoreValidationError(f"{where}: answers: {key!r} is not a question id of {fw.id}")
        if qid in seen:
            raise StoreValidationError(f"{where}: answers: question {qid} is given twice")
        seen.add(qid)
        note = evidence = None
        if isinstance(raw, Mapping):
            extra = set(raw) - {"answer", "answer_text", "answer_number", "note", "evidence_ref"}
            if extra:
                raise StoreValidationError(
                    f"{where}: answers.{qid}: unknown field(s) {', '.join(sorted(extra))}"
                )
            value = raw.get("answer")
            for k in ("answer_text", "answer_number"):
                if raw.get(k) is not None:
                    if value is not None:
                        raise StoreValidationError(
                            f"{where}: answers.{qid}: more than one answer value given"
                        )
                    value = raw[k]
            note = _check_text(raw.get("note"), f"{where}: answers.{qid}.note")
            if isinstance(raw.get("evidence_ref"), (bytes, bytearray, memoryview)):
                raise StoreValidationError(
                    f"{where}: answers.{qid}.evidence_ref: store a link or file name, never the file itself"
                )
            evidence = _check_text(
                raw.get("evidence_ref"), f"{where}: answers.{qid}.evidence_ref", max_len=1000
            )
        else:
            value = raw
        if isinstance(value, str) and not value.strip():
            value = None
        text: str | None = None
        number: float | None = None
        if value is not None:
            question = fw.questions[qid]
            try:
                canon = normalize_answer(fw, question, value, f"answers.{qid}")
            except ScoringInputError as exc:
                raise StoreValidationError(f"{where}: {exc}") from None
            if question.kind == "option":
                text = canon
            else:
                number = float(canon)
        if value is None and note is None and evidence is None:
            continue  # nothing to keep: an unanswered question
        rows.append((qid, text, number, note, evidence))
    rows.sort()
    return rows


def _prepare_area_points(
    fw: Framework, area_points: Mapping[str, Any], where: str
) -> list[tuple[str, float]]:
    rows = []
    for code, value in area_points.items():
        if code not in fw.area_codes:
            raise StoreValidationError(
                f"{where}: area_points: unknown area {code!r} for {fw.id} (known: {', '.join(fw.area_codes)})"
            )
        if value is None:
            continue
        amax = fw.area(code).max
        try:
            points = normalize_scale(value, f"area_points.{code}", 0.0, amax, f"{code} points")
        except ScoringInputError as exc:
            raise StoreValidationError(f"{where}: {exc}") from None
        rows.append((code, points))
    rows.sort()
    return rows


def _prepare_hasil(
    fw: Framework, hasil: Mapping[str, Any], answered: Mapping[int, Any], where: str
) -> list[tuple[str, float | None, str | None]]:
    items = fw.hasil_items
    rows = []
    for code, value in hasil.items():
        if code not in items:
            raise StoreValidationError(
                f"{where}: hasil: unknown item {code!r} for {fw.id} (known: {', '.join(items)})"
            )
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        item = items[code]
        try:
            canon = normalize_hasil_value(item, value, f"hasil.{code}")
        except ScoringInputError as exc:
            raise StoreValidationError(f"{where}: {exc}") from None
        if item.question is not None and item.question in answered:
            # Answers hold the hasil questions (125-127): the same value given twice is dropped,
            # a different one is refused (one source of truth per input).
            if answered[item.question] != canon:
                raise StoreValidationError(
                    f"{where}: hasil.{code} = {canon!r} conflicts with answers.{item.question} = "
                    f"{answered[item.question]!r}"
                )
            continue
        if isinstance(canon, str):
            rows.append((code, None, canon))
        else:
            rows.append((code, float(canon), None))
    rows.sort()
    return rows


def _check_prerequisite_value(name: str, value: Any, year: int, where: str) -> Any:
    if value is None:
        return None
    kind = PREREQUISITE_FIELDS[name]
    what = f"{where}: {name}"
    if kind == "opinion":
        v = value.strip().upper() if isinstance(value, str) else value
        if v not in BPK_OPINIONS:
            raise StoreValidationError(f"{what} {value!r} is not one of {', '.join(BPK_OPINIONS)}")
        return v
    if kind == "grade":
        v = value.strip().upper() if isinstance(value, str) else value
        if v not in GRADES:
            raise StoreValidationError(f"{what} {value!r} is not one of {', '.join(GRADES)}")
        return v
    if kind == "bool":
        if not isinstance(value, bool):
            raise StoreValidationError(f"{what} must be true or false, got {value!r}")
        return value
    if kind in ("percent", "spip"):
        high = 100.0 if kind == "percent" else 5.0
        if not _finite_number(value) or not 0 <= value <= high:
            raise StoreValidationError(f"{what} must be a number between 0 and {high:g}, got {value!r}")
        return float(value)
    if kind == "eselon":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
            raise StoreValidationError(f"{what} must be a whole number 1-4, got {value!r}")
        return value
    if kind == "year":
        v = _check_year(value, what)
        if v > year:
            raise StoreValidationError(f"{what} {v} is after the year of the facts ({year})")
        return v
    raise AssertionError(kind)  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# Low-level SQL helpers (take an open connection; used by Store and by zi_metrics.demo)


def _table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main'"
    ).fetchall()
    return {r[0] for r in rows}


def _schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """0 for an empty DuckDB file, the stored version, or None when it is not a ZI database."""
    tables = _table_names(con)
    if not tables:
        return 0
    if "meta" not in tables:
        return None
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or row[0] is None or not str(row[0]).strip().isdigit():
        return None
    return int(row[0])


def _get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return None if row is None else row[0]


def _set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def _insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert many rows in one parameterised statement (one list parameter per column).

    ``table`` and the column names/types are constants of this module, never user input.
    """
    if not rows:
        return
    names = ", ".join(c for c, _ in columns)
    selects = ", ".join(f"unnest(?::{t}[])" for _, t in columns)
    params = [[row[i] for row in rows] for i in range(len(columns))]
    con.execute(f"INSERT INTO {table} ({names}) SELECT {selects}", params)


_ANSWER_COLS = (
    ("evaluation_id", "INTEGER"),
    ("question_id", "INTEGER"),
    ("answer_text", "VARCHAR"),
    ("answer_number", "DOUBLE"),
    ("note", "VARCHAR"),
    ("evidence_ref", "VARCHAR"),
)
_AREA_COLS = (("evaluation_id", "INTEGER"), ("area_code", "VARCHAR"), ("points", "DOUBLE"))
_HASIL_COLS = (
    ("evaluation_id", "INTEGER"),
    ("item_code", "VARCHAR"),
    ("value_number", "DOUBLE"),
    ("value_text", "VARCHAR"),
)


def _insert_answer_rows(
    con: duckdb.DuckDBPyConnection,
    evaluation_id: int,
    rows: Sequence[tuple[int, str | None, float | None, str | None, str | None]],
) -> None:
    _insert_rows(con, "answers", _ANSWER_COLS, [(evaluation_id, *r) for r in rows])


def _insert_area_rows(
    con: duckdb.DuckDBPyConnection, evaluation_id: int, rows: Sequence[tuple[str, float]]
) -> None:
    _insert_rows(con, "area_points", _AREA_COLS, [(evaluation_id, *r) for r in rows])


def _insert_hasil_rows(
    con: duckdb.DuckDBPyConnection, evaluation_id: int, rows: Sequence[tuple[str, float | None, str | None]]
) -> None:
    _insert_rows(con, "hasil_inputs", _HASIL_COLS, [(evaluation_id, *r) for r in rows])


def _unit_exists(con: duckdb.DuckDBPyConnection, unit_id: str) -> bool:
    return con.execute("SELECT count(*) FROM units WHERE id = ?", [unit_id]).fetchone()[0] > 0


def _require_unit(
    con: duckdb.DuckDBPyConnection, unit_id: Any, where: str = "", known_units: Set[str] | None = None
) -> str:
    """The unit id if the unit exists (``known_units``: ids already read in this transaction)."""
    if not isinstance(unit_id, str):
        raise UnknownUnitError(str(unit_id), where)
    exists = unit_id in known_units if known_units is not None else _unit_exists(con, unit_id)
    if not exists:
        raise UnknownUnitError(unit_id, where)
    return unit_id


def _all_units(con: duckdb.DuckDBPyConnection) -> dict[str, Unit]:
    rows = con.execute(
        "SELECT id, name, level, instansi_kind, parent_id, short_name, afirmasi FROM units ORDER BY id"
    ).fetchall()
    return {r[0]: Unit(*r[:6], bool(r[6])) for r in rows}


def _write_units(con: duckdb.DuckDBPyConnection, units: Iterable[Unit | Mapping[str, Any]]) -> list[str]:
    batch: dict[str, Unit] = {}
    for n, raw in enumerate(units):
        u = _coerce_unit(raw, n)
        if u.id in batch:
            raise StoreValidationError(f"units[{n}]: unit {u.id!r} is given twice")
        batch[u.id] = u
    if not batch:
        return []
    merged = _all_units(con)
    merged.update(batch)
    affected = set(batch) | {uid for uid, u in merged.items() if u.parent_id in batch}
    _check_hierarchy(merged, sorted(affected))
    rows = [
        (u.id, u.name, u.short_name, u.parent_id, u.level, u.instansi_kind, u.afirmasi)
        for u in batch.values()
    ]
    cols = (
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("short_name", "VARCHAR"),
        ("parent_id", "VARCHAR"),
        ("level", "VARCHAR"),
        ("instansi_kind", "VARCHAR"),
        ("afirmasi", "BOOLEAN"),
    )
    names = ", ".join(c for c, _ in cols)
    selects = ", ".join(f"unnest(?::{t}[])" for _, t in cols)
    con.execute(
        f"INSERT INTO units ({names}) SELECT {selects} ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
        "short_name = excluded.short_name, parent_id = excluded.parent_id, level = excluded.level, "
        "instansi_kind = excluded.instansi_kind, afirmasi = excluded.afirmasi",
        [[r[i] for r in rows] for i in range(len(cols))],
    )
    return list(batch)


def _prepare_evaluation(
    con: duckdb.DuckDBPyConnection,
    unit_id: Any,
    year: Any,
    stage: Any,
    framework_id: Any,
    evaluated_on: Any,
    answers: Mapping[Any, Any] | None,
    area_points: Mapping[str, Any] | None,
    hasil: Mapping[str, Any] | None,
    known_units: Set[str] | None = None,
) -> _PreparedEvaluation:
    _require_unit(con, unit_id, "save_evaluation", known_units)
    year = _check_year(year)
    where = _where(unit_id, year, str(stage))
    stage = _check_stage(stage, where)
    fw = _load_fw(framework_id, where)
    if fw.first_year is not None and year < fw.first_year or fw.last_year is not None and year > fw.last_year:
        span = f"{fw.first_year or '…'}-{fw.last_year or ''}"
        raise StoreValidationError(f"{where}: framework {fw.id} applies to evaluations of {span}, not {year}")
    evaluated_on = _check_date(evaluated_on, f"{where}: evaluated_on")
    if (answers is None) == (area_points is None):
        raise StoreValidationError(
            f"{where}: give either answers (the LKE) or area_points (a recap), not "
            f"{'both' if answers is not None else 'neither'}"
        )
    if answers is not None and not isinstance(answers, Mapping):
        raise StoreValidationError(f"{where}: answers must map question id -> answer")
    if area_points is not None and not isinstance(area_points, Mapping):
        raise StoreValidationError(f"{where}: area_points must map area code -> points")
    if hasil is not None and not isinstance(hasil, Mapping):
        raise StoreValidationError(f"{where}: hasil must map item code -> value")
    prepared = _PreparedEvaluation(
        unit_id, year, stage, fw.id, evaluated_on, "answers" if answers is not None else "recap"
    )
    if answers is not None:
        prepared.answers = _prepare_answers(fw, answers, where)
    else:
        prepared.area_points = _prepare_area_points(fw, area_points or {}, where)
    answered = {
        q: (t if t is not None else n) for q, t, n, _, _ in prepared.answers if t is not None or n is not None
    }
    prepared.hasil = _prepare_hasil(fw, hasil or {}, answered, where)
    return prepared


def _write_evaluation(con: duckdb.DuckDBPyConnection, p: _PreparedEvaluation) -> int:
    """Insert or replace one round (unit, year, stage): the evaluation row keeps its id, its
    answers, area points and hasil inputs are replaced wholly."""
    row = con.execute(
        "SELECT id FROM evaluations WHERE unit_id = ? AND year = ? AND stage = ?",
        [p.unit_id, p.year, p.stage],
    ).fetchone()
    if row is None:
        eid = con.execute("SELECT coalesce(max(id), 0) + 1 FROM evaluations").fetchone()[0]
        con.execute(
            "INSERT INTO evaluations (id, unit_id, year, stage, framework_id, evaluated_on, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [eid, p.unit_id, p.year, p.stage, p.framework_id, p.evaluated_on, p.source],
        )
    else:
        eid = row[0]
        con.execute(
            "UPDATE evaluations SET framework_id = ?, evaluated_on = ?, source = ? WHERE id = ?",
            [p.framework_id, p.evaluated_on, p.source, eid],
        )
        _delete_evaluation_children(con, eid)
    _insert_answer_rows(con, eid, p.answers)
    _insert_area_rows(con, eid, p.area_points)
    _insert_hasil_rows(con, eid, p.hasil)
    return int(eid)


def _write_evaluations(con: duckdb.DuckDBPyConnection, prepared: Sequence[_PreparedEvaluation]) -> list[int]:
    """Bulk form of _write_evaluation: a constant number of statements for any number of rounds."""
    keys = [(p.unit_id, p.year, p.stage) for p in prepared]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise StoreValidationError(f"{_where(*dup)}: this round is given twice in one batch")
    if not prepared:
        return []
    existing = dict(
        ((u, y, st), i)
        for i, u, y, st in con.execute(
            "SELECT e.id, e.unit_id, e.year, e.stage FROM evaluations e "
            "JOIN (SELECT unnest(?::VARCHAR[]) AS u, unnest(?::INTEGER[]) AS y, unnest(?::VARCHAR[]) AS s) k "
            "ON e.unit_id = k.u AND e.year = k.y "
            "AND e.stage = k.s",
            [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]],
        ).fetchall()
    )
    next_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM evaluations").fetchone()[0]
    ids: list[int] = []
    new_rows = []
    for p, key in zip(prepared, keys, strict=True):
        if key in existing:
            eid = existing[key]
            con.execute(
                "UPDATE evaluations SET framework_id = ?, evaluated_on = ?, source = ? WHERE id = ?",
                [p.framework_id, p.evaluated_on, p.source, eid],
            )
        else:
            eid = next_id
            next_id += 1
            new_rows.append((eid, p.unit_id, p.year, p.stage, p.framework_id, p.evaluated_on, p.source))
        ids.append(int(eid))
    if existing:
        old = [[int(i) for i in existing.values()]]
        for table in ("answers", "area_points", "hasil_inputs"):  # module constants
            con.execute(f"DELETE FROM {table} WHERE evaluation_id IN (SELECT unnest(?::INTEGER[]))", old)
    _insert_rows(
        con,
        "evaluations",
        (
            ("id", "INTEGER"),
            ("unit_id", "VARCHAR"),
            ("year", "INTEGER"),
            ("stage", "VARCHAR"),
            ("framework_id", "VARCHAR"),
            ("evaluated_on", "DATE"),
            ("source", "VARCHAR"),
        ),
        new_rows,
    )
    pairs = list(zip(ids, prepared, strict=True))
    _insert_rows(con, "answers", _ANSWER_COLS, [(eid, *r) for eid, p in pairs for r in p.answers])
    _insert_rows(con, "area_points", _AREA_COLS, [(eid, *r) for eid, p in pairs for r in p.area_points])
    _insert_rows(con, "hasil_inputs", _HASIL_COLS, [(eid, *r) for eid, p in pairs for r in p.hasil])
    return ids


def _delete_evaluation_children(con: duckdb.DuckDBPyConnection, evaluation_id: int) -> None:
    con.execute("DELETE FROM answers WHERE evaluation_id = ?", [evaluation_id])
    con.execute("DELETE FROM area_points WHERE evaluation_id = ?", [evaluation_id])
    con.execute("DELETE FROM hasil_inputs WHERE evaluation_id = ?", [evaluation_id])


def _prepare_prerequisites(
    con: duckdb.DuckDBPyConnection,
    unit_id: Any,
    year: Any,
    values: Mapping[str, Any],
    known_units: Set[str] | None = None,
) -> tuple[str, int, dict[str, Any]]:
    _require_unit(con, unit_id, "save_prerequisites", known_units)
    year = _check_year(year)
    where = f"prerequisites of {unit_id} {year}"
    if not isinstance(values, Mapping):
        raise StoreValidationError(f"{where}: expected a mapping of field -> value")
    unknown = set(values) - set(PREREQUISITE_FIELDS)
    if unknown:
        raise StoreValidationError(
            f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}; known: "
            f"{', '.join(PREREQUISITE_FIELDS)}"
        )
    clean = {
        name: _check_prerequisite_value(name, values.get(name), year, where) for name in PREREQUISITE_FIELDS
    }
    return unit_id, year, clean


def _write_prerequisites(
    con: duckdb.DuckDBPyConnection, unit_id: str, year: int, clean: Mapping[str, Any]
) -> None:
    _write_prerequisites_many(con, [(unit_id, year, clean)])


def _write_prerequisites_many(
    con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[str, int, Mapping[str, Any]]]
) -> None:
    """Replace the (unit, year) rows wholly, in three statements whatever their number."""
    if not rows:
        return
    con.execute(
        "DELETE FROM prerequisites WHERE (unit_id, year) IN "
        "(SELECT (unnest(?::VARCHAR[]), unnest(?::INTEGER[])))",
        [[r[0] for r in rows], [r[1] for r in rows]],
    )
    types = {
        "opinion": "VARCHAR",
        "grade": "VARCHAR",
        "bool": "BOOLEAN",
        "percent": "DOUBLE",
        "spip": "DOUBLE",
        "eselon": "INTEGER",
        "year": "INTEGER",
    }
    cols = (
        ("unit_id", "VARCHAR"),
        ("year", "INTEGER"),
        *((name, types[kind]) for name, kind in PREREQUISITE_FIELDS.items()),
    )
    _insert_rows(
        con, "prerequisites", cols, [(u, y, *(c[n] for n in PREREQUISITE_FIELDS)) for u, y, c in rows]
    )


def _award(con: duckdb.DuckDBPyConnection, unit_id: Any, year: Any, predicate: Any, decree_ref: Any) -> None:
    _require_unit(con, unit_id, "award_predicate")
    year = _check_year(year)
    predicate = _check_predicate(predicate)
    decree_ref = _check_text(decree_ref, f"award {predicate} {unit_id} {year}: decree_ref", max_len=300)
    row = con.execute(
        "SELECT revoked, revoked_on FROM predicate_awards WHERE unit_id = ? AND year = ? AND predicate = ?",
        [unit_id, year, predicate],
    ).fetchone()
    if row is None:
        con.execute(
            "INSERT INTO predicate_awards (unit_id, year, predicate, decree_ref, revoked) "
            "VALUES (?, ?, ?, ?, FALSE)",
            [unit_id, year, predicate, decree_ref],
        )
    elif row[0]:
        raise StoreValidationError(
            f"award {predicate} {unit_id} {year}: this award was revoked on {row[1]}; a revoked award is not "
            "re-issued, record the new award under the year of its decree"
        )
    else:
        con.execute(
            "UPDATE predicate_awards SET decree_ref = ? WHERE unit_id = ? AND year = ? AND predicate = ?",
            [decree_ref, unit_id, year, predicate],
        )


def _revoke(
    con: duckdb.DuckDBPyConnection, unit_id: Any, year: Any, predicate: Any, revoked_on: Any, reason: Any
) -> None:
    _require_unit(con, unit_id, "revoke_predicate")
    year = _check_year(year)
    predicate = _check_predicate(predicate)
    where = f"revoke {predicate} {unit_id} {year}"
    when = _check_date(revoked_on, f"{where}: revoked_on")
    if when is None:
        raise StoreValidationError(f"{where}: revoked_on (the date of revocation) is required")
    if when.year < year:
        raise StoreValidationError(f"{where}: revoked_on {when} is before the award year {year}")
    reason = _check_text(reason, f"{where}: reason", max_len=1000)
    row = con.execute(
        "SELECT count(*) FROM predicate_awards WHERE unit_id = ? AND year = ? AND predicate = ?",
        [unit_id, year, predicate],
    ).fetchone()
    if not row[0]:
        raise StoreValidationError(f"{where}: no such award is recorded")
    con.execute(
        "UPDATE predicate_awards SET revoked = TRUE, revoked_on = ?, revoked_reason = ? "
        "WHERE unit_id = ? AND year = ? AND predicate = ?",
        [when, reason, unit_id, year, predicate],
    )


def _clear_data(con: duckdb.DuckDBPyConnection) -> None:
    for table in _DATA_TABLES:
        con.execute(f"DELETE FROM {table}")  # table names are module constants
    con.execute("DELETE FROM meta WHERE key <> 'schema_version'")


def _dataset_kind(con: duckdb.DuckDBPyConnection) -> str:
    value = _get_meta(con, "dataset")
    if value in ("demo", "real"):
        return value
    has_rows = any(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _DATA_TABLES)
    return "real" if has_rows else "empty"


def _group_answers(cols: Mapping[str, Any]) -> dict[int, dict[int, str | float]]:
    """evaluation id -> question id -> value from columns sorted by (evaluation_id, question_id)."""
    eids = np.asarray(cols["evaluation_id"])
    if not len(eids):
        return {}
    qids = np.asarray(cols["question_id"]).tolist()
    text, number = cols["answer_text"], cols["answer_number"]
    values = np.where(
        np.ma.getmaskarray(text), np.ma.getdata(number).astype(object), np.ma.getdata(text)
    ).tolist()
    cuts = (np.flatnonzero(np.diff(eids)) + 1).tolist()
    starts, ends = [0, *cuts], [*cuts, len(eids)]
    return {
        int(eids[a]): dict(zip(qids[a:b], values[a:b], strict=True))
        for a, b in zip(starts, ends, strict=True)
    }


# ---------------------------------------------------------------------------------------------
# The store


_LOCK_PATTERNS = ("could not set lock", "conflicting lock", "lock on file")
_PID = re.compile(r"\(PID (\d+)\)")


class Store:
    """A Zona Integritas database file. Cheap to create: nothing is opened until a query runs."""

    def __init__(self, path: str | os.PathLike[str] | None = None, busy_timeout: float = 10.0):
        self.path = Path(path if path is not None else default_db_path()).expanduser().absolute()
        if not _finite_number(busy_timeout) or busy_timeout < 0:
            raise StoreValidationError(f"busy_timeout must be a number of seconds >= 0, got {busy_timeout!r}")
        self.busy_timeout = float(busy_timeout)
        self._schema_checked = False

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @property
    def wal_path(self) -> Path:
        return self.path.with_name(self.path.name + ".wal")

    @property
    def lock_path(self) -> Path:
        """The side file that gives a waiting writer priority over new readers of other processes."""
        return self.path.with_name(self.path.name + ".lock")

    def exists(self) -> bool:
        return self.path.is_file()

    def data_version(self) -> tuple[Any, ...]:
        """A cheap token that changes whenever the data may have changed (stat of the file and its
        WAL: mtime_ns and size); no connection is opened."""
        out: list[Any] = [str(self.path)]
        for p in (self.path, self.wal_path):
            try:
                st = os.stat(p)
            except FileNotFoundError:
                out.append(None)
            else:
                out.append((st.st_mtime_ns, st.st_size))
        return tuple(out)

    # -- connections ---------------------------------------------------------------------------

    def _busy(self, detail: str) -> StoreBusyError:
        return StoreBusyError(
            f"database file {self.path} is busy: {detail}; try again later or close the program "
            "that has it open (the dashboard or another zi_metrics command)"
        )

    def _connect(self, read_only: bool, deadline: float) -> duckdb.DuckDBPyConnection:
        delay = 0.02
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as exc:
                text = str(exc)
                low = text.lower()
                if "not a valid duckdb database" in low:
                    raise StoreFileError(f"{self.path} is not a DuckDB database file") from None
                if "database does not exist" in low or not self.path.exists():
                    raise StoreMissingError(f"database file {self.path} does not exist") from None
                if not any(p in low for p in _LOCK_PATTERNS):
                    raise StoreFileError(f"cannot open database file {self.path}: {text}") from None
                m = _PID.search(text)
                if m and int(m.group(1)) == os.getpid():
                    holder = "another connection of this process holds it"
                elif m:
                    holder = f"another process (pid {m.group(1)}) holds it"
                else:
                    holder = "another process holds it"
            except duckdb.ConnectionException as exc:
                if "different configuration" not in str(exc):
                    raise StoreFileError(f"cannot open database file {self.path}: {exc}") from None
                holder = (
                    "this process already has it open in another mode (a connection not made through Store)"
                )
            except duckdb.Error as exc:
                raise StoreFileError(f"cannot open database file {self.path}: {exc}") from None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._busy(holder) from None
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.5)

    def _ensure_schema(self) -> None:
        if not self._schema_checked:
            self.migrate(create=False)

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for one unit of work (StoreMissingError if the file does not exist)."""
        state = _file_state(self.path)
        write_con = getattr(state.local, "write_con", None)
        if write_con is not None:
            yield write_con  # nested in a write of this thread: read through the transaction
            return
        if not self.exists():
            raise StoreMissingError(f"database file {self.path} does not exist")
        self._ensure_schema()
        with self._read_connection() as con:
            yield con

    @contextmanager
    def _turnstile(self, exclusive: bool, deadline: float) -> Iterator[None]:
        """Writer priority between processes (see the module docstring): a writer holds the side
        file exclusively for its whole write; a reader only passes through it (shared, at once)."""
        if fcntl is None:
            yield
            return
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:  # a read-only folder: no priority, the busy retry still applies
            yield
            return
        try:
            delay = 0.002
            while True:
                try:
                    fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise self._busy("another process is writing to it") from None
                    time.sleep(min(delay, remaining))
                    delay = min(delay * 2, 0.05)
            if not exclusive:
                fcntl.flock(fd, fcntl.LOCK_UN)
            yield
        finally:
            os.close(fd)  # drops the lock

    @contextmanager
    def _read_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        state = _file_state(self.path)
        deadline = time.monotonic() + self.busy_timeout
        depth = getattr(state.local, "read_depth", 0)
        if depth == 0 and not state.lock.acquire_read(deadline):
            raise self._busy("another thread of this process is writing to it")
        state.local.read_depth = depth + 1
        try:
            if depth == 0:  # a nested read is inside a pass already (waiting here could deadlock)
                with self._turnstile(False, deadline):
                    pass
            con = self._connect(True, deadline)
            try:
                yield con
            finally:
                con.close()
        finally:
            state.local.read_depth = depth
            if depth == 0:
                state.lock.release_read()

    @contextmanager
    def _write_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        state = _file_state(self.path)
        if getattr(state.local, "write_con", None) is not None:
            raise StoreError("a write is already open in this thread: nested writes are not supported")
        if getattr(state.local, "read_depth", 0):
            raise StoreError("cannot start a write while this thread is reading the same database")
        deadline = time.monotonic() + self.busy_timeout
        if not state.lock.acquire_write(deadline):
            raise self._busy("another thread of this process is using it")
        try:
            with self._turnstile(True, deadline):
                con = self._connect(False, deadline)
                try:
                    yield con
                finally:
                    con.close()
        finally:
            state.lock.release_write()

    @contextmanager
    def writing(
        self,
        actor: str,
        action: str,
        detail: Mapping[str, Any] | None = None,
        file_name: str | None = None,
        file_sha256: str | None = None,
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """One read-write transaction; the audit_log row is written inside it. Any exception rolls
        everything back and propagates."""
        actor = _check_text(actor, "actor", required=True, max_len=200) or ""
        action = _check_text(action, "action", required=True, max_len=100) or ""
        file_name = _check_text(file_name, "file_name", max_len=500)
        file_sha256 = _check_text(file_sha256, "file_sha256", max_len=64)
        if file_sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", file_sha256):
            raise StoreValidationError(f"file_sha256 {file_sha256!r} is not a SHA-256 hex digest")
        try:
            detail_json = (
                None
                if detail is None
                else json.dumps(dict(detail), ensure_ascii=False, sort_keys=True, default=str)
            )
        except (TypeError, ValueError) as exc:
            raise StoreValidationError(f"audit detail cannot be stored as JSON: {exc}") from None
        if not self.exists():
            raise StoreMissingError(f"database file {self.path} does not exist")
        self._ensure_schema()
        state = _file_state(self.path)
        with self._write_connection() as con:
            con.execute("BEGIN TRANSACTION")
            state.local.write_con = con
            try:
                yield con
                audit_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM audit_log").fetchone()[0]
                con.execute(
                    'INSERT INTO audit_log (id, "at", actor, action, detail, file_name, file_sha256) '
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        audit_id,
                        _utcnow(),
                        actor,
                        action,
                        detail_json,
                        file_name,
                        file_sha256.lower() if file_sha256 else None,
                    ],
                )
                con.execute("COMMIT")
            except duckdb.Error as exc:
                _rollback(con)
                raise StoreError(
                    f"the write '{action}' to {self.path} failed and was rolled back (nothing saved): {exc}"
                ) from exc
            except BaseException:
                _rollback(con)
                raise
            finally:
                state.local.write_con = None
            # COMMIT after a failed statement silently rolls back: check that the write landed.
            landed = con.execute("SELECT count(*) FROM audit_log WHERE id = ?", [audit_id]).fetchone()[0]
            if not landed:
                raise StoreError(
                    f"the write '{action}' to {self.path} was rolled back by DuckDB; nothing was saved"
                )

    # -- schema --------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The schema version stored in the file (opens it read-only; no migration)."""
        if not self.exists():
            raise StoreMissingError(f"database file {self.path} does not exist")
        with self._read_connection() as con:
            return self._checked_version(con)

    def _checked_version(self, con: duckdb.DuckDBPyConnection) -> int:
        version = _schema_version(con)
        if version is None:
            raise StoreFileError(
                f"{self.path} is a DuckDB database but not a Zona Integritas database "
                "(no schema_version in a meta table)"
            )
        if version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"{self.path} has schema version {version}, newer than this program knows "
                f"({SCHEMA_VERSION}); upgrade the program, the file was not changed"
            )
        return version

    def migrate(self, create: bool = False) -> tuple[int, int]:
        """Bring the file to the current schema in one transaction; return (old, new) versions.

        ``create`` makes a missing file; otherwise a missing file is StoreMissingError. A file that
        is not a DuckDB database, not a ZI database, or newer than this code is refused unchanged.
        """
        created = False
        if not self.exists():
            if not create:
                raise StoreMissingError(f"database file {self.path} does not exist")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = True
            old = 0
        else:
            with self._read_connection() as con:
                old = self._checked_version(con)
            if old == SCHEMA_VERSION:
                self._schema_checked = True
                return old, old
        try:
            with self._write_connection() as con:
                con.execute("BEGIN TRANSACTION")
                try:
                    old = self._checked_version(con)  # another process may have migrated meanwhile
                    for step in MIGRATIONS:
                        if step.version <= old:
                            continue
                        for statement in step.statements:
                            con.execute(statement)
                    if old < SCHEMA_VERSION:
                        _set_meta(con, "schema_version", str(SCHEMA_VERSION))
                        audit_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM audit_log").fetchone()[0]
                        con.execute(
                            'INSERT INTO audit_log (id, "at", actor, action, detail) VALUES (?, ?, ?, ?, ?)',
                            [
                                audit_id,
                                _utcnow(),
                                "system",
                                "migrate" if old else "create",
                                json.dumps({"from_version": old, "to_version": SCHEMA_VERSION}),
                            ],
                        )
                    con.execute("COMMIT")
                except duckdb.Error as exc:
                    _rollback(con)
                    raise StoreError(
                        f"upgrading {self.path} from schema version {old} to {SCHEMA_VERSION} failed; "
                        f"nothing was changed: {exc}"
                    ) from exc
                except BaseException:
                    _rollback(con)
                    raise
                if _schema_version(con) != SCHEMA_VERSION:
                    raise StoreError(
                        f"upgrading {self.path} to schema version {SCHEMA_VERSION} was rolled back"
                    )
        except BaseException:
            if created:
                _remove_quietly(self.path)
                _remove_quietly(self.wal_path)
            raise
        self._schema_checked = True
        return old, SCHEMA_VERSION

    # -- reads ---------------------------------------------------------------------------------

    def dataset_kind(self) -> str:
        """'demo' (synthetic data written by zi_metrics.demo), 'real', or 'empty'."""
        with self.reading() as con:
            return _dataset_kind(con)

    def meta(self) -> dict[str, str]:
        with self.reading() as con:
            return dict(con.execute("SELECT key, value FROM meta ORDER BY key").fetchall())

    def list_units(self) -> list[Unit]:
        """Every unit, ordered by id."""
        with self.reading() as con:
            return list(_all_units(con).values())

    def get_unit(self, unit_id: str) -> Unit:
        with self.reading() as con:
            row = con.execute(
                "SELECT id, name, level, instansi_kind, parent_id, short_name, afirmasi FROM units "
                "WHERE id = ?",
                [unit_id],
            ).fetchone()
        if row is None:
            raise UnknownUnitError(unit_id)
        return Unit(*row[:6], bool(row[6]))

    def years(self) -> list[int]:
        """Years that have at least one evaluation, ascending."""
        with self.reading() as con:
            return [
                r[0] for r in con.execute("SELECT DISTINCT year FROM evaluations ORDER BY year").fetchall()
            ]

    def stages_for(self, year: int) -> list[str]:
        """Stages with at least one evaluation in ``year``, in assessment order."""
        year = _as_int(year, "year")
        with self.reading() as con:
            found = {
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT stage FROM evaluations WHERE year = ?", [year]
                ).fetchall()
            }
        return [s for s in STAGES if s in found]

    _EVAL_SELECT = """
        SELECT e.id, e.unit_id, u.name AS unit_name, u.short_name AS unit_short_name, u.parent_id, u.level,
               u.instansi_kind, u.afirmasi, e.year, e.stage, e.framework_id, e.evaluated_on, e.source,
               coalesce(a.answered, 0)::INTEGER AS answered, coalesce(p.areas, 0)::INTEGER AS area_count,
               coalesce(h.items, 0)::INTEGER AS hasil_count
        FROM evaluations e
        JOIN units u ON u.id = e.unit_id
        LEFT JOIN (SELECT evaluation_id, count(*) AS answered FROM answers
                   WHERE answer_text IS NOT NULL OR answer_number IS NOT NULL GROUP BY evaluation_id) a
               ON a.evaluation_id = e.id
        LEFT JOIN (SELECT evaluation_id, count(*) AS areas FROM area_points GROUP BY evaluation_id) p
               ON p.evaluation_id = e.id
        LEFT JOIN (SELECT evaluation_id, count(*) AS items FROM hasil_inputs GROUP BY evaluation_id) h
               ON h.evaluation_id = e.id
        WHERE (?::INTEGER IS NULL OR e.year = ?::INTEGER)
          AND (?::VARCHAR IS NULL OR e.stage = ?::VARCHAR)
          AND (?::VARCHAR IS NULL OR e.unit_id = ?::VARCHAR)
        ORDER BY e.year, e.unit_id, CASE e.stage WHEN 'mandiri' THEN 0 WHEN 'tpi' THEN 1 ELSE 2 END
    """

    def evaluations(
        self, year: int | None = None, stage: str | None = None, unit_id: str | None = None
    ) -> pd.DataFrame:
        """One row per evaluation with its unit's columns and counts of answered questions
        (``answered``), area points (``area_count``) and hasil inputs (``hasil_count``)."""
        year = _opt_int(year, "year")
        if stage is not None:
            _check_stage(stage)
        with self.reading() as con:
            return con.execute(self._EVAL_SELECT, [year, year, stage, stage, unit_id, unit_id]).df()

    def evaluation_id(self, unit_id: str, year: int, stage: str) -> int | None:
        year = _as_int(year, "year")
        with self.reading() as con:
            row = con.execute(
                "SELECT id FROM evaluations WHERE unit_id = ? AND year = ? AND stage = ?",
                [unit_id, year, stage],
            ).fetchone()
        return None if row is None else int(row[0])

    def get_evaluation(self, evaluation_id: int) -> dict[str, Any]:
        evaluation_id = _as_int(evaluation_id, "evaluation_id")
        with self.reading() as con:
            row = con.execute(
                "SELECT id, unit_id, year, stage, framework_id, evaluated_on, source FROM evaluations "
                "WHERE id = ?",
                [evaluation_id],
            ).fetchone()
        if row is None:
            raise UnknownEvaluationError(f"id {evaluation_id}")
        return dict(
            zip(
                ("id", "unit_id", "year", "stage", "framework_id", "evaluated_on", "source"), row, strict=True
            )
        )

    def _require_evaluation(self, con: duckdb.DuckDBPyConnection, evaluation_id: int) -> None:
        if not con.execute("SELECT count(*) FROM evaluations WHERE id = ?", [evaluation_id]).fetchone()[0]:
            raise UnknownEvaluationError(f"id {evaluation_id}")

    def answers_for(self, evaluation_id: int) -> dict[int, dict[str, Any]]:
        """question id -> {answer_text, answer_number, note, evidence_ref} (rows stored, answered or not)."""
        evaluation_id = _as_int(evaluation_id, "evaluation_id")
        with self.reading() as con:
            self._require_evaluation(con, evaluation_id)
            rows = con.execute(
                "SELECT question_id, answer_text, answer_number, note, evidence_ref FROM answers "
                "WHERE evaluation_id = ? ORDER BY question_id",
                [evaluation_id],
            ).fetchall()
        return {
            r[0]: {"answer_text": r[1], "answer_number": r[2], "note": r[3], "evidence_ref": r[4]}
            for r in rows
        }

    def answer_values(self, evaluation_id: int) -> dict[int, str | float]:
        """question id -> answer as the scorer takes it (option key or number); unanswered omitted."""
        return {
            q: (a["answer_text"] if a["answer_text"] is not None else a["answer_number"])
            for q, a in self.answers_for(evaluation_id).items()
            if a["answer_text"] is not None or a["answer_number"] is not None
        }

    def area_points_for(self, evaluation_id: int) -> dict[str, float]:
        evaluation_id = _as_int(evaluation_id, "evaluation_id")
        with self.reading() as con:
            self._require_evaluation(con, evaluation_id)
            rows = con.execute(
                "SELECT area_code, points FROM area_points WHERE evaluation_id = ? ORDER BY area_code",
                [evaluation_id],
            ).fetchall()
        return dict(rows)

    def hasil_for(self, evaluation_id: int) -> dict[str, float | str]:
        evaluation_id = _as_int(evaluation_id, "evaluation_id")
        with self.reading() as con:
            self._require_evaluation(con, evaluation_id)
            rows = con.execute(
                "SELECT item_code, value_number, value_text FROM hasil_inputs WHERE evaluation_id = ? "
                "ORDER BY item_code",
                [evaluation_id],
            ).fetchall()
        return {c: (t if t is not None else n) for c, n, t in rows}

    def round_inputs(self, year: int, stage: str) -> RoundInputs:
        """Bulk load of one round for scoring every unit: four queries whatever the number of units."""
        _check_stage(stage)
        return self.load_inputs(year=_as_int(year, "year"), stage=stage)

    def unit_inputs(self, unit_id: str) -> RoundInputs:
        """Every round of one unit (all years and stages) in four queries (UnknownUnitError if unknown)."""
        return self.load_inputs(unit_id=unit_id, require_unit=True)

    _INPUT_FILTER = (
        "(?::INTEGER IS NULL OR e.year = ?::INTEGER) AND (?::VARCHAR IS NULL OR e.stage = ?::VARCHAR) "
        "AND (?::VARCHAR IS NULL OR e.unit_id = ?::VARCHAR)"
    )

    def load_inputs(
        self,
        year: int | None = None,
        stage: str | None = None,
        unit_id: str | None = None,
        require_unit: bool = False,
    ) -> RoundInputs:
        """Answers, area points and hasil of every evaluation matching the filters (None = any)."""
        year = _opt_int(year, "year")
        if stage is not None:
            _check_stage(stage)
        params = [year, year, stage, stage, unit_id, unit_id]
        where = self._INPUT_FILTER
        with self.reading() as con:
            if require_unit and unit_id is not None:
                _require_unit(con, unit_id)
            evals = con.execute(self._EVAL_SELECT, params).df()
            ans = con.execute(
                "SELECT a.evaluation_id, a.question_id, a.answer_text, a.answer_number "
                "FROM answers a JOIN evaluations e ON e.id = a.evaluation_id "
                f"WHERE {where} AND (a.answer_text IS NOT NULL OR a.answer_number IS NOT NULL) "
                "ORDER BY a.evaluation_id, a.question_id",
                params,
            ).fetchnumpy()
            pts = con.execute(
                "SELECT p.evaluation_id, p.area_code, p.points FROM area_points p "
                f"JOIN evaluations e ON e.id = p.evaluation_id WHERE {where}",
                params,
            ).fetchall()
            has = con.execute(
                "SELECT h.evaluation_id, h.item_code, h.value_number, h.value_text FROM hasil_inputs h "
                f"JOIN evaluations e ON e.id = h.evaluation_id WHERE {where}",
                params,
            ).fetchall()
        ids = [int(i) for i in evals["id"].tolist()]
        answers: dict[int, dict[int, str | float]] = {i: {} for i in ids}
        answers.update(_group_answers(ans))
        area_points: dict[int, dict[str, float]] = {i: {} for i in ids}
        for eid, code, points in pts:
            area_points[eid][code] = points
        hasil: dict[int, dict[str, float | str]] = {i: {} for i in ids}
        for eid, code, number, text in has:
            hasil[eid][code] = text if text is not None else number
        return RoundInputs(year, stage, evals, answers, area_points, hasil, unit_id)

    def prerequisites_for(self, unit_id: str, year: int, inherit: bool = True) -> dict[str, Any] | None:
        """The facts recorded for ``unit_id`` in ``year`` (every field, None = unknown), or None if no
        row exists for the unit or (with ``inherit``) any ancestor. With ``inherit``, the instansi-level
        facts (BPK opinion, SAKIP, Indeks RB, SPIP) left empty on the unit come from its nearest
        ancestor that has them."""
        return self.prerequisites_for_year(year, inherit=inherit, unit_ids=[unit_id]).get(unit_id)

    def prerequisites_for_year(
        self, year: int, inherit: bool = True, unit_ids: Sequence[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """unit id -> facts of ``year`` for every unit that has some (bulk form of prerequisites_for)."""
        year = _as_int(year, "year")
        names = ", ".join(PREREQUISITE_FIELDS)
        with self.reading() as con:
            units = _all_units(con)
            rows = con.execute(
                f"SELECT unit_id, {names} FROM prerequisites WHERE year = ?", [year]
            ).fetchall()
        if unit_ids is not None:
            for uid in unit_ids:
                if uid not in units:
                    raise UnknownUnitError(uid)
        own = {r[0]: dict(zip(PREREQUISITE_FIELDS, r[1:], strict=True)) for r in rows}
        wanted = list(unit_ids) if unit_ids is not None else sorted(units)
        out: dict[str, dict[str, Any]] = {}
        for uid in wanted:
            facts = dict(own[uid]) if uid in own else None
            if inherit:
                parent = units[uid].parent_id
                seen = {uid}
                while parent is not None and parent in units and parent not in seen:
                    seen.add(parent)
                    if parent in own:
                        if facts is None:
                            facts = dict.fromkeys(PREREQUISITE_FIELDS)
                        for f in INSTANSI_FIELDS:
                            if facts[f] is None and own[parent][f] is not None:
                                facts[f] = own[parent][f]
                    parent = units[parent].parent_id
            if facts is not None:
                out[uid] = facts
        return out

    def predicate_history(self, unit_id: str | None = None) -> pd.DataFrame:
        """Awards (newest year last) with their revocation; rows fit zi_metrics.rules.held_predicate."""
        with self.reading() as con:
            return con.execute(
                "SELECT p.unit_id, u.name AS unit_name, u.short_name AS unit_short_name, p.year, "
                "p.predicate, p.decree_ref, p.revoked, p.revoked_on, p.revoked_reason "
                "FROM predicate_awards p "
                "JOIN units u ON u.id = p.unit_id WHERE (?::VARCHAR IS NULL OR p.unit_id = ?::VARCHAR) "
                "ORDER BY p.unit_id, p.year, CASE p.predicate WHEN 'WBK' THEN 0 ELSE 1 END",
                [unit_id, unit_id],
            ).df()

    def awards(self, unit_id: str | None = None) -> list[dict[str, Any]]:
        """predicate_history as a list of dicts (dates as datetime.date)."""
        with self.reading() as con:
            rows = con.execute(
                "SELECT unit_id, year, predicate, decree_ref, revoked, revoked_on, revoked_reason "
                "FROM predicate_awards WHERE (?::VARCHAR IS NULL OR unit_id = ?::VARCHAR) "
                "ORDER BY unit_id, year, predicate DESC",
                [unit_id, unit_id],
            ).fetchall()
        keys = ("unit_id", "year", "predicate", "decree_ref", "revoked", "revoked_on", "revoked_reason")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def audit_log(self, limit: int = 100) -> pd.DataFrame:
        """The newest ``limit`` audit rows, newest first."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise StoreValidationError(f"limit must be a whole number >= 1, got {limit!r}")
        with self.reading() as con:
            return con.execute(
                'SELECT id, "at", actor, action, detail, file_name, file_sha256 FROM audit_log '
                "ORDER BY id DESC LIMIT ?",
                [limit],
            ).df()

    def table_rows(self, table: str) -> list[tuple[Any, ...]]:
        """Every row of one table of the schema, sorted (for exports, checks and tests)."""
        if table not in TABLES:
            raise StoreValidationError(f"unknown table {table!r}; tables: {', '.join(TABLES)}")
        with self.reading() as con:
            return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=_sort_key)

    # -- writes (each one transaction through writing()) ---------------------------------------

    def upsert_units(
        self,
        units: Iterable[Unit | Mapping[str, Any]],
        *,
        actor: str,
        file_name: str | None = None,
        file_sha256: str | None = None,
    ) -> list[str]:
        """Insert or update units (hierarchy checked); returns their ids."""
        units = list(units)
        with self.writing(actor, "upsert_units", {"count": len(units)}, file_name, file_sha256) as con:
            ids = _write_units(con, units)
            _set_meta(con, "dataset", "real")
        return ids

    def upsert_unit(self, unit: Unit | Mapping[str, Any], *, actor: str) -> str:
        return self.upsert_units([unit], actor=actor)[0]

    def save_evaluation(
        self,
        unit_id: str,
        year: int,
        stage: str,
        framework_id: str,
        evaluated_on: dt.date | str | None = None,
        *,
        answers: Mapping[Any, Any] | None = None,
        area_points: Mapping[str, Any] | None = None,
        hasil: Mapping[str, Any] | None = None,
        actor: str,
        file_name: str | None = None,
        file_sha256: str | None = None,
    ) -> int:
        """Save one round (unit, year, stage), replacing its previous answers / area points / hasil
        wholly; the evaluation keeps its id. Give ``answers`` (question id -> option key or number,
        or a dict with answer, note, evidence_ref) or ``area_points`` (a recap), and optionally
        ``hasil`` (item code -> value). Returns the evaluation id."""
        detail = {"unit_id": unit_id, "year": year, "stage": stage, "framework_id": framework_id}
        with self.writing(actor, "save_evaluation", detail, file_name, file_sha256) as con:
            prepared = _prepare_evaluation(
                con, unit_id, year, stage, framework_id, evaluated_on, answers, area_points, hasil
            )
            eid = _write_evaluation(con, prepared)
            _set_meta(con, "dataset", "real")
        return eid

    def save_evaluations(
        self,
        rounds: Iterable[Mapping[str, Any]],
        *,
        actor: str,
        file_name: str | None = None,
        file_sha256: str | None = None,
    ) -> list[int]:
        """Save many rounds in ONE transaction (all or nothing). Each mapping has the arguments of
        save_evaluation: unit_id, year, stage, framework_id, and evaluated_on / answers /
        area_points / hasil as needed. Returns the evaluation ids in the same order."""
        rounds = list(rounds)
        allowed = {
            "unit_id",
            "year",
            "stage",
            "framework_id",
            "evaluated_on",
            "answers",
            "area_points",
            "hasil",
        }
        detail = {"rounds": len(rounds)}
        with self.writing(actor, "save_evaluations", detail, file_name, file_sha256) as con:
            prepared = []
            for n, r in enumerate(rounds):
                if (
                    not isinstance(r, Mapping)
                    or set(r) - allowed
                    or not {"unit_id", "year", "stage"} <= set(r)
                ):
                    raise StoreValidationError(
                        f"rounds[{n}]: expected a mapping with unit_id, year, stage, framework_id and "
                        f"answers or area_points (allowed keys: {', '.join(sorted(allowed))})"
                    )
                prepared.append(
                    _prepare_evaluation(
                        con,
                        r["unit_id"],
                        r["year"],
                        r["stage"],
                        r.get("framework_id"),
                        r.get("evaluated_on"),
                        r.get("answers"),
                        r.get("area_points"),
                        r.get("hasil"),
                    )
                )
            ids = _write_evaluations(con, prepared)
            if ids:
                _set_meta(con, "dataset", "real")
        return ids

    def delete_evaluation(self, evaluation_id: int, *, actor: str) -> None:
        evaluation_id = _as_int(evaluation_id, "evaluation_id")
        with self.writing(actor, "delete_evaluation", {"evaluation_id": evaluation_id}) as con:
            row = con.execute(
                "SELECT unit_id, year, stage FROM evaluations WHERE id = ?", [evaluation_id]
            ).fetchone()
            if row is None:
                raise UnknownEvaluationError(f"id {evaluation_id}")
            _delete_evaluation_children(con, evaluation_id)
            con.execute("DELETE FROM evaluations WHERE id = ?", [evaluation_id])

    def save_prerequisites(
        self,
        unit_id: str,
        year: int,
        values: Mapping[str, Any],
        *,
        actor: str,
        file_name: str | None = None,
        file_sha256: str | None = None,
    ) -> None:
        """Replace the facts of (unit, year) wholly: fields not given become NULL (unknown)."""
        with self.writing(
            actor, "save_prerequisites", {"unit_id": unit_id, "year": year}, file_name, file_sha256
        ) as con:
            uid, y, clean = _prepare_prerequisites(con, unit_id, year, values)
            _write_prerequisites(con, uid, y, clean)
            _set_meta(con, "dataset", "real")

    def award_predicate(
        self, unit_id: str, year: int, predicate: str, decree_ref: str | None = None, *, actor: str
    ) -> None:
        with self.writing(
            actor,
            "award_predicate",
            {"unit_id": unit_id, "year": year, "predicate": predicate, "decree_ref": decree_ref},
        ) as con:
            _award(con, unit_id, year, predicate, decree_ref)
            _set_meta(con, "dataset", "real")

    def revoke_predicate(
        self,
        unit_id: str,
        year: int,
        predicate: str,
        *,
        revoked_on: dt.date | str,
        reason: str | None = None,
        actor: str,
    ) -> None:
        with self.writing(
            actor,
            "revoke_predicate",
            {
                "unit_id": unit_id,
                "year": year,
                "predicate": predicate,
                "revoked_on": revoked_on,
                "reason": reason,
            },
        ) as con:
            _revoke(con, unit_id, year, predicate, revoked_on, reason)
            _set_meta(con, "dataset", "real")

    def clear_data(self, *, actor: str) -> None:
        """Delete every unit, evaluation, fact and award (the audit log stays); dataset becomes 'empty'."""
        with self.writing(actor, "clear_data") as con:
            _clear_data(con)


# ---------------------------------------------------------------------------------------------
# Module-level helpers


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # no transaction left to roll back (DuckDB already ended it)


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is None, str(type(v)), v if v is not None else 0) for v in row)


def open_store(
    path: str | os.PathLike[str] | None = None, create: bool = False, busy_timeout: float = 10.0
) -> Store:
    """A Store for ``path`` (default: default_db_path()), migrated to the current schema.

    ``create`` makes a missing file (empty); otherwise a missing file is StoreMissingError.
    """
    store = Store(path, busy_timeout=busy_timeout)
    store.migrate(create=create)
    return store


def ensure_database(path: str | os.PathLike[str] | None = None, busy_timeout: float = 10.0) -> Store:
    """The app's entry point: open the database, creating it with the synthetic demo data on first
    run (a file that does not exist yet). An existing file is only migrated."""
    store = Store(path, busy_timeout=busy_timeout)
    if store.exists():
        store.migrate()
        return store
    store.migrate(create=True)
    from zi_metrics.demo import seed_demo  # noqa: PLC0415 (demo imports store)

    try:
        seed_demo(store)
    except BaseException:
        _remove_quietly(store.path)
        _remove_quietly(store.wal_path)
        raise
    return store


# =============================================================================================
# LKE import (zi_metrics.lke): several rounds in one transaction, unchanged rounds left alone.
# Added by the LKE import/export work (issue #5); uses the helpers above and nothing else.
# =============================================================================================


@dataclass(frozen=True)
class RoundStatus:
    """What saving one round does: ``new`` (no such evaluation yet), ``changed`` (its stored
    contents differ and are replaced) or ``unchanged`` (identical: not rewritten)."""

    unit_id: str
    year: int
    stage: str
    framework_id: str
    status: str
    evaluation_id: int | None


def _stored_round_contents(
    con: duckdb.DuckDBPyConnection, unit_id: str, year: int, stage: str
) -> tuple[int, tuple[Any, ...]] | None:
    row = con.execute(
        "SELECT id, framework_id, evaluated_on, source FROM evaluations WHERE unit_id = ? AND year = ? "
        "AND stage = ?",
        [unit_id, year, stage],
    ).fetchone()
    if row is None:
        return None
    eid = int(row[0])
    answers = con.execute(
        "SELECT question_id, answer_text, answer_number, note, evidence_ref FROM answers "
        "WHERE evaluation_id = ? ORDER BY question_id",
        [eid],
    ).fetchall()
    areas = con.execute(
        "SELECT area_code, points FROM area_points WHERE evaluation_id = ? ORDER BY area_code", [eid]
    ).fetchall()
    hasil = con.execute(
        "SELECT item_code, value_number, value_text FROM hasil_inputs WHERE evaluation_id = ? "
        "ORDER BY item_code",
        [eid],
    ).fetchall()
    return eid, (
        row[1],
        row[2],
        row[3],
        [tuple(r) for r in answers],
        [tuple(r) for r in areas],
        [tuple(r) for r in hasil],
    )


def _prepared_contents(p: _PreparedEvaluation) -> tuple[Any, ...]:
    return (
        p.framework_id,
        p.evaluated_on,
        p.source,
        sorted(tuple(r) for r in p.answers),
        sorted(tuple(r) for r in p.area_points),
        sorted(tuple(r) for r in p.hasil),
    )


_ROUND_KEYS = ("unit_id", "year", "stage", "framework_id", "evaluated_on", "answers", "area_points", "hasil")


def _prepare_round(con: duckdb.DuckDBPyConnection, n: int, spec: Mapping[str, Any]) -> _PreparedEvaluation:
    if not isinstance(spec, Mapping):
        raise StoreValidationError(f"rounds[{n}]: expected a mapping of save_evaluation arguments")
    unknown = set(spec) - set(_ROUND_KEYS)
    if unknown:
        raise StoreValidationError(f"rounds[{n}]: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    return _prepare_evaluation(
        con,
        spec.get("unit_id"),
        spec.get("year"),
        spec.get("stage"),
        spec.get("framework_id"),
        spec.get("evaluated_on"),
        spec.get("answers"),
        spec.get("area_points"),
        spec.get("hasil"),
    )


def _round_statuses(
    con: duckdb.DuckDBPyConnection, rounds: Sequence[Mapping[str, Any]]
) -> tuple[list[_PreparedEvaluation], list[RoundStatus]]:
    prepared: list[_PreparedEvaluation] = []
    statuses: list[RoundStatus] = []
    keys: set[tuple[str, int, str]] = set()
    for n, spec in enumerate(rounds):
        p = _prepare_round(con, n, spec)
        key = (p.unit_id, p.year, p.stage)
        if key in keys:
            raise StoreValidationError(f"rounds[{n}]: {_where(*key)} is given twice")
        keys.add(key)
        stored = _stored_round_contents(con, *key)
        if stored is None:
            status, eid = "new", None
        else:
            eid = stored[0]
            status = "unchanged" if stored[1] == _prepared_contents(p) else "changed"
        prepared.append(p)
        statuses.append(RoundStatus(p.unit_id, p.year, p.stage, p.framework_id, status, eid))
    return prepared, statuses


def round_statuses(store: Store, rounds: Sequence[Mapping[str, Any]]) -> list[RoundStatus]:
    """Validate rounds (each a mapping of :meth:`Store.save_evaluation` arguments) and say, per
    round, whether saving it would add, replace or leave the stored evaluation. Reads only."""
    with store.reading() as con:
        return _round_statuses(con, rounds)[1]


def save_rounds(
    store: Store,
    rounds: Sequence[Mapping[str, Any]],
    *,
    actor: str,
    action: str = "import",
    detail: Mapping[str, Any] | None = None,
    file_name: str | None = None,
    file_sha256: str | None = None,
) -> list[RoundStatus]:
    """Save several rounds in ONE transaction (all or nothing), with one audit row carrying the
    file's name and SHA-256. Rounds whose stored contents are already identical are not rewritten;
    when no round changes, nothing is written at all (no audit row either), so importing the same
    file twice leaves the database file byte-for-byte unchanged. Returns the status each round
    had before the save, with its evaluation id."""
    rounds = list(rounds)
    if not rounds:
        raise StoreValidationError("nothing to save: no round given")
    with store.reading() as con:
        _, before = _round_statuses(con, rounds)
    if all(s.status == "unchanged" for s in before):
        return before
    out: list[RoundStatus] = []
    full_detail = dict(detail or {})
    full_detail["rounds"] = [f"{_where(s.unit_id, s.year, s.stage)}: {s.status}" for s in before]
    with store.writing(actor, action, full_detail, file_name, file_sha256) as con:
        prepared, statuses = _round_statuses(con, rounds)  # again, inside the transaction
        changed = [p for p, s in zip(prepared, statuses, strict=True) if s.status != "unchanged"]
        new_ids = iter(_write_evaluations(con, changed))
        for s in statuses:
            eid = s.evaluation_id if s.status == "unchanged" else next(new_ids)
            out.append(RoundStatus(s.unit_id, s.year, s.stage, s.framework_id, s.status, eid))
        _set_meta(con, "dataset", "real")
    return out


# ---------------------------------------------------------------------------------------------
# National scale: a bulk loader for frames, and whole rounds scored inside DuckDB
#
# zi_metrics.bulk turns a framework into small relations (items, options, leaves); the query
# below joins the answers against them and rolls them up exactly like scoring.score_answers
# (mean of answered items x weight, composite parts summed), so a round of 10,000 units is
# scored where its 1.3 million answers are instead of moving them into Python.

_BULK_SCORE_SQL = """
WITH ev AS (
    SELECT id FROM evaluations
    WHERE source = 'answers' AND framework_id = $framework
      AND ($year::INTEGER IS NULL OR year = $year::INTEGER)
      AND ($stage::VARCHAR IS NULL OR stage = $stage::VARCHAR)
),
a AS (
    SELECT a.evaluation_id, a.question_id, a.answer_text, a.answer_number
    FROM answers a SEMI JOIN ev ON ev.id = a.evaluation_id
),
option_values AS (  -- answer items: the option's multiplier
    SELECT a.evaluation_id, o.leaf_id, o.multiplier AS value
    FROM a JOIN zi_options o ON o.question_id = a.question_id AND o.option_key = a.answer_text
),
counts AS (  -- computed items: gather each item's counts
    SELECT a.evaluation_id, r.item_id, count(*) AS n,
           sum(a.answer_number) FILTER (WHERE r.role = 'num') AS num,
           sum(a.answer_number) FILTER (WHERE r.role = 'den') AS den,
           max(a.answer_number) FILTER (WHERE r.role = 'before') AS bef,
           max(a.answer_number) FILTER (WHERE r.role = 'after') AS aft
    FROM a JOIN zi_count_roles r ON r.question_id = a.question_id
    WHERE a.answer_number IS NOT NULL
    GROUP BY a.evaluation_id, r.item_id
),
count_values AS (  -- an item is answered only when all of its counts are
    SELECT c.evaluation_id, i.leaf_id,
           CASE i.kind
               WHEN 'ratio' THEN CASE WHEN c.den = 0 THEN i.zero_denominator
                                      ELSE least(1.0, greatest(0.0, c.num / c.den)) END
               ELSE CASE WHEN c.bef = 0 AND c.aft = 0 THEN i.both_zero
                         WHEN c.bef = 0 THEN i.before_zero
                         ELSE least(1.0, greatest(0.0, (c.bef - c.aft) / c.bef)) END
           END AS value
    FROM counts c JOIN zi_count_items i ON i.item_id = c.item_id
    WHERE c.n = i.n_questions
),
leaf_values AS (
    SELECT evaluation_id, leaf_id, sum(value) AS sum_v, count(*) AS n
    FROM (SELECT * FROM option_values UNION ALL SELECT * FROM count_values)
    GROUP BY evaluation_id, leaf_id
)
SELECT v.evaluation_id, l.area_code, l.half_code,
       sum(l.weight * v.sum_v / v.n) AS score,
       sum(l.weight * v.sum_v / l.n_items) AS conservative
FROM leaf_values v JOIN zi_leaves l ON l.leaf_id = v.leaf_id
GROUP BY v.evaluation_id, l.area_code, l.half_code
"""

_BULK_META_SQL = """
WITH ev AS (
    SELECT id FROM evaluations
    WHERE source = 'answers' AND framework_id = $framework
      AND ($year::INTEGER IS NULL OR year = $year::INTEGER)
      AND ($stage::VARCHAR IS NULL OR stage = $stage::VARCHAR)
)
SELECT ev.id AS evaluation_id,
       count(s.question_id)::INTEGER AS answered
FROM ev
LEFT JOIN answers a ON a.evaluation_id = ev.id AND (a.answer_text IS NOT NULL OR a.answer_number IS NOT NULL)
LEFT JOIN zi_scored_questions s ON s.question_id = a.question_id
GROUP BY ev.id
ORDER BY ev.id
"""

_BULK_HASIL_SQL = """
WITH ev AS (
    SELECT id FROM evaluations
    WHERE source = 'answers' AND framework_id = $framework
      AND ($year::INTEGER IS NULL OR year = $year::INTEGER)
      AND ($stage::VARCHAR IS NULL OR stage = $stage::VARCHAR)
)
SELECT a.evaluation_id, h.item_code, a.answer_number, a.answer_text
FROM answers a
JOIN ev ON ev.id = a.evaluation_id
JOIN zi_hasil_questions h ON h.question_id = a.question_id
WHERE a.answer_text IS NOT NULL OR a.answer_number IS NOT NULL
UNION ALL
SELECT hi.evaluation_id, hi.item_code, hi.value_number, hi.value_text
FROM hasil_inputs hi JOIN ev ON ev.id = hi.evaluation_id
"""

_FLOOR_SQL = """
SELECT evaluation_id, count(*) AS n, count(answer_text) AS texts, sum(answer_number) AS total_number
FROM answers GROUP BY evaluation_id
"""


@dataclass(frozen=True)
class BulkScores:
    """The bulk query's result for one framework: per evaluation x area x half the official and
    conservative points (an area with no answered item has no row: it scores 0), per evaluation
    the answered pengungkit questions, and its hasil inputs."""

    framework_id: str
    area_rows: pd.DataFrame
    meta: pd.DataFrame
    hasil: dict[int, dict[str, float | str]]


def _register_tables(con: duckdb.DuckDBPyConnection, tables: Any) -> None:
    for name in ("leaves", "options", "count_roles", "count_items", "scored_questions", "hasil_questions"):
        con.register(f"zi_{name}", getattr(tables, name))


def score_rounds_bulk(store: Store, tables: Any, year: int | None = None, stage: str | None = None) -> BulkScores:
    """Roll up every answers-based evaluation (of ``year``/``stage`` when given) inside DuckDB.

    ``tables`` is a :class:`zi_metrics.bulk.ScoringTables` (one framework); recap rounds are not
    included."""
    if stage is not None:
        _check_stage(stage)
    params = {"framework": tables.framework_id, "year": year, "stage": stage}
    with store.reading() as con:
        _register_tables(con, tables)
        area_rows = con.execute(_BULK_SCORE_SQL, params).df()
        meta = con.execute(_BULK_META_SQL, params).df()
        hasil_rows = con.execute(_BULK_HASIL_SQL, params).fetchall()
    hasil: dict[int, dict[str, float | str]] = {}
    for eid, code, number, text in hasil_rows:
        hasil.setdefault(int(eid), {})[code] = text if text is not None else number
    return BulkScores(tables.framework_id, area_rows, meta, hasil)


def answers_floor(store: Store) -> pd.DataFrame:
    """One raw aggregation pass over the whole answers table: the benchmarks' floor."""
    with store.reading() as con:
        return con.execute(_FLOOR_SQL).df()


def bulk_load(
    store: Store,
    units: pd.DataFrame,
    evaluations: pd.DataFrame,
    answers: pd.DataFrame,
    *,
    actor: str,
    action: str = "bulk_load",
    dataset: str | None = None,
) -> None:
    """Write many units, evaluations and answers (frames) in ONE transaction after checking them.

    Evaluation ids of the frame are renumbered after the stored ones; a (unit, year, stage) that is
    already stored is refused (this loader adds, it never replaces)."""
    from zi_metrics.bulk import validate_answer_frame

    for col in ("id", "unit_id", "year", "stage", "framework_id", "source"):
        if col not in evaluations.columns:
            raise StoreValidationError(f"evaluations frame lacks column {col!r}")
    bad_stage = ~evaluations["stage"].isin(STAGES)
    if bad_stage.any():
        raise StoreValidationError(f"unknown stage {evaluations.loc[bad_stage, 'stage'].iloc[0]!r} in evaluations")
    if (evaluations["source"] != "answers").any():
        raise StoreValidationError("bulk_load takes answers-based evaluations only")
    for fid in evaluations["framework_id"].unique():
        _load_fw(fid, "evaluations")
    if evaluations.duplicated(["unit_id", "year", "stage"]).any():
        raise StoreValidationError("evaluations frame holds one (unit, year, stage) twice")
    if evaluations["id"].duplicated().any():
        raise StoreValidationError("evaluations frame holds one id twice")
    try:
        validate_answer_frame(answers, evaluations)
    except ValueError as exc:
        raise StoreValidationError(f"answers: {exc}") from None
    # pandas holds a missing parent as NaN; the unit checks expect None.
    records = units.astype(object).where(units.notna(), None).to_dict("records")
    unit_records = [_coerce_unit(r, n) for n, r in enumerate(records)]
    with store.writing(actor, action, {"units": len(units), "evaluations": len(evaluations),
                                       "answers": len(answers)}) as con:
        _write_units(con, unit_records)
        known = set(_all_units(con))
        missing = sorted(set(evaluations["unit_id"]) - known)
        if missing:
            raise UnknownUnitError(missing[0], "evaluations frame")
        offset = con.execute("SELECT coalesce(max(id), 0) FROM evaluations").fetchall()[0][0]
        ev = evaluations.assign(new_id=evaluations["id"].rank(method="first").astype("int64") + offset)
        ev = ev.assign(evaluated_on=ev["evaluated_on"] if "evaluated_on" in ev.columns else None)
        con.register("zi_bulk_evaluations", ev[["new_id", "unit_id", "year", "stage", "framework_id",
                                                "evaluated_on", "source"]])
        clash = con.execute(
            "SELECT e.unit_id, e.year, e.stage FROM evaluations e JOIN zi_bulk_evaluations b "
            "ON b.unit_id = e.unit_id AND b.year = e.year AND b.stage = e.stage LIMIT 1"
        ).fetchall()
        if clash:
            raise StoreValidationError(f"{_where(*clash[0])} is already stored; bulk_load never replaces")
        con.execute("INSERT INTO evaluations (id, unit_id, year, stage, framework_id, evaluated_on, source) "
                    "SELECT new_id, unit_id, year, stage, framework_id, evaluated_on, source FROM zi_bulk_evaluations")
        id_map = pd.Series(ev["new_id"].to_numpy(), index=ev["id"].to_numpy())
        con.register("zi_bulk_answers", answers.assign(evaluation_id=answers["evaluation_id"].map(id_map)))
        con.execute("INSERT INTO answers (evaluation_id, question_id, answer_text, answer_number) "
                    "SELECT evaluation_id, question_id, answer_text, answer_number FROM zi_bulk_answers")
        if dataset is not None:
            _set_meta(con, "dataset", dataset)


# ---------------------------------------------------------------------------------------------
# Columnar round data for the vectorised scorer (zi_metrics.bulk.score_round_data)
#
# Moving 1.3 million answers per round into Python objects costs far more than scoring them, and
# joining them against option tables inside DuckDB costs several aggregation passes. Instead one
# plain scan hands each answer over as two numbers, through Arrow (about half the cost of
# fetchnumpy): its cell in an evaluation-major matrix ((evaluation_id - lo) * stride + question_id)
# and its value: a count or survey answer its number, an option answer
# question_id * (keys + 1) + 1 + the 1-based position of its text in the framework's option keys
# (0: not one of them), a blank answer -1. zi_metrics.bulk decodes and rolls the matrix up.

# Stage, framework and source come back as small codes (half the cost of 30,000 strings each).
_ROUND_EVALUATIONS_SQL = """
SELECT id, unit_id, year,
       list_position($stages::VARCHAR[], stage)::SMALLINT - 1 AS stage,
       coalesce(list_position($frameworks::VARCHAR[], framework_id), 0)::SMALLINT - 1 AS framework,
       (source = 'answers') AS answers
FROM evaluations
WHERE ($year::INTEGER IS NULL OR year = $year::INTEGER)
  AND ($stage::VARCHAR IS NULL OR stage = $stage::VARCHAR)
"""

# {cast} is INTEGER or BIGINT (by the matrix size); {keys} the framework's option keys as an ENUM
# type (a cast to an ENUM costs less than list_position over 3 million strings); {only} narrows a
# non-contiguous id range to the wanted evaluations.
_ROUND_ANSWERS_SQL = """
SELECT ((evaluation_id - $lo) * $stride + question_id)::{cast} AS pos,
       CASE WHEN answer_text IS NOT NULL
            THEN (question_id * $width + 1
                  + coalesce(enum_code(TRY_CAST(answer_text AS ENUM({keys}))) + 1, 0))::DOUBLE
            ELSE coalesce(answer_number, -1.0) END AS value
FROM answers
WHERE evaluation_id BETWEEN $lo AND $hi AND question_id BETWEEN $first AND $last{only}
"""

_ROUND_ANSWERS_ONLY = """
  AND evaluation_id IN (
      SELECT id FROM evaluations
      WHERE source = 'answers' AND framework_id = $framework
        AND ($year::INTEGER IS NULL OR year = $year::INTEGER)
        AND ($stage::VARCHAR IS NULL OR stage = $stage::VARCHAR))"""

_ROUND_CHILDREN_SQL = """
SELECT c.evaluation_id, {columns}
FROM {table} c
WHERE c.evaluation_id IN (
    SELECT id FROM evaluations
    WHERE ($year::INTEGER IS NULL OR year = $year::INTEGER)
      AND ($stage::VARCHAR IS NULL OR stage = $stage::VARCHAR))
ORDER BY c.evaluation_id
"""


@dataclass(frozen=True)
class AnswerCells:
    """The answers of one framework's evaluations as matrix cells (see the section comment): the
    cell of evaluation e and question q is ``(e - lo) * stride + q``; ``rows`` = ``hi - lo + 1``."""

    framework_id: str
    lo: int
    rows: int
    stride: int
    pos: np.ndarray  # int32 (int64 for a matrix of 2**31 cells or more)
    value: np.ndarray  # float64


@dataclass(frozen=True)
class RoundData:
    """Everything needed to score the evaluations of a year / stage (None = any) in bulk."""

    evaluations: dict[str, np.ndarray]  # id, unit_id, year, stage, framework_id, source (sorted by id)
    answers: dict[str, AnswerCells]  # framework id -> cells of its answers-based evaluations
    area_points: dict[str, np.ndarray]  # evaluation_id, area_code, points (recap evaluations)
    hasil: dict[str, np.ndarray]  # evaluation_id, item_code, value_number, value_text


def _arrow_columns(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Run ``sql`` and return its columns as numpy arrays (NULL: None in text columns, NaN in numbers)."""
    table = con.sql(sql, params=dict(params)).to_arrow_table()
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _round_data(con: duckdb.DuckDBPyConnection, layouts: Mapping[str, tuple[Sequence[str], int, int]],
                year: int | None, stage: str | None) -> RoundData:
    params: dict[str, Any] = {"year": year, "stage": stage}
    frameworks = sorted(layouts)
    answers: dict[str, AnswerCells] = {}
    got = _arrow_columns(con, _ROUND_EVALUATIONS_SQL, {**params, "stages": list(STAGES), "frameworks": frameworks})
    if len(got["id"]) > 1 and not (got["id"][1:] > got["id"][:-1]).all():
        order = np.argsort(got["id"], kind="stable")
        got = {k: v[order] for k, v in got.items()}
    ids = got["id"].astype(np.int64)
    if (got["framework"] < 0).any():
        unknown = con.execute("SELECT framework_id FROM evaluations WHERE id = ?",
                              [int(ids[got["framework"] < 0][0])]).fetchall()
        raise StoreValidationError(f"no scoring layout for framework {unknown[0][0] if unknown else None!r}")
    fw_col = np.asarray(frameworks, dtype=object)[got["framework"]] if len(ids) else np.empty(0, object)
    is_answers = got["answers"].astype(bool)
    evals = {"id": ids, "unit_id": got["unit_id"], "year": got["year"],
             "stage": np.asarray(STAGES, dtype=object)[got["stage"]] if len(ids) else np.empty(0, object),
             "framework_id": fw_col, "source": np.where(is_answers, "answers", "recap").astype(object)}
    for fid in sorted(set(fw_col[is_answers].tolist())):
        keys, first, last = layouts[fid]
        mine = ids[(fw_col == fid) & is_answers]
        lo, hi = int(mine[0]), int(mine[-1])
        rows, stride = hi - lo + 1, last + 1
        sql = _ROUND_ANSWERS_SQL.format(cast="INTEGER" if stride * rows < 2**31 else "BIGINT",
                                        keys=", ".join(_sql_text(k) for k in keys),
                                        only="" if rows == len(mine) else _ROUND_ANSWERS_ONLY)
        cells = {"lo": lo, "hi": hi, "stride": stride, "width": len(keys) + 1, "first": first, "last": last}
        if rows != len(mine):
            cells.update(params, framework=fid)
        cols = _arrow_columns(con, sql, cells)
        answers[fid] = AnswerCells(fid, lo, rows, stride, cols["pos"], cols["value"])
    area_points: dict[str, np.ndarray] = {"evaluation_id": np.empty(0, np.int64),
                                          "area_code": np.empty(0, object), "points": np.empty(0)}
    if (~is_answers).any():
        area_points = _arrow_columns(con, _ROUND_CHILDREN_SQL.format(
            columns="c.area_code, c.points", table="area_points"), params)
    hasil = _arrow_columns(con, _ROUND_CHILDREN_SQL.format(
        columns="c.item_code, c.value_number, c.value_text", table="hasil_inputs"), params)
    return RoundData(evals, answers, area_points, hasil)


def round_data(store: Store, layouts: Mapping[str, tuple[Sequence[str], int, int]], year: int | None = None,
               stage: str | None = None) -> RoundData:
    """The evaluations of ``year``/``stage`` (None = any) with their answers as matrix cells, area
    points and hasil inputs, read through ONE connection: an evaluation query, one answer scan per
    framework, and the (small) area point and hasil tables.

    ``layouts`` maps a framework id to its option keys, its first and its last question id
    (zi_metrics.bulk.round_layouts); evaluations of a framework missing from it raise
    StoreValidationError."""
    year = _opt_int(year, "year")
    if stage is not None:
        _check_stage(stage)
    with store.reading() as con:
        return _round_data(con, layouts, year, stage)


_UNIT_COLUMNS_SQL = "SELECT id, name, level, instansi_kind, parent_id, short_name, afirmasi FROM units ORDER BY id"
_AWARD_COLUMNS = ("unit_id", "year", "predicate", "decree_ref", "revoked", "revoked_on", "revoked_reason")


@dataclass(frozen=True)
class OverviewData:
    """What the overview of one round needs, read through one connection (each connection costs
    20 ms on an idle machine and over 100 ms on a loaded one)."""

    current: RoundData
    previous: RoundData | None  # the same stage of the latest earlier year with evaluations
    units: dict[str, np.ndarray]  # unit_columns()
    awards: list[dict[str, Any]]  # Store.awards()


def overview_data(store: Store, layouts: Mapping[str, tuple[Sequence[str], int, int]], year: int,
                  stage: str) -> OverviewData:
    year = _as_int(year, "year")
    _check_stage(stage)
    with store.reading() as con:
        earlier = con.execute("SELECT max(year) FROM evaluations WHERE year < ?", [year]).fetchall()[0][0]
        current = _round_data(con, layouts, year, stage)
        previous = _round_data(con, layouts, int(earlier), stage) if earlier is not None else None
        units = _arrow_columns(con, _UNIT_COLUMNS_SQL, {})
        rows = con.execute(f"SELECT {', '.join(_AWARD_COLUMNS)} FROM predicate_awards "
                           "ORDER BY unit_id, year, predicate DESC").fetchall()
    return OverviewData(current, previous, units, [dict(zip(_AWARD_COLUMNS, r, strict=True)) for r in rows])


def unit_columns(store: Store) -> dict[str, np.ndarray]:
    """Every unit as columns (id, name, level, instansi_kind, parent_id, short_name, afirmasi),
    ordered by id: what national-scale tables need, without one Unit object per unit."""
    with store.reading() as con:
        return _arrow_columns(con, _UNIT_COLUMNS_SQL, {})


def answer_rows(store: Store) -> list[tuple[int, int, str | None, float | None]]:
    """Every answer row (evaluation_id, question_id, answer_text, answer_number) as Python tuples: what
    a notebook user fetches before looping over it (the benchmarks' row-by-row baseline)."""
    with store.reading() as con:
        return con.execute("SELECT evaluation_id, question_id, answer_text, answer_number FROM answers").fetchall()
