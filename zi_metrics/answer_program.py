"""The integer program behind ``answer_plan``: variables, the official roll-up as linear
constraints, the predicate rules, and the lexicographic solve (``scipy.optimize.milp``).

``answer_plan`` explains what may change and what a step is; this module states it as a MILP:

* an option input is one binary per option it may take (its current option and the better ones;
  for a blank, every option or none), exactly one chosen when answered, at most one when blank;
* a ratio item's numerator is an integer variable between its count and the denominator, with
  an integer step variable >= the value raised / RATIO_STEP;
* a sub-area with a fixed number n of answered items scores weight / n x the sum of its values;
  one that may gain answers scores a variable bounded through the binaries that choose n;
* a survey or a percentage is a continuous variable from its current value to the scale's top;
* each rule is a row: the measure's expression >= its threshold (less the scorer's tolerance).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zi_metrics.framework import Framework, HasilItem, Item, Question, SubArea
from zi_metrics.rules import TOLERANCE
from zi_metrics.scoring import Scorecard, SubAreaScore

RATIO_STEP = 0.25  # a ratio item's value moves by quarters per step (the A/B/C/D/E option step)


# A small sparse MILP builder


class Model:
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


def ascending(options: Mapping[str, float]) -> list[str]:
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


def _option_var(model: Model, options: Mapping[str, float], current: str | None,
                question: Question | None = None, hasil: HasilItem | None = None) -> _OptionVar:
    order = ascending(options)
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
class Program:
    model: Model
    options: list[_OptionVar]
    ratios: list[_RatioVar]
    leaves: list[_Leaf]
    hasil_options: list[_OptionVar]
    surveys: dict[str, int]  # hasil code -> continuous variable (its input value)
    hasil_points: dict[str, _Expr]
    current_hasil_points: float
    rule_rows: dict[str, int]  # rule name -> its row in the model (absent: a constant rule)


def ratio_counts(item: Item, answers: Mapping[int, Any]) -> tuple[float, float] | None:
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


def build_program(fw: Framework, card: Scorecard, chain: Sequence[str], allow_hasil: bool,
           margins: Mapping[str, float]) -> Program:
    model = Model()
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
                    counts = ratio_counts(item, answers) if item.kind == "ratio" else None
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
    return Program(model, options, ratios, leaves, hasil_options, surveys, hasil_points, current_hasil,
                    rule_rows)


def _leaf_score(model: Model, leaf: SubArea, fixed: list[float], values: list[_Expr],
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


def _objectives(p: Program) -> tuple[dict[int, float], dict[int, float], dict[int, float]]:
    hasil = _add(*p.hasil_points.values())[0]
    steps: dict[int, float] = {}
    for var in [*p.options, *p.hasil_options]:
        for k, v in var.step_expr()[0].items():
            steps[k] = steps.get(k, 0.0) + v
    for r in p.ratios:
        steps[r.steps] = steps.get(r.steps, 0.0) + 1.0
    points = _add(*[leaf.score for leaf in p.leaves])[0]
    return hasil, steps, {k: -v for k, v in points.items()}


@dataclass(frozen=True)
class Solution:
    x: np.ndarray  # the last level's solution
    hasil: float  # the optimum of level (1): hasil points raised
    steps: int  # the optimum of level (2)
    solves: int


def solve_lexicographic(p: Program) -> tuple[Solution | None, int]:
    """Solve the three levels in turn, each with the earlier optima as constraints; returns the
    solution (None: infeasible) and the number of MILPs solved."""
    hasil, steps, points = _objectives(p)
    x = p.model.solve(hasil)
    if x is None:
        return None, 1
    h_best = float(sum(v * x[k] for k, v in hasil.items()))
    extra = [(hasil, -np.inf, h_best + 1e-7)]
    x = p.model.solve(steps, extra)
    if x is None:  # numerically unlucky: the first level's optimum no longer fits
        return None, 2
    s_best = round(float(sum(v * x[k] for k, v in steps.items())))
    extra.append((steps, -np.inf, s_best + 1e-6))
    y = p.model.solve(points, extra)
    return Solution(y if y is not None else x, h_best, s_best, 3), 3


def relaxation_is_cheaper(p: Program, rule: str, hasil_best: float, steps_best: int) -> tuple[bool, int]:
    """Whether the program without ``rule``'s row has a cheaper optimum at level (1) or (2) than
    (``hasil_best``, ``steps_best``); returns (cheaper, MILPs solved). Level (2) is solved only
    when level (1) is not already cheaper, and level (1) not at all when nothing was raised."""
    hasil, steps, _ = _objectives(p)
    skip = p.rule_rows[rule]
    solved = 0
    h = hasil_best
    if hasil_best > 1e-9:
        x = p.model.solve(hasil, skip=skip)
        solved += 1
        if x is None:
            return False, solved
        h = float(sum(v * x[k] for k, v in hasil.items()))
        if h < hasil_best - 1e-6:
            return True, solved
    x = p.model.solve(steps, [(hasil, -np.inf, min(h, hasil_best) + 1e-7)], skip=skip)
    solved += 1
    if x is None:
        return False, solved
    return round(float(sum(v * x[k] for k, v in steps.items()))) < steps_best, solved


def read_plan(fw: Framework, card: Scorecard, p: Program, x: np.ndarray) -> tuple[dict[int, Any], dict[str, Any]]:
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
