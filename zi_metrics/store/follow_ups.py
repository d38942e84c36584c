"""Follow-ups of the assessors' notes (Tindak lanjut, issue #11.4): one row per item (question) of
an assessor round (``tpi_eselon1``, ``tpi``, ``tpn``), keyed like the answers by
(evaluation_id, question_id), with the PIC, due date, status, the three checks and an evidence
link. The assessor's note itself is the answer row's ``note``.

Two ways in, one rule between them:

* an import (``save_rounds`` / ``replace_dataset`` with a round's ``follow_ups``): the file's
  follow-ups replace the round's *imported* ones (``edited`` false, ``updated_at``/``updated_by``
  empty: the import's audit row says who and when); a follow-up changed in the
  app (``edited`` true) is kept as it is when the same round is imported again, whatever the file
  says, so that re-importing a working copy never undoes an editor's work;
* an edit (:meth:`FollowUpStore.update_follow_up`): one transaction with its audit row naming
  every field changed (old and new value); refused when the row changed since the editor read it
  (``version``), so two editors do not overwrite each other silently.

Deleting a round deletes its follow-ups; replacing a round's answers keeps them (the evaluation
keeps its id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from zi_metrics.followups import FRAME_COLUMNS, FollowUpInputError, validate_edit
from zi_metrics.framework import Framework
from zi_metrics.stages import ASSESSOR_STAGES
from zi_metrics.store.audit import utcnow
from zi_metrics.store.base import StoreBase
from zi_metrics.store.errors import StoreError, StoreValidationError
from zi_metrics.store.model import STAGE_ORDER_SQL
from zi_metrics.store.sql import Connection
from zi_metrics.store.validation import _as_int, _opt_int

# (question_id, pic, due_date, status, note_addressed, evidence_period_ok, evidence_named_ok, evidence_url)
FollowUpRow = tuple[int, str | None, dt.date | None, str, bool | None, bool | None, bool | None, str | None]
_FIELDS = ("pic", "due_date", "status", "note_addressed", "evidence_period_ok", "evidence_named_ok", "evidence_url")
_COLS = (
    ("evaluation_id", "INTEGER"),
    ("question_id", "INTEGER"),
    ("pic", "VARCHAR"),
    ("due_date", "DATE"),
    ("status", "VARCHAR"),
    ("note_addressed", "BOOLEAN"),
    ("evidence_period_ok", "BOOLEAN"),
    ("evidence_named_ok", "BOOLEAN"),
    ("evidence_url", "VARCHAR"),
    ("edited", "BOOLEAN"),
    ("version", "INTEGER"),
    ("updated_at", "TIMESTAMP"),
    ("updated_by", "VARCHAR"),
)


class UnknownFollowUpError(StoreValidationError, LookupError):
    def __init__(self, evaluation_id: int, question_id: int):
        super().__init__(f"no follow-up of question {question_id} in evaluation {evaluation_id}")


class FollowUpConflictError(StoreError):
    """The follow-up changed since the editor read it (another editor, or an import)."""

    def __init__(self, where: str, actor: str | None, at: dt.datetime | None):
        when = at.strftime("%Y-%m-%d %H:%M") if isinstance(at, dt.datetime) else None
        super().__init__(f"{where}: changed meanwhile by {actor or 'an import'}"
                         f"{f' at {when} UTC' if when else ''}; read it again before saving")
        self.actor = actor or "import"
        self.at = when


def prepare_follow_ups(fw: Framework, stage: str, follow_ups: Any, where: str) -> list[FollowUpRow]:
    """Validated rows of a round's imported follow-ups (question id -> mapping of the fields of
    :class:`zi_metrics.followups.FollowUpEdit`), sorted by question."""
    if not isinstance(follow_ups, Mapping):
        raise StoreValidationError(f"{where}: follow_ups must map question id -> follow-up fields")
    if follow_ups and stage not in ASSESSOR_STAGES:
        raise StoreValidationError(f"{where}: follow-ups belong to the assessors' rounds "
                                   f"({', '.join(ASSESSOR_STAGES)}), not to {stage}")
    rows: list[FollowUpRow] = []
    for key, values in follow_ups.items():
        qid = _as_int(key, f"{where}: follow_ups question id")
        if qid not in fw.questions:
            raise StoreValidationError(f"{where}: follow-up of question {qid}, which {fw.id} does not have")
        if not isinstance(values, Mapping):
            raise StoreValidationError(f"{where}: follow-up of question {qid} must be a mapping of its fields")
        try:
            edit = validate_edit(values)
        except FollowUpInputError as exc:
            raise StoreValidationError(f"{where}: follow-up of question {qid}: {exc}") from None
        rows.append((qid, edit.pic, edit.due_date, edit.status, edit.note_addressed, edit.evidence_period_ok,
                     edit.evidence_named_ok, edit.evidence_url))
    return sorted(rows, key=lambda r: r[0])


def _plain(value: Any) -> Any:
    """A fetched value as the prepared rows hold it (a numpy bool as bool)."""
    if value is not None and type(value).__name__ == "bool_":
        return bool(value)
    return value


def stored_imported_follow_ups(con: Connection, evaluation_id: int) -> tuple[list[FollowUpRow], set[int]]:
    """(the round's imported follow-ups as rows, the questions whose follow-up was edited in the app)."""
    got = con.execute(
        "SELECT question_id, pic, due_date, status, note_addressed, evidence_period_ok, evidence_named_ok, "
        "evidence_url, edited FROM follow_ups WHERE evaluation_id = ? ORDER BY question_id",
        [evaluation_id],
    ).fetchall()
    imported = [tuple(_plain(v) for v in r[:8]) for r in got if not r[8]]
    return imported, {int(r[0]) for r in got if r[8]}  # type: ignore[misc]


def imported_contents(con: Connection, evaluation_id: int | None, rows: Sequence[FollowUpRow] | None
                      ) -> tuple[list[FollowUpRow], list[FollowUpRow]] | None:
    """(stored, wanted) imported follow-ups of a round, for deciding whether an import changes it
    (None when the import says nothing about follow-ups)."""
    if rows is None:
        return None
    if evaluation_id is None:
        return [], list(rows)
    stored, edited = stored_imported_follow_ups(con, evaluation_id)
    return stored, [r for r in rows if r[0] not in edited]


def write_imported_follow_ups(con: Connection, pairs: Iterable[tuple[int, Sequence[FollowUpRow] | None]]) -> None:
    """Replace the imported follow-ups of each (evaluation id, rows) pair whose rows are given; the
    follow-ups edited in the app stay, and their questions are skipped."""
    for eid, rows in pairs:
        if rows is None:
            continue
        got = con.execute("SELECT question_id, edited, version FROM follow_ups WHERE evaluation_id = ?",
                          [eid]).fetchall()
        edited = {int(q) for q, e, _ in got if e}
        versions = {int(q): int(v) for q, _, v in got}
        con.execute("DELETE FROM follow_ups WHERE evaluation_id = ? AND NOT edited", [eid])
        con.dialect.insert_rows(con, "follow_ups", _COLS, [
            (eid, *r, False, versions.get(r[0], 0) + 1, None, None) for r in rows if r[0] not in edited])


def delete_follow_ups(con: Connection, evaluation_ids: Sequence[int]) -> None:
    if evaluation_ids:
        con.execute("DELETE FROM follow_ups WHERE evaluation_id IN (SELECT unnest(?::INTEGER[]))",
                    [[int(i) for i in evaluation_ids]])


_SELECT = f"""
    SELECT f.evaluation_id, e.unit_id, u.name AS unit_name, e.year, e.stage, e.framework_id, f.question_id,
           a.note AS assessor_note, f.pic, f.due_date, f.status, f.note_addressed, f.evidence_period_ok,
           f.evidence_named_ok, f.evidence_url, f.edited, f.version, f.updated_at, f.updated_by
    FROM follow_ups f
    JOIN evaluations e ON e.id = f.evaluation_id
    JOIN units u ON u.id = e.unit_id
    LEFT JOIN answers a ON a.evaluation_id = f.evaluation_id AND a.question_id = f.question_id
    WHERE (?::INTEGER IS NULL OR e.year = ?::INTEGER)
      AND (?::VARCHAR IS NULL OR e.unit_id = ?::VARCHAR)
      AND (?::INTEGER IS NULL OR f.evaluation_id = ?::INTEGER)
    ORDER BY e.year, u.name, e.unit_id, {STAGE_ORDER_SQL}, f.question_id
"""


def _row_dict(row: Sequence[Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in zip(FRAME_COLUMNS, row, strict=True)}


class FollowUpStore(StoreBase):
    def follow_ups(self, year: int | None = None, unit_id: str | None = None,
                   evaluation_id: int | None = None) -> pd.DataFrame:
        """Every follow-up (of ``year`` / ``unit_id`` / one evaluation when given) with its round,
        unit and the assessor's note; columns :data:`zi_metrics.followups.FRAME_COLUMNS`."""
        year = _opt_int(year, "year")
        evaluation_id = _opt_int(evaluation_id, "evaluation_id")
        with self.reading() as con:
            rows = con.execute(_SELECT, [year, year, unit_id, unit_id, evaluation_id, evaluation_id]).fetchall()
        # object columns: a missing PIC, date or check stays None (pandas would make it NaN)
        frame = pd.DataFrame([_row_dict(r) for r in rows], columns=list(FRAME_COLUMNS), dtype=object)
        for col in ("evaluation_id", "year", "question_id", "version"):
            frame[col] = frame[col].astype("int64")
        frame["edited"] = frame["edited"].astype(bool)
        return frame

    def follow_up(self, evaluation_id: int, question_id: int) -> dict[str, Any] | None:
        """One follow-up as a dict of :data:`~zi_metrics.followups.FRAME_COLUMNS`, or None."""
        eid, qid = _as_int(evaluation_id, "evaluation_id"), _as_int(question_id, "question_id")
        with self.reading() as con:
            return _one(con, eid, qid)

    def update_follow_up(self, evaluation_id: int, question_id: int, values: Mapping[str, Any], *, actor: str,
                         expected_version: int | None = None) -> bool:
        """Set the editable fields of one follow-up (every field of :class:`FollowUpEdit`; a missing
        one becomes empty) in one transaction with an audit row listing the fields changed. Returns
        False, writing nothing, when nothing changes. ``expected_version`` (the ``version`` the
        editor read): FollowUpConflictError when the row changed since."""
        eid, qid = _as_int(evaluation_id, "evaluation_id"), _as_int(question_id, "question_id")
        try:
            edit = validate_edit(values).as_dict()
        except FollowUpInputError as exc:
            raise StoreValidationError(str(exc)) from None
        with self.reading() as con:
            before = _one(con, eid, qid)
        if before is None:
            raise UnknownFollowUpError(eid, qid)
        _check_version(before, expected_version)
        changes = {f: [_json(before[f]), _json(edit[f])] for f in _FIELDS if before[f] != edit[f]}
        if not changes:
            return False
        detail = {"unit_id": before["unit_id"], "year": before["year"], "stage": before["stage"],
                  "question_id": qid, "changes": changes}
        with self.writing(actor, "update_follow_up", detail) as con:
            con.dialect.lock_rounds(con, [(before["unit_id"], before["year"], before["stage"])])
            now_row = _one(con, eid, qid)
            if now_row is None:
                raise UnknownFollowUpError(eid, qid)
            _check_version(now_row, int(before["version"]))
            con.execute(
                "UPDATE follow_ups SET pic = ?, due_date = ?, status = ?, note_addressed = ?, evidence_period_ok = ?, "
                "evidence_named_ok = ?, evidence_url = ?, edited = TRUE, version = version + 1, updated_at = ?, "
                "updated_by = ? WHERE evaluation_id = ? AND question_id = ?",
                [*(edit[f] for f in _FIELDS), utcnow(), actor, eid, qid],
            )
        return True


def _one(con: Connection, eid: int, qid: int) -> dict[str, Any] | None:
    select = _SELECT.replace("ORDER BY", "AND f.question_id = ? ORDER BY")
    row = con.execute(select, [None, None, None, None, eid, eid, qid]).fetchone()
    return None if row is None else _row_dict(row)


def _check_version(row: Mapping[str, Any], expected: int | None) -> None:
    if expected is not None and int(row["version"]) != int(expected):
        where = f"{row['unit_id']} {row['year']} {row['stage']} question {row['question_id']}"
        at = row["updated_at"] if isinstance(row["updated_at"], dt.datetime) else None
        raise FollowUpConflictError(where, row["updated_by"], at)


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
