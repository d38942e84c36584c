"""The Lampiran III reader against workbooks built from the reference master list.

Expected scores come from two independent sources: hand arithmetic written out below for a few
sub-areas, and ``lke_builders.reference_score`` (the master list's weights and multipliers with
the domain reference's rules) for every sub-area, area, half and the totals.
"""

from __future__ import annotations

import pytest
from lke_builders import Quirks, build_lampiran3, full_answers, reference_score, to_bytes
from lke_testlib import approx, assert_matches_reference, canonical, needs_master

from zi_metrics.lke import read_bytes, score_parsed
from zi_metrics.lke.lampiran3 import read_lampiran3, write_lampiran3

pytestmark = needs_master


def read(wb, **kw):
    return read_bytes(to_bytes(wb), "lke.xlsx", **kw)


def test_official_layout_reads_every_answer_note_and_link(fw):
    answers = full_answers()
    notes = {1: "SK Tim ZI No. 12/2026", 88: "- daftar agen perubahan terlampir"}
    evidence = {1: "https://drive.example.go.id/zi/sk-tim.pdf", 125: "Laporan survei IPAK 2026"}
    parsed = read(build_lampiran3(answers, notes, evidence))
    assert (parsed.layout, parsed.framework_id, parsed.sheet) == ("lampiran3", fw.id, "LKE ZI")
    assert parsed.problems == []
    assert not parsed.fatal
    assert parsed.answers == canonical(answers)
    assert len(parsed.answers) == 127 and parsed.questions_found == 127
    assert parsed.notes == notes
    assert parsed.evidence == evidence
    assert parsed.tpi_answers is None
    assert_matches_reference(score_parsed(parsed), answers)


def test_hand_arithmetic_of_sub_areas_and_totals():
    answers = full_answers()
    card = score_parsed(read(build_lampiran3(answers)))
    sub = card.sub_areas
    # MP.P1: Ya (1) and B on A/B/C (0.5), weight 0.5
    assert sub["MP.P1"].score == approx((1 + 0.5) / 2 * 0.5)
    # MP.P3: A, B, D on A/B/C/D = 1, 0.67, 0, weight 1
    assert sub["MP.P3"].score == approx((1 + 0.67 + 0) / 3 * 1)
    # MP.R1: mean of 8/10 and 6/8, weight 2
    assert sub["MP.R1"].score == approx((0.8 + 0.75) / 2 * 2)
    # SDM.R3: violations 5 last year, 2 this year: (5 - 2) / 5, weight 2
    assert sub["SDM.R3"].score == approx(0.6 * 2)
    # AK.R1: 7 of 10 targets, weight 2
    assert sub["AK.R1"].score == approx(0.7 * 2)
    # PW.R2: 15 of 20 complaints followed up, weight 3
    assert sub["PW.R2"].score == approx(0.75 * 3)
    # PW.R3: LHKPN 9 / (1 + 4 + 5) + non-LHKPN 20 / (3 + 5 + 12), 1 point each
    assert sub["PW.R3"].score == approx(0.9 + 1.0)
    # PP.R1: Q121 = B on A/B/C/D (0.67) and 30 of 40 services simplified, weight 2.5
    assert sub["PP.R1"].score == approx((0.67 + 0.75) / 2 * 2.5)
    # MP as a whole: P1 .375, P2 (Tidak, B, C) 1/6, P3, P4 (Tidak, B, C, A) 1.5 / 4 * 1.5,
    # R1 1.55, R2 C on A-E 0.5, R3 B on A-D 0.67
    mp = 0.375 + (0 + 0.5 + 0) / 3 + (1 + 0.67) / 3 + 1.5 / 4 * 1.5 + 1.55 + 0.5 * 1 + 0.67 * 1
    assert card.areas["MP"].score == approx(mp)
    # hasil: 3.62 / 4 * 17.5 + 0.75 * 5 + 3.41 / 4 * 17.5
    assert card.hasil == approx(15.8375 + 3.75 + 14.91875)
    assert card.total == approx(card.pengungkit + 34.50625)


def test_irregular_workbook_reads_like_the_clean_one():
    answers = full_answers()
    answers[1] = "Ya "  # stray space
    answers[2] = "b"  # lower case
    answers[9] = " tidak"
    quirks = Quirks(stray_spaces=True, blank_rows_every=9, renumber_a=True,
                    wrong_types={6: "A/B/C", 13: "xx"}, score_literals={7: 99, 14: "#REF!"},
                    summary_sheet=True, typed_percent=True, extra_sheet_after=True, header_row=7)
    wb = build_lampiran3(answers, quirks=quirks)
    assert wb.sheetnames[0] == "Rekapitulasi"  # the summary sheet comes first
    parsed = read(wb)
    assert not parsed.fatal, [str(p) for p in parsed.problems]
    assert parsed.answers == canonical(answers)
    warnings = [str(p) for p in parsed.problems]
    assert any(p.cell.startswith("J") and "question 6" in p.message and "A/B/C/D" in p.message
               for p in parsed.problems)
    assert any("'xx'" in w for w in warnings)
    typed = [p for p in parsed.problems if "typed into the computed row" in p.message]
    assert len(typed) == 8  # every % row had 0.5 typed over its formula
    assert all(not p.fatal for p in parsed.problems)
    clean = score_parsed(read(build_lampiran3(canonical(answers))))
    assert score_parsed(parsed).total == approx(clean.total)
    assert_matches_reference(score_parsed(parsed), answers)


