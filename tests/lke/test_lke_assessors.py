"""Exports with several assessors (issue #10.4, domain §4.2): PortalRB's Jawaban + Utama export and
the agencies' working copies with Jawaban Unit / TPI / TPI Itjen columns, located by header text.

Expected scores come from the independent scorer of ``lke_builders`` (the master's multipliers and
the regulation's roll-up), and a few sub-areas by hand."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from export_builders import Col, assessor_columns, build_export
from lke_builders import all_soals, full_answers, to_bytes
from lke_testlib import approx, assert_matches_reference, canonical, needs_master, tpi_answers

from zi_metrics.framework import load_framework
from zi_metrics.lke import read_bytes
from zi_metrics.lke.assessors import parse_flag, parse_status
from zi_metrics.lke.reader import score_parsed
from zi_metrics.scoring import score_answers

pytestmark = needs_master
ROW = {qid: s["excel_baris"] for qid, s in all_soals().items()}


def eselon1_answers():
    """The eselon-I review: between the unit and the Itjen's TPI."""
    out = dict(full_answers())
    out.update({1: "Ya", 2: "C", 6: "B", 30: "C", 88: 10, 89: 6, 125: 3.55, 126: "C"})
    return out


def itjen_answers():
    out = dict(tpi_answers())
    out.update({1: "Ya", 2: "C", 12: "D", 113: 1, 114: 4, 115: 5, 116: 7, 127: 3.3})
    return out


def by_stage(parsed):
    return {s.stage: s for s in parsed.assessors}


def score(answers):
    return score_answers(load_framework("permenpanrb-90-2021"), canonical(answers))


# ---------------------------------------------------------------------------------------------
# PortalRB 2026: Jawaban + Utama, the master's columns K-Q


def test_portalrb_export_with_utama_reads_the_unit_and_the_tpi():
    unit, tpi = full_answers(), tpi_answers()
    notes = {1: "SK Tim ZI nomor 12", 44: "Renstra 2025-2029"}
    evidence = {1: "https://drive.example.go.id/sk-tim.pdf", 44: "Renstra (scan)"}
    tpi_notes = {1: "SK belum ditandatangani pimpinan", 6: "monev belum berkala"}
    cols = [Col("Jawaban Unit", unit), Col("Catatan Unit", notes), Col("Bukti Dukung Unit", evidence, link=True),
            Col("Jawaban TPI", tpi), Col("Nilai Unit", score_of="Jawaban Unit"),
            Col("Nilai TPI", score_of="Jawaban TPI"), Col("Catatan TPI", tpi_notes)]
    wb = build_export(cols)  # K..Q exactly as the master's excel_kolom_* say
    assert [ws.title for ws in wb.worksheets] == ["Utama", "Jawaban"]
    assert wb["Jawaban"][f"K{ROW[1]}"].value == "Ya" and wb["Jawaban"][f"N{ROW[1]}"].value == "Tidak"
    parsed = read_bytes(to_bytes(wb), "portalrb-2026.xlsx")
    assert parsed.layout == "jawaban" and parsed.problems == []
    sets = by_stage(parsed)
    assert list(sets) == ["mandiri", "tpi"]
    assert (sets["mandiri"].column, sets["tpi"].column) == ("K", "N")
    assert sets["mandiri"].answers == canonical(unit) and sets["tpi"].answers == canonical(tpi)
    assert sets["mandiri"].notes == notes and sets["mandiri"].evidence == evidence
    assert sets["tpi"].notes == tpi_notes
    # the TPI's notes become follow-ups; the unit's evidence link is the follow-up's link
    assert set(sets["tpi"].followups) == {1, 6}
    assert sets["tpi"].followups[1].evidence_url == "https://drive.example.go.id/sk-tim.pdf"
    assert sets["tpi"].followups[6].evidence_url == ""
    assert sets["mandiri"].followups == {}
    # the older fields stay what they were
    assert parsed.answers == canonical(unit) and parsed.tpi_answers == canonical(tpi)
    assert_matches_reference(score_parsed(parsed, "unit"), unit)
    assert_matches_reference(score_parsed(parsed, "tpi"), tpi)


# ---------------------------------------------------------------------------------------------
# Agency working copies: three assessors, follow-up flags and PIC, other letters


