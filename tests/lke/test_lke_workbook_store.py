"""The stored round keeps the workbook's own total (issue #10.3), for ``show`` and the pages."""

from __future__ import annotations

import json

import pytest
from lke_testlib import needs_master
from official_form import FIXTURES, fill, load_form, to_bytes, unit_answers

from zi_metrics.lke.importer import import_file
from zi_metrics.store import SCHEMA_VERSION, TABLES, workbook_result

pytestmark = needs_master
UNIT = "kemendesa-itjen"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def test_the_import_stores_the_workbook_total_with_the_round(db):
    assert "workbook_results" in TABLES and SCHEMA_VERSION >= 3
    result = import_file(db, FIXTURES / "unit-complete-saved.xlsx", actor="test", unit_id=UNIT, year=2025,
                         stage="mandiri")
    assert result.written, [str(p) for p in result.problems]
    stored = workbook_result(db, UNIT, 2025, "mandiri")
    assert stored["cell"] == "L208" and stored["sheet"] == "LKE ZI"
    assert stored["total"] == pytest.approx(EXPECTED["files"]["unit-complete-saved.xlsx"]["workbook"]["total"])
    assert stored["project_total"] == pytest.approx(EXPECTED["answer_sets"]["complete"]["regulation"]["total"])
    assert [d["cell"] for d in stored["differences"]] == ["J8", "L175"]
    assert db.workbook_result(UNIT, 2025, "mandiri") == stored
    # the same file again writes nothing
    again = import_file(db, FIXTURES / "unit-complete-saved.xlsx", actor="test", unit_id=UNIT, year=2025,
                        stage="mandiri")
    assert not again.written


def test_an_error_total_is_kept_as_the_workbook_showed_it(db):
    import_file(db, FIXTURES / "unit-discipline-zero-saved.xlsx", actor="test", unit_id=UNIT, year=2025,
                stage="tpi")
    stored = workbook_result(db, UNIT, 2025, "tpi")
    assert stored["total"] == "#DIV/0!"
    assert any(d["reason"] == "div_zero" and d["cell"] == "K154" for d in stored["differences"])


def test_a_reimport_without_cached_results_removes_it_and_a_deleted_round_takes_it_along(db):
    import_file(db, FIXTURES / "unit-complete-saved.xlsx", actor="test", unit_id=UNIT, year=2025,
                stage="mandiri")
    answers = unit_answers()
    answers[2] = "A"
    wb = load_form()
    fill(wb, answers)
    result = import_file(db, to_bytes(wb), name="lke-baru.xlsx", actor="test", unit_id=UNIT, year=2025,
                         stage="mandiri")
    assert result.written
    assert workbook_result(db, UNIT, 2025, "mandiri") is None  # never calculated: nothing to keep
    import_file(db, FIXTURES / "unit-complete-saved.xlsx", actor="test", unit_id=UNIT, year=2025,
                stage="mandiri")
    assert workbook_result(db, UNIT, 2025, "mandiri") is not None
    evaluation_id = result.statuses[0].evaluation_id
    db.delete_evaluation(evaluation_id, actor="test")
    assert workbook_result(db, UNIT, 2025, "mandiri") is None
    assert db.table_rows("workbook_results") == []


def test_show_prints_the_workbook_total_as_score_lke_did(db, capsys):
    from zi_metrics.lke.reader import read_file, score_document
    from zi_metrics.stored_round import show_document

    import_file(db, FIXTURES / "unit-complete-saved.xlsx", actor="test", unit_id=UNIT, year=2025,
                stage="mandiri")
    shown = show_document(db, UNIT, 2025, "mandiri")
    scored = score_document(read_file(FIXTURES / "unit-complete-saved.xlsx"))
    assert shown["workbook"] == json.loads(json.dumps(scored["workbook"]))
    assert shown["total"] == pytest.approx(scored["total"])
