"""Property tests (hypothesis, derandomized, fixed example counts) for the scoring core.

- the core agrees with an independent re-implementation of the roll-up written from the domain
  reference (multipliers and the 90/2021 computed-ratio formulas typed here, not read from the code);
- raising any answer (a higher multiplier, or a count change that raises its ratio) never lowers a score;
- total = pengungkit + hasil and the other sums; every score within [0, max];
- whenever the WBBM rules hold, the WBK rules hold too;
- conservative <= official.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zi_metrics.framework import Framework, load_framework
from zi_metrics.rules import evaluate
from zi_metrics.scoring import Scorecard, score_answers, score_areas

FW90 = load_framework("permenpanrb-90-2021")
FW52 = load_framework("permenpanrb-52-2014")
TOL = 1e-9

PROPS = settings(derandomize=True, max_examples=300, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])
RECAP_PROPS = settings(PROPS, max_examples=400)  # recap examples are much cheaper

# Domain reference, section 3.
MULT = {
    "YA_TIDAK": {"Ya": 1.0, "Tidak": 0.0},
    "ABC": {"A": 1.0, "B": 0.5, "C": 0.0},
    "ABCD": {"A": 1.0, "B": 0.67, "C": 0.33, "D": 0.0},
    "ABCDE": {"A": 1.0, "B": 0.75, "C": 0.5, "D": 0.25, "E": 0.0},
}
# 90/2021 computed items: (numerator ids, denominator ids, value when the denominator is 0);
# the zero-denominator values are the framework's documented decisions.
RATIOS_90 = [
    ((89,), (88,), 0.0),  # MP agents of change
    ((91,), (90,), 0.0),  # MP changes integrated
    ((106,), (105,), 0.0),  # AK targets reached
    ((112,), (110,), 1.0),  # PW complaints followed up; 0 complaints -> 1
    ((116,), (113, 114, 115), 1.0),  # LHKPN
    ((120,), (117, 118, 119), 1.0),  # non-LHKPN
    ((123,), (122,), 0.0),  # PP services eased
]
REDUCTION_90 = (102, 103)  # last year L, this year K


def _ratio(num: float, den: float, zero: float) -> float:
    return zero if den == 0 else min(1.0, num / den)


def _reduction(last: float, this: float) -> float:
    if last == 0:
        return 1.0 if this == 0 else 0.0
    return max(0.0, (last - this) / last)


def _count_items(fw: Framework) -> list[tuple[tuple[int, ...], Any]]:
    """(question ids, value function of the answers) for every computed item of the version."""
    if fw.id != FW90.id:
        return []
    items: list[tuple[tuple[int, ...], Any]] = []
    for num, den, zero in RATIOS_90:
        items.append((num + den, lambda a, num=num, den=den, zero=zero: _ratio(
            sum(a[q] for q in num), sum(a[q] for q in den), zero)))
    items.append((REDUCTION_90, lambda a: _reduction(a[102], a[103])))
    return items


def ref_item_of(fw: Framework, qid: int, answers: dict[int, Any]) -> float | None:
    """Reference value of the item question ``qid`` feeds (None: unanswered or feeds none)."""
    q = fw.questions[qid]
    if q.type in MULT:
        return MULT[q.type][answers[qid]] if qid in answers else None
    if q.kind == "survey":
        return answers.get(qid)
    for qs, fn in _count_items(fw):
        if qid in qs:
            return fn(answers) if all(x in answers for x in qs) else None
    return None


def ref_sub_area(fw: Framework, sub, answers: dict[int, Any]) -> tuple[float, float]:
    """(official, conservative) score of a sub-area, from the domain rules."""
    if sub.parts:
        parts = [ref_sub_area(fw, p, answers) for p in sub.parts]
        return sum(p[0] for p in parts), sum(p[1] for p in parts)
    values: list[float] = []
    n_items = 0
    for qid in sub.questions:
        q = fw.questions[qid]
        if q.type in MULT:
            n_items += 1
            if qid in answers:
                values.append(MULT[q.type][answers[qid]])
    for qs, fn in _count_items(fw):
        if set(qs) <= set(sub.questions):
            n_items += 1
            if all(x in answers for x in qs):
                values.append(fn(answers))
    official = sub.weight * sum(values) / len(values) if values else 0.0
    return official, sub.weight * sum(values) / n_items


def ref_hasil(fw: Framework, answers: dict[int, Any], hasil: dict[str, Any]) -> float:
    if fw.id == FW90.id:
        survey = answers.get(125, hasil.get("survey_anti_korupsi"))
        capaian = answers.get(126, hasil.get("capaian_kinerja"))
        pelayanan = answers.get(127, hasil.get("survey_pelayanan"))
        return ((survey or 0) / 4 * 17.5 + (MULT["ABCDE"][capaian] * 5 if capaian else 0)
                + (pelayanan or 0) / 4 * 17.5)
    return (hasil.get("survey_anti_korupsi", 0) / 4 * 15 + hasil.get("tlhp_percent", 0) / 100 * 5
            + hasil.get("survey_pelayanan", 0) / 4 * 20)


# ---------------------------------------------------------------------------------------------
# Generators. Each example is built from a random.Random seeded by hypothesis: drawing ~130
# answers one by one through strategies would cost more than the whole time budget.

Rng = random.Random


def value_of(rng: Rng, q) -> Any:
    if q.kind == "option":
        return rng.choice(sorted(q.options))
    if q.kind == "count":
        return rng.choice([0, 1, rng.randint(0, 12), rng.randint(0, 40)])
    return rng.choice([0.0, 4.0, 3.6, 3.2, rng.uniform(0, 4), rng.uniform(3, 4)])


def gen_lke(rng: Rng, fw: Framework, complete: bool | None = None) -> dict[int, Any]:
    if complete is None:
        complete = rng.random() < 0.4
    missing = 0.0 if complete else rng.choice([0.05, 0.3, 0.7, 0.95])
    return {qid: value_of(rng, q) for qid, q in fw.questions.items() if rng.random() >= missing}


def gen_request(rng: Rng, fw: Framework, complete: bool | None = None) -> tuple[dict, dict[str, Any]]:
    if complete is None:
        complete = rng.random() < 0.4
    answers = gen_lke(rng, fw, complete)
    hasil: dict[str, Any] = {}
    if fw.id == FW52.id:
        for key, top in (("survey_anti_korupsi", 4.0), ("tlhp_percent", 100.0), ("survey_pelayanan", 4.0)):
            if complete or rng.random() < 0.7:
                hasil[key] = rng.choice([0.0, top, rng.uniform(0, top), rng.uniform(0.7 * top, top)])
    return answers, hasil


def gen_recap(rng: Rng, fw: Framework) -> tuple[dict[str, float], dict[str, Any]]:
    """Area points and hasil inputs clustered around the thresholds, so both predicates get exercised."""
    level = rng.choice([0.3, 0.58, 0.62, 0.74, 0.78, 0.9, 1.0])
    areas = {a.code: min(1.0, max(0.0, level + rng.uniform(-0.05, 0.05))) * a.max for a in fw.areas}

    def survey() -> float:
        centre = rng.choice([rng.uniform(0, 4), 3.2, 3.6, 3.8, 4.0])
        return min(4.0, max(0.0, centre + rng.uniform(-0.05, 0.05)))

    if fw.id == FW90.id:
        hasil = {"survey_anti_korupsi": survey(), "capaian_kinerja": rng.choice("AABBCDE"),
                 "survey_pelayanan": survey()}
    else:
        tlhp = rng.choice([rng.uniform(40, 100), 70.0, 100.0])
        hasil = {"survey_anti_korupsi": survey(), "tlhp_percent": tlhp, "survey_pelayanan": survey()}
    return areas, hasil


# A seed drawn by (derandomized) hypothesis; the example is rebuilt from it, so failures reproduce.
RNG = st.integers(0, 2**32 - 1).map(random.Random)

BOTH = pytest.mark.parametrize("fw", [FW90, FW52], ids=["90-2021", "52-2014"])


# ---------------------------------------------------------------------------------------------
# Agreement with the reference roll-up


@BOTH
@PROPS
@given(rng=RNG)
def test_agrees_with_reference_rollup(fw, rng):
    answers, hasil = gen_request(rng, fw)
    card = score_answers(fw, answers, hasil)
    for area in fw.areas:
        off_sum = cons_sum = 0.0
        for sub in area.sub_areas:
            off, cons = ref_sub_area(fw, sub, answers)
            assert card.sub_areas[sub.code].score == pytest.approx(off, abs=TOL), sub.code
            assert card.sub_areas[sub.code].conservative == pytest.approx(cons, abs=TOL), sub.code
            off_sum += off
            cons_sum += cons
        assert card.areas[area.code].score == pytest.approx(off_sum, abs=TOL)
        assert card.conservative.areas[area.code].score == pytest.approx(cons_sum, abs=TOL)
    assert card.hasil == pytest.approx(ref_hasil(fw, answers, hasil), abs=TOL)


# ---------------------------------------------------------------------------------------------
# Monotonicity

RANK = {None: 0, "WBK": 1, "WBBM": 2}


def _assert_not_lower(fw: Framework, low: Scorecard, high: Scorecard) -> None:
    for code, s in low.sub_areas.items():
        assert high.sub_areas[code].score >= s.score - TOL, code
        assert high.sub_areas[code].conservative >= s.conservative - TOL, code
    for code, a in low.areas.items():
        assert high.areas[code].score >= a.score - TOL, code
        for half, v in a.halves.items():
            assert high.areas[code].halves[half] >= v - TOL, (code, half)
    for lo, hi in ((low, high), (low.conservative, high.conservative)):
        if lo is None:
            continue
        assert hi.pengungkit >= lo.pengungkit - TOL
        assert hi.hasil >= lo.hasil - TOL
        assert hi.total >= lo.total - TOL
        for flag in (False, True):
            assert RANK[evaluate(fw, hi, flag).predicate] >= RANK[evaluate(fw, lo, flag).predicate]


def _assert_same(low: Scorecard, high: Scorecard) -> None:
    for code, s in low.sub_areas.items():
        assert high.sub_areas[code].score == pytest.approx(s.score, abs=TOL), code
    assert high.total == pytest.approx(low.total, abs=TOL)


@BOTH
@PROPS
@given(rng=RNG)
def test_raising_an_answer_never_lowers_a_score(fw, rng):
    answers, hasil = gen_request(rng, fw)
    qid = rng.choice(sorted(fw.questions))
    q = fw.questions[qid]
    a1 = {**answers, qid: value_of(rng, q)}
    a2 = {**answers, qid: value_of(rng, q)}
    r1, r2 = ref_item_of(fw, qid, a1), ref_item_of(fw, qid, a2)
    c1, c2 = score_answers(fw, a1, hasil), score_answers(fw, a2, hasil)
    if r1 is None or r2 is None or r1 == r2:
        # the change does not move any item (another count of the ratio missing, Q104/Q111, equal values)
        assert r1 == r2
        _assert_same(c1, c2)
        return
    low, high = (c1, c2) if r1 < r2 else (c2, c1)
    _assert_not_lower(fw, low, high)


@BOTH
@RECAP_PROPS
@given(rng=RNG)
def test_raising_a_recap_input_never_lowers_a_score(fw, rng):
    areas, hasil = gen_recap(rng, fw)
    key = rng.choice([*areas, *hasil])
    areas2, hasil2 = dict(areas), dict(hasil)
    if key in areas:
        areas2[key] = min(fw.area(key).max, areas[key] + rng.choice([0.0, 1e-6, rng.uniform(0, 3)]))
    elif key == "capaian_kinerja":
        hasil2[key] = rng.choice([o for o in "ABCDE" if o <= hasil[key]])  # A is the best option
    else:
        top = 100.0 if key == "tlhp_percent" else 4.0
        hasil2[key] = min(top, hasil[key] + rng.choice([0.0, 1e-6, rng.uniform(0, 1)]))
    _assert_not_lower(fw, score_areas(fw, areas, hasil), score_areas(fw, areas2, hasil2))


# ---------------------------------------------------------------------------------------------
# Sums and bounds


def _assert_sums_and_bounds(fw: Framework, card: Scorecard) -> None:
    assert card.total == pytest.approx(card.pengungkit + card.hasil, abs=TOL)
    assert card.pengungkit == pytest.approx(sum(a.score for a in card.areas.values()), abs=TOL)
    assert card.hasil == pytest.approx(sum(card.hasil_components.values()), abs=TOL)
    assert -TOL <= card.pengungkit <= 60 + TOL
    assert -TOL <= card.hasil <= 40 + TOL
    assert -TOL <= card.total <= 100 + TOL
    for area in fw.areas:
        a = card.areas[area.code]
        assert -TOL <= a.score <= area.max + TOL
        assert -TOL <= a.percent <= 100 + TOL
        if card.sub_areas:
            subs = sum(card.sub_areas[s.code].score for s in area.sub_areas)
            assert a.score == pytest.approx(subs, abs=TOL)
        if a.halves:
            assert a.score == pytest.approx(sum(a.halves.values()), abs=TOL)
            for half in area.halves:
                assert -TOL <= a.halves[half.code] <= half.max + TOL
    if fw.has_halves and card.source == "answers":
        assert sum(card.halves.values()) == pytest.approx(card.pengungkit, abs=TOL)
    for s in card.sub_areas.values():
        assert -TOL <= s.score <= s.weight + TOL, s.code
        assert -TOL <= s.conservative <= s.weight + TOL, s.code
        for p in s.parts:
            assert -TOL <= p.score <= p.weight + TOL
    for comp in fw.hasil_components:
        assert -TOL <= card.hasil_components.get(comp.code, 0.0) <= comp.max + TOL
    for item in card.hasil_items.values():
        assert -TOL <= item.points <= item.max + TOL


@BOTH
@PROPS
@given(rng=RNG)
def test_sums_and_bounds_from_answers(fw, rng):
    answers, hasil = gen_request(rng, fw)
    card = score_answers(fw, answers, hasil)
    _assert_sums_and_bounds(fw, card)
    _assert_sums_and_bounds(fw, card.conservative)


@BOTH
@RECAP_PROPS
@given(rng=RNG)
def test_sums_and_bounds_from_recap(fw, rng):
    areas, hasil = gen_recap(rng, fw)
    _assert_sums_and_bounds(fw, score_areas(fw, areas, hasil))


# ---------------------------------------------------------------------------------------------
# WBBM implies WBK; the predicate follows the rules


def _assert_wbbm_implies_wbk(ev) -> None:
    wbbm_scores = all(r.passed for r in ev.rules_for("WBBM") if r.rule != "holds_wbk")
    wbk = all(r.passed for r in ev.rules_for("WBK"))
    assert ev.meets_scores["WBBM"] == wbbm_scores
    if wbbm_scores:
        assert wbk
    # the predicate is the highest whose rules all hold, WBBM only over WBK
    expected = None
    if wbk:
        expected = "WBBM" if wbbm_scores and ev.holds_wbk else "WBK"
    assert ev.predicate == expected


@BOTH
@RECAP_PROPS
@given(rng=RNG, holds=st.booleans())
def test_wbbm_rules_imply_wbk_rules_recap(fw, rng, holds):
    areas, hasil = gen_recap(rng, fw)
    _assert_wbbm_implies_wbk(evaluate(fw, score_areas(fw, areas, hasil), holds))


@BOTH
@PROPS
@given(rng=RNG, holds=st.booleans())
def test_wbbm_rules_imply_wbk_rules_answers(fw, rng, holds):
    answers, hasil = gen_request(rng, fw, complete=True)
    card = score_answers(fw, answers, hasil)
    _assert_wbbm_implies_wbk(evaluate(fw, card, holds))
    _assert_wbbm_implies_wbk(evaluate(fw, card.conservative, holds))


def test_recap_strategy_reaches_wbbm():
    """Guard: the biased recap strategy does produce WBBM cases (so the implication is exercised)."""
    seen: set[str | None] = set()

    @settings(derandomize=True, max_examples=60, deadline=None)
    @given(rng=RNG)
    def run(rng):
        areas, hasil = gen_recap(rng, FW90)
        seen.add(evaluate(FW90, score_areas(FW90, areas, hasil), True).predicate)

    run()
    assert {"WBBM", "WBK"} <= seen


# ---------------------------------------------------------------------------------------------
# Conservative <= official


@BOTH
@PROPS
@given(rng=RNG)
def test_conservative_never_above_official(fw, rng):
    answers, hasil = gen_request(rng, fw, complete=False)
    card = score_answers(fw, answers, hasil)
    cons = card.conservative
    for code, s in card.sub_areas.items():
        assert s.conservative <= s.score + TOL, code
    for code, a in card.areas.items():
        assert cons.areas[code].score <= a.score + TOL, code
    assert cons.pengungkit <= card.pengungkit + TOL
    assert cons.total <= card.total + TOL
    assert cons.hasil == pytest.approx(card.hasil, abs=TOL)  # hasil has no averaging
    if card.completeness.complete:
        assert cons.total == pytest.approx(card.total, abs=TOL)
