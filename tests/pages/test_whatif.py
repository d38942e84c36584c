"""AppTest of the Simulasi page on the demo database, and of its pure helpers in whatif."""

from __future__ import annotations

import json
import re

import pytest
from page_helpers import as_read, open_page

from zi_metrics import analytics, whatif
from zi_metrics.answer_plan import answer_plan
from zi_metrics.formatting import format_number
from zi_metrics.scoring import with_changes
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


def _twin_shows(at, code: str) -> str:
    """What the typed twin of slider ``code`` shows: the slider's value as its placeholder, while
    its own text is empty (nobody typed, or what was typed was applied)."""
    twin = at.text_input(key=f"wi_typed_{code}")
    assert twin.value == "", twin.value
    return twin.proto.placeholder


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


def _rule_tables(at) -> list[list[list[str]]]:
    """The rule tables (st.html, class zi-table) as rows of cell texts, header first."""
    from html.parser import HTMLParser

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[str]] = []
            self.cell: list[str] | None = None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.cell = []

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append("".join(self.cell))
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    tables = []
    for h in at.get("html"):
        if 'class="zi-table"' in h.proto.body:
            parser = Cells()
            parser.feed(h.proto.body)
            tables.append(parser.rows)
    return tables


def test_rules_of_both_predicates_are_light_tables_that_follow_the_sliders(app, app_db):
    """Every rule of WBK and WBBM at the simulated values, as plain HTML tables (not data grids,
    which cost the browser a redraw on every slider move), numbers in the language's format."""
    at = _open(app, NEAR_WBK)
    base = _base(app_db, NEAR_WBK)
    fw = base.framework
    assert not [d for d in at.dataframe]  # no data grid in the simulator
    tables = _rule_tables(at)
    assert len(tables) == len(fw.predicates) == 2
    for table, pred in zip(tables, fw.predicates, strict=True):
        assert table[0] == ["Aturan", "Nilai", "Ambang batas", "Status", "Kekurangan"]
        expected = analytics.rule_display_rows(fw, base.evaluation, pred.code, "id")
        assert table[1:] == expected[["label", "value", "threshold", "status", "gap"]].values.tolist()
    assert tables[0][1][1] == format_number(base.scorecard.total, "id")  # "Nilai total", e.g. 77,12
    # a slider move redraws them at the simulated values
    at.slider(key="wi_TT").set_value(float(fw.area("TT").max)).run()
    moved = with_changes(fw, base.scorecard, areas={"TT": float(fw.area("TT").max)})
    assert _rule_tables(at)[0][1][1] == format_number(moved.total, "id")
    # in English (the same session: the slider stays where it was moved), with its number format
    at = open_page(app, "views/simulasi.py", lang="en", unit=NEAR_WBK)
    tables = _rule_tables(at)
    assert tables[0][0] == ["Rule", "Value", "Threshold", "Status", "Gap"]
    assert tables[0][1][1] == format_number(moved.total, "en")


def _changes_table(at):
    """The applied answer changes (a st.table: Markdown cells, escapes removed), or None."""
    found = [t.value for t in at.table if {"Dari", "Menjadi"} <= set(t.value.columns)]
    if not found:
        return None
    return found[0].map(lambda v: re.sub(r"\\(.)", r"\1", v) if isinstance(v, str) else v)