FLAG_SPELLINGS = [True, False, "TRUE", "FALSE", "true", " False ", "Ya", "Tidak", "Sudah", "Belum", "1", "0",
                  1, 0, "Benar", "Salah", "Sesuai", "Tidak sesuai", "Ada", "Belum ada", "\u2713", "yes", "NO"]


def spelled(value: bool, i: int):
    """A TRUE/FALSE cell in one of the spellings seen in working copies."""
    trues = [v for v in FLAG_SPELLINGS if parse_flag(v)[0] is True]
    falses = [v for v in FLAG_SPELLINGS if parse_flag(v)[0] is False]
    pool = trues if value else falses
    return pool[i % len(pool)]


def test_flag_spellings_are_understood_and_blank_is_unknown():
    assert [parse_flag(v)[0] for v in FLAG_SPELLINGS] == [
        True, False, True, False, True, False, True, False, True, False, True, False,
        True, False, True, False, True, False, True, False, True, True, False]
    assert parse_flag(None) == (None, True) and parse_flag("  ") == (None, True) and parse_flag("-") == (None, True)
    for ambiguous in ("T", "x", "mungkin", 2):
        assert parse_flag(ambiguous) == (None, False), ambiguous
    assert parse_status(" Dalam Proses ") == ("proses", True) and parse_status("SELESAI") == ("selesai", True)
    assert parse_status("hampir") == (None, False)


def agency_export(*, first_column=11, sheet="jawaban", spelling="{field} {who}", extra_left=(),
                  title_rows=(), grouped=False, shuffle_seed=None):
    unit, es1, itjen = full_answers(), eselon1_answers(), itjen_answers()
    addressed = {1: True, 2: False, 6: True, 12: False}
    period = {1: True, 2: True, 6: False, 12: False}
    named = {1: True, 2: False, 6: True}
    pic = {1: "Sekretariat", 2: "Bagian Umum", 6: "Subbag Kepegawaian", 12: "Tim Kerja ZI"}
    cols = [*assessor_columns("Unit", unit, {1: "SK terlampir"}, {1: "https://drive.example.go.id/sk.pdf",
                                                                   2: "http://arsip.example.go.id/2"},
                              spelling=spelling, grouped=grouped),
            *assessor_columns("TPI", es1, {1: "SK eselon I belum ada", 30: "lengkapi notulen"},
                              spelling=spelling, grouped=grouped),
            *assessor_columns("TPI Itjen", itjen, {1: "perbaiki SK", 2: "mekanisme seleksi tidak jelas",
                                                   6: "monev triwulanan", 12: "data kinerja 2025"},
                              spelling=spelling, grouped=grouped),
            Col("Catatan TPI sudah ditindaklanjuti", {q: spelled(v, q) for q, v in addressed.items()},
                "Tindak lanjut" if grouped else None),
            Col("Bukti dukung periode berjalan sudah ada", {q: spelled(v, q + 1) for q, v in period.items()},
                "Tindak lanjut" if grouped else None),
            Col("Penamaan bukti dukung sudah sesuai", {q: spelled(v, q + 2) for q, v in named.items()},
                "Tindak lanjut" if grouped else None),
            Col("PIC", pic, "Tindak lanjut" if grouped else None)]
    if shuffle_seed is not None:  # keep each assessor's answer column first in its block
        rnd = random.Random(shuffle_seed)
        blocks = [cols[0:4], cols[4:8], cols[8:12], cols[12:]]
        rnd.shuffle(blocks[3])
        cols = [c for b in blocks for c in b]
    wb = build_export(cols, first_column=first_column, sheet=sheet, extra_left=extra_left, title_rows=title_rows)
    return wb, (unit, es1, itjen, addressed, period, named, pic)


# the variant saved by LibreOffice as .ods and .xls in tests/fixtures/assessors/ (make_assessor_fixtures.py)
FIXTURE_VARIANT = {"grouped": True, "title_rows": ("Kertas kerja TPI Itjen 2026 (data sintetis)",)}
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "assessors"


