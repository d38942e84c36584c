"""Predicates (every rule, both versions, the borderlines), award history and proposal prerequisites.

Thresholds (issue #2 / domain reference), 90/2021 WBK | WBBM: total 75 | 85, pengungkit 40 | 48,
each area >= 60 % | 75 % of its max, bersih 18.25 | 19.50, survey anti-korupsi points 15.75 | 15.75,
capaian kinerja points 2.5 | 3.75, pelayanan 14.00 | 15.75, WBBM needs holds_wbk.
52/2014: total 75 | 85, bersih 18 | 18, survey points 13.5 | 13.5, tlhp points 3.5 | 3.5,
pelayanan - | 16, WBBM needs holds_wbk; no pengungkit or area rules.
"""

from __future__ import annotations

from datetime import date

import pytest

from zi_metrics.framework import load_framework
from zi_metrics.rules import Award, check_nomination, check_prerequisites, evaluate, held_predicate, holds_wbk
from zi_metrics.scoring import score_answers, score_areas

F90 = "permenpanrb-90-2021"
F52 = "permenpanrb-52-2014"
AREAS = ("MP", "TT", "SDM", "AK", "PW", "PP")


def approx(x):
    return pytest.approx(x, abs=1e-9)


@pytest.fixture(scope="module")
def fw90():
    return load_framework(F90)


@pytest.fixture(scope="module")
def fw52():
    return load_framework(F52)


def _by_rule(ev, predicate):
    return {r.rule: r for r in ev.rules_for(predicate)}


def _failing(ev, predicate):
    return sorted(r.rule for r in ev.failing(predicate))


# Recap that meets every WBBM score rule with room to spare:
# pengungkit 7 + 6 + 9 + 9 + 13 + 9 = 53 (each area >= 85 %); hasil 3.8/4*17.5 = 16.625, A = 5,
# 3.8/4*17.5 = 16.625 -> 38.25; total 91.25.
STRONG_AREAS = {"MP": 7.0, "TT": 6.0, "SDM": 9.0, "AK": 9.0, "PW": 13.0, "PP": 9.0}
STRONG_HASIL = {"survey_anti_korupsi": 3.8, "capaian_kinerja": "A", "survey_pelayanan": 3.8}


def _recap(fw, areas=None, hasil=None, **changes):
    a = dict(STRONG_AREAS if areas is None else areas)
    h = dict(STRONG_HASIL if hasil is None else hasil)
    for key, value in changes.items():
        (a if key in AREAS else h)[key] = value
    return score_areas(fw, a, h)


# ---------------------------------------------------------------------------------------------
# The recap example


def test_recap_example(fw90):
    card = score_areas(
        fw90,
        {"MP": 6.5, "TT": 5.6, "SDM": 8.0, "AK": 8.2, "PW": 12.0, "PP": 8.4},
        {"survey_anti_korupsi": 3.62, "capaian_kinerja": "B", "survey_pelayanan": 3.41},
    )
    ev = evaluate(fw90, card, holds_wbk=False)
    # pengungkit 48.7; hasil 15.8375 + 3.75 + 14.91875 = 34.50625; total 83.20625
    assert ev.predicate == "WBK"
    assert _failing(ev, "WBK") == []
    # WBBM: total 83.20625 < 85, pelayanan 14.91875 < 15.75, and the unit does not hold WBK
    assert _failing(ev, "WBBM") == ["holds_wbk", "pelayanan", "total"]
    wbbm = _by_rule(ev, "WBBM")
    assert wbbm["total"].value == approx(83.20625)
    assert wbbm["total"].gap == approx(1.79375)  # 85 - 83.20625
    assert wbbm["pelayanan"].value == approx(14.91875)
    assert wbbm["pelayanan"].gap == approx(0.83125)  # 15.75 - 14.91875
    assert wbbm["pengungkit"].passed and wbbm["pengungkit"].value == approx(48.7)  # >= 48
    assert wbbm["bersih"].passed and wbbm["bersih"].value == approx(19.5875)  # 15.8375 + 3.75 >= 19.5
    assert wbbm["capaian_kinerja"].passed and wbbm["capaian_kinerja"].value == approx(3.75)  # exactly 3.75
    assert wbbm["area:MP"].value == approx(81.25)  # 6.5 / 8
    assert wbbm["area:AK"].value == approx(82.0)  # 8.2 / 10
    assert wbbm["holds_wbk"].value is False and wbbm["holds_wbk"].gap is None
    assert ev.meets_scores == {"WBK": True, "WBBM": False}
    # the same unit already holding WBK still fails WBBM on total and pelayanan
    again = evaluate(fw90, card, holds_wbk=True)
    assert again.predicate == "WBK"
    assert _failing(again, "WBBM") == ["pelayanan", "total"]


