"""Prioritas perbaikan: one ranked to-do list per unit and round toward a predicate, down to the
LKE question, and every answer said in words.

The ranking: first the answer changes of the minimum plan (``answer_plan``: the fewest steps that
reach the predicate), most points first; then every other question whose better answer helps a
rule that still fails, by points per step. Each row says the answer now and the suggested
answer in the official wording, the points the change alone adds (every other answer as now,
on the official mean-of-answered-items roll-up) and the failing rules it helps. Measures no LKE
answer can raise are listed apart: the surveys and capaian kinerja, and the LKE items the plan
treats as records (disciplinary violations, a ratio with nothing owed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zi_metrics.answer_plan import AnswerPlan, Blocker, answer_plan, chain_of
from zi_metrics.answer_program import RATIO_STEP, ascending, ratio_counts
from zi_metrics.formatting import format_number, format_percent
from zi_metrics.framework import Framework, Item, Question
from zi_metrics.gaps import leaf_gain
from zi_metrics.i18n import t
from zi_metrics.rules import Evaluation, evaluate
from zi_metrics.scoring import Scorecard, SubAreaScore

_TOL = 1e-9


@dataclass(frozen=True)
class PriorityItem:
    rank: int
    kind: str  # "option" | "ratio"
    question: int  # the question whose answer changes (a ratio's numerator count)
    item: str  # scored item code
    item_name: str
    area: str
    sub_area: str
    sub_area_name: str
    current: Any  # option key / count; None when unanswered
    suggested: Any
    denominator: float | None  # ratio items: the fixed count the numerator is "of"
    points: float  # what the change alone adds to the total
    steps: int
    rules: tuple[str, ...]  # failing rules it helps
    in_plan: bool


@dataclass(frozen=True)
class Measure:
    """A measure no LKE answer can raise: a hasil input, or an LKE item held as a record."""

    kind: str  # "hasil" | "record"
    code: str  # hasil item code, or the item code
    name: str  # the framework's name of the hasil item or of the LKE item
    question: int | None
    current: Any
    needed: Any  # hasil: the input the plan (or the measure's own rule) needs; None if none
    points: float  # points it scores now
    max_points: float
    rules: tuple[str, ...]  # failing rules it belongs to
    area: str | None = None
    before: Any = None  # "record" reductions: last year's count


@dataclass(frozen=True)
class Priorities:
    target: str
    plan: AnswerPlan
    assumes_held: bool  # the plan was solved as if the required predicate were held (scores only)
    failing: tuple[str, ...]
    items: tuple[PriorityItem, ...]
    measures: tuple[Measure, ...]


def _leaves(card: Scorecard) -> dict[str, SubAreaScore]:
    out: dict[str, SubAreaScore] = {}
    for top in card.sub_areas.values():
        for leaf in (top.parts or (top,)):
            out[leaf.code] = leaf
    return out


def _helps(area: str, failing: Sequence[str]) -> tuple[str, ...]:
    return tuple(r for r in failing if r in ("total", "pengungkit", f"area:{area}"))


def _item_of(fw: Framework, q: Question) -> Item | None:
    sub = fw.sub_area(q.sub_area) if q.sub_area else None
    for item in (sub.items if sub else ()):
        if q.id in item.questions:
            return item
    return None


def priorities(fw: Framework, card: Scorecard, target: str, holds_wbk: bool = False,
               plan: AnswerPlan | None = None) -> Priorities:
    """The ranked to-do list of a round scored from answers, toward ``target``."""
    chain = chain_of(fw, target)
    ev = evaluate(fw, card, holds_wbk)
    failing = tuple(dict.fromkeys(r.rule for p in chain for r in ev.failing(p) if r.unit != "flag"))
    requires = fw.predicate(target).requires
    assumes_held = bool(requires) and not holds_wbk
    if plan is None:
        # A unit that does not hold the required predicate still sees the plan for the scores.
        plan = answer_plan(fw, card, target, holds_wbk or assumes_held)
    leaves = _leaves(card)
    planned = {c.question: c for c in plan.lke_changes}
    rows: list[dict[str, Any]] = []
    for q in fw.questions.values():
        if q.area is None:
            continue
        item = _item_of(fw, q)
        if item is None:
            continue
        leaf = leaves[q.sub_area]
        change = planned.get(q.id)
        if item.kind == "answer":
            cur = card.answers.get(q.id)
            best = q.best_answer
            if change is not None:
                suggested, steps, points = change.target, change.steps, change.points
            elif cur is not None and q.options[cur] >= q.options[best] - _TOL:
                continue
            else:
                order = ascending(q.options)
                suggested = best
                steps = order.index(best) - (order.index(cur) if cur is not None else -1)
                points = leaf_gain(leaf, item.code, q.options[best])
            rows.append(dict(kind="option", question=q.id, item=item.code, item_name=q.text, area=q.area,
                             sub_area=leaf.code, sub_area_name=leaf.name, current=cur, suggested=suggested,
                             denominator=None, points=points, steps=steps, in_plan=change is not None))
        elif item.kind == "ratio" and item.numerator == (q.id,):
            counts = ratio_counts(item, card.answers)
            if counts is None or counts[1] <= 0 or counts[0] >= counts[1]:
                continue
            num, den = counts
            if change is not None:
                suggested, steps, points = change.target, change.steps, change.points
            else:
                suggested = den
                steps = math.ceil((den - num) / (den * RATIO_STEP) - 1e-9)
                points = leaf_gain(leaf, item.code, 1.0)
            rows.append(dict(kind="ratio", question=q.id, item=item.code, item_name=item.name, area=q.area,
                             sub_area=leaf.code, sub_area_name=leaf.name, current=num, suggested=suggested,
                             denominator=den, points=points, steps=steps, in_plan=change is not None))
    for row in rows:
        row["rules"] = _helps(row["area"], failing)
    rows = [r for r in rows if r["in_plan"] or (r["points"] > 0 and r["rules"])]
    rows.sort(key=lambda r: (not r["in_plan"],
                             -r["points"] if r["in_plan"] else -r["points"] / max(r["steps"], 1),
                             -r["points"], r["question"]))
    items = tuple(PriorityItem(rank=i + 1, **r) for i, r in enumerate(rows))
    return Priorities(target, plan, assumes_held, failing, items, _measures(fw, card, ev, chain, plan, failing))


def _measures(fw: Framework, card: Scorecard, ev: Evaluation, chain: Sequence[str], plan: AnswerPlan,
              failing: Sequence[str]) -> tuple[Measure, ...]:
    out: list[Measure] = []
    thresholds = {r.rule: r for p in chain for r in ev.rules_for(p)}
    for code, item in fw.hasil_items.items():
        score = card.hasil_items[code]
        rules = tuple(r for r in failing if r in ("total", item.rule, item.component))
        needed = plan.hasil.get(code) if plan.feasible else None
        if needed == score.input:
            needed = None
        if needed is None and item.rule in failing:
            needed = thresholds[item.rule].input_threshold
        out.append(Measure("hasil", code, item.name, item.question, score.input, needed, score.points, item.points,
                           rules))
    leaves = _leaves(card)
    for area in fw.areas:
        for top in area.sub_areas:
            for leaf in (top.parts or (top,)):
                scored = leaves[leaf.code]
                for it, value in zip(leaf.items, (i.value for i in scored.items), strict=True):
                    if it.kind == "answer" or value is None or value >= 1.0 - _TOL:
                        continue
                    counts = ratio_counts(it, card.answers) if it.kind == "ratio" else None
                    raisable = (counts is not None and len(it.numerator) == 1 and counts[1] > 0
                                and counts[0] < counts[1])
                    if raisable:
                        continue
                    rules = _helps(area.code, failing)
                    if not rules:
                        continue
                    current = card.answers.get(it.after) if it.kind == "reduction" else value
                    before = card.answers.get(it.before) if it.kind == "reduction" else None
                    out.append(Measure("record", it.code, it.name, it.after if it.kind == "reduction" else None,
                                       current, None, scored.score, leaf.weight, rules, area.code, before))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Answers in words


def option_words(question: Question, option: str | None, lang: str = "id") -> str:
    """``B — <the official wording of B>``; an option without wording (Tidak) is its own word;
    a version without option texts shows the option with its multiplier."""
    if option is None:
        return t("answer.blank", lang)
    text = question.option_text(option)
    if text:
        return f"{option} — {text}"
    if option.isalpha() and len(option) == 1:
        return t("answer.option_value", lang, option=option,
                 value=format_number((question.options or {}).get(option), lang))
    return t(f"value.{'yes' if option == 'Ya' else 'no'}", lang) if option in ("Ya", "Tidak") else option


def count_words(count: float | None, of: float | None = None, lang: str = "id") -> str:
    """``52 dari 70 (74,29%)`` for a ratio's numerator; a lone count as a whole number."""
    if count is None:
        return t("answer.blank", lang)
    if of is None:
        return format_number(count, lang, 0)
    share = min(1.0, count / of) * 100 if of else None
    return t("answer.count_of", lang, count=format_number(count, lang, 0), total=format_number(of, lang, 0),
             percent=format_percent(share, lang))


