"""LKE roll-up and hasil points, hand-computed for both versions.

Every expected number is a literal worked out by hand from the domain reference
(/work/shared/domain/zona-integritas.md, section 3); the comment beside it shows the arithmetic.
Multipliers: Ya 1 / Tidak 0; ABC 1/0.5/0; ABCD 1/0.67/0.33/0; ABCDE 1/0.75/0.5/0.25/0.
"""

from __future__ import annotations

import pytest

from zi_metrics.framework import load_framework
from zi_metrics.scoring import ScoringInputError, score_answers, score_areas

F90 = "permenpanrb-90-2021"
F52 = "permenpanrb-52-2014"


def approx(x):
    return pytest.approx(x, abs=1e-9)


@pytest.fixture(scope="module")
def fw90():
    return load_framework(F90)


@pytest.fixture(scope="module")
def fw52():
    return load_framework(F52)


# ---------------------------------------------------------------------------------------------
# A fully answered 90/2021 LKE

FULL_90 = {
    # MP Pemenuhan
    1: "Ya", 2: "B",                                  # MP.P1 w0.5: (1 + 0.5) / 2 * 0.5 = 0.375
    3: "Tidak", 4: "A", 5: "B",                       # MP.P2 w1: (0 + 1 + 0.5) / 3 * 1 = 0.5
    6: "B", 7: "B", 8: "A",                           # MP.P3 w1: (0.67 + 0.67 + 1) / 3 = 0.78 (not 0.7778)
    9: "Ya", 10: "A", 11: "B", 12: "D",               # MP.P4 w1.5: (1 + 1 + 0.5 + 0) / 4 * 1.5 = 0.9375
    # MP Reform
    88: 10, 89: 8, 90: 4, 91: 6,                      # MP.R1 w2: mean(min(1, 8/10), min(1, 6/4)) = 0.9 -> 1.8
    92: "B",                                          # MP.R2 w1 (ABCDE): 0.75
    93: "C",                                          # MP.R3 w1 (ABCD): 0.33
    # TT Pemenuhan
    13: "A", 14: "B", 15: "C",                        # TT.P1 w1: (1 + 0.75 + 0.5) / 3 = 0.75
    16: "A", 17: "A", 18: "B", 19: "C",               # TT.P2 w2: (1 + 1 + 0.5 + 0) / 4 * 2 = 1.25
    20: "A", 21: "A",                                 # TT.P3 w0.5: 1 * 0.5 = 0.5
    # TT Reform
    94: "B",                                          # TT.R1 w0.5: 0.67 * 0.5 = 0.335
    95: "A", 96: "B",                                 # TT.R2 w1: (1 + 0.5) / 2 = 0.75
    97: "A", 98: "A", 99: "D",                        # TT.R3 w2: (1 + 1 + 0.25) / 3 * 2 = 1.5
    # SDM Pemenuhan
    22: "Tidak", 23: "C", 24: "Tidak",                # SDM.P1 w0.25: (0 + 0.33 + 0) / 3 * 0.25 = 0.0275
    25: "Ya", 26: "D", 27: "Ya",                      # SDM.P2 w0.5: (1 + 0.25 + 1) / 3 * 0.5 = 0.375
    28: "Ya", 29: "A", 30: "B", 31: "B", 32: "C", 33: "B",  # SDM.P3 w1.25: 4.17 / 6 * 1.25 = 0.86875
    34: "A", 35: "B", 36: "B", 37: "Ya",              # SDM.P4 w2: (1 + 0.67 + 0.75 + 1) / 4 * 2 = 1.71
    38: "B",                                          # SDM.P5 w0.75: 0.67 * 0.75 = 0.5025
    39: "B",                                          # SDM.P6 w0.25: 0.5 * 0.25 = 0.125
    # SDM Reform
    100: "A",                                         # SDM.R1 w1.5: 1.5
    101: "B",                                         # SDM.R2 w1.5: 0.5 * 1.5 = 0.75
    102: 8, 103: 6, 104: 5,                           # SDM.R3 w2: (8 - 6) / 8 = 0.25 -> 0.5 (Q104 unused)
    # AK Pemenuhan
    40: "A", 41: "A", 42: "B",                        # AK.P1 w2.5: (1 + 1 + 0.67) / 3 * 2.5 = 2.225
    43: "Ya", 44: "Ya", 45: "Ya", 46: "B", 47: "Tidak", 48: "A", 49: "Ya", 50: "B",
    #                                                   AK.P2 w2.5: 6.17 / 8 * 2.5 = 1.928125
    # AK Reform
    105: 8, 106: 6,                                   # AK.R1 w2: 6/8 = 0.75 -> 1.5
    107: "A",                                         # AK.R2 w1.5: 1.5
    108: "C",                                         # AK.R3 w1.5: 0.33 * 1.5 = 0.495
    # PW Pemenuhan
    51: "A", 52: "B",                                 # PW.P1 w1.5: (1 + 0.67) / 2 * 1.5 = 1.2525
    53: "A", 54: "B", 55: "A", 56: "B",               # PW.P2 w1.5: (1 + 0.75 + 1 + 0.5) / 4 * 1.5 = 1.21875
    57: "A", 58: "Ya", 59: "B", 60: "C",              # PW.P3 w1.5: (1 + 1 + 0.5 + 0) / 4 * 1.5 = 0.9375
    61: "A", 62: "B", 63: "C",                        # PW.P4 w1.5: (1 + 0.5 + 0) / 3 * 1.5 = 0.75
    64: "A", 65: "B", 66: "C", 67: "A", 68: "A",      # PW.P5 w1.5: (1 + 0.67 + 0.33 + 1 + 1) / 5 * 1.5 = 1.2
    # PW Reform
    109: "B",                                         # PW.R1 w2.5 (ABCDE): 0.75 * 2.5 = 1.875
    110: 20, 111: 5, 112: 15,                         # PW.R2 w3: 15/20 = 0.75 -> 2.25 (Q111 unused)
    113: 2, 114: 10, 115: 8, 116: 18,                 # PW.R3a w1: 18 / (2 + 10 + 8) = 0.9
    117: 5, 118: 15, 119: 30, 120: 55,                # PW.R3b w1: min(1, 55 / 50) = 1
    # PP Pemenuhan
    69: "B", 70: "A", 71: "B", 72: "Ya",              # PP.P1 w1: (0.75 + 1 + 0.67 + 1) / 4 = 0.855
    73: "A", 74: "A", 75: "B", 76: "D", 77: "C", 78: "E",  # PP.P2 w1: (1 + 1 + 0.67 + 0 + 0.33 + 0) / 6 = 0.5
    79: "B", 80: "A", 81: "B",                        # PP.P3 w1: (0.75 + 1 + 0.5) / 3 = 0.75
    82: "B", 83: "B", 84: "B",                        # PP.P4 w1: (0.75 + 0.5 + 0.67) / 3 = 0.64
    85: "C", 86: "Ya", 87: "B",                       # PP.P5 w1: (0.33 + 1 + 0.5) / 3 = 0.61
    # PP Reform
    121: "B", 122: 40, 123: 10,                       # PP.R1 w2.5: mean(0.67, 10/40) = 0.46 -> 1.15
    124: "A",                                         # PP.R2 w2.5: 2.5
    # Hasil, as answers to questions 125-127
    125: 3.62, 126: "B", 127: 3.41,
}

