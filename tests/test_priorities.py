"""Prioritas perbaikan (zi_metrics.priorities), answers in words, the gain helpers of gaps, and the
Simulasi helpers of whatif (typed numbers, the sliders' fast path), on the demo rounds and the
official 90/2021 framework. Points are checked against the normal scorer re-scoring the answers."""

from __future__ import annotations

import pytest

from zi_metrics import gaps
from zi_metrics.answer_plan import Blocker, answer_plan
from zi_metrics.framework import load_framework
from zi_metrics.priorities import (
    answer_words,
    blocker_text,
    count_words,
    hasil_words,
    option_words,
    priorities,
)
from zi_metrics.rules import evaluate
from zi_metrics.scoring import score_answers, with_changes
from zi_metrics.whatif import parse_typed_number, simulate, simulate_points

FW90 = load_framework("permenpanrb-90-2021")
FW52 = load_framework("permenpanrb-52-2014")


@pytest.fixture(scope="module")
def demo_cards():
    from zi_metrics.demo import generate_demo

    out = []
    for rnd in generate_demo().rounds:
        if rnd.answers is not None and rnd.stage == "tpi" and rnd.year >= 2024:
            answers = {q: a["answer"] for q, a in rnd.answers.items()}
            out.append((f"{rnd.unit_id} {rnd.year}", score_answers(FW90, answers, rnd.hasil or {})))
    assert len(out) > 10
    return out


def test_every_priority_row_adds_what_the_scorer_says(demo_cards):
    rows = 0
    for name, card in demo_cards:
        for target, holds in (("WBK", False), ("WBBM", True)):
            prio = priorities(FW90, card, target, holds)
            assert [i.rank for i in prio.items] == list(range(1, len(prio.items) + 1))
            in_plan = [i.in_plan for i in prio.items]
            # the plan's changes first, then the others by points per step, most first
            assert in_plan == sorted(in_plan, reverse=True), name
            rest = [i.points / max(i.steps, 1) for i in prio.items if not i.in_plan]
            assert rest == sorted(rest, reverse=True), name
            assert {i.question for i in prio.items if i.in_plan} == {c.question for c in prio.plan.lke_changes}
            for item in prio.items:
                again = with_changes(FW90, card, answers={item.question: item.suggested})
                assert item.points == pytest.approx(again.total - card.total, abs=1e-9), (name, item)
                assert item.points > 0 and item.steps >= 1
                assert set(item.rules) <= set(prio.failing) and item.rules
                rows += 1
    assert rows > 50


def test_a_round_meeting_the_target_has_an_empty_list(demo_cards):
    met = [(n, c) for n, c in demo_cards if evaluate(FW90, c, False).meets_scores["WBK"]]
    assert met
    for name, card in met:
        prio = priorities(FW90, card, "WBK", False)
        assert prio.plan.already and not prio.failing and not prio.items, name


def test_hasil_measures_are_listed_with_what_the_plan_needs():
    answers = {q.id: q.best_answer for q in FW90.questions.values() if q.kind == "option" and q.hasil_item is None}
    answers.update({q.id: 4.0 for q in FW90.questions.values() if q.kind == "count"})
    card = score_answers(FW90, answers, {"survey_anti_korupsi": 3.3, "capaian_kinerja": "D", "survey_pelayanan": 3.9})
    prio = priorities(FW90, card, "WBK", False)
    measures = {m.code: m for m in prio.measures if m.kind == "hasil"}
    assert set(measures) == set(FW90.hasil_items)
    assert measures["survey_anti_korupsi"].needed == pytest.approx(3.6)
    assert measures["capaian_kinerja"].needed == "C"  # 2,50 points: the WBK capaian rule
    assert measures["survey_pelayanan"].needed is None
    assert "survey_anti_korupsi" in measures["survey_anti_korupsi"].rules
    assert not prio.items  # every LKE answer is at its best already


def test_gains_of_every_option_match_the_scorer(demo_cards):
    _, card = demo_cards[0]
    for q in list(FW90.questions.values())[:40]:
        if q.kind != "option" or q.area is None:
            continue
        for option, gain in gaps.option_gains(FW90, card, q.id).items():
            again = with_changes(FW90, card, answers={q.id: option})
            assert gain == pytest.approx(again.total - card.total, abs=1e-9), (q.id, option)