def check_agency(parsed, expected):
    unit, es1, itjen, addressed, period, named, pic = expected
    assert not parsed.fatal, [str(p) for p in parsed.problems]
    sets = by_stage(parsed)
    assert list(sets) == ["mandiri", "tpi_eselon1", "tpi"]
    assert sets["mandiri"].answers == canonical(unit)
    assert sets["tpi_eselon1"].answers == canonical(es1)
    assert sets["tpi"].answers == canonical(itjen)
    assert sets["tpi_eselon1"].notes == {1: "SK eselon I belum ada", 30: "lengkapi notulen"}
    assert sets["tpi"].notes[2] == "mekanisme seleksi tidak jelas"
    fu = sets["tpi"].followups
    assert set(fu) == {1, 2, 6, 12}
    for q in fu:
        assert fu[q].addressed is addressed.get(q), q
        assert fu[q].period_ok is period.get(q), q
        assert fu[q].named_ok is named.get(q), q
        assert fu[q].pic == pic[q]
    assert fu[1].evidence_url == "https://drive.example.go.id/sk.pdf"
    assert fu[2].evidence_url == "http://arsip.example.go.id/2"
    assert set(sets["tpi_eselon1"].followups) == {1, 30}  # its notes; no flag column is its own
    for stage, answers in (("mandiri", unit), ("tpi_eselon1", es1), ("tpi", itjen)):
        assert_matches_reference(score_answers(load_framework(parsed.framework_id), sets[stage].answers), answers)


def test_agency_export_three_assessors_flags_and_pic():
    wb, expected = agency_export()
    parsed = read_bytes(to_bytes(wb), "lke-tpi-itjen.xlsx")
    assert parsed.sheet == "jawaban"
    check_agency(parsed, expected)
    sets = by_stage(parsed)
    # by hand: MP Penyusunan Tim Kerja (weight 0.5) = mean of Q1 and Q2 multipliers x 0.5
    fw = load_framework(parsed.framework_id)
    mp_p1 = {stage: score_answers(fw, sets[stage].answers).sub_areas["MP.P1"].score for stage in sets}
    assert mp_p1["mandiri"] == approx((1 + 0.5) / 2 * 0.5)  # Ya, B
    assert mp_p1["tpi_eselon1"] == approx((1 + 0) / 2 * 0.5)  # Ya, C
    assert mp_p1["tpi"] == approx((1 + 0) / 2 * 0.5)  # Ya, C
    # by hand: PW LHKPN (weight 1) for the Itjen = min(1, 7 / (1 + 4 + 5)) = 0.7
    card = score_answers(fw, sets["tpi"].answers)
    lhkpn = next(p for s in card.sub_areas.values() for p in s.parts if "(LHKPN)" in p.name)
    assert lhkpn.score == approx(0.7)
    assert card.total == approx(score(itjen_answers()).total)


@pytest.mark.parametrize("variant", [
    dict(first_column=14),
    dict(first_column=12, spelling=lambda f, w: f"  {f.upper()}   {w}  "),
    dict(sheet="Jawaban ", spelling="{who} - {field}", extra_left=("Kode Soal",)),
    dict(sheet="JAWABAN", title_rows=("LKE ZI 2026 - Kertas kerja TPI Itjen", "Unit: Balai (data sintetis)")),
    dict(grouped=True, first_column=13),
    dict(grouped=True, title_rows=("Kertas kerja evaluasi",), extra_left=("ID", "Kode")),
], ids=["letters-N", "stray-spaces-caps", "who-first-extra-column", "title-rows", "group-header",
        "group-title-extra"])
def test_agency_export_variants(variant):
    wb, expected = agency_export(**variant)
    parsed = read_bytes(to_bytes(wb), "export.xlsx")
    check_agency(parsed, expected)


@pytest.mark.parametrize("seed", range(8))
def test_random_layouts_give_the_reference_scores(seed):
    """Random column letters, follow-up column order, header spelling, extra columns and title rows;
    scores always equal the independent scorer's."""
    rnd = random.Random(seed)
    variant = dict(first_column=rnd.randint(11, 20), sheet=rnd.choice(["Jawaban", "jawaban", " JAWABAN"]),
                   spelling=rnd.choice(["{field} {who}", lambda f, w: f"{f} {w}".upper(), " {field}  {who} ",
                                        "{field} ({who})", "{field}_{who}", lambda f, w: f"{w.lower()} {f}"]),
                   extra_left=tuple(rnd.sample(["Kode", "ID Soal", "Ref"], rnd.randint(0, 2))),
                   title_rows=tuple("Judul" for _ in range(rnd.randint(0, 3))),
                   grouped=rnd.random() < 0.3, shuffle_seed=seed)
    wb, expected = agency_export(**variant)
    check_agency(read_bytes(to_bytes(wb), "export.xlsx"), expected)


