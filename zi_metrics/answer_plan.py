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

A rule is **binding** when dropping it would make the optimal plan cheaper at level (1) or (2).

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

from zi_metrics.framework import Framework, HasilItem, Item, Question, SubArea
from zi_metrics.rules import TOLERANCE, Evaluation, RuleResult, evaluate
from zi_metrics.scoring import Scorecard, SubAreaScore, with_changes

RATIO_STEP = 0.25  # a ratio item's value moves by quarters per step (the A/B/C/D/E option step)
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


class PlanError(ValueError):
    """The round cannot be planned down to answers (a recap round, an unknown target)."""


# ---------------------------------------------------------------------------------------------
# A small sparse MILP builder


class _Model:
    def __init__(self) -> None:
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def var(self, lb: float, ub: float, integer: bool = False) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(1 if integer else 0)
        return len(self.lb) - 1

    def row(self, coefs: Mapping[int, float], lo: float = -np.inf, hi: float = np.inf) -> None:
        self.rows.append(({k: v for k, v in coefs.items() if v != 0.0}, lo, hi))

    def solve(self, objective: Mapping[int, float], extra: Sequence[tuple[dict[int, float], float, float]] = (),
              skip: int | None = None) -> np.ndarray | None:
        """Minimise ``objective``; ``extra`` rows are added and row ``skip`` left out for this solve."""
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_array

        n = len(self.lb)
        rows = [r for i, r in enumerate(self.rows) if i != skip] + list(extra)
        c = np.zeros(n)
        for k, v in objective.items():
            c[k] += v
        constraints = []
        if rows:
            data, ri, ci = [], [], []
            for r, (coefs, _, _) in enumerate(rows):
                for k, v in coefs.items():
                    data.append(v)
                    ri.append(r)
                    ci.append(k)
            a = csr_array((data, (ri, ci)), shape=(len(rows), n))
            constraints.append(LinearConstraint(a, [r[1] for r in rows], [r[2] for r in rows]))
        res = milp(c, integrality=np.array(self.integer), bounds=Bounds(self.lb, self.ub),
                   constraints=constraints, options={"mip_rel_gap": 0.0})
        if res.status != 0 or res.x is None:
            return None
        return np.asarray(res.x)


_Expr = tuple[dict[int, float], float]  # linear expression: coefficients by variable, constant


def _add(*exprs: _Expr, scale: Sequence[float] | None = None) -> _Expr:
    coefs: dict[int, float] = {}
    const = 0.0
    for i, (c, k) in enumerate(exprs):
        f = 1.0 if scale is None else scale[i]
        for var, v in c.items():
            coefs[var] = coefs.get(var, 0.0) + f * v
        const += f * k
    return coefs, const


# ---------------------------------------------------------------------------------------------
# Building the program


def _ascending(options: Mapping[str, float]) -> list[str]:
    return sorted(options, key=lambda k: options[k])


@dataclass
class _OptionVar:
    """An option input: one binary per candidate option (at most one chosen when blank allowed)."""

    question: Question | None
    hasil: HasilItem | None
    current: str | None
    choices: dict[str, int]  # option -> binary variable
    multipliers: dict[str, float]
    steps: dict[str, int]

    def value(self) -> _Expr:  # the multiplier of the chosen option (0 when left blank)
        return {v: self.multipliers[k] for k, v in self.choices.items()}, 0.0

    def answered(self) -> _Expr:
        return {v: 1.0 for v in self.choices.values()}, 0.0

    def step_expr(self) -> _Expr:
        return {v: float(self.steps[k]) for k, v in self.choices.items()}, 0.0

    def chosen(self, x: np.ndarray) -> str | None:
        for k, v in self.choices.items():
            if x[v] > 0.5:
                return k
        return None


def _option_var(model: _Model, options: Mapping[str, float], current: str | None,
                question: Question | None = None, hasil: HasilItem | None = None) -> _OptionVar:
    order = _ascending(options)
    if current is None:
        candidates = order
        steps = {k: order.index(k) + 1 for k in order}  # blank is one level below the lowest option
    else:
        candidates = [k for k in order if options[k] >= options[current] - TOLERANCE]
        steps = {k: order.index(k) - order.index(current) for k in candidates}
    choices = {k: model.var(0.0, 1.0, integer=True) for k in candidates}
    one = {v: 1.0 for v in choices.values()}
    if current is None:
        model.row(one, hi=1.0)
    else:
        model.row(one, lo=1.0, hi=1.0)
    return _OptionVar(question, hasil, current, choices, dict(options), steps)