SUB_AREAS_90 = {
    "MP.P1": 0.375, "MP.P2": 0.5, "MP.P3": 0.78, "MP.P4": 0.9375,
    "MP.R1": 1.8, "MP.R2": 0.75, "MP.R3": 0.33,
    "TT.P1": 0.75, "TT.P2": 1.25, "TT.P3": 0.5,
    "TT.R1": 0.335, "TT.R2": 0.75, "TT.R3": 1.5,
    "SDM.P1": 0.0275, "SDM.P2": 0.375, "SDM.P3": 0.86875, "SDM.P4": 1.71, "SDM.P5": 0.5025, "SDM.P6": 0.125,
    "SDM.R1": 1.5, "SDM.R2": 0.75, "SDM.R3": 0.5,
    "AK.P1": 2.225, "AK.P2": 1.928125,
    "AK.R1": 1.5, "AK.R2": 1.5, "AK.R3": 0.495,
    "PW.P1": 1.2525, "PW.P2": 1.21875, "PW.P3": 0.9375, "PW.P4": 0.75, "PW.P5": 1.2,
    "PW.R1": 1.875, "PW.R2": 2.25, "PW.R3": 1.9,  # PW.R3 = LHKPN 0.9 + Non-LHKPN 1 (sum, not mean)
    "PP.P1": 0.855, "PP.P2": 0.5, "PP.P3": 0.75, "PP.P4": 0.64, "PP.P5": 0.61,
    "PP.R1": 1.15, "PP.R2": 2.5,
}

HALVES_90 = {
    #       pemenuhan                                   reform
    "MP": (2.5925,      # 0.375 + 0.5 + 0.78 + 0.9375;  1.8 + 0.75 + 0.33
           2.88),
    "TT": (2.5,         # 0.75 + 1.25 + 0.5;            0.335 + 0.75 + 1.5
           2.585),
    "SDM": (3.60875,    # 0.0275 + 0.375 + 0.86875 + 1.71 + 0.5025 + 0.125;  1.5 + 0.75 + 0.5
            2.75),
    "AK": (4.153125,    # 2.225 + 1.928125;             1.5 + 1.5 + 0.495
           3.495),
    "PW": (5.35875,     # 1.2525 + 1.21875 + 0.9375 + 0.75 + 1.2;  1.875 + 2.25 + 1.9
           6.025),
    "PP": (3.355,       # 0.855 + 0.5 + 0.75 + 0.64 + 0.61;  1.15 + 2.5
           3.65),
}
AREAS_90 = {"MP": 5.4725, "TT": 5.085, "SDM": 6.35875, "AK": 7.648125, "PW": 11.38375, "PP": 7.005}
PENGUNGKIT_90 = 42.953125  # 5.4725 + 5.085 + 6.35875 + 7.648125 + 11.38375 + 7.005
# hasil: 3.62 / 4 * 17.5 = 15.8375; B: 0.75 * 5 = 3.75; 3.41 / 4 * 17.5 = 14.91875
HASIL_90 = 34.50625  # 15.8375 + 3.75 + 14.91875
TOTAL_90 = 77.459375  # 42.953125 + 34.50625


