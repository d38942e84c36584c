"""Gap analysis: how far each area is below the WBK and WBBM minimums, and, when answers exist,
which sub-areas and items lose the most points (what each would add at its best answer)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from zi_metrics.framework import Framework
from zi_metrics.rules import Evaluation
from zi_metrics.scoring import Scorecard, SubAreaScore

_TOL = 1e-9


@dataclass(frozen=True)
class AreaGap:
    code: str
    name: str
    score: float
    max: float
    percent: float
    need: dict[str, float]  # predicate -> points below its minimum (0 when met)


def _area_minimums(fw: Framework) -> dict[str, float]:
    """Predicate -> the per-area minimum as % of the area's max (only versions that have one)."""
    out = {}
    for pred in fw.predicates:
        for rd in pred.rules:
            if rd.rule == "area" and rd.min_percent is not None:
                out[pred.code] = rd.min_percent
    return out


def area_gaps(fw: Framework, card: Scorecard) -> list[AreaGap]:
    """Per area, the points still missing to each predicate's per-area minimum."""
    minimums = _area_minimums(fw)
    out = []
    for area in fw.areas:
        a = card.areas[area.code]
        need = {p: max(0.0, pct / 100.0 * area.max - a.score) for p, pct in minimums.items()}
        out.append(AreaGap(area.code, area.name, a.score, area.max, a.percent,
                           {p: (0.0 if v <= _TOL else v) for p, v in need.items()}))
    return out


@dataclass(frozen=True)
class SubAreaGap:
    code: str
    name: str
    area: str
    half: str | None
    weight: float
    score: float
    lost: float  # weight - score
    answered_items: int
    total_items: int


def _leaves(s: SubAreaScore) -> Iterable[SubAreaScore]:
    if s.parts:
        for p in s.parts:
            yield from _leaves(p)
    else:
        yield s


def sub_area_gaps(card: Scorecard) -> list[SubAreaGap]:
    """Sub-areas ranked by the points they lose (weight - score), most first."""
    rows = [SubAreaGap(s.code, s.name, s.area, s.half, s.weight, s.score, max(0.0, s.weight - s.score),
                       s.answered_items, s.total_items)
            for s in card.sub_areas.values()]
    return sorted(rows, key=lambda r: (-r.lost, r.code))


@dataclass(frozen=True)
class ItemGap:
    item_code: str
    name: str
    kind: str  # "answer" | "ratio" | "reduction"
    questions: tuple[int, ...]
    sub_area: str
    sub_area_name: str
    area: str
    value: float | None  # current item value in [0, 1]; None when unanswered
    gain: float  # points the sub-area (and so the total) would gain with this item at its best


def leaf_gain(leaf: SubAreaScore, item_code: str, new_value: float | None) -> float:
    """Points a (leaf) sub-area gains, on the official mean of answered items, when one of its
    items takes ``new_value`` and the others stay (negative when it loses; None: left blank)."""
    values = {i.code: i.value for i in leaf.items}
    values[item_code] = new_value
    answered = [v for v in values.values() if v is not None]
    score = leaf.weight * sum(answered) / len(answered) if answered else 0.0
    gain = score - leaf.score
    return 0.0 if abs(gain) <= _TOL else gain


def _leaf_of(card: Scorecard, question: int) -> tuple[SubAreaScore, str] | None:
    for top in card.sub_areas.values():
        for leaf in _leaves(top):
            for item in leaf.items:
                if question in item.questions:
                    return leaf, item.code
    return None


def option_gains(fw: Framework, card: Scorecard, question: int) -> dict[str, float]:
    """For an option question: every option, best first, with the points the total would gain
    (or lose) if the question were answered so and every other answer stayed."""
    q = fw.questions[question]
    found = _leaf_of(card, question)
    options = sorted(q.options or {}, key=lambda k: -(q.options or {})[k])
    if found is None:
        return dict.fromkeys(options, 0.0)
    leaf, code = found
    return {k: leaf_gain(leaf, code, q.options[k]) for k in options}


def ratio_full_gain(card: Scorecard, question: int) -> float:
    """The points a computed ratio item would add at 100 % (its numerator question given)."""
    found = _leaf_of(card, question)
    return leaf_gain(found[0], found[1], 1.0) if found else 0.0


def item_gaps(card: Scorecard) -> list[ItemGap]:
    """Every scored item with the points it would add at its best answer, others unchanged.

    Mirrors the official mean-of-answered-items rule: answering a blank item at its best also
    changes the mean, and that change is what the gain reports.
    """
    out = []
    for top in card.sub_areas.values():
        for leaf in _leaves(top):
            answered = [i.value for i in leaf.items if i.value is not None]
            current = leaf.score
            for item in leaf.items:
                if item.value is None:
                    new_mean = (sum(answered) + 1.0) / (len(answered) + 1)
                else:
                    new_mean = (sum(answered) - item.value + 1.0) / len(answered)
                gain = max(0.0, leaf.weight * new_mean - current)
                out.append(ItemGap(item.code, item.name, item.kind, item.questions, leaf.code, leaf.name,
                                   leaf.area, item.value, 0.0 if gain <= _TOL else gain))
    return sorted(out, key=lambda g: (-g.gain, g.sub_area, g.item_code))


def areas_holding_back(evaluations: Iterable[Evaluation], predicate: str = "WBK") -> dict[str, int]:
    """Across units: how many fail each area's minimum for ``predicate`` (area code -> count)."""
    counts: dict[str, int] = {}
    for ev in evaluations:
        for r in ev.rules_for(predicate):
            if r.rule.startswith("area:"):
                code = r.rule.split(":", 1)[1]
                counts.setdefault(code, 0)
                if not r.passed:
                    counts[code] += 1
    return counts


def rules_holding_back(evaluations: Iterable[Evaluation], predicate: str = "WBK") -> dict[str, int]:
    """Across units: how many fail each rule of ``predicate`` (rule name -> count)."""
    counts: dict[str, int] = {}
    for ev in evaluations:
        for r in ev.rules_for(predicate):
            counts[r.rule] = counts.get(r.rule, 0) + (0 if r.passed else 1)
    return counts
