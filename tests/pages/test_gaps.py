"""AppTest of the Analisis kesenjangan page on the demo database, and of its pure helpers."""

from __future__ import annotations

import json

import pytest

from zi_metrics import analytics, gaps
from zi_metrics.formatting import format_number
from zi_metrics.store import Store

UNIT = "kemendesa-ditjen-pdp"  # answers-based rounds in 2022-2026, no predicate held


def _open(app, unit: str = UNIT, year: int | None = None):
    at = app.run()
    at.switch_page("views/kesenjangan.py").run()
    at.selectbox(key="unit").set_value(unit)
    if year is not None:
        at.selectbox(key="tahun").set_value(year)
    at.run()
    assert not at.exception, at.exception
    return at


def _frame_with(at, column: str):
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with a {column!r} column"
    return frames[0]


def _chart(at, key: str) -> dict:
    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert charts, f"no chart {key!r}"
    return json.loads(charts[0].proto.spec)


def _selected_round(app_db, unit: str = UNIT, year: int | None = None):
    store = Store(app_db)
    year = year or max(store.years())
    stage = store.stages_for(year)[-1]
    return analytics.round_for(analytics.unit_rounds(store, unit), year, stage), store


def test_gaps_page_runs_and_area_gaps_match_the_core(app, app_db):
    at = _open(app)
    rnd, _ = _selected_round(app_db)
    expected = gaps.area_gaps(rnd.framework, rnd.scorecard)
    table = _frame_with(at, "need_WBK")
    assert list(table["code"]) == [g.code for g in expected]
    for pred in ("WBK", "WBBM"):
        assert list(table[f"need_{pred}"]) == [format_number(g.need[pred], "id") for g in expected]
    # The bar chart carries the unrounded numbers: exactly the areas still short, largest first.
    assert any(g.need["WBBM"] > 0 for g in expected), "the demo unit should miss some WBBM area minimum"
    bars = _chart(at, "gap_areas_WBBM")["data"][0]
    short = sorted((g.need["WBBM"] for g in expected if g.need["WBBM"] > 0), reverse=True)
    assert bars["x"] == pytest.approx(short, abs=1e-12)
    # Pass/fail is said in words and symbols, never by colour alone.
    rules = _frame_with(at, "status")
    assert all(s.startswith(("✓", "✗")) for s in rules["status"])


def test_item_table_top_row_is_item_gaps_top(app, app_db):
    at = _open(app)
    rnd, store = _selected_round(app_db)
    top = gaps.item_gaps(rnd.scorecard)[0]
    items = _frame_with(at, "evidence_ref")
    first = items.iloc[0]
    assert first["item_code"] == top.item_code
    assert first["gain"] == format_number(top.gain, "id")
    question = rnd.framework.questions[top.questions[0]]
    assert question.text in first["question"]
    stored = store.answers_for(rnd.input.evaluation_id)[top.questions[0]]
    assert first["answer"] == (stored["answer_text"] or format(stored["answer_number"], "g"))
    assert first["note"] == (stored["note"] or "")
    assert first["evidence_ref"] == (stored["evidence_ref"] or "")
    # ranked by gain, most first
    sub = _frame_with(at, "lost")
    assert len(sub) > 0


def test_notes_and_evidence_reach_the_item_table(app, app_db):
    at = _open(app)
    at.slider(key="gap_top").set_value(50).run()
    items = _frame_with(at, "evidence_ref")
    assert len(items) == 50
    assert (items["evidence_ref"] != "").any() or (items["note"] != "").any()


def test_holding_back_chart_counts_units_of_the_round(app, app_db):
    at = _open(app)
    store = Store(app_db)
    year = max(store.years())
    scored = analytics.score_round(store, year, store.stages_for(year)[-1])
    counts = gaps.areas_holding_back([s.evaluation for s in scored], "WBK")
    bars = _chart(at, "gap_holding_back")["data"][0]
    assert sorted(bars["x"], reverse=True) == sorted(counts.values(), reverse=True)
    assert sum(bars["x"]) == sum(counts.values())
    # WBBM: the counts change with the target
    at.button_group(key="gap_target").set_value("WBBM").run()
    wbbm = gaps.areas_holding_back([s.evaluation for s in scored], "WBBM")
    bars = _chart(at, "gap_holding_back")["data"][0]
    assert sorted(bars["x"], reverse=True) == sorted(wbbm.values(), reverse=True)
    rules = _frame_with(at, "failing")
    assert list(rules["failing"]) == sorted(gaps.rules_holding_back([s.evaluation for s in scored], "WBBM")
                                            .values(), reverse=True)


def test_a_recap_round_of_52_2014_says_there_is_no_question_detail(app):
    at = _open(app, "kemendesa-itjen", 2018)
    infos = " ".join(i.value for i in at.info)
    assert "52/2014" in infos
    assert "rekap" in infos
    assert not [c for c in at.get("plotly_chart") if "gap_areas" in c.proto.id]


def test_a_unit_without_that_round_gets_a_notice_and_the_round_view(app):
    at = _open(app, "kemendesa")
    assert any("belum dinilai" in i.value for i in at.info)
    assert _chart(at, "gap_holding_back")["data"][0]["x"]


def test_item_gap_rows_join_question_answer_note_and_evidence(app_db):
    rnd, store = _selected_round(app_db)
    items = gaps.item_gaps(rnd.scorecard)
    answers = store.answers_for(rnd.input.evaluation_id)
    rows = analytics.item_gap_rows(rnd.framework, items, answers)
    gaining = [g for g in items if g.gain > 0]
    assert [r["item_code"] for r in rows] == [g.item_code for g in gaining]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert len(analytics.item_gap_rows(rnd.framework, items, answers, limit=3)) == 3
    ratio = next((r for r in rows if r["kind"] != "answer"), None)
    if ratio is not None:  # a computed item lists its name, then every question it reads
        assert ratio["question"].splitlines()[0] == ratio["item"]
        assert len(ratio["question"].splitlines()) == 1 + len(ratio["questions"])
