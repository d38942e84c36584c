"""Reading rounds: evaluations with their counts, one evaluation's answers, area points and hasil,
and the inputs of many evaluations at once for scoring (a round of every unit, every round of one
unit) in a constant number of queries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from zi_metrics.store.base import StoreBase
from zi_metrics.store.errors import UnknownEvaluationError
from zi_metrics.store.model import STAGE_ORDER_SQL, STAGES, RoundInputs
from zi_metrics.store.sql import Connection
from zi_metrics.store.units import _require_unit
from zi_metrics.store.validation import _as_int, _check_stage, _opt_int


def _group_answers(cols: Mapping[str, Any]) -> dict[int, dict[int, str | float]]:
    """evaluation id -> question id -> value from columns sorted by (evaluation_id, question_id)."""
    eids = np.asarray(cols["evaluation_id"])
    if not len(eids):
        return {}
    qids = np.asarray(cols["question_id"]).tolist()
    text, number = cols["answer_text"], cols["answer_number"]
    values = np.where(
        np.ma.getmaskarray(text), np.ma.getdata(number).astype(object), np.ma.getdata(text)
    ).tolist()
    cuts = (np.flatnonzero(np.diff(eids)) + 1).tolist()
    starts, ends = [0, *cuts], [*cuts, len(eids)]
    return {
        int(eids[a]): dict(zip(qids[a:b], values[a:b], strict=True))
        for a, b in zip(starts, ends, strict=True)
    }



class RoundReads(StoreBase):
    def years(self) -> list[int]:
        """Years that have at least one evaluation, ascending."""
        with self.reading() as con:
            return [
                r[0] for r in con.execute("SELECT DISTINCT year FROM evaluations ORDER BY year").fetchall()
            ]

    def stages_for(self, year: int) -> list[str]:
        """Stages with at least one evaluation in ``year``, in assessment order."""
        year = _as_int(year, "year")
        with self.reading() as con:
            found = {
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT stage FROM evaluations WHERE year = ?", [year]
                ).fetchall()
            }
        return [s for s in STAGES if s in found]

    def evaluated_unit_ids(self, year: int, stage: str) -> set[str]:
        """Ids of the units with an evaluation in ``year`` at ``stage`` (no other column: cheap at
        national scale)."""
        year = _as_int(year, "year")
        _check_stage(stage)
        with self.reading() as con:
            rows = con.execute("SELECT unit_id FROM evaluations WHERE year = ? AND stage = ?", [year, stage]).fetchall()
        return {r[0] for r in rows}

    # The evaluations are filtered first and only their children counted: on PostgreSQL counting
    # every answer of the database for one unit's rounds took a second at national scale.
    _EVAL_SELECT = """
        WITH ev AS (
            SELECT * FROM evaluations
            WHERE (?::INTEGER IS NULL OR year = ?::INTEGER)
              AND (?::VARCHAR IS NULL OR stage = ?::VARCHAR)
              AND (?::VARCHAR IS NULL OR unit_id = ?::VARCHAR)
        )
        SELECT e.id, e.unit_id, u.name AS unit_name, u.short_name AS unit_short_name, u.parent_id, u.level,
               u.instansi_kind, u.afirmasi, e.year, e.stage, e.framework_id, e.evaluated_on, e.source,
               coalesce(a.answered, 0)::INTEGER AS answered, coalesce(p.areas, 0)::INTEGER AS area_count,
               coalesce(h.items, 0)::INTEGER AS hasil_count
        FROM ev e
        JOIN units u ON u.id = e.unit_id
        LEFT JOIN (SELECT c.evaluation_id, count(*) AS answered FROM answers c JOIN ev ON ev.id = c.evaluation_id
                   WHERE c.answer_text IS NOT NULL OR c.answer_number IS NOT NULL GROUP BY c.evaluation_id) a
               ON a.evaluation_id = e.id
        LEFT JOIN (SELECT c.evaluation_id, count(*) AS areas FROM area_points c JOIN ev ON ev.id = c.evaluation_id
                   GROUP BY c.evaluation_id) p
               ON p.evaluation_id = e.id
        LEFT JOIN (SELECT c.evaluation_id, count(*) AS items FROM hasil_inputs c JOIN ev ON ev.id = c.evaluation_id
                   GROUP BY c.evaluation_id) h
               ON h.evaluation_id = e.id
        ORDER BY e.year, e.unit_id, """ + STAGE_ORDER_SQL + """
    """

    def evaluations(
        self, year: int | None = None, stage: str | None = None, unit_id: str | None = None
    ) -> pd.DataFrame:
        """One row per evaluation with its unit's columns and counts of answered questions
        (``answered``), area points (``area_count``) and hasil inputs (``hasil_count``)."""
        year = _opt_int(year, "year")
        if stage is not None:
            _check_stage(stage)
        with self.reading() as con:
            return con.execute(self._EVAL_SELECT, [year, year, stage, stage, unit_id, unit_id]).df()

    def evaluation_id(self, unit_id: str, year: int, stage: str) -> int | None:
        year = _as_int(year, "year")
        with self.reading() as con:
            row = con.execute(
                "SELECT id FROM evaluations WHERE unit_id = ? AND year = ? AND stage = ?",
                [unit_id, year, stage],
            ).fetchone()
        return None if row is None else int(row[0])

    def get_evaluation(self, evaluation_id: int) -> dict[str, Any]:
        evaluation_id = _as_int(evaluation_id, "evaluation_id")
        with self.reading() as con:
            row = con.execute(
                "SELECT id, unit_id, year, stage, framework_id, evaluated_on, source FROM evaluations "
                "WHERE id = ?",
                [evaluation_id],
            ).fetchone()
        if row is None:
            raise UnknownEvaluationError(f"id {evaluation_id}")
        return dict(
            zip(
                ("id", "unit_id", "year", "stage", "framework_id", "evaluated_on", "source"), row, strict=True
            )
        )

    def _require_evaluation(self, con: Connection, evaluation_id: int) -> None:
        if not con.execute("SELECT count(*) FROM evaluations WHERE id = ?", [evaluation_id]).fetchone()[0]:
            raise UnknownEvaluationError(f"id {evaluation_id}")

    def answers_for(self, evaluation_id: int) -> dict[int, dict[str, Any]]:
        """question id -> {answer_text, answer_number, note, evidence_ref} (rows stored, answered or not)."""
        evaluation_id = _as_int(evaluation_id, "evaluation_id")
        with self.reading() as con:
            self._require_evaluation(con, evaluation_id)
            rows = con.execute(
                "SELECT question_id, answer_text, answer_number, note, evidence_ref FROM answers "
                "WHERE evaluation_id = ? ORDER BY question_id",
                [evaluation_id],
            ).fetchall()
        return {
            r[0]: {"answer_text": r[1], "answer_number": r[2], "note": r[3], "evidence_ref": r[4]}
            for r in rows
        }

    def answer_values(self, evaluation_id: int) -> dict[int, str | float]:
        """question id -> answer as the scorer takes it (option key or number); unanswered omitted."""
        return {
            q: (a["answer_text"] if a["answer_text"] is not None else a["answer_number"])
            for q, a in self.answers_for(evaluation_id).items()
            if a["answer_text"] is not None or a["answer_number"] is not None
        }

    def area_points_for(self, evaluation_id: int) -> dict[str, float]:
        evaluation_id = _as_int(evaluation_id, "evaluation_id")
        with self.reading() as con:
            self._require_evaluation(con, evaluation_id)
            rows = con.execute(
                "SELECT area_code, points FROM area_points WHERE evaluation_id = ? ORDER BY area_code",
                [evaluation_id],
            ).fetchall()
        return dict(rows)

    def hasil_for(self, evaluation_id: int) -> dict[str, float | str]:
        evaluation_id = _as_int(evaluation_id, "evaluation_id")
        with self.reading() as con:
            self._require_evaluation(con, evaluation_id)
            rows = con.execute(
                "SELECT item_code, value_number, value_text FROM hasil_inputs WHERE evaluation_id = ? "
                "ORDER BY item_code",
                [evaluation_id],
            ).fetchall()
        return {c: (t if t is not None else n) for c, n, t in rows}

    def round_inputs(self, year: int, stage: str) -> RoundInputs:
        """Bulk load of one round for scoring every unit: four queries whatever the number of units."""
        _check_stage(stage)
        return self.load_inputs(year=_as_int(year, "year"), stage=stage)

    def unit_inputs(self, unit_id: str) -> RoundInputs:
        """Every round of one unit (all years and stages) in four queries (UnknownUnitError if unknown)."""
        return self.load_inputs(unit_id=unit_id, require_unit=True)

    _INPUT_FILTER = (
        "(?::INTEGER IS NULL OR e.year = ?::INTEGER) AND (?::VARCHAR IS NULL OR e.stage = ?::VARCHAR) "
        "AND (?::VARCHAR IS NULL OR e.unit_id = ?::VARCHAR)"
    )

    def load_inputs(
        self,
        year: int | None = None,
        stage: str | None = None,
        unit_id: str | None = None,
        require_unit: bool = False,
    ) -> RoundInputs:
        """Answers, area points and hasil of every evaluation matching the filters (None = any)."""
        year = _opt_int(year, "year")
        if stage is not None:
            _check_stage(stage)
        params = [year, year, stage, stage, unit_id, unit_id]
        where = self._INPUT_FILTER
        with self.reading() as con:
            if require_unit and unit_id is not None:
                _require_unit(con, unit_id)
            evals = con.execute(self._EVAL_SELECT, params).df()
            ans = con.execute(
                "SELECT a.evaluation_id, a.question_id, a.answer_text, a.answer_number "
                "FROM answers a JOIN evaluations e ON e.id = a.evaluation_id "
                f"WHERE {where} AND (a.answer_text IS NOT NULL OR a.answer_number IS NOT NULL) "
                "ORDER BY a.evaluation_id, a.question_id",
                params,
            ).fetchnumpy()
            pts = con.execute(
                "SELECT p.evaluation_id, p.area_code, p.points FROM area_points p "
                f"JOIN evaluations e ON e.id = p.evaluation_id WHERE {where}",
                params,
            ).fetchall()
            has = con.execute(
                "SELECT h.evaluation_id, h.item_code, h.value_number, h.value_text FROM hasil_inputs h "
                f"JOIN evaluations e ON e.id = h.evaluation_id WHERE {where}",
                params,
            ).fetchall()
        ids = [int(i) for i in evals["id"].tolist()]
        answers: dict[int, dict[int, str | float]] = {i: {} for i in ids}
        answers.update(_group_answers(ans))
        area_points: dict[int, dict[str, float]] = {i: {} for i in ids}
        for eid, code, points in pts:
            area_points[eid][code] = points
        hasil: dict[int, dict[str, float | str]] = {i: {} for i in ids}
        for eid, code, number, text in has:
            hasil[eid][code] = text if text is not None else number
        return RoundInputs(year, stage, evals, answers, area_points, hasil, unit_id)
