"""National scale: whole rounds of every unit read in bulk (columnar, through Arrow), rounds
scored inside the database, and a bulk loader of frames.

The scoring paths run DuckDB SQL (lists, ENUM casts, registered frames) on ``store.analytic()``: the
DuckDB file itself, or for PostgreSQL an in-memory DuckDB holding the rounds asked for, fetched as
Arrow. Loading goes through the dialect's ``insert_frame`` (DuckDB: a registered Arrow table;
PostgreSQL: COPY).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from zi_metrics.store.base import StoreBase
from zi_metrics.store.errors import StoreValidationError, UnknownUnitError
from zi_metrics.store.model import OPTION_CODES, OPTION_KEYS, STAGES
from zi_metrics.store.units import _all_units, _write_units
from zi_metrics.store.validation import _as_int, _check_stage, _coerce_unit, _load_fw, _opt_int, _where

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


def score_rounds_bulk(store: StoreBase, tables: Any, year: int | None = None, stage: str | None = None) -> BulkScores:
    """Roll up every answers-based evaluation (of ``year``/``stage`` when given) inside DuckDB.

    ``tables`` is a :class:`zi_metrics.bulk.ScoringTables` (one framework); recap rounds are not
    included."""
    if stage is not None:
        _check_stage(stage)
    params = {"framework": tables.framework_id, "year": year, "stage": stage}
    with store.analytic([(year, stage)]) as duck:
        _register_tables(duck, tables)
        area_rows = duck.execute(_BULK_SCORE_SQL, params).df()
        meta = duck.execute(_BULK_META_SQL, params).df()
        hasil_rows = duck.execute(_BULK_HASIL_SQL, params).fetchall()
    hasil: dict[int, dict[str, float | str]] = {}
    for eid, code, number, text in hasil_rows:
        hasil.setdefault(int(eid), {})[code] = text if text is not None else number
    return BulkScores(tables.framework_id, area_rows, meta, hasil)


def answers_floor(store: StoreBase) -> pd.DataFrame:
    """One raw aggregation pass over the whole answers table, in the database: the benchmarks'
    floor."""
    with store.reading() as con:
        return con.execute(_FLOOR_SQL).df()


def bulk_load(
    store: StoreBase,
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
        ids = np.asarray(con.dialect.next_ids(con, "evaluations", len(evaluations)), dtype=np.int64)
        ev = evaluations.assign(new_id=ids[evaluations["id"].rank(method="first").astype("int64").to_numpy() - 1])
        ev = ev.assign(evaluated_on=ev["evaluated_on"] if "evaluated_on" in ev.columns else None)
        clash = con.execute(
            "SELECT e.unit_id, e.year, e.stage FROM evaluations e "
            "JOIN (SELECT unnest(?::VARCHAR[]) AS unit_id, unnest(?::INTEGER[]) AS year, "
            "unnest(?::VARCHAR[]) AS stage) b "
            "ON b.unit_id = e.unit_id AND b.year = e.year AND b.stage = e.stage LIMIT 1",
            [ev["unit_id"].tolist(), [int(y) for y in ev["year"].tolist()], ev["stage"].tolist()],
        ).fetchall()
        if clash:
            raise StoreValidationError(f"{_where(*clash[0])} is already stored; bulk_load never replaces")
        columns = ("id", "unit_id", "year", "stage", "framework_id", "evaluated_on", "source")
        frame = ev[["new_id", *columns[1:]]].rename(columns={"new_id": "id"})
        con.dialect.insert_frame(con, "evaluations", columns, pa.Table.from_pandas(frame, preserve_index=False))
        id_map = pd.Series(ev["new_id"].to_numpy(), index=ev["id"].to_numpy())
        columns = ("evaluation_id", "question_id", "answer_text", "answer_number", "answer_option")
        rows = answers.assign(evaluation_id=answers["evaluation_id"].map(id_map),
                              answer_option=answers["answer_text"].map(OPTION_CODES).fillna(0).astype("int16"))
        con.dialect.insert_frame(con, "answers", columns, pa.Table.from_pandas(rows[list(columns)],
                                                                                preserve_index=False))
        if dataset == "demo":  # synthetic units and rounds (the benchmarks' national data set)
            con.execute("UPDATE units SET demo = TRUE WHERE id IN (SELECT unnest(?::VARCHAR[]))",
                        [[u.id for u in unit_records]])
            con.execute("UPDATE evaluations SET demo = TRUE WHERE id IN (SELECT unnest(?::INTEGER[]))",
                        [[int(i) for i in ev["new_id"].tolist()]])


# ---------------------------------------------------------------------------------------------
# Columnar round data for the vectorised scorer (zi_metrics.bulk.score_round_data)
#
# Moving 1.3 million answers per round into Python objects costs far more than scoring them, and
# rolling them up inside DuckDB costs more than handing them over: a GROUP BY of evaluation x
# sub-area (390,000 groups at 10,000 units) costs three raw aggregation passes, and looking each
# option up in a list or a joined table another. So one plain scan hands each answer over as ONE
# 32-bit number through Arrow, its cell in an evaluation-major matrix with its option's code in the
# low bits,
#     ((evaluation_id - lo) * span + question_id - first) * slots + code,
# code being answers.answer_option (the key's number written beside the text, migration 6; 0 for a
# number or no answer). A second scan hands over the numbers (counts, survey values) with their
# cells, evaluation-major as well: ``(evaluation_id - lo) * number_span + question_id - number_first``.
# No text is read unless a framework has keys without a stored number. zi_metrics.bulk decodes and
# rolls them up.

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

# {cast} is INTEGER or BIGINT (by the matrix size); {code} the option's code (see _code_sql);
# {only} narrows a non-contiguous id range to the wanted evaluations.
_ROUND_CODES_SQL = """
SELECT (((evaluation_id - $lo) * $span + question_id - $first) * $slots + {code})::{cast} AS cell
FROM answers
WHERE evaluation_id BETWEEN $lo AND $hi AND question_id BETWEEN $first AND $last{only}
"""

_ROUND_NUMBERS_SQL = """
SELECT ((evaluation_id - $lo) * $number_span + question_id - $number_first)::{cast} AS cell, answer_number AS number
FROM answers
WHERE evaluation_id BETWEEN $lo AND $hi AND question_id BETWEEN $number_first AND $last
  AND answer_number IS NOT NULL{only}
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


