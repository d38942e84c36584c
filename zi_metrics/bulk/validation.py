"""Validation of bulk frames (national-scale loads): vectorised, the first problem named."""

from __future__ import annotations

from typing import Any

import pandas as pd

from zi_metrics.framework import load_framework


class BulkInputError(ValueError):
    """A bulk frame holds a value the store must not take; the message names the row."""


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _first(mask: pd.Series, frame: pd.DataFrame, what: str, columns: list[str]) -> None:
    if bool(mask.any()):
        row = frame.loc[mask].iloc[0]
        where = ", ".join(f"{c}={_plain(row[c])!r}" for c in columns)
        raise BulkInputError(f"{what} ({int(mask.sum())} rows; first: {where})")


def validate_answer_frame(answers: pd.DataFrame, evaluations: pd.DataFrame) -> None:
    """Check every answer row against its evaluation's framework (ids, options, ranges)."""
    need = {"evaluation_id", "question_id", "answer_text", "answer_number"}
    missing = need - set(answers.columns)
    if missing:
        raise BulkInputError(f"answers frame lacks columns {sorted(missing)}")
    fw_of = evaluations.set_index("id")["framework_id"]
    frame = answers.assign(framework_id=answers["evaluation_id"].map(fw_of))
    _first(frame["framework_id"].isna(), frame, "answer of an unknown evaluation", ["evaluation_id"])
    _first(frame.duplicated(["evaluation_id", "question_id"]), frame, "duplicate answer",
           ["evaluation_id", "question_id"])
    both = frame["answer_text"].notna() & frame["answer_number"].notna()
    _first(both, frame, "answer with both a text and a number", ["evaluation_id", "question_id"])
    for fid, part in frame.groupby("framework_id", sort=False):
        fw = load_framework(fid)
        kinds = pd.Series({q.id: q.kind for q in fw.questions.values()})
        kind = part["question_id"].map(kinds)
        _first(kind.isna(), part, f"question id unknown to {fid}", ["evaluation_id", "question_id"])
        valid = pd.DataFrame([(q.id, k) for q in fw.questions.values() if q.options for k in q.options],
                             columns=["question_id", "answer_text"]).assign(_ok=True)
        is_opt = kind == "option"
        ok = part[["question_id", "answer_text"]].merge(valid, how="left", on=["question_id", "answer_text"])
        bad_opt = is_opt & part["answer_text"].notna() & ~pd.Series(ok["_ok"].notna().to_numpy(), index=part.index)
        _first(bad_opt, part, "answer that is not an option of its question",
               ["evaluation_id", "question_id", "answer_text"])
        _first(is_opt & part["answer_number"].notna(), part, "number given to an option question",
               ["evaluation_id", "question_id"])
        num = part["answer_number"]
        _first(~is_opt & part["answer_text"].notna(), part, "text given to a count or survey question",
               ["evaluation_id", "question_id", "answer_text"])
        is_count = kind == "count"
        bad_count = is_count & num.notna() & ((num < 0) | (num != num.round()))
        _first(bad_count, part, "count that is negative or not a whole number",
               ["evaluation_id", "question_id", "answer_number"])
        is_survey = kind == "survey"
        bad_survey = is_survey & num.notna() & ((num < 0) | (num > 4))
        _first(bad_survey, part, "survey value outside 0-4", ["evaluation_id", "question_id", "answer_number"])

