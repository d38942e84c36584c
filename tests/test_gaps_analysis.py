"""Gap analysis: points below the WBK/WBBM area minimums and what each item would add."""

from __future__ import annotations

import pytest

from zi_metrics.framework import load_framework
from zi_metrics.gaps import area_gaps, areas_holding_back, item_gaps, sub_area_gaps
from zi_metrics.rules import evaluate
from zi_metrics.scoring import score_answers, score_areas

FW90 = load_framework("permenpanrb-90-2021")


def test_area_gaps_are_points_below_the_minimums():
    card = score_areas(FW90, {"MP": 4.0, "TT": 7.0, "SDM": 6.5, "AK": 10, "PW": 9.0, "PP": 7.5}, {})
    gaps = {g.code: g.need for g in area_gaps(FW90, card)}
    assert gaps["MP"] == pytest.approx({"WBK": 0.8, "WBBM": 2.0})  # 60 % of 8 = 4.8; 75 % = 6
    assert gaps["TT"] == {"WBK": 0.0, "WBBM": 0.0}
    assert gaps["SDM"] == pytest.approx({"WBK": 0.0, "WBBM": 1.0})  # 7.5 - 6.5
    assert gaps["PW"] == pytest.approx({"WBK": 0.0, "WBBM": 2.25})  # 11.25 - 9
    assert gaps["PP"] == {"WBK": 0.0, "WBBM": 0.0}


def test_52_2014_has_no_area_minimum():
    fw = load_framework("permenpanrb-52-2014")
    card = score_areas(fw, {"MP": 1.0}, {})
    assert all(g.need == {} for g in area_gaps(fw, card))


def _answers():
    return {q.id: (q.best_answer if q.kind == "option" else 2 if q.kind == "count" else 3.8)
            for q in FW90.questions.values()}


def test_item_gain_of_an_answered_item():
    answers = _answers()
    answers[2] = "C"  # MP.P1 (weight 0.5): items Q1 = 1, Q2 = 0 -> 0.25; at its best Q2 adds 0.25
    card = score_answers(FW90, answers)
    top = item_gaps(card)[0]
    gain = {g.questions: g.gain for g in item_gaps(card)}
    assert gain[(2,)] == pytest.approx(0.25)
    assert top.gain >= gain[(2,)]


def test_item_gain_of_an_unanswered_item_follows_the_official_mean():
    answers = _answers()
    answers[4] = "C"  # MP.P2 (weight 1): Q3 = 1, Q4 = 0, Q5 unanswered -> mean 0.5 -> 0.5
    del answers[5]
    card = score_answers(FW90, answers)
    gain = {g.questions: g.gain for g in item_gaps(card)}
    assert card.sub_areas["MP.P2"].score == pytest.approx(0.5)
    # answering Q5 at its best: mean (1 + 0 + 1) / 3 -> 0.6667, a gain of 0.1667
    assert gain[(5,)] == pytest.approx(1 / 6)
    # raising Q4 to its best: mean (1 + 1) / 2 = 1 -> a gain of 0.5
    assert gain[(4,)] == pytest.approx(0.5)


def test_sub_area_gaps_rank_the_lost_points():
    answers = _answers()
    answers[109] = "E"  # PW.R1 Mekanisme Pengendalian, weight 2.5, single item -> loses 2.5
    ranked = sub_area_gaps(score_answers(FW90, answers))
    assert ranked[0].code == "PW.R1" and ranked[0].lost == pytest.approx(2.5)
    assert all(a.lost >= b.lost for a, b in zip(ranked, ranked[1:], strict=False))


def test_areas_holding_back_counts_failing_units():
    good = score_areas(FW90, {a.code: a.max for a in FW90.areas}, {})
    weak_mp = score_areas(FW90, {**{a.code: a.max for a in FW90.areas}, "MP": 1.0}, {})
    counts = areas_holding_back([evaluate(FW90, good), evaluate(FW90, weak_mp), evaluate(FW90, weak_mp)])
    assert counts["MP"] == 2 and counts["PW"] == 0