def test_rule_names_90(fw90):
    ev = evaluate(fw90, _recap(fw90))
    base = ["total", "pengungkit", *(f"area:{a}" for a in AREAS), "bersih", "survey_anti_korupsi",
            "capaian_kinerja", "pelayanan"]
    assert sorted(r.rule for r in ev.rules_for("WBK")) == sorted(base)
    assert sorted(r.rule for r in ev.rules_for("WBBM")) == sorted([*base, "holds_wbk"])
    assert {r.predicate for r in ev.rules} == {"WBK", "WBBM"}


def test_rule_names_52(fw52):
    card = score_areas(fw52, {}, {})
    ev = evaluate(fw52, card)
    wbk = ["total", "bersih", "survey_anti_korupsi", "tlhp"]
    assert sorted(r.rule for r in ev.rules_for("WBK")) == sorted(wbk)
    assert sorted(r.rule for r in ev.rules_for("WBBM")) == sorted(
        ["total", "bersih", "survey_anti_korupsi", "tlhp", "pelayanan", "holds_wbk"])


def test_rule_thresholds_90(fw90):
    ev = evaluate(fw90, _recap(fw90))
    wbk, wbbm = _by_rule(ev, "WBK"), _by_rule(ev, "WBBM")
    expected = {  # rule: (WBK, WBBM)
        "total": (75, 85), "pengungkit": (40, 48), "bersih": (18.25, 19.5),
        "survey_anti_korupsi": (15.75, 15.75), "capaian_kinerja": (2.5, 3.75), "pelayanan": (14.0, 15.75),
    }
    for rule, (a, b) in expected.items():
        assert (wbk[rule].threshold, wbbm[rule].threshold) == (approx(a), approx(b)), rule
    for area, amax in zip(AREAS, (8, 7, 10, 10, 15, 10), strict=True):
        assert (wbk[f"area:{area}"].threshold, wbbm[f"area:{area}"].threshold) == (60, 75)
        assert wbk[f"area:{area}"].threshold_points == approx(0.6 * amax)
        assert wbbm[f"area:{area}"].threshold_points == approx(0.75 * amax)


def test_input_thresholds(fw90, fw52):
    wbk, wbbm = (_by_rule(evaluate(fw90, _recap(fw90)), p) for p in ("WBK", "WBBM"))
    assert wbk["survey_anti_korupsi"].input_threshold == approx(3.6)  # 15.75 / 17.5 * 4
    assert wbk["survey_anti_korupsi"].input_value == approx(3.8)
    assert wbk["capaian_kinerja"].input_threshold == "C"  # 0.5 * 5 = 2.5
    assert wbbm["capaian_kinerja"].input_threshold == "B"  # 0.75 * 5 = 3.75
    ev52 = evaluate(fw52, score_areas(fw52, {}, {"tlhp_percent": 50}))
    assert _by_rule(ev52, "WBK")["tlhp"].input_threshold == approx(70.0)  # 3.5 / 5 * 100
    assert _by_rule(ev52, "WBK")["survey_anti_korupsi"].input_threshold == approx(3.6)  # 13.5 / 15 * 4


def test_rule_result_dict_keys(fw90):
    ev = evaluate(fw90, _recap(fw90))
    for r in ev.rules:
        d = r.to_dict()
        assert {"predicate", "rule", "value", "threshold", "passed", "gap"} <= set(d)
        assert d["gap"] == (0.0 if d["passed"] else d["gap"])


def test_scorecard_of_another_version_refused(fw90, fw52):
    with pytest.raises(ValueError):
        evaluate(fw52, _recap(fw90))


# ---------------------------------------------------------------------------------------------
# Borderlines (90/2021)