@dataclass
class _RatioVar:
    item: Item
    question: int  # the numerator's question
    current: float
    denominator: float
    count: int  # integer variable: the numerator
    steps: int  # integer variable: quarters of value raised

    def value(self) -> _Expr:
        return {self.count: 1.0 / self.denominator}, 0.0


@dataclass
class _Leaf:
    sub: SubArea
    score: _Expr  # the sub-area's score (a variable when its count of answered items can change)


@dataclass
class _Program:
    model: _Model
    options: list[_OptionVar]
    ratios: list[_RatioVar]
    leaves: list[_Leaf]
    hasil_options: list[_OptionVar]
    surveys: dict[str, int]  # hasil code -> continuous variable (its input value)
    hasil_points: dict[str, _Expr]
    current_hasil_points: float
    rule_rows: dict[str, int]  # rule name -> its row in the model (absent: a constant rule)


def _ratio_current(item: Item, answers: Mapping[int, Any]) -> tuple[float, float] | None:
    if any(answers.get(q) is None for q in item.questions):
        return None
    return (float(sum(answers[q] for q in item.numerator)), float(sum(answers[q] for q in item.denominator)))


def _leaf_scores(card: Scorecard) -> dict[str, SubAreaScore]:
    """Leaf sub-area code -> its score (the parts of a composite sub-area, not the composite)."""
    out: dict[str, SubAreaScore] = {}
    for top in card.sub_areas.values():
        for leaf in (top.parts or (top,)):
            out[leaf.code] = leaf
    return out


def _build(fw: Framework, card: Scorecard, chain: Sequence[str], allow_hasil: bool,
           margins: Mapping[str, float]) -> _Program:
    model = _Model()
    answers = card.answers
    options: list[_OptionVar] = []
    ratios: list[_RatioVar] = []
    leaves: list[_Leaf] = []
    area_scores: dict[str, list[_Expr]] = {a.code: [] for a in fw.areas}
    scored_leaves = _leaf_scores(card)
    for area in fw.areas:
        for top in area.sub_areas:
            for leaf in (top.parts or (top,)):
                item_values = {i.code: i.value for i in scored_leaves[leaf.code].items}
                fixed_values: list[float] = []
                values: list[_Expr] = []  # changeable, always answered
                blanks: list[_OptionVar] = []  # changeable, may stay unanswered
                for item in leaf.items:
                    if item.kind == "answer":
                        q = fw.questions[item.question]
                        cur = answers.get(q.id)
                        if cur is not None and q.options[cur] >= max(q.options.values()) - TOLERANCE:
                            fixed_values.append(q.options[cur])
                            continue
                        var = _option_var(model, q.options, cur, question=q)
                        options.append(var)
                        (blanks if cur is None else values).append(var if cur is None else var.value())
                        continue
                    counts = _ratio_current(item, answers) if item.kind == "ratio" else None
                    if (counts is not None and len(item.numerator) == 1 and counts[1] > 0
                            and counts[0] < counts[1]):
                        num, den = counts
                        count = model.var(num, den, integer=True)
                        steps = model.var(0.0, math.ceil(1.0 / RATIO_STEP), integer=True)
                        # steps >= (value raised) / RATIO_STEP, rounded up by integrality
                        model.row({steps: 1.0, count: -1.0 / (den * RATIO_STEP)}, lo=-num / (den * RATIO_STEP) - 1e-9)
                        rv = _RatioVar(item, item.numerator[0], num, den, count, steps)
                        ratios.append(rv)
                        values.append(rv.value())
                        continue
                    value = item_values[item.code]  # fixed: the scorer's value (None: unanswered)
                    if value is not None:
                        fixed_values.append(value)
                score = _leaf_score(model, leaf, fixed_values, values, blanks)
                leaves.append(_Leaf(leaf, score))
                area_scores[area.code].append(score)

    hasil_options: list[_OptionVar] = []
    surveys: dict[str, int] = {}
    hasil_points: dict[str, _Expr] = {}
    current_hasil = 0.0
    for code, item in fw.hasil_items.items():
        cur = card.hasil_items[code].input
        current_hasil += card.hasil_items[code].points
        if item.kind == "option":
            if not allow_hasil or (cur is not None and item.options[cur] >= max(item.options.values()) - TOLERANCE):
                hasil_points[code] = ({}, card.hasil_items[code].points)
                continue
            var = _option_var(model, item.options, cur, hasil=item)
            hasil_options.append(var)
            hasil_points[code] = _add(var.value(), scale=[item.points])
        else:
            start = float(cur) if cur is not None else 0.0
            if not allow_hasil or start >= item.scale_max:
                hasil_points[code] = ({}, card.hasil_items[code].points)
                continue
            u = model.var(start, float(item.scale_max))
            surveys[code] = u
            hasil_points[code] = ({u: item.points / item.scale_max}, 0.0)

    pengungkit = _add(*[s for scores in area_scores.values() for s in scores])
    hasil_total = _add(*hasil_points.values())
    rule_exprs: dict[str, tuple[_Expr, float]] = {}

    def need(rule: str, expr: _Expr, threshold: float) -> None:
        if rule in rule_exprs:  # the same rule in WBK and WBBM: the stricter threshold
            threshold = max(threshold, rule_exprs[rule][1])
        rule_exprs[rule] = (expr, threshold)

    for pcode in chain:
        for rd in fw.predicate(pcode).rules:
            if rd.rule == "total":
                need("total", _add(pengungkit, hasil_total), rd.min)
            elif rd.rule == "pengungkit":
                need("pengungkit", pengungkit, rd.min)
            elif rd.rule == "area":
                for area in fw.areas:
                    need(f"area:{area.code}", _add(*area_scores[area.code]), rd.min_percent / 100.0 * area.max)
            elif rd.rule in {c.code for c in fw.hasil_components}:
                comp = next(c for c in fw.hasil_components if c.code == rd.rule)
                need(rd.rule, _add(*[hasil_points[i.code] for i in comp.items]), rd.min)
            else:
                item = next(i for i in fw.hasil_items.values() if i.rule == rd.rule)
                need(rd.rule, hasil_points[item.code], rd.min)
    rule_rows: dict[str, int] = {}
    for rule, ((coefs, const), threshold) in rule_exprs.items():
        lo = threshold - const - TOLERANCE + margins.get(rule, 0.0)
        if not coefs and lo <= 0.0:
            continue  # a rule no input of the program moves, and it holds
        rule_rows[rule] = len(model.rows)
        model.row(coefs, lo=lo)  # with no coefficient and lo > 0: infeasible, as it should be
    return _Program(model, options, ratios, leaves, hasil_options, surveys, hasil_points, current_hasil,
                    rule_rows)


