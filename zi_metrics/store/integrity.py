"""Is the database whole? The check run when a program first opens it (``StoreBase.migrate``).

A damaged file must be named as such, before anything reads half of it or writes to it: the
message says which file, why (in words and as a reason code for the user's language) and to restore
a backup. Checked here:

* every table and column of the current schema is there (a table dropped by hand, a file from a
  half-copied directory); the expected columns come from running the migrations on an empty
  in-memory DuckDB, so they can never disagree with the schema;
* every stored value can be read: the dialect reads every table through
  ``Dialect.verify_tables`` (DuckDB verifies each block's checksum as it reads it, so a file cut
  off or overwritten in the middle fails here; about 0.1 s for 3.8 million answers).

DuckDB loads a primary key's index only when a write needs it: damage inside an index is found by
the first write, which the backend reports as the same StoreDamagedError (and rolls back).
"""

from __future__ import annotations

from functools import cache

import duckdb

from zi_metrics.store.errors import StoreDamagedError
from zi_metrics.store.schema import MIGRATIONS, SCHEMA_VERSION, TABLES
from zi_metrics.store.sql import Connection

# Tables that only a Zona Integritas database holds: a file with these but without ``meta`` is a
# damaged ZI database, not some other DuckDB file.
_ZI_MARKERS = frozenset({"units", "evaluations", "answers", "audit_log"})


@cache
def expected_columns() -> dict[str, tuple[str, ...]]:
    """Every table of the current schema with its columns, in order."""
    duck = duckdb.connect()
    try:
        for step in MIGRATIONS:
            for statement in step.statements:
                duck.execute(statement)
        rows = duck.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
        ).fetchall()
    finally:
        duck.close()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return {t: tuple(out[t]) for t in TABLES}


def looks_like_zi(con: Connection) -> bool:
    """Whether the database holds tables only a Zona Integritas database has."""
    return bool(_ZI_MARKERS & con.dialect.table_names(con))


def verify(con: Connection, location: str, version: int) -> None:
    """Raise StoreDamagedError when the database at schema ``version`` is not whole (see the module
    docstring). An older schema is checked for readable storage only (its tables differ)."""
    present = con.dialect.table_names(con)
    tables = [t for t in TABLES if t in present]
    if version == SCHEMA_VERSION:
        found: dict[str, set[str]] = {}
        for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = current_schema()"
        ).fetchall():
            found.setdefault(table, set()).add(column)
        for table, columns in expected_columns().items():
            if table not in present:
                raise StoreDamagedError(location, "missing_table", table)
            for column in columns:
                if column not in found.get(table, ()):
                    raise StoreDamagedError(location, "missing_column", f"{table}.{column}")
    try:
        con.dialect.verify_tables(con, tables)
        return
    except con.dialect.errors:
        pass  # damaged: read the tables one by one to name the first that fails
    for table in tables:
        try:
            con.dialect.verify_tables(con, [table])
        except con.dialect.errors as exc:
            raise StoreDamagedError(location, con.dialect.damage(exc) or "unreadable", f"{table}: {exc}") from exc
    # Every table read whole on its own: every stored value is readable, so the file is whole (the
    # statement over all of them failed for another reason, and that is not damage).
