"""PortalRB formats: the Jawaban workbook (unit answers in K, TPI answers in N) and the payload JSON."""

from __future__ import annotations

import json

from lke_builders import all_soals, build_jawaban, full_answers, reference_score, to_bytes
from lke_testlib import approx, assert_matches_reference, canonical, needs_master, tpi_answers

from zi_metrics.lke import read_bytes, score_document, score_parsed
from zi_metrics.lke.payload import build_payload, dump_payload, parse_payload

pytestmark = needs_master


def test_jawaban_workbook_yields_the_unit_and_the_tpi_answer_sets(fw):
    unit, tpi = full_answers(), tpi_answers()
    notes = {1: "SK tim terlampir", 44: "Renstra 2025-2029"}
    evidence = {1: "https://drive.example.go.id/sk.pdf"}
    tpi_notes = {1: "SK belum ditandatangani", 6: "rencana aksi belum dilaksanakan"}
    parsed = read_bytes(to_bytes(build_jawaban(unit, tpi, notes, evidence, tpi_notes)), "jawaban.xlsx")
    assert (parsed.layout, parsed.framework_id, parsed.sheet) == ("jawaban", fw.id, "Jawaban")
    assert parsed.problems == []
    assert parsed.answers == canonical(unit)
    assert parsed.tpi_answers == canonical(tpi)
    assert parsed.notes == notes and parsed.evidence == evidence and parsed.tpi_notes == tpi_notes
    soals = all_soals()
    assert parsed.cells[1] == f"K{soals[1]['excel_baris']}"
    assert_matches_reference(score_parsed(parsed, "unit"), unit)
    assert_matches_reference(score_parsed(parsed, "tpi"), tpi)
    # MP.P1 by hand: the unit has Ya and B, the TPI Tidak and B
    assert score_parsed(parsed, "unit").sub_areas["MP.P1"].score == approx(0.375)
    assert score_parsed(parsed, "tpi").sub_areas["MP.P1"].score == approx(0.125)
    doc = score_document(parsed)
    assert doc["layout"] == "jawaban" and doc["total"] == approx(reference_score(unit)["total"])
    assert doc["tpi"]["total"] == approx(reference_score(tpi)["total"])


def test_jawaban_notes_typed_like_a_formula_are_kept_with_a_warning():
    """Excel stores a note typed as "=..." as a formula (openpyxl writes such a string as one too):
    the reader keeps its text and says so (issue #15.6), for the unit's and the TPI's notes."""
    unit, tpi = full_answers(), tpi_answers()
    notes = {1: "=SK Tim ZI terlampir", 44: "Renstra 2025-2029"}
    evidence = {1: '=HYPERLINK("http://evil.example","klik")'}
    tpi_notes = {6: "=rencana aksi belum dilaksanakan"}
    wb = build_jawaban(unit, tpi, notes, evidence, tpi_notes)
    row = all_soals()[1]["excel_baris"]
    assert wb["Jawaban"].cell(row=row, column=12).data_type == "f"  # a formula cell, as Excel stores it
    parsed = read_bytes(to_bytes(wb), "jawaban.xlsx")
    assert parsed.notes == notes and parsed.evidence == evidence and parsed.tpi_notes == tpi_notes
    kept = [p for p in parsed.problems if p.code == "note.formula_kept"]
    assert {p.cell for p in kept} == {f"L{row}", f"M{row}", f"Q{all_soals()[6]['excel_baris']}"}, kept
    assert not any(p.fatal for p in parsed.problems)
    assert "disimpan sebagai teks" in kept[0].text("id") and "kept as text" in kept[0].text("en")


def test_jawaban_without_tpi_column_has_an_empty_tpi_set():
    parsed = read_bytes(to_bytes(build_jawaban(full_answers(), extra_sheets=False)), "j.xlsx")
    assert not parsed.fatal
    assert parsed.tpi_answers == {}
    assert "tpi" not in score_document(parsed)


def test_jawaban_rows_shifted_by_a_hand_inserted_row_are_refused():
    parsed = read_bytes(to_bytes(build_jawaban(full_answers(), shift_from=100)), "j.xlsx")
    assert parsed.fatal
    first = next(p for p in parsed.problems if p.fatal)
    assert first.sheet == "Jawaban"
    # row 100 (question 70) is now empty; row 101 holds question 70's text instead of 71's
    assert first.cell == "G101"
    assert "row 101 should hold question 71" in first.message
    assert "that is the text of row 100: rows inserted or deleted?" in first.message
    assert max(parsed.answers) == 69  # nothing below the inserted row is trusted


def test_jawaban_text_with_small_differences_is_accepted_with_a_warning():
    wb = build_jawaban(full_answers())
    row = all_soals()[58]["excel_baris"]
    wb["Jawaban"][f"G{row}"] = "  Pengaduan  masyarakat ditindaklanjuti. "
    parsed = read_bytes(to_bytes(wb), "j.xlsx")
    assert not parsed.fatal and 58 in parsed.answers
    assert [p.cell for p in parsed.problems] == [f"G{row}"]


def test_payload_round_trip_through_build_payload(fw):
    unit, tpi = canonical(full_answers()), canonical(tpi_answers())
    records = build_payload(fw, unit, tpi, notes={2: "catatan"}, evidence={2: "https://x.example/2"},
                            tpi_notes={2: "cek ulang"})
    assert len(records) == 127 and records[0]["soal_id"] == 1
    assert records[87]["jawaban_unit"] == 10 and isinstance(records[87]["jawaban_unit"], int)
    parsed = parse_payload(json.loads(dump_payload(records)))
    assert parsed.problems == []
    assert parsed.answers == unit and parsed.tpi_answers == tpi
    assert parsed.notes == {2: "catatan"} and parsed.evidence == {2: "https://x.example/2"}
    assert parsed.tpi_notes == {2: "cek ulang"}
    assert score_parsed(parsed).total == approx(reference_score(unit)["total"])


def test_payload_accepts_an_envelope_numbers_as_text_and_nulls():
    doc = {"tahun": 2026, "data": [
        {"soal_id": "1", "jawaban_unit": "ya ", "jawaban_tpi": None},
        {"soal_id": 88, "jawaban_unit": "12", "jawaban_tpi": ""},
        {"soal_id": 125, "jawaban_unit": "3,62", "extra": 1},
    ]}
    parsed = read_bytes(json.dumps(doc).encode(), "payload.json")
    assert parsed.layout == "payload" and not parsed.fatal
    assert parsed.answers == {1: "Ya", 88: 12.0, 125: 3.62}
    assert parsed.tpi_answers == {}
    assert [p.message for p in parsed.problems] == ["ignored unknown field(s): extra"]


def test_payload_for_a_year_without_portalrb_questions_is_refused():
    parsed = read_bytes(json.dumps({"tahun": 2018, "data": [{"soal_id": 126, "jawaban_unit": "A"}]}).encode(),
                        "old.json")
    assert parsed.fatal and parsed.framework_id == "permenpanrb-52-2014"
    assert "is not a question of permenpanrb-52-2014" in parsed.problems[0].message