def test_explicit_eselon1_itjen_and_tpn_columns():
    unit, es1, itjen = full_answers(), eselon1_answers(), itjen_answers()
    tpn = dict(itjen)
    tpn.update({125: 3.61, 127: 3.21, 126: "B"})
    cols = [Col("Jawaban TPN", tpn), Col("Catatan TPN", {5: "bukti tidak relevan"}),
            Col("Jawaban TPI Kementerian", itjen), Col("Jawaban TPI Eselon I", es1), Col("Jawaban Unit Kerja", unit)]
    parsed = read_bytes(to_bytes(build_export(cols, sheet="Jawaban")), "x.xlsx")
    assert not parsed.fatal, [str(p) for p in parsed.problems]
    sets = by_stage(parsed)
    assert list(sets) == ["mandiri", "tpi_eselon1", "tpi", "tpn"]
    assert [sets[s].column for s in sets] == ["O", "N", "M", "K"]
    assert sets["tpn"].notes == {5: "bukti tidak relevan"} and set(sets["tpn"].followups) == {5}
    assert score_answers(load_framework(parsed.framework_id), sets["tpn"].answers).total == approx(score(tpn).total)


def test_follow_up_status_due_date_and_own_link_columns():
    itjen = itjen_answers()
    cols = [Col("Jawaban Unit", full_answers()), Col("Bukti Dukung Unit", {3: "https://a.example/3"}),
            Col("Jawaban TPI", itjen), Col("Catatan TPI", {3: "lengkapi", 4: "perbaiki", 5: "ok"}),
            Col("Status Tindak Lanjut", {3: "Dalam proses", 4: "selesai", 5: "hampir"}),
            Col("Batas Waktu", {3: dt.datetime(2026, 7, 31), 4: "15/08/2026", 5: "besok"}),
            Col("Link bukti tindak lanjut", {4: "https://drive.example.go.id/tl-4"}, link=True),
            Col("PIC", {3: "  Bagian  Umum "})]
    parsed = read_bytes(to_bytes(build_export(cols)), "x.xlsx")
    assert not parsed.fatal
    fu = by_stage(parsed)["tpi"].followups
    assert (fu[3].status, fu[3].due_date, fu[3].pic, fu[3].evidence_url) == (
        "proses", dt.date(2026, 7, 31), "Bagian Umum", "https://a.example/3")
    assert (fu[4].status, fu[4].due_date, fu[4].evidence_url) == ("selesai", dt.date(2026, 8, 15),
                                                                  "https://drive.example.go.id/tl-4")
    assert (fu[5].status, fu[5].due_date) == (None, None)
    warned = {(p.cell, p.fatal) for p in parsed.warnings}
    r5 = ROW[5]
    assert warned == {(f"O{r5}", False), (f"P{r5}", False)}
    assert any("'hampir'" in p.message and "belum, proses, selesai" in p.message for p in parsed.warnings)


def test_a_flag_nobody_can_read_is_a_warning_naming_the_cell():
    cols = [Col("Jawaban Unit", full_answers()), Col("Jawaban TPI", tpi_answers()),
            Col("Catatan TPI", {7: "x"}), Col("Catatan sudah ditindaklanjuti", {7: "mungkin", 8: "T"})]
    parsed = read_bytes(to_bytes(build_export(cols, first_column=12)), "x.xlsx")
    assert not parsed.fatal
    assert sorted(p.cell for p in parsed.warnings) == sorted([f"O{ROW[7]}", f"O{ROW[8]}"])
    assert "is not TRUE or FALSE" in parsed.warnings[0].message
    assert by_stage(parsed)["tpi"].followups[7].addressed is None


# ---------------------------------------------------------------------------------------------
# What cannot be read is said, with the cell


def test_two_unnamed_answer_columns_are_refused():
    cols = [Col("Jawaban", full_answers()), Col("Catatan"), Col("Jawaban", tpi_answers())]
    parsed = read_bytes(to_bytes(build_export(cols)), "x.xlsx")
    assert parsed.fatal
    p = next(p for p in parsed.problems if p.fatal)
    assert (p.sheet, p.cell) == ("Jawaban", "M1")
    assert "does not say whose answers it holds" in p.message
    assert p.text("id").startswith("kolom jawaban 'Jawaban' tidak menyebut penilainya")  # the page's language


