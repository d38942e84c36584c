"""The Lampiran III reader on the official form (``../shared/domain/lke/lampiran3-official-form.xlsx``)
filled in the way units fill it, with each edit of the domain page's section 4.1.

Expected scores were obtained without the project's reader or scorer: LibreOffice recalculated a
copy of the official form whose own formula defects are repaired, filled with the same answers
(``make_official_fixtures.py`` -> ``tests/fixtures/lke-official/expected.json``), and the master-list
scorer of ``lke_builders.reference_score`` gives the same figures from PortalRB's question list.
"""

from __future__ import annotations

import io
import json

import pytest
from lke_builders import reference_score
from lke_testlib import approx, needs_master
from official_form import (
    FIXTURES,
    FORM_PATH,
    QUESTION_ROWS,
    SHEET,
    delete_helper_sheets,
    fill,
    hide_rows,
    insert_cols,
    load_form,
    messy_answers,
    rename_and_reorder,
    rows_after_insert,
    title_rows,
    to_bytes,
    unit_answers,
)

from zi_metrics.lke import read_bytes, score_parsed

pytestmark = [needs_master, pytest.mark.skipif(not FORM_PATH.is_file(), reason="official form not found")]

EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def regulation(name: str) -> dict:
    return EXPECTED["answer_sets"][name]["regulation"]


def answers_of(name: str) -> dict[int, object]:
    return {int(k): v for k, v in EXPECTED["answer_sets"][name]["answers"].items()}


def read(wb, name="lke-unit.xlsx"):
    return read_bytes(to_bytes(wb), name)


def assert_scores(card, expected: dict) -> None:
    assert card.total == pytest.approx(expected["total"], abs=1e-9)
    assert card.pengungkit == pytest.approx(expected["pengungkit"], abs=1e-9)
    assert card.hasil == pytest.approx(expected["hasil"], abs=1e-9)
    assert card.halves["pemenuhan"] == pytest.approx(expected["pemenuhan"], abs=1e-9)
    assert card.halves["reform"] == pytest.approx(expected["reform"], abs=1e-9)
    for code, value in expected["areas"].items():
        assert card.areas[code].score == pytest.approx(value, abs=1e-9), code


def test_the_oracles_agree():
    """LibreOffice on the repaired form and the master-list scorer give the same figures."""
    for name in EXPECTED["answer_sets"]:
        assert reference_score(answers_of(name))["total"] == pytest.approx(regulation(name)["total"], abs=1e-9)
    assert regulation("complete")["total"] == pytest.approx(81.3091535015474, abs=1e-9)


def test_the_blank_form_as_distributed_is_read_without_error():
    parsed = read(load_form())
    assert not parsed.fatal, [str(p) for p in parsed.problems]
    assert parsed.answers == {} and parsed.questions_found == 127
    assert parsed.sheet == SHEET
    # J8 holds "Ya" in the distributed form: said once, not taken for an answer
    [j8] = [p for p in parsed.problems if p.cell == "J8"]
    assert j8.code == "lampiran3.answer_in_type_cell" and not j8.fatal


@pytest.mark.parametrize("name", ["complete", "partial", "discipline-zero"])
def test_a_filled_form_scores_as_the_regulation(name):
    answers = answers_of(name)
    wb = load_form()
    fill(wb, answers)
    parsed = read(wb)
    assert not parsed.fatal, [str(p) for p in parsed.problems]
    assert parsed.questions_found == 127
    assert set(parsed.answers) == set(answers)
    card = score_parsed(parsed)
    assert_scores(card, regulation(name))
    assert card.completeness.answered == len(answers)
    # the signature block (K219 "ttd", the minister's name) is not data
    assert not any(p.cell.endswith(("213", "219", "222")) for p in parsed.problems)


def test_the_lhkpn_and_lhkasn_counts_are_the_answers():
    """The reported failure: the typed counts were 'ignored', PW lost 1,79 points, LKE 119/127."""
    answers = unit_answers()
    wb = load_form()
    fill(wb, answers)
    parsed = read(wb)
    assert {q: parsed.answers[q] for q in range(113, 121)} == {q: float(answers[q]) for q in range(113, 121)}
    assert parsed.cells[113] == "K179" and parsed.cells[116] == "K182" and parsed.cells[120] == "K189"
    card = score_parsed(parsed)
    # LHKPN 25 of 1 + 13 + 13 = 27; LHKASN 50 of 4 + 9 + 40 = 53: one point each at most
    assert card.sub_areas["PW.R3"].score == approx(25 / 27 + 50 / 53)
    assert card.completeness.answered == 127
    assert not [p for p in parsed.problems if "computed row" in p.message]


