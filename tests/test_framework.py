"""Framework files: what they state (checked against the domain reference) and how loading validates.

Expected numbers are typed from /work/shared/domain/zona-integritas.md, not read from the code.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from zi_metrics.framework import (
    FRAMEWORK_DIR,
    FrameworkError,
    framework_for_year,
    list_frameworks,
    load_framework,
    load_framework_file,
)

F90 = "permenpanrb-90-2021"
F52 = "permenpanrb-52-2014"


def _raw(fid: str) -> dict[str, Any]:
    return json.loads((FRAMEWORK_DIR / f"{fid}.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Registry


def test_both_versions_are_shipped_and_load():
    assert {F90, F52} <= set(list_frameworks())
    for fid in (F90, F52):
        fw = load_framework(fid)
        assert fw.id == fid
        assert fw.area_codes == ("MP", "TT", "SDM", "AK", "PW", "PP")


@pytest.mark.parametrize(
    "bad", ["permenpanrb-10-2019", "PERMENPANRB-90-2021", "", "../frameworks/x", None, 90]
)
def test_unknown_framework_id_is_refused(bad):
    with pytest.raises(FrameworkError, match="unknown framework"):
        load_framework(bad)


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2015, F52), (2018, F52), (2019, F52), (2022, F90), (2024, F90), (2026, F90)],
)
def test_framework_for_year(year, expected):
    assert framework_for_year(year) == expected


@pytest.mark.parametrize("year", [2014, 2020, 2021])
def test_no_framework_for_years_without_known_numbers(year):
    # 2020-2021 ran under PermenPANRB 10/2019, whose numbers are unknown: never invent them.
    with pytest.raises(FrameworkError):
        framework_for_year(year)


# ---------------------------------------------------------------------------------------------
# 90/2021 structure, as the domain reference tables state it

WEIGHTS_90 = {
    # area: (max, {pemenuhan sub-area weights}, {reform sub-area weights})
    "MP": (8, [0.5, 1, 1, 1.5], [2, 1, 1]),
    "TT": (7, [1, 2, 0.5], [0.5, 1, 2]),
    "SDM": (10, [0.25, 0.5, 1.25, 2, 0.75, 0.25], [1.5, 1.5, 2]),
    "AK": (10, [2.5, 2.5], [2, 1.5, 1.5]),
    "PW": (15, [1.5, 1.5, 1.5, 1.5, 1.5], [2.5, 3, 2]),
    "PP": (10, [1, 1, 1, 1, 1], [2.5, 2.5]),
}


def test_90_2021_areas_halves_and_sub_area_weights():
    fw = load_framework(F90)
    assert fw.pengungkit_max == 60
    assert fw.hasil_max == 40
    assert fw.total_max == 100
    assert set(fw.half_names) == {"pemenuhan", "reform"}
    for code, (amax, pem, ref) in WEIGHTS_90.items():
        area = fw.area(code)
        assert area.max == amax
        halves = {h.code: h for h in area.halves}
        # each area splits 50/50 into Pemenuhan and Reform
        assert halves["pemenuhan"].max == pytest.approx(amax / 2, abs=1e-9)
        assert halves["reform"].max == pytest.approx(amax / 2, abs=1e-9)
        assert [s.weight for s in halves["pemenuhan"].sub_areas] == pytest.approx(pem, abs=1e-9)
        assert [s.weight for s in halves["reform"].sub_areas] == pytest.approx(ref, abs=1e-9)


def test_90_2021_lhkpn_composite_is_lhkpn_1_plus_non_lhkpn_1():
    fw = load_framework(F90)
    sub = fw.sub_area("PW.R3")
    assert sub.weight == 2
    assert sub.is_composite
    assert [p.weight for p in sub.parts] == [1, 1]
    assert [p.questions for p in sub.parts] == [(113, 114, 115, 116), (117, 118, 119, 120)]


def test_90_2021_question_ids_and_hasil_items():
    fw = load_framework(F90)
    assert sorted(fw.questions) == list(range(1, 128))
    assert fw.questions[125].hasil_item == "survey_anti_korupsi"
    assert fw.questions[126].hasil_item == "capaian_kinerja"
    assert fw.questions[127].hasil_item == "survey_pelayanan"
    comps = {c.code: c for c in fw.hasil_components}
    assert comps["bersih"].max == 22.5
    assert comps["pelayanan"].max == 17.5
    items = fw.hasil_items
    assert (items["survey_anti_korupsi"].points, items["survey_anti_korupsi"].scale_max) == (17.5, 4)
    assert items["capaian_kinerja"].points == 5
    assert items["capaian_kinerja"].options == {"A": 1, "B": 0.75, "C": 0.5, "D": 0.25, "E": 0}
    assert (items["survey_pelayanan"].points, items["survey_pelayanan"].scale_max) == (17.5, 4)


MULTIPLIERS = {
    "YA_TIDAK": {"Ya": 1, "Tidak": 0},
    "ABC": {"A": 1, "B": 0.5, "C": 0},
    # two decimals, not 2/3 and 1/3
    "ABCD": {"A": 1, "B": 0.67, "C": 0.33, "D": 0},
    "ABCDE": {"A": 1, "B": 0.75, "C": 0.5, "D": 0.25, "E": 0},
}


@pytest.mark.parametrize("fid", [F90, F52])
def test_answer_multipliers(fid):
    fw = load_framework(fid)
    for code, options in MULTIPLIERS.items():
        assert fw.answer_types[code].kind == "option"
        assert fw.answer_types[code].options == options
    assert fw.answer_types["ABCD"].options["B"] != pytest.approx(2 / 3, abs=1e-3)


def _rules(fw, code):
    pred = fw.predicate(code)
    return {r.rule: (r.min_percent if r.rule == "area" else r.min) for r in pred.rules}, pred.requires


def test_90_2021_thresholds():
    fw = load_framework(F90)
    assert _rules(fw, "WBK") == ({
        "total": 75, "pengungkit": 40, "area": 60, "bersih": 18.25, "survey_anti_korupsi": 15.75,
        "capaian_kinerja": 2.5, "pelayanan": 14.0}, None)
    assert _rules(fw, "WBBM") == ({
        "total": 85, "pengungkit": 48, "area": 75, "bersih": 19.5, "survey_anti_korupsi": 15.75,
        "capaian_kinerja": 3.75, "pelayanan": 15.75}, "WBK")


def test_52_2014_thresholds():
    fw = load_framework(F52)
    assert _rules(fw, "WBK") == ({"total": 75, "bersih": 18, "survey_anti_korupsi": 13.5, "tlhp": 3.5}, None)
    assert _rules(fw, "WBBM") == ({
        "total": 85, "bersih": 18, "survey_anti_korupsi": 13.5, "tlhp": 3.5, "pelayanan": 16}, "WBK")


# ---------------------------------------------------------------------------------------------
# 52/2014 structure

AREAS_52 = {
    "MP": (5, [1, 1, 2, 1]),
    "TT": (5, [1.5, 2, 1.5]),
    "SDM": (15, [2, 2, 3, 4, 3, 1]),
    "AK": (10, [5, 5]),
    "PW": (15, [3, 3, 3, 3, 3]),
    "PP": (10, [3, 3, 4]),
}

# Item answer types per sub-area, in order, from the domain reference (Y = Ya/Tidak).
TYPES_52 = {
    "MP": ["Y ABC", "Y ABC Y", "ABCD ABCD ABCD", "Y Y Y ABCD"],
    "TT": ["ABCD ABCD ABCD", "ABC ABC ABC ABCD", "Y Y"],
    "SDM": ["Y ABCD Y", "Y ABCD Y", "Y ABCD ABCD ABCD ABCD ABCD", "ABCD ABCD ABCDE ABCD", "ABCD", "ABCD"],
    "AK": ["Y Y Y", "ABC ABCD ABC ABCD Y ABCD ABCD ABC"],
    "PW": ["ABC ABC", "ABCD ABCD ABC ABC", "ABCD ABCD ABCD ABC", "Y ABCD ABCD ABCD", "Y ABCD ABCD ABC ABCD"],
    "PP": ["ABC ABCD ABCD ABC", "ABCD ABC ABC ABCD ABCD", "ABC ABC ABCD"],
}


def test_52_2014_areas_sub_areas_and_answer_types():
    fw = load_framework(F52)
    assert not fw.has_halves
    assert fw.pengungkit_max == 60
    n_items = 0
    for code, (amax, weights) in AREAS_52.items():
        area = fw.area(code)
        assert area.max == amax
        assert [s.weight for s in area.sub_areas] == pytest.approx(weights, abs=1e-9)
        for sub, types in zip(area.sub_areas, TYPES_52[code], strict=True):
            expected = [{"Y": "YA_TIDAK"}.get(t, t) for t in types.split()]
            assert [fw.questions[q].type for q in sub.questions] == expected, sub.code
            n_items += len(expected)
    assert n_items == 81
    assert sorted(fw.pengungkit_question_ids) == list(range(1, 82))


def test_52_2014_hasil():
    fw = load_framework(F52)
    comps = {c.code: c.max for c in fw.hasil_components}
    assert comps == {"bersih": 20, "pelayanan": 20}
    items = fw.hasil_items
    assert (items["survey_anti_korupsi"].points, items["survey_anti_korupsi"].scale_max) == (15, 4)
    assert (items["tlhp_percent"].points, items["tlhp_percent"].scale_max, items["tlhp_percent"].rule) == (
        5, 100, "tlhp")
    assert (items["survey_pelayanan"].points, items["survey_pelayanan"].scale_max) == (20, 4)
    assert "capaian_kinerja" not in items


# ---------------------------------------------------------------------------------------------
# Validation of broken copies


def _write(tmp_path: Path, raw: Any, name: str = "broken.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def _broken(tmp_path: Path, fid: str, mutate: Callable[[dict[str, Any]], None]) -> Path:
    raw = copy.deepcopy(_raw(fid))
    mutate(raw)
    return _write(tmp_path, raw)


def _sub(raw, area, half, index):
    a = next(a for a in raw["areas"] if a["code"] == area)
    if half is None:
        return a["sub_areas"][index]
    return next(h for h in a["halves"] if h["code"] == half)["sub_areas"][index]


def _question(raw, qid):
    def walk(node):
        if isinstance(node, dict):
            if node.get("id") == qid and "type" in node:
                return node
            for v in node.values():
                found = walk(v)
                if found is not None:
                    return found
        elif isinstance(node, list):
            for v in node:
                found = walk(v)
                if found is not None:
                    return found
        return None

    return walk(raw["areas"]) or walk(raw["hasil"])


def _rule(raw, pred, rule):
    p = next(p for p in raw["predicates"] if p["code"] == pred)
    return next(r for r in p["rules"] if r["rule"] == rule)


@pytest.mark.parametrize("fid", [F90, F52])
def test_unmodified_copy_loads(tmp_path, fid):
    fw = load_framework_file(_write(tmp_path, _raw(fid)))
    assert fw.id == fid
    assert len(fw.questions) == len(load_framework(fid).questions)


def _set_sub_weight(raw, value):
    _sub(raw, "MP", "pemenuhan", 0)["weight"] = value


def _set_part_weight(raw, value):
    _sub(raw, "PW", "reform", 2)["parts"][0]["weight"] = value


def _set_area_max(raw, value):
    raw["areas"][0]["max"] = value


def _set_pengungkit_max(raw, value):
    raw["pengungkit"]["max"] = value


def _set_hasil_points(raw, value):
    raw["hasil"]["components"][0]["items"][0]["points"] = value


def _set_hasil_max(raw, value):
    raw["hasil"]["max"] = value


@pytest.mark.parametrize(
    ("fid", "mutate", "pattern"),
    [
        # MP Pemenuhan sub-areas 0.6 + 1 + 1 + 1.5 = 4.1, but the half's max is 4
        (F90, lambda r: _set_sub_weight(r, 0.6), r"MP.*sub-area weights sum to 4\.1, expected 4"),
        # LHKPN 0.5 + Non-LHKPN 1 = 1.5, but the composite's weight is 2
        (F90, lambda r: _set_part_weight(r, 0.5), r"PW\.R3.*part weights sum to 1\.5, expected 2"),
        # MP halves 4 + 4 = 8, area max says 9
        (F90, lambda r: _set_area_max(r, 9), r"MP.*half maxima sum to 8, expected 9"),
        (F90, lambda r: _set_pengungkit_max(r, 61), r"area maxima sum to 60, expected 61"),
        # survey 17 + capaian 5 = 22, component max 22.5
        (F90, lambda r: _set_hasil_points(r, 17), r"bersih.*item points sum to 22, expected 22\.5"),
        (F90, lambda r: _set_hasil_max(r, 41), r"component maxima sum to 40, expected 41"),
        # 52/2014 MP: 1.5 + 1 + 2 + 1 = 5.5, area max 5
        (F52, lambda r: _sub(r, "MP", None, 0).__setitem__("weight", 1.5),
         r"MP.*sub-area weights sum to 5\.5, expected 5"),
    ],
    ids=["sub-area", "composite-part", "half", "area", "hasil-item", "hasil-component", "52-sub-area"],
)
def test_weights_not_summing_to_parent(tmp_path, fid, mutate, pattern):
    with pytest.raises(FrameworkError, match=pattern):
        load_framework_file(_broken(tmp_path, fid, mutate))


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda r: _rule(r, "WBK", "pengungkit").pop("min"), r"WBK.*pengungkit.*missing 'min'"),
        (lambda r: _rule(r, "WBBM", "area").pop("min_percent"), r"WBBM.*area.*missing 'min_percent'"),
        (lambda r: r["predicates"][0]["rules"].remove(_rule(r, "WBK", "total")),
         r"WBK.*no threshold for 'total'"),
        (lambda r: _rule(r, "WBK", "bersih").__setitem__("min", "18.25"),
         r"WBK.*bersih.*non-negative number"),
        (lambda r: _rule(r, "WBK", "bersih").__setitem__("min", -1),
         r"WBK.*bersih.*non-negative number"),
    ],
    ids=["min", "min_percent", "total-rule", "string-threshold", "negative-threshold"],
)
def test_missing_or_bad_threshold(tmp_path, mutate, pattern):
    with pytest.raises(FrameworkError, match=pattern):
        load_framework_file(_broken(tmp_path, F90, mutate))


@pytest.mark.parametrize(
    ("fid", "qid", "new_id"),
    [(F90, 2, 1), (F90, 124, 88), (F90, 125, 7), (F52, 81, 80)],
    ids=["same-sub-area", "other-area", "hasil-question", "52"],
)
def test_duplicate_question_id(tmp_path, fid, qid, new_id):
    def mutate(raw):
        _question(raw, qid)["id"] = new_id

    with pytest.raises(FrameworkError, match=rf"question id {new_id} is used twice"):
        load_framework_file(_broken(tmp_path, fid, mutate))


def test_unknown_answer_type_of_a_question(tmp_path):
    def mutate(raw):
        _question(raw, 12)["type"] = "ABCDEF"

    with pytest.raises(FrameworkError, match=r"question 12.*unknown answer type 'ABCDEF'"):
        load_framework_file(_broken(tmp_path, F90, mutate))


def test_unknown_answer_kind(tmp_path):
    def mutate(raw):
        raw["answer_types"]["ABC"]["kind"] = "letters"

    with pytest.raises(FrameworkError, match=r"answer_types\.ABC.*unknown answer kind 'letters'"):
        load_framework_file(_broken(tmp_path, F90, mutate))


@pytest.mark.parametrize(("texts", "pattern"), [
    ({"E": "tidak ada"}, r"question 12.*option_texts names 'E', not an option of ABCD"),
    ({"A": "  "}, r"question 12.*option_texts\['A'\] must be a non-empty text"),
    (["A"], r"question 12.*option_texts needs an option question and a mapping"),
])
def test_bad_option_texts(tmp_path, texts, pattern):
    def mutate(raw):
        _question(raw, 12)["option_texts"] = texts

    with pytest.raises(FrameworkError, match=pattern):
        load_framework_file(_broken(tmp_path, F90, mutate))


def test_option_texts_of_a_count_question_are_refused(tmp_path):
    def mutate(raw):
        _question(raw, 88)["option_texts"] = {"A": "x"}

    with pytest.raises(FrameworkError, match=r"question 88.*option_texts needs an option question"):
        load_framework_file(_broken(tmp_path, F90, mutate))


def test_multiplier_outside_unit_interval(tmp_path):
    def mutate(raw):
        raw["answer_types"]["ABCD"]["options"]["B"] = 1.5

    with pytest.raises(FrameworkError, match=r"ABCD.*multiplier of 'B'"):
        load_framework_file(_broken(tmp_path, F90, mutate))


@pytest.mark.parametrize("fid", [F90, F52])
def test_unknown_rule(tmp_path, fid):
    def mutate(raw):
        raw["predicates"][1]["rules"].append({"rule": "integrity_index", "min": 3})

    with pytest.raises(FrameworkError, match=r"WBBM.*integrity_index.*unknown rule"):
        load_framework_file(_broken(tmp_path, fid, mutate))


def test_capaian_rule_unknown_in_52_2014(tmp_path):
    # 52/2014 has no capaian kinerja item, so its rule name is unknown there
    def mutate(raw):
        raw["predicates"][0]["rules"].append({"rule": "capaian_kinerja", "min": 2.5})

    with pytest.raises(FrameworkError, match="unknown rule"):
        load_framework_file(_broken(tmp_path, F52, mutate))


def test_ratio_item_reading_an_option_question(tmp_path):
    def mutate(raw):
        _sub(raw, "AK", "reform", 0)["items"][0]["numerator"] = [107]

    with pytest.raises(FrameworkError, match=r"question 107 is not a count question"):
        load_framework_file(_broken(tmp_path, F90, mutate))


def test_missing_area(tmp_path):
    def mutate(raw):
        raw["areas"] = [a for a in raw["areas"] if a["code"] != "PP"]

    with pytest.raises(FrameworkError, match="six areas"):
        load_framework_file(_broken(tmp_path, F52, mutate))


def test_not_json_and_not_an_object(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(FrameworkError, match="bad.json.*not valid JSON"):
        load_framework_file(bad)
    with pytest.raises(FrameworkError, match="must be a JSON object"):
        load_framework_file(_write(tmp_path, [1, 2]))
    with pytest.raises(FrameworkError, match="cannot read"):
        load_framework_file(tmp_path / "missing.json")
