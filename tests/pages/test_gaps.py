"""AppTest of the Analisis kesenjangan page on the demo database, and of its pure helpers."""

from __future__ import annotations

import json
import re

import pytest
from page_helpers import open_page

from zi_metrics import analytics, gaps
from zi_metrics.answer_plan import next_target
from zi_metrics.formatting import format_number
from zi_metrics.priorities import priorities
from zi_metrics.store import Store

UNIT = "kemendesa-ditjen-pdp"  # answers-based rounds in 2022-2026, no predicate held
PLAN_UNIT = "kemendesa-ditjen-pdt"  # 2026 TPI: holds nothing, short of WBK's pengungkit: answers must change


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


def _table_with(at, column: str):
    """A st.table (wrapped text, Markdown cells) by one of its headers, with the cells' escapes removed."""
    tables = [t.value for t in at.table if column in t.value.columns]
    assert tables, f"no table with a {column!r} column: {[list(t.value.columns) for t in at.table]}"
    return tables[0].map(lambda v: re.sub(r"\\(.)", r"\1", v) if isinstance(v, str) else v)


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
        # numbers in the grid (sortable), shown in the language's format by a Styler (see the walk test)
        assert list(table[f"need_{pred}"]) == pytest.approx([g.need[pred] for g in expected], abs=1e-12)
    # The bar chart carries the unrounded numbers: exactly the areas still short, largest first.
    assert any(g.need["WBBM"] > 0 for g in expected), "the demo unit should miss some WBBM area minimum"
    bars = _chart(at, "gap_areas_WBBM")["data"][0]
    short = sorted((g.need["WBBM"] for g in expected if g.need["WBBM"] > 0), reverse=True)
    assert bars["x"] == pytest.approx(short, abs=1e-12)
    # Pass/fail is said in words and symbols, never by colour alone.
    rules = _frame_with(at, "status")
    assert all(s.startswith(("✓", "✗")) for s in rules["status"])


def _priorities(rnd, target: str | None = None):
    fw, card = rnd.framework, rnd.scorecard
    target = target or next_target(fw, rnd.evaluation, rnd.held_before)
    return priorities(fw, card, target, rnd.held_before is not None)


def test_priority_list_puts_the_minimum_plan_first_with_answers_in_words(app, app_db):
    at = _open(app, PLAN_UNIT)
    rnd, _ = _selected_round(app_db, PLAN_UNIT)
    fw = rnd.framework
    prio = _priorities(rnd)
    plan = prio.plan
    assert plan.feasible and plan.lke_changes, "the demo unit should need answer changes"
    table = _table_with(at, "Jawaban yang disarankan")
    shown = prio.items[: max(len(plan.lke_changes) + 10, 15)]
    assert len(table) == len(shown) < len(prio.items)
    assert any(f"Ditampilkan {len(shown)} dari {len(prio.items)}" in c.value for c in at.caption)
    planned = {c.question for c in plan.lke_changes}
    for row, item in zip(table.to_dict("records"), shown, strict=True):
        q = fw.questions[item.question]
        # the plan's changes come first, and only they carry the mark
        assert row["#"] == str(item.rank)
        assert row["Pertanyaan"].startswith(("✓ " if item.question in planned else "") + f"{item.area} · [{q.id}] ")
        if q.kind == "option":
            # never a bare code: the option's official wording follows it
            assert row["Jawaban yang disarankan"] == f"{item.suggested} — {q.option_text(item.suggested)}"
            assert row["Jawaban saat ini"] in ("belum dijawab", "Tidak") or " — " in row["Jawaban saat ini"]
        else:
            assert " dari " in row["Jawaban saat ini"] and "%" in row["Jawaban saat ini"]
        assert row["Tambahan poin"] == format_number(item.points, "id")
        assert row["Langkah"] == str(item.steps)
    assert [i.in_plan for i in shown[: len(planned)]] == [True] * len(planned)
    summary = " ".join(s.value for s in at.success)
    assert f"{plan.lke_steps} langkah" in summary and format_number(plan.points, "id") in summary
    # the ranking is explained in one sentence
    assert any(c.value.startswith("Urutan: lebih dulu jawaban dalam rencana minimum") for c in at.caption)
    # and every row is there on request
    at.toggle(key="gap_show_all").set_value(True).run()
    assert len(_table_with(at, "Jawaban yang disarankan")) == len(prio.items)


def test_measures_no_answer_can_raise_are_listed_apart(app, app_db):
    at = _open(app)
    rnd, _ = _selected_round(app_db)
    measures = _table_with(at, "Mengapa terpisah")
    names_listed = list(measures["Ukuran"])
    for item in rnd.framework.hasil_items.values():
        assert item.name in names_listed
    survey = measures[measures["Ukuran"] == rnd.framework.hasil_items["survey_anti_korupsi"].name].iloc[0]
    assert survey["Saat ini"] == format_number(rnd.scorecard.hasil_items["survey_anti_korupsi"].input, "id")
    assert "Survei eksternal" in survey["Mengapa terpisah"]
    capaian = measures[measures["Ukuran"] == rnd.framework.hasil_items["capaian_kinerja"].name].iloc[0]
    assert " — " in capaian["Saat ini"]  # capaian A-E in words too