def test_strong_recap_earns_wbbm_only_when_holding_wbk(fw90):
    card = _recap(fw90)
    assert card.total == approx(91.25)
    # meets every WBBM score rule but does not hold WBK: gets WBK
    ev = evaluate(fw90, card, holds_wbk=False)
    assert ev.meets_scores == {"WBK": True, "WBBM": True}
    assert ev.predicate == "WBK"
    assert _failing(ev, "WBBM") == ["holds_wbk"]
    assert evaluate(fw90, card, holds_wbk=True).predicate == "WBBM"


def test_total_exactly_75(fw90):
    # 5 + 4.9 + 7 + 7 + 10.6 + 7 = 41.5 (every area >= 60 %); hasil 3.6 -> 15.75, B -> 3.75, 3.2 -> 14.0
    # = 33.5; total 41.5 + 33.5 = 75.00 exactly
    areas = {"MP": 5.0, "TT": 4.9, "SDM": 7.0, "AK": 7.0, "PW": 10.6, "PP": 7.0}
    hasil = {"survey_anti_korupsi": 3.6, "capaian_kinerja": "B", "survey_pelayanan": 3.2}
    card = score_areas(fw90, areas, hasil)
    assert card.total == approx(75.0)
    ev = evaluate(fw90, card)
    assert ev.predicate == "WBK"
    assert _by_rule(ev, "WBK")["total"].passed
    assert _by_rule(ev, "WBK")["total"].gap == 0.0
    # 0.01 less in PW (10.59, still 70.6 %): total 74.99 fails on total only
    ev = evaluate(fw90, score_areas(fw90, {**areas, "PW": 10.59}, hasil))
    assert ev.predicate is None
    assert _failing(ev, "WBK") == ["total"]
    assert _by_rule(ev, "WBK")["total"].gap == approx(0.01)


def test_area_at_60_percent_vs_59_99(fw90):
    # MP max 8: 60 % = 4.8 points, 59.99 % = 4.7992 points
    at = evaluate(fw90, _recap(fw90, MP=4.8))
    assert _by_rule(at, "WBK")["area:MP"].passed
    assert _by_rule(at, "WBK")["area:MP"].value == approx(60.0)
    assert at.predicate == "WBK"
    below = evaluate(fw90, _recap(fw90, MP=4.7992))
    assert _failing(below, "WBK") == ["area:MP"]
    assert _by_rule(below, "WBK")["area:MP"].value == approx(59.99)
    assert _by_rule(below, "WBK")["area:MP"].gap == approx(0.0008)  # points: 4.8 - 4.7992
    assert below.predicate is None
    # the same for PW (max 15): 9.0 vs 8.9985
    assert _by_rule(evaluate(fw90, _recap(fw90, PW=9.0)), "WBK")["area:PW"].passed
    assert not _by_rule(evaluate(fw90, _recap(fw90, PW=8.9985)), "WBK")["area:PW"].passed


def test_area_at_75_percent_for_wbbm(fw90):
    # TT max 7: 75 % = 5.25; 5.2493 = 74.99 %
    assert evaluate(fw90, _recap(fw90, TT=5.25), holds_wbk=True).predicate == "WBBM"
    ev = evaluate(fw90, _recap(fw90, TT=5.2493), holds_wbk=True)
    assert _failing(ev, "WBBM") == ["area:TT"]
    assert ev.predicate == "WBK"


def test_ipak_survey_3_60_vs_3_59(fw90):
    ok = evaluate(fw90, _recap(fw90, survey_anti_korupsi=3.6), holds_wbk=True)
    assert _by_rule(ok, "WBK")["survey_anti_korupsi"].value == approx(15.75)  # 3.6 / 4 * 17.5
    assert ok.predicate == "WBBM"
    low = evaluate(fw90, _recap(fw90, survey_anti_korupsi=3.59), holds_wbk=True)
    # 3.59 / 4 * 17.5 = 15.70625 < 15.75; bersih 15.70625 + 5 = 20.70625 still passes
    assert _by_rule(low, "WBK")["survey_anti_korupsi"].value == approx(15.70625)
    assert _by_rule(low, "WBK")["survey_anti_korupsi"].gap == approx(0.04375)
    assert _failing(low, "WBK") == ["survey_anti_korupsi"]
    assert _failing(low, "WBBM") == ["survey_anti_korupsi"]
    assert low.predicate is None