def test_full_90_2021_sub_areas(fw90):
    card = score_answers(fw90, FULL_90)
    assert set(card.sub_areas) == set(SUB_AREAS_90)
    for code, expected in SUB_AREAS_90.items():
        s = card.sub_areas[code]
        assert s.score == approx(expected), code
        assert s.conservative == approx(expected), code  # fully answered: conservative = official
        assert s.complete, code


def test_full_90_2021_areas_halves_totals(fw90):
    card = score_answers(fw90, FULL_90)
    for code, (pem, ref) in HALVES_90.items():
        assert card.areas[code].halves == {"pemenuhan": approx(pem), "reform": approx(ref)}
        assert card.areas[code].score == approx(AREAS_90[code])
        assert card.areas[code].max == {"MP": 8, "TT": 7, "SDM": 10, "AK": 10, "PW": 15, "PP": 10}[code]
    # Pemenuhan 2.5925 + 2.5 + 3.60875 + 4.153125 + 5.35875 + 3.355 = 21.568125
    # Reform    2.88 + 2.585 + 2.75 + 3.495 + 6.025 + 3.65           = 21.385
    assert card.halves == {"pemenuhan": approx(21.568125), "reform": approx(21.385)}
    assert card.pengungkit == approx(PENGUNGKIT_90)
    assert card.hasil_items["survey_anti_korupsi"].points == approx(15.8375)
    assert card.hasil_items["capaian_kinerja"].points == approx(3.75)
    assert card.hasil_items["survey_pelayanan"].points == approx(14.91875)
    assert card.hasil_components == {"bersih": approx(19.5875), "pelayanan": approx(14.91875)}
    assert card.hasil == approx(HASIL_90)
    assert card.total == approx(TOTAL_90)
    assert card.areas["MP"].percent == approx(68.40625)  # 5.4725 / 8 * 100
    assert (card.completeness.answered, card.completeness.total) == (127, 127)
    assert not card.provisional
    assert card.conservative.total == approx(TOTAL_90)


def test_lhkpn_parts_are_summed(fw90):
    card = score_answers(fw90, FULL_90)
    parts = {p.code: p.score for p in card.sub_areas["PW.R3"].parts}
    assert parts == {"PW.R3a": approx(0.9), "PW.R3b": approx(1.0)}
    # unequal parts: LHKPN 9/10 = 0.9 (w1) + Non-LHKPN 4/10 = 0.4 (w1) = 1.3
    card = score_answers(fw90, {113: 1, 114: 4, 115: 5, 116: 9, 117: 0, 118: 10, 119: 0, 120: 4})
    assert card.sub_areas["PW.R3"].score == approx(1.3)


# ---------------------------------------------------------------------------------------------
# A fully answered 52/2014 LKE (no halves; hasil under "hasil")

