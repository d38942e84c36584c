"""The workbook's own result of an imported round (issue #10.3).

A Lampiran III workbook saved by Excel or LibreOffice carries the results of its own formulas; the
import keeps that total (a number, or the error the form showed, e.g. ``#DIV/0!``) with the cell it
was read from and the differences from the project's score explained by row, beside the round it
filled. Nothing is computed from it: the project's score is recomputed from the answers. One row
per evaluation, replaced or removed with the round's answers (a re-import of a file without
cached results removes it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence, Set
from typing import Any

from zi_metrics.store.base import StoreBase
from zi_metrics.store.sql import Connection

TABLE = "workbook_results"
_COLS = (
    ("evaluation_id", "INTEGER"),
    ("sheet", "VARCHAR"),
    ("cell", "VARCHAR"),
    ("total_number", "DOUBLE"),
    ("total_text", "VARCHAR"),
    ("detail", "VARCHAR"),
)


def _row(evaluation_id: int, result: Mapping[str, Any]) -> tuple[Any, ...]:
    total = result.get("total")
    number = float(total) if isinstance(total, (int, float)) and not isinstance(total, bool) else None
    text = None if number is not None or total is None else str(total)[:200]
    detail = {k: v for k, v in result.items() if k not in ("sheet", "cell", "total")}
    return (evaluation_id, str(result.get("sheet") or "")[:200], result.get("cell"), number, text,
            json.dumps(detail, ensure_ascii=False, default=str))


def replace_results(
    con: Connection, results: Sequence[tuple[int, Mapping[str, Any] | None]], stored: Set[int] | None = None
) -> None:
    """Inside a write: each evaluation's workbook result becomes the one given (None removes it).
    ``stored``: the evaluations among them that existed before this transaction (the others,
    created in it, have no result to remove); None: any may have one."""
    old = [eid for eid, _ in results if stored is None or eid in stored]
    if old:
        con.execute(f"DELETE FROM {TABLE} WHERE evaluation_id IN (SELECT unnest(?::INTEGER[]))", [old])
    rows = [_row(eid, result) for eid, result in results if result]
    if rows:
        con.dialect.insert_rows(con, TABLE, _COLS, rows)


def delete_results(con: Connection, evaluation_id: int) -> None:
    con.execute(f"DELETE FROM {TABLE} WHERE evaluation_id = ?", [evaluation_id])


def _as_dict(row: Sequence[Any]) -> dict[str, Any]:
    sheet, cell, number, text, detail = row
    out: dict[str, Any] = {"sheet": sheet, "cell": cell, "total": number if number is not None else text}
    try:
        out.update(json.loads(detail or "{}"))
    except ValueError:
        pass
    return out


class WorkbookResults(StoreBase):
    def workbook_result(self, unit_id: str, year: int, stage: str) -> dict[str, Any] | None:
        """The stored workbook's own total of a round, in the ``workbook`` shape of ``score-lke``
        (sheet, cell, total, project_total, agrees, differences); None when the imported file
        carried no cached result (or the round was not imported from a Lampiran III workbook)."""
        with self.reading() as con:
            row = con.execute(
                f"SELECT w.sheet, w.cell, w.total_number, w.total_text, w.detail FROM {TABLE} w "
                "JOIN evaluations e ON e.id = w.evaluation_id WHERE e.unit_id = ? AND e.year = ? AND e.stage = ?",
                [unit_id, int(year), stage],
            ).fetchone()
        return None if row is None else _as_dict(row)


def workbook_result(store: StoreBase, unit_id: str, year: int, stage: str) -> dict[str, Any] | None:
    """Function form of :meth:`WorkbookResults.workbook_result` (for the ``show`` command)."""
    return WorkbookResults.workbook_result(store, unit_id, year, stage)  # type: ignore[arg-type]