def _title_rows(wb):
    added = title_rows(wb)
    return rows_after_insert(1, added), "K"


def _hidden_rows_and_columns(wb):
    hide_rows(wb, list(range(10, 23)) + [129, 130, 179, 180, 181])
    wb[SHEET].column_dimensions["K"].hidden = True
    return None, "K"


def _renamed_and_reordered(wb):
    rename_and_reorder(wb, "LKE ZI 2025")
    return None, "K"


def _helpers_deleted(wb):
    delete_helper_sheets(wb)
    return None, "K"


def _inserted_column(wb):
    insert_cols(wb, 9)  # a column before "Penjelasan": the answers move to L
    wb[SHEET]["I2"] = "Kode"
    return None, "L"


def _autofilter(wb):
    ws = wb[SHEET]
    ws.auto_filter.ref = "A2:Q208"
    ws.auto_filter.add_filter_column(9, ["A/B/C", "Ya/Tidak"])  # rows of other types are hidden
    hide_rows(wb, [r for r in range(3, 209) if ws[f"J{r}"].value not in ("A/B/C", "Ya/Tidak")])
    return None, "K"


EDITS = {"title rows": _title_rows, "hidden rows and columns": _hidden_rows_and_columns,
         "renamed and reordered sheet": _renamed_and_reordered, "helper sheets deleted": _helpers_deleted,
         "inserted column": _inserted_column, "autofilter": _autofilter}


@pytest.mark.parametrize("edit", list(EDITS))
def test_each_edit_of_a_unit_reads_like_the_form(edit):
    wb = load_form()
    rows, column = EDITS[edit](wb)
    fill(wb, unit_answers(), rows, column, wb.worksheets[0].title if edit.startswith("renamed") else SHEET)
    parsed = read(wb)
    assert not parsed.fatal, [str(p) for p in parsed.problems]
    assert parsed.questions_found == 127 and len(parsed.answers) == 127
    assert_scores(score_parsed(parsed), regulation("complete"))


def test_answers_in_any_case_with_spaces_counts_as_text_and_a_decimal_comma():
    wb = load_form()
    messy = messy_answers(unit_answers())
    assert messy[125] == "3,62" and messy[127] == "3,45" and any(isinstance(v, str) and v != v.strip()
                                                                   for v in messy.values())
    fill(wb, messy)
    parsed = read(wb)
    assert not parsed.fatal, [str(p) for p in parsed.problems]
    assert parsed.answers[125] == 3.62 and parsed.answers[127] == 3.45
    assert_scores(score_parsed(parsed), regulation("complete"))


def test_every_edit_at_once():
    wb = load_form()
    added = title_rows(wb)
    insert_cols(wb, 9)
    rename_and_reorder(wb, "lke zi (final)")
    delete_helper_sheets(wb)
    rows = rows_after_insert(1, added)
    hide_rows(wb, [rows[1], rows[88], rows[113]], "lke zi (final)")
    fill(wb, messy_answers(unit_answers()), rows, "L", "lke zi (final)")
    parsed = read(wb)
    assert not parsed.fatal, [str(p) for p in parsed.problems]
    assert parsed.sheet == "lke zi (final)"
    assert_scores(score_parsed(parsed), regulation("complete"))


def test_typed_over_subtotal_and_percent_are_not_trusted():
    wb = load_form()
    fill(wb, unit_answers())
    ws = wb[SHEET]
    ws["K178"] = 30  # "Jumlah yang harus melaporkan" typed over its formula (the counts add up to 27)
    ws["K185"] = 53  # typed, but equal to the counts' sum: nothing to say
    ws["K128"] = 0.5  # a % typed over its formula (the counts give 9 / 12 = 0,75)
    parsed = read(wb)
    assert not parsed.fatal
    by_cell = {p.cell: p for p in parsed.problems}
    assert by_cell["K178"].code == "lampiran3.subtotal_typed" and "27" in by_cell["K178"].message
    assert by_cell["K128"].code == "lampiran3.computed_typed_differs" and "0.75" in by_cell["K128"].message
    assert "0,75" in by_cell["K128"].text("id")
    assert "K185" not in by_cell
    assert_scores(score_parsed(parsed), regulation("complete"))


