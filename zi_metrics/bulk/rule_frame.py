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
    """rules.evaluate for every row of ``frame`` at once; ``holds_wbk`` per row (or one for all).

    The rules are listed first, then each is computed straight into its row of the result's
    matrices (no per-rule arrays stacked afterwards: at 30,000 evaluations that copy was half of
    the time)."""
    fw = frame.framework
    n = len(frame)
    holds = np.broadcast_to(np.asarray(holds_wbk, dtype=bool), (n,))
    item_row = {fw.hasil_items[c].rule: j for j, c in enumerate(round_layout(fw.id).hasil_codes)}
    component_codes = {c.code for c in fw.hasil_components}
    components = frame.components()
    # (predicate, rule, unit, source, column, threshold, points needed): source "points" is a score
    # compared with its minimum, "area" an area's points (shown as a percent), "flag" holds_wbk.
    specs: list[tuple[str, str, str, str, Any, float, float]] = []
    for pred in fw.predicates:
        for rd in pred.rules:
            if rd.rule in ("total", "pengungkit"):
                specs.append((pred.code, rd.rule, "points", "points", rd.rule, rd.min, np.nan))
            elif rd.rule == "area":
                for a, area in enumerate(fw.areas):
                    specs.append((pred.code, f"area:{area.code}", "percent", "area", a, rd.min_percent,
                                  rd.min_percent / 100.0 * area.max))
            elif rd.rule in components or rd.rule in component_codes:
                specs.append((pred.code, rd.rule, "points", "points", ("component", rd.rule), rd.min, np.nan))
            else:
                specs.append((pred.code, rd.rule, "points", "points", ("item", item_row[rd.rule]), rd.min, np.nan))
        if pred.requires:
            specs.append((pred.code, f"holds_{pred.requires.lower()}", "flag", "flag", None, 1.0, np.nan))
    r = len(specs)
    values, gaps, v_points = np.empty((r, n)), np.empty((r, n)), np.empty((r, n))
    ok = np.empty((r, n), dtype=bool)
    scores: dict[Any, np.ndarray] = {}
    if any(s[4] == "total" for s in specs):
        scores["total"] = frame.total
    if any(s[4] == "pengungkit" for s in specs):
        scores["pengungkit"] = frame.pengungkit
    percent = frame.area_percent if any(s[3] == "area" for s in specs) else None
    for j, (_pred, _rule, _unit, source, column, threshold, need) in enumerate(specs):
        if source == "flag":
            values[j] = holds
            ok[j] = holds
            gaps[j] = np.where(holds, 0.0, np.nan)
            v_points[j] = np.nan
            continue
        if source == "area":
            got = frame.areas[:, column]
            values[j] = percent[:, column]
            v_points[j] = got
        else:
            if column in scores:
                got = scores[column]
            elif column[0] == "component":
                got = components.get(column[1], np.zeros(n))
            else:
                got = frame.hasil_points[:, column[1]]
            need = threshold
            values[j] = got
            v_points[j] = np.nan
        np.greater_equal(got, need - _TOL, out=ok[j])
        np.subtract(need, got, out=gaps[j])
        np.copyto(gaps[j], 0.0, where=ok[j])
    rules = tuple(s[:3] for s in specs)
    earned = np.full(n, -1, dtype=np.intp)
    meets: dict[str, np.ndarray] = {}
    codes = [p.code for p in fw.predicates]
    for k, pred in enumerate(fw.predicates):
        rows = [j for j, rule in enumerate(rules) if rule[0] == pred.code]
        meets[pred.code] = ok[[j for j in rows if rules[j][2] != "flag"]].all(axis=0)
        lower_ok = True if pred.requires is None else earned == codes.index(pred.requires)
        earned = np.where(ok[rows].all(axis=0) & lower_ok, k, earned)
    predicate = np.asarray([None, *codes], dtype=object)[earned + 1]
    return RuleFrame(fw.id, rules, values, np.asarray([s[5] for s in specs], dtype=np.float64), ok, gaps,
                     v_points, np.asarray([s[6] for s in specs], dtype=np.float64), predicate, meets)
