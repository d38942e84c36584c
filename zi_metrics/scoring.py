"""From LKE answers (or a recap of area points) to scores, exactly as the official workbook does.

Roll-up (PermenPANRB 90/2021 Lampiran III, same mechanics for 52/2014):
item value = the answer's multiplier, or a computed ratio capped to [0, 1];
sub-area = mean of its answered items x weight (the workbook's AVERAGE skips blanks);
a composite sub-area (LHKPN + Non-LHKPN) is the sum of its parts;
half, area, pengungkit, hasil and total are plain sums.

Besides the official figures every answers-based scorecard carries a conservative one in
which a missing item counts as 0, and completeness (answered / total questions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zi_metrics.framework import Framework, HasilItem, Item, Question, SubArea
from zi_metrics.quoting import quoted, shown

_TOL = 1e-9


class ScoringInputError(ValueError):
    """Bad input for scoring; ``field`` names where (e.g. ``answers.12`` or ``areas.MP``)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# ---------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True)
class ItemScore:
    code: str
    name: str
    kind: str
    questions: tuple[int, ...]
    value: float | None  # None when unanswered


@dataclass(frozen=True)
class SubAreaScore:
    code: str
    name: str
    area: str
    half: str | None
    weight: float
    score: float
    conservative: float
    answered_items: int
    total_items: int
    items: tuple[ItemScore, ...]
    parts: tuple[SubAreaScore, ...] = ()

    @property
    def complete(self) -> bool:
        return self.answered_items == self.total_items

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.weight if self.weight else 0.0


@dataclass(frozen=True)
class AreaScore:
    code: str
    name: str
    score: float
    max: float
    halves: dict[str, float] = field(default_factory=dict)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max if self.max else 0.0


@dataclass(frozen=True)
class HasilItemScore:
    code: str
    rule: str
    component: str
    input: float | str | None  # survey value, option key or percent; None when missing
    points: float
    max: float


@dataclass(frozen=True)
class Completeness:
    answered: int
    total: int

    @property
    def ratio(self) -> float:
        return self.answered / self.total if self.total else 1.0

    @property
    def complete(self) -> bool:
        return self.answered == self.total