FULL_52 = {
    1: "Ya", 2: "B",                                  # MP.1 w1: (1 + 0.5) / 2 = 0.75
    3: "Ya", 4: "B", 5: "Tidak",                      # MP.2 w1: (1 + 0.5 + 0) / 3 = 0.5
    6: "A", 7: "B", 8: "B",                           # MP.3 w2: (1 + 0.67 + 0.67) / 3 * 2 = 1.56
    9: "Ya", 10: "Ya", 11: "Tidak", 12: "C",          # MP.4 w1: (1 + 1 + 0 + 0.33) / 4 = 0.5825
    13: "B", 14: "B", 15: "B",                        # TT.1 w1.5: 0.67 * 1.5 = 1.005
    16: "A", 17: "B", 18: "C", 19: "A",               # TT.2 w2: (1 + 0.5 + 0 + 1) / 4 * 2 = 1.25
    20: "Ya", 21: "Tidak",                            # TT.3 w1.5: 0.5 * 1.5 = 0.75
    22: "Ya", 23: "A", 24: "Ya",                      # SDM.1 w2: 1 * 2 = 2
    25: "Ya", 26: "B", 27: "Ya",                      # SDM.2 w2: (1 + 0.67 + 1) / 3 * 2 = 1.78
    28: "Ya", 29: "A", 30: "B", 31: "C", 32: "A", 33: "D",  # SDM.3 w3: 4 / 6 * 3 = 2
    34: "A", 35: "B", 36: "B", 37: "C",               # SDM.4 w4: (1 + 0.67 + 0.75 + 0.33) / 4 * 4 = 2.75
    38: "B",                                          # SDM.5 w3: 0.67 * 3 = 2.01
    39: "C",                                          # SDM.6 w1: 0.33
    40: "Ya", 41: "Ya", 42: "Tidak",                  # AK.1 w5: 2 / 3 * 5 = 3.333333333333
    43: "A", 44: "B", 45: "B", 46: "A", 47: "Ya", 48: "C", 49: "A", 50: "B",
    #                                                   AK.2 w5: (1+.67+.5+1+1+.33+1+.5) = 6 / 8 * 5 = 3.75
    51: "A", 52: "B",                                 # PW.1 w3: (1 + 0.5) / 2 * 3 = 2.25
    53: "A", 54: "B", 55: "A", 56: "B",               # PW.2 w3: (1 + 0.67 + 1 + 0.5) / 4 * 3 = 2.3775
    57: "B", 58: "C", 59: "A", 60: "A",               # PW.3 w3: (0.67 + 0.33 + 1 + 1) / 4 * 3 = 2.25
    61: "Ya", 62: "A", 63: "A", 64: "C",              # PW.4 w3: (1 + 1 + 1 + 0.33) / 4 * 3 = 2.4975
    65: "Ya", 66: "B", 67: "B", 68: "C", 69: "B",     # PW.5 w3: (1 + 0.67 + 0.67 + 0 + 0.67) / 5 * 3 = 1.806
    70: "A", 71: "A", 72: "B", 73: "B",               # PP.1 w3: (1 + 1 + 0.67 + 0.5) / 4 * 3 = 2.3775
    74: "A", 75: "A", 76: "B", 77: "B", 78: "C",      # PP.2 w3: (1 + 1 + 0.5 + 0.67 + 0.33) / 5 * 3 = 2.1
    79: "A", 80: "B", 81: "D",                        # PP.3 w4: (1 + 0.5 + 0) / 3 * 4 = 2
}
HASIL_52_INPUT = {"survey_anti_korupsi": 3.7, "tlhp_percent": 90, "survey_pelayanan": 3.3}

SUB_AREAS_52 = {
    "MP.1": 0.75, "MP.2": 0.5, "MP.3": 1.56, "MP.4": 0.5825,
    "TT.1": 1.005, "TT.2": 1.25, "TT.3": 0.75,
    "SDM.1": 2.0, "SDM.2": 1.78, "SDM.3": 2.0, "SDM.4": 2.75, "SDM.5": 2.01, "SDM.6": 0.33,
    "AK.1": 3.333333333333, "AK.2": 3.75,
    "PW.1": 2.25, "PW.2": 2.3775, "PW.3": 2.25, "PW.4": 2.4975, "PW.5": 1.806,
    "PP.1": 2.3775, "PP.2": 2.1, "PP.3": 2.0,
}
AREAS_52 = {
    "MP": 3.3925,            # 0.75 + 0.5 + 1.56 + 0.5825
    "TT": 3.005,             # 1.005 + 1.25 + 0.75
    "SDM": 10.87,            # 2 + 1.78 + 2 + 2.75 + 2.01 + 0.33
    "AK": 7.083333333333,    # 3.333333333333 + 3.75
    "PW": 11.181,            # 2.25 + 2.3775 + 2.25 + 2.4975 + 1.806
    "PP": 6.4775,            # 2.3775 + 2.1 + 2
}
PENGUNGKIT_52 = 42.009333333333  # sum of the areas
# hasil: 3.7 / 4 * 15 = 13.875; 90 / 100 * 5 = 4.5; 3.3 / 4 * 20 = 16.5 -> 34.875
TOTAL_52 = 76.884333333333  # 42.009333333333 + 34.875


def test_full_52_2014(fw52):
    card = score_answers(fw52, FULL_52, HASIL_52_INPUT)
    assert set(card.sub_areas) == set(SUB_AREAS_52)
    for code, expected in SUB_AREAS_52.items():
        assert card.sub_areas[code].score == approx(expected), code
    for code, expected in AREAS_52.items():
        assert card.areas[code].score == approx(expected), code
        assert card.areas[code].halves == {}
    assert card.halves == {}
    assert card.pengungkit == approx(PENGUNGKIT_52)
    assert card.hasil_items["survey_anti_korupsi"].points == approx(13.875)
    assert card.hasil_items["tlhp_percent"].points == approx(4.5)
    assert card.hasil_items["survey_pelayanan"].points == approx(16.5)
    assert card.hasil_components == {"bersih": approx(18.375), "pelayanan": approx(16.5)}
    assert card.hasil == approx(34.875)
    assert card.total == approx(TOTAL_52)
    # 81 questions + 3 hasil inputs
    assert (card.completeness.answered, card.completeness.total) == (84, 84)