def answer_words(fw: Framework, question: int, value: Any, lang: str = "id",
                 answers: Mapping[int, Any] | None = None) -> str:
    """Any stored answer in words: an option with its wording, a count (with what it is "of" when
    it is a ratio's numerator and ``answers`` give the denominator), a survey value."""
    q = fw.questions[question]
    if q.kind == "option":
        return option_words(q, value, lang)
    if value is None:
        return t("answer.blank", lang)
    if q.kind == "count":
        item = _item_of(fw, q)
        if answers is not None and item is not None and item.kind == "ratio" and item.numerator == (q.id,):
            den = [answers.get(d) for d in item.denominator]
            if all(d is not None for d in den):
                return count_words(value, float(sum(den)), lang)
        return count_words(value, None, lang)
    return format_number(value, lang)


def hasil_words(fw: Framework, code: str, value: Any, lang: str = "id") -> str:
    """A hasil input in words: a survey value or percentage as a number, capaian with its wording."""
    item = fw.hasil_items[code]
    if value is None:
        return t("answer.blank", lang)
    if item.kind == "option":
        if item.question is not None:
            return option_words(fw.questions[item.question], value, lang)
        return str(value)
    if item.kind == "percent":
        return format_percent(value, lang)
    return format_number(value, lang)


def blocker_text(fw: Framework, blocker: Blocker, lang: str = "id") -> str:
    """Why a predicate cannot be reached this round, as one clause in ``lang``."""
    from zi_metrics.names import measure_name, predicate_name, rule_name

    rule = rule_name(fw, blocker.rule, lang)
    if blocker.kind == "requires":
        return t("plan.blocker.requires", lang, required=predicate_name(blocker.rule.removeprefix("holds_").upper(),
                                                                          lang))
    if blocker.kind == "scale":
        return t("plan.blocker.scale", lang, measure=measure_name(fw, blocker.item or blocker.rule, lang),
                 needed=format_number(blocker.needed, lang), maximum=format_number(blocker.maximum, lang))
    if blocker.kind == "hasil_fixed":
        return t("plan.blocker.hasil_fixed", lang, rule=rule, value=format_number(blocker.best, lang),
                 threshold=format_number(blocker.threshold, lang))
    return t("plan.blocker.fixed", lang, rule=rule, best=format_number(blocker.best, lang),
             threshold=format_number(blocker.threshold, lang))
