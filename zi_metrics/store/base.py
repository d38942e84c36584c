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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from zi_metrics.store import schema
from zi_metrics.store.audit import AuditEntry, audit_row_exists, utcnow, write_audit_row
from zi_metrics.store.duckdb_backend import DuckDBBackend
from zi_metrics.store.errors import (
    StoreError,
    StoreFileError,
    StoreMissingError,
    StoreValidationError,
    StoreVersionError,
)
from zi_metrics.store.sql import Backend, Connection
from zi_metrics.store.validation import _finite_number

_REPO_ROOT = Path(__file__).resolve().parents[2]


def default_db_path() -> Path:
    """``$ZI_DB_PATH`` if set (read at call time), else ``<repo>/data/zi.duckdb``."""
    env = os.environ.get("ZI_DB_PATH", "").strip()
    if env:
        return Path(env).expanduser()
    return _REPO_ROOT / "data" / "zi.duckdb"


def make_backend(location: str | os.PathLike[str] | None, busy_timeout: float) -> Backend:
    """The backend of a database location (None: the configured default)."""
    return DuckDBBackend(location if location is not None else default_db_path(), busy_timeout)


# The connection of the write transaction each thread has open, per database (reads nested in a
# write go through it and see its uncommitted rows).
_OPEN_WRITES: dict[str, threading.local] = {}
_OPEN_WRITES_LOCK = threading.Lock()


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
    def path(self) -> Path:
        """The database file (DuckDB backend)."""
        return self.backend.path  # type: ignore[attr-defined,no-any-return]

    @property
    def wal_path(self) -> Path:
        return self.backend.wal_path  # type: ignore[attr-defined,no-any-return]

    @property
    def lock_path(self) -> Path:
        """The side file that gives a waiting writer priority over new readers of other processes."""
        return self.backend.lock_path  # type: ignore[attr-defined,no-any-return]

    def exists(self) -> bool:
        return self.backend.exists()

    def data_version(self) -> tuple[Any, ...]:
        """A cheap token that changes whenever the data may have changed (the app keys its caches
        on it)."""
        return self.backend.data_version()

    # -- connections ---------------------------------------------------------------------------

    def _missing(self) -> StoreMissingError:
        return StoreMissingError(self.backend.missing_message())

    def _ensure_schema(self) -> None:
        if not self._schema_checked:
            self.migrate(create=False)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for one read (StoreMissingError if the database does not exist). Inside a
        ``writing()`` of the same thread it is the write's connection."""
        write_con = getattr(_open_writes(self.backend.key), "con", None)
        if write_con is not None:
            yield write_con  # nested in a write of this thread: read through the transaction
            return
        if not self.exists():
            raise self._missing()
        self._ensure_schema()
        with self.backend.read() as con:
            yield con

    @contextmanager
    def _write_connection(self) -> Iterator[Connection]:
        if getattr(_open_writes(self.backend.key), "con", None) is not None:
            raise StoreError("a write is already open in this thread: nested writes are not supported")
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
        if not self.exists():
            raise self._missing()
        self._ensure_schema()
        local = _open_writes(self.backend.key)
        with self._write_connection() as con:
            con.execute("BEGIN TRANSACTION")
            local.con = con
            try:
                yield con
                audit_id = write_audit_row(con, entry)
                con.execute("COMMIT")
            except con.dialect.errors as exc:
                _rollback(con)
                raise StoreError(
                    f"the write '{entry.action}' to {self.location} failed and was rolled back (nothing saved): {exc}"
                ) from exc
            except BaseException:
                _rollback(con)
                raise
            finally:
                local.con = None
            # DuckDB: COMMIT after a failed statement silently rolls back: check that the write landed.
            if con.dialect.silent_rollback_on_commit and not audit_row_exists(con, audit_id):
                raise StoreError(
                    f"the write '{entry.action}' to {self.location} was rolled back by DuckDB; nothing was saved"
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
            with self.backend.read() as con:
                old = self._checked_version(con)
            if old == target:
                self._schema_checked = True
                return old, old
        try:
            with self._write_connection() as con:
                con.execute("BEGIN TRANSACTION")
                try:
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
        self.migrate(create=True)
        if fill is not None:
            try:
                fill(self)
            except BaseException:
                self.backend.discard_created()
                raise
        return True


__all__ = ["StoreBase", "default_db_path", "make_backend", "utcnow"]
