"""The bulk scorers agree with the reference scorer (scoring.score_answers) and rules.evaluate:
the in-DuckDB SQL roll-up (score_rounds_bulk) and the vectorised round scorer (round_data +
score_round_data + evaluate_frame) that round_overview and the benchmarks use."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zi_metrics import analytics, bulk
from zi_metrics.bulk import rounds
from zi_metrics.database import ensure_database
from zi_metrics.framework import list_frameworks, load_framework
from zi_metrics.rules import evaluate, held_predicate
from zi_metrics.scoring import ScoringInputError, score_areas
from zi_metrics.store import (
    Store,
    StoreValidationError,
    bulk_load,
    overview_data,
    round_data,
    score_rounds_bulk,
)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("bulk") / "demo.duckdb"
    ensure_database(path)
    return Store(path)


def test_bulk_scores_equal_reference_scores_on_every_demo_round(demo_store: Store):
    checked = 0
    reference = {}
    for year in demo_store.years():
        for stage in demo_store.stages_for(year):
            for r in analytics.score_round(demo_store, year, stage):
                if r.input.source == "answers":
                    reference[r.input.evaluation_id] = r.scorecard
    for fid in list_frameworks():
        cards = bulk.scorecards_from_bulk(score_rounds_bulk(demo_store, bulk.scoring_tables(load_framework(fid))))
        for eid, card in cards.items():
            ref = reference[eid]
            for code, area in ref.areas.items():
                assert card.areas[code].score == pytest.approx(area.score, abs=1e-9)
                assert card.areas[code].halves == pytest.approx(area.halves, abs=1e-9)
                assert card.conservative.areas[code].score == pytest.approx(
                    ref.conservative.areas[code].score, abs=1e-9)
            assert card.hasil == pytest.approx(ref.hasil, abs=1e-9)
            assert card.completeness == ref.completeness
            checked += 1
    assert checked == len(reference) > 50


def test_bulk_scores_a_round_filtered_by_year_and_stage(demo_store: Store):
    year = max(demo_store.years())
    tables = bulk.scoring_tables(load_framework("permenpanrb-90-2021"))
    result = score_rounds_bulk(demo_store, tables, year, "mandiri")
    expected = set(demo_store.evaluations(year=year, stage="mandiri")["id"].astype(int))
    assert set(result.meta["evaluation_id"].astype(int)) == expected


def _frames(n_units: int = 3):
    fw = load_framework("permenpanrb-90-2021")
    units = pd.DataFrame({"id": [f"u-{i}" for i in range(n_units)], "name": [f"Unit {i}" for i in range(n_units)],
                          "short_name": None, "parent_id": None, "level": "instansi",
                          "instansi_kind": "pemerintah_daerah", "afirmasi": False})
    evaluations = pd.DataFrame({"id": range(1, n_units + 1), "unit_id": units["id"], "year": 2025,
                                "stage": "mandiri", "framework_id": fw.id, "evaluated_on": None,
                                "source": "answers"})
    rows = []
    for eid in evaluations["id"]:
        for q in fw.questions.values():
            if q.kind == "option":
                rows.append((eid, q.id, q.best_answer, None))
            elif q.kind == "count":
                rows.append((eid, q.id, None, 3.0))
            else:
                rows.append((eid, q.id, None, 3.7))
    answers = pd.DataFrame(rows, columns=["evaluation_id", "question_id", "answer_text", "answer_number"])
    return units, evaluations, answers


def test_bulk_load_writes_everything_in_one_transaction(tmp_path):
    store = Store(tmp_path / "b.duckdb")
    store.migrate(create=True)
    units, evaluations, answers = _frames()
    bulk_load(store, units, evaluations, answers, actor="test")
    assert len(store.evaluations()) == 3
    assert len(store.answer_values(int(store.evaluations()["id"].iloc[0]))) == 127


@pytest.mark.parametrize("column,value,message", [
    ("answer_text", "Mungkin", "not an option"),
    ("answer_number", -1.0, "negative"),
])
def test_bulk_load_refuses_bad_answers_and_writes_nothing(tmp_path, column, value, message):
    store = Store(tmp_path / "b.duckdb")
    store.migrate(create=True)
    units, evaluations, answers = _frames()
    if column == "answer_text":
        idx = answers.index[answers["answer_text"].notna()][5]
    else:
        idx = answers.index[answers["answer_number"].notna()][0]
    answers.loc[idx, column] = value
    before = {t: store.table_rows(t) for t in ("units", "evaluations", "answers")}
    with pytest.raises(StoreValidationError, match=message):
        bulk_load(store, units, evaluations, answers, actor="test")
    assert {t: store.table_rows(t) for t in ("units", "evaluations", "answers")} == before


# ---------------------------------------------------------------------------------------------
# The vectorised round scorer (store.round_data + bulk.score_round_data + bulk.evaluate_frame),
# which round_overview and the benchmarks use, against the reference scorer and rules.evaluate.

def _assert_frame_matches(frame: bulk.ScoreFrame, reference: dict[int, analytics.ScoredRound]) -> int:
    fw = load_framework(frame.framework_id)
    lay = bulk.round_layout(fw.id)
    for i, eid in enumerate(frame.evaluation_id.tolist()):
        ref = reference[eid]
        card = ref.scorecard
        assert frame.unit_id[i] == ref.unit_id and frame.year[i] == ref.year and frame.stage[i] == ref.stage
        assert frame.source[i] == card.source
        for a, area in enumerate(fw.areas):
            assert frame.areas[i, a] == pytest.approx(card.areas[area.code].score, abs=1e-9)
            cons = (card.conservative or card).areas[area.code].score
            assert frame.conservative[i, a] == pytest.approx(cons, abs=1e-9)
            for h, half in enumerate(lay.halves):
                assert frame.halves[i, a, h] == pytest.approx(card.areas[area.code].halves.get(half, 0.0), abs=1e-9)
        for j, code in enumerate(lay.hasil_codes):
            assert frame.hasil_points[i, j] == pytest.approx(card.hasil_items[code].points, abs=1e-9)
            got, want = frame.hasil_inputs[code][i], card.hasil_items[code].input
            if want is None:
                assert got is None or got != got
            else:
                assert got == pytest.approx(want, abs=1e-12) if isinstance(want, float) else got == want
        assert (frame.answered[i], frame.questions[i]) == (card.completeness.answered, card.completeness.total)
        assert frame.total[i] == pytest.approx(card.total, abs=1e-9)
        assert frame.provisional[i] == card.provisional
    return len(frame)


def _reference_rounds(store: Store, year: int | None = None, stage: str | None = None
                      ) -> dict[int, analytics.ScoredRound]:
    out = {}
    for y in store.years() if year is None else [year]:
        for s in store.stages_for(y) if stage is None else [stage]:
            out.update({r.input.evaluation_id: r for r in analytics.score_round(store, y, s)})
    return out


def test_round_scorer_equals_the_reference_on_every_demo_round(demo_store: Store):
    layouts = bulk.round_layouts()
    checked = 0
    for year in demo_store.years():
        for stage in demo_store.stages_for(year):
            reference = _reference_rounds(demo_store, year, stage)
            frames = bulk.score_round_data(round_data(demo_store, layouts, year, stage))
            checked += sum(_assert_frame_matches(f, reference) for f in frames.values())
            assert checked and sum(len(f) for f in frames.values()) == len(reference)
    # the whole database at once: both frameworks, recap and answers rounds, every stage
    frames = bulk.score_round_data(round_data(demo_store, layouts))
    assert {f.framework_id for f in frames.values()} == set(list_frameworks())
    assert sum(_assert_frame_matches(f, _reference_rounds(demo_store)) for f in frames.values()) == checked > 100


def _rules_match(rules: bulk.RuleFrame, i: int, ev) -> None:
    assert [(r.predicate, r.rule, r.unit) for r in ev.rules] == list(rules.rules)
    for j, r in enumerate(ev.rules):
        assert bool(rules.passed[j, i]) == r.passed, r.rule
        assert rules.value[j, i] == pytest.approx(float(r.value), abs=1e-9), r.rule
        assert rules.threshold[j] == pytest.approx(float(r.threshold), abs=1e-12), r.rule
        if r.gap is None:
            assert np.isnan(rules.gap[j, i]), r.rule
        else:
            assert rules.gap[j, i] == pytest.approx(r.gap, abs=1e-9), r.rule
        if r.value_points is not None:
            assert rules.value_points[j, i] == pytest.approx(r.value_points, abs=1e-9)
            assert rules.threshold_points[j] == pytest.approx(r.threshold_points, abs=1e-12)
    assert rules.predicate[i] == ev.predicate
    for code, meets in ev.meets_scores.items():
        assert bool(rules.meets_scores[code][i]) == meets
    for pred in ("WBK", "WBBM"):
        assert rules.failing(pred)[i] == [r.rule for r in ev.failing(pred)]


def test_evaluate_frame_agrees_with_rules_evaluate_on_every_demo_round(demo_store: Store):
    awards: dict[str, list] = {}
    for a in demo_store.awards():
        awards.setdefault(a["unit_id"], []).append(a)
    reference = _reference_rounds(demo_store)
    frames = bulk.score_round_data(round_data(demo_store, bulk.round_layouts()))
    checked = earned = 0
    for frame in frames.values():
        held = np.asarray([held_predicate(awards.get(u, []), int(y)) is not None
                           for u, y in zip(frame.unit_id, frame.year, strict=True)])
        assert held.any() or frame.framework_id == "permenpanrb-52-2014"
        rules = bulk.evaluate_frame(frame, held)
        for i, eid in enumerate(frame.evaluation_id.tolist()):
            ev = reference[eid].evaluation
            _rules_match(rules, i, ev)
            checked += 1
            earned += ev.predicate is not None
    assert checked == len(reference) and 0 < earned < checked


@st.composite
def _scorecards(draw: st.DrawFn) -> tuple[str, list, list[bool]]:
    """Recap scorecards of one framework with values spread over, and exactly at, the thresholds."""
    fid = draw(st.sampled_from(list_frameworks()))
    fw = load_framework(fid)
    minimums = sorted({rd.min_percent for p in fw.predicates for rd in p.rules if rd.min_percent} | {0.0, 100.0})
    cards, holds = [], []
    for _ in range(draw(st.integers(1, 12))):
        areas = {}
        for a in fw.areas:
            kind = draw(st.sampled_from(["any", "edge", "below"]))
            if kind == "any":
                areas[a.code] = draw(st.floats(0, a.max, allow_nan=False))
            else:
                pct = draw(st.sampled_from(minimums))
                areas[a.code] = max(0.0, pct / 100.0 * a.max - (1e-10 if kind == "edge" else 1e-6))
        hasil = {}
        for item in fw.hasil_items.values():
            if draw(st.booleans()):
                if item.kind == "option":
                    hasil[item.code] = draw(st.sampled_from(sorted(item.options or {})))
                else:
                    hasil[item.code] = draw(st.floats(0, item.scale_max or 100.0, allow_nan=False))
        cards.append(score_areas(fw, areas, hasil))
        holds.append(draw(st.booleans()))
    return fid, cards, holds


@settings(derandomize=True, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scorecards())
def test_evaluate_frame_agrees_with_rules_evaluate_on_random_cases(case):
    fid, cards, holds = case
    fw = load_framework(fid)
    rules = bulk.evaluate_frame(bulk.frame_from_scorecards(fw, cards), np.asarray(holds))
    for i, (card, held) in enumerate(zip(cards, holds, strict=True)):
        _rules_match(rules, i, evaluate(fw, card, holds_wbk=held))


def _national_like(n_units: int, stages: tuple[str, ...], blanks: bool, seed: int = 7):
    """Bulk frames like bench/national.py: units x stages (interleaved ids), random answers (counts
    of 0-3 so zero denominators occur); with ``blanks`` some answers are missing or stored empty."""
    rng = np.random.default_rng(seed)
    fw = load_framework("permenpanrb-90-2021")
    units = pd.DataFrame({"id": [f"n-{i}" for i in range(n_units)], "name": [f"N {i}" for i in range(n_units)],
                          "short_name": None, "parent_id": None, "level": "instansi",
                          "instansi_kind": "pemerintah_daerah", "afirmasi": False})
    n_eval = n_units * len(stages)
    evaluations = pd.DataFrame({"id": np.arange(1, n_eval + 1), "unit_id": np.repeat(units["id"], len(stages)),
                                "year": 2026, "stage": np.tile(np.array(stages, dtype=object), n_units),
                                "framework_id": fw.id, "evaluated_on": None, "source": "answers"})
    rows = []
    for eid in evaluations["id"].tolist():
        for q in fw.questions.values():
            r = rng.random()
            if blanks and r < 0.05:
                continue  # no row at all
            if blanks and r < 0.08:
                rows.append((eid, q.id, None, np.nan))  # a row with an empty answer
            elif q.kind == "option":
                rows.append((eid, q.id, str(rng.choice(sorted(q.options))), np.nan))
            elif q.kind == "count":
                rows.append((eid, q.id, None, float(rng.integers(0, 4))))
            else:
                rows.append((eid, q.id, None, float(np.round(rng.uniform(0, 4), 2))))
    answers = pd.DataFrame(rows, columns=["evaluation_id", "question_id", "answer_text", "answer_number"])
    return units, evaluations, answers


@pytest.mark.parametrize("blanks", [False, True], ids=["complete", "with-blanks"])
def test_round_scorer_on_bulk_loaded_rounds_complete_or_not_and_filtered_by_stage(tmp_path, blanks):
    # complete rounds take the transpose-only path, blanks the scatter path, a stage filter the
    # non-contiguous id range (stages are interleaved)
    store = Store(tmp_path / "n.duckdb")
    store.migrate(create=True)
    units, evaluations, answers = _national_like(8, ("mandiri", "tpi", "tpn"), blanks)
    bulk_load(store, units, evaluations, answers, actor="test")
    layouts = bulk.round_layouts()
    for stage in (None, "tpi"):
        frames = bulk.score_round_data(round_data(store, layouts, 2026, stage))
        reference = _reference_rounds(store, 2026, stage)
        assert _assert_frame_matches(frames["permenpanrb-90-2021"], reference) == len(reference) > 0
        provisional = frames["permenpanrb-90-2021"].provisional
        assert provisional.all() if blanks else not provisional.any()


def test_round_overview_equals_the_per_unit_reference_on_every_demo_round(demo_store: Store):
    for year in demo_store.years():
        for stage in demo_store.stages_for(year):
            new = analytics.round_overview(demo_store, year, stage)
            earlier = [y for y in demo_store.years() if y < year]
            previous = ({r.unit_id: r.scorecard.total for r in analytics.score_round(demo_store, earlier[-1], stage)}
                        if earlier else {})
            awards: dict[str, list] = {}
            for a in demo_store.awards():
                awards.setdefault(a["unit_id"], []).append(a)
            old = analytics.overview_frame(analytics.score_round(demo_store, year, stage),
                                           analytics.units_by_id(demo_store), previous, awards)
            assert list(new.columns) == list(old.columns)
            for col in old.columns:
                assert new[col].dtype == old[col].dtype, col
                if new[col].dtype.kind == "f":
                    assert np.allclose(new[col], old[col], atol=1e-9, equal_nan=True), col
                elif col == "next_rules":  # rules.RuleResult: the same rules, figures equal to 1e-9
                    for got, want in zip(new[col].tolist(), old[col].tolist(), strict=True):
                        assert len(got) == len(want), (year, stage)
                        for a, b in zip(got, want, strict=True):
                            for x, y in zip(_rule_fields(a), _rule_fields(b), strict=True):
                                assert x == (pytest.approx(y, abs=1e-9) if isinstance(y, float) else y), (a, b)
                else:
                    assert new[col].tolist() == old[col].tolist(), col
            assert new["next_rules"].map(len).sum() > 0


def _rule_fields(r) -> tuple:
    """A RuleResult as comparable figures (flags and texts as they are, numbers as floats)."""
    return tuple(getattr(r, f) if isinstance(getattr(r, f), (str, bool)) or getattr(r, f) is None
                 else float(getattr(r, f)) for f in ("predicate", "rule", "value", "threshold", "passed", "gap",
                                                     "unit", "value_points", "threshold_points", "input_value",
                                                     "input_threshold"))


def test_overview_data_reads_the_previous_year_of_the_same_stage(demo_store: Store):
    year = max(demo_store.years())
    data = overview_data(demo_store, bulk.round_layouts(), year, "mandiri")
    assert data.previous is not None and set(data.previous.evaluations["year"].tolist()) == {year - 1}
    assert set(data.current.evaluations["stage"].tolist()) == {"mandiri"}
    assert len(data.units["id"]) == len(demo_store.list_units()) and len(data.awards) == len(demo_store.awards())


def test_a_stored_answer_that_is_no_option_is_refused_not_scored():
    lay = bulk.round_layout("permenpanrb-90-2021")
    codes = np.zeros((lay.span, 2), dtype=np.uint8)
    numbers = np.full((lay.first + lay.span - lay.number_first, 2), np.nan)
    r = int(lay.option_rows[0])
    options = lay.framework.questions[lay.first + r].options
    codes[r, 1] = next(c for c, k in enumerate(lay.option_keys, start=1) if k not in options)  # a key of others
    with pytest.raises(ScoringInputError, match=f"answers.{lay.first + r}"):
        rounds._score_answers_matrix(lay, codes, numbers)


def test_round_data_inside_a_write_reads_the_write_s_own_rows(tmp_path):
    # Outside a write the numbers are read on a second cursor, beside the codes; inside one that
    # cursor would miss the write's uncommitted rows, so both scans go through the write's connection.
    store = Store(tmp_path / "w.duckdb")
    store.migrate(create=True)
    units, evaluations, answers = _frames()
    bulk_load(store, units, evaluations, answers, actor="test")
    layouts = bulk.round_layouts()
    before = round_data(store, layouts).answers["permenpanrb-90-2021"]
    assert store.analytic_cursors_agree()
    with store.writing("test", "edit") as con:
        con.execute("UPDATE answers SET answer_number = answer_number + 1 WHERE answer_number IS NOT NULL")
        con.execute("UPDATE answers SET answer_text = 'B', answer_option = 2 WHERE answer_option = 1")
        assert not store.analytic_cursors_agree()
        inside = round_data(store, layouts).answers["permenpanrb-90-2021"]
    assert inside.number_cells.tolist() == before.number_cells.tolist() and len(before.numbers) > 0
    assert inside.numbers.tolist() == [v + 1 for v in before.numbers.tolist()]
    assert (inside.cells & (inside.slots - 1)).tolist() == [
        2 if c == 1 else c for c in (before.cells & (before.slots - 1)).tolist()]


def test_a_large_round_scored_on_two_threads_equals_the_one_thread_score(tmp_path, monkeypatch):
    # National rounds are scored in two halves at once; each evaluation's figures must not change.
    store = Store(tmp_path / "p.duckdb")
    store.migrate(create=True)
    units, evaluations, answers = _national_like(40, ("mandiri", "tpi", "tpn"), False)
    bulk_load(store, units, evaluations, answers, actor="test")
    data = round_data(store, bulk.round_layouts())
    one = bulk.score_round_data(data)["permenpanrb-90-2021"]
    monkeypatch.setattr(rounds, "_PARALLEL_FROM", 2)
    two = bulk.score_round_data(data)["permenpanrb-90-2021"]
    assert len(two) == 120
    for name in ("areas", "conservative", "halves", "hasil_points", "answered"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