def test_pelayanan_survey_3_20_vs_3_19(fw90):
    # WBK pelayanan >= 14.00 = 3.2 / 4 * 17.5; 3.19 -> 13.95625
    ok = evaluate(fw90, _recap(fw90, survey_pelayanan=3.2))
    assert ok.predicate == "WBK"
    assert _failing(ok, "WBBM") == ["holds_wbk", "pelayanan"]
    low = evaluate(fw90, _recap(fw90, survey_pelayanan=3.19))
    assert _failing(low, "WBK") == ["pelayanan"]
    # WBBM pelayanan >= 15.75 = 3.6 / 4 * 17.5
    assert evaluate(fw90, _recap(fw90, survey_pelayanan=3.6), holds_wbk=True).predicate == "WBBM"


@pytest.mark.parametrize(
    ("option", "wbk", "wbbm"),
    [("A", True, True), ("B", True, True), ("C", True, False), ("D", False, False), ("E", False, False)],
    # points: 5, 3.75, 2.5, 1.25, 0 against 2.5 (WBK) and 3.75 (WBBM)
)
def test_capaian_kinerja(fw90, option, wbk, wbbm):
    ev = evaluate(fw90, _recap(fw90, capaian_kinerja=option), holds_wbk=True)
    assert _by_rule(ev, "WBK")["capaian_kinerja"].passed is wbk
    assert _by_rule(ev, "WBBM")["capaian_kinerja"].passed is wbbm


def test_bersih_component(fw90):
    # survey 3.6 -> 15.75 plus capaian C -> 2.5 = 18.25: WBK bersih exactly met; WBBM needs 19.5
    ev = evaluate(fw90, _recap(fw90, survey_anti_korupsi=3.6, capaian_kinerja="C"), holds_wbk=True)
    assert _by_rule(ev, "WBK")["bersih"].value == approx(18.25)
    assert _by_rule(ev, "WBK")["bersih"].passed
    assert _failing(ev, "WBBM") == ["bersih", "capaian_kinerja"]
    assert _by_rule(ev, "WBBM")["bersih"].gap == approx(1.25)


def test_pengungkit_40_and_48(fw90):
    # 4.8 + 4.2 + 6 + 6 + 9 + 10 = 40.0 (every area exactly 60 % except PP): pengungkit rule met
    areas = {"MP": 4.8, "TT": 4.2, "SDM": 6.0, "AK": 6.0, "PW": 9.0, "PP": 10.0}
    # total 40 + 17.5 + 5 + 17.5 = 80
    hasil = {**STRONG_HASIL, "survey_anti_korupsi": 4, "survey_pelayanan": 4}
    ev = evaluate(fw90, score_areas(fw90, areas, hasil))
    assert _by_rule(ev, "WBK")["pengungkit"].passed
    assert ev.predicate == "WBK"
    ev = evaluate(fw90, score_areas(fw90, {**areas, "PP": 9.99}, STRONG_HASIL))
    assert _by_rule(ev, "WBK")["pengungkit"].gap == approx(0.01)
    # WBBM: every area at >= 75 % but 6 + 5.25 + 7.5 + 7.5 + 11.25 + 10 = 47.5 < 48
    wbbm_areas = {"MP": 6.0, "TT": 5.25, "SDM": 7.5, "AK": 7.5, "PW": 11.25, "PP": 10.0}
    ev = evaluate(fw90, score_areas(fw90, wbbm_areas, STRONG_HASIL), holds_wbk=True)
    assert _failing(ev, "WBBM") == ["pengungkit"]
    assert _by_rule(ev, "WBBM")["pengungkit"].gap == approx(0.5)


def _best_answers(fw):
    """Every option question at its highest multiplier, every ratio at 1 (counts chosen by hand)."""
    answers = {q.id: q.best_answer for q in fw.questions.values() if q.kind == "option"}
    counts = {88: 3, 89: 3, 90: 2, 91: 2, 102: 4, 103: 0, 104: 4, 105: 5, 106: 5, 110: 7, 111: 0, 112: 7,
              113: 1, 114: 2, 115: 3, 116: 6, 117: 1, 118: 1, 119: 1, 120: 3, 122: 9, 123: 9,
              125: 4, 127: 4}
    answers.update(counts)
    return answers