def _leaf_score(model: _Model, leaf: SubArea, fixed: list[float], values: list[_Expr],
                blanks: list[_OptionVar]) -> _Expr:
    """The sub-area's score: weight x mean of its answered items.

    With a fixed number n of answered items the score is linear (weight / n x sum). When blank
    questions may be answered, n is chosen by binaries z_k (exactly one; n = sum k z_k) and the
    score variable s is bounded by weight / k x sum for the chosen k (a big-M of the weight turns
    the other bounds off). Only upper bounds are needed: every rule asks for s to be large, and
    the last level maximises the points, which lifts s to the official score.
    """
    n0 = len(fixed) + len(values)
    total = _add(*values, ({}, sum(fixed)))
    w = leaf.weight
    if not blanks:
        if n0 == 0:
            return {}, 0.0
        return _add(total, scale=[w / n0])
    s = model.var(0.0, w)
    zs = {k: model.var(0.0, 1.0, integer=True) for k in range(n0, n0 + len(blanks) + 1)}
    model.row({z: 1.0 for z in zs.values()}, lo=1.0, hi=1.0)
    count_row = {z: float(k) for k, z in zs.items()}
    for b in blanks:
        for var, coef in b.answered()[0].items():
            count_row[var] = count_row.get(var, 0.0) - coef
    model.row(count_row, lo=float(n0), hi=float(n0))
    full = _add(total, *[b.value() for b in blanks])
    for k, z in zs.items():
        if k == 0:
            model.row({s: 1.0, z: w}, hi=w)  # nothing answered: the official #DIV/0! scores 0
            continue
        coefs, const = _add(full, scale=[w / k])
        row = {s: 1.0, z: w}
        for var, coef in coefs.items():
            row[var] = row.get(var, 0.0) - coef
        model.row(row, hi=w + const)
    return {s: 1.0}, 0.0


# ---------------------------------------------------------------------------------------------
# Solving


def _objectives(p: _Program) -> tuple[dict[int, float], dict[int, float], dict[int, float]]:
    hasil = _add(*p.hasil_points.values())[0]
    steps: dict[int, float] = {}
    for var in [*p.options, *p.hasil_options]:
        for k, v in var.step_expr()[0].items():
            steps[k] = steps.get(k, 0.0) + v
    for r in p.ratios:
        steps[r.steps] = steps.get(r.steps, 0.0) + 1.0
    points = _add(*[leaf.score for leaf in p.leaves])[0]
    return hasil, steps, {k: -v for k, v in points.items()}


