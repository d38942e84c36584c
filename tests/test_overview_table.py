"""zi_metrics.overview: the held predicate and since when, the next predicate, the failing rules
as text with value, threshold and gap, the filters and the pages of the Ringkasan table."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from zi_metrics import overview
from zi_metrics.framework import load_framework
from zi_metrics.names import measure_name
from zi_metrics.rules import RuleResult

FW = load_framework("permenpanrb-90-2021")
OLD = load_framework("permenpanrb-52-2014")


def _award(year: int, predicate: str = "WBK", revoked_on: dt.date | None = None) -> dict:
    return {"unit_id": "u", "year": year, "predicate": predicate, "revoked": revoked_on is not None,
            "revoked_on": revoked_on}


@pytest.mark.parametrize(("awards", "year", "expected"), [
    ([], 2025, (None, None)),
    ([_award(2022)], 2022, (None, None)),  # awarded in the year evaluated: held only from the next one
    ([_award(2022)], 2025, ("WBK", 2022)),
    ([_award(2019, revoked_on=dt.date(2021, 5, 1)), _award(2023)], 2025, ("WBK", 2023)),  # since the new award
    ([_award(2019, revoked_on=dt.date(2021, 5, 1)), _award(2023)], 2022, (None, None)),
    ([_award(2019, revoked_on=dt.date(2021, 5, 1))], 2020, ("WBK", 2019)),  # not revoked yet
    ([_award(2020), _award(2022), _award(2024, "WBBM")], 2025, ("WBBM", 2024)),
    ([_award(2020), _award(2022), _award(2024, "WBBM")], 2024, ("WBK", 2020)),
])
def test_held_since(awards, year, expected):
    assert overview.held_since(awards, year) == expected


def test_next_predicate_is_the_one_above_the_predicate_met():
    assert [overview.next_predicate(FW, p) for p in (None, "WBK", "WBBM")] == ["WBK", "WBBM", None]
    assert [overview.next_predicate(OLD, p) for p in (None, "WBK", "WBBM")] == ["WBK", "WBBM", None]


def test_each_kind_of_failing_rule_reads_value_threshold_and_gap():
    area = RuleResult("WBK", "area:AK", 58.7158, 60.0, False, 0.1284, "percent", value_points=5.8716,
                      threshold_points=6.0)
    survey = RuleResult("WBK", "survey_anti_korupsi", 15.6188, 15.75, False, 0.1312, "points", input_value=3.57,
                        input_threshold=3.6)
    option = RuleResult("WBBM", "capaian_kinerja", 2.5, 3.75, False, 1.25, "points", input_value="C",
                        input_threshold="B")
    total = RuleResult("WBK", "total", 1234.5, 1300.0, False, 65.5, "points")
    flag = RuleResult("WBBM", "holds_wbk", False, True, False, None, "flag")
    assert overview.rule_gap_text(FW, area) == "AK 58,72% < 60,00%: kurang 0,13 poin"
    assert overview.rule_gap_text(FW, survey) == "IPAK 15,62 < 15,75: kurang 0,13 poin (masukan 3,57; perlu ≥ 3,60)"
    capaian = measure_name(FW, "capaian_kinerja", short=True)  # the framework's short name for it
    assert overview.rule_gap_text(FW, option) == f"{capaian} 2,50 < 3,75: kurang 1,25 poin (masukan C; perlu ≥ B)"
    assert overview.rule_gap_text(FW, total) == "Nilai total 1.234,50 < 1.300,00: kurang 65,50 poin"
    assert overview.rule_gap_text(FW, flag) == "belum memperoleh predikat Menuju WBK"
    assert overview.rule_gap_text(FW, survey, "en") == ("IPAK 15.62 < 15.75: 0.13 points short "
                                                        "(input 3.57; needs ≥ 3.60)")
    assert overview.failing_text(FW, [area, survey]).count("; ") == 2  # one between the rules, one in the input
    tlhp = RuleResult("WBK", "tlhp", 3.0, 3.5, False, 0.5, "points", input_value=60.0, input_threshold=70.0)
    tlhp_name = measure_name(OLD, "tlhp", short=True)
    expected = f"{tlhp_name} 3,00 < 3,50: kurang 0,50 poin (masukan 60,00%; perlu ≥ 70,00%)"
    assert overview.rule_gap_text(OLD, tlhp) == expected


def _frame() -> pd.DataFrame:
    rows = []
    for rank, (uid, name, predicate, level, parent) in enumerate([
            ("a", "Alpha Jakarta", "WBBM", "eselon1", None), ("b", "Beta", "WBK", "satker", "a"),
            ("c", "Gamma Jakarta", None, "satker", "a"), ("d", "Delta", None, "eselon1", None)], start=1):
        rows.append({"rank": rank, "unit_id": uid, "unit": name, "short_name": name.split()[0],
                     "parent_id": parent, "level": level, "framework_id": FW.id, "total": 90.0 - rank,
                     "pengungkit": 50.0, "hasil": 30.0 - rank, "predicate": predicate,
                     "held_before": "WBK" if uid == "b" else None, "held_since": 2023 if uid == "b" else None,
                     "next": overview.next_predicate(FW, predicate), "next_rules": (), "provisional": uid == "d",
                     "completeness": 1.0, "change": {"a": 1.234, "b": -0.5, "c": 0.001, "d": None}[uid]})
    return pd.DataFrame(rows)


def test_filters_status_search_parent_and_level():
    frame = _frame()
    units = {r.unit_id: {"parent_id": r.parent_id} for r in frame.itertuples()}
    pick = lambda **kw: list(overview.filter_overview(frame, units, **kw)["unit_id"])  # noqa: E731
    assert pick(status="belum-wbk") == ["c", "d"]
    assert pick(status="belum-wbbm") == ["b", "c", "d"]
    assert pick(search="  jakarta ") == ["a", "c"] and pick(search="GAMMA") == ["c"] and pick(search="d") == ["d"]
    assert pick(parents=["a"], status="belum-wbk") == ["c"]
    assert pick(levels=["eselon1"], search="jakarta") == ["a"]
    assert overview.filter_overview(frame, units) is frame
    with pytest.raises(KeyError):
        overview.filter_overview(frame, units, status="belum-semua")


def test_display_rows_are_text_in_the_interface_format():
    shown = overview.display_rows(_frame(), "id")
    assert list(shown["held"]) == ["Belum ada predikat", "Menuju WBK (sejak 2023)", "Belum ada predikat",
                                   "Belum ada predikat"]
    assert list(shown["met"]) == ["Menuju WBBM", "Menuju WBK", "Belum memenuhi", "Belum memenuhi (sementara)"]
    assert list(shown["next"]) == ["–", "Menuju WBBM", "Menuju WBK", "Menuju WBK"]
    assert shown["change"].tolist()[:3] == [1.234, -0.5, 0.001] and pd.isna(shown["change"].iloc[3])
    assert list(shown["total"]) == [89.0, 88.0, 87.0, 86.0]  # numbers: the grid formats and sorts them
    assert shown["why"].iloc[0] == "–" and shown["why"].iloc[1] == "Menuju WBBM: "
    english = overview.display_rows(_frame(), "en")
    assert list(english["met"])[2:] == ["Meets none", "Meets none (provisional)"]


def test_pages():
    frame = _frame()
    assert overview.page_count(0, 25) == 1 and overview.page_count(25, 25) == 1 and overview.page_count(26, 25) == 2
    assert list(overview.page_of(frame, 2, 3)["unit_id"]) == ["d"]
    assert list(overview.page_of(frame, 9, 3)["unit_id"]) == ["d"]  # past the end: the last page
    assert list(overview.page_of(frame, 0, 3)["unit_id"]) == ["a", "b", "c"]


def test_headline_counts_units_meeting_wbbm_among_those_meeting_wbk():
    head = overview.headline(_frame())
    assert (head["units"], head["wbk"], head["wbbm"], head["below_wbk"], head["incomplete"]) == (4, 2, 1, 2, 1)
    assert overview.headline(pd.DataFrame())["wbk"] == 0


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory):
    from zi_metrics.database import ensure_database

    return ensure_database(tmp_path_factory.mktemp("demo") / "demo.duckdb")


def test_evaluated_unit_ids_are_the_units_of_a_round(demo_store):
    for year in (2018, 2025):
        for stage in demo_store.stages_for(year):
            assert demo_store.evaluated_unit_ids(year, stage) == set(demo_store.evaluations(year, stage)["unit_id"])
    assert demo_store.evaluated_unit_ids(1999, "tpi") == set()