def test_52_2014_hasil_formulas(fw52):
    card = score_areas(fw52, {}, {"survey_anti_korupsi": 3.2, "tlhp_percent": 70, "survey_pelayanan": 3.2})
    assert card.hasil_items["survey_anti_korupsi"].points == approx(12.0)  # 3.2 / 4 * 15
    assert card.hasil_items["tlhp_percent"].points == approx(3.5)  # 70 / 100 * 5
    assert card.hasil_items["survey_pelayanan"].points == approx(16.0)  # 3.2 / 4 * 20
    full = score_areas(fw52, {}, {"survey_anti_korupsi": 4, "tlhp_percent": 100, "survey_pelayanan": 4})
    assert full.hasil == approx(40.0)  # 15 + 5 + 20


# ---------------------------------------------------------------------------------------------
# Partly answered LKE: mean of answered items only; conservative counts missing as 0


def test_half_filled_sub_area(fw90):
    # SDM.P3 (w1.25, 6 items): only Q28 Ya (1) and Q29 B (0.67)
    card = score_answers(fw90, {28: "Ya", 29: "B"})
    s = card.sub_areas["SDM.P3"]
    assert s.score == approx(1.04375)  # (1 + 0.67) / 2 * 1.25
    assert s.conservative == approx(0.347916666667)  # (1 + 0.67 + 0 + 0 + 0 + 0) / 6 * 1.25
    assert (s.answered_items, s.total_items, s.complete) == (2, 6, False)
    assert card.areas["SDM"].score == approx(1.04375)
    assert card.conservative.areas["SDM"].score == approx(0.347916666667)
    assert card.conservative.pengungkit == approx(0.347916666667)
    assert (card.completeness.answered, card.completeness.total) == (2, 127)
    assert card.provisional


def test_sub_area_with_no_answered_item_scores_zero_and_is_incomplete(fw90):
    card = score_answers(fw90, {1: "Ya"})
    s = card.sub_areas["MP.P2"]
    assert (s.score, s.conservative) == (0.0, 0.0)
    assert (s.answered_items, s.total_items, s.complete) == (0, 3, False)
    # the only answered sub-area: MP.P1 official 1 * 0.5 = 0.5, conservative (1 + 0) / 2 * 0.5 = 0.25
    assert card.pengungkit == approx(0.5)
    assert card.conservative.pengungkit == approx(0.25)
    assert card.total == approx(0.5)  # no hasil input: hasil 0


def test_empty_lke(fw90):
    card = score_answers(fw90, {})
    assert card.total == 0.0
    assert all(not s.complete and s.score == 0.0 for s in card.sub_areas.values())
    assert (card.completeness.answered, card.completeness.total) == (0, 127)


def test_blank_answers_are_unanswered(fw90):
    card = score_answers(fw90, {"1": "Ya", "2": "  ", "3": None})
    assert card.sub_areas["MP.P1"].answered_items == 1
    assert card.sub_areas["MP.P1"].score == approx(0.5)  # 1 * 0.5
    assert card.completeness.answered == 1


def test_ratio_item_needs_all_its_counts(fw90):
    # MP.R1 (w2): first ratio lacks Q89 -> unanswered; second 2 / 4 = 0.5
    card = score_answers(fw90, {88: 10, 90: 4, 91: 2})
    s = card.sub_areas["MP.R1"]
    assert [i.value for i in s.items] == [None, approx(0.5)]
    assert s.score == approx(1.0)  # 0.5 * 2
    assert s.conservative == approx(0.5)  # (0.5 + 0) / 2 * 2
    assert (s.answered_items, s.total_items) == (1, 2)


def test_inovasi_with_only_the_option_answered(fw90):
    # PP.R1 (w2.5): Q121 A only -> official 1 * 2.5, conservative (1 + 0) / 2 * 2.5
    s = score_answers(fw90, {121: "A"}).sub_areas["PP.R1"]
    assert s.score == approx(2.5)
    assert s.conservative == approx(1.25)


# ---------------------------------------------------------------------------------------------
# Multipliers through single-item sub-areas


@pytest.mark.parametrize(
    ("qid", "sub", "answer", "expected"),
    [
        (93, "MP.R3", "A", 1.0), (93, "MP.R3", "B", 0.67), (93, "MP.R3", "C", 0.33), (93, "MP.R3", "D", 0.0),
        (92, "MP.R2", "A", 1.0), (92, "MP.R2", "B", 0.75), (92, "MP.R2", "C", 0.5), (92, "MP.R2", "D", 0.25),
        (92, "MP.R2", "E", 0.0),
        (100, "SDM.R1", "A", 1.5), (100, "SDM.R1", "B", 0.75), (100, "SDM.R1", "C", 0.0),  # weight 1.5
        (1, "MP.P1", "Ya", 0.5), (1, "MP.P1", "Tidak", 0.0),  # weight 0.5
        (108, "AK.R3", "B", 1.005),  # 0.67 * 1.5 (2/3 * 1.5 would be 1.0)
    ],
)
def test_multipliers(fw90, qid, sub, answer, expected):
    assert score_answers(fw90, {qid: answer}).sub_areas[sub].score == approx(expected)


