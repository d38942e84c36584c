"""Moving a whole database between backends (``python -m zi_metrics copy-db --from A --to B``).

Every table is read from the source as Arrow (one consistent state), written into the target in ONE
transaction (the target's rows are replaced wholly, its id sequences moved past the copied ids),
then both are read back and compared table by table, row for row (``EXCEPT ALL`` both ways, in an
in-memory DuckDB). The target's audit log gets one more row, the copy itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from zi_metrics.store.base import StoreBase
from zi_metrics.store.errors import StoreError, StoreValidationError
from zi_metrics.store.schema import DATA_TABLES, SCHEMA_VERSION, TABLES


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    rows: dict[str, int]  # table -> rows copied (and found equal in the target)
    audit_id: int  # the target's audit row of the copy


def _read_tables(store: StoreBase) -> dict[str, pa.Table]:
    with store.analytic((), TABLES) as duck:
        return {t: duck.sql(f"SELECT * FROM {t}").to_arrow_table() for t in TABLES}  # store constants


def _held_rows(store: StoreBase) -> int:
    """Rows of the target that a copy would replace (its own creation's audit row aside)."""
    with store.reading() as con:
        data = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in DATA_TABLES)
        audit = con.execute("SELECT count(*) FROM audit_log WHERE action <> 'create'").fetchone()[0]
    return int(data) + int(audit)


def _differences(source: dict[str, pa.Table], target: dict[str, pa.Table], skip_audit_id: int) -> list[str]:
    duck = duckdb.connect()
    try:
        out = []
        for table in TABLES:
            skip = f" WHERE id <> {int(skip_audit_id)}" if table == "audit_log" else ""
            problem = table_difference(duck, table, source[table], target[table], target_where=skip)
            if problem:
                out.append(problem)
        return out
    finally:
        duck.close()


def table_difference(duck: duckdb.DuckDBPyConnection, table: str, source: pa.Table, target: pa.Table,
                     *, target_where: str = "") -> str | None:
    """What differs between two copies of ``table`` as multisets of rows (order ignored), in one
    line, or None when they hold the same rows. ``target_where`` narrows the target's rows."""
    duck.register("a", source)
    duck.register("b", target)
    try:
        columns = ", ".join(f'"{c}"' for c in source.column_names)
        a_rows, b_rows = f"SELECT {columns} FROM a", f"SELECT {columns} FROM b{target_where}"
        missing = duck.execute(f"SELECT count(*) FROM ({a_rows} EXCEPT ALL {b_rows})").fetchall()[0][0]
        extra = duck.execute(f"SELECT count(*) FROM ({b_rows} EXCEPT ALL {a_rows})").fetchall()[0][0]
    finally:
        duck.unregister("a")
        duck.unregister("b")
    if missing or extra:
        return f"{table}: {missing} row(s) of the source missing, {extra} row(s) not in the source"
    return None


def copy_database(source: StoreBase, target: StoreBase, *, actor: str, force: bool = False) -> CopyReport:
    """Copy every table of ``source`` into ``target`` (created when missing) and verify the copy.

    A target that already holds data is refused unless ``force`` (then its data is replaced).
    StoreError when the copy differs from the source after the write (it is then left as written:
    the message says which tables differ)."""
    if source.location == target.location:
        raise StoreValidationError(f"copy-db: the source and the target are the same database ({source.location})")
    if not source.exists():
        raise source._missing()
    if source.schema_version() != SCHEMA_VERSION:
        source.migrate()
    target.migrate(create=True)
    held = _held_rows(target)
    if held and not force:
        raise StoreValidationError(
            f"{target.location} already holds data ({held} rows); copy-db fills an empty database only "
            "(--force replaces what it holds)"
        )
    tables = _read_tables(source)
    rows = {t: tables[t].num_rows for t in TABLES}
    detail: dict[str, Any] = {"from": source.location, "rows": rows, "replaced_rows": held}
    with target.writing(actor, "copy_db", detail) as con:
        con.dialect.lock_all(con)
        for table in reversed(TABLES):
            con.execute(f"DELETE FROM {table}")  # store constants
        for table in TABLES:
            con.dialect.insert_frame(con, table, tables[table].column_names, tables[table])
        con.dialect.sync_ids(con)
    audit_id = int(target.audit_log(1)["id"].iloc[0])
    problems = _differences(tables, _read_tables(target), audit_id)
    if problems:
        raise StoreError(f"copy-db: {target.location} differs from {source.location} after the copy: "
                         + "; ".join(problems))
    return CopyReport(source.location, target.location, rows, audit_id)