def test_area_minimum_applies_to_the_whole_area(fw90):
    answers = _best_answers(fw90)
    # MP Pemenuhan: P1 (Ya, A) 0.5 + P2 (Tidak, C, C) 0 + P3 (D, D, D) 0 + P4 (Ya, A, A, A) 1.5 = 2.0,
    # i.e. 50 % of the half's 4; Reform 4 of 4. Area 6.0 = 75 % of 8.
    answers.update({3: "Tidak", 4: "C", 5: "C", 6: "D", 7: "D", 8: "D"})
    card = score_answers(fw90, answers)
    assert card.areas["MP"].halves == {"pemenuhan": approx(2.0), "reform": approx(4.0)}
    assert card.pengungkit == approx(58.0)  # 60 - 2
    assert card.total == approx(98.0)  # 58 + 40
    ev = evaluate(fw90, card, holds_wbk=True)
    assert _by_rule(ev, "WBK")["area:MP"].passed
    assert _by_rule(ev, "WBBM")["area:MP"].passed
    assert _by_rule(ev, "WBBM")["area:MP"].value == approx(75.0)
    assert not [r for r in ev.rules if "pemenuhan" in r.rule or "reform" in r.rule]
    assert ev.predicate == "WBBM"


def test_full_best_lke_scores_100(fw90):
    card = score_answers(fw90, _best_answers(fw90))
    assert card.total == approx(100.0)
    assert card.conservative.total == approx(100.0)
    assert evaluate(fw90, card, holds_wbk=True).predicate == "WBBM"


def test_incomplete_lke_is_provisional(fw90):
    answers = _best_answers(fw90)
    del answers[3]
    ev = evaluate(fw90, score_answers(fw90, answers))
    assert ev.provisional
    assert ev.scorecard.completeness.answered == 126


def test_no_predicate(fw90):
    ev = evaluate(fw90, score_areas(fw90, {}, {}))
    assert ev.predicate is None
    assert ev.meets_scores == {"WBK": False, "WBBM": False}


# ---------------------------------------------------------------------------------------------
# 52/2014


def test_52_2014_borderlines(fw52):
    areas = {"MP": 5, "TT": 5, "SDM": 15, "AK": 10, "PW": 15, "PP": 10}  # 60
    # survey 3.6 -> 13.5; tlhp 90 % -> 4.5; bersih 18.0; pelayanan 3.2 -> 16.0; total 60 + 34 = 94
    hasil = {"survey_anti_korupsi": 3.6, "tlhp_percent": 90, "survey_pelayanan": 3.2}
    card = score_areas(fw52, areas, hasil)
    assert card.hasil_components == {"bersih": approx(18.0), "pelayanan": approx(16.0)}
    ev = evaluate(fw52, card, holds_wbk=True)
    assert ev.predicate == "WBBM"
    assert _failing(ev, "WBK") == _failing(ev, "WBBM") == []
    # just below each threshold
    ev = evaluate(fw52, score_areas(fw52, areas, {**hasil, "survey_anti_korupsi": 3.59}))
    assert _failing(ev, "WBK") == ["bersih", "survey_anti_korupsi"]  # 13.4625; bersih 17.9625
    ev = evaluate(fw52, score_areas(fw52, areas, {**hasil, "tlhp_percent": 69.9}), holds_wbk=True)
    assert _failing(ev, "WBK") == ["bersih", "tlhp"]  # 3.495 < 3.5; bersih 16.995
    ev = evaluate(fw52, score_areas(fw52, areas, {**hasil, "survey_pelayanan": 3.19}), holds_wbk=True)
    assert _failing(ev, "WBK") == []
    assert _failing(ev, "WBBM") == ["pelayanan"]  # 15.95 < 16
    assert ev.predicate == "WBK"


def test_52_2014_tlhp_70_percent_and_survey_4(fw52):
    # survey 4 -> 15 and tlhp 70 % -> 3.5: bersih 18.5; tlhp rule met exactly
    ev = evaluate(fw52, score_areas(fw52, {"SDM": 15, "PW": 15, "AK": 10, "PP": 10, "MP": 5, "TT": 5},
                                    {"survey_anti_korupsi": 4, "tlhp_percent": 70}))
    assert _by_rule(ev, "WBK")["tlhp"].value == approx(3.5)
    assert _by_rule(ev, "WBK")["tlhp"].passed
    # no pelayanan rule for WBK: survey_pelayanan missing, total 60 + 18.5 = 78.5 still earns WBK
    assert ev.predicate == "WBK"
    assert _by_rule(ev, "WBBM")["pelayanan"].value == 0.0