@pytest.mark.parametrize(("unit", "target", "label"), [
    (FAR, "WBK", "Menuju WBK"),
    (NEAR_WBK, "WBBM", "Menuju WBBM"),
])
def test_minimum_plan_changes_answers_and_reaches_the_target(app, app_db, unit, target, label):
    at = _open(app, unit)
    base = _base(app_db, unit)
    fw, card = base.framework, base.scorecard
    plan = answer_plan(fw, card, target, base.held_before is not None)
    assert plan.feasible and plan.lke_changes
    at.button(key=f"wi_plan_{target}").click().run()
    assert not at.exception, at.exception
    assert _metric(at, "Predikat simulasi") == label
    # the applied plan lists each changed question, from -> to, in words
    table = _changes_table(at)
    assert table is not None and len(table) == len(plan.answers)
    for row, (qid, new) in zip(table.to_dict("records"), sorted(plan.answers.items()), strict=True):
        q = fw.questions[qid]
        assert row["Pertanyaan"].startswith(f"{q.area} · [{qid}] ")
        if q.kind == "option":
            assert row["Menjadi"] == (f"{new} — {q.option_text(new)}" if q.option_text(new) else new)
            old = card.answers.get(qid)
            assert row["Dari"] == (f"{old} — {q.option_text(old)}" if q.option_text(old) else old or "belum dijawab")
        else:
            assert row["Menjadi"].startswith(f"{new:.0f} dari ")
    # the area sliders show what the new answers score; the hasil sliders the plan's values
    again = with_changes(fw, card, answers=plan.answers, hasil=plan.hasil)
    for area in fw.areas:
        assert at.slider(key=f"wi_{area.code}").value == pytest.approx(again.areas[area.code].score, abs=1e-9)
        assert _twin_shows(at, area.code) == format_number(again.areas[area.code].score, "id")
    for code, value in plan.hasil.items():
        widget = at.select_slider(key=f"wi_{code}") if isinstance(value, str) else at.slider(key=f"wi_{code}")
        assert widget.value == (value if isinstance(value, str) else pytest.approx(value, abs=1e-9))
    assert _metric(at, "Nilai total simulasi") == format_number(again.total, "id")
    text = " ".join(m.value for m in at.markdown) + " ".join(s.value for s in at.success)
    assert f"{plan.lke_steps} langkah" in text
    if plan.binding:
        assert "mengikat" in text


def test_an_impossible_target_is_said_plainly_and_leaves_the_sliders(app, app_db):
    at = _open(app, FAR)  # holds no predicate: WBBM cannot be reached this year
    base = _base(app_db, FAR)
    at.button(key="wi_plan_WBBM").click().run()
    assert not at.exception, at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Menuju WBBM tidak dapat dicapai pada putaran ini" in warnings and "memegang Menuju WBK" in warnings
    assert _metric(at, "Predikat simulasi") == "Belum ada predikat"
    assert at.slider(key="wi_MP").value == pytest.approx(base.scorecard.areas["MP"].score)
    assert _changes_table(at) is None


def test_reset_restores_the_base_values(app, app_db):
    at = _open(app, FAR)
    base = _base(app_db, FAR)
    # The sidebar says 2026 TPI; this unit has only its penilaian mandiri that year: said plainly.
    assert any("penilaian terakhirnya" in i.value for i in at.info)
    at.button(key="wi_plan_WBK").click().run()
    assert _changes_table(at) is not None
    at.slider(key="wi_PP").set_value(10.0).run()
    assert _metric(at, "Nilai total simulasi") != format_number(base.scorecard.total, "id")
    at.button(key="wi_reset").click().run()
    assert _metric(at, "Nilai total simulasi") == format_number(base.scorecard.total, "id")
    assert _metric(at, "Predikat simulasi") == "Belum ada predikat"
    start_areas, start_hasil = whatif.simulation_inputs(base.framework, base.scorecard)
    for code, value in start_areas.items():
        assert at.slider(key=f"wi_{code}").value == pytest.approx(value)
    assert at.select_slider(key="wi_capaian_kinerja").value == start_hasil["capaian_kinerja"]
    assert _changes_table(at) is None  # the answer changes are gone too


