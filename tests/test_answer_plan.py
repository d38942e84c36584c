"""The minimum plan down to answers (zi_metrics.answer_plan) against exhaustive search.

Small frameworks are generated at random (six areas of one to three short sub-areas, option
questions of every answer type, ratio and reduction items, blanks, a composite sub-area, the
90/2021 hasil structure with random points and thresholds), small enough that every combination
of answer changes can be tried. The brute force below shares nothing with the program but the
normal scorer (``score_answers`` + ``evaluate``): it enumerates every combination of option
answers, ratio numerators and capaian, finds the least survey raise for each by hand (one survey
per hasil component: its own rule and its component's give a floor, the total what it needs
above the floors), re-scores, and keeps the lexicographically cheapest (hasil points raised,
steps, most pengungkit points).
"""

from __future__ import annotations

import functools
import itertools
import math
import random
import time
from typing import Any

import pytest

from zi_metrics.answer_plan import PlanError, answer_plan, next_target
from zi_metrics.framework import Framework, load_framework, parse_framework
from zi_metrics.rules import evaluate
from zi_metrics.scoring import score_answers, score_areas, with_changes

RANK = {None: 0, "WBK": 1, "WBBM": 2}
AREAS = ("MP", "TT", "SDM", "AK", "PW", "PP")
OPTION_TYPES = {
    "YA_TIDAK": {"Ya": 1, "Tidak": 0},
    "ABC": {"A": 1, "B": 0.5, "C": 0},
    "ABCD": {"A": 1, "B": 0.67, "C": 0.33, "D": 0},
    "ABCDE": {"A": 1, "B": 0.75, "C": 0.5, "D": 0.25, "E": 0},
}
CASES = 220
MAX_COMBINATIONS = 500


# ---------------------------------------------------------------------------------------------
# Random small frameworks and rounds


def _question(qid: int, qtype: str) -> dict[str, Any]:
    return {"id": qid, "text": f"Pertanyaan {qid}", "type": qtype}