def option_keys_in_code_order(keys: Sequence[str]) -> tuple[str, ...]:
    """A framework's option ``keys`` in the order of their codes: model.OPTION_KEYS (the numbers
    stored in answers.answer_option), then the framework's other keys as given."""
    return OPTION_KEYS + tuple(k for k in keys if k not in OPTION_CODES)


def code_slots(keys: Sequence[str]) -> int:
    """Codes per cell for ``keys`` in code order: 0 (a number or no answer) and one per key,
    rounded up to a power of two."""
    return 1 << len(keys).bit_length()


def _code_sql(keys: Sequence[str]) -> str:
    """The SQL of an answer's code: answer_option, and for keys without a stored number (a
    framework's keys beyond OPTION_KEYS) the key's code found from the text."""
    extra = keys[len(OPTION_KEYS):]
    if not extra:
        return "answer_option"
    enum = ", ".join(_sql_text(k) for k in extra)
    return (f"(answer_option + CASE WHEN answer_option = 0 AND answer_text IS NOT NULL "
            f"THEN coalesce(enum_code(TRY_CAST(answer_text AS ENUM({enum}))) + {len(OPTION_KEYS) + 1}, 0) "
            "ELSE 0 END)")


@dataclass(frozen=True)
class AnswerCells:
    """The answers of one framework's evaluations (ids ``lo`` .. ``lo + rows - 1``, questions
    ``first`` .. ``first + span - 1``), see the section comment: ``cells`` holds one value per
    stored answer row, ``((e - lo) * span + q - first) * slots + code`` (code 0: a number or no
    answer; c > 0: the option ``keys[c - 1]``); ``numbers`` every stored number (questions from
    ``number_first`` on) at ``number_cells``, ``(e - lo) * number_span + q - number_first`` (number_span:
    the questions from ``number_first`` to the last)."""

    framework_id: str
    lo: int
    rows: int
    first: int
    span: int
    keys: tuple[str, ...]
    slots: int
    cells: np.ndarray  # int32 (int64 for a matrix of 2**31 cells or more)
    number_first: int
    number_cells: np.ndarray
    numbers: np.ndarray  # float64


@dataclass(frozen=True)
class RoundData:
    """Everything needed to score the evaluations of a year / stage (None = any) in bulk."""

    evaluations: dict[str, np.ndarray]  # id, unit_id, year, stage, framework_id, source (sorted by id)
    answers: dict[str, AnswerCells]  # framework id -> cells of its answers-based evaluations
    area_points: dict[str, np.ndarray]  # evaluation_id, area_code, points (recap evaluations)
    hasil: dict[str, np.ndarray]  # evaluation_id, item_code, value_number, value_text


