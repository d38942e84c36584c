"""The store's core: which database, one read or one write transaction at a time, and the schema.

:class:`StoreBase` holds what every query module builds on: ``reading()`` (a connection for one
read), ``writing()`` (one transaction with its audit row; any exception rolls everything back) and
``migrate()``. The engine-specific part (how a connection is opened, locks, busy retries) is the
:class:`~zi_metrics.store.sql.Backend` chosen by :func:`make_backend`; see
:mod:`zi_metrics.store.duckdb_backend` for the embedded default's connection model.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import duckdb

from zi_metrics.store import integrity, schema
from zi_metrics.store.audit import AuditEntry, audit_row_exists, utcnow, write_audit_row
from zi_metrics.store.duckdb_backend import DuckDBBackend
from zi_metrics.store.errors import (
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    StoreFileError,
    StoreMissingError,
    StoreValidationError,
    StoreVersionError,
)
from zi_metrics.store.sql import Backend, Connection
from zi_metrics.store.validation import _finite_number

_REPO_ROOT = Path(__file__).resolve().parents[2]
_URL_PREFIXES = ("postgresql://", "postgres://")


def is_postgres_url(location: object) -> bool:
    return isinstance(location, str) and location.strip().lower().startswith(_URL_PREFIXES)


def default_db_path() -> Path:
    """``$ZI_DB_PATH`` if set (read at call time), else ``<repo>/data/zi.duckdb``."""
    env = os.environ.get("ZI_DB_PATH", "").strip()
    if env:
        return Path(env).expanduser()
    return _REPO_ROOT / "data" / "zi.duckdb"


def default_location() -> str:
    """The configured database, read at call time: ``$ZI_DATABASE_URL`` (a ``postgresql://`` URL
    selects PostgreSQL; a path a DuckDB file), else ``$ZI_DB_PATH``, else ``data/zi.duckdb``."""
    url = os.environ.get("ZI_DATABASE_URL", "").strip()
    if url:
        return url
    return str(default_db_path())


def make_backend(location: str | os.PathLike[str] | None, busy_timeout: float) -> Backend:
    """The backend of a database location: a ``postgresql://`` URL or a DuckDB file path (None:
    :func:`default_location`)."""
    if location is None:
        location = default_location()
    if is_postgres_url(location):
        from zi_metrics.store.postgres_backend import PostgresBackend  # noqa: PLC0415 (psycopg only when used)

        return PostgresBackend(str(location), busy_timeout)
    return DuckDBBackend(location, busy_timeout)


# Per database and thread: the connection of the write transaction open (reads nested in a write
# go through it and see its uncommitted rows) and how many reads are open (a write may not start
# inside one: DuckDB would wait for itself).
_OPEN_WRITES: dict[str, threading.local] = {}
_OPEN_WRITES_LOCK = threading.Lock()


# (backend key, data version) of the databases this process found whole at the current schema
# (Store.migrate): a new Store of the same unchanged database skips the check.
_FOUND_CURRENT: set[tuple[Any, ...]] = set()


def _open_writes(key: str) -> threading.local:
    with _OPEN_WRITES_LOCK:
        local = _OPEN_WRITES.get(key)
        if local is None:
            local = _OPEN_WRITES[key] = threading.local()
        return local


def _rollback(con: Connection) -> None:
    try:
        con.execute("ROLLBACK")
    except con.dialect.errors:
        pass  # no transaction left to roll back (the engine already ended it)


class StoreBase:
    """A Zona Integritas database. Cheap to create: nothing is opened until a query runs."""

    def __init__(self, path: str | os.PathLike[str] | None = None, busy_timeout: float = 10.0):
        if not _finite_number(busy_timeout) or busy_timeout < 0:
            raise StoreValidationError(f"busy_timeout must be a number of seconds >= 0, got {busy_timeout!r}")
        self.busy_timeout = float(busy_timeout)
        self.backend = make_backend(path, self.busy_timeout)
        self._schema_checked = False

    def __repr__(self) -> str:
        return f"Store({self.location!r})"

    @property
    def location(self) -> str:
        """Where the database is, for messages and cache keys."""
        return self.backend.location

    @property
    def source(self) -> str:
        """The location as given (a file path, or the whole URL with its password):
        ``Store(store.source)`` opens the same database. Never show it; show ``location``."""
        return self.backend.source

    @property
    def path(self) -> Path | None:
        """The database file (DuckDB); None for a database server."""
        return getattr(self.backend, "path", None)

    @property
    def wal_path(self) -> Path:
        return self.backend.wal_path  # type: ignore[attr-defined,no-any-return]

    @property
    def lock_path(self) -> Path:
        """The side file that gives a waiting writer priority over new readers of other processes."""
        return self.backend.lock_path  # type: ignore[attr-defined,no-any-return]

    @property
    def dialect_name(self) -> str:
        """'duckdb' or 'postgresql'."""
        return self.backend.dialect.name

    def exists(self) -> bool:
        return self.backend.exists()

    def data_version(self) -> tuple[Any, ...]:
        """A cheap token that changes whenever the data may have changed (the app keys its caches
        on it)."""
        return self.backend.data_version()

    # -- connections ---------------------------------------------------------------------------

    def _usable(self) -> bool:
        """Whether the database exists, before a read or a write. A backend whose databases do not
        vanish under a running program (PostgreSQL: checking costs a round trip) is asked once."""
        if self._schema_checked and self.backend.stays_once_seen:
            return True
        return self.exists()

    def missing_message(self) -> str:
        """What to tell a user when the database does not exist (yet)."""
        return self.backend.missing_message()

    def _missing(self) -> StoreMissingError:
        return StoreMissingError(self.backend.missing_message())

    def _ensure_schema(self) -> None:
        if not self._schema_checked:
            self.migrate(create=False)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for one read (StoreMissingError if the database does not exist). Inside a
        ``writing()`` of the same thread it is the write's connection; inside ``reads_together()``
        of the same thread, that one's."""
        local = _open_writes(self.backend.key)
        write_con = getattr(local, "con", None)
        if write_con is not None:
            yield write_con  # nested in a write of this thread: read through the transaction
            return
        shared = getattr(local, "shared_read", None)
        if shared is not None:
            yield shared  # several reads in a row on one connection (reads_together)
            return
        opening = getattr(local, "share_next", None)
        if opening is not None:  # the first read in a reads_together(lazy=True) block opens it
            local.share_next = None
            con = opening.enter_context(self.reading())
            local.shared_read = con
            yield con
            return
        if not self._usable():
            raise self._missing()
        self._ensure_schema()
        local.reads = getattr(local, "reads", 0) + 1
        try:
            with self.backend.read() as con:
                yield con
        finally:
            local.reads -= 1

    @contextmanager
    def reads_together(self, lazy: bool = False) -> Iterator[None]:
        """Every ``reading()`` of this thread inside the block uses one connection, opened once
        (a few ms idle, several times that on a loaded machine, each time): for a caller that makes
        several small reads in a row, such as an import's checks. ``lazy``: opened by the first
        read, if any (for a block whose reads are mostly cached, such as the dashboard's sidebar).
        Each read must finish its result before the next starts (they do: every store read
        fetches what it runs). Inside a ``writing()`` the reads go through the write as always; a
        write inside the block is refused as in any read."""
        local = _open_writes(self.backend.key)
        if (getattr(local, "con", None) is not None or getattr(local, "shared_read", None) is not None
                or getattr(local, "share_next", None) is not None):
            yield
            return
        with ExitStack() as holder:
            if lazy:
                local.share_next = holder
            else:
                local.shared_read = holder.enter_context(self.reading())
            try:
                yield
            finally:
                local.share_next = None
                local.shared_read = None

    @contextmanager
    def analytic(
        self,
        rounds: Sequence[tuple[int | None, str | None]] = (),
        tables: Sequence[str] = (),
        previous: bool = False,
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB connection for the national paths' DuckDB SQL (see Backend.analytic): the file
        itself for DuckDB; for PostgreSQL an in-memory copy of what ``rounds`` and ``tables`` name,
        fetched as Arrow from one snapshot. ``previous``: also the evaluations of the latest earlier
        year than each round's, and that year's round of the same stage."""
        write_con = getattr(_open_writes(self.backend.key), "con", None)
        if write_con is not None and isinstance(self.backend, DuckDBBackend):
            yield write_con.raw
            return
        if not self._usable():
            raise self._missing()
        self._ensure_schema()
        with self.backend.analytic(rounds, tables, previous) as duck:
            yield duck

    def analytic_cursors_agree(self) -> bool:
        """Whether a cursor of :meth:`analytic`'s connection (a second connection to the same
        database, for a query run beside another) sees what that connection sees: the DuckDB file
        read outside a write of this thread. Inside a write a cursor would miss the write's own
        rows, and PostgreSQL's in-memory copy is registered on its one connection only."""
        return isinstance(self.backend, DuckDBBackend) and getattr(_open_writes(self.backend.key), "con", None) is None

    @contextmanager
    def _write_connection(self) -> Iterator[Connection]:
        local = _open_writes(self.backend.key)
        if getattr(local, "con", None) is not None:
            raise StoreError("a write is already open in this thread: nested writes are not supported")
        if getattr(local, "reads", 0):
            raise StoreError("cannot start a write while this thread is reading the same database")
        with self.backend.write() as con:
            yield con

    @contextmanager
    def writing(
        self,
        actor: str,
        action: str,
        detail: Mapping[str, Any] | None = None,
        file_name: str | None = None,
        file_sha256: str | None = None,
    ) -> Iterator[Connection]:
        """One read-write transaction; the audit_log row is written inside it. Any exception rolls
        everything back and propagates."""
        entry = AuditEntry.checked(actor, action, detail, file_name, file_sha256)
        with self._transaction(entry) as con:
            yield con

    @contextmanager
    def bookkeeping(self, what: str) -> Iterator[Connection]:
        """One read-write transaction for state that is not data (sign-in attempts, sessions): no
        audit row, so the data version (PostgreSQL: the audit log) and every cache keyed on it stay
        valid. Everything else as ``writing()``: all or nothing, StoreBusyError after busy_timeout.
        (The DuckDB file's version is its stat, which any write moves.)"""
        with self._transaction(None, what) as con:
            yield con

    @contextmanager
    def _transaction(self, entry: AuditEntry | None, what: str = "") -> Iterator[Connection]:
        action = entry.action if entry is not None else what
        if not self._usable():
            raise self._missing()
        self._ensure_schema()
        local = _open_writes(self.backend.key)
        audit_id = None
        with self._write_connection() as con:
            con.dialect.begin(con, self.busy_timeout)
            local.con = con
            try:
                yield con
                # A statement before COMMIT surfaces a failure a caller swallowed: both engines refuse
                # any statement in an aborted transaction, while COMMIT would roll back silently.
                if entry is not None:
                    audit_id = write_audit_row(con, entry)
                else:
                    con.execute("SELECT 1")
                con.execute("COMMIT")
            except con.dialect.errors as exc:
                _rollback(con)
                reason = con.dialect.damage(exc)
                if reason:
                    raise StoreDamagedError(self.location, reason) from exc
                if con.dialect.is_busy(exc):
                    raise StoreBusyError(
                        f"database {self.location} is busy: another write held what '{action}' needed for "
                        f"more than {self.busy_timeout:g} s; nothing was saved, try again"
                    ) from exc
                raise StoreError(
                    f"the write '{action}' to {self.location} failed and was rolled back (nothing saved): {exc}"
                ) from exc
            except BaseException:
                _rollback(con)
                raise
            finally:
                local.con = None
            # DuckDB: COMMIT after a failed statement silently rolls back: check that the write landed.
            if audit_id is not None and con.dialect.silent_rollback_on_commit and not audit_row_exists(con, audit_id):
                raise StoreError(
                    f"the write '{action}' to {self.location} was rolled back by DuckDB; nothing was saved"
                )

    # -- schema --------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The schema version stored in the database (read only; no migration)."""
        if not self.exists():
            raise self._missing()
        with self.backend.read() as con:
            return self._checked_version(con)

    def _checked_version(self, con: Connection) -> int:
        version = schema.schema_version(con)
        if version is None and integrity.looks_like_zi(con):
            raise StoreDamagedError(self.location, "missing_table", "meta")
        if version is None:
            raise StoreFileError(
                f"{self.location} is a {con.dialect.title} database but not a Zona Integritas database "
                "(no schema_version in a meta table)"
            )
        if version > schema.SCHEMA_VERSION:
            raise StoreVersionError(
                f"{self.location} has schema version {version}, newer than this program knows "
                f"({schema.SCHEMA_VERSION}); upgrade the program, the {con.dialect.container} was not changed"
            )
        return version

    def check_integrity(self) -> int:
        """Check that the database is whole (``integrity.verify``: tables, columns, every stored
        value readable) and, where an engine loads indexes lazily (DuckDB), that every table's key
        index loads, in transactions rolled back: nothing is written. Returns the schema version;
        StoreDamagedError names the damage."""
        if not self.exists():
            raise self._missing()
        with self.backend.read() as con:
            version = self._checked_version(con)
            integrity.verify(con, self.location, version)
        with self._write_connection() as con:
            for table in [t for t in schema.TABLES if t in con.dialect.table_names(con)]:
                try:
                    con.dialect.verify_keys(con, table)
                except con.dialect.errors as exc:
                    raise StoreDamagedError(self.location, con.dialect.damage(exc) or "unreadable",
                                            f"{table}: {exc}") from exc
        return version

    def migrate(self, create: bool = False) -> tuple[int, int]:
        """Bring the database to the current schema in one transaction; return (old, new) versions.

        ``create`` makes a missing database; otherwise a missing one is StoreMissingError. A file
        that is not a database of this engine, not a ZI database, or newer than this code is refused
        unchanged.
        """
        target = schema.SCHEMA_VERSION
        created = False
        if not self.exists():
            if not create:
                raise self._missing()
            created = self.backend.prepare_create()
            old = 0
        else:
            # Checking reads every stored value (0.07 s for a national database idle, several times
            # that under load), and the dashboard makes a Store per cache miss: a file this process
            # found whole at the current schema is not checked again until its data version moves
            # (a write, a restore, or a damaged file, whose size or time changes).
            token = (self.backend.key, self.backend.data_version())
            if token in _FOUND_CURRENT:
                self._schema_checked = True
                return target, target
            with self.backend.read() as con:
                old = self._checked_version(con)
                integrity.verify(con, self.location, old)  # never report or migrate a damaged file
            if old == target:
                self._schema_checked = True
                _FOUND_CURRENT.add(token)
                return old, old
        try:
            with self._write_connection() as con:
                con.dialect.begin(con, self.busy_timeout)
                try:
                    con.dialect.lock_migration(con)
                    old = self._checked_version(con)  # another process may have migrated meanwhile
                    for step in schema.MIGRATIONS:
                        if step.version <= old:
                            continue
                        for statement in step.statements:
                            con.execute(statement)
                    if old < target:
                        con.dialect.after_migrations(con)
                        schema.set_meta(con, "schema_version", str(target))
                        write_audit_row(
                            con,
                            AuditEntry(
                                "system",
                                "migrate" if old else "create",
                                json.dumps({"from_version": old, "to_version": target}),
                            ),
                        )
                    con.execute("COMMIT")
                except con.dialect.errors as exc:
                    _rollback(con)
                    reason = con.dialect.damage(exc)
                    if reason:
                        raise StoreDamagedError(self.location, reason) from exc
                    raise StoreError(
                        f"upgrading {self.location} from schema version {old} to {target} failed; "
                        f"nothing was changed: {exc}"
                    ) from exc
                except BaseException:
                    _rollback(con)
                    raise
                if schema.schema_version(con) != target:
                    raise StoreError(f"upgrading {self.location} to schema version {target} was rolled back")
        except BaseException:
            if created:
                self.backend.discard_created()
            raise
        self._schema_checked = True
        return old, target

    def create_database(self, fill: Callable[[Any], object] | None = None) -> bool:
        """Create the database with the current schema when it does not exist yet, then call
        ``fill(store)`` on it: both or neither (a failing ``fill`` removes the new database again).
        An existing database is only migrated. Returns True when the database was created."""
        if self.exists():
            self.migrate()
            return False
        old, _ = self.migrate(create=True)
        if old != 0:
            return False  # another process created it meanwhile (and fills it)
        if fill is not None:
            try:
                fill(self)
            except BaseException:
                self.backend.discard_created()
                raise
        return True


__all__ = ["StoreBase", "default_db_path", "default_location", "is_postgres_url", "make_backend", "utcnow"]
