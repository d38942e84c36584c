"""AppTest of the Simulasi page on the demo database, and of its pure helpers in whatif."""

from __future__ import annotations

import json

import pytest

from zi_metrics import analytics, whatif
from zi_metrics.formatting import format_number
from zi_metrics.store import Store

# Demo units (2026, TPI is the sidebar's default round):
NEAR_WBK = "kemendesa-balilatfo-bplm-yogyakarta"  # holds WBK; MP at 59.39 % is all that keeps WBK away
FAR = "kemendesa-balilatfo"  # no TPI round in 2026 (starts from mandiri); far below WBK, holds nothing


def _open(app, unit: str):
    at = app.run()
    at.switch_page("views/simulasi.py").run()
    at.selectbox(key="unit").set_value(unit).run()
    assert not at.exception, at.exception
    return at


def _metric(at, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r}: {[m.label for m in at.metric]}"
    return found[0]


def _base(app_db, unit: str):
    store = Store(app_db)
    rounds = analytics.unit_rounds(store, unit)
    year = max(store.years())
    return analytics.round_for(rounds, year, store.stages_for(year)[-1]) or analytics.latest_round(rounds)


def _radar(at) -> dict:
    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith("-wi_radar")]
    assert charts, "no radar"
    return json.loads(charts[0].proto.spec)


def test_whatif_starts_from_the_units_round(app, app_db):
    at = _open(app, NEAR_WBK)
    base = _base(app_db, NEAR_WBK)
    assert _metric(at, "Nilai total simulasi") == format_number(base.scorecard.total, "id")
    assert _metric(at, "Predikat simulasi") == "Belum ada predikat"
    for area in base.framework.areas:
        assert at.slider(key=f"wi_{area.code}").value == pytest.approx(base.scorecard.areas[area.code].score)
    assert at.slider(key="wi_survey_anti_korupsi").value == pytest.approx(
        base.scorecard.hasil_items["survey_anti_korupsi"].input)
    assert at.select_slider(key="wi_capaian_kinerja").value == base.scorecard.hasil_items["capaian_kinerja"].input
    # The radar draws current and simulated series on the fixed 0-100 axis with the 60/75 rings.
    spec = _radar(at)
    assert spec["layout"]["polar"]["radialaxis"]["range"] == [0, 100]
    rings = sorted(t["meta"]["value"] for t in spec["data"] if t["meta"]["role"] == "ring")
    assert rings == [60, 75]


def test_moving_a_slider_changes_the_total_and_across_a_threshold_the_predicate(app, app_db):
    at = _open(app, NEAR_WBK)
    base = _base(app_db, NEAR_WBK)
    before = _metric(at, "Nilai total simulasi")
    at.slider(key="wi_TT").set_value(float(base.framework.area("TT").max)).run()
    assert _metric(at, "Nilai total simulasi") != before
    assert _metric(at, "Predikat simulasi") == "Belum ada predikat"  # MP still below 60 %
    # MP from 59.39 % to 60 % of its max of 8: the WBK area minimum now holds.
    at.slider(key="wi_MP").set_value(4.8).run()
    assert _metric(at, "Predikat simulasi") == "Menuju WBK"
    # and down below 60 % again
    at.slider(key="wi_MP").set_value(4.79).run()
    assert _metric(at, "Predikat simulasi") == "Belum ada predikat"
    # the radar's simulated polygon follows the slider
    series = [t for t in _radar(at)["data"] if t["meta"]["role"] == "series"]
    assert series[1]["r"][0] == pytest.approx(4.79 / 8 * 100)