@dataclass(frozen=True)
class Scorecard:
    framework_id: str
    source: str  # "answers" | "recap"
    areas: dict[str, AreaScore]
    hasil_items: dict[str, HasilItemScore]
    completeness: Completeness
    sub_areas: dict[str, SubAreaScore] = field(default_factory=dict)
    answers: dict[int, Any] = field(default_factory=dict)  # normalised answers (answers source)
    conservative: Scorecard | None = None

    @property
    def pengungkit(self) -> float:
        return sum(a.score for a in self.areas.values())

    @property
    def hasil_components(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for item in self.hasil_items.values():
            out[item.component] = out.get(item.component, 0.0) + item.points
        return out

    @property
    def hasil(self) -> float:
        return sum(i.points for i in self.hasil_items.values())

    @property
    def total(self) -> float:
        return self.pengungkit + self.hasil

    @property
    def halves(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for a in self.areas.values():
            for h, v in a.halves.items():
                out[h] = out.get(h, 0.0) + v
        return out

    @property
    def provisional(self) -> bool:
        return not self.completeness.complete

    def area_points(self) -> dict[str, float]:
        return {c: a.score for c, a in self.areas.items()}

    def hasil_inputs(self) -> dict[str, Any]:
        return {c: i.input for c, i in self.hasil_items.items() if i.input is not None}


# ---------------------------------------------------------------------------------------------
# Input normalisation


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_finite(value: Any) -> bool:
    """A finite number (an int too large for a float, say 100,001 digits from JSON, is not)."""
    try:
        return _is_number(value) and math.isfinite(value)
    except OverflowError:
        return False


def normalize_option(options: Mapping[str, float], value: Any, field: str) -> str:
    """Match an option answer ignoring case and surrounding spaces ('ya ' -> 'Ya')."""
    if not isinstance(value, str):
        raise ScoringInputError(field, f"expected one of {'/'.join(options)}, got {quoted(value)}")
    key = value.strip().casefold()
    for option in options:
        if option.casefold() == key:
            return option
    raise ScoringInputError(field, f"{quoted(value)} is not an answer option; expected one of {'/'.join(options)}")


def normalize_count(value: Any, field: str) -> float:
    if not _is_finite(value):
        raise ScoringInputError(field, f"expected a count (a whole number >= 0), got {quoted(value)}")
    if value < 0:
        raise ScoringInputError(field, f"a count cannot be negative, got {quoted(value)}")
    if float(value) != int(value):
        raise ScoringInputError(field, f"a count must be a whole number, got {quoted(value)}")
    return float(value)


def normalize_scale(value: Any, field: str, low: float, high: float, what: str) -> float:
    if not _is_finite(value):
        raise ScoringInputError(field, f"expected a {what} between {low:g} and {high:g}, got {quoted(value)}")
    if value < low or value > high:
        raise ScoringInputError(field, f"{what} must be between {low:g} and {high:g}, got {quoted(value)}")
    return float(value)


def normalize_answer(fw: Framework, question: Question, value: Any, field: str | None = None) -> Any:
    """Validate one answer against its question's type; return the canonical value."""
    field = field or f"answers.{question.id}"
    if question.kind == "option":
        return normalize_option(question.options or {}, value, field)
    if question.kind == "count":
        return normalize_count(value, field)
    at = fw.answer_types[question.type]
    return normalize_scale(value, field, at.min or 0.0, at.max or 4.0, "survey value")


def normalize_answers(fw: Framework, answers: Mapping[Any, Any]) -> dict[int, Any]:
    """Validate a mapping of question id -> answer (keys may be strings); blanks are dropped."""
    out: dict[int, Any] = {}
    for key, value in answers.items():
        qid = _question_id(key)
        if qid is None or qid not in fw.questions:
            raise ScoringInputError(f"answers.{shown(key)}", f"unknown question id for {fw.id}")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue  # a blank answer is an unanswered question
        out[qid] = normalize_answer(fw, fw.questions[qid], value)
    return out


def _question_id(key: Any) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, str) and key.strip().isdigit() and len(key.strip()) <= 18:
        return int(key.strip())  # str.isdigit also takes other scripts' digits; int() reads those too
    return None


def normalize_hasil_value(item: HasilItem, value: Any, field: str | None = None) -> Any:
    field = field or f"hasil.{item.code}"
    if item.kind == "option":
        return normalize_option(item.options or {}, value, field)
    if item.kind == "survey":
        return normalize_scale(value, field, 0.0, item.scale_max or 4.0, "survey value")
    return normalize_scale(value, field, 0.0, item.scale_max or 100.0, "percentage")


def normalize_hasil(fw: Framework, hasil: Mapping[str, Any] | None) -> dict[str, Any]:
    items = fw.hasil_items
    out: dict[str, Any] = {}
    for key, value in (hasil or {}).items():
        if key not in items:
            raise ScoringInputError(f"hasil.{shown(key)}", f"unknown hasil item for {fw.id}; known: {', '.join(items)}")
        if value is None:
            continue
        out[key] = normalize_hasil_value(items[key], value)
    return out


# ---------------------------------------------------------------------------------------------
# Scoring


def _item_value(item: Item, answers: Mapping[int, Any], fw: Framework) -> float | None:
    if item.kind == "answer":
        ans = answers.get(item.question)
        if ans is None:
            return None
        return fw.questions[item.question].options[ans]
    if any(answers.get(q) is None for q in item.questions):
        return None
    if item.kind == "ratio":
        den = sum(answers[q] for q in item.denominator)
        num = sum(answers[q] for q in item.numerator)
        if den == 0:
            return item.zero_denominator
        return min(1.0, max(0.0, num / den))
    # reduction: fewer violations this year than last year
    before, after = answers[item.before], answers[item.after]
    if before == 0 and after == 0:
        return item.both_zero
    if before == 0:
        return item.before_zero
    return min(1.0, max(0.0, (before - after) / before))


def _score_sub_area(sub: SubArea, answers: Mapping[int, Any], fw: Framework) -> SubAreaScore:
    if sub.parts:
        parts = tuple(_score_sub_area(p, answers, fw) for p in sub.parts)
        return SubAreaScore(sub.code, sub.name, sub.area, sub.half, sub.weight,
                            sum(p.score for p in parts), sum(p.conservative for p in parts),
                            sum(p.answered_items for p in parts), sum(p.total_items for p in parts), (), parts)
    items = tuple(ItemScore(i.code, i.name, i.kind, i.questions, _item_value(i, answers, fw)) for i in sub.items)
    values = [i.value for i in items if i.value is not None]
    score = sub.weight * sum(values) / len(values) if values else 0.0
    conservative = sub.weight * sum(values) / len(items)
    return SubAreaScore(sub.code, sub.name, sub.area, sub.half, sub.weight, score, conservative,
                        len(values), len(items), items)


def _hasil_points(item: HasilItem, value: Any) -> float:
    if value is None:
        return 0.0
    if item.kind == "option":
        return item.points * (item.options or {})[value]
    return item.points * value / item.scale_max


def _score_hasil(fw: Framework, values: Mapping[str, Any]) -> dict[str, HasilItemScore]:
    return {
        item.code: HasilItemScore(item.code, item.rule, item.component, values.get(item.code),
                                  _hasil_points(item, values.get(item.code)), item.points)
        for comp in fw.hasil_components for item in comp.items
    }


def _merge_hasil_answers(fw: Framework, answers: dict[int, Any], hasil: dict[str, Any]) -> dict[str, Any]:
    """Hasil may come as answers to its questions (125-127) or under ``hasil``; both must agree."""
    merged = dict(hasil)
    for item in fw.hasil_items.values():
        if item.question is None or item.question not in answers:
            continue
        value = answers[item.question]
        if item.code in merged and merged[item.code] != value:
            raise ScoringInputError(f"hasil.{item.code}", f"{quoted(merged[item.code])} conflicts with "
                                                          f"answers.{item.question} = {quoted(value)}")
        merged[item.code] = value
    return merged


def _completeness_total(fw: Framework) -> int:
    return len(fw.questions) + sum(1 for i in fw.hasil_items.values() if i.question is None)


def score_answers(fw: Framework, answers: Mapping[Any, Any], hasil: Mapping[str, Any] | None = None) -> Scorecard:
    """Score an LKE from its answers (question id -> answer); hasil items may also come in ``hasil``."""
    norm = normalize_answers(fw, answers)
    hasil_values = _merge_hasil_answers(fw, norm, normalize_hasil(fw, hasil))
    sub_scores: dict[str, SubAreaScore] = {}
    areas: dict[str, AreaScore] = {}
    cons_areas: dict[str, AreaScore] = {}
    for area in fw.areas:
        halves: dict[str, float] = {}
        cons_halves: dict[str, float] = {}
        for half in area.halves:
            scores = [_score_sub_area(s, norm, fw) for s in half.sub_areas]
            for s in scores:
                sub_scores[s.code] = s
            halves[half.code] = sum(s.score for s in scores)
            cons_halves[half.code] = sum(s.conservative for s in scores)
        keep = fw.has_halves
        areas[area.code] = AreaScore(area.code, area.name, sum(halves.values()), area.max,
                                     halves if keep else {})
        cons_areas[area.code] = AreaScore(area.code, area.name, sum(cons_halves.values()), area.max,
                                          cons_halves if keep else {})
    hasil_scores = _score_hasil(fw, hasil_values)
    answered = sum(1 for q in norm if fw.questions[q].hasil_item is None) + sum(
        1 for i in fw.hasil_items.values() if i.code in hasil_values)
    completeness = Completeness(answered, _completeness_total(fw))
    conservative = Scorecard(fw.id, "answers", cons_areas, hasil_scores, completeness)
    return Scorecard(fw.id, "answers", areas, hasil_scores, completeness, sub_scores, norm, conservative)


def score_areas(fw: Framework, areas: Mapping[str, Any], hasil: Mapping[str, Any] | None = None) -> Scorecard:
    """Score a recap: the six area points (each within [0, max]) plus the hasil inputs."""
    known = set(fw.area_codes)
    points: dict[str, float] = {}
    for code, value in areas.items():
        if code not in known:
            raise ScoringInputError(f"areas.{shown(code)}", f"unknown area code; known: {', '.join(fw.area_codes)}")
        if value is None:
            continue
        amax = fw.area(code).max
        points[code] = normalize_scale(value, f"areas.{code}", 0.0, amax, f"{code} points")
    hasil_values = normalize_hasil(fw, hasil)
    area_scores = {a.code: AreaScore(a.code, a.name, points.get(a.code, 0.0), a.max) for a in fw.areas}
    answered = len(points) + len(hasil_values)
    completeness = Completeness(answered, len(fw.areas) + len(fw.hasil_items))
    return Scorecard(fw.id, "recap", area_scores, _score_hasil(fw, hasil_values), completeness)


def with_changes(fw: Framework, base: Scorecard, *, areas: Mapping[str, float] | None = None,
                 hasil: Mapping[str, Any] | None = None, answers: Mapping[Any, Any] | None = None) -> Scorecard:
    """Re-score ``base`` with some inputs changed (what-if). Answer changes need an answers base.

    Area points given here replace the area's computed points; the result is then a recap.
    """
    if answers:
        if base.source != "answers":
            raise ScoringInputError("answers", "answer changes need a base scored from answers, not a recap")
        merged = dict(base.answers)
        for key, value in answers.items():
            qid = _question_id(key)
            if qid is None or qid not in fw.questions:
                raise ScoringInputError(f"answers.{shown(key)}", f"unknown question id for {fw.id}")
            if value is None:
                merged.pop(qid, None)
            else:
                merged[qid] = value
        base_hasil = {c: v for c, v in base.hasil_inputs().items()
                      if fw.hasil_items[c].question is None or fw.hasil_items[c].question not in merged}
        base = score_answers(fw, merged, base_hasil)
    if not areas and not hasil:
        return base
    new_hasil = dict(base.hasil_inputs())
    new_hasil.update(hasil or {})
    if not areas and base.source == "answers":
        # Keep the answers-based detail: re-score the same answers with the new hasil inputs
        # (a hasil value given here replaces the answer to its question).
        overridden = {fw.hasil_items[c].question for c in (hasil or {}) if c in fw.hasil_items}
        kept = {q: v for q, v in base.answers.items() if q not in overridden}
        return score_answers(fw, kept, normalize_hasil(fw, new_hasil))
    new_areas = base.area_points()
    new_areas.update(areas or {})
    return score_areas(fw, new_areas, new_hasil)