def test_an_answer_typed_into_the_answer_type_cell():
    answers = unit_answers()
    wb = load_form()
    fill(wb, {q: v for q, v in answers.items() if q != 2})
    wb[SHEET]["J9"] = "B"  # the unit typed its answer over "A/B/C" and left K9 blank
    parsed = read(wb)
    assert not parsed.fatal and 2 not in parsed.answers
    [p] = [p for p in parsed.problems if p.cell == "J9"]
    assert p.code == "lampiran3.answer_in_type_cell" and "K9" in p.message
    expected = reference_score({q: v for q, v in answers.items() if q != 2})
    assert score_parsed(parsed).total == approx(expected["total"])


def test_anything_below_the_final_total_is_not_data():
    wb = load_form()
    fill(wb, unit_answers())
    ws = wb[SHEET]
    ws["K230"] = "Ya"
    ws["G230"] = "Unit kerja telah membentuk tim"  # a question's words in a note under the table
    ws["K231"] = 12
    parsed = read(wb)
    assert not parsed.fatal and not [p for p in parsed.problems if p.cell in ("K219", "K230", "K231")]
    assert_scores(score_parsed(parsed), regulation("complete"))


def test_a_value_without_question_text_above_the_total_is_a_warning():
    wb = load_form()
    fill(wb, unit_answers())
    wb[SHEET]["K199"] = "ttd"
    parsed = read(wb)
    assert not parsed.fatal
    [p] = [p for p in parsed.problems if p.cell == "K199"]
    assert p.code == "lampiran3.no_question_text"


def test_the_question_rows_of_the_form():
    """The row table used to fill the form holds each question's text (or its form wording)."""
    ws = load_form()[SHEET]
    assert len(QUESTION_ROWS) == 127 and len(set(QUESTION_ROWS.values())) == 127
    for qid, row in QUESTION_ROWS.items():
        assert ws[f"G{row}"].value or ws[f"E{row}"].value, (qid, row)


def test_the_cli_prints_every_blocking_problem(tmp_path, capsys):
    from zi_metrics.__main__ import main

    wb = load_form()
    answers = unit_answers()
    answers.update({2: "Mungkin", 88: -3, 125: "tinggi"})  # three wrong cells
    fill(wb, answers)
    path = tmp_path / "lke-unit.xlsx"
    path.write_bytes(to_bytes(wb))
    assert main(["score-lke", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert [line.split(": ", 2)[1] for line in lines] == ["LKE ZI!K9", "LKE ZI!K129", "LKE ZI!K202"]
    assert "more problem" not in err and all(line.startswith("score-lke: ") for line in lines)


def test_the_cli_scores_the_filled_official_form(tmp_path, capsys):
    from zi_metrics.__main__ import main

    wb = load_form()
    fill(wb, unit_answers())
    path = tmp_path / "lke-unit.xlsx"
    path.write_bytes(to_bytes(wb))
    assert main(["score-lke", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["total"] == pytest.approx(regulation("complete")["total"], abs=1e-9)
    assert doc["completeness"]["answered"] == 127


def test_notes_that_start_like_a_formula_are_kept_as_text_and_neutralised_on_export(fw):
    """Issue #15.6: Excel stores a note typed as "=..." or "+..." as a formula; it was dropped."""
    from openpyxl import load_workbook

    from zi_metrics.lke.lampiran3 import write_lampiran3

    wb = load_form()
    fill(wb, unit_answers())
    ws = wb[SHEET]
    ws["O8"] = "=SK Tim ZI terlampir"  # stored as a formula, as Excel would
    ws["O9"] = '=HYPERLINK("http://evil.example","klik")'
    ws["P11"] = "+62 812 dokumen"
    parsed = read(wb)
    assert not parsed.fatal
    assert parsed.notes[1] == "=SK Tim ZI terlampir"
    assert parsed.notes[2] == '=HYPERLINK("http://evil.example","klik")'
    assert parsed.evidence[3] == "+62 812 dokumen"
    kept = [p for p in parsed.problems if p.code == "note.formula_kept"]
    assert {p.cell for p in kept} == {"O8", "O9"} and not any(p.fatal for p in kept)
    assert "catatan diawali seperti rumus" in kept[0].text("id")
    out = load_workbook(io.BytesIO(write_lampiran3(fw, parsed.answers, parsed.notes, parsed.evidence)))
    texts = [c.value for row in out.active.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=SK Tim ZI terlampir" in texts and "'+62 812 dokumen" in texts
    assert not any(isinstance(c.value, str) and c.data_type == "f" for row in out.active.iter_rows() for c in row
                   if c.column in (14, 15))
