"""Rounds: writing evaluations (one unit, year and stage each) with their answers, area points and
hasil inputs; several rounds in one transaction for imports, unchanged rounds left alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import Any

from zi_metrics.store.base import StoreBase
from zi_metrics.store.errors import StoreValidationError, UnknownEvaluationError
from zi_metrics.store.follow_ups import (
    delete_follow_ups,
    imported_contents,
    prepare_follow_ups,
    write_imported_follow_ups,
)
from zi_metrics.store.model import OPTION_CODES, PreparedEvaluation, RoundStatus
from zi_metrics.store.sql import Connection
from zi_metrics.store.units import _require_unit, _require_units
from zi_metrics.store.validation import (
    _as_int,
    _check_date,
    _check_stage,
    _check_year,
    _load_fw,
    _prepare_answers,
    _prepare_area_points,
    _prepare_hasil,
    _where,
)
from zi_metrics.store.workbook_results import delete_results, replace_results

_ANSWER_COLS = (
    ("evaluation_id", "INTEGER"),
    ("question_id", "INTEGER"),
    ("answer_text", "VARCHAR"),
    ("answer_number", "DOUBLE"),
    ("note", "VARCHAR"),
    ("evidence_ref", "VARCHAR"),
    ("answer_option", "INTEGER"),  # the option key's number (model.OPTION_CODES), checked by the database
)
_AREA_COLS = (("evaluation_id", "INTEGER"), ("area_code", "VARCHAR"), ("points", "DOUBLE"))
_HASIL_COLS = (
    ("evaluation_id", "INTEGER"),
    ("item_code", "VARCHAR"),
    ("value_number", "DOUBLE"),
    ("value_text", "VARCHAR"),
)


def _insert_answer_rows(
    con: Connection,
    evaluation_id: int,
    rows: Sequence[tuple[int, str | None, float | None, str | None, str | None]],
) -> None:
    con.dialect.insert_rows(con, "answers", _ANSWER_COLS, [_answer_row(evaluation_id, r) for r in rows])


def _answer_row(evaluation_id: int, row: tuple[int, str | None, float | None, str | None, str | None]
                ) -> tuple[Any, ...]:
    return (evaluation_id, *row, OPTION_CODES.get(row[1], 0) if row[1] is not None else 0)


def _insert_area_rows(
    con: Connection, evaluation_id: int, rows: Sequence[tuple[str, float]]
) -> None:
    con.dialect.insert_rows(con, "area_points", _AREA_COLS, [(evaluation_id, *r) for r in rows])


def _insert_hasil_rows(
    con: Connection, evaluation_id: int, rows: Sequence[tuple[str, float | None, str | None]]
) -> None:
    con.dialect.insert_rows(con, "hasil_inputs", _HASIL_COLS, [(evaluation_id, *r) for r in rows])



def _prepare_evaluation(
    con: Connection,
    unit_id: Any,
    year: Any,
    stage: Any,
    framework_id: Any,
    evaluated_on: Any,
    answers: Mapping[Any, Any] | None,
    area_points: Mapping[str, Any] | None,
    hasil: Mapping[str, Any] | None,
    known_units: Set[str] | None = None,
) -> PreparedEvaluation:
    _require_unit(con, unit_id, "save_evaluation", known_units)
    year = _check_year(year)
    where = _where(unit_id, year, str(stage))
    stage = _check_stage(stage, where)
    fw = _load_fw(framework_id, where)
    if fw.first_year is not None and year < fw.first_year or fw.last_year is not None and year > fw.last_year:
        span = f"{fw.first_year or '…'}-{fw.last_year or ''}"
        raise StoreValidationError(f"{where}: framework {fw.id} applies to evaluations of {span}, not {year}")
    evaluated_on = _check_date(evaluated_on, f"{where}: evaluated_on")
    if (answers is None) == (area_points is None):
        raise StoreValidationError(
            f"{where}: give either answers (the LKE) or area_points (a recap), not "
            f"{'both' if answers is not None else 'neither'}"
        )
    if answers is not None and not isinstance(answers, Mapping):
        raise StoreValidationError(f"{where}: answers must map question id -> answer")
    if area_points is not None and not isinstance(area_points, Mapping):
        raise StoreValidationError(f"{where}: area_points must map area code -> points")
    if hasil is not None and not isinstance(hasil, Mapping):
        raise StoreValidationError(f"{where}: hasil must map item code -> value")
    prepared = PreparedEvaluation(
        unit_id, year, stage, fw.id, evaluated_on, "answers" if answers is not None else "recap"
    )
    if answers is not None:
        prepared.answers = _prepare_answers(fw, answers, where)
    else:
        prepared.area_points = _prepare_area_points(fw, area_points or {}, where)
    answered = {
        q: (t if t is not None else n) for q, t, n, _, _ in prepared.answers if t is not None or n is not None
    }
    prepared.hasil = _prepare_hasil(fw, hasil or {}, answered, where)
    return prepared


def _write_evaluation(con: Connection, p: PreparedEvaluation) -> int:
    """Insert or replace one round (unit, year, stage): the evaluation row keeps its id, its
    answers, area points and hasil inputs are replaced wholly."""
    con.dialect.lock_rounds(con, [(p.unit_id, p.year, p.stage)])
    row = con.execute(
        "SELECT id FROM evaluations WHERE unit_id = ? AND year = ? AND stage = ?",
        [p.unit_id, p.year, p.stage],
    ).fetchone()
    if row is None:
        eid = con.dialect.next_ids(con, "evaluations", 1)[0]
        con.execute(
            "INSERT INTO evaluations (id, unit_id, year, stage, framework_id, evaluated_on, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [eid, p.unit_id, p.year, p.stage, p.framework_id, p.evaluated_on, p.source],
        )
    else:
        eid = row[0]
        con.execute(
            "UPDATE evaluations SET framework_id = ?, evaluated_on = ?, source = ?, demo = FALSE WHERE id = ?",
            [p.framework_id, p.evaluated_on, p.source, eid],
        )
        _delete_evaluation_children(con, eid)
    _insert_answer_rows(con, eid, p.answers)
    _insert_area_rows(con, eid, p.area_points)
    _insert_hasil_rows(con, eid, p.hasil)
    return int(eid)


def _write_evaluations(
    con: Connection,
    prepared: Sequence[PreparedEvaluation],
    existing: Mapping[tuple[str, int, str], int] | None = None,
) -> list[int]:
    """Bulk form of _write_evaluation: a constant number of statements for any number of rounds.
    ``existing``: the caller has locked these rounds in this transaction and looked up which of
    them are stored (key -> evaluation id; a key not in it is new), so neither is done again."""
    keys = [(p.unit_id, p.year, p.stage) for p in prepared]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise StoreValidationError(f"{_where(*dup)}: this round is given twice in one batch")
    if not prepared:
        return []
    if existing is None:
        con.dialect.lock_rounds(con, keys)
        existing = dict(
            ((u, y, st), i)
            for i, u, y, st in con.execute(
                "SELECT e.id, e.unit_id, e.year, e.stage FROM evaluations e "
                "JOIN (SELECT unnest(?::VARCHAR[]) AS u, unnest(?::INTEGER[]) AS y, unnest(?::VARCHAR[]) AS s) k "
                "ON e.unit_id = k.u AND e.year = k.y "
                "AND e.stage = k.s",
                [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]],
            ).fetchall()
        )
    fresh = iter(con.dialect.next_ids(con, "evaluations", sum(k not in existing for k in keys)))
    ids: list[int] = []
    new_rows = []
    for p, key in zip(prepared, keys, strict=True):
        if key in existing:
            eid = existing[key]
            con.execute(  # a round imported over a demo round is a real round
                "UPDATE evaluations SET framework_id = ?, evaluated_on = ?, source = ?, demo = FALSE WHERE id = ?",
                [p.framework_id, p.evaluated_on, p.source, eid],
            )
        else:
            eid = next(fresh)
            new_rows.append((eid, p.unit_id, p.year, p.stage, p.framework_id, p.evaluated_on, p.source))
        ids.append(int(eid))
    if existing:
        old = [[int(i) for i in existing.values()]]
        for table in ("answers", "area_points", "hasil_inputs", "workbook_results"):  # module constants
            con.execute(f"DELETE FROM {table} WHERE evaluation_id IN (SELECT unnest(?::INTEGER[]))", old)
    con.dialect.insert_rows(
        con,
        "evaluations",
        (
            ("id", "INTEGER"),
            ("unit_id", "VARCHAR"),
            ("year", "INTEGER"),
            ("stage", "VARCHAR"),
            ("framework_id", "VARCHAR"),
            ("evaluated_on", "DATE"),
            ("source", "VARCHAR"),
        ),
        new_rows,
    )
    pairs = list(zip(ids, prepared, strict=True))
    con.dialect.insert_rows(con, "answers", _ANSWER_COLS, [_answer_row(eid, r) for eid, p in pairs for r in p.answers])
    con.dialect.insert_rows(con, "area_points", _AREA_COLS, [(eid, *r) for eid, p in pairs for r in p.area_points])
    con.dialect.insert_rows(con, "hasil_inputs", _HASIL_COLS, [(eid, *r) for eid, p in pairs for r in p.hasil])
    write_imported_follow_ups(con, [(eid, p.follow_ups) for eid, p in pairs])
    return ids


def _delete_evaluation_children(con: Connection, evaluation_id: int) -> None:
    con.execute("DELETE FROM answers WHERE evaluation_id = ?", [evaluation_id])
    con.execute("DELETE FROM area_points WHERE evaluation_id = ?", [evaluation_id])
    con.execute("DELETE FROM hasil_inputs WHERE evaluation_id = ?", [evaluation_id])
    delete_results(con, evaluation_id)



def _stored_round_contents(
    con: Connection, unit_id: str, year: int, stage: str
) -> tuple[int, tuple[Any, ...]] | None:
    row = con.execute(
        "SELECT id, framework_id, evaluated_on, source FROM evaluations WHERE unit_id = ? AND year = ? "
        "AND stage = ?",
        [unit_id, year, stage],
    ).fetchone()
    if row is None:
        return None
    eid = int(row[0])
    answers = con.execute(
        "SELECT question_id, answer_text, answer_number, note, evidence_ref FROM answers "
        "WHERE evaluation_id = ? ORDER BY question_id",
        [eid],
    ).fetchall()
    areas = con.execute(
        "SELECT area_code, points FROM area_points WHERE evaluation_id = ? ORDER BY area_code", [eid]
    ).fetchall()
    hasil = con.execute(
        "SELECT item_code, value_number, value_text FROM hasil_inputs WHERE evaluation_id = ? "
        "ORDER BY item_code",
        [eid],
    ).fetchall()
    return eid, (
        row[1],
        row[2],
        row[3],
        [tuple(r) for r in answers],
        [tuple(r) for r in areas],
        [tuple(r) for r in hasil],
    )


def _prepared_contents(p: PreparedEvaluation) -> tuple[Any, ...]:
    return (
        p.framework_id,
        p.evaluated_on,
        p.source,
        sorted(tuple(r) for r in p.answers),
        sorted(tuple(r) for r in p.area_points),
        sorted(tuple(r) for r in p.hasil),
    )


_ROUND_KEYS = ("unit_id", "year", "stage", "framework_id", "evaluated_on", "answers", "area_points", "hasil",
               "workbook",  # the imported file's own result (store.workbook_results)
               "follow_ups")  # the assessor's follow-ups (store.follow_ups)


def _prepare_round(
    con: Connection, n: int, spec: Mapping[str, Any], known_units: Set[str] | None = None
) -> PreparedEvaluation:
    if not isinstance(spec, Mapping):
        raise StoreValidationError(f"rounds[{n}]: expected a mapping of save_evaluation arguments")
    unknown = set(spec) - set(_ROUND_KEYS)
    if unknown:
        raise StoreValidationError(f"rounds[{n}]: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    p = _prepare_evaluation(
        con,
        spec.get("unit_id"),
        spec.get("year"),
        spec.get("stage"),
        spec.get("framework_id"),
        spec.get("evaluated_on"),
        spec.get("answers"),
        spec.get("area_points"),
        spec.get("hasil"),
        known_units,
    )
    if spec.get("follow_ups") is not None:
        p.follow_ups = prepare_follow_ups(_load_fw(p.framework_id, ""), p.stage, spec["follow_ups"],
                                          _where(p.unit_id, p.year, p.stage))
    return p


def _round_statuses(
    con: Connection,
    rounds: Sequence[Mapping[str, Any]],
    lock: bool = False,
    prepared: list[PreparedEvaluation] | None = None,
) -> tuple[list[PreparedEvaluation], list[RoundStatus]]:
    """Validate every round (or take ``prepared``, validated before: only its units are checked
    again), then compare each with what is stored. ``lock`` (inside a write): first make other
    writers of the same rounds wait until this transaction ends."""
    if prepared is None:
        prepared = []
        keys: dict[tuple[str, int, str], None] = {}
        for n, spec in enumerate(rounds):
            p = _prepare_round(con, n, spec)
            key = (p.unit_id, p.year, p.stage)
            if key in keys:
                raise StoreValidationError(f"rounds[{n}]: {_where(*key)} is given twice")
            keys[key] = None
            prepared.append(p)
    else:
        _require_units(con, {p.unit_id for p in prepared})
    if lock:
        con.dialect.lock_rounds(con, [(p.unit_id, p.year, p.stage) for p in prepared])
    statuses: list[RoundStatus] = []
    for p in prepared:
        stored = _stored_round_contents(con, p.unit_id, p.year, p.stage)
        if stored is None:
            status, eid = "new", None
        else:
            eid = stored[0]
            follow_ups = imported_contents(con, eid, p.follow_ups)  # None: the round says nothing of them
            same = stored[1] == _prepared_contents(p) and (follow_ups is None or follow_ups[0] == follow_ups[1])
            status = "unchanged" if same else "changed"
        statuses.append(RoundStatus(p.unit_id, p.year, p.stage, p.framework_id, status, eid))
    return prepared, statuses


class _Unchanged(Exception):
    """Inside save_rounds' transaction: no round changes (rolled back: nothing is written)."""

    def __init__(self, statuses: list[RoundStatus]):
        super().__init__("unchanged")
        self.statuses = statuses