def _arrow_columns(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Run ``sql`` and return its columns as numpy arrays (NULL: None in text and boolean columns, NaN
    in numbers), as Arrow's to_numpy gives them.

    Fetched as numpy, not through an Arrow table: DuckDB's Arrow export of a 1.27-million-row scan
    held about 60 MiB more at its peak (and took 0.18 s instead of 0.01 s on a fresh connection),
    which was the dashboard server's peak memory while it read a national round."""
    return {name: _unmasked(column) for name, column in con.sql(sql, params=dict(params)).fetchnumpy().items()}


def _table_columns(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """:func:`_arrow_columns` of a query without NULLs, through an Arrow table: the national
    re-score's two answer scans (round_data, on either backend), about 12 ms less CPU than
    fetchnumpy at 30,000 evaluations, with no higher peak in a process of its own (220-224 against
    223-227 MiB). The dashboard's reads (overview_data) keep fetchnumpy for its peak, see
    _arrow_columns."""
    table = con.sql(sql, params=dict(params)).to_arrow_table()
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def _unmasked(column: np.ndarray) -> np.ndarray:
    """A column of fetchnumpy with its NULLs as Arrow's to_numpy gives them (a masked array has some)."""
    if not isinstance(column, np.ma.MaskedArray):
        return column
    mask = np.ma.getmaskarray(column)
    if column.dtype.kind in "iuf":
        out = column.data.astype(np.float64)
        out[mask] = np.nan
    elif column.dtype.kind in "mM":
        out = column.data.copy()
        out[mask] = np.datetime64("NaT")
    else:  # text, booleans, dates: objects with None
        out = column.data.astype(object)
        out[mask] = None
    return out


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# A framework's layout for round_data: its option keys, first and last question id, and its first
# question that takes a number (zi_metrics.bulk.round_layouts).
RoundLayoutKeys = tuple[Sequence[str], int, int, int]


_SIDE_QUERIES: ThreadPoolExecutor | None = None


def _beside(fetch: Callable[..., dict[str, np.ndarray]], side: duckdb.DuckDBPyConnection, sql: str,
            params: Mapping[str, Any]) -> Future[dict[str, np.ndarray]]:
    """``fetch`` (_arrow_columns or _table_columns) of ``sql`` on the cursor ``side``, run in a
    worker thread."""
    global _SIDE_QUERIES
    if _SIDE_QUERIES is None:
        _SIDE_QUERIES = ThreadPoolExecutor(max_workers=4, thread_name_prefix="round-data")
    return _SIDE_QUERIES.submit(fetch, side, sql, params)


def _answer_cells(con: duckdb.DuckDBPyConnection, fid: str, layout: RoundLayoutKeys, mine: np.ndarray,
                  params: Mapping[str, Any], side: duckdb.DuckDBPyConnection | None = None,
                  tables: bool = False) -> AnswerCells:
    """The cells of the sorted evaluation ids ``mine`` (all of framework ``fid``, answers-based).

    With a cursor ``side`` the two scans run at once, the numbers' on the cursor in a worker thread
    (DuckDB releases the GIL while it scans and converts): about a fifth less time on two cores
    than one after the other, each scan having stretches that keep one core busy only. With
    ``tables`` (the national re-score, round_data) both come through Arrow tables (_table_columns)."""
    fetch = _table_columns if tables else _arrow_columns
    keys = option_keys_in_code_order(layout[0])
    first, last, number_first = int(layout[1]), int(layout[2]), int(layout[3])
    lo, hi = int(mine[0]), int(mine[-1])
    rows, span, slots = hi - lo + 1, last - first + 1, code_slots(keys)
    only = "" if rows == len(mine) else _ROUND_ANSWERS_ONLY
    where = {"lo": lo, "hi": hi, "last": last, **({**params, "framework": fid} if only else {})}
    cast = "INTEGER" if rows * (last - number_first + 1) < 2**31 else "BIGINT"
    number_query = (_ROUND_NUMBERS_SQL.format(cast=cast, only=only),
                    {**where, "number_span": last - number_first + 1, "number_first": number_first})
    pending = _beside(fetch, side, *number_query) if side is not None else None
    cast = "INTEGER" if rows * span * slots < 2**31 else "BIGINT"
    try:
        cells = fetch(con, _ROUND_CODES_SQL.format(code=_code_sql(keys), cast=cast, only=only),
                      {**where, "first": first, "span": span, "slots": slots})["cell"]
    finally:
        numbers = pending.result() if pending is not None else None
    if numbers is None:
        numbers = fetch(con, *number_query)
    return AnswerCells(fid, lo, rows, first, span, keys, slots, cells, number_first, numbers["cell"],
                       numbers["number"].astype(np.float64, copy=False))


def _round_data(con: duckdb.DuckDBPyConnection, layouts: Mapping[str, RoundLayoutKeys],
                year: int | None, stage: str | None, side: duckdb.DuckDBPyConnection | None = None,
                tables: bool = False) -> RoundData:
    """See :func:`round_data`; ``side``: a cursor of ``con`` for a scan run beside another;
    ``tables``: the answer scans through Arrow tables (see _answer_cells)."""
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
        answers[fid] = _answer_cells(con, fid, layouts[fid], ids[(fw_col == fid) & is_answers], params, side,
                                     tables)
    area_points: dict[str, np.ndarray] = {"evaluation_id": np.empty(0, np.int64),
                                          "area_code": np.empty(0, object), "points": np.empty(0)}
    if (~is_answers).any():
        area_points = _arrow_columns(con, _ROUND_CHILDREN_SQL.format(
            columns="c.area_code, c.points", table="area_points"), params)
    hasil = _arrow_columns(con, _ROUND_CHILDREN_SQL.format(
        columns="c.item_code, c.value_number, c.value_text", table="hasil_inputs"), params)
    return RoundData(evals, answers, area_points, hasil)


def round_data(store: StoreBase, layouts: Mapping[str, RoundLayoutKeys], year: int | None = None,
               stage: str | None = None) -> RoundData:
    """The evaluations of ``year``/``stage`` (None = any) with their answers as matrix cells, area
    points and hasil inputs, read through ONE connection: an evaluation query, two answer scans per
    framework (codes, numbers), and the (small) area point and hasil tables.

    ``layouts`` maps a framework id to its option keys, its first and last question id and its
    first question that takes a number (zi_metrics.bulk.round_layouts); evaluations of a framework
    missing from it raise StoreValidationError."""
    year = _opt_int(year, "year")
    if stage is not None:
        _check_stage(stage)
    with store.analytic([(year, stage)]) as duck, _side_cursor(store, duck) as side:
        return _round_data(duck, layouts, year, stage, side, tables=True)


@contextmanager
def _side_cursor(store: StoreBase, con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A second cursor of ``con`` when it sees what ``con`` sees (Store.analytic_cursors_agree)."""
    if not store.analytic_cursors_agree():
        yield None
        return
    side = con.cursor()
    try:
        # A new cursor starts in the instance's default database; the store's connection may be a
        # file attached to a shared instance (the DuckDB backend), so it names its database.
        database = con.execute("SELECT current_database()").fetchall()[0][0]
        side.execute('USE "' + database.replace('"', '""') + '"')
        yield side
    finally:
        side.close()


_UNIT_COLUMNS_SQL = "SELECT id, name, level, instansi_kind, parent_id, short_name, afirmasi FROM units ORDER BY id"
_AWARD_COLUMNS = ("unit_id", "year", "predicate", "decree_ref", "revoked", "revoked_on", "revoked_reason")


@dataclass(frozen=True)
class OverviewData:
    """What the overview of one round needs, read through one connection (each DuckDB connection
    costs a few ms on an idle machine and far more on a loaded one) from one state of the data."""

    current: RoundData
    previous: RoundData | None  # the same stage of the latest earlier year with evaluations
    units: dict[str, np.ndarray]  # unit_columns()
    awards: list[dict[str, Any]]  # Store.awards()


def overview_data(store: StoreBase, layouts: Mapping[str, RoundLayoutKeys], year: int,
                  stage: str) -> OverviewData:
    year = _as_int(year, "year")
    _check_stage(stage)
    # One scan at a time here (no side cursor): the overview's round is a third of a national
    # re-score, and two scans at once raised the dashboard's peak memory by about 2 MiB.
    with store.analytic([(year, stage)], ("units", "predicate_awards"), previous=True) as con:
        earlier = con.execute("SELECT max(year) FROM evaluations WHERE year < ?", [year]).fetchall()[0][0]
        current = _round_data(con, layouts, year, stage)
        previous = _round_data(con, layouts, int(earlier), stage) if earlier is not None else None
        units = _arrow_columns(con, _UNIT_COLUMNS_SQL, {})
        rows = con.execute(f"SELECT {', '.join(_AWARD_COLUMNS)} FROM predicate_awards "
                           "ORDER BY unit_id, year, predicate DESC").fetchall()
    return OverviewData(current, previous, units, [dict(zip(_AWARD_COLUMNS, r, strict=True)) for r in rows])


def unit_columns(store: StoreBase) -> dict[str, np.ndarray]:
    """Every unit as columns (id, name, level, instansi_kind, parent_id, short_name, afirmasi),
    ordered by id: what national-scale tables need, without one Unit object per unit."""
    with store.analytic((), ("units",)) as duck:
        return _arrow_columns(duck, _UNIT_COLUMNS_SQL, {})


def answer_rows(store: StoreBase) -> list[tuple[int, int, str | None, float | None]]:
    """Every answer row (evaluation_id, question_id, answer_text, answer_number) as Python tuples: what
    a notebook user fetches before looping over it (the benchmarks' row-by-row baseline)."""
    with store.reading() as con:
        return con.execute("SELECT evaluation_id, question_id, answer_text, answer_number FROM answers").fetchall()
