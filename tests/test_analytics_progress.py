"""The shaping functions behind the Profil unit and Progres pages (pure, no Streamlit)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from zi_metrics import analytics
from zi_metrics.analytics import RoundInput, ScoredRound, score_input
from zi_metrics.framework import load_framework

F90 = "permenpanrb-90-2021"
F52 = "permenpanrb-52-2014"
FULL90 = {"MP": 8, "TT": 7, "SDM": 10, "AK": 10, "PW": 15, "PP": 10}
GOOD_HASIL90 = {"survey_anti_korupsi": 3.8, "capaian_kinerja": "A", "survey_pelayanan": 3.8}


def _round(unit: str, year: int, stage: str, share: float, *, fw: str = F90, hasil: dict | None = None,
           awards: list | None = None, missing: tuple[str, ...] = ()) -> ScoredRound:
    """A recap round whose every area scores ``share`` of its max (areas in ``missing`` left out)."""
    f = load_framework(fw)
    points = {a.code: a.max * share for a in f.areas if a.code not in missing}
    if hasil is None:
        hasil = GOOD_HASIL90 if fw == F90 else {"survey_anti_korupsi": 3.8, "tlhp_percent": 95,
                                                 "survey_pelayanan": 3.8}
    rnd = RoundInput(1, unit, year, stage, fw, "recap", None, points, hasil)
    return score_input(rnd, awards or [])


# --------------------------------------------------------------------------- profile


def test_area_percents_follow_the_framework_order_and_the_scorecard():
    r = _round("u", 2024, "tpi", 0.7)
    got = analytics.area_percents(r)
    assert list(got) == list(r.framework.area_codes)
    assert got == {c: r.scorecard.areas[c].percent for c in r.framework.area_codes}
    assert got["PW"] == pytest.approx(70.0)


def test_comparison_round_and_stages_of_year():
    rounds = [_round("u", 2024, s, 0.7) for s in ("mandiri", "tpi")] + [_round("u", 2025, "mandiri", 0.8)]
    assert analytics.round_for(rounds, 2024, "tpi") is rounds[1]
    assert analytics.round_for(rounds, 2024, "tpn") is None
    # a peer without the stage: the most advanced stage of that year stands in
    assert analytics.comparison_round(rounds, 2024, "tpn") is rounds[1]
    assert analytics.comparison_round(rounds, 2023, "tpn") is None
    assert analytics.stages_of_year(list(reversed(rounds)), 2024) == ["mandiri", "tpi"]


def test_rule_table_has_every_rule_of_both_predicates_and_their_gaps():
    # 70 % per area: meets the WBK area minimum, fails WBBM's 75 %
    r = _round("u", 2024, "tpn", 0.7)
    table = analytics.rule_table(r.evaluation)
    assert list(table.columns) == list(analytics.RULE_COLUMNS)
    assert len(table) == len(r.evaluation.rules)
    assert list(table["predicate"].unique()) == ["WBK", "WBBM"]
    failing = table[~table["passed"]]
    expected = [(x.predicate, x.rule) for x in r.evaluation.failing()]
    assert list(zip(failing["predicate"], failing["rule"], strict=True)) == expected
    pw = table[(table["predicate"] == "WBBM") & (table["rule"] == "area:PW")].iloc[0]
    assert pw["area"] == "PW"
    assert pw["gap"] == pytest.approx(15 * 0.75 - 15 * 0.7)
    holds = table[table["rule"] == "holds_wbk"].iloc[0]
    assert not holds["passed"] and pd.isna(holds["gap"])  # points cannot fix it


def test_hasil_rows_give_inputs_on_their_scale_and_points():
    r = _round("u", 2024, "tpn", 0.7, hasil={"survey_anti_korupsi": 3.6, "capaian_kinerja": "B",
                                              "survey_pelayanan": 3.2})
    rows = {row["code"]: row for row in analytics.hasil_rows(r)}
    assert list(rows) == ["survey_anti_korupsi", "capaian_kinerja", "survey_pelayanan"]
    assert rows["survey_anti_korupsi"]["input"] == 3.6 and rows["survey_anti_korupsi"]["scale_max"] == 4
    assert rows["survey_anti_korupsi"]["points"] == pytest.approx(3.6 / 4 * 17.5)
    assert rows["capaian_kinerja"]["input"] == "B" and rows["capaian_kinerja"]["kind"] == "option"
    assert rows["survey_pelayanan"]["max"] == 17.5


def test_hasil_rows_of_52_2014_show_tlhp_percent():
    r = _round("u", 2018, "tpn", 0.8, fw=F52)
    rows = {row["code"]: row for row in analytics.hasil_rows(r)}
    assert rows["tlhp_percent"]["kind"] == "percent" and rows["tlhp_percent"]["input"] == 95
    assert "capaian_kinerja" not in rows


def test_proposal_readiness_unknown_waived_and_nomination_only_where_recorded():
    fw = load_framework(F90)
    gates, nomination = analytics.proposal_readiness(fw, None, instansi_kind="kementerian_lembaga",
                                                     afirmasi=False, year=2026)
    assert gates and all(g.passed is None for g in gates) and nomination == []
    facts = {"bpk_opinion": "WDP", "tl_percent": 100.0}
    gates, _ = analytics.proposal_readiness(fw, facts, instansi_kind="pemerintah_daerah", afirmasi=True,
                                            year=2026)
    bpk = [g for g in gates if g.code == "bpk_opinion"]
    assert bpk and all(g.passed is False and g.waived and not g.blocking for g in bpk)
    assert all(g.passed for g in gates if g.code == "tl_audit")

    f52 = load_framework(F52)
    _, nomination = analytics.proposal_readiness(f52, {"bpk_opinion": "WTP"}, instansi_kind=None,
                                                 afirmasi=False, year=2018)
    assert nomination == []  # none recorded: not shown
    _, nomination = analytics.proposal_readiness(f52, {"eselon_level": 2, "strategic_service": True},
                                                 instansi_kind=None, afirmasi=False, year=2018)
    status = {g.code: g.passed for g in nomination}
    assert status == {"eselon_level": True, "strategic_service": True, "large_resources": None,
                      "reform_track_record": None}


# --------------------------------------------------------------------------- progress


def _rounds_for_progress() -> list[ScoredRound]:
    return [
        _round("a", 2018, "tpi", 0.60, fw=F52),
        _round("a", 2018, "tpn", 0.55, fw=F52),
        _round("a", 2022, "tpn", 0.80),
        _round("a", 2022, "mandiri", 0.90),
        _round("a", 2022, "tpi", 0.85),
        _round("b", 2023, "tpi", 0.70),
        _round("b", 2023, "tpn", 0.75),
        _round("b", 2024, "tpi", 0.70, missing=("PW",)),
    ]


def test_progress_frame_one_row_per_round_sorted_by_unit_year_stage():
    rounds = _rounds_for_progress()
    frame = analytics.progress_frame(rounds)
    assert list(frame.columns) == list(analytics.PROGRESS_COLUMNS)
    assert len(frame) == len(rounds)
    assert list(zip(frame["unit_id"], frame["year"], frame["stage"], strict=True))[:5] == [
        ("a", 2018, "tpi"), ("a", 2018, "tpn"), ("a", 2022, "mandiri"), ("a", 2022, "tpi"),
        ("a", 2022, "tpn"),
    ]
    by_key = {(r.unit_id, r.year, r.stage): r for r in rounds}
    for row in frame.itertuples(index=False):
        r = by_key[(row.unit_id, row.year, row.stage)]
        assert row.total == pytest.approx(r.scorecard.total)
        assert row.framework_id == r.framework.id
        assert row.provisional == r.scorecard.provisional
    assert frame.loc[(frame["unit_id"] == "b") & (frame["year"] == 2024), "provisional"].item()
    assert analytics.progress_frame([]).empty


def test_progress_series_per_unit_and_stage_with_breaks_at_missing_years():
    frame = analytics.progress_frame(_rounds_for_progress())
    series = analytics.progress_series(frame, ["b", "a"])
    assert [(u, s) for u, s, _ in series] == [("b", "tpi"), ("b", "tpn"), ("a", "mandiri"), ("a", "tpi"),
                                             ("a", "tpn")]
    a_tpn = dict(series[-1][2])
    assert list(a_tpn) == [2018, 2019, 2020, 2021, 2022]
    assert a_tpn[2019] is None and a_tpn[2020] is None and a_tpn[2021] is None
    assert a_tpn[2022] == pytest.approx(frame.query("unit_id == 'a' and year == 2022 and stage == 'tpn'")
                                        ["total"].item())
    only_tpn = analytics.progress_series(frame, ["a", "b", "nobody"], stages=["tpn"])
    assert [(u, s) for u, s, _ in only_tpn] == [("a", "tpn"), ("b", "tpn")]


def test_drift_is_tpn_minus_tpi_where_both_exist():
    rounds = _rounds_for_progress()
    drift = analytics.drift_frame(analytics.progress_frame(rounds))
    assert list(drift.columns) == list(analytics.DRIFT_COLUMNS)
    assert list(zip(drift["unit_id"], drift["year"], strict=True)) == [("a", 2018), ("a", 2022), ("b", 2023)]
    by_key = {(r.unit_id, r.year, r.stage): r.scorecard.total for r in rounds}
    for row in drift.itertuples(index=False):
        expected = by_key[(row.unit_id, row.year, "tpn")] - by_key[(row.unit_id, row.year, "tpi")]
        assert row.drift == pytest.approx(expected)
        assert row.tpi == pytest.approx(by_key[(row.unit_id, row.year, "tpi")])
    only_tpi = analytics.progress_frame([r for r in rounds if r.stage != "tpn"])
    assert analytics.drift_frame(only_tpi).empty
    assert analytics.drift_frame(analytics.progress_frame([])).empty


def test_timeline_events_earned_kept_revoked():
    awards = [
        {"unit_id": "a", "year": 2022, "predicate": "WBK", "decree_ref": "K1", "revoked": False,
         "revoked_on": None},
        {"unit_id": "a", "year": 2025, "predicate": "WBBM", "decree_ref": "K2", "revoked": False,
         "revoked_on": None},
        {"unit_id": "b", "year": 2022, "predicate": "WBK", "decree_ref": "K3", "revoked": True,
         "revoked_on": dt.date(2024, 3, 15)},
    ]
    frame = pd.DataFrame([
        # a keeps WBK at the TPN of 2023 and 2024, earns WBBM in 2025, falls short of WBBM in 2026
        ("a", 2023, "tpn", "WBK"), ("a", 2024, "tpn", "WBBM"), ("a", 2024, "tpi", "WBBM"),
        ("a", 2025, "tpn", "WBBM"), ("a", 2026, "tpn", "WBK"),
        # b meets WBK at the TPN of 2023 (kept), but is revoked in 2024; its 2025 TPN keeps nothing
        ("b", 2023, "tpn", "WBK"), ("b", 2025, "tpn", "WBK"),
        ("c", 2023, "tpn", None),
    ], columns=["unit_id", "year", "stage", "predicate"])
    events = analytics.timeline_events(awards, frame)
    got = [(e["unit_id"], e["year"], e["predicate"], e["status"]) for e in events]
    assert got == [
        ("a", 2022, "WBK", "earned"),
        ("a", 2023, "WBK", "kept"),
        ("a", 2024, "WBK", "kept"),
        ("a", 2025, "WBBM", "earned"),
        ("b", 2022, "WBK", "earned"),
        ("b", 2023, "WBK", "kept"),
        ("b", 2024, "WBK", "revoked"),
    ]
    assert events[0]["decree_ref"] == "K1"


def test_timeline_revocation_without_a_date_sits_on_the_award_year():
    awards = [{"unit_id": "a", "year": 2022, "predicate": "WBK", "revoked": True, "revoked_on": None}]
    events = analytics.timeline_events(awards, analytics.progress_frame([]))
    assert [(e["year"], e["status"]) for e in events] == [(2022, "earned"), (2022, "revoked")]
