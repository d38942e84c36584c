"""What-if and the minimum-effort plan: applied plans reach their target, nothing cheaper does
(an independent LP and a brute-force grid), impossible targets are said plainly."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from zi_metrics.framework import load_framework
from zi_metrics.rules import evaluate
from zi_metrics.scoring import score_answers, score_areas
from zi_metrics.whatif import minimum_plan, simulate

FW90 = load_framework("permenpanrb-90-2021")
FW52 = load_framework("permenpanrb-52-2014")
RANK = {None: 0, "WBK": 1, "WBBM": 2}


def _recap(fw, fractions, hasil):
    return score_areas(fw, {a.code: f * a.max for a, f in zip(fw.areas, fractions, strict=True)}, hasil)


hasil90 = st.fixed_dictionaries({
    "survey_anti_korupsi": st.floats(0, 4, allow_nan=False),
    "capaian_kinerja": st.sampled_from("ABCDE"),
    "survey_pelayanan": st.floats(0, 4, allow_nan=False),
})
hasil52 = st.fixed_dictionaries({
    "survey_anti_korupsi": st.floats(0, 4, allow_nan=False),
    "tlhp_percent": st.floats(0, 100, allow_nan=False),
    "survey_pelayanan": st.floats(0, 4, allow_nan=False),
})
fractions = st.lists(st.floats(0, 1, allow_nan=False), min_size=6, max_size=6)


def _lp_minimum(fw, card, plan, target):
    """Independent formulation: min sum(x) over the areas given the plan's hasil."""
    preds = [p for p in fw.predicates if p.code == target or p.code == fw.predicate(target).requires]
    pct = max((r.min_percent for p in preds for r in p.rules if r.rule == "area"), default=0.0)
    peng = max((r.min for p in preds for r in p.rules if r.rule == "pengungkit"), default=0.0)
    total = max(r.min for p in preds for r in p.rules if r.rule == "total")
    hasil = score_areas(fw, card.area_points(), plan.hasil_targets).hasil
    cur = [card.areas[a.code].score for a in fw.areas]
    lo = [max(0.0, pct / 100 * a.max - c) for a, c in zip(fw.areas, cur, strict=True)]
    hi = [a.max - c for a, c in zip(fw.areas, cur, strict=True)]
    need = max(peng, total - hasil) - sum(cur)
    res = linprog([1.0] * 6, A_ub=[[-1.0] * 6], b_ub=[-need], bounds=list(zip(lo, hi, strict=True)), method="highs")
    return res.fun if res.status == 0 else None


@settings(max_examples=60, deadline=None, derandomize=True)
@given(fractions, hasil90, st.sampled_from(["WBK", "WBBM"]))
def test_plan_reaches_its_target_and_no_lp_plan_is_cheaper_90(fracs, hasil, target):
    card = _recap(FW90, fracs, hasil)
    plan = minimum_plan(FW90, card, target, holds_wbk=True)
    assert plan.feasible, plan.reason
    applied = evaluate(FW90, score_areas(FW90, plan.area_targets, plan.hasil_targets), holds_wbk=True)
    assert RANK[applied.predicate] >= RANK[target]
    for a in FW90.areas:
        assert card.areas[a.code].score - 1e-9 <= plan.area_targets[a.code] <= a.max + 1e-9
    best = _lp_minimum(FW90, card, plan, target)
    assert best is not None
    assert plan.pengungkit_increase == pytest.approx(max(best, 0.0), abs=1e-6)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(fractions, hasil52, st.sampled_from(["WBK", "WBBM"]))
def test_plan_reaches_its_target_52(fracs, hasil, target):
    card = _recap(FW52, fracs, hasil)
    plan = minimum_plan(FW52, card, target, holds_wbk=True)
    assert plan.feasible, plan.reason
    applied = evaluate(FW52, score_areas(FW52, plan.area_targets, plan.hasil_targets), holds_wbk=True)
    assert RANK[applied.predicate] >= RANK[target]
    # hasil inputs are never lowered
    for code, item in card.hasil_items.items():
        after = score_areas(FW52, plan.area_targets, plan.hasil_targets).hasil_items[code].points
        assert after >= item.points - 1e-9