def small_case(seed: int) -> tuple[Framework, dict[int, Any], dict[str, Any], bool, str]:
    """A random framework with a random round: (framework, answers, hasil, holds_wbk, target)."""
    rng = random.Random(seed)
    qid = 0
    answers: dict[int, Any] = {}

    def option_question() -> dict[str, Any]:
        nonlocal qid
        qid += 1
        qtype = rng.choice(list(OPTION_TYPES))
        opts = OPTION_TYPES[qtype]
        roll = rng.random()
        if roll < 0.15:
            pass  # unanswered
        elif roll < 0.45:  # already high: little left to raise
            answers[qid] = max(opts, key=opts.get) if rng.random() < 0.5 else sorted(opts, key=opts.get)[-2]
        else:
            answers[qid] = rng.choice(list(opts))
        return _question(qid, qtype)

    def count_question(value: int | None) -> dict[str, Any]:
        nonlocal qid
        qid += 1
        if value is not None:
            answers[qid] = value
        return _question(qid, "JUMLAH")

    def sub_area(code: str, kind: str) -> dict[str, Any]:
        weight = rng.choice([0.5, 1, 1.5, 2, 2.5])
        if kind == "options":
            questions = [option_question() for _ in range(rng.choice([1, 1, 2, 2, 3]))]
            return {"code": code, "name": f"Sub-area {code}", "weight": weight, "questions": questions}
        opt = option_question()
        if kind == "ratio":
            den = rng.randint(0, 4)
            num = rng.randint(0, den + 1) if rng.random() > 0.1 else None
            nq, dq = count_question(num), count_question(den)
            item = {"kind": "ratio", "code": f"r_{code}", "name": "rasio", "numerator": [nq["id"]],
                    "denominator": [dq["id"]], "zero_denominator": rng.choice([0, 1])}
        else:
            bq, aq = count_question(rng.randint(0, 3)), count_question(rng.randint(0, 3))
            item = {"kind": "reduction", "code": f"d_{code}", "name": "penurunan", "before": bq["id"],
                    "after": aq["id"], "both_zero": 1, "before_zero": 0}
        questions = [opt, nq, dq] if kind == "ratio" else [opt, bq, aq]
        return {"code": code, "name": f"Sub-area {code}", "weight": weight, "questions": questions,
                "items": [{"kind": "answer", "question": opt["id"]}, item]}

    special = rng.sample(range(6), 3)  # areas holding a ratio, a reduction and a composite sub-area
    areas = []
    for i, code in enumerate(AREAS):
        subs = [sub_area(f"{code}.1", "options")]
        if i == special[0]:
            subs.append(sub_area(f"{code}.2", "ratio"))
        elif i == special[1] and rng.random() < 0.5:
            subs.append(sub_area(f"{code}.2", "reduction"))
        elif i == special[2] and rng.random() < 0.5:
            parts = [sub_area(f"{code}.3a", "options"), sub_area(f"{code}.3b", "ratio")]
            subs.append({"code": f"{code}.3", "name": "Gabungan", "weight": sum(p["weight"] for p in parts),
                         "parts": parts})
        areas.append({"code": code, "name": f"Area {code}", "max": sum(s["weight"] for s in subs), "sub_areas": subs})
    peng_max = sum(a["max"] for a in areas)
    p_ipak, p_cap, p_ipkp = rng.choice([2, 4, 7]), rng.choice([1, 2, 3]), rng.choice([2, 4, 6])
    hasil_max = p_ipak + p_cap + p_ipkp
    total_max = peng_max + hasil_max

    def rules(strict: float) -> list[dict[str, Any]]:
        out = [{"rule": "total", "min": round(rng.uniform(0.45, 0.9) * strict * total_max, 2)}]
        if rng.random() < 0.7:
            out.append({"rule": "pengungkit", "min": round(rng.uniform(0.4, 0.95) * strict * peng_max, 2)})
        if rng.random() < 0.7:
            out.append({"rule": "area", "min_percent": rng.choice([40, 50, 60, 75, 90])})
        if rng.random() < 0.6:
            out.append({"rule": "bersih", "min": round(rng.uniform(0.3, 0.95) * (p_ipak + p_cap), 2)})
        if rng.random() < 0.6:  # may exceed the item's points: a survey that would have to pass 4
            out.append({"rule": "survey_anti_korupsi", "min": round(rng.uniform(0.5, 1.04) * p_ipak, 2)})
        if rng.random() < 0.5:
            out.append({"rule": "capaian_kinerja", "min": round(rng.choice([0.25, 0.5, 0.75]) * p_cap, 2)})
        if rng.random() < 0.6:
            out.append({"rule": "pelayanan", "min": round(rng.uniform(0.4, 0.95) * p_ipkp, 2)})
        return out

    raw = {
        "id": f"small-{seed}", "name": f"Kecil {seed}",
        "answer_types": {**{k: {"kind": "option", "options": v} for k, v in OPTION_TYPES.items()},
                         "JUMLAH": {"kind": "count"}},
        "pengungkit": {"max": peng_max},
        "areas": areas,
        "hasil": {"max": hasil_max, "components": [
            {"code": "bersih", "name": "Bersih", "max": p_ipak + p_cap, "items": [
                {"code": "survey_anti_korupsi", "name": "IPAK", "kind": "survey", "scale_max": 4, "points": p_ipak},
                {"code": "capaian_kinerja", "name": "Capaian", "kind": "option", "answer_type": "ABCDE",
                 "points": p_cap}]},
            {"code": "pelayanan", "name": "Pelayanan", "max": p_ipkp, "items": [
                {"code": "survey_pelayanan", "name": "IPKP", "kind": "survey", "scale_max": 4, "points": p_ipkp}]},
        ]},
        "predicates": [{"code": "WBK", "name": "Menuju WBK", "rules": rules(1.0)},
                       {"code": "WBBM", "name": "Menuju WBBM", "requires": "WBK", "rules": rules(1.1)}],
    }
    fw = parse_framework(raw, source=f"case {seed}")
    hasil: dict[str, Any] = {}
    for code in ("survey_anti_korupsi", "survey_pelayanan"):
        if rng.random() > 0.1:
            hasil[code] = round(rng.uniform(1.5, 4.0), 2)
    if rng.random() > 0.15:
        hasil["capaian_kinerja"] = rng.choice("ABCDE")
    return fw, answers, hasil, rng.random() < 0.6, rng.choice(["WBK", "WBK", "WBBM"])