def round_statuses(store: StoreBase, rounds: Sequence[Mapping[str, Any]]) -> list[RoundStatus]:
    """Validate rounds (each a mapping of :meth:`Store.save_evaluation` arguments) and say, per
    round, whether saving it would add, replace or leave the stored evaluation. Reads only."""
    with store.reading() as con:
        return _round_statuses(con, rounds)[1]


def save_rounds(
    store: StoreBase,
    rounds: Sequence[Mapping[str, Any]],
    *,
    actor: str,
    action: str = "import",
    detail: Mapping[str, Any] | None = None,
    file_name: str | None = None,
    file_sha256: str | None = None,
) -> list[RoundStatus]:
    """Save several rounds in ONE transaction (all or nothing), with one audit row carrying the
    file's name and SHA-256. Rounds whose stored contents are already identical are not rewritten;
    when no round changes, nothing is written at all (no audit row either), so importing the same
    file twice leaves the database file byte-for-byte unchanged. Returns the status each round
    had before the save, with its evaluation id."""
    rounds = list(rounds)
    if not rounds:
        raise StoreValidationError("nothing to save: no round given")
    prepared: list[PreparedEvaluation] | None = None
    if store.backend.dialect.serialised_writes:
        # One writer at a time (DuckDB): compare before asking for the file, so that an unchanged
        # import never opens it for writing (the file stays byte-for-byte the same).
        with store.reading() as con:
            prepared, before = _round_statuses(con, rounds)
        if all(s.status == "unchanged" for s in before):
            return before
    out: list[RoundStatus] = []
    full_detail = dict(detail or {})
    try:
        with store.writing(actor, action, full_detail, file_name, file_sha256) as con:
            prepared, statuses = _round_statuses(con, rounds, lock=True, prepared=prepared)
            if all(s.status == "unchanged" for s in statuses):
                raise _Unchanged(statuses)  # rolled back: a transaction that only read leaves no trace
            full_detail["rounds"] = [f"{_where(s.unit_id, s.year, s.stage)}: {s.status}" for s in statuses]
            changed = [p for p, s in zip(prepared, statuses, strict=True) if s.status != "unchanged"]
            # The rounds are locked and looked up above: the write neither locks nor looks again.
            stored = {(s.unit_id, s.year, s.stage): int(s.evaluation_id) for s in statuses
                      if s.status == "changed" and s.evaluation_id is not None}
            new_ids = iter(_write_evaluations(con, changed, stored))
            results = []
            for s, spec in zip(statuses, rounds, strict=True):
                eid = s.evaluation_id if s.status == "unchanged" else next(new_ids)
                out.append(RoundStatus(s.unit_id, s.year, s.stage, s.framework_id, s.status, eid))
                if s.status != "unchanged":
                    results.append((int(eid), spec.get("workbook")))
            replace_results(con, results, stored=set(stored.values()))
    except _Unchanged as unchanged:
        return unchanged.statuses
    return out


