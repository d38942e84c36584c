"""The interface between the store's queries and a database engine.

The modules that hold the queries (units, rounds, awards, ...) see only this:

* a :class:`Connection`: ``con.execute(sql, params)`` with ``?`` placeholders (or ``$name`` with a
  mapping) returning a result with ``fetchone()``, ``fetchall()``, ``df()`` and ``fetchnumpy()``;
  ``con.dialect`` for the few statements engines spell differently;
* the :class:`Dialect` of the engine: bulk inserts, new ids, locks for concurrent writers, the
  engine's type names and error classes;
* a :class:`Backend`: opening connections for one read or one write, whether the database
  exists, and a cheap data version.

Parameter style is handled in one place, the backend's Connection: queries are written once with
``?`` (DuckDB's and SQLite's style) and a backend whose driver wants another style translates them.
The SQL itself stays portable where that costs nothing (``ON CONFLICT ... DO UPDATE``, ``FILTER``,
``?::TYPE`` casts, ``unnest`` of array parameters); where it does not, the statement is a method of
the dialect.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

# Column types as the store's queries name them; each dialect maps them to its own spelling.
PORTABLE_TYPES: tuple[str, ...] = ("INTEGER", "BIGINT", "VARCHAR", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP")


class Result(Protocol):
    """What ``Connection.execute`` returns (DuckDB's own connection object fits it as it is)."""

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...

    def df(self) -> Any: ...

    def fetchnumpy(self) -> dict[str, Any]: ...


class Dialect(ABC):
    """What differs between engines, for the store's queries."""

    name: str = ""
    title: str = ""  # the engine's name in messages
    container: str = "database"  # what a message calls the database ("file" for DuckDB)
    # The driver's exception classes for a failed statement (the write is then rolled back).
    errors: tuple[type[BaseException], ...] = ()
    # DuckDB: COMMIT after a failed statement rolls back silently instead of raising.
    silent_rollback_on_commit: bool = False
    # True when the engine lets one writer in at a time (then locking rounds is pointless).
    serialised_writes: bool = False

    def begin(self, con: Connection, busy_timeout: float) -> None:
        """Start the write transaction (waiting for another writer's locks at most
        ``busy_timeout`` seconds where the engine has such locks)."""
        con.execute("BEGIN TRANSACTION")

    def type_name(self, portable: str) -> str:
        """The engine's name of a portable column type (see PORTABLE_TYPES)."""
        return portable

    @abstractmethod
    def table_names(self, con: Connection) -> set[str]:
        """The tables of the store's schema namespace."""

    @abstractmethod
    def next_ids(self, con: Connection, table: str, count: int) -> list[int]:
        """``count`` new ids for rows of ``table`` (evaluations, audit_log), ascending."""

    def after_migrations(self, con: Connection) -> None:  # noqa: B027
        """Whatever the engine needs beyond the schema's tables, in the migration's transaction."""

    def insert_audit_row(self, con: Connection, values: Sequence[Any]) -> int:
        """Insert an audit row (at, actor, action, detail, file_name, file_sha256) with a new id;
        returns the id."""
        audit_id = self.next_ids(con, "audit_log", 1)[0]
        con.execute(
            'INSERT INTO audit_log (id, "at", actor, action, detail, file_name, file_sha256) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [audit_id, *values],
        )
        return audit_id

    def lock_migration(self, con: Connection) -> None:  # noqa: B027
        """Make concurrent migrations of one database wait for each other (two replicas starting)."""

    def sync_ids(self, con: Connection) -> None:  # noqa: B027
        """Make new ids follow the largest stored ones (after rows were copied in with their ids)."""

    def lock_all(self, con: Connection) -> None:  # noqa: B027
        """Keep every other writer out until the end of this transaction (replacing or clearing
        the whole data set). Nothing to do where writes are serialised already."""

    def is_busy(self, exc: BaseException) -> bool:
        """Whether a failed statement only waited too long for another writer's lock."""
        return False

    def damage(self, exc: BaseException) -> str | None:
        """The reason code of StoreDamagedError when a failed statement says that the database's
        storage is damaged (a checksum, a file cut off); None for any other failure."""
        return None

    def verify_tables(self, con: Connection, tables: Sequence[str]) -> None:  # noqa: B027
        """Read every stored value of ``tables`` once (store constants), so that damaged storage
        fails here, where it is named, rather than in some later query."""

    def verify_keys(self, con: Connection, table: str) -> None:  # noqa: B027
        """Make the engine load ``table``'s key index from storage (on a write connection, outside
        any transaction; whatever it tries is rolled back), where the engine loads indexes lazily."""

    @abstractmethod
    def insert_frame(self, con: Connection, table: str, columns: Sequence[str], data: Any) -> None:
        """Insert every row of an Arrow table (its ``columns``, in that order) into ``table``: the
        fast path for national loads and copies between databases."""

    def lock_name(self, con: Connection, name: str) -> None:  # noqa: B027
        """Make writers that lock the same ``name`` wait for each other until the end of their
        transactions (sign-in bookkeeping). Nothing to do where writes are serialised already."""

    def lock_rounds(self, con: Connection, keys: Sequence[tuple[str, int, str]]) -> None:  # noqa: B027
        """Make writers of the same rounds (unit, year, stage) wait for each other until the end of
        their transactions (writers of other rounds go on). Nothing to do where writes are
        serialised already."""

    def insert_rows(
        self,
        con: Connection,
        table: str,
        columns: Sequence[tuple[str, str]],
        rows: Sequence[Sequence[Any]],
        on_conflict: str = "",
    ) -> None:
        """Insert many rows in one parameterised statement: one array parameter per column,
        unnested in lockstep. ``table``, ``columns`` (name, portable type) and ``on_conflict`` are
        constants of the store, never user input."""
        if not rows:
            return
        names = ", ".join(c for c, _ in columns)
        selects = ", ".join(f"unnest(?::{self.type_name(t)}[])" for _, t in columns)
        params = [[row[i] for row in rows] for i in range(len(columns))]
        con.execute(f"INSERT INTO {table} ({names}) SELECT {selects} {on_conflict}".rstrip(), params)


class Connection(ABC):
    """One open connection of a backend, as the store's queries use it."""

    dialect: Dialect

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Result:
        """Run one statement (``?`` placeholders, or ``$name`` with a mapping)."""

    @property
    @abstractmethod
    def raw(self) -> Any:
        """The driver's own connection (for the engine-specific national paths)."""


class Backend(ABC):
    """A database the store lives in: how to open it for one read or one write."""

    dialect: Dialect
    # True when a database, once seen, does not vanish under a running program (a server's
    # tables); False when checking is cheap and it may (a file: a stat).
    stays_once_seen: bool = False

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the database is, for messages (a file path, or a URL without its password)."""

    @property
    @abstractmethod
    def source(self) -> str:
        """What opens this database again (a path, or the URL with its password)."""

    @property
    @abstractmethod
    def key(self) -> str:
        """A stable identity of the database within this process (for per-database state)."""

    @abstractmethod
    def exists(self) -> bool:
        """Whether the database exists (it may still hold no ZI schema)."""

    @abstractmethod
    def prepare_create(self) -> bool:
        """Get ready to create the database; True if something was made that discard_created()
        should remove when the creation fails."""

    @abstractmethod
    def discard_created(self) -> None:
        """Remove what a failed first creation left behind."""

    @abstractmethod
    def read(self) -> AbstractContextManager[Connection]:
        """A connection for one read (StoreBusyError when it cannot be had within the timeout)."""

    @abstractmethod
    def write(self) -> AbstractContextManager[Connection]:
        """A connection for one write transaction, which the caller begins and ends."""

    @abstractmethod
    def data_version(self) -> tuple[Any, ...]:
        """A cheap token that changes whenever the data may have changed."""

    @abstractmethod
    def analytic(
        self, rounds: Sequence[tuple[int | None, str | None]], tables: Sequence[str], previous: bool = False
    ) -> AbstractContextManager[Any]:
        """A DuckDB connection on which the national paths' DuckDB SQL runs, holding (at least) the
        evaluations of ``rounds`` (year, stage; None = any) with their answers, area points and
        hasil inputs, and the whole of ``tables``, all from one consistent state."""

    def missing_message(self) -> str:
        return f"database {self.location} does not exist"
