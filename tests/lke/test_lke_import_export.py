"""Import into the store (one transaction, idempotent, all or nothing) and the exports (recap
workbook, Lampiran III round trip, PortalRB payload)."""

from __future__ import annotations

import io
import json

import pytest
from lke_builders import build_jawaban, build_lampiran3, full_answers, reference_score, to_bytes
from lke_testlib import approx, canonical, file_hash, needs_master, tpi_answers
from openpyxl import load_workbook

import zi_metrics.store.rounds as store_rounds
from zi_metrics.analytics import score_round, unit_rounds
from zi_metrics.lke import (
    ExportError,
    commit_import,
    export_lke,
    export_payload,
    export_recap,
    import_file,
    prepare_import,
    read_bytes,
    score_parsed,
)
from zi_metrics.lke.common import sha256_hex
from zi_metrics.lke.payload import parse_payload
from zi_metrics.lke.recap import RECAP_COLUMNS
from zi_metrics.names import rule_short_name
from zi_metrics.store import StoreValidationError
from zi_metrics.xlsx_report import header_row_of

pytestmark = needs_master

UNIT = "kemendesa-itjen"


def lampiran3_file(tmp_path, answers=None, notes=None, evidence=None, name="lke.xlsx"):
    path = tmp_path / name
    path.write_bytes(to_bytes(build_lampiran3(answers or full_answers(), notes, evidence)))
    return path


def stored_answers(store, unit, year, stage):
    eid = store.evaluation_id(unit, year, stage)
    return store.answer_values(eid), store.answers_for(eid)


def test_import_stores_one_round_with_notes_and_logs_the_file(tmp_path, db):
    notes = {1: "SK Tim ZI", 4: "- target prioritas"}
    evidence = {1: "https://drive.example.go.id/sk.pdf"}
    path = lampiran3_file(tmp_path, notes=notes, evidence=evidence)
    result = import_file(db, path, actor="tester", unit_id=UNIT, year=2026, stage="mandiri")
    assert not result.fatal and result.written
    assert [(s.stage, s.status) for s in result.statuses] == [("mandiri", "new")]
    values, rows = stored_answers(db, UNIT, 2026, "mandiri")
    assert values == canonical(full_answers())
    assert rows[1]["note"] == "SK Tim ZI" and rows[1]["evidence_ref"] == evidence[1]
    assert rows[4]["note"] == "- target prioritas"
    log = db.audit_log(1).iloc[0]
    assert (log["actor"], log["action"], log["file_name"]) == ("tester", "import_lke", "lke.xlsx")
    assert log["file_sha256"] == sha256_hex(path.read_bytes())
    detail = json.loads(log["detail"])
    assert detail["layout"] == "lampiran3" and detail["rounds"] == [f"{UNIT} 2026 mandiri: new"]
    [scored] = unit_rounds(db, UNIT)
    assert scored.scorecard.total == approx(reference_score(full_answers())["total"])


def test_importing_the_same_file_twice_changes_nothing(tmp_path, db):
    path = lampiran3_file(tmp_path)
    first = import_file(db, path, actor="t", unit_id=UNIT, year=2026, stage="tpi")
    assert first.written
    before, audit_rows = file_hash(db.path), len(db.audit_log(1000))
    second = import_file(db, path, actor="t", unit_id=UNIT, year=2026, stage="tpi")
    assert not second.fatal and not second.written
    assert [s.status for s in second.statuses] == ["unchanged"]
    assert "already up to date" in second.summary()
    assert file_hash(db.path) == before
    assert len(db.audit_log(1000)) == audit_rows
    # a changed answer is a change: the round is replaced, keeping its id
    answers = full_answers()
    answers[1] = "Tidak"
    third = import_file(db, lampiran3_file(tmp_path, answers, name="v2.xlsx"), actor="t", unit_id=UNIT,
                        year=2026, stage="tpi")
    assert [s.status for s in third.statuses] == ["changed"]
    assert third.statuses[0].evaluation_id == first.statuses[0].evaluation_id
    assert file_hash(db.path) != before
    assert stored_answers(db, UNIT, 2026, "tpi")[0][1] == "Tidak"


def test_preview_says_what_confirming_would_do(tmp_path, db):
    data = lampiran3_file(tmp_path).read_bytes()
    preview = prepare_import(data, name="upload.xlsx", unit_id=UNIT, year=2026, stage="mandiri", store=db)
    assert not preview.fatal and preview.changes is True
    [planned] = preview.rounds
    assert planned.evaluation.scorecard.total == approx(reference_score(full_answers())["total"])
    assert planned.origin == "K" and preview.sha256 == sha256_hex(data)
    assert db.evaluations().empty  # a preview writes nothing
    result = commit_import(db, preview, actor="page")
    assert result.written
    again = prepare_import(data, name="upload.xlsx", unit_id=UNIT, year=2026, stage="mandiri", store=db)
    assert again.changes is False and [s.status for s in again.statuses] == ["unchanged"]