# ---------------------------------------------------------------------------------------------
# Brute force


def _ascending(options: dict[str, float]) -> list[str]:
    return sorted(options, key=options.get)


def _option_candidates(options: dict[str, float], current: str | None) -> list[tuple[str | None, int]]:
    order = _ascending(options)
    if current is None:
        return [(None, 0)] + [(k, i + 1) for i, k in enumerate(order)]
    start = order.index(current)
    return [(k, i - start) for i, k in enumerate(order) if i >= start]


def _leaves(fw: Framework):
    for area in fw.areas:
        for top in area.sub_areas:
            yield from (top.parts or (top,))


def _decisions(fw: Framework, answers: dict[int, Any], hasil: dict[str, Any]) -> list[tuple[str, Any, list]]:
    """Every input a plan may change, with its candidate values and their steps."""
    out = []
    for leaf in _leaves(fw):
        for item in leaf.items:
            if item.kind == "answer":
                q = fw.questions[item.question]
                out.append(("answer", q.id, _option_candidates(q.options, answers.get(q.id))))
            elif item.kind == "ratio" and all(answers.get(q) is not None for q in item.questions):
                num = answers[item.numerator[0]]
                den = sum(answers[q] for q in item.denominator)
                if den > 0 and num < den:
                    out.append(("answer", item.numerator[0],
                                [(n, math.ceil(4 * (n - num) / den - 1e-9)) for n in range(int(num), int(den) + 1)]))
    cap = fw.hasil_items["capaian_kinerja"]
    out.append(("hasil", "capaian_kinerja", _option_candidates(cap.options, hasil.get("capaian_kinerja"))))
    return out


def _least_survey_raise(fw: Framework, chain: list[str], card, ignore: str | None = None) -> dict[str, float] | None:
    """The survey values that meet the chain's hasil and total rules (but ``ignore``) with the least
    points raised, given everything else; None when no survey values can."""
    mins: dict[str, float] = {}
    for pcode in chain:
        for rd in fw.predicate(pcode).rules:
            if rd.min is not None and rd.rule != ignore:
                mins[rd.rule] = max(mins.get(rd.rule, 0.0), rd.min)
    items = fw.hasil_items
    cap_points = card.hasil_items["capaian_kinerja"].points
    floors: dict[str, float] = {}
    for code, comp, other in (("survey_anti_korupsi", "bersih", cap_points), ("survey_pelayanan", "pelayanan", 0.0)):
        now = card.hasil_items[code].points
        floor = max(now, mins.get(items[code].rule, 0.0), mins.get(comp, 0.0) - other)
        if floor > items[code].points + 1e-9:
            return None
        floors[code] = min(floor, items[code].points)
    short = mins.get("total", 0.0) - (card.pengungkit + cap_points + sum(floors.values()))
    if short > 1e-12:
        room = {c: items[c].points - floors[c] for c in floors}
        if sum(room.values()) < short - 1e-9:
            return None
        for c in floors:  # any split of the shortfall raises the same points; fill in order
            take = min(room[c], short)
            floors[c] += take
            short -= take
    return {c: p / items[c].points * items[c].scale_max for c, p in floors.items()}