def test_half_filled_sheet_averages_answered_items_and_reports_completeness():
    full = full_answers()
    half = {q: v for q, v in full.items() if q % 2 == 0 or q in (88, 89, 113, 114, 115, 116)}
    parsed = read(build_lampiran3(half))
    assert not parsed.fatal and parsed.questions_found == 127
    assert parsed.answers == canonical(half)
    card = score_parsed(parsed)
    assert card.completeness.answered == len(half)
    assert card.completeness.total == 127
    assert card.provisional
    assert_matches_reference(card, half)
    assert card.conservative.total < card.total
    # MP.P1 has only Q2 (B): the official average is over the answered item alone
    assert card.sub_areas["MP.P1"].score == approx(0.5 * 0.5)
    assert card.conservative.areas["MP"].score < card.areas["MP"].score


def test_columns_are_found_from_the_header_when_one_is_inserted():
    answers = full_answers()
    wb = build_lampiran3(answers, {5: "catatan"})
    ws = wb["LKE ZI"]
    ws.insert_cols(9)  # a new column before KRITERIA: the answer moves from K to L
    ws.cell(row=5, column=9, value="KODE")
    parsed = read(wb)
    assert not parsed.fatal, [str(p) for p in parsed.problems]
    assert parsed.answers == canonical(answers)
    assert parsed.notes == {5: "catatan"}
    assert parsed.cells[1].startswith("L")


def test_slightly_different_text_is_matched_with_a_warning():
    wb = build_lampiran3(full_answers())
    ws = wb["LKE ZI"]
    row = wb._lke_rows[58]
    assert ws.cell(row=row, column=7).value == "pengaduan masyarakat dtindaklanjuti"
    ws.cell(row=row, column=7, value="Pengaduan masyarakat ditindaklanjuti.")
    parsed = read(wb)
    assert not parsed.fatal
    assert 58 in parsed.answers
    [warning] = [p for p in parsed.problems if "differs slightly" in p.message]
    assert "question 58" in warning.message and not warning.fatal


def test_an_answered_row_of_an_unknown_item_is_fatal_and_a_blank_one_is_not():
    wb = build_lampiran3(full_answers())
    ws = wb["LKE ZI"]
    row = wb._lke_rows[20]
    ws.cell(row=row, column=7, value="Kebijakan keterbukaan informasi publik telah dipublikasikan di media")
    parsed = read(wb)
    assert parsed.fatal
    [fatal] = [p for p in parsed.problems if p.fatal]
    assert fatal.cell == f"K{row}" and "matches no question" in fatal.message
    ws.cell(row=row, column=11).value = None
    parsed = read(wb)
    assert not parsed.fatal
    assert any("1 question(s)" in p.message and "20" in p.message for p in parsed.problems)


def test_the_writer_round_trips_answers_notes_and_evidence(fw):
    answers = canonical(full_answers())
    notes = {3: "=HYPERLINK(\"http://x\")", 4: "- poin satu\n- poin dua", 10: "@agen", 126: "+5%"}
    evidence = {3: "https://drive.example.go.id/a.pdf", 88: "SK agen perubahan"}
    data = write_lampiran3(fw, answers, notes, evidence, unit_name="=Ditjen", year=2026, stage="tpi")
    parsed = read_lampiran3(data)
    assert parsed.problems == []
    assert parsed.answers == answers
    assert parsed.notes == notes
    assert parsed.evidence == evidence
    assert score_parsed(parsed).total == approx(reference_score(answers)["total"])


def _label_and_text_in_one_cell(ws):
    for row in ws.iter_rows(min_row=7):
        cells = [c for c in row[1:7] if c.value is not None]
        if len(cells) == 2:
            cells[0].value = f"{cells[0].value} {cells[1].value}"
            cells[1].value = None


def _everything_in_column_b(ws):
    for row in ws.iter_rows(min_row=7):
        values = [c.value for c in row[1:7] if c.value is not None]
        for c in row[1:7]:
            c.value = None
        for i, v in enumerate(values):
            ws.cell(row=row[0].row, column=2 + i, value=v)


@pytest.mark.parametrize("reshape", [_label_and_text_in_one_cell, _everything_in_column_b])
def test_labels_need_not_sit_in_their_own_columns(reshape):
    answers = full_answers()
    wb = build_lampiran3(answers)
    reshape(wb["LKE ZI"])
    parsed = read(wb)
    assert parsed.problems == [] and parsed.questions_found == 127
    assert_matches_reference(score_parsed(parsed), answers)


def test_the_sheet_is_found_by_its_header_whatever_its_name():
    answers = full_answers()
    wb = build_lampiran3(answers, quirks=Quirks(sheet_title="Lembar1"))
    decoy = wb.create_sheet("LKE Rekap", 0)  # named like an LKE sheet, but no Jawaban column
    for c, v in enumerate(("Penilaian", "Bobot", "Nilai", "%"), 1):
        decoy.cell(row=3, column=c, value=v)
    parsed = read(wb)
    assert parsed.sheet == "Lembar1" and parsed.problems == []
    assert parsed.answers == canonical(answers)