def test_a_jawaban_workbook_imports_the_mandiri_and_tpi_rounds(tmp_path, db):
    unit, tpi = full_answers(), tpi_answers()
    path = tmp_path / "jawaban.xlsx"
    path.write_bytes(to_bytes(build_jawaban(unit, tpi, {1: "catatan unit"}, {1: "https://x.example/1"},
                                            {1: "catatan TPI"})))
    result = import_file(db, path, actor="t", unit_id=UNIT, year=2026)
    assert [(s.stage, s.status) for s in result.statuses] == [("mandiri", "new"), ("tpi", "new")]
    assert len(db.audit_log(1000)[lambda f: f["action"] == "import_lke"]) == 1  # one transaction
    m_values, m_rows = stored_answers(db, UNIT, 2026, "mandiri")
    t_values, t_rows = stored_answers(db, UNIT, 2026, "tpi")
    assert m_values == canonical(unit) and t_values == canonical(tpi)
    assert m_rows[1]["note"] == "catatan unit" and m_rows[1]["evidence_ref"] == "https://x.example/1"
    assert t_rows[1]["note"] == "catatan TPI" and t_rows[1]["evidence_ref"] is None
    totals = {s.stage: s.scorecard.total for s in unit_rounds(db, UNIT)}
    assert totals == {"mandiri": approx(reference_score(unit)["total"]),
                      "tpi": approx(reference_score(tpi)["total"])}


def test_stage_limits_a_jawaban_import(tmp_path, db):
    path = tmp_path / "jawaban.xlsx"
    path.write_bytes(to_bytes(build_jawaban(full_answers(), tpi_answers())))
    result = import_file(db, path, actor="t", unit_id=UNIT, year=2026, stage="tpi")
    assert [s.stage for s in result.statuses] == ["tpi"]
    before = file_hash(db.path)
    refused = import_file(db, path, actor="t", unit_id=UNIT, year=2026, stage="tpn")
    assert refused.fatal and "stage tpn does not apply" in str(refused.problems[0])
    lampiran = import_file(db, lampiran3_file(tmp_path), actor="t", unit_id=UNIT, year=2026)
    assert lampiran.fatal and "choose the stage" in str(lampiran.problems[0])
    assert file_hash(db.path) == before


def test_a_failure_while_writing_rolls_back_every_round(tmp_path, db, monkeypatch):
    path = tmp_path / "jawaban.xlsx"
    path.write_bytes(to_bytes(build_jawaban(full_answers(), tpi_answers())))
    before = file_hash(db.path)
    real = store_rounds._write_evaluations

    def write_then_fail(con, prepared, *args, **kwargs):
        real(con, prepared, *args, **kwargs)  # both rounds are written inside the transaction ...
        raise StoreValidationError("disk full (simulated)")  # ... then it fails

    monkeypatch.setattr(store_rounds, "_write_evaluations", write_then_fail)
    result = import_file(db, path, actor="t", unit_id=UNIT, year=2026)
    assert result.fatal and "nothing was imported: disk full (simulated)" in str(result.problems[-1])
    assert file_hash(db.path) == before
    assert db.evaluations().empty


def test_a_note_the_store_refuses_makes_the_preview_fatal(tmp_path, db):
    path = lampiran3_file(tmp_path, notes={5: "x" * 5000})
    preview = prepare_import(path, unit_id=UNIT, year=2026, stage="mandiri", store=db)
    assert preview.fatal and "longer than 4000 characters" in str(preview.problems[-1])


def test_recap_import_checks_every_unit_and_writes_all_rows_at_once(tmp_path, db):
    header = ",".join(RECAP_COLUMNS)
    good = "\n".join([header, f"{UNIT},2026,tpi,,6.5,5.6,8,8.2,12,8.4,3.62,B,,3.41",
                      "kemendesa-ditjen-pkt,2026,tpi,,4,3.5,6,5,9,6,3.1,C,,3.0"]) + "\n"
    bad = good + "unit-lain,2026,tpi,,4,3.5,6,5,9,6,3.1,C,,3.0\n"
    before = file_hash(db.path)
    refused = import_file(db, bad.encode(), name="rekap.csv", actor="t")
    assert refused.fatal and "unknown unit 'unit-lain'" in str(refused.problems[0])
    assert refused.problems[0].cell == "line 4"
    assert file_hash(db.path) == before
    result = import_file(db, good.encode(), name="rekap.csv", actor="t")
    assert [(s.unit_id, s.status) for s in result.statuses] == [(UNIT, "new"),
                                                                ("kemendesa-ditjen-pkt", "new")]
    totals = {s.unit_id: s.scorecard.total for s in score_round(db, 2026, "tpi")}
    assert totals[UNIT] == approx(48.7 + 15.8375 + 3.75 + 14.91875)
    only_one = import_file(db, good.encode(), name="rekap.csv", actor="t", unit_id="kemendesa-ditjen-pkt")
    assert [s.status for s in only_one.statuses] == ["unchanged"]