def test_a_blank_question_answered_changes_the_mean_of_answered_items():
    answers = {q.id: "B" if q.type == "ABC" else q.best_answer for q in FW90.questions.values()
               if q.kind == "option" and q.hasil_item is None}
    del answers[2]  # MP.P1: Q1 Ya (1) alone -> mean 1; answering Q2 with B gives mean 0.75
    card = score_answers(FW90, answers)
    gains = gaps.option_gains(FW90, card, 2)
    assert gains["A"] == pytest.approx(0.0)
    assert gains["B"] == pytest.approx(0.5 * (0.75 - 1.0))
    assert gains["C"] == pytest.approx(0.5 * (0.5 - 1.0))


def test_answers_in_words():
    q2, q1 = FW90.questions[2], FW90.questions[1]
    assert option_words(q2, "B", "id") == f"B — {q2.option_text('B')}"
    assert option_words(q1, "Ya", "en").startswith("Ya — ")
    assert option_words(q1, "Tidak", "id") == "Tidak"
    assert option_words(q1, "Tidak", "en") == "No"
    assert option_words(q2, None, "id") == "belum dijawab"
    assert option_words(q2, None, "en") == "not answered"
    # 52/2014 carries no option wording: the option with its value
    q52 = next(q for q in FW52.questions.values() if q.type == "ABCD")
    assert option_words(q52, "B", "id") == "B (nilai 0,67)"
    assert count_words(52, 70, "id") == "52 dari 70 (74,29%)"
    assert count_words(1234, None, "en") == "1,234"
    answers = {113: 1, 114: 20, 115: 2, 116: 18}
    assert answer_words(FW90, 116, 18, "id", answers) == "18 dari 23 (78,26%)"
    assert answer_words(FW90, 113, 1, "id", answers) == "1"
    assert hasil_words(FW90, "survey_anti_korupsi", 3.6, "id") == "3,60"
    assert hasil_words(FW90, "capaian_kinerja", "C", "en").startswith("C — Target kinerja utama tercapai 100%")
    assert hasil_words(FW52, "tlhp_percent", 75, "id") == "75,00%"


def test_blockers_in_words():
    assert blocker_text(FW90, Blocker("requires", "holds_wbk"), "id") == (
        "unit harus sudah memegang Menuju WBK; tidak ada nilai yang dapat menggantikannya")
    text = blocker_text(FW90, Blocker("scale", "survey_anti_korupsi", 17.5, 18.0, "survey_anti_korupsi", 4.11, 4.0),
                        "id")
    assert "4,11" in text and "4,00" in text and "Survei Persepsi Anti Korupsi" in text
    text = blocker_text(FW90, Blocker("fixed", "area:SDM", 5.2, 6.0), "en")
    assert "5.20" in text and "6.00" in text
    held = answer_plan(FW90, score_answers(FW90, {}, {"survey_anti_korupsi": 3.0}), "WBK", False,
                       allow_hasil_changes=False)
    assert not held.feasible
    assert all(blocker_text(FW90, b, "id") for b in held.blockers)


@pytest.mark.parametrize(("text", "lang", "value"), [
    ("3,61", "id", 3.61), (" 3,61 ", "id", 3.61), ("3.61", "id", 3.61), ("1.234,5", "id", 1234.5),
    ("4", "id", 4.0), ("3.61", "en", 3.61), ("1,234.5", "en", 1234.5), ("0,5", "id", 0.5),
    ("abc", "id", None), ("", "id", None), ("3,6,1", "id", None), ("1.2.3", "en", None), ("nan", "en", None),
    (None, "id", None), ("inf", "id", None),
])
def test_parse_typed_number(text, lang, value):
    got = parse_typed_number(text, lang)
    assert got == (pytest.approx(value) if value is not None else None)


def test_the_sliders_fast_path_agrees_with_re_scoring_the_answers(demo_cards):
    for _, card in demo_cards[:6]:
        hasil = {"survey_anti_korupsi": 3.71, "capaian_kinerja": "B", "survey_pelayanan": 3.2}
        slow = simulate(FW90, card, hasil=hasil, holds_wbk=True)
        fast = simulate_points(FW90, card.area_points(), hasil, True)
        assert fast.predicate == slow.predicate
        assert [(r.rule, r.passed) for r in fast.rules] == [(r.rule, r.passed) for r in slow.rules]
        assert fast.scorecard.total == pytest.approx(slow.scorecard.total)
