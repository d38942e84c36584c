"""The database as a whole: what kind of data it holds (demo, real, empty), its meta keys, the
audit log, every row of a table, and replacing or clearing the whole data set."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from zi_metrics.store.awards import _award, _prepare_prerequisites, _revoke, _write_prerequisites_many
from zi_metrics.store.base import StoreBase
from zi_metrics.store.demo_rows import demo_kind, mark_all_demo
from zi_metrics.store.errors import StoreValidationError
from zi_metrics.store.model import DatasetContent
from zi_metrics.store.rounds import _prepare_round, _write_evaluations
from zi_metrics.store.schema import DATA_TABLES, TABLES, set_meta
from zi_metrics.store.sql import Connection
from zi_metrics.store.units import _write_units
from zi_metrics.store.validation import _sort_key


def _clear_data(con: Connection) -> None:
    for table in DATA_TABLES:
        con.execute(f"DELETE FROM {table}")  # table names are module constants
    con.execute("DELETE FROM meta WHERE key <> 'schema_version'")


def _dataset_kind(con: Connection) -> str:
    return demo_kind(con)


class DatasetStore(StoreBase):
    def dataset_kind(self) -> str:
        """'demo' (only synthetic demo rows), 'real' (no demo row), 'mixed' or 'empty' (see
        zi_metrics.store.demo_rows: rows are marked one by one)."""
        with self.reading() as con:
            return _dataset_kind(con)

    def meta(self) -> dict[str, str]:
        with self.reading() as con:
            return dict(con.execute("SELECT key, value FROM meta ORDER BY key").fetchall())

    def audit_log(self, limit: int = 100, *, without: Sequence[str] = ()) -> pd.DataFrame:
        """The newest ``limit`` audit rows, newest first; ``without``: actions left out (a viewer's
        log has no refused sign-ins)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise StoreValidationError(f"limit must be a whole number >= 1, got {limit!r}")
        if isinstance(without, str) or not all(isinstance(a, str) for a in without):
            raise StoreValidationError(f"without must be a sequence of action codes, got {without!r}")
        with self.reading() as con:
            return con.execute(
                'SELECT id, "at", actor, action, detail, file_name, file_sha256 FROM audit_log '
                "WHERE action NOT IN (SELECT unnest(?::VARCHAR[])) ORDER BY id DESC LIMIT ?",
                [list(without), limit],
            ).df()

    def table_rows(self, table: str) -> list[tuple[Any, ...]]:
        """Every row of one table of the schema, sorted (for exports, checks and tests)."""
        if table not in TABLES:
            raise StoreValidationError(f"unknown table {table!r}; tables: {', '.join(TABLES)}")
        with self.reading() as con:
            return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=_sort_key)

    def clear_data(self, *, actor: str) -> None:
        """Delete every unit, evaluation, fact and award (the audit log stays); dataset becomes 'empty'."""
        with self.writing(actor, "clear_data") as con:
            con.dialect.lock_all(con)
            _clear_data(con)

    def replace_dataset(
        self,
        content: DatasetContent,
        *,
        actor: str,
        action: str,
        detail: dict[str, Any] | None = None,
        check: Callable[[str], None] | None = None,
    ) -> int:
        """Replace every unit, fact, evaluation and award with ``content`` in ONE transaction (the
        audit log stays); returns the number of answer rows written. ``check`` is called first,
        inside the transaction, with the kind of data held now ('demo', 'real', 'mixed', 'empty'):
        raising there refuses the replacement and changes nothing. Content of kind 'demo' is
        written as demo rows."""
        with self.writing(actor, action, detail) as con:
            con.dialect.lock_all(con)
            if check is not None:
                check(_dataset_kind(con))
            _clear_data(con)
            known = set(_write_units(con, content.units))
            _write_prerequisites_many(
                con, [_prepare_prerequisites(con, u, y, facts, known) for u, y, facts in content.prerequisites]
            )
            prepared = [_prepare_round(con, n, r, known) for n, r in enumerate(content.rounds)]
            _write_evaluations(con, prepared)
            for w in content.awards:
                _award(con, w["unit_id"], w["year"], w["predicate"], w.get("decree_ref"))
            for v in content.revocations:
                _revoke(con, v["unit_id"], v["year"], v["predicate"], v["revoked_on"], v.get("reason"))
            if content.kind == "demo":
                mark_all_demo(con)
            for key, value in content.meta.items():
                set_meta(con, key, value)
        return sum(len(p.answers) for p in prepared)