@pytest.mark.parametrize("answer", ["Ya ", "ya", " YA", "yA\t"])
def test_ya_spelling_accepted(fw90, answer):
    card = score_answers(fw90, {1: answer})
    assert card.answers[1] == "Ya"
    assert card.sub_areas["MP.P1"].score == approx(0.5)


@pytest.mark.parametrize(("answer", "canonical"), [("a", "A"), (" b ", "B"), ("c", "C"), ("tidak", "Tidak")])
def test_letters_case_insensitive(fw90, answer, canonical):
    qid = 1 if canonical == "Tidak" else 2
    assert score_answers(fw90, {qid: answer}).answers[qid] == canonical


@pytest.mark.parametrize(
    ("qid", "answer"),
    [(1, "Mungkin"), (1, "Y"), (1, "A"), (2, "D"), (2, "AB"), (12, "E"), (92, "F"), (2, 1), (1, True)],
)
def test_bad_option_answers_refused(fw90, qid, answer):
    with pytest.raises(ScoringInputError) as exc:
        score_answers(fw90, {qid: answer})
    assert exc.value.field == f"answers.{qid}"


@pytest.mark.parametrize("value", [-1, 2.5, "10", float("nan"), float("inf"), True])
def test_bad_counts_refused(fw90, value):
    with pytest.raises(ScoringInputError) as exc:
        score_answers(fw90, {88: value})
    assert exc.value.field == "answers.88"


@pytest.mark.parametrize("key", [0, 128, 999, "x", "-1"])
def test_unknown_question_refused(fw90, key):
    with pytest.raises(ScoringInputError) as exc:
        score_answers(fw90, {key: "A"})
    assert exc.value.field == f"answers.{key}"


def test_52_2014_has_no_question_82(fw52):
    with pytest.raises(ScoringInputError, match="answers.82"):
        score_answers(fw52, {82: "A"})


def test_string_keys_accepted(fw90):
    assert score_answers(fw90, {"93": "B"}).sub_areas["MP.R3"].score == approx(0.67)


# ---------------------------------------------------------------------------------------------
# Every computed ratio item of 90/2021


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({88: 10, 89: 8, 90: 4, 91: 6}, 1.8),  # mean(0.8, min(1, 1.5)) = 0.9 * 2
        ({88: 5, 89: 5, 90: 10, 91: 10}, 2.0),  # mean(1, 1) * 2
        ({88: 4, 89: 1, 90: 8, 91: 2}, 0.5),  # mean(0.25, 0.25) * 2
        ({88: 4, 89: 0, 90: 3, 91: 0}, 0.0),
        ({88: 0, 89: 3, 90: 0, 91: 0}, 0.0),  # no agents, no changes: 0 / 0 scores 0 (decided)
    ],
)
def test_agents_of_change_q88_91(fw90, counts, expected):
    assert score_answers(fw90, counts).sub_areas["MP.R1"].score == approx(expected)


@pytest.mark.parametrize(
    ("last", "this", "expected"),
    [
        (0, 0, 2.0),  # L = K = 0 -> 1, * 2
        (0, 3, 0.0),  # L = 0 < K -> 0 (decided)
        (8, 6, 0.5),  # (8 - 6) / 8 = 0.25 * 2
        (5, 2, 1.2),  # (5 - 2) / 5 = 0.6 * 2
        (5, 0, 2.0),  # (5 - 0) / 5 = 1
        (4, 4, 0.0),  # no reduction
        (2, 5, 0.0),  # more violations: max(0, -1.5) = 0
    ],
)
def test_discipline_reduction_q102_103(fw90, last, this, expected):
    for q104 in (0, 99):  # Q104 is asked but unused
        card = score_answers(fw90, {102: last, 103: this, 104: q104})
        assert card.sub_areas["SDM.R3"].score == approx(expected)


@pytest.mark.parametrize(
    ("targets", "reached", "expected"),
    [(8, 6, 1.5), (4, 5, 2.0), (10, 0, 0.0), (3, 1, 0.666666666667), (0, 0, 0.0)],
    # 6/8 * 2; min(1, 5/4) * 2; 0; 1/3 * 2; no targets -> 0 (decided)
)
def test_capaian_kinerja_unit_q105_106(fw90, targets, reached, expected):
    assert score_answers(fw90, {105: targets, 106: reached}).sub_areas["AK.R1"].score == approx(expected)


@pytest.mark.parametrize(
    ("due", "in_process", "done", "expected"),
    [
        (20, 5, 15, 2.25),  # 15 / 20 * 3
        (10, 0, 10, 3.0),
        (10, 10, 0, 0.0),
        (4, 0, 6, 3.0),  # capped at 1
        (0, 0, 0, 3.0),  # 0 complaints to follow up -> 1 (decided)
        (0, 3, 0, 3.0),  # Q111 does not enter the ratio
    ],
)
def test_complaints_q110_112(fw90, due, in_process, done, expected):
    card = score_answers(fw90, {110: due, 111: in_process, 112: done})
    assert card.sub_areas["PW.R2"].score == approx(expected)