def test_typing_a_value_moves_its_slider(app, app_db):
    at = _open(app, NEAR_WBK)
    assert _metric(at, "Predikat simulasi") == "Belum ada predikat"
    at.text_input(key="wi_typed_MP").input("4,8").run()
    assert at.slider(key="wi_MP").value == pytest.approx(4.8)
    assert _twin_shows(at, "MP") == "4,80"
    assert _metric(at, "Predikat simulasi") == "Menuju WBK"
    at.text_input(key="wi_typed_survey_anti_korupsi").input(" 3,61 ").run()
    assert at.slider(key="wi_survey_anti_korupsi").value == pytest.approx(3.61)
    # not a number, or out of range: said in words, the slider stays
    for bad in ("abc", "9", "-1"):
        at.text_input(key="wi_typed_MP").input(bad).run()
        assert any(f"“{bad}”" in as_read(e.value) and "antara 0,00 dan 8,00" in e.value for e in at.error), bad
        assert at.slider(key="wi_MP").value == pytest.approx(4.8)
        assert _twin_shows(at, "MP") == "4,80"



def test_a_twin_holds_no_text_of_its_own_and_the_slider_is_sent_only_a_new_value(app, app_db):
    """Every rerun request carries each twin's text as the browser had it; in a burst of key
    presses a request can leave before the previous run reached the browser. A twin shows its
    slider's value as its placeholder and keeps no text, so such a request carries nothing that
    could look typed, and a typed text sent again is not applied twice; the slider is sent a value
    only when typing gives it a new one (a value sent to the browser replaces any press made since
    the request left)."""
    at = _open(app, NEAR_WBK)
    start = round(at.slider(key="wi_MP").value, 2)  # on the slider's 0.01 steps
    assert _twin_shows(at, "MP") == format_number(start, "id")
    at.slider(key="wi_MP").set_value(round(start + 0.01, 2)).run()
    assert _twin_shows(at, "MP") == format_number(start + 0.01, "id")
    assert not at.slider(key="wi_MP").proto.set_value  # a move is not sent back
    # typed: applied, the text emptied again, the placeholder shows the new value
    at.text_input(key="wi_typed_MP").input(format_number(start, "id")).run()
    assert at.slider(key="wi_MP").value == pytest.approx(start)
    assert at.slider(key="wi_MP").proto.set_value
    assert _twin_shows(at, "MP") == format_number(start, "id")
    # the typed text sent again by a request that left before the browser had the emptied twin,
    # with a move of the slider made meanwhile: the move stands
    later = round(start + 0.03, 2)
    at.slider(key="wi_MP").set_value(later)
    at.text_input(key="wi_typed_MP").input(format_number(start, "id")).run()
    assert at.slider(key="wi_MP").value == pytest.approx(later)
    assert _twin_shows(at, "MP") == format_number(later, "id")
    # once a request has shown the twin emptied, the same text typed again is applied
    at.run()
    at.text_input(key="wi_typed_MP").input(format_number(start, "id")).run()
    assert at.slider(key="wi_MP").value == pytest.approx(start)
    # the slider's own value typed, written another way: nothing is sent to the slider
    at.text_input(key="wi_typed_MP").input(f"{start:.3f}".replace(".", ",")).run()
    assert at.slider(key="wi_MP").value == pytest.approx(start)
    assert not at.slider(key="wi_MP").proto.set_value
    assert _twin_shows(at, "MP") == format_number(start, "id")
    assert not at.error and not at.exception


def test_typed_values_in_english_take_a_decimal_point(app, app_db):
    at = open_page(app, "views/simulasi.py", lang="en", unit=NEAR_WBK)
    at.text_input(key="wi_typed_MP").input("4.8").run()
    assert at.slider(key="wi_MP").value == pytest.approx(4.8)
    assert _twin_shows(at, "MP") == "4.80"
    assert _metric(at, "Simulated predicate") == "Menuju WBK"


def test_one_answer_changed_by_hand(app, app_db):
    at = _open(app, FAR)
    base = _base(app_db, FAR)
    fw, card = base.framework, base.scorecard
    qid = next(q.id for q in fw.questions.values() if q.area and q.kind == "option"
               and card.answers.get(q.id) not in (None, q.best_answer))
    at.selectbox(key="wi_edit_q").set_value(qid).run()
    at.radio(key=f"wi_edit_a_{qid}").set_value(fw.questions[qid].best_answer).run()
    at.button(key="wi_edit_apply").click().run()
    assert not at.exception, at.exception
    expected = with_changes(fw, card, answers={qid: fw.questions[qid].best_answer})
    assert _metric(at, "Nilai total simulasi") == format_number(expected.total, "id")
    table = _changes_table(at)
    assert list(table["Pertanyaan"]) == [f"{fw.questions[qid].area} · [{qid}] {fw.questions[qid].text}"]
    assert table.iloc[0]["Tambahan poin"] == format_number(expected.total - card.total, "id")
    at.button(key="wi_answers_clear").click().run()
    assert _changes_table(at) is None
    assert _metric(at, "Nilai total simulasi") == format_number(card.total, "id")