def brute_force(fw: Framework, answers: dict[int, Any], hasil: dict[str, Any], holds: bool, target: str,
                ignore: str | None = None):
    """(hasil points raised, steps, pengungkit points) of the best plan, or None if none exists;
    with ``ignore``, the best plan when that one rule is dropped."""
    chain = ["WBK", "WBBM"] if target == "WBBM" else ["WBK"]
    base = score_answers(fw, answers, hasil)
    decisions = _decisions(fw, answers, hasil)
    best = None
    for combo in itertools.product(*[d[2] for d in decisions]):
        trial_answers = dict(answers)
        trial_hasil = dict(hasil)
        steps = 0
        for (where, key, _), (value, cost) in zip(decisions, combo, strict=True):
            steps += cost
            if value is None:
                continue
            (trial_answers if where == "answer" else trial_hasil)[key] = value
        card = score_answers(fw, trial_answers, trial_hasil)
        surveys = _least_survey_raise(fw, chain, card, ignore)
        if surveys is None:
            continue
        for code, value in surveys.items():
            if value > card.hasil_items[code].points / fw.hasil_items[code].points * 4 + 1e-12:
                trial_hasil[code] = min(4.0, value + 1e-12)
        # The rules read only area points and hasil inputs: re-score the answers' area points
        # with the survey values (the same figures as re-scoring the answers, without the items).
        ev = evaluate(fw, score_areas(fw, card.area_points(), trial_hasil), holds)
        if ignore is None and RANK[ev.predicate] < RANK[target]:
            continue
        if ignore is not None and not (
                (target == "WBK" or holds)
                and all(r.passed for p in chain for r in ev.rules_for(p) if r.unit != "flag" and r.rule != ignore)):
            continue
        cost = (ev.scorecard.hasil - base.hasil, steps, card.pengungkit)
        if best is None or _better(cost, best):
            best = cost
    return best


def _better(a, b) -> bool:
    if a[0] < b[0] - 1e-7:
        return True
    if a[0] > b[0] + 1e-7:
        return False
    if a[1] != b[1]:
        return a[1] < b[1]
    return a[2] > b[2] + 1e-9


def _combinations(fw, answers, hasil) -> int:
    return math.prod(len(d[2]) for d in _decisions(fw, answers, hasil))


@functools.cache
def _case_seeds() -> tuple[int, ...]:
    """The first CASES seeds whose case is small enough to enumerate (about one in 25 is): searched
    once per process, each test then builds its own cases from them."""
    seeds: list[int] = []
    seed = 0
    while len(seeds) < CASES:
        seed += 1
        fw, answers, hasil, _, _ = small_case(seed)
        if _combinations(fw, answers, hasil) <= MAX_COMBINATIONS:
            seeds.append(seed)
    return tuple(seeds)


def _cases():
    for seed in _case_seeds():
        yield seed, small_case(seed)


_BEST: dict[int, Any] = {}


def _best_plan(seed: int, fw: Framework, answers: dict[int, Any], hasil: dict[str, Any], holds: bool,
               target: str):
    """brute_force of case ``seed``, enumerated once per process: both tests below need it."""
    if seed not in _BEST:
        _BEST[seed] = brute_force(fw, answers, hasil, holds, target)
    return _BEST[seed]


def test_the_integer_program_agrees_with_brute_force_on_small_cases():
    agree = feasible = infeasible = changed = 0
    solve_times = []
    for seed, (fw, answers, hasil, holds, target) in _cases():
        card = score_answers(fw, answers, hasil)
        started = time.perf_counter()
        plan = answer_plan(fw, card, target, holds)
        solve_times.append(time.perf_counter() - started)
        best = _best_plan(seed, fw, answers, hasil, holds, target)
        where = f"case {seed} ({target}, holds WBK: {holds})"
        if best is None:
            assert not plan.feasible, f"{where}: the program found a plan, brute force found none"
            assert plan.blockers, where
            infeasible += 1
        else:
            assert plan.feasible, f"{where}: brute force reaches {target} at {best}, the program says no"
            # The plan, re-scored independently, meets the target ...
            again = evaluate(fw, with_changes(fw, card, answers=plan.answers, hasil=plan.hasil), holds)
            assert RANK[again.predicate] >= RANK[target], where
            # ... and costs exactly what the cheapest plan of the exhaustive search costs.
            got = (again.scorecard.hasil - card.hasil, plan.steps, again.scorecard.pengungkit)
            assert got[0] == pytest.approx(best[0], abs=1e-6), f"{where}: hasil raise {got} vs {best}"
            assert got[1] == best[1], f"{where}: steps {got} vs {best}"
            assert got[2] == pytest.approx(best[2], abs=1e-6), f"{where}: points {got} vs {best}"
            feasible += 1
            changed += bool(plan.changes)
        agree += 1
    assert agree == CASES
    # The generator must exercise both outcomes and real plans, not only trivial ones.
    assert feasible > CASES // 4 and infeasible > CASES // 10 and changed > CASES // 5, (feasible, infeasible, changed)
    print(f"\nMILP vs brute force: {agree} cases agree ({feasible} reachable, {changed} with changes, "
          f"{infeasible} unreachable); solve time median {sorted(solve_times)[len(solve_times) // 2] * 1000:.1f} ms, "
          f"max {max(solve_times) * 1000:.1f} ms")