def test_52_2014_no_pengungkit_or_area_rule(fw52):
    # very uneven areas (MP 0 %) do not block 52/2014 as long as the total is reached
    areas = {"MP": 0, "TT": 5, "SDM": 15, "AK": 10, "PW": 15, "PP": 10}  # 55
    hasil = {"survey_anti_korupsi": 4, "tlhp_percent": 100, "survey_pelayanan": 4}  # 40
    ev = evaluate(fw52, score_areas(fw52, areas, hasil), holds_wbk=True)
    assert ev.scorecard.total == approx(95.0)
    assert ev.predicate == "WBBM"


def test_52_2014_total_75_exactly(fw52):
    # 50 + 13.5 + 4.5 + 7 (survey_pelayanan 1.4 -> 1.4 / 4 * 20) = 75
    areas = {"MP": 5, "TT": 5, "SDM": 10, "AK": 10, "PW": 10, "PP": 10}
    hasil = {"survey_anti_korupsi": 3.6, "tlhp_percent": 90, "survey_pelayanan": 1.4}
    ev = evaluate(fw52, score_areas(fw52, areas, hasil))
    assert ev.scorecard.total == approx(75.0)
    assert ev.predicate == "WBK"
    ev = evaluate(fw52, score_areas(fw52, areas, {**hasil, "survey_pelayanan": 1.399}))
    assert _failing(ev, "WBK") == ["total"]


# ---------------------------------------------------------------------------------------------
# Award history


def test_held_predicate_empty():
    assert held_predicate([], 2024) is None
    assert holds_wbk([], 2024) is False


def test_held_predicate_only_counts_earlier_years():
    awards = [Award("u1", 2022, "WBK")]
    assert held_predicate(awards, 2022) is None  # awarded in the year under evaluation: not yet held
    assert held_predicate(awards, 2021) is None
    assert held_predicate(awards, 2023) == "WBK"
    assert holds_wbk(awards, 2023) is True


def test_wbbm_outranks_wbk_and_implies_it():
    awards = [Award("u1", 2021, "WBK"), Award("u1", 2023, "WBBM")]
    assert held_predicate(awards, 2023) == "WBK"
    assert held_predicate(awards, 2024) == "WBBM"
    assert holds_wbk(awards, 2024) is True
    assert holds_wbk([Award("u1", 2020, "WBBM")], 2021) is True


def test_revoked_awards():
    awards = [Award("u1", 2021, "WBK", revoked=True, revoked_year=2023)]
    assert held_predicate(awards, 2022) == "WBK"  # still held before the revocation took effect
    assert held_predicate(awards, 2023) is None
    assert held_predicate(awards, 2025) is None
    assert holds_wbk(awards, 2024) is False
    # revoked, year unknown: never counted
    assert held_predicate([Award("u1", 2021, "WBK", revoked=True)], 2022) is None
    # WBBM revoked, the earlier WBK kept: the unit falls back to WBK
    awards = [Award("u1", 2020, "WBK"), Award("u1", 2022, "WBBM", revoked=True, revoked_year=2024)]
    assert held_predicate(awards, 2023) == "WBBM"
    assert held_predicate(awards, 2024) == "WBK"
    # both revoked
    awards = [Award("u1", 2020, "WBK", revoked=True, revoked_year=2022),
              Award("u1", 2021, "WBBM", revoked=True, revoked_year=2022)]
    assert held_predicate(awards, 2022) is None
    assert holds_wbk(awards, 2022) is False


def test_awards_as_mappings():
    awards = [
        {"unit_id": "u1", "year": 2020, "predicate": "WBK"},
        {"unit_id": "u1", "year": "2022", "predicate": "WBBM", "revoked": True,
         "revoked_on": date(2024, 3, 1)},
    ]
    assert held_predicate(awards, 2023) == "WBBM"
    assert held_predicate(awards, 2024) == "WBK"
    awards = [{"year": 2020, "predicate": "WBK", "revoked": True, "revoked_year": 2021}]
    assert holds_wbk(awards, 2021) is False
    assert holds_wbk(awards, 2020) is False  # not yet awarded
    assert held_predicate([{"year": 2020, "predicate": "WBK", "revoked": False}], 2021) == "WBK"