def test_a_plan_link_applies_the_plan_on_arrival(app, app_db):
    base = _base(app_db, FAR)
    at = open_page(app, "views/simulasi.py", unit=FAR, rencana="WBK")
    assert _metric(at, "Predikat simulasi") == "Menuju WBK"
    plan = answer_plan(base.framework, base.scorecard, "WBK", False)
    assert len(_changes_table(at)) == len(plan.answers)


def test_a_plan_link_to_an_unknown_predicate_is_noticed(app):
    at = open_page(app, "views/simulasi.py", unit=FAR, rencana="WBKK")
    assert any("rencana" in w.value and "WBKK" in w.value for w in at.warning)
    assert _changes_table(at) is None


def test_slider_numbers_are_hidden_for_the_typed_twins(app):
    at = _open(app, NEAR_WBK)
    styles = " ".join(h.proto.body for h in at.get("html"))
    for key in ("wi_MP", "wi_PP", "wi_survey_anti_korupsi", "wi_survey_pelayanan"):
        assert f".st-key-{key} [data-testid='stSliderThumbValue']" in styles
    assert ".st-key-wi_capaian_kinerja" not in styles  # A-E: letters, no number to hide


def test_another_unit_starts_from_its_own_values(app, app_db):
    at = _open(app, FAR)
    at.slider(key="wi_MP").set_value(0.0).run()
    at.selectbox(key="unit").set_value(NEAR_WBK).run()
    base = _base(app_db, NEAR_WBK)
    assert at.slider(key="wi_MP").value == pytest.approx(base.scorecard.areas["MP"].score)


def test_a_52_2014_recap_round_simulates_tlhp_and_plans_per_area(app, app_db):
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
    assert _twin_shows(at, "tlhp_percent") == "100,00"
    assert not [e for e in at.expander if "Ubah jawaban" in e.label]  # no answers to change in a recap
    # a recap round gets the per-area plan: its area targets fill the sliders
    store = Store(app_db)
    rnd = analytics.round_for(analytics.unit_rounds(store, "kemendesa-itjen"), 2018, store.stages_for(2018)[-1])
    rnd = rnd or analytics.latest_round(analytics.unit_rounds(store, "kemendesa-itjen"), 2018)
    plan = whatif.minimum_plan(rnd.framework, rnd.scorecard, "WBK", holds_wbk=rnd.held_before is not None)
    at.button(key="wi_plan_WBK").click().run()
    assert not at.exception, at.exception
    if plan.feasible and plan.changes:
        for code, value in plan.area_targets.items():
            assert at.slider(key=f"wi_{code}").value == pytest.approx(value, abs=1e-9)
        assert [d for d in at.dataframe if "increase" in d.value.columns]


def test_simulation_inputs_and_infeasibility(app_db):
    base = _base(app_db, FAR)
    areas, hasil = whatif.simulation_inputs(base.framework, base.scorecard)
    assert areas == base.scorecard.area_points()
    assert hasil["capaian_kinerja"] == "E"  # not recorded: starts at the lowest option (0 points, as missing)
    assert whatif.infeasibility(base.framework, base.scorecard, "WBBM", False) == ("requires", {"required": "WBK"})
    assert whatif.infeasibility(base.framework, base.scorecard, "WBK", False) == ("none", {})
    near = _base(app_db, NEAR_WBK)
    assert whatif.infeasibility(near.framework, near.scorecard, "WBBM", True) == ("none", {})