def _lexicographic(p: _Program, skip_points: bool = False, skip_rule: str | None = None
                   ) -> tuple[np.ndarray | None, int]:
    """Solve the levels in turn (without ``skip_rule``'s row, for the binding test); returns the
    last solution and the number of MILPs solved."""
    hasil, steps, points = _objectives(p)
    skip = p.rule_rows.get(skip_rule) if skip_rule is not None else None
    x = p.model.solve(hasil, skip=skip)
    if x is None:
        return None, 1
    h_best = float(sum(v * x[k] for k, v in hasil.items()))
    extra = [(hasil, -np.inf, h_best + 1e-7)]
    x = p.model.solve(steps, extra, skip=skip)
    if x is None:  # numerically unlucky: the first level's optimum no longer fits
        return None, 2
    s_best = round(float(sum(v * x[k] for k, v in steps.items())))
    if skip_points:
        return x, 2
    extra.append((steps, -np.inf, s_best + 1e-6))
    y = p.model.solve(points, extra, skip=skip)
    return (y if y is not None else x), 3


def _level_costs(p: _Program, x: np.ndarray) -> tuple[float, int]:
    hasil, steps, _ = _objectives(p)
    return (float(sum(v * x[k] for k, v in hasil.items())), round(float(sum(v * x[k] for k, v in steps.items()))))


def _read_plan(fw: Framework, card: Scorecard, p: _Program, x: np.ndarray) -> tuple[dict[int, Any], dict[str, Any]]:
    answers: dict[int, Any] = {}
    for var in p.options:
        chosen = var.chosen(x)
        if chosen is not None and chosen != var.current:
            answers[var.question.id] = chosen
    for r in p.ratios:
        count = round(float(x[r.count]))
        if count > r.current:
            answers[r.question] = float(count)
    hasil = dict(card.hasil_inputs())
    for var in p.hasil_options:
        chosen = var.chosen(x)
        if chosen is not None:
            hasil[var.hasil.code] = chosen
    for code, u in p.surveys.items():
        item = fw.hasil_items[code]
        start = card.hasil_items[code].input
        # Up to the next 1e-8: the solver's answer may sit a tolerance below the exact minimum
        # (3.5999999997 for 3.6), and a survey value is never reported that finely anyway.
        value = min(float(item.scale_max), math.ceil(float(x[u]) * 1e8 - 1e-3) / 1e8)
        if start is None or value > float(start) + 1e-9:
            hasil[code] = value
    return answers, hasil


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
                        counts = _ratio_current(item, card.answers)
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


def _changes(fw: Framework, card: Scorecard, p: _Program, x: np.ndarray, answers: Mapping[int, Any],
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
            order = _ascending(item.options)
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
        p = _build(fw, card, chain, allow_hasil_changes, margins)
        x, n = _lexicographic(p)
        solves += n
        if x is None:
            blockers = _blockers(fw, card, chain, holds_wbk, allow_hasil_changes)
            return AnswerPlan(target, False, failing=failing, blockers=tuple(blockers), solves=solves,
                              seconds=time.perf_counter() - started)
        answers, hasil = _read_plan(fw, card, p, x)
        final = evaluate(fw, with_changes(fw, card, answers=answers, hasil=hasil), holds_wbk)
        if _meets(final, target):
            break
        # A solver tolerance let a rule through by a hair: tighten it and solve again.
        for r in _failing(final, chain):
            gap = r.gap if r.gap is not None else 0.0
            margins[r.rule] = margins.get(r.rule, 0.0) + gap + 1e-7
    else:
        raise RuntimeError(f"the {target} plan keeps missing its rules after re-solving: {margins}")

    h_best, s_best = _level_costs(p, x)
    binding: list[str] = []
    if find_binding:
        for rule in failing:
            if rule not in p.rule_rows:
                continue
            y, n = _lexicographic(p, skip_points=True, skip_rule=rule)
            solves += n
            if y is None:
                continue
            h, s = _level_costs(p, y)
            if h < h_best - 1e-7 or s < s_best:
                binding.append(rule)
        # A rule met with nothing to spare binds too, even when another rule forces the same
        # change (the survey item rule and its component rule both ask for IPAK 3,60).
        at_plan = {r.rule: r for pcode in chain for r in final.rules_for(pcode)}
        for rule in failing:
            r = at_plan.get(rule)
            if rule not in binding and r is not None and r.unit != "flag":
                value = r.value_points if r.value_points is not None else r.value
                threshold = r.threshold_points if r.threshold_points is not None else r.threshold
                if value - threshold <= 1e-6:
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