def test_the_same_assessor_twice_is_refused():
    cols = [Col("Jawaban Unit", full_answers()), Col("Jawaban TPI", tpi_answers()), Col("jawaban  tpi", {})]
    parsed = read_bytes(to_bytes(build_export(cols)), "x.xlsx")
    p = next(p for p in parsed.problems if p.fatal)
    assert p.cell == "M1" and "two answer columns for the same assessor: L 'Jawaban TPI'" in p.message


def test_two_columns_that_would_be_the_same_round_are_refused():
    cols = [Col("Jawaban Unit", full_answers()), Col("Jawaban TPI", tpi_answers()),
            Col("Jawaban TPI Eselon I", tpi_answers()), Col("Jawaban TPI Itjen", tpi_answers())]
    parsed = read_bytes(to_bytes(build_export(cols)), "x.xlsx")
    p = next(p for p in parsed.problems if p.fatal)
    assert p.cell == "M1" and "would both be the tpi_eselon1 round" in p.message


def test_a_bad_answer_of_the_itjen_names_the_assessor_and_cell():
    itjen = itjen_answers()
    itjen[9] = "Mungkin"
    cols = [Col("Jawaban Unit", full_answers()), Col("Jawaban TPI", eselon1_answers()),
            Col("Jawaban TPI Itjen", itjen)]
    parsed = read_bytes(to_bytes(build_export(cols, first_column=15)), "x.xlsx")
    p = next(p for p in parsed.problems if p.fatal)
    assert p.cell == f"Q{ROW[9]}" and "question 9 (TPI Itjen)" in p.message and "'Mungkin'" in p.message


def test_a_sheet_under_another_name_is_found_by_its_header():
    cols = [Col("Jawaban Unit", full_answers()), Col("Jawaban TPI Inspektorat", tpi_answers())]
    parsed = read_bytes(to_bytes(build_export(cols, sheet="LKE 2026 (TPI)", utama=False)), "x.xlsx")
    assert parsed.layout == "jawaban" and parsed.sheet == "LKE 2026 (TPI)" and not parsed.fatal
    assert [s.stage for s in parsed.assessors] == ["mandiri", "tpi"]


def test_a_sheet_without_header_is_read_at_the_masters_columns_with_a_warning():
    cols = [Col("x", full_answers()), Col("", {}), Col("", {}), Col("", tpi_answers())]
    wb = build_export(cols, first_column=11)
    ws = wb["Jawaban"]
    for col in range(1, 20):
        ws.cell(row=1, column=col).value = None
    parsed = read_bytes(to_bytes(wb), "x.xlsx")
    assert not parsed.fatal
    assert len(parsed.warnings) == 1
    assert parsed.warnings[0].message.startswith("no header row names the answer columns (Jawaban Unit")
    assert parsed.answers == canonical(full_answers()) and parsed.tpi_answers == canonical(tpi_answers())


def test_a_lampiran3_sheet_given_a_tpi_column_stays_a_lampiran3_workbook():
    from lke_builders import build_lampiran3

    wb = build_lampiran3(full_answers())
    ws = wb["LKE ZI"]
    ws.cell(row=5, column=16, value="JAWABAN TPI")
    ws.cell(row=5, column=17, value="Jawaban TPI Itjen")
    parsed = read_bytes(to_bytes(wb), "lke.xlsx")
    assert parsed.layout == "lampiran3" and not parsed.fatal
    assert parsed.answers == canonical(full_answers())


@pytest.mark.parametrize("ext", ["ods", "xls"])
def test_a_working_copy_saved_as_ods_or_xls_reads_the_same(ext):
    """LibreOffice's copies of an agency export (two-row header, a title row): .ods and .xls keep
    neither the merged group cells nor the hyperlinks, and still give the same assessors."""
    from zi_metrics.lke import read_file

    _, expected = agency_export(**FIXTURE_VARIANT)
    parsed = read_file(FIXTURES / f"kertas-kerja-tpi.{ext}")
    assert parsed.layout == "jawaban"
    check_agency(parsed, expected)
