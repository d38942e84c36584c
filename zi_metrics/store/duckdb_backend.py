"""The DuckDB backend: the embedded default, one database file (``data/zi.duckdb``).

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
A "connection" is the file attached to one in-memory DuckDB instance kept by the process
(:class:`_Host`): attaching costs about 1.7 ms of CPU where ``duckdb.connect`` of the file built a
new instance each time (about 13 ms). Opening is still not free, which is why the app keys its caches on
:meth:`Store.data_version` (here a ``stat`` of the file and its WAL) instead of reopening the file
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

DuckDB traps handled here and in :mod:`zi_metrics.store.base`: ``COMMIT`` after a failed statement
silently rolls back instead of raising, so the audit row is written just before ``COMMIT`` (DuckDB
refuses any statement in an aborted transaction, which surfaces the failure) and its presence is
checked after ``COMMIT`` (``DuckDBDialect.silent_rollback_on_commit``). Bulk rows are inserted with
one ``INSERT ... SELECT unnest(?)`` statement per table: still parameterised, and about a hundred
times faster than ``executemany``.

Referential integrity (unit of an evaluation, parent of a unit, ...) is checked by the write
functions rather than by SQL foreign keys: DuckDB refuses to update any indexed column of a row
that a foreign key references, which would break the upserts.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from zi_metrics.store.errors import (
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    StoreFileError,
    StoreMissingError,
)
from zi_metrics.store.sql import Backend, Connection, Dialect, Result

try:
    import fcntl
except ImportError:  # Windows: no writer priority between processes, the busy retry still applies
    fcntl = None  # type: ignore[assignment]


class DuckDBDialect(Dialect):
    name = "duckdb"
    title = "DuckDB"
    container = "file"
    errors = (duckdb.Error,)
    silent_rollback_on_commit = True
    serialised_writes = True

    def table_names(self, con: Connection) -> set[str]:
        rows = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main'"
        ).fetchall()
        return {r[0] for r in rows}

    def damage(self, exc: BaseException) -> str | None:
        if not isinstance(exc, duckdb.Error):
            return None
        low = str(exc).lower()
        if "corrupt database file" in low or "checksum" in low:
            return "checksum"
        if "could not read enough bytes" in low or "unexpected end of file" in low:
            return "truncated"
        return None

    def verify_tables(self, con: Connection, tables: Sequence[str]) -> None:
        # A hash of every row reads every column's blocks, so each block's checksum is verified
        # (counting rows alone reads none of them). About 0.1 s for 3.8 million answers. One
        # statement for all tables: 13 statements cost 8 ms more than the reading on a small file,
        # paid by every new process that opens it.
        if tables:
            con.execute("SELECT " + ", ".join(f"(SELECT bit_xor(hash(t)) FROM {table} AS t)"
                                              for table in tables)).fetchall()  # tables: constants

    def verify_keys(self, con: Connection, table: str) -> None:
        # DuckDB reads a primary key's index only when a write checks it: insert a copy of a stored
        # row (refused as a duplicate once the index is loaded) and roll back, so nothing is written.
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"INSERT INTO {table} SELECT * FROM {table} LIMIT 1")  # table: a constant
        except duckdb.ConstraintException:
            pass
        finally:
            con.execute("ROLLBACK")

    def next_ids(self, con: Connection, table: str, count: int) -> list[int]:
        # One writer at a time: the next free ids are simply after the largest one.
        first = con.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchall()[0][0]  # table: a constant
        return list(range(int(first), int(first) + count))

    def insert_frame(self, con: Connection, table: str, columns: Sequence[str], data: Any) -> None:
        raw = con.raw
        name = f"zi_frame_{table}"
        raw.register(name, data)
        try:
            names = ", ".join(f'"{c}"' for c in columns)
            raw.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {name}")  # store constants
        finally:
            raw.unregister(name)


DUCKDB = DuckDBDialect()


class DuckDBConnection(Connection):
    """A DuckDB connection: DuckDB takes ``?`` and ``$name`` parameters as they are."""

    dialect = DUCKDB

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Result:
        return self._con.execute(sql, params) if params is not None else self._con.execute(sql)

    @property
    def raw(self) -> duckdb.DuckDBPyConnection:
        return self._con


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
        self.local = threading.local()  # .read_depth per thread


_STATES: dict[str, _FileState] = {}
_STATES_LOCK = threading.Lock()


def _file_state(path: Path) -> _FileState:
    key = os.path.normcase(str(path))
    with _STATES_LOCK:
        state = _STATES.get(key)
        if state is None:
            state = _STATES[key] = _FileState()
        return state


class _Host:
    """One in-memory DuckDB instance per process, to which each read or write attaches its file.

    Opening a file with ``duckdb.connect`` builds a whole database instance (its catalog of built-in
    functions, its threads): about 13 ms of CPU a time, paid by every short-lived connection of the
    model above. ``ATTACH`` of the file to an instance that already exists costs about 1.7 ms and
    takes the same file lock; ``DETACH`` checkpoints and drops it, so other processes can write as
    soon as the last read of this process ends, as before. Reads that overlap (threads of one
    process; the readers-writer lock keeps writes apart) share one attachment, counted.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._attached: dict[str, list[Any]] = {}  # key -> [alias, read_only, users]
        self._aliases = itertools.count(1)

    def open(self, key: str, path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A connection (a cursor of the host) whose default database is the file."""
        with self._lock:
            if self._con is None:
                self._con = duckdb.connect(":memory:")
            entry = self._attached.get(key)
            if entry is None:
                alias = f"zi_file_{next(self._aliases)}"
                literal = str(path).replace("'", "''")
                mode = " (READ_ONLY)" if read_only else ""
                self._con.execute(f"ATTACH '{literal}' AS {alias}{mode}")  # alias: generated; path quoted
                entry = self._attached[key] = [alias, read_only, 0]
            elif entry[1] != read_only:  # the readers-writer lock keeps reads and writes apart
                raise StoreError(f"database file {path} is attached {'read-only' if entry[1] else 'read-write'}")
            entry[2] += 1
            cursor = self._con.cursor()
        try:
            cursor.execute(f"USE {entry[0]}")
        except BaseException:
            self.close(key, cursor)
            raise
        return cursor

    def close(self, key: str, cursor: duckdb.DuckDBPyConnection, release: bool = False) -> None:
        """Close ``cursor`` (rolling back what it left open); detach the file after its last user.

        ``release``: after a large read, close the instance too when nothing else is attached. DuckDB
        hands back everything its queries used, but its allocator (jemalloc) keeps the freed pages
        for the instance's later queries: a national round's scans left about 25 MiB in the process
        for good. Closing the instance returns them, as a connection of its own did; the next read
        builds a new one (13 ms, small beside such a read)."""
        try:
            cursor.close()
        finally:
            with self._lock:
                entry = self._attached[key]
                entry[2] -= 1
                if entry[2] == 0:
                    del self._attached[key]
                    assert self._con is not None
                    try:
                        self._con.execute(f"DETACH {entry[0]}")
                    except BaseException:
                        # The file must not stay locked by a half-closed attachment: drop the whole
                        # instance (every file of it is unused here, or its users' reads fail too).
                        con, self._con, self._attached = self._con, None, {}
                        con.close()
                        raise
                if release and not self._attached and self._con is not None:
                    con, self._con = self._con, None
                    con.close()


_HOST = _Host()


_LOCK_PATTERNS = ("could not set lock", "conflicting lock", "lock on file")
_PID = re.compile(r"\(PID (\d+)\)")


class DuckDBBackend(Backend):
    """A database file; nothing is opened until a query runs."""

    dialect = DUCKDB

    def __init__(self, path: str | os.PathLike[str], busy_timeout: float):
        self.path = Path(path).expanduser().absolute()
        self.busy_timeout = busy_timeout

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def source(self) -> str:
        return str(self.path)

    @property
    def key(self) -> str:
        return os.path.normcase(str(self.path))

    @property
    def wal_path(self) -> Path:
        return self.path.with_name(self.path.name + ".wal")

    @property
    def lock_path(self) -> Path:
        """The side file that gives a waiting writer priority over new readers of other processes."""
        return self.path.with_name(self.path.name + ".lock")

    def exists(self) -> bool:
        return self.path.is_file()

    def missing_message(self) -> str:
        return f"database file {self.path} does not exist"

    def prepare_create(self) -> bool:
        if self.exists():
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return True

    def discard_created(self) -> None:
        for p in (self.path, self.wal_path):
            try:
                p.unlink()
            except FileNotFoundError:
                pass

    def data_version(self) -> tuple[Any, ...]:
        """A stat of the file and its WAL (mtime_ns and size); no connection is opened."""
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
                return _HOST.open(self.key, self.path, read_only)
            except duckdb.Error as exc:
                holder = self._holder(exc)  # raises when the failure is not a lock held by another
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._busy(holder) from None
            time.sleep(min(delay, remaining))
            # A writer holds the turnstile, so no new reader comes in and the file frees as soon as
            # the reads already running end: it looks again soon (a 0.5 s step overshot that by a
            # quarter second on average under load); a reader backs off further.
            delay = min(delay * 2, 0.5 if read_only else 0.05)

    def _holder(self, exc: duckdb.Error) -> str:
        """Who holds the file, when ``exc`` says the file is locked (worth a retry); otherwise the
        store's error for it: damaged, not a database, missing, or unreadable."""
        text = str(exc)
        low = text.lower()
        if isinstance(exc, duckdb.ConnectionException) and "different configuration" in low:
            return "this process already has it open in another mode (a connection not made through Store)"
        reason = DUCKDB.damage(exc)
        if reason:
            raise StoreDamagedError(str(self.path), reason) from None
        if not isinstance(exc, duckdb.IOException):
            raise StoreFileError(f"cannot open database file {self.path}: {text}") from None
        if "not a valid duckdb database" in low:
            raise StoreFileError(f"{self.path} is not a DuckDB database file") from None
        if "database does not exist" in low or not self.path.exists():
            raise StoreMissingError(self.missing_message()) from None
        if not any(p in low for p in _LOCK_PATTERNS):
            raise StoreFileError(f"cannot open database file {self.path}: {text}") from None
        m = _PID.search(text)
        if m and int(m.group(1)) == os.getpid():
            return "another connection of this process holds it"
        if m:
            return f"another process (pid {m.group(1)}) holds it"
        return "another process holds it"

    @contextmanager
    def _connection(self, read_only: bool, deadline: float, release: bool = False) -> Iterator[Connection]:
        """A connection for the body of a read or a write; a failure that says the file is damaged
        becomes StoreDamagedError naming the file (whatever query met it)."""
        con = self._connect(read_only, deadline)
        try:
            yield DuckDBConnection(con)
        except duckdb.Error as exc:
            reason = DUCKDB.damage(exc)
            if reason:
                raise StoreDamagedError(str(self.path), reason) from exc
            raise
        finally:
            _HOST.close(self.key, con, release)

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
    def read(self) -> Iterator[Connection]:
        with self._read(release=False) as con:
            yield con

    @contextmanager
    def _read(self, release: bool) -> Iterator[Connection]:
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
            with self._connection(True, deadline, release) as con:
                yield con
        finally:
            state.local.read_depth = depth
            if depth == 0:
                state.lock.release_read()

    @contextmanager
    def analytic(
        self, rounds: Sequence[tuple[int | None, str | None]], tables: Sequence[str], previous: bool = False
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """The file itself, read-only: the national SQL filters the rounds itself. The scans are
        large: the shared instance is released after them (see _Host.close)."""
        with self._read(release=True) as con:
            yield con.raw

    @contextmanager
    def write(self) -> Iterator[Connection]:
        state = _file_state(self.path)
        if getattr(state.local, "read_depth", 0):
            raise StoreError("cannot start a write while this thread is reading the same database")
        deadline = time.monotonic() + self.busy_timeout
        if not state.lock.acquire_write(deadline):
            raise self._busy("another thread of this process is using it")
        try:
            with self._turnstile(True, deadline):
                with self._connection(False, deadline) as con:
                    yield con
        finally:
            state.lock.release_write()
