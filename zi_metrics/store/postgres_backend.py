"""The PostgreSQL backend: one database shared by several dashboard replicas and importers.

Selected by a ``postgresql://`` URL (``ZI_DATABASE_URL`` or ``--db``); a URL's
``options=-csearch_path=NAME`` puts the store's tables in schema NAME.

* Connections come from a small pool per URL and process (psycopg 3), in autocommit mode: a read
  runs in a ``REPEATABLE READ READ ONLY`` transaction (all its queries see one snapshot: no
  reader ever sees half of an import), a write is the store's own ``BEGIN`` ... ``COMMIT``.
* Real MVCC: readers never wait for writers, and writers of different rounds run in parallel.
  Writers of the same round (unit, year, stage) are serialised by a transaction-scoped advisory
  lock taken before the round is compared with what is stored (``lock_rounds``); replacing or
  clearing the whole data set locks the data tables. A lock not granted within ``busy_timeout``
  is StoreBusyError, and nothing is written.
* New ids (evaluations, audit_log) come from sequences, so concurrent writers never pick the same
  one; they are created after the migrations and moved past the largest id after a copy.
* The national paths fetch what they need as Arrow (``adbc-driver-postgresql``) into an
  in-memory DuckDB and run the same DuckDB SQL there (see :meth:`PostgresBackend.analytic`).
* The data version is the audit log's largest id and row count, read in one query: every write
  adds one audit row in its own transaction, so the pair changes with every committed write, on
  every replica.

Queries are written once with ``?`` placeholders (``$name`` with a mapping); :func:`translate`
turns them into psycopg's ``%s`` / ``%(name)s`` (and doubles a literal ``%``).
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import psycopg
import psycopg.errors
import pyarrow as pa
import pyarrow.compute as pc
from psycopg_pool import ConnectionPool, PoolTimeout

from zi_metrics.store.audit import SIGN_IN_FAILED
from zi_metrics.store.errors import StoreBusyError, StoreError, StoreFileError
from zi_metrics.store.model import OPTION_CODES
from zi_metrics.store.sql import Backend, Connection, Dialect

ID_TABLES = ("evaluations", "audit_log")


def public_url(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = parts.username or ""
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[-1]}"))


_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|\$[A-Za-z_]\w*|%")


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """``?`` -> ``%s``, ``$name`` -> ``%(name)s``, ``%`` -> ``%%``, outside quoted text."""

    def one(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if token.startswith("$"):
            return f"%({token[1:]})s"
        return token  # a quoted literal or identifier, unchanged

    return _TOKENS.sub(one, sql)


def _lock_key(unit_id: str, year: int, stage: str) -> int:
    digest = hashlib.blake2b(f"zi-round\x1f{unit_id}\x1f{year}\x1f{stage}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresDialect(Dialect):
    name = "postgresql"
    title = "PostgreSQL"
    container = "database"
    errors = (psycopg.Error,)

    _TYPES = {"DOUBLE": "DOUBLE PRECISION", "VARCHAR": "TEXT"}

    def type_name(self, portable: str) -> str:
        return self._TYPES.get(portable, portable)

    def begin(self, con: Connection, busy_timeout: float) -> None:
        # One round trip: BEGIN and this transaction's lock timeout (0 would mean "wait forever").
        con.raw.execute(f"BEGIN; SET LOCAL lock_timeout = {max(1, int(busy_timeout * 1000))}", prepare=False)

    def table_names(self, con: Connection) -> set[str]:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        ).fetchall()
        return {r[0] for r in rows}

    def next_ids(self, con: Connection, table: str, count: int) -> list[int]:
        if count <= 0:
            return []
        rows = con.execute(f"SELECT nextval('zi_{table}_id') FROM generate_series(1, ?)", [count]).fetchall()
        return sorted(int(r[0]) for r in rows)

    def insert_audit_row(self, con: Connection, values: Sequence[Any]) -> int:
        row = con.execute(
            'INSERT INTO audit_log (id, "at", actor, action, detail, file_name, file_sha256) '
            "VALUES (nextval('zi_audit_log_id'), ?, ?, ?, ?, ?, ?) RETURNING id",
            list(values),
        ).fetchone()
        return int(row[0])

    def after_migrations(self, con: Connection) -> None:
        for table in ID_TABLES:
            con.execute(f"CREATE SEQUENCE IF NOT EXISTS zi_{table}_id")
        self.sync_ids(con)

    def lock_migration(self, con: Connection) -> None:
        con.execute("SELECT pg_advisory_xact_lock(?)", [_lock_key("migration", 0, "")])

    def sync_ids(self, con: Connection) -> None:
        """Move each id sequence past the largest stored id (after a copy into this database)."""
        for table in ID_TABLES:
            con.execute(f"SELECT setval('zi_{table}_id', (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")

    def lock_rounds(self, con: Connection, keys: Sequence[tuple[str, int, str]]) -> None:
        for key in sorted(set(keys)):  # one order for every writer: no deadlock between two of them
            con.execute("SELECT pg_advisory_xact_lock(?)", [_lock_key(*key)])

    def lock_name(self, con: Connection, name: str) -> None:
        digest = hashlib.blake2b(f"zi-name\x1f{name}".encode(), digest_size=8).digest()
        con.execute("SELECT pg_advisory_xact_lock(?)", [int.from_bytes(digest, "big", signed=True)])

    def lock_all(self, con: Connection) -> None:
        from zi_metrics.store.schema import DATA_TABLES  # noqa: PLC0415

        con.execute(f"LOCK TABLE meta, {', '.join(DATA_TABLES)} IN SHARE ROW EXCLUSIVE MODE")

    def is_busy(self, exc: BaseException) -> bool:
        return isinstance(exc, psycopg.errors.LockNotAvailable)

    def insert_frame(self, con: Connection, table: str, columns: Sequence[str], data: pa.Table) -> None:
        """COPY an Arrow table into ``table`` (its CSV form: a quoted empty string stays a string,
        an unquoted empty field is NULL)."""
        import pyarrow.csv as pacsv  # noqa: PLC0415

        if data.num_rows == 0:
            return
        sink = pa.BufferOutputStream()
        pacsv.write_csv(data.select(list(columns)), sink,
                        pacsv.WriteOptions(include_header=False, quoting_style="all_valid"))
        payload = memoryview(sink.getvalue())
        raw: psycopg.Connection[Any] = con.raw
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
            step = 1 << 20
            for start in range(0, len(payload), step):
                copy.write(payload[start : start + step])


POSTGRES = PostgresDialect()

# OIDs of the types the store's queries return -> Arrow types (for df() and fetchnumpy()).
_ARROW_TYPES = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    25: pa.string(),
    1043: pa.string(),
    19: pa.string(),
    700: pa.float32(),
    701: pa.float64(),
    1700: pa.float64(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
}
_CONVERTER = duckdb.connect()  # turns Arrow into DuckDB's own pandas / numpy results (same dtypes)
_CONVERTER_LOCK = threading.Lock()


def _converter() -> duckdb.DuckDBPyConnection:
    with _CONVERTER_LOCK:
        return _CONVERTER.cursor()


class PostgresResult:
    """The rows of one statement, read like a DuckDB result."""

    def __init__(self, cursor: psycopg.Cursor[Any]):
        self._description = cursor.description
        self._rows: list[tuple[Any, ...]] = cursor.fetchall() if cursor.description is not None else []
        self._next = 0

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._next = self._rows[self._next :], len(self._rows)
        return rows

    def arrow(self) -> pa.Table:
        rows = self.fetchall()
        columns = {}
        for i, col in enumerate(self._description or ()):
            kind = _ARROW_TYPES.get(col.type_code)
            values = [r[i] for r in rows]
            if col.type_code == 1700:
                values = [None if v is None else float(v) for v in values]
            columns[col.name] = pa.array(values, type=kind)
        return pa.table(columns)

    def df(self) -> Any:
        return _converter().from_arrow(self.arrow()).df()

    def fetchnumpy(self) -> dict[str, Any]:
        return _converter().from_arrow(self.arrow()).fetchnumpy()


class PostgresConnection(Connection):
    dialect = POSTGRES

    def __init__(self, con: psycopg.Connection[Any]):
        self._con = con

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> PostgresResult:
        with self._con.cursor() as cur:
            # psycopg prepares a statement on the server once it has run 5 times on a connection:
            # the store's statements are few and repeated, so planning is mostly saved.
            cur.execute(translate(sql), params if params is not None else None)
            return PostgresResult(cur)

    @property
    def raw(self) -> psycopg.Connection[Any]:
        return self._con


_POOLS: dict[str, ConnectionPool] = {}
_POOLS_LOCK = threading.Lock()


# A pooled connection is checked (one round trip) before it is handed out only when it has lain
# idle: one returned a moment ago was working then, and a server restart is still noticed by the
# next request after a pause. (Checking every time cost a round trip on every transaction.)
_CHECK_AFTER_IDLE_S = 2.0
_RETURNED_AT = "_zi_returned_at"


def _check_idle(con: psycopg.Connection[Any]) -> None:
    if time.monotonic() - getattr(con, _RETURNED_AT, float("-inf")) > _CHECK_AFTER_IDLE_S:
        ConnectionPool.check_connection(con)


def _pool(url: str, location: str) -> ConnectionPool:
    with _POOLS_LOCK:
        pool = _POOLS.get(url)
        if pool is None:
            try:  # a clear message at once when the server cannot be reached
                psycopg.connect(url, connect_timeout=10).close()
            except psycopg.Error as exc:
                reason = " ".join(str(exc).split())  # one line
                raise StoreFileError(f"cannot connect to PostgreSQL at {location}: {reason}") from None
            pool = ConnectionPool(url, min_size=1, max_size=16, kwargs={"autocommit": True}, open=True,
                                  check=_check_idle, name="zi-store")
            _POOLS[url] = pool
        return pool


def close_pools(url: str | None = None) -> None:
    """Close the pooled connections of ``url`` (None: of every URL) in this process (tests; a
    replica shutting down)."""
    with _POOLS_LOCK:
        urls = [u for u in _POOLS if url is None or u == url.strip()]
        pools = [_POOLS.pop(u) for u in urls]
    for pool in pools:
        pool.close()


class PostgresBackend(Backend):
    dialect = POSTGRES
    stays_once_seen = True

    def __init__(self, url: str, busy_timeout: float):
        self.url = url.strip()
        self.busy_timeout = busy_timeout

    @property
    def location(self) -> str:
        return public_url(self.url)

    @property
    def source(self) -> str:
        return self.url

    @property
    def key(self) -> str:
        return self.url

    def missing_message(self) -> str:
        return f"database {self.location} has no Zona Integritas tables yet"

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        pool = _pool(self.url, self.location)
        try:
            with pool.connection(timeout=max(self.busy_timeout, 0.1)) as con:
                try:
                    yield con
                finally:
                    setattr(con, _RETURNED_AT, time.monotonic())  # see _check_idle
        except PoolTimeout:
            raise StoreBusyError(
                f"database {self.location} is busy: no connection could be had within {self.busy_timeout:g} s "
                "(is the server running?)"
            ) from None

    def exists(self) -> bool:
        with self._connection() as con:
            row = con.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()
        return bool(row and row[0])

    def prepare_create(self) -> bool:
        return not self.exists()

    def discard_created(self) -> None:
        from zi_metrics.store.schema import TABLES  # noqa: PLC0415

        with self._connection() as con, con.transaction():
            for table in TABLES:
                con.execute(f"DROP TABLE IF EXISTS {table}")
            for table in ID_TABLES:
                con.execute(f"DROP SEQUENCE IF EXISTS zi_{table}_id")

    def data_version(self) -> tuple[Any, ...]:
        try:
            with self._connection() as con:
                # Audit rows of refused sign-ins record no change of data: caches stay valid.
                row = con.execute(
                    "SELECT coalesce(max(id) FILTER (WHERE action <> %s), 0), "
                    "count(*) FILTER (WHERE action <> %s) FROM audit_log", [SIGN_IN_FAILED, SIGN_IN_FAILED]
                ).fetchone()
        except psycopg.errors.UndefinedTable:
            return (self.location, None)
        return (self.location, *row) if row else (self.location, None)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._connection() as raw:
            try:
                raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield PostgresConnection(raw)
            except psycopg.OperationalError as exc:
                raise StoreError(f"reading {self.location} failed: {str(exc).strip()}") from exc
            finally:
                if not raw.closed:
                    try:
                        raw.execute("ROLLBACK")
                    except psycopg.Error:
                        pass

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self._connection() as raw:
            yield PostgresConnection(raw)

    @contextmanager
    def analytic(
        self, rounds: Sequence[tuple[int | None, str | None]], tables: Sequence[str], previous: bool = False
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """An in-memory DuckDB holding, from one snapshot: the evaluations of ``rounds`` (year,
        stage; None = any) with their answers, area points and hasil inputs, and the whole of
        ``tables``, fetched as Arrow. ``previous``: also every evaluation of the latest earlier
        year than each round's, with the children of that year's round of the same stage."""
        import adbc_driver_postgresql.dbapi as adbc  # noqa: PLC0415

        fetched: dict[str, pa.Table] = {}
        try:
            con = adbc.connect(self.url, autocommit=True)
        except Exception as exc:  # noqa: BLE001 - the driver's own error classes
            raise StoreFileError(f"cannot connect to PostgreSQL at {self.location}: {exc}") from None
        try:
            cur = con.cursor()
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            wanted = [_round_filter(y, s) for y, s in rounds]
            listed = list(wanted)
            if previous:
                for year, stage in rounds:
                    if year is None:
                        continue
                    cur.execute(f"SELECT max(year) FROM evaluations WHERE year < {int(year)}")
                    earlier = cur.fetchone()[0]
                    if earlier is not None:
                        listed.append(_round_filter(int(earlier), None))
                        wanted.append(_round_filter(int(earlier), stage))
            queries: dict[str, str] = {}
            if wanted:
                if "(TRUE)" in wanted:  # every evaluation: no join needed
                    child = "SELECT {cols} FROM {table} c"
                else:
                    child = ("SELECT {cols} FROM {table} c JOIN (SELECT id FROM evaluations WHERE "
                             + " OR ".join(wanted) + ") e ON e.id = c.evaluation_id")
                answers = child.format(cols="{cols}", table="answers") + " WHERE {where}"
                queries = {
                    "evaluations": f"SELECT * FROM evaluations WHERE {' OR '.join(listed)}",
                    "answers_packed": answers.format(cols=_PACKED_ANSWER, where="TRUE"),
                    "area_points": child.format(cols="c.*", table="area_points"),
                    "hasil_inputs": child.format(cols="c.*", table="hasil_inputs"),
                }
            if "answers" in tables:  # the whole table asked for: it replaces the rounds' answers
                queries.pop("answers_packed", None)
            queries.update({t: f"SELECT * FROM {t}" for t in tables})  # table names: store constants
            for name, sql in queries.items():
                cur.execute(sql)
                fetched[name] = cur.fetch_arrow_table()
            if "answers_packed" in fetched and pc.any(pc.equal(fetched["answers_packed"]["k"], _NOT_PACKED)).as_py():
                # rows that do not pack: fetched whole, in the same snapshot (usually never)
                cur.execute(answers.format(cols=_ANSWER_COLUMNS, where=f"NOT ({_PACKABLE_ANSWER})"))
                fetched["answers_other"] = cur.fetch_arrow_table()
            cur.execute("COMMIT")
            cur.close()
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"reading {self.location} failed: {exc}") from None
        finally:
            con.close()
        duck = duckdb.connect()
        for name, table in fetched.items():
            duck.register(name, table)
        if "answers_other" in fetched:
            duck.execute(_UNPACKED_ANSWERS + f" WHERE k <> {_NOT_PACKED}" + _OTHER_ANSWERS)
        elif "answers_packed" in fetched:
            duck.execute(_UNPACKED_ANSWERS)
        try:
            yield duck
        finally:
            duck.close()


# The answers of the rounds an analytic() connection holds cross the wire as two fields a row, not
# five: fetching is most of a national re-score on PostgreSQL, and the driver's cost grows with
# the fields (3.8 million rows: 0.94 s of client CPU for five, 0.50 s for two). The key and the
# option code travel packed in one BIGINT, and the text of an option is left out: the database's
# own CHECK (migration 6) makes it the key that answer_option numbers (store.model.OPTION_KEYS),
# so DuckDB's view below gives it back. A row that does not pack (a text without a number: a key
# beyond OPTION_KEYS) travels as _NOT_PACKED, and only when one did are those rows fetched whole,
# by a second query. One scan of the answers, not two (the rows that do not pack were a second
# query scanning every answer to find none: 0.27 s at 3.8 million), and a CASE instead of a WHERE
# (the national read's fetch 0.92 -> 0.84 s, and 1.19 s with the second scan).
_ANSWER_COLUMNS = "c.evaluation_id, c.question_id, c.answer_text, c.answer_number, c.answer_option"
_PACKABLE_ANSWER = "c.question_id BETWEEN 0 AND 16777215 AND (c.answer_option > 0 OR c.answer_text IS NULL)"
# answer_option is 0-7 (the CHECK), so no packed row is -1 (question 16777215 with option 255); a
# negative evaluation id survives the arithmetic shift.
_NOT_PACKED = -1
_PACKED_ANSWER = (f"CASE WHEN {_PACKABLE_ANSWER} THEN (c.evaluation_id::int8 << 32) | (c.question_id::int8 << 8) "
                  f"| c.answer_option ELSE {_NOT_PACKED} END AS k, c.answer_number")
_UNPACKED_ANSWERS = (
    "CREATE VIEW answers AS "
    "SELECT (k >> 32)::INTEGER AS evaluation_id, ((k >> 8) & 16777215)::INTEGER AS question_id, "
    "CASE k & 255 " + " ".join(f"WHEN {code} THEN '{key}'" for key, code in OPTION_CODES.items())
    + " END AS answer_text, "
    "answer_number, (k & 255)::SMALLINT AS answer_option FROM answers_packed"
)
_OTHER_ANSWERS = (" UNION ALL SELECT evaluation_id, question_id, answer_text, answer_number, answer_option "
                  "FROM answers_other")


def _round_filter(year: int | None, stage: str | None) -> str:
    """SQL for one (year, stage) filter; both are validated (an int, one of STAGES) before."""
    parts = []
    if year is not None:
        parts.append(f"year = {int(year)}")
    if stage is not None:
        if not re.fullmatch(r"[a-z]+", stage):
            raise StoreError(f"bad stage {stage!r}")
        parts.append(f"stage = '{stage}'")
    return "(" + (" AND ".join(parts) or "TRUE") + ")"