@pytest.mark.parametrize(("unit", "target", "label"), [
    (FAR, "WBK", "Menuju WBK"),
    (NEAR_WBK, "WBBM", "Menuju WBBM"),
])
def test_minimum_plan_button_fills_the_sliders_and_reaches_the_target(app, app_db, unit, target, label):
    at = _open(app, unit)
    base = _base(app_db, unit)
    plan = whatif.minimum_plan(base.framework, base.scorecard, target, holds_wbk=base.held_before is not None)
    assert plan.feasible and plan.changes
    at.button(key=f"wi_plan_{target}").click().run()
    assert not at.exception, at.exception
    assert _metric(at, "Predikat simulasi") == label
    for code, value in plan.area_targets.items():
        assert at.slider(key=f"wi_{code}").value == pytest.approx(value, abs=1e-9)
    for code, value in plan.hasil_targets.items():
        widget = at.select_slider(key=f"wi_{code}") if isinstance(value, str) else at.slider(key=f"wi_{code}")
        assert widget.value == (value if isinstance(value, str) else pytest.approx(value, abs=1e-9))
    # The explanation names the binding rules and lists the changes.
    text = " ".join(m.value for m in at.markdown)
    assert "mengikat" in text
    plan_tables = [d.value for d in at.dataframe if "increase" in d.value.columns]
    assert plan_tables and len(plan_tables[0]) == len(plan.changes)


def test_an_impossible_target_is_said_plainly_and_leaves_the_sliders(app, app_db):
    at = _open(app, FAR)  # holds no predicate: WBBM cannot be reached this year
    base = _base(app_db, FAR)
    at.button(key="wi_plan_WBBM").click().run()
    assert not at.exception, at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Menuju WBBM tidak dapat dicapai" in warnings and "Menuju WBK" in warnings
    assert _metric(at, "Predikat simulasi") == "Belum ada predikat"
    assert at.slider(key="wi_MP").value == pytest.approx(base.scorecard.areas["MP"].score)


def test_reset_restores_the_base_values(app, app_db):
    at = _open(app, FAR)
    base = _base(app_db, FAR)
    # The sidebar says 2026 TPI; this unit has only its penilaian mandiri that year: said plainly.
    assert any("penilaian terakhirnya" in i.value for i in at.info)
    at.button(key="wi_plan_WBK").click().run()
    at.slider(key="wi_PP").set_value(10.0).run()
    assert _metric(at, "Nilai total simulasi") != format_number(base.scorecard.total, "id")
    at.button(key="wi_reset").click().run()
    assert _metric(at, "Nilai total simulasi") == format_number(base.scorecard.total, "id")
    assert _metric(at, "Predikat simulasi") == "Belum ada predikat"
    start_areas, start_hasil = whatif.simulation_inputs(base.framework, base.scorecard)
    for code, value in start_areas.items():
        assert at.slider(key=f"wi_{code}").value == pytest.approx(value)
    assert at.select_slider(key="wi_capaian_kinerja").value == start_hasil["capaian_kinerja"]
    assert not [d for d in at.dataframe if "increase" in d.value.columns]  # the plan is gone too


def test_another_unit_starts_from_its_own_values(app, app_db):
    at = _open(app, FAR)
    at.slider(key="wi_MP").set_value(0.0).run()
    at.selectbox(key="unit").set_value(NEAR_WBK).run()
    base = _base(app_db, NEAR_WBK)
    assert at.slider(key="wi_MP").value == pytest.approx(base.scorecard.areas["MP"].score)


def test_a_52_2014_round_simulates_tlhp_instead_of_capaian(app):
    at = app.run()
    at.switch_page("views/simulasi.py").run()
    at.selectbox(key="unit").set_value("kemendesa-itjen")
    at.selectbox(key="tahun").set_value(2018).run()
    assert not at.exception, at.exception
    keys = {s.key for s in at.slider}
    assert "wi_tlhp_percent" in keys and "wi_capaian_kinerja" not in {s.key for s in at.select_slider}
    assert at.slider(key="wi_SDM").max == 15  # SDM is worth 15 in 52/2014
    at.slider(key="wi_tlhp_percent").set_value(100.0).run()
    assert not at.exception, at.exception


def test_simulation_inputs_and_infeasibility(app_db):
    base = _base(app_db, FAR)
    areas, hasil = whatif.simulation_inputs(base.framework, base.scorecard)
    assert areas == base.scorecard.area_points()
    assert hasil["capaian_kinerja"] == "E"  # not recorded: starts at the lowest option (0 points, as missing)
    assert whatif.infeasibility(base.framework, base.scorecard, "WBBM", False) == ("requires", {"required": "WBK"})
    assert whatif.infeasibility(base.framework, base.scorecard, "WBK", False) == ("none", {})
    near = _base(app_db, NEAR_WBK)
    assert whatif.infeasibility(near.framework, near.scorecard, "WBBM", True) == ("none", {})
