"""rules.evaluate over whole columns: every rule of both predicates for every row of a ScoreFrame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from zi_metrics.bulk.layout import round_layout
from zi_metrics.bulk.rounds import ScoreFrame

_TOL = 1e-9  # rules.TOLERANCE


@dataclass(frozen=True)
class RuleFrame:
    """Every rule of both predicates for every row of a ScoreFrame, as rules.evaluate gives them.

    Rule-major: row j of ``value``, ``passed``, ``gap`` and ``value_points`` is ``rules[j]`` =
    (predicate, rule, unit), in evaluate()'s order; column i is the ScoreFrame's row i."""

    framework_id: str
    rules: tuple[tuple[str, str, str], ...]
    value: np.ndarray  # (R, n) the rule's value (percent for area rules, 1/0 for flags)
    threshold: np.ndarray  # (R,) (the minimum percent for area rules, 1 for flags)
    passed: np.ndarray  # (R, n) bool
    gap: np.ndarray  # (R, n) points still needed; NaN where RuleResult.gap is None
    value_points: np.ndarray  # (R, n) area rules: the area's points (NaN for other rules)
    threshold_points: np.ndarray  # (R,) area rules: the points the minimum percent means
    predicate: np.ndarray  # (n,) object: None | "WBK" | "WBBM"
    meets_scores: dict[str, np.ndarray]  # predicate -> every score rule (not the flag) holds

    def rows(self, predicate: str) -> list[int]:
        return [j for j, r in enumerate(self.rules) if r[0] == predicate]

    def failing(self, predicate: str) -> np.ndarray:
        """Per evaluation, the list of the rules of ``predicate`` it fails (evaluate().failing()),
        as an object array; evaluations failing the same rules share one list: never mutate it."""
        rows = self.rows(predicate)
        n = self.passed.shape[1]
        masks = np.zeros(n, dtype=np.int64)
        for bit, j in enumerate(rows):
            masks |= (~self.passed[j]).astype(np.int64) << bit
        unique, inverse = np.unique(masks, return_inverse=True)
        lists = np.empty(len(unique), dtype=object)
        lists[:] = [[self.rules[j][1] for bit, j in enumerate(rows) if m >> bit & 1] for m in unique.tolist()]
        return lists[inverse] if n else np.empty(0, dtype=object)


def evaluate_frame(frame: ScoreFrame, holds_wbk: np.ndarray | bool = False) -> RuleFrame:
    """rules.evaluate for every row of ``frame`` at once; ``holds_wbk`` per row (or one for all)."""
    fw = frame.framework
    n = len(frame)
    holds = np.broadcast_to(np.asarray(holds_wbk, dtype=bool), (n,))
    total, pengungkit, components = frame.total, frame.pengungkit, frame.components()
    percent = frame.area_percent
    item_row = {fw.hasil_items[c].rule: j for j, c in enumerate(round_layout(fw.id).hasil_codes)}
    component_codes = {c.code for c in fw.hasil_components}
    rules: list[tuple[str, str, str]] = []
    values, thresholds, passed, gaps, v_points, t_points = [], [], [], [], [], []
    nan = np.full(n, np.nan)

    def add(pred: str, rule: str, unit: str, value: np.ndarray, threshold: float, ok: np.ndarray, gap: np.ndarray,
            points: np.ndarray = nan, need: float = np.nan) -> None:
        rules.append((pred, rule, unit))
        values.append(value)
        thresholds.append(threshold)
        passed.append(ok)
        gaps.append(gap)
        v_points.append(points)
        t_points.append(need)

    def score_rule(pred: str, rule: str, value: np.ndarray, minimum: float) -> None:
        ok = value >= minimum - _TOL
        add(pred, rule, "points", value, minimum, ok, np.where(ok, 0.0, minimum - value))

    for pred in fw.predicates:
        for rd in pred.rules:
            if rd.rule == "total":
                score_rule(pred.code, "total", total, rd.min)
            elif rd.rule == "pengungkit":
                score_rule(pred.code, "pengungkit", pengungkit, rd.min)
            elif rd.rule == "area":
                for a, area in enumerate(fw.areas):
                    need = rd.min_percent / 100.0 * area.max
                    got = frame.areas[:, a]
                    ok = got >= need - _TOL
                    add(pred.code, f"area:{area.code}", "percent", percent[:, a], rd.min_percent, ok,
                        np.where(ok, 0.0, need - got), got, need)
            elif rd.rule in components or rd.rule in component_codes:
                score_rule(pred.code, rd.rule, components.get(rd.rule, np.zeros(n)), rd.min)
            else:
                score_rule(pred.code, rd.rule, frame.hasil_points[:, item_row[rd.rule]], rd.min)
        if pred.requires:
            add(pred.code, f"holds_{pred.requires.lower()}", "flag", holds.astype(np.float64), 1.0, holds.copy(),
                np.where(holds, 0.0, np.nan))

    def stack(rows: list[np.ndarray], dtype: Any = np.float64) -> np.ndarray:
        return np.stack(rows) if rows else np.zeros((0, n), dtype=dtype)

    ok = stack(passed, bool)
    earned = np.full(n, -1, dtype=np.intp)
    meets: dict[str, np.ndarray] = {}
    codes = [p.code for p in fw.predicates]
    for k, pred in enumerate(fw.predicates):
        rows = [j for j, r in enumerate(rules) if r[0] == pred.code]
        meets[pred.code] = ok[[j for j in rows if rules[j][2] != "flag"]].all(axis=0)
        lower_ok = True if pred.requires is None else earned == codes.index(pred.requires)
        earned = np.where(ok[rows].all(axis=0) & lower_ok, k, earned)
    predicate = np.asarray([None, *codes], dtype=object)[earned + 1]
    return RuleFrame(fw.id, tuple(rules), stack(values), np.asarray(thresholds, dtype=np.float64), ok, stack(gaps),
                     stack(v_points), np.asarray(t_points, dtype=np.float64), predicate, meets)