def test_award_history_feeds_wbbm(fw90):
    card = _recap(fw90)
    awards = [Award("u1", 2022, "WBK", revoked=True, revoked_year=2024)]
    assert evaluate(fw90, card, holds_wbk=holds_wbk(awards, 2023)).predicate == "WBBM"
    assert evaluate(fw90, card, holds_wbk=holds_wbk(awards, 2024)).predicate == "WBK"


# ---------------------------------------------------------------------------------------------
# Proposal prerequisites (Tabel 5 as re-issued by 5/2024)

GOOD_FACTS = {
    "bpk_opinion": "WTP", "sakip_grade": "BB", "indeks_rb_grade": "BB", "spip_level": 3, "core_service": True,
    "tl_percent": 100, "lhkpn_percent": 100, "lhkasn_percent": 100, "zi_started_year": 2024,
    "unit_sakip_grade": "BB",
}
INSTANSI_GATES = {"bpk_opinion", "sakip", "indeks_rb", "spip"}
UNIT_GATES = {"core_service", "tl_audit", "lhkpn", "lhkasn", "zi_duration", "unit_sakip"}


def _gates(fw, facts, **kw):
    kw.setdefault("year", 2025)
    return {(g.predicate, g.code): g for g in check_prerequisites(fw, facts, **kw)}


def test_all_prerequisites_met(fw90):
    gates = _gates(fw90, GOOD_FACTS, instansi_kind="kementerian_lembaga")
    assert {c for p, c in gates if p == "WBK"} == INSTANSI_GATES | UNIT_GATES
    assert {c for p, c in gates if p == "WBBM"} == INSTANSI_GATES | UNIT_GATES
    assert all(g.passed is True and not g.blocking for g in gates.values())
    assert {g.level for (_, c), g in gates.items() if c in INSTANSI_GATES} == {"instansi"}
    assert {g.level for (_, c), g in gates.items() if c in UNIT_GATES} == {"unit"}


@pytest.mark.parametrize(
    ("fact", "value", "code", "wbk", "wbbm"),
    [
        ("bpk_opinion", "WTP", "bpk_opinion", True, True),
        ("bpk_opinion", " wtp ", "bpk_opinion", True, True),
        ("bpk_opinion", "WDP", "bpk_opinion", False, False),
        ("bpk_opinion", "TMP", "bpk_opinion", False, False),
        ("sakip_grade", "AA", "sakip", True, True),
        ("sakip_grade", "A", "sakip", True, True),
        ("sakip_grade", "BB", "sakip", True, True),
        ("sakip_grade", "B", "sakip", True, False),  # WBK >= B, WBBM >= BB
        ("sakip_grade", "CC", "sakip", False, False),
        ("sakip_grade", "b", "sakip", True, False),
        ("sakip_grade", "Z", "sakip", False, False),
        ("unit_sakip_grade", "B", "unit_sakip", True, False),
        ("unit_sakip_grade", "C", "unit_sakip", False, False),
        ("spip_level", 3, "spip", True, True),
        ("spip_level", 4, "spip", True, True),
        ("spip_level", 2.9, "spip", False, False),
        ("tl_percent", 100, "tl_audit", True, True),
        ("tl_percent", 99.99, "tl_audit", False, False),
        ("lhkpn_percent", 99, "lhkpn", False, False),
        ("lhkasn_percent", 98.5, "lhkasn", False, False),
        ("core_service", False, "core_service", False, False),
        ("zi_started_year", 2024, "zi_duration", True, True),  # 2025 - 2024 = 1 year
        ("zi_started_year", 2025, "zi_duration", False, False),  # less than a year
        ("zi_started_year", 2020, "zi_duration", True, True),
    ],
)
def test_single_prerequisite(fw90, fact, value, code, wbk, wbbm):
    gates = _gates(fw90, {**GOOD_FACTS, fact: value}, instansi_kind="kementerian_lembaga")
    assert (gates[("WBK", code)].passed, gates[("WBBM", code)].passed) == (wbk, wbbm)
    others = [g for (p, c), g in gates.items() if c != code]
    assert all(g.passed is True for g in others)