class RoundWrites(StoreBase):
    def save_evaluation(
        self,
        unit_id: str,
        year: int,
        stage: str,
        framework_id: str,
        evaluated_on: dt.date | str | None = None,
        *,
        answers: Mapping[Any, Any] | None = None,
        area_points: Mapping[str, Any] | None = None,
        hasil: Mapping[str, Any] | None = None,
        actor: str,
        file_name: str | None = None,
        file_sha256: str | None = None,
    ) -> int:
        """Save one round (unit, year, stage), replacing its previous answers / area points / hasil
        wholly; the evaluation keeps its id. Give ``answers`` (question id -> option key or number,
        or a dict with answer, note, evidence_ref) or ``area_points`` (a recap), and optionally
        ``hasil`` (item code -> value). Returns the evaluation id."""
        detail = {"unit_id": unit_id, "year": year, "stage": stage, "framework_id": framework_id}
        with self.writing(actor, "save_evaluation", detail, file_name, file_sha256) as con:
            prepared = _prepare_evaluation(
                con, unit_id, year, stage, framework_id, evaluated_on, answers, area_points, hasil
            )
            eid = _write_evaluation(con, prepared)
        return eid

    def save_evaluations(
        self,
        rounds: Iterable[Mapping[str, Any]],
        *,
        actor: str,
        file_name: str | None = None,
        file_sha256: str | None = None,
    ) -> list[int]:
        """Save many rounds in ONE transaction (all or nothing). Each mapping has the arguments of
        save_evaluation: unit_id, year, stage, framework_id, and evaluated_on / answers /
        area_points / hasil as needed. Returns the evaluation ids in the same order."""
        rounds = list(rounds)
        allowed = {
            "unit_id",
            "year",
            "stage",
            "framework_id",
            "evaluated_on",
            "answers",
            "area_points",
            "hasil",
        }
        detail = {"rounds": len(rounds)}
        with self.writing(actor, "save_evaluations", detail, file_name, file_sha256) as con:
            prepared = []
            for n, r in enumerate(rounds):
                if (
                    not isinstance(r, Mapping)
                    or set(r) - allowed
                    or not {"unit_id", "year", "stage"} <= set(r)
                ):
                    raise StoreValidationError(
                        f"rounds[{n}]: expected a mapping with unit_id, year, stage, framework_id and "
                        f"answers or area_points (allowed keys: {', '.join(sorted(allowed))})"
                    )
                prepared.append(
                    _prepare_evaluation(
                        con,
                        r["unit_id"],
                        r["year"],
                        r["stage"],
                        r.get("framework_id"),
                        r.get("evaluated_on"),
                        r.get("answers"),
                        r.get("area_points"),
                        r.get("hasil"),
                    )
                )
            ids = _write_evaluations(con, prepared)
        return ids

    def delete_evaluation(self, evaluation_id: int, *, actor: str) -> None:
        evaluation_id = _as_int(evaluation_id, "evaluation_id")
        detail: dict[str, Any] = {"evaluation_id": evaluation_id}
        with self.writing(actor, "delete_evaluation", detail) as con:
            row = con.execute(
                "SELECT unit_id, year, stage FROM evaluations WHERE id = ?", [evaluation_id]
            ).fetchone()
            if row is None:
                raise UnknownEvaluationError(f"id {evaluation_id}")
            # The audit row names the round deleted (written at the end of this transaction).
            detail.update(unit_id=row[0], year=int(row[1]), stage=row[2])
            _delete_evaluation_children(con, evaluation_id)
            delete_follow_ups(con, [evaluation_id])
            con.execute("DELETE FROM evaluations WHERE id = ?", [evaluation_id])