# ---------------------------------------------------------------------------------------------
# Exports


def _text_cells(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield ws, cell


def test_recap_export_has_thresholds_highlights_and_no_formula_text(tmp_path, db, fw):
    answers = full_answers()
    assert import_file(db, lampiran3_file(tmp_path, answers), actor="t", unit_id=UNIT, year=2026,
                       stage="tpi").written
    # a weak unit: the second-best option everywhere
    weak = {q: (sorted(fw.questions[q].options, key=fw.questions[q].options.get)[-2]
                if fw.questions[q].kind == "option" else v) for q, v in answers.items()}
    assert import_file(db, lampiran3_file(tmp_path, weak, name="weak.xlsx"), actor="t",
                       unit_id="kemendesa-ditjen-pkt", year=2026, stage="tpi").written
    data = export_recap(db, 2026, "tpi")
    for _, cell in _text_cells(data):
        assert cell.data_type != "f", cell.coordinate
        if isinstance(cell.value, str):
            assert cell.value[:1] not in ("=", "+", "-", "@"), (cell.coordinate, cell.value)
    ws = load_workbook(io.BytesIO(data))["Rincian poin"]  # the detail sheet: every figure of the round
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header_row = header_row_of(ws) - 1
    header = rows[header_row]
    col = {h: i for i, h in enumerate(header)}
    wbk = next(r for r in rows if r[0] == "Batas Menuju WBK")
    wbbm = next(r for r in rows if r[0] == "Batas Menuju WBBM")
    assert (wbk[col["Nilai total"]], wbbm[col["Nilai total"]]) == (75, 85)
    assert (wbk[col["Pengungkit"]], wbbm[col["Pengungkit"]]) == (40, 48)
    assert (wbk[col["PW (% dari maks.)"]], wbbm[col["PW (% dari maks.)"]]) == (pytest.approx(0.6),
                                                                                pytest.approx(0.75))
    assert wbk[col["PW · Penguatan Pengawasan (poin)"]] == approx(9.0)
    data_rows = {r[col["Kode unit"]]: (i, r) for i, r in enumerate(rows)
                 if i > header_row and r[col["Kode unit"]] in (UNIT, "kemendesa-ditjen-pkt")}
    _, pkt = data_rows["kemendesa-ditjen-pkt"]
    assert pkt[col["Unit kerja"]] == "'=Ditjen PKT"  # neutralised, not a formula
    scored = {s.unit_id: s for s in score_round(db, 2026, "tpi")}
    for unit, (i, row) in data_rows.items():
        s = scored[unit]
        assert row[col["Nilai total"]] == approx(s.scorecard.total)
        assert row[col["MP · Manajemen Perubahan (poin)"]] == approx(s.scorecard.areas["MP"].score)
        assert row[col["Pemenuhan"]] == approx(s.scorecard.halves["pemenuhan"])
        assert row[col["Predikat"]] == {"WBK": "Menuju WBK", "WBBM": "Menuju WBBM"}.get(
            s.evaluation.predicate, "Belum ada predikat")
        assert row[col["Aturan Menuju WBK yang belum terpenuhi"]] == ", ".join(
            rule_short_name(s.framework, r.rule) for r in s.evaluation.failing("WBK")) or None
        failing_wbk = {r.rule for r in s.evaluation.failing("WBK")}
        failing_wbbm = {r.rule for r in s.evaluation.failing("WBBM")}
        for code in ("MP", "TT", "SDM", "AK", "PW", "PP"):
            fill = ws.cell(row=i + 1, column=col[f"{code} (% dari maks.)"] + 1).fill.fgColor.rgb
            rule = f"area:{code}"
            expected = ("00F8CBAD" if rule in failing_wbk else "00FFE699" if rule in failing_wbbm
                        else "00000000")
            assert fill == expected, (unit, code, fill)
        total_fill = ws.cell(row=i + 1, column=col["Nilai total"] + 1).fill.fgColor.rgb
        assert total_fill == ("00F8CBAD" if "total" in failing_wbk else
                              "00FFE699" if "total" in failing_wbbm else "00000000")
    assert "total" in {r.rule for r in scored["kemendesa-ditjen-pkt"].evaluation.failing("WBK")}
    with pytest.raises(ExportError):
        export_recap(db, 2025, "tpi")


def test_lke_export_round_trip_gives_identical_scores(tmp_path, db):
    answers = full_answers()
    del answers[30], answers[111]  # a gap or two
    # notes as a form on the page would store them: texts that a spreadsheet would take for formulas
    notes = {3: "=SUM(A1:A9)", 4: "- poin satu\n- poin dua", 10: "@agen", 126: "+5% dari 2025"}
    evidence = {3: "https://drive.example.go.id/a.pdf", 88: "SK agen perubahan"}
    stored = {q: {"answer": answers.get(q), "note": notes.get(q), "evidence_ref": evidence.get(q)}
              for q in set(answers) | set(notes) | set(evidence)}
    db.save_evaluation(UNIT, 2026, "mandiri", "permenpanrb-90-2021", answers=stored, actor="t")
    data = export_lke(db, UNIT, 2026, "mandiri")
    for _, cell in _text_cells(data):
        if cell.column > 11 or cell.column == 7:  # notes, evidence and texts are never formulas
            assert cell.data_type != "f" or cell.column in (12, 13)
    parsed = read_bytes(data, "export.xlsx")
    assert parsed.layout == "lampiran3" and parsed.problems == []
    assert parsed.answers == canonical(answers)
    assert parsed.notes == notes and parsed.evidence == evidence
    # import the export as another round: identical stored answers and identical scores
    result = import_file(db, data, name="export.xlsx", actor="t", unit_id=UNIT, year=2026, stage="tpn")
    assert result.written
    assert stored_answers(db, UNIT, 2026, "tpn") == stored_answers(db, UNIT, 2026, "mandiri")
    rounds = {s.stage: s for s in unit_rounds(db, UNIT)}
    assert rounds["tpn"].scorecard.total == approx(rounds["mandiri"].scorecard.total)
    assert rounds["tpn"].scorecard.sub_areas == rounds["mandiri"].scorecard.sub_areas
    assert rounds["tpn"].evaluation.rules == rounds["mandiri"].evaluation.rules
    # importing the export over the round it came from changes nothing
    before = file_hash(db.path)
    again = import_file(db, data, name="export.xlsx", actor="t", unit_id=UNIT, year=2026, stage="mandiri")
    assert [s.status for s in again.statuses] == ["unchanged"] and file_hash(db.path) == before


def test_lke_export_of_a_recap_round_is_refused(db):
    db.save_evaluation(UNIT, 2026, "tpi", "permenpanrb-90-2021", area_points={"MP": 6}, actor="t")
    with pytest.raises(ExportError, match="recap of area points"):
        export_lke(db, UNIT, 2026, "tpi")


def test_payload_export_pairs_the_mandiri_and_tpi_rounds(tmp_path, db, fw):
    unit, tpi = full_answers(), tpi_answers()
    path = tmp_path / "jawaban.xlsx"
    path.write_bytes(to_bytes(build_jawaban(unit, tpi, {2: "catatan"}, {2: "https://x.example/2"},
                                            {2: "catatan TPI"})))
    import_file(db, path, actor="t", unit_id=UNIT, year=2026)
    records = export_payload(db, UNIT, 2026)
    assert [r["soal_id"] for r in records] == list(fw.questions)
    assert records[1] == {"soal_id": 2, "jawaban_unit": "B", "jawaban_tpi": "B", "catatan_unit": "catatan",
                          "bukti_dukung_unit": "https://x.example/2", "catatan_tpi": "catatan TPI"}
    assert records[29]["jawaban_tpi"] is None  # the TPI left question 30 blank
    parsed = parse_payload(records)
    assert parsed.answers == canonical(unit) and parsed.tpi_answers == canonical(tpi)
    assert score_parsed(parsed, "tpi").total == approx(reference_score(tpi)["total"])
    with pytest.raises(ExportError):
        export_payload(db, UNIT, 2025)


def test_a_payload_imports_like_a_jawaban_workbook(db, fw):
    from zi_metrics.lke import build_payload

    records = build_payload(fw, canonical(full_answers()), canonical(tpi_answers()), notes={1: "n"})
    data = json.dumps(records).encode()
    result = import_file(db, data, name="portalrb.json", actor="t", unit_id=UNIT, year=2026)
    assert [(s.stage, s.status) for s in result.statuses] == [("mandiri", "new"), ("tpi", "new")]
    assert stored_answers(db, UNIT, 2026, "tpi")[0] == canonical(tpi_answers())
    only_unit = prepare_import(data, name="portalrb.json", unit_id=UNIT, year=2026, stage="mandiri", store=db)
    assert [r.stage for r in only_unit.rounds] == ["mandiri"] and only_unit.changes is False
    missing = prepare_import(data, name="portalrb.json", unit_id=UNIT, store=db)
    assert missing.fatal and "choose the evaluation year" in str(missing.problems[0])
