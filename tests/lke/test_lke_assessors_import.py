"""Importing exports with several assessors: one round per assessor (mandiri, tpi_eselon1, tpi,
tpn), follow-ups of the assessors' notes stored with their flags and PIC, edits kept when the same
round is imported again, and everything in one transaction."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from export_builders import Col, assessor_columns, build_export
from lke_builders import full_answers, reference_score, to_bytes
from lke_testlib import approx, canonical, file_hash, needs_master, tpi_answers
from test_lke_assessors import eselon1_answers, itjen_answers

import zi_metrics.store.follow_ups as follow_ups_module
from zi_metrics.analytics import unit_rounds
from zi_metrics.lke import import_file, prepare_import
from zi_metrics.store import FollowUpConflictError, StoreValidationError, UnknownFollowUpError

pytestmark = needs_master
UNIT = "kemendesa-itjen"


def export(tmp_path, *, addressed=None, pic=None, itjen_notes=None, name="kertas-kerja.xlsx"):
    addressed = {1: "TRUE", 2: "FALSE", 6: "Sudah"} if addressed is None else addressed
    pic = {1: "Sekretariat", 2: "Bagian Umum"} if pic is None else pic
    itjen_notes = {1: "perbaiki SK", 2: "mekanisme seleksi tidak jelas", 6: "monev triwulanan",
                   12: "data kinerja 2025"} if itjen_notes is None else itjen_notes
    cols = [*assessor_columns("Unit", full_answers(), {1: "SK terlampir"},
                              {1: "https://drive.example.go.id/sk.pdf", 6: "Laporan monev (arsip)"}),
            *assessor_columns("TPI", eselon1_answers(), {30: "lengkapi notulen"}),
            *assessor_columns("TPI Itjen", itjen_answers(), itjen_notes),
            Col("Catatan TPI sudah ditindaklanjuti", addressed),
            Col("Bukti dukung periode berjalan ada", {1: True, 2: False}),
            Col("Penamaan bukti dukung sesuai", {1: "ya", 2: "tidak"}),
            Col("PIC", pic)]
    path = tmp_path / name
    path.write_bytes(to_bytes(build_export(cols, sheet="jawaban", first_column=12)))
    return path


def follow_ups_of(db, stage, year=2026):
    frame = db.follow_ups(year=year)
    frame = frame[frame["stage"] == stage]
    return {int(r["question_id"]): r for r in frame.to_dict("records")}


def test_each_assessor_becomes_its_round_with_follow_ups(tmp_path, db):
    result = import_file(db, export(tmp_path), actor="importer", unit_id=UNIT, year=2026)
    assert not result.fatal, [str(p) for p in result.problems]
    assert [(s.stage, s.status) for s in result.statuses] == [
        ("mandiri", "new"), ("tpi_eselon1", "new"), ("tpi", "new")]
    assert len(db.audit_log(100).query("action == 'import_lke'")) == 1  # one transaction
    totals = {s.stage: s.scorecard.total for s in unit_rounds(db, UNIT)}
    assert totals == {"mandiri": approx(reference_score(full_answers())["total"]),
                      "tpi_eselon1": approx(reference_score(eselon1_answers())["total"]),
                      "tpi": approx(reference_score(itjen_answers())["total"])}
    assert db.answer_values(db.evaluation_id(UNIT, 2026, "tpi")) == canonical(itjen_answers())
    tpi = follow_ups_of(db, "tpi")
    assert sorted(tpi) == [1, 2, 6, 12]
    one = tpi[1]
    assert (one["assessor_note"], one["pic"], one["status"]) == ("perbaiki SK", "Sekretariat", "selesai")
    assert (one["note_addressed"], one["evidence_period_ok"], one["evidence_named_ok"]) == (True, True, True)
    assert one["evidence_url"] == "https://drive.example.go.id/sk.pdf" and not one["edited"]
    two = tpi[2]
    assert (two["status"], two["note_addressed"], two["evidence_period_ok"], two["evidence_named_ok"]) == (
        "belum", False, False, False)
    assert (tpi[6]["status"], tpi[6]["pic"], tpi[6]["evidence_url"]) == ("selesai", None, None)
    assert (tpi[12]["status"], tpi[12]["note_addressed"]) == ("belum", None)
    es1 = follow_ups_of(db, "tpi_eselon1")
    assert sorted(es1) == [30] and es1[30]["assessor_note"] == "lengkapi notulen"
    assert follow_ups_of(db, "mandiri") == {}


def test_stage_picks_one_assessor_and_a_missing_one_is_refused(tmp_path, db):
    path = export(tmp_path)
    result = import_file(db, path, actor="t", unit_id=UNIT, year=2026, stage="tpi_eselon1")
    assert [s.stage for s in result.statuses] == ["tpi_eselon1"]
    refused = prepare_import(path, unit_id=UNIT, year=2026, stage="tpn", store=db)
    assert refused.fatal
    assert ("stage tpn does not apply: the file holds the answers of mandiri (L), tpi_eselon1 (P), tpi (S)"
            in str(refused.problems[0]))


def test_edits_survive_a_reimport_and_the_file_updates_the_rest(tmp_path, db):
    import_file(db, export(tmp_path), actor="importer", unit_id=UNIT, year=2026)
    eid = db.evaluation_id(UNIT, 2026, "tpi")
    before = db.follow_up(eid, 2)
    changed = db.update_follow_up(eid, 2, {"pic": "Kasubag Umum", "due_date": dt.date(2026, 8, 31),
                                           "status": "proses", "note_addressed": True, "evidence_period_ok": False,
                                           "evidence_url": "https://drive.example.go.id/tl-2"},
                                  actor="editor@itjen", expected_version=before["version"])
    assert changed
    log = db.audit_log(1).iloc[0]
    assert (log["actor"], log["action"]) == ("editor@itjen", "update_follow_up")
    detail = json.loads(log["detail"])
    assert detail["question_id"] == 2 and detail["stage"] == "tpi"
    assert detail["changes"]["pic"] == ["Bagian Umum", "Kasubag Umum"]
    assert detail["changes"]["due_date"] == [None, "2026-08-31"]
    assert "evidence_period_ok" not in detail["changes"]  # unchanged fields are not listed
    # the same file again: nothing to write at all
    again_hash = file_hash(db.path)
    again = import_file(db, export(tmp_path), actor="importer", unit_id=UNIT, year=2026)
    assert [s.status for s in again.statuses] == ["unchanged"] * 3 and file_hash(db.path) == again_hash
    # an updated working copy: item 6 reopened, item 12's note gone, item 2 still FALSE in the file
    newer = export(tmp_path, addressed={1: "TRUE", 2: "FALSE", 6: "belum"},
                   itjen_notes={1: "perbaiki SK", 2: "mekanisme seleksi tidak jelas", 6: "monev triwulanan"},
                   name="kertas-kerja-v2.xlsx")
    result = import_file(db, newer, actor="importer", unit_id=UNIT, year=2026)
    assert [(s.stage, s.status) for s in result.statuses] == [
        ("mandiri", "unchanged"), ("tpi_eselon1", "unchanged"), ("tpi", "changed")]
    tpi = follow_ups_of(db, "tpi")
    assert sorted(tpi) == [1, 2, 6]  # 12 was imported, never edited, and is no longer in the file
    kept = tpi[2]
    assert (kept["pic"], kept["status"], kept["note_addressed"], kept["edited"]) == (
        "Kasubag Umum", "proses", True, True)
    assert kept["due_date"] == dt.date(2026, 8, 31) and kept["updated_by"] == "editor@itjen"
    assert (tpi[6]["status"], tpi[6]["note_addressed"]) == ("belum", False)


def test_only_the_flags_changed_is_a_change(tmp_path, db):
    import_file(db, export(tmp_path), actor="t", unit_id=UNIT, year=2026)
    result = import_file(db, export(tmp_path, pic={1: "Sekretariat", 2: "Bagian Keuangan"}, name="v2.xlsx"),
                         actor="t", unit_id=UNIT, year=2026)
    assert [s.status for s in result.statuses] == ["unchanged", "unchanged", "changed"]
    assert follow_ups_of(db, "tpi")[2]["pic"] == "Bagian Keuangan"


def test_a_stale_edit_is_refused_and_writes_nothing(tmp_path, db):
    import_file(db, export(tmp_path), actor="t", unit_id=UNIT, year=2026)
    eid = db.evaluation_id(UNIT, 2026, "tpi")
    version = db.follow_up(eid, 1)["version"]
    assert db.update_follow_up(eid, 1, {"status": "proses", "pic": "A"}, actor="first", expected_version=version)
    before = file_hash(db.path)
    with pytest.raises(FollowUpConflictError) as err:
        db.update_follow_up(eid, 1, {"status": "selesai", "pic": "B"}, actor="second", expected_version=version)
    assert err.value.actor == "first" and "changed meanwhile by first" in str(err.value)
    with pytest.raises(UnknownFollowUpError):
        db.update_follow_up(eid, 99, {"status": "selesai"}, actor="x")
    with pytest.raises(StoreValidationError, match="status done is not belum, proses or selesai"):
        db.update_follow_up(eid, 1, {"status": "done"}, actor="x")
    assert file_hash(db.path) == before
    same = db.follow_up(eid, 1)
    assert not db.update_follow_up(eid, 1, {k: same[k] for k in ("pic", "due_date", "status", "note_addressed",
                                                                 "evidence_period_ok", "evidence_named_ok",
                                                                 "evidence_url")}, actor="x")
    assert file_hash(db.path) == before  # nothing changed: nothing written, no audit row


def test_a_failure_while_writing_follow_ups_rolls_back_every_round(tmp_path, db, monkeypatch):
    real = follow_ups_module.write_imported_follow_ups

    def write_then_fail(con, pairs):
        real(con, pairs)
        raise StoreValidationError("disk full (simulated)")

    monkeypatch.setattr("zi_metrics.store.rounds.write_imported_follow_ups", write_then_fail)
    before = file_hash(db.path)
    result = import_file(db, export(tmp_path), actor="t", unit_id=UNIT, year=2026)
    assert result.fatal and "disk full (simulated)" in str(result.problems[-1])
    assert file_hash(db.path) == before and db.evaluations().empty


def test_deleting_a_round_deletes_its_follow_ups(tmp_path, db):
    import_file(db, export(tmp_path), actor="t", unit_id=UNIT, year=2026)
    db.delete_evaluation(db.evaluation_id(UNIT, 2026, "tpi"), actor="t")
    assert sorted(db.follow_ups()["stage"].unique()) == ["tpi_eselon1"]
    db.clear_data(actor="t")
    assert db.follow_ups().empty


def test_a_lampiran3_workbook_imported_as_tpi_makes_follow_ups_of_its_notes(tmp_path, db):
    from lke_builders import build_lampiran3

    path = tmp_path / "lke-tpi.xlsx"
    path.write_bytes(to_bytes(build_lampiran3(tpi_answers(), {3: "rencana kerja belum ditetapkan"},
                                              {3: "https://drive.example.go.id/renja.pdf"})))
    import_file(db, path, actor="t", unit_id=UNIT, year=2026, stage="tpi")
    fu = follow_ups_of(db, "tpi")
    assert sorted(fu) == [3]
    assert (fu[3]["status"], fu[3]["evidence_url"]) == ("belum", "https://drive.example.go.id/renja.pdf")
    import_file(db, path, actor="t", unit_id=UNIT, year=2025, stage="mandiri")
    assert follow_ups_of(db, "mandiri", 2025) == {}  # the unit's own notes are not follow-ups


def test_a_payload_makes_follow_ups_of_the_tpi_notes(db):
    import json as json_module

    from lke_builders import all_soals

    records = [{"soal_id": q, "jawaban_unit": v, "jawaban_tpi": tpi_answers().get(q),
                "catatan_unit": None, "bukti_dukung_unit": None, "catatan_tpi": None}
               for q, v in full_answers().items()]
    records[4].update({"catatan_tpi": "lengkapi notulen monev", "bukti_dukung_unit": "https://drive.example.go.id/5"})
    records[9]["catatan_tpi"] = "SOP belum direviu"
    assert len(records) == len(all_soals())
    result = import_file(db, json_module.dumps(records).encode(), name="portalrb.json", actor="t", unit_id=UNIT,
                         year=2026)
    assert [s.stage for s in result.statuses] == ["mandiri", "tpi"]
    fu = follow_ups_of(db, "tpi")
    assert sorted(fu) == [5, 10]
    assert (fu[5]["assessor_note"], fu[5]["evidence_url"], fu[5]["status"]) == (
        "lengkapi notulen monev", "https://drive.example.go.id/5", "belum")
    assert fu[10]["evidence_url"] is None