@pytest.mark.parametrize(
    ("counts", "lhkpn", "non_lhkpn"),
    [
        ({113: 1, 114: 3, 115: 4, 116: 6, 117: 2, 118: 3, 119: 15, 120: 15}, 0.75, 0.75),  # 6/8; 15/20
        ({113: 1, 114: 0, 115: 0, 116: 1, 117: 0, 118: 0, 119: 40, 120: 10}, 1.0, 0.25),  # 1/1; 10/40
        ({113: 2, 114: 2, 115: 1, 116: 9, 117: 1, 118: 1, 119: 1, 120: 0}, 1.0, 0.0),  # min(1, 9/5); 0/3
        ({113: 0, 114: 0, 115: 0, 116: 0, 117: 0, 118: 0, 119: 0, 120: 0}, 1.0, 1.0),  # nobody due (decided)
    ],
)
def test_lhkpn_q113_116_and_non_lhkpn_q117_120(fw90, counts, lhkpn, non_lhkpn):
    s = score_answers(fw90, counts).sub_areas["PW.R3"]
    assert {p.code: p.score for p in s.parts} == {"PW.R3a": approx(lhkpn), "PW.R3b": approx(non_lhkpn)}
    assert s.score == approx(lhkpn + non_lhkpn)  # composite = sum of LHKPN (w1) and Non-LHKPN (w1)


def test_lhkpn_denominator_is_the_sum_of_the_three_counts(fw90):
    # a ratio on one count only would give 3/1 (capped 1) or 3/2; the sum gives 3 / (1 + 2 + 3) = 0.5
    s = score_answers(fw90, {113: 1, 114: 2, 115: 3, 116: 3}).sub_areas["PW.R3"]
    assert s.parts[0].score == approx(0.5)
    assert s.score == approx(0.5)  # Non-LHKPN unanswered: part scores 0
    assert s.conservative == approx(0.5)


@pytest.mark.parametrize(
    ("q121", "registered", "eased", "expected"),
    [
        ("B", 40, 10, 1.15),  # mean(0.67, 0.25) * 2.5
        ("A", 10, 10, 2.5),
        ("D", 10, 20, 1.25),  # mean(0, min(1, 2)) * 2.5
        ("C", 0, 0, 0.4125),  # mean(0.33, 0 [no services registered, decided]) * 2.5
    ],
)
def test_inovasi_q121_122_123(fw90, q121, registered, eased, expected):
    card = score_answers(fw90, {121: q121, 122: registered, 123: eased})
    assert card.sub_areas["PP.R1"].score == approx(expected)


# ---------------------------------------------------------------------------------------------
# Hasil points (90/2021)


@pytest.mark.parametrize(
    ("survey", "points"),
    [(4, 17.5), (3.62, 15.8375), (3.6, 15.75), (3.59, 15.70625), (3.2, 14.0), (0, 0.0)],
    # value / 4 * 17.5, continuous (never bucketed)
)
def test_survey_points_90(fw90, survey, points):
    card = score_areas(fw90, {}, {"survey_anti_korupsi": survey, "survey_pelayanan": survey})
    assert card.hasil_items["survey_anti_korupsi"].points == approx(points)
    assert card.hasil_items["survey_pelayanan"].points == approx(points)


@pytest.mark.parametrize(
    ("option", "points"), [("A", 5.0), ("B", 3.75), ("C", 2.5), ("D", 1.25), ("E", 0.0), ("b", 3.75)]
)
def test_capaian_points_90(fw90, option, points):
    card = score_areas(fw90, {}, {"capaian_kinerja": option})
    assert card.hasil_items["capaian_kinerja"].points == approx(points)  # multiplier * 5


def test_recap_example(fw90):
    card = score_areas(
        fw90,
        {"MP": 6.5, "TT": 5.6, "SDM": 8.0, "AK": 8.2, "PW": 12.0, "PP": 8.4},
        {"survey_anti_korupsi": 3.62, "capaian_kinerja": "B", "survey_pelayanan": 3.41},
    )
    assert card.source == "recap"
    assert card.pengungkit == approx(48.7)  # 6.5 + 5.6 + 8 + 8.2 + 12 + 8.4
    assert card.hasil == approx(34.50625)  # 3.62/4*17.5 + 0.75*5 + 3.41/4*17.5 = 15.8375 + 3.75 + 14.91875
    assert card.total == approx(83.20625)
    assert card.areas["PP"].percent == approx(84.0)
    assert (card.completeness.answered, card.completeness.total) == (9, 9)  # 6 areas + 3 hasil inputs


def test_total_is_pengungkit_plus_hasil(fw90):
    card = score_answers(fw90, FULL_90)
    assert card.total == approx(card.pengungkit + card.hasil)
    assert card.pengungkit == approx(sum(a.score for a in card.areas.values()))