@pytest.mark.parametrize("target", ["WBK", "WBBM"])
@pytest.mark.parametrize("seed", range(2))
def test_no_grid_plan_is_cheaper_than_the_plan(target, seed):
    """Brute force: two areas with headroom, the others at their max, a 0.1-point grid."""
    import random

    rng = random.Random(seed)
    open_areas = rng.sample(range(6), 2)
    points = {}
    for i, a in enumerate(FW90.areas):
        points[a.code] = rng.uniform(0.3, 0.9) * a.max if i in open_areas else a.max
    card = score_areas(FW90, points, {"survey_anti_korupsi": 3.7, "capaian_kinerja": "B",
                                      "survey_pelayanan": 3.3 if target == "WBK" else 3.7})
    plan = minimum_plan(FW90, card, target, holds_wbk=True)
    assert plan.feasible
    a1, a2 = (FW90.areas[i] for i in open_areas)
    step = 0.1
    steps1 = int((a1.max - points[a1.code]) / step) + 1
    steps2 = int((a2.max - points[a2.code]) / step) + 1
    cheapest = None
    for i, j in itertools.product(range(steps1 + 1), range(steps2 + 1)):
        trial = dict(points)
        trial[a1.code] = min(a1.max, points[a1.code] + i * step)
        trial[a2.code] = min(a2.max, points[a2.code] + j * step)
        ev = evaluate(FW90, score_areas(FW90, trial, plan.hasil_targets), holds_wbk=True)
        if RANK[ev.predicate] >= RANK[target]:
            cost = trial[a1.code] - points[a1.code] + trial[a2.code] - points[a2.code]
            cheapest = cost if cheapest is None else min(cheapest, cost)
    assert cheapest is not None
    assert plan.pengungkit_increase <= cheapest + 1e-9
    # and the grid gets within one step of it per area: the plan is not beaten by a coarse search
    assert cheapest - plan.pengungkit_increase <= 2 * step + 1e-9


def test_wbbm_without_wbk_is_impossible_and_says_why():
    card = _recap(FW90, [1] * 6, {"survey_anti_korupsi": 4, "capaian_kinerja": "A", "survey_pelayanan": 4})
    plan = minimum_plan(FW90, card, "WBBM", holds_wbk=False)
    assert not plan.feasible
    assert "WBK" in plan.reason and plan.area_targets == {}


def test_a_survey_rule_that_points_cannot_fix_is_reported_when_hasil_is_fixed():
    card = _recap(FW90, [1] * 6, {"survey_anti_korupsi": 3.2, "capaian_kinerja": "A", "survey_pelayanan": 4})
    plan = minimum_plan(FW90, card, "WBK", allow_hasil_changes=False)
    assert not plan.feasible
    assert "survey_anti_korupsi" in plan.reason and "pengungkit" in plan.reason


def test_plan_names_the_binding_rules():
    # Only MP is short of its 60 % (4.5 < 4.8) and the total is comfortable.
    points = {a.code: 0.9 * a.max for a in FW90.areas}
    points["MP"] = 4.5
    card = score_areas(FW90, points, {"survey_anti_korupsi": 3.8, "capaian_kinerja": "A", "survey_pelayanan": 3.8})
    plan = minimum_plan(FW90, card, "WBK")
    assert plan.feasible
    assert plan.binding == ("area:MP",)
    assert plan.pengungkit_increase == pytest.approx(0.3)
    assert plan.area_targets["MP"] == pytest.approx(4.8)


def test_simulate_changes_answers_and_hasil():
    answers = {q.id: (q.best_answer if q.kind == "option" else 1 if q.kind == "count" else 3.9)
               for q in FW90.questions.values()}
    base = score_answers(FW90, answers)
    worse = simulate(FW90, base, answers={1: "Tidak"})
    assert worse.scorecard.areas["MP"].score < base.areas["MP"].score
    # Q1 is one of two items of a 0.5-weight sub-area: from mean 1 to mean 0.5
    assert base.areas["MP"].score - worse.scorecard.areas["MP"].score == pytest.approx(0.25)
    lower = simulate(FW90, base, hasil={"survey_anti_korupsi": 3.59})
    assert lower.predicate is None and "survey_anti_korupsi" in [r.rule for r in lower.failing("WBK")]
