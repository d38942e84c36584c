"""National scale: whole rounds of every unit read in bulk (columnar, through Arrow), rounds
scored inside the database, and a bulk loader of frames.

The scoring paths run DuckDB SQL (lists, ENUM casts, registered frames) on ``store.analytic()``: the
DuckDB file itself, or for PostgreSQL an in-memory DuckDB holding the rounds asked for, fetched as
Arrow. Loading goes through the dialect's ``insert_frame`` (DuckDB: a registered Arrow table;
PostgreSQL: COPY).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from zi_metrics.store.base import StoreBase
from zi_metrics.store.errors import StoreValidationError, UnknownUnitError
from zi_metrics.store.model import STAGES
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
        columns = ("evaluation_id", "question_id", "answer_text", "answer_number")
        rows = answers.assign(evaluation_id=answers["evaluation_id"].map(id_map))[list(columns)]
        con.dialect.insert_frame(con, "answers", columns, pa.Table.from_pandas(rows, preserve_index=False))
        if dataset == "demo":  # synthetic units and rounds (the benchmarks' national data set)
            con.execute("UPDATE units SET demo = TRUE WHERE id IN (SELECT unnest(?::VARCHAR[]))",
                        [[u.id for u in unit_records]])
            con.execute("UPDATE evaluations SET demo = TRUE WHERE id IN (SELECT unnest(?::INTEGER[]))",
                        [[int(i) for i in ev["new_id"].tolist()]])


# ---------------------------------------------------------------------------------------------
# Columnar round data for the vectorised scorer (zi_metrics.bulk.score_round_data)
#
# Moving 1.3 million answers per round into Python objects costs far more than scoring them, and
# joining them against option tables inside DuckDB costs several aggregation passes. Instead one
# plain scan hands each answer over as two numbers, through Arrow (about half the cost of
# fetchnumpy): its cell in an evaluation-major matrix ((evaluation_id - lo) * stride + question_id)
# and its value: a count or survey answer its number, an option answer
# question_id * (keys + 1) + 1 + the 1-based position of its text in the framework's option keys
# (0: not one of them), a blank answer -1. zi_metrics.bulk decodes and rolls the matrix up.

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

# {cast} is INTEGER or BIGINT (by the matrix size); {keys} the framework's option keys as an ENUM
# type (a cast to an ENUM costs less than list_position over 3 million strings); {only} narrows a
# non-contiguous id range to the wanted evaluations.
_ROUND_ANSWERS_SQL = """
SELECT ((evaluation_id - $lo) * $stride + question_id)::{cast} AS pos,
       CASE WHEN answer_text IS NOT NULL
            THEN (question_id * $width + 1
                  + coalesce(enum_code(TRY_CAST(answer_text AS ENUM({keys}))) + 1, 0))::DOUBLE
            ELSE coalesce(answer_number, -1.0) END AS value
FROM answers
WHERE evaluation_id BETWEEN $lo AND $hi AND question_id BETWEEN $first AND $last{only}
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


@dataclass(frozen=True)
class AnswerCells:
    """The answers of one framework's evaluations as matrix cells (see the section comment): the
    cell of evaluation e and question q is ``(e - lo) * stride + q``; ``rows`` = ``hi - lo + 1``."""

    framework_id: str
    lo: int
    rows: int
    stride: int
    pos: np.ndarray  # int32 (int64 for a matrix of 2**31 cells or more)
    value: np.ndarray  # float64


@dataclass(frozen=True)
class RoundData:
    """Everything needed to score the evaluations of a year / stage (None = any) in bulk."""

    evaluations: dict[str, np.ndarray]  # id, unit_id, year, stage, framework_id, source (sorted by id)
    answers: dict[str, AnswerCells]  # framework id -> cells of its answers-based evaluations
    area_points: dict[str, np.ndarray]  # evaluation_id, area_code, points (recap evaluations)
    hasil: dict[str, np.ndarray]  # evaluation_id, item_code, value_number, value_text


def _arrow_columns(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Run ``sql`` and return its columns as numpy arrays (NULL: None in text columns, NaN in numbers)."""
    table = con.sql(sql, params=dict(params)).to_arrow_table()
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _round_data(con: duckdb.DuckDBPyConnection, layouts: Mapping[str, tuple[Sequence[str], int, int]],
                year: int | None, stage: str | None) -> RoundData:
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
        keys, first, last = layouts[fid]
        mine = ids[(fw_col == fid) & is_answers]
        lo, hi = int(mine[0]), int(mine[-1])
        rows, stride = hi - lo + 1, last + 1
        sql = _ROUND_ANSWERS_SQL.format(cast="INTEGER" if stride * rows < 2**31 else "BIGINT",
                                        keys=", ".join(_sql_text(k) for k in keys),
                                        only="" if rows == len(mine) else _ROUND_ANSWERS_ONLY)
        cells = {"lo": lo, "hi": hi, "stride": stride, "width": len(keys) + 1, "first": first, "last": last}
        if rows != len(mine):
            cells.update(params, framework=fid)
        cols = _arrow_columns(con, sql, cells)
        answers[fid] = AnswerCells(fid, lo, rows, stride, cols["pos"], cols["value"])
    area_points: dict[str, np.ndarray] = {"evaluation_id": np.empty(0, np.int64),
                                          "area_code": np.empty(0, object), "points": np.empty(0)}
    if (~is_answers).any():
        area_points = _arrow_columns(con, _ROUND_CHILDREN_SQL.format(
            columns="c.area_code, c.points", table="area_points"), params)
    hasil = _arrow_columns(con, _ROUND_CHILDREN_SQL.format(
        columns="c.item_code, c.value_number, c.value_text", table="hasil_inputs"), params)
    return RoundData(evals, answers, area_points, hasil)


def round_data(store: StoreBase, layouts: Mapping[str, tuple[Sequence[str], int, int]], year: int | None = None,
               stage: str | None = None) -> RoundData:
    """The evaluations of ``year``/``stage`` (None = any) with their answers as matrix cells, area
    points and hasil inputs, read through ONE connection: an evaluation query, one answer scan per
    framework, and the (small) area point and hasil tables.

    ``layouts`` maps a framework id to its option keys, its first and its last question id
    (zi_metrics.bulk.round_layouts); evaluations of a framework missing from it raise
    StoreValidationError."""
    year = _opt_int(year, "year")
    if stage is not None:
        _check_stage(stage)
    with store.analytic([(year, stage)]) as duck:
        return _round_data(duck, layouts, year, stage)


_UNIT_COLUMNS_SQL = "SELECT id, name, level, instansi_kind, parent_id, short_name, afirmasi FROM units ORDER BY id"
_AWARD_COLUMNS = ("unit_id", "year", "predicate", "decree_ref", "revoked", "revoked_on", "revoked_reason")


@dataclass(frozen=True)
class OverviewData:
    """What the overview of one round needs, read through one connection (each DuckDB connection
    costs 20 ms on an idle machine and over 100 ms on a loaded one) from one state of the data."""

    current: RoundData
    previous: RoundData | None  # the same stage of the latest earlier year with evaluations
    units: dict[str, np.ndarray]  # unit_columns()
    awards: list[dict[str, Any]]  # Store.awards()


def overview_data(store: StoreBase, layouts: Mapping[str, tuple[Sequence[str], int, int]], year: int,
                  stage: str) -> OverviewData:
    year = _as_int(year, "year")
    _check_stage(stage)
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
