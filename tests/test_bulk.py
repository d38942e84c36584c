"""The in-DuckDB bulk scorer agrees with the reference scorer on every stored answers round."""

from __future__ import annotations

import pandas as pd
import pytest

from zi_metrics import analytics, bulk
from zi_metrics.framework import list_frameworks, load_framework
from zi_metrics.store import Store, StoreValidationError, bulk_load, ensure_database, score_rounds_bulk


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