def test_binding_rules_are_those_the_plan_cannot_do_without():
    """On the small cases with a plan: a failing rule met with nothing to spare binds; any other
    failing rule binds exactly when the exhaustive search without it finds a cheaper plan."""
    checked = removal_binding = 0
    for seed, (fw, answers, hasil, holds, target) in _cases():
        card = score_answers(fw, answers, hasil)
        plan = answer_plan(fw, card, target, holds)
        if not plan.feasible or plan.already:
            continue
        best = _best_plan(seed, fw, answers, hasil, holds, target)
        at_plan = {r.rule: r for p in (["WBK", "WBBM"] if target == "WBBM" else ["WBK"])
                   for r in plan.evaluation.rules_for(p)}
        for rule in plan.failing:
            r = at_plan[rule]
            value = r.value_points if r.value_points is not None else r.value
            threshold = r.threshold_points if r.threshold_points is not None else r.threshold
            if value - threshold <= 1e-6:
                assert rule in plan.binding, (seed, rule)
                continue
            without = brute_force(fw, answers, hasil, holds, target, ignore=rule)
            cheaper = without[0] < best[0] - 1e-7 or (abs(without[0] - best[0]) <= 1e-7 and without[1] < best[1])
            assert (rule in plan.binding) == cheaper, (seed, rule, plan.binding, best, without)
            removal_binding += cheaper
        checked += 1
        if checked >= 40:
            break
    assert checked == 40 and removal_binding > 3, (checked, removal_binding)


# ---------------------------------------------------------------------------------------------
# The demo units and the official framework


FW90 = load_framework("permenpanrb-90-2021")


def _lower_one_step(fw, change) -> dict[int, Any]:
    """The answer of ``change`` one step smaller (an option one level down, or back to blank /
    its current answer; a ratio's count one quarter of its value lower)."""
    if change.kind == "option":
        q = fw.questions[change.question]
        order = _ascending(q.options)
        i = order.index(change.target)
        lower = order[i - 1] if i > 0 else None
        return {q.id: lower}
    steps = change.steps - 1
    return {change.question: float(math.floor(change.current + steps * 0.25 * change.denominator + 1e-9))}


@pytest.fixture(scope="module")
def demo_rounds():
    """Every answers-based round of the demo data set, scored (generated in memory)."""
    from zi_metrics.demo import generate_demo

    out = []
    for rnd in generate_demo().rounds:
        if rnd.answers is None:
            continue
        fw = load_framework(rnd.framework_id)
        answers = {q: a["answer"] for q, a in rnd.answers.items()}
        out.append((f"{rnd.unit_id} {rnd.year} {rnd.stage}", fw, score_answers(fw, answers, rnd.hasil or {})))
    return out


