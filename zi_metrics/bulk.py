"""Bulk scoring: every unit of a round scored inside DuckDB in one query, for national scale.

``scoring.score_answers`` is the reference implementation (one LKE at a time, in Python). At
10,000 units a round holds about 1.3 million answers; moving them into Python costs more than
scoring them, so the same roll-up runs where the answers are. This module turns a framework into
small metadata tables (pure data, no SQL); the store runs the query over them and returns one row
per evaluation, area and half; this module builds Scorecards from those rows. The test suite
checks that both implementations agree on every stored round.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from zi_metrics.framework import Framework, SubArea, load_framework
from zi_metrics.scoring import AreaScore, Completeness, Scorecard, _score_hasil, normalize_hasil


@dataclass(frozen=True)
class ScoringTables:
    """One framework as relations the store's bulk query joins against (integer keys)."""

    framework_id: str
    leaves: pd.DataFrame  # leaf_id, area_code, half_code, weight, n_items
    options: pd.DataFrame  # question_id, option_key, multiplier, leaf_id (answer items)
    count_roles: pd.DataFrame  # question_id, item_id, role (num/den/before/after)
    count_items: pd.DataFrame  # item_id, leaf_id, kind, n_questions, zero_denominator, both_zero, before_zero
    scored_questions: pd.DataFrame  # question_id (pengungkit questions, for completeness)
    hasil_questions: pd.DataFrame  # question_id, item_code (hasil items asked as questions)


def _leaves(sub: SubArea) -> Iterable[SubArea]:
    if sub.parts:
        for p in sub.parts:
            yield from _leaves(p)
    else:
        yield sub


def scoring_tables(fw: Framework) -> ScoringTables:
    leaves, options, roles, items = [], [], [], []
    for area in fw.areas:
        for half in area.halves:
            for top in half.sub_areas:
                for leaf in _leaves(top):
                    leaf_id = len(leaves) + 1
                    leaves.append((leaf_id, area.code, half.code, leaf.weight, len(leaf.items)))
                    for item in leaf.items:
                        if item.kind == "answer":
                            q = fw.questions[item.question]
                            options.extend((q.id, k, m, leaf_id) for k, m in (q.options or {}).items())
                            continue
                        item_id = len(items) + 1
                        items.append((item_id, leaf_id, item.kind, len(item.questions), item.zero_denominator,
                                      item.both_zero, item.before_zero))
                        if item.kind == "ratio":
                            roles.extend((q, item_id, "num") for q in item.numerator)
                            roles.extend((q, item_id, "den") for q in item.denominator)
                        else:
                            roles.extend([(item.before, item_id, "before"), (item.after, item_id, "after")])
    return ScoringTables(
        fw.id,
        pd.DataFrame(leaves, columns=["leaf_id", "area_code", "half_code", "weight", "n_items"]),
        pd.DataFrame(options, columns=["question_id", "option_key", "multiplier", "leaf_id"]),
        pd.DataFrame(roles, columns=["question_id", "item_id", "role"]),
        pd.DataFrame(items, columns=["item_id", "leaf_id", "kind", "n_questions", "zero_denominator",
                                     "both_zero", "before_zero"]),
        pd.DataFrame({"question_id": [q.id for q in fw.questions.values() if q.hasil_item is None]}),
        pd.DataFrame([(q.id, q.hasil_item) for q in fw.questions.values() if q.hasil_item is not None],
                     columns=["question_id", "item_code"]),
    )


def scorecards_from_bulk(result: Any) -> dict[int, Scorecard]:
    """A Scorecard per evaluation from the store's :class:`BulkScores` of one framework."""
    fw = load_framework(result.framework_id)
    rows = result.area_rows
    by_eval: dict[int, dict[tuple[str, str], tuple[float, float]]] = {}
    for eid, code, half, score, cons in zip(rows["evaluation_id"].tolist(), rows["area_code"].tolist(),
                                            rows["half_code"].tolist(), rows["score"].tolist(),
                                            rows["conservative"].tolist(), strict=True):
        by_eval.setdefault(eid, {})[(code, half)] = (score, cons)
    total_questions = len(fw.questions) + sum(1 for i in fw.hasil_items.values() if i.question is None)
    keep = fw.has_halves
    out: dict[int, Scorecard] = {}
    for eid, answered in zip(result.meta["evaluation_id"].tolist(), result.meta["answered"].tolist(), strict=True):
        parts = by_eval.get(eid, {})
        areas, cons_areas = {}, {}
        for area in fw.areas:
            score_h = {h.code: parts.get((area.code, h.code), (0.0, 0.0))[0] for h in area.halves}
            cons_h = {h.code: parts.get((area.code, h.code), (0.0, 0.0))[1] for h in area.halves}
            areas[area.code] = AreaScore(area.code, area.name, sum(score_h.values()), area.max,
                                         score_h if keep else {})
            cons_areas[area.code] = AreaScore(area.code, area.name, sum(cons_h.values()), area.max,
                                              cons_h if keep else {})
        values = normalize_hasil(fw, result.hasil.get(eid, {}))
        hasil_scores = _score_hasil(fw, values)
        completeness = Completeness(int(answered) + len(values), total_questions)
        conservative = Scorecard(fw.id, "answers", cons_areas, hasil_scores, completeness)
        out[eid] = Scorecard(fw.id, "answers", areas, hasil_scores, completeness, conservative=conservative)
    return out


# ---------------------------------------------------------------------------------------------
# Validation of bulk frames (national-scale loads): vectorised, first problem named


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
