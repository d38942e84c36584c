"""The minimum plan down to answers: the fewest answer changes that make a unit meet a predicate.

Solved exactly as a mixed-integer linear program (``scipy.optimize.milp``, HiGHS) over the LKE
answers, the computed count items and the hasil inputs (surveys, capaian kinerja), on the
official roll-up: a sub-area scores the mean of its *answered* items times its weight, a
composite sub-area (LHKPN + non-LHKPN) the sum of its parts, everything above plain sums.

What may change, and what a step is (decided; the regulation has no notion of a plan):

* **An option answer** moves only up (never down, never back to blank): one step per option
  level, so A/B/C/D's D -> A is three steps and Tidak -> Ya one.
* **An unanswered option question** may stay unanswered (it then stays out of the sub-area's
  mean, as in the official workbook) or be answered; blank counts as one level below the lowest
  option, so answering it with the lowest option is one step and with A (of A/B/C/D) four.
  Answering lowers the mean when the new answer is below it, so the program only answers a
  blank where that pays.
* **A computed ratio item** (changes per change agent, targets met, complaints followed up,
  LHKPN / non-LHKPN reported, services simplified): its denominator counts are facts (agents,
  targets, complaints received, officials obliged to report) and stay; its numerator count may
  rise up to the denominator (beyond it the ratio is capped at 1). A step is a quarter of the
  item's 0-1 value, the finest step an option answer takes (A/B/C/D/E), rounded up: reporting
  LHKPN 40 -> 52 of 52 (0,77 -> 1) is one step, 10 -> 52 of 52 three.
* **Fixed**: a reduction item (disciplinary violations this year against last year: the year's
  violations are on record), a ratio whose denominator is 0 (its value is the framework's
  zero-denominator rule) or whose numerator is spread over several count questions, and a
  computed item with a count missing (the plan cannot know how many officials are obliged).
* **Surveys** (0 to the scale's maximum, continuous) and the **percentage** items rise
  continuously; **capaian kinerja** (A-E) moves like an option answer.

The objective is lexicographic, each level solved as its own MILP with the earlier levels'
optima as constraints: (1) the fewest hasil points raised (surveys and capaian are results a
unit cannot simply decide, so they rise only as far as the rules force them); (2) the fewest
steps (option steps, ratio steps, capaian steps); (3) among plans with as few steps, the most
pengungkit points (the same effort with the widest margin over the thresholds).

A rule is **binding** when the plan meets it with nothing to spare, or when dropping it would make
the optimal plan cheaper at level (1) or (2).

The plan is then re-scored with the normal scorer (``scoring`` + ``rules``): that re-score is
what the plan reports, and a plan whose re-score misses the predicate (a solver tolerance) is
solved again with the missed rule tightened.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zi_metrics.answer_program import (
    RATIO_STEP,
    Program,
    ascending,
    build_program,
    ratio_counts,
    read_plan,
    relaxation_is_cheaper,
    solve_lexicographic,
)
from zi_metrics.framework import Framework
from zi_metrics.rules import Evaluation, RuleResult, evaluate
from zi_metrics.scoring import Scorecard, with_changes

_RANK = {None: 0, "WBK": 1, "WBBM": 2}


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class AnswerChange:
    """One input the plan changes."""

    kind: str  # "option" (an LKE option answer) | "ratio" (a numerator count) | "hasil"
    code: str  # question id as text ("12"), or the hasil item code
    question: int | None  # the question whose answer changes (hasil items: their question, if any)
    item: str  # the scored item: "q12", a ratio item code, or a hasil item code
    area: str | None
    sub_area: str | None
    current: Any  # option key / count / survey value; None when unanswered
    target: Any
    steps: int  # 0 for a survey or a percentage (continuous)
    points: float  # what this change alone adds to the total, every other input as now
    denominator: float | None = None  # ratio items: the fixed denominator (the count's "of")
    rules: tuple[str, ...] = ()  # rules failing now that this change helps (set by the plan)


@dataclass(frozen=True)
class Blocker:
    """Why a target cannot be reached this round."""

    kind: str  # "requires" | "scale" | "fixed" | "hasil_fixed"
    rule: str  # the rule that cannot be met ("holds_wbk" for "requires")
    best: float | None = None  # the rule's value with every changeable input at its best
    threshold: float | None = None
    item: str | None = None  # "scale": the hasil item whose input would have to exceed its maximum
    needed: float | None = None  # "scale": the input value that would be needed
    maximum: float | None = None  # "scale": the input's maximum


@dataclass(frozen=True)
class AnswerPlan:
    target: str
    feasible: bool
    already: bool = False  # the round already meets the target
    changes: tuple[AnswerChange, ...] = ()
    answers: dict[int, Any] = field(default_factory=dict)  # question id -> new answer (pengungkit)
    hasil: dict[str, Any] = field(default_factory=dict)  # every hasil input at the plan
    steps: int = 0
    hasil_raise: float = 0.0  # hasil points added
    points: float = 0.0  # total points added (re-scored)
    binding: tuple[str, ...] = ()
    failing: tuple[str, ...] = ()  # rules of the target (and the predicate it requires) failing now
    blockers: tuple[Blocker, ...] = ()
    evaluation: Evaluation | None = None  # the plan re-scored by the normal scorer
    solves: int = 0  # MILPs solved (levels, binding checks, tolerance retries)
    seconds: float = 0.0

    @property
    def lke_changes(self) -> tuple[AnswerChange, ...]:
        return tuple(c for c in self.changes if c.kind != "hasil")

    @property
    def hasil_changes(self) -> tuple[AnswerChange, ...]:
        return tuple(c for c in self.changes if c.kind == "hasil")

    @property
    def lke_steps(self) -> int:
        """The steps of the LKE answer changes (``steps`` also counts capaian kinerja's)."""
        return sum(c.steps for c in self.lke_changes)


class PlanError(ValueError):
    """The round cannot be planned down to answers (a recap round, an unknown target)."""


def chain_of(fw: Framework, target: str) -> list[str]:
    """The predicates whose rules must all hold for ``target``: the target and those it requires."""
    chain, code = [], target
    while code is not None:
        chain.insert(0, code)
        code = fw.predicate(code).requires
    return chain


def _meets(ev: Evaluation, target: str) -> bool:
    return _RANK.get(ev.predicate, 0) >= _RANK.get(target, 0)


def _failing(ev: Evaluation, chain: Sequence[str]) -> list[RuleResult]:
    seen: dict[str, RuleResult] = {}
    for pcode in chain:
        for r in ev.failing(pcode):
            if r.unit != "flag":
                seen[r.rule] = r
    return list(seen.values())


def _best_inputs(fw: Framework, card: Scorecard, allow_hasil: bool) -> tuple[dict[int, Any], dict[str, Any]]:
    """Every changeable input at its best: the ceiling of what any plan can reach."""
    answers: dict[int, Any] = {}
    for area in fw.areas:
        for top in area.sub_areas:
            for leaf in (top.parts or (top,)):
                for item in leaf.items:
                    if item.kind == "answer":
                        q = fw.questions[item.question]
                        answers[q.id] = q.best_answer
                    elif item.kind == "ratio":
                        counts = ratio_counts(item, card.answers)
                        if counts is not None and len(item.numerator) == 1 and counts[1] > 0 and counts[0] < counts[1]:
                            answers[item.numerator[0]] = counts[1]
    hasil = dict(card.hasil_inputs())
    if allow_hasil:
        for code, item in fw.hasil_items.items():
            hasil[code] = max(item.options, key=lambda k: item.options[k]) if item.kind == "option" else float(
                item.scale_max)
    return answers, hasil


def _blockers(fw: Framework, card: Scorecard, chain: Sequence[str], holds_wbk: bool,
              allow_hasil: bool) -> list[Blocker]:
    best_answers, best_hasil = _best_inputs(fw, card, allow_hasil)
    best = evaluate(fw, with_changes(fw, card, answers=best_answers, hasil=best_hasil), holds_wbk)
    out: list[Blocker] = []
    items_by_rule = {i.rule: i for i in fw.hasil_items.values()}
    for r in _failing(best, chain):
        value = r.value_points if r.value_points is not None else r.value
        threshold = r.threshold_points if r.threshold_points is not None else r.threshold
        item = items_by_rule.get(r.rule)
        if item is not None and item.kind != "option" and allow_hasil:
            needed = threshold / item.points * item.scale_max
            out.append(Blocker("scale", r.rule, value, threshold, item.code, needed, float(item.scale_max)))
        elif not allow_hasil and r.rule in _hasil_rules(fw):
            out.append(Blocker("hasil_fixed", r.rule, value, threshold))
        else:
            out.append(Blocker("fixed", r.rule, value, threshold))
    return out


def _hasil_rules(fw: Framework) -> set[str]:
    return {i.rule for i in fw.hasil_items.values()} | {c.code for c in fw.hasil_components}


def _rules_helped(fw: Framework, change_area: str | None, hasil_code: str | None, failing: Sequence[str]) -> tuple[
        str, ...]:
    out = []
    for rule in failing:
        if rule == "total":
            out.append(rule)
        elif change_area is not None and rule in ("pengungkit", f"area:{change_area}"):
            out.append(rule)
        elif hasil_code is not None:
            item = fw.hasil_items[hasil_code]
            if rule in (item.rule, item.component):
                out.append(rule)
    return tuple(out)


def _changes(fw: Framework, card: Scorecard, p: Program, x: np.ndarray, answers: Mapping[int, Any],
             hasil: Mapping[str, Any], failing: Sequence[str]) -> list[AnswerChange]:
    base_total = card.total
    out: list[AnswerChange] = []

    def alone(**kw: Any) -> float:
        return with_changes(fw, card, **kw).total - base_total

    for var in p.options:
        q = var.question
        if q.id not in answers:
            continue
        new = answers[q.id]
        out.append(AnswerChange("option", str(q.id), q.id, f"q{q.id}", q.area, q.sub_area, var.current, new,
                                var.steps[new], alone(answers={q.id: new}),
                                rules=_rules_helped(fw, q.area, None, failing)))
    for r in p.ratios:
        if r.question not in answers:
            continue
        new = answers[r.question]
        q = fw.questions[r.question]
        steps = math.ceil((new - r.current) / (r.denominator * RATIO_STEP) - 1e-9)
        out.append(AnswerChange("ratio", str(q.id), q.id, r.item.code, q.area, q.sub_area, r.current, new, steps,
                                alone(answers={q.id: new}), denominator=r.denominator,
                                rules=_rules_helped(fw, q.area, None, failing)))
    for code, item in fw.hasil_items.items():
        before = card.hasil_items[code].input
        after = hasil.get(code)
        if after is None or after == before:
            continue
        if item.kind == "option":
            order = ascending(item.options)
            steps = order.index(after) - (order.index(before) if before is not None else -1)
        else:
            steps = 0
        out.append(AnswerChange("hasil", code, item.question, code, None, None, before, after, steps,
                                alone(hasil={code: after}), rules=_rules_helped(fw, None, code, failing)))
    return out


def answer_plan(fw: Framework, card: Scorecard, target: str, holds_wbk: bool = False, *,
                allow_hasil_changes: bool = True, find_binding: bool = True) -> AnswerPlan:
    """The minimum plan down to answers that makes the round meet ``target`` ("WBK" or "WBBM").

    ``card`` must be scored from answers (``score_answers``). With ``allow_hasil_changes`` False
    the surveys and capaian stay as they are (e.g. the survey results are published).
    """
    if card.source != "answers":
        raise PlanError("a plan down to answers needs a round scored from answers, not an area recap")
    fw.predicate(target)  # raises FrameworkError for an unknown target
    started = time.perf_counter()
    chain = chain_of(fw, target)
    ev = evaluate(fw, card, holds_wbk)
    failing = tuple(r.rule for r in _failing(ev, chain))
    pred = fw.predicate(target)
    if pred.requires and not holds_wbk:
        return AnswerPlan(target, False, failing=failing,
                          blockers=(Blocker("requires", f"holds_{pred.requires.lower()}"),),
                          seconds=time.perf_counter() - started)
    if _meets(ev, target):
        return AnswerPlan(target, True, True, hasil=dict(card.hasil_inputs()), evaluation=ev,
                          seconds=time.perf_counter() - started)

    margins: dict[str, float] = {}
    solves = 0
    for _attempt in range(4):
        p = build_program(fw, card, chain, allow_hasil_changes, margins)
        solution, n = solve_lexicographic(p)
        solves += n
        if solution is None:
            blockers = _blockers(fw, card, chain, holds_wbk, allow_hasil_changes)
            return AnswerPlan(target, False, failing=failing, blockers=tuple(blockers), solves=solves,
                              seconds=time.perf_counter() - started)
        x = solution.x
        answers, hasil = read_plan(fw, card, p, x)
        final = evaluate(fw, with_changes(fw, card, answers=answers, hasil=hasil), holds_wbk)
        if _meets(final, target):
            break
        # A solver tolerance let a rule through by a hair: tighten it and solve again.
        for r in _failing(final, chain):
            gap = r.gap if r.gap is not None else 0.0
            margins[r.rule] = margins.get(r.rule, 0.0) + gap + 1e-7
    else:
        raise RuntimeError(f"the {target} plan keeps missing its rules after re-solving: {margins}")

    h_best, s_best = solution.hasil, solution.steps
    binding: list[str] = []
    if find_binding:
        # A rule met with nothing to spare binds, even when another rule forces the same change
        # (the survey item rule and its component rule both ask for IPAK 3,60); any other failing
        # rule binds when the plan would be cheaper without it.
        at_plan = {r.rule: r for pcode in chain for r in final.rules_for(pcode)}
        for rule in failing:
            r = at_plan.get(rule)
            if r is not None and r.unit != "flag":
                value = r.value_points if r.value_points is not None else r.value
                threshold = r.threshold_points if r.threshold_points is not None else r.threshold
                if value - threshold <= 1e-6:
                    binding.append(rule)
                    continue
            if rule in p.rule_rows:
                cheaper, n = relaxation_is_cheaper(p, rule, h_best, s_best)
                solves += n
                if cheaper:
                    binding.append(rule)
        binding.sort(key=failing.index)
    changes = _changes(fw, card, p, x, answers, hasil, failing)
    sc = final.scorecard
    return AnswerPlan(
        target, True, False, tuple(changes), answers, hasil,
        steps=sum(c.steps for c in changes), hasil_raise=sc.hasil - card.hasil, points=sc.total - card.total,
        binding=tuple(binding), failing=failing, evaluation=final, solves=solves,
        seconds=time.perf_counter() - started)


def next_target(fw: Framework, ev: Evaluation, held: str | None) -> str:
    """The predicate to work toward: WBK until the round meets its scores, then WBBM (and WBBM for a
    unit holding it, to keep it)."""
    codes = [p.code for p in fw.predicates]
    for code in codes:
        if not ev.meets_scores.get(code, False):
            return code
    return held if held in codes else codes[-1]