def test_demo_plans_meet_their_target_and_no_single_step_can_be_dropped(demo_rounds):
    checked = with_lke_changes = 0
    for name, fw, card in demo_rounds:
        # WBK as a unit holding nothing, WBBM as a unit holding WBK: both targets on every round.
        for target, holds in (("WBK", False), ("WBBM", True)):
            plan = answer_plan(fw, card, target, holds, find_binding=False)
            where = (name, target)
            if not plan.feasible:
                assert plan.blockers, where
                continue
            again = evaluate(fw, with_changes(fw, card, answers=plan.answers, hasil=plan.hasil), holds)
            assert RANK[again.predicate] >= RANK[target], where
            assert plan.evaluation.scorecard.total == pytest.approx(again.scorecard.total)
            assert plan.steps == sum(c.steps for c in plan.changes), where
            checked += 1
            if not plan.lke_changes:
                continue
            with_lke_changes += 1
            # Fewest steps: one step back on any LKE change loses the target.
            for change in plan.lke_changes:
                answers = {**plan.answers, **_lower_one_step(fw, change)}
                answers = {q: v for q, v in answers.items() if v is not None}
                ev = evaluate(fw, with_changes(fw, card, answers=answers, hasil=plan.hasil), holds)
                assert RANK[ev.predicate] < RANK[target], (where, change)
    assert checked > 40 and with_lke_changes > 10, (checked, with_lke_changes)


def _full_answers(fw, option_level: int = 1):
    out = {}
    for q in fw.questions.values():
        if q.hasil_item is not None:
            continue
        if q.kind == "option":
            order = _ascending(q.options)
            out[q.id] = order[min(option_level, len(order) - 1)]
        elif q.kind == "count":
            out[q.id] = 4.0
    return out


def test_a_survey_that_would_have_to_exceed_its_maximum_is_named():
    answers = _full_answers(FW90, 9)
    card = score_answers(FW90, answers, {"survey_anti_korupsi": 3.0, "capaian_kinerja": "A", "survey_pelayanan": 4})
    plan = answer_plan(FW90, card, "WBK", True)
    assert plan.feasible and plan.hasil["survey_anti_korupsi"] == pytest.approx(3.6)
    assert plan.hasil_changes and plan.hasil_changes[0].code == "survey_anti_korupsi"
    assert plan.binding == ("bersih", "survey_anti_korupsi") or "survey_anti_korupsi" in plan.binding
    # with the surveys held (results published) the same rule blocks
    held = answer_plan(FW90, card, "WBK", True, allow_hasil_changes=False)
    assert not held.feasible
    assert {b.rule for b in held.blockers} == {"bersih", "survey_anti_korupsi"}
    assert {b.kind for b in held.blockers} == {"hasil_fixed"}


def test_wbbm_without_wbk_held_cannot_be_reached():
    card = score_answers(FW90, _full_answers(FW90, 9), {"survey_anti_korupsi": 4, "capaian_kinerja": "A",
                                                         "survey_pelayanan": 4})
    plan = answer_plan(FW90, card, "WBBM", holds_wbk=False)
    assert not plan.feasible and [b.kind for b in plan.blockers] == ["requires"]
    assert answer_plan(FW90, card, "WBBM", holds_wbk=True).already


def test_a_recap_round_cannot_be_planned_down_to_answers():
    card = score_areas(FW90, {a.code: a.max / 2 for a in FW90.areas}, {})
    with pytest.raises(PlanError):
        answer_plan(FW90, card, "WBK")


def test_a_plan_on_the_official_framework_changes_answers_only_upward():
    answers = _full_answers(FW90, 1)
    answers.pop(12)  # one blank
    card = score_answers(FW90, answers, {"survey_anti_korupsi": 3.7, "capaian_kinerja": "B", "survey_pelayanan": 3.7})
    plan = answer_plan(FW90, card, "WBK", False)
    assert plan.feasible and plan.lke_changes
    for change in plan.lke_changes:
        q = FW90.questions[change.question]
        if change.kind == "option" and change.current is not None:
            assert q.options[change.target] > q.options[change.current]
        assert change.points > 0 and change.rules
    assert plan.evaluation.predicate in ("WBK", "WBBM")


def test_next_target():
    card = score_answers(FW90, _full_answers(FW90, 9), {"survey_anti_korupsi": 4, "capaian_kinerja": "A",
                                                         "survey_pelayanan": 4})
    ev = evaluate(FW90, card, False)
    assert next_target(FW90, ev, None) == "WBBM"
    low = score_answers(FW90, _full_answers(FW90, 0), {})
    assert next_target(FW90, evaluate(FW90, low, False), None) == "WBK"
