"""The SQL roll-up's side of bulk scoring: a framework as small relations (pure data, no SQL) that
the store's query (store.score_rounds_bulk) joins the answers against, and Scorecards built from
the rows it returns (one per evaluation, area and half)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from zi_metrics.bulk.layout import leaves_of
from zi_metrics.framework import Framework, load_framework
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



def scoring_tables(fw: Framework) -> ScoringTables:
    leaves, options, roles, items = [], [], [], []
    for area in fw.areas:
        for half in area.halves:
            for top in half.sub_areas:
                for leaf in leaves_of(top):
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