def test_a_target_the_unit_cannot_reach_this_round_is_said_plainly(app, app_db):
    at = _open(app, PLAN_UNIT)
    at.button_group(key="gap_plan_target").set_value("WBBM").run()
    assert not at.exception, at.exception
    # the unit holds no predicate: WBBM needs WBK first, the list still shows what the scores need
    infos = " ".join(i.value for i in at.info)
    assert "juga mensyaratkan unit sudah memegang Menuju WBK" in infos
    rnd, _ = _selected_round(app_db, PLAN_UNIT)
    at.toggle(key="gap_show_all").set_value(True).run()
    questions = [int(re.search(r"\[(\d+)\]", q).group(1)) for q in _table_with(at, "Pertanyaan")["Pertanyaan"]]
    assert questions == [i.question for i in _priorities(rnd, "WBBM").items]


def test_soal_parameter_focuses_one_question(app, app_db):
    rnd, store = _selected_round(app_db, PLAN_UNIT)
    fw, card = rnd.framework, rnd.scorecard
    prio = _priorities(rnd)
    qid = prio.plan.lke_changes[0].question
    if fw.questions[qid].kind != "option":
        qid = next(c.question for c in prio.plan.lke_changes if c.kind == "option")
    year = max(store.years())
    at = open_page(app, "views/kesenjangan.py", unit=PLAN_UNIT, tahun=str(year),
                   tahap=store.stages_for(year)[-1], soal=str(qid))
    q = fw.questions[qid]
    assert any(h.value.startswith(f"Pertanyaan [{qid}]") and q.text in h.value for h in at.subheader)
    options = _table_with(at, "Pilihan jawaban")
    gains = gaps.option_gains(fw, card, qid)
    assert list(options["Pilihan jawaban"]) == [f"{k} — {q.option_text(k)}" if q.option_text(k) else k
                                                for k in gains]
    assert list(options["Perubahan poin"]) == [("+" if v > 0 else "") + format_number(v, "id")
                                               for v in gains.values()]
    marks = dict(zip(options["Pilihan jawaban"].str.split(" — ").str[0], options["Status"], strict=True))
    assert "jawaban saat ini" in marks[card.answers[qid]]
    planned = next(c for c in prio.plan.lke_changes if c.question == qid)
    assert "rencana" in marks[planned.target]
    assert any("Termasuk rencana minimum" in s.value for s in at.success)
    stored = store.answers_for(rnd.input.evaluation_id)[qid]
    text = " ".join(m.value for m in at.markdown)
    if stored["note"]:
        assert stored["note"][:20] in text.replace("\\", "")
    # closing the panel drops it
    at.button(key="gap_focus_close").click().run()
    assert not any(h.value.startswith(f"Pertanyaan [{qid}]") for h in at.subheader)


def test_an_unknown_soal_is_noticed_and_ignored(app, app_db):
    _, store = _selected_round(app_db)
    year = max(store.years())
    at = open_page(app, "views/kesenjangan.py", unit=UNIT, tahun=str(year), tahap=store.stages_for(year)[-1],
                   soal="9999")
    assert any("soal" in w.value and "9999" in w.value for w in at.warning)
    assert not any(h.value.startswith("Pertanyaan [") for h in at.subheader)


def test_the_page_in_english(app, app_db):
    at = open_page(app, "views/kesenjangan.py", lang="en", unit=PLAN_UNIT)
    rnd, _ = _selected_round(app_db, PLAN_UNIT)
    table = _table_with(at, "Suggested answer")
    assert table.iloc[0]["Points added"] == format_number(_priorities(rnd).items[0].points, "en")
    assert any(s.value.startswith("Prioritas perbaikan") for s in at.subheader)
    assert any("Order: first the answers of the minimum plan" in c.value for c in at.caption)


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
    assert "rekap" in infos and "prioritas per pertanyaan tidak tersedia" in infos
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


def test_a_plan_of_hasil_measures_only_says_no_answer_has_to_change(app, app_db):
    # 2026 TPI: Ditjen PDP is short of WBK only through IPAK and the Bersih component
    rnd, _ = _selected_round(app_db)
    prio = _priorities(rnd)
    assert prio.plan.feasible and not prio.plan.lke_changes and prio.plan.hasil_changes
    at = _open(app)
    assert any("tidak ada jawaban LKE yang harus diubah" in s.value for s in at.success)
    measures = _table_with(at, "Mengapa terpisah")
    needed = measures[measures["Ukuran"] == rnd.framework.hasil_items["survey_anti_korupsi"].name].iloc[0]
    change = next(c for c in prio.plan.hasil_changes if c.code == "survey_anti_korupsi")
    assert needed["Diperlukan untuk Menuju WBK"] == format_number(change.target, "id")