# ---------------------------------------------------------------------------------------------
# Hasil 125-127 as answers or under "hasil"


def test_hasil_as_answers_equals_hasil_inputs(fw90):
    by_answers = score_answers(fw90, {125: 3.62, 126: "B", 127: 3.41})
    by_hasil = score_answers(fw90, {}, {"survey_anti_korupsi": 3.62, "capaian_kinerja": "B",
                                        "survey_pelayanan": 3.41})
    assert by_answers.hasil == approx(34.50625)
    assert by_hasil.hasil == approx(34.50625)
    assert by_answers.completeness.answered == by_hasil.completeness.answered == 3


def test_hasil_given_both_ways_and_equal_is_fine(fw90):
    card = score_answers(fw90, {125: 3.62, 126: "b", "127": 3.41},
                         {"survey_anti_korupsi": 3.62, "capaian_kinerja": "B", "survey_pelayanan": 3.41})
    assert card.hasil == approx(34.50625)
    assert card.completeness.answered == 3  # not counted twice


@pytest.mark.parametrize(
    ("answers", "hasil", "field"),
    [
        ({125: 3.62}, {"survey_anti_korupsi": 3.61}, "hasil.survey_anti_korupsi"),
        ({126: "B"}, {"capaian_kinerja": "A"}, "hasil.capaian_kinerja"),
        ({127: 3.4}, {"survey_pelayanan": 3.41}, "hasil.survey_pelayanan"),
    ],
)
def test_hasil_conflicting_is_an_error(fw90, answers, hasil, field):
    with pytest.raises(ScoringInputError) as exc:
        score_answers(fw90, answers, hasil)
    assert exc.value.field == field


@pytest.mark.parametrize(
    ("hasil", "field"),
    [
        ({"survey_anti_korupsi": 4.01}, "hasil.survey_anti_korupsi"),
        ({"survey_pelayanan": -0.01}, "hasil.survey_pelayanan"),
        ({"survey_pelayanan": "3.4"}, "hasil.survey_pelayanan"),
        ({"survey_pelayanan": float("nan")}, "hasil.survey_pelayanan"),
        ({"capaian_kinerja": "F"}, "hasil.capaian_kinerja"),
        ({"capaian_kinerja": 0.75}, "hasil.capaian_kinerja"),
        ({"tlhp_percent": 90}, "hasil.tlhp_percent"),  # a 52/2014 item
        ({"ipak": 3.6}, "hasil.ipak"),
    ],
)
def test_bad_hasil_refused(fw90, hasil, field):
    with pytest.raises(ScoringInputError) as exc:
        score_areas(fw90, {}, hasil)
    assert exc.value.field == field


@pytest.mark.parametrize(("qid", "value"), [(125, 4.5), (127, -1), (125, "3.6"), (126, "F")])
def test_bad_hasil_answers_refused(fw90, qid, value):
    with pytest.raises(ScoringInputError) as exc:
        score_answers(fw90, {qid: value})
    assert exc.value.field == f"answers.{qid}"


@pytest.mark.parametrize(
    ("hasil", "field"),
    [
        ({"tlhp_percent": 100.5}, "hasil.tlhp_percent"),
        ({"tlhp_percent": -1}, "hasil.tlhp_percent"),
        ({"capaian_kinerja": "A"}, "hasil.capaian_kinerja"),  # no capaian item in 52/2014
        ({"survey_anti_korupsi": 4.2}, "hasil.survey_anti_korupsi"),
    ],
)
def test_bad_hasil_refused_52(fw52, hasil, field):
    with pytest.raises(ScoringInputError) as exc:
        score_areas(fw52, {}, hasil)
    assert exc.value.field == field


# ---------------------------------------------------------------------------------------------
# Recap validation


@pytest.mark.parametrize(
    ("areas", "field"),
    [
        ({"MP": -0.01}, "areas.MP"),
        ({"MP": 8.01}, "areas.MP"),  # MP max 8
        ({"PW": 15.5}, "areas.PW"),  # PW max 15
        ({"TT": "5"}, "areas.TT"),
        ({"XX": 1}, "areas.XX"),
        ({"mp": 1}, "areas.mp"),
        ({"AK": float("inf")}, "areas.AK"),
    ],
)
def test_bad_recap_refused(fw90, areas, field):
    with pytest.raises(ScoringInputError) as exc:
        score_areas(fw90, areas)
    assert exc.value.field == field


def test_recap_bounds_inclusive(fw90, fw52):
    card = score_areas(fw90, {"MP": 8, "TT": 7, "SDM": 10, "AK": 10, "PW": 15, "PP": 0})
    assert card.pengungkit == approx(50.0)
    assert score_areas(fw52, {"MP": 5, "SDM": 15}).pengungkit == approx(20.0)
    with pytest.raises(ScoringInputError, match="areas.MP"):
        score_areas(fw52, {"MP": 5.5})  # MP max is 5 in 52/2014
