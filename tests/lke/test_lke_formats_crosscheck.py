""".xls and .ods read like .xlsx; Excel's lock files; the workbook's own total beside the project's.

The fixtures in tests/fixtures/lke-official/ are the official form filled in and saved by
LibreOffice (``make_official_fixtures.py``): ``unit-complete.xls``/``.ods`` carry a unit's edits
(three title rows, the sheet renamed, answers in any case with spaces, counts as text, a decimal
comma); the ``-saved.xlsx`` files are the form as distributed with LibreOffice's cached results.
Their expected scores are LibreOffice's recalculation of a repaired copy (``expected.json``), and the
workbook totals LibreOffice's own results of the form as distributed.
"""

from __future__ import annotations

import json

import pytest
from lke_testlib import needs_master
from official_form import FIXTURES, FORM_PATH, fill, load_form, to_bytes, unit_answers

from zi_metrics.lke import read_bytes, read_file, score_parsed
from zi_metrics.lke.reader import score_document

pytestmark = [needs_master, pytest.mark.skipif(not FORM_PATH.is_file(), reason="official form not found")]

EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def regulation(name: str) -> dict:
    return EXPECTED["answer_sets"][name]["regulation"]


@pytest.mark.parametrize("name", ["unit-complete.xls", "unit-complete.ods"])
def test_xls_and_ods_read_like_xlsx(name):
    parsed = read_file(FIXTURES / name)
    assert parsed.layout == "lampiran3" and not parsed.fatal, [str(p) for p in parsed.problems]
    assert parsed.sheet == "LKE ZI 2025" and parsed.questions_found == 127
    assert len(parsed.answers) == 127
    assert parsed.cells[1] == "K11"  # three title rows above the table
    card = score_parsed(parsed)
    assert card.total == pytest.approx(regulation("complete")["total"], abs=1e-9)
    for code, value in regulation("complete")["areas"].items():
        assert card.areas[code].score == pytest.approx(value, abs=1e-9)
    # the cached results of the form's formulas (the subtotal 27, the ratios) are not taken for
    # typed-over values: they agree with the counts
    assert not [p for p in parsed.problems if p.code.startswith("lampiran3.computed") or "subtotal" in p.code]


def test_the_xls_from_bytes_and_the_workbook_xlsx_agree():
    data = (FIXTURES / "unit-complete.xls").read_bytes()
    parsed = read_bytes(data, "lke.xls")
    again = read_bytes(data, "lke-tanpa-nama")  # sniffed from the bytes, not the name
    assert parsed.answers == again.answers and len(parsed.answers) == 127


def test_a_lock_file_alone_is_refused_clearly(tmp_path):
    lock = tmp_path / "~$lke-unit.xlsx"
    lock.write_bytes(b"\x0bAdministrator" + b"\x00" * 40 + b"\x0b\x00A\x00d\x00m\x00i\x00n" + b" " * 100)
    parsed = read_file(lock)
    assert parsed.fatal
    [p] = parsed.problems
    assert p.code == "file.lock_file" and "lke-unit.xlsx" in p.message and "lock file" in p.message
    assert "berkas kunci Excel" in p.text("id")


# ---------------------------------------------------------------------------------------------
# The workbook's own total


def test_the_workbook_total_beside_the_project_total_with_each_difference_explained():
    parsed = read_file(FIXTURES / "unit-complete-saved.xlsx")
    check = parsed.workbook
    expected_workbook = EXPECTED["files"]["unit-complete-saved.xlsx"]["workbook"]["total"]
    assert check.cell == "L208" and check.total == pytest.approx(expected_workbook, abs=1e-9)
    assert check.project_total == pytest.approx(regulation("complete")["total"], abs=1e-9)
    assert not check.agrees
    reasons = {(d.cell, d.reason) for d in check.differences}
    # J8 holds "Ya", so the form skips question 1 in MP.P1; the LHK composite averages the wrong cells
    assert reasons == {("J8", "type_cell"), ("L175", "lhk_composite")}
    # and together they are the whole difference: question 1's Ya (1) skipped in
    # AVERAGE(L8:L9)*0.5 with Q2 = B (0.5): 0.25 instead of 0.375; LHK 2 x 25/27 instead of 25/27 + 50/53
    lhk = 25 / 27 + 50 / 53
    assert check.total == pytest.approx(check.project_total - (0.375 - 0.25) - (lhk - 2 * 25 / 27), abs=1e-9)
    lhk_text = next(d for d in check.differences if d.reason == "lhk_composite").text("id")
    assert "AVERAGE(L176:L179)*H175" in lhk_text and "1,85" in lhk_text and "1,87" in lhk_text