@pytest.mark.parametrize(
    ("kind", "grade", "wbk", "wbbm"),
    [
        # local government: WBK >= CC, WBBM >= B
        ("pemerintah_daerah", "CC", True, False),
        ("pemerintah_daerah", "B", True, True),
        ("pemerintah_daerah", "C", False, False),
        # ministries/agencies: WBK >= B, WBBM >= BB
        ("kementerian_lembaga", "CC", False, False),
        ("kementerian_lembaga", "B", True, False),
        ("kementerian_lembaga", "BB", True, True),
    ],
)
def test_indeks_rb_by_instansi_kind(fw90, kind, grade, wbk, wbbm):
    gates = _gates(fw90, {**GOOD_FACTS, "indeks_rb_grade": grade}, instansi_kind=kind)
    assert (gates[("WBK", "indeks_rb")].passed, gates[("WBBM", "indeks_rb")].passed) == (wbk, wbbm)
    expected_required = {"pemerintah_daerah": ("CC", "B"), "kementerian_lembaga": ("B", "BB")}[kind]
    assert (gates[("WBK", "indeks_rb")].required, gates[("WBBM", "indeks_rb")].required) == expected_required


@pytest.mark.parametrize(
    "kind",
    [
        None,
        "bumn",
    ],
)
def test_indeks_rb_with_unknown_instansi_kind_cannot_tell(fw90, kind):
    # CC passes for local government and fails for a ministry: the gate cannot be decided
    gates = _gates(fw90, {**GOOD_FACTS, "indeks_rb_grade": "CC"}, instansi_kind=kind)
    assert gates[("WBK", "indeks_rb")].passed is None


def test_unknown_facts_give_none(fw90):
    gates = _gates(fw90, {}, instansi_kind="pemerintah_daerah")
    assert gates
    assert all(g.passed is None and not g.blocking for g in gates.values())
    # a year is needed to judge the ZI duration
    gates = _gates(fw90, GOOD_FACTS, instansi_kind="pemerintah_daerah", year=None)
    assert gates[("WBK", "zi_duration")].passed is None
    assert gates[("WBK", "spip")].passed is True


def test_afirmasi_waives_only_instansi_level_gates(fw90):
    facts = {**GOOD_FACTS, "bpk_opinion": "WDP", "sakip_grade": "C", "indeks_rb_grade": "D", "spip_level": 1,
             "tl_percent": 80, "lhkasn_percent": 90}
    plain = _gates(fw90, facts, instansi_kind="pemerintah_daerah")
    blocking = {c for (p, c), g in plain.items() if p == "WBK" and g.blocking}
    assert blocking == {"bpk_opinion", "sakip", "indeks_rb", "spip", "tl_audit", "lhkasn"}
    waived = _gates(fw90, facts, instansi_kind="pemerintah_daerah", afirmasi=True)
    for (_, code), g in waived.items():
        if code in INSTANSI_GATES:
            assert g.waived and g.passed is False and not g.blocking, code  # still reported as failing
        else:
            assert not g.waived, code
    assert {c for (p, c), g in waived.items() if p == "WBK" and g.blocking} == {"tl_audit", "lhkasn"}


def test_prerequisites_52_2014(fw52):
    facts = {"bpk_opinion": "WTP", "bpk_opinion_previous": "WDP", "sakip_grade": "CC"}
    gates = _gates(fw52, facts)
    assert {c for p, c in gates if p == "WBK"} == {"bpk_opinion", "akip"}
    assert {c for p, c in gates if p == "WBBM"} == {"bpk_opinion", "bpk_opinion_previous", "akip"}
    assert gates[("WBK", "akip")].passed is True  # AKIP >= CC
    assert gates[("WBBM", "bpk_opinion_previous")].passed is False  # WTP 2 years running for WBBM
    assert _gates(fw52, {**facts, "sakip_grade": "C"})[("WBK", "akip")].passed is False


def test_nomination_criteria_52_2014(fw52):
    res = {g.code: g.passed for g in check_nomination(fw52, {"eselon_level": 2, "strategic_service": True})}
    assert res == {"eselon_level": True, "strategic_service": True, "large_resources": None,
                   "reform_track_record": None}
    res = {g.code: g.passed for g in check_nomination(fw52, {"eselon_level": 4})}
    assert res["eselon_level"] is False