def test_a_division_by_zero_of_the_form_is_explained_by_its_row():
    parsed = read_file(FIXTURES / "unit-discipline-zero-saved.xlsx")
    check = parsed.workbook
    assert check.total == "#DIV/0!" and EXPECTED["files"]["unit-discipline-zero-saved.xlsx"]["workbook"][
        "total"] == "#DIV/0!"
    assert check.project_total == pytest.approx(regulation("discipline-zero")["total"], abs=1e-9)
    [div] = [d for d in check.differences if d.reason == "div_zero"]
    assert div.cell == "K154" and div.project == 0.0 and "102=0" in div.text("en")


def test_unanswered_items_explain_the_partial_workbook():
    parsed = read_file(FIXTURES / "unit-partial-saved.xlsx")
    check = parsed.workbook
    assert check.total == "#DIV/0!"
    assert check.project_total == pytest.approx(regulation("partial")["total"], abs=1e-9)
    no_answer = {d.cell for d in check.differences if d.reason == "no_answer"}
    # Q39 (SDM.P6, row 60), Q93 (row 137), Q105/106 counts (row 159), Q108 (row 166): empty sub-areas
    assert {"L59", "L136", "L165", "L203"} <= no_answer
    assert any(d.reason == "form_waits" and d.cell == "K171" for d in check.differences)


def test_score_lke_and_the_preview_carry_the_workbook_total():
    parsed = read_file(FIXTURES / "unit-complete-saved.xlsx")
    doc = score_document(parsed)
    wb = doc["workbook"]
    assert wb["cell"] == "L208" and wb["total"] == pytest.approx(parsed.workbook.total)
    assert wb["project_total"] == pytest.approx(doc["total"]) and wb["agrees"] is False
    assert [d["cell"] for d in wb["differences"]] == ["J8", "L175"]
    assert all(d["message"] for d in wb["differences"])


def test_a_workbook_never_calculated_has_no_workbook_total():
    wb = load_form()
    fill(wb, unit_answers())
    parsed = read_bytes(to_bytes(wb), "lke.xlsx")  # openpyxl writes formulas without results
    assert parsed.workbook is None
    assert "workbook" not in score_document(parsed)


@pytest.mark.parametrize("name", ["unit-complete.xls", "unit-complete.ods"])
def test_xls_and_ods_cross_check_what_they_carry(name):
    check = read_file(FIXTURES / name).workbook
    assert check is not None and check.cell == "L211"
    # the form's total is an error there (text answers the form does not recognise); calamine
    # gives no error values, so the total is unknown, and the differences say why row by row
    assert not check.agrees
    reasons = {d.reason for d in check.differences}
    assert {"type_cell", "answer_not_recognised"} <= reasons


def test_a_folder_import_skips_lock_files_and_reads_every_format(tmp_path, capsys):
    import shutil

    from zi_metrics.__main__ import main

    folder = tmp_path / "kiriman"
    folder.mkdir()
    for name in ("unit-complete.xls", "unit-complete.ods", "unit-complete-saved.xlsx"):
        shutil.copy(FIXTURES / name, folder / name)
    (folder / "~$unit-complete-saved.xlsx").write_bytes(b"\x0bAdministrator" + b"\x00" * 150)
    (folder / "catatan.txt").write_text("bukan LKE")
    assert main(["score-lke", str(folder)]) == 0
    out, err = capsys.readouterr()
    docs = json.loads(out)["files"]
    assert [d["file"].rsplit("/", 1)[-1] for d in docs] == ["unit-complete-saved.xlsx", "unit-complete.ods",
                                                           "unit-complete.xls"]
    assert all(d["total"] == pytest.approx(regulation("complete")["total"], abs=1e-9) for d in docs)
    assert "skipped ~$unit-complete-saved.xlsx: Excel's lock file" in err
    # named alone, the lock file is refused with its reason
    assert main(["score-lke", str(folder / "~$unit-complete-saved.xlsx")]) == 2
    assert "lock file" in capsys.readouterr().err
