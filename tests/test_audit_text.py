"""The audit log as sentences: every action code the store writes, produced by the real writes
(demo, registry, rounds, awards, follow-ups, copy-db, bulk load, sign-in refusals), reads as a
sentence in both languages naming who, what, which unit/year/stage and when, with no raw code or
JSON; exact sentences for an import, a deletion and a refused sign-in; and a scan of the code base
finds no action code without its sentence."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import duckdb
import pytest

from zi_metrics.audit_text import ACTIONS, audit_sentence, audit_sentences, format_when
from zi_metrics.database import ensure_database
from zi_metrics.store import (
    MIGRATIONS,
    Store,
    Unit,
    backup_database,
    bulk_load,
    copy_database,
    restore_database,
    save_rounds,
)

REPO = Path(__file__).resolve().parents[1]
FW = "permenpanrb-90-2021"
AT = dt.datetime(2026, 12, 3, 7, 5, 30)  # UTC: 14.05 in Jakarta (UTC+7)


def _row(action: str, detail: dict | None = None, *, actor: str = "siti", file_name: str | None = None) -> dict:
    return {"at": AT, "actor": actor, "action": action, "detail": json.dumps(detail) if detail else None,
            "file_name": file_name}


def test_an_import_a_deletion_and_a_refused_sign_in_read_as_sentences():
    units = {"kemendesa-itjen": "Itjen"}
    imported = _row("import_lke", {"layout": "lampiran3", "file": "lke-itjen.xlsx",
                                   "rounds": ["kemendesa-itjen 2025 tpi: new"]}, file_name="lke-itjen.xlsx")
    assert audit_sentence(imported, "id", units=units, tz="Asia/Jakarta") == (
        "siti mengimpor LKE Itjen 2025 TPI dari lke-itjen.xlsx, 3 Des 2026 14.05")
    assert audit_sentence(imported, "en", units=units, tz="Asia/Jakarta") == (
        "siti imported the LKE of Itjen 2025 TPI from lke-itjen.xlsx, 3 Dec 2026 14:05")
    deleted = _row("delete_evaluation", {"evaluation_id": 7, "unit_id": "kemendesa-itjen", "year": 2025,
                                         "stage": "mandiri"})
    assert audit_sentence(deleted, "id", units=units) == (
        "siti menghapus penilaian Itjen 2025 Mandiri, 3 Des 2026 07.05")
    refused = _row("sign_in_failed", {"user_name": "admin", "reason": "password", "client": "10.0.0.7"},
                   actor="10.0.0.7")
    assert audit_sentence(refused, "id") == (
        "Percobaan masuk sebagai admin dari 10.0.0.7 ditolak: nama pengguna atau kata sandi salah, 3 Des 2026 07.05")
    assert audit_sentence(refused, "en") == (
        "A sign-in as admin from 10.0.0.7 was refused: wrong user name or password, 3 Dec 2026 07:05")
    # Several rounds: the first three named, the rest counted; unchanged rounds are not named.
    many = _row("import", {"rounds": [f"u{n} 2025 tpn: new" for n in range(5)] + ["x 2025 tpn: unchanged"]})
    assert audit_sentence(many, "en").startswith(
        "siti imported the rounds u0 2025 TPN, u1 2025 TPN, u2 2025 TPN and 2 more")
    # An action this version does not know still reads as a sentence.
    assert audit_sentence(_row("archive_units", {"n": 1}), "en") == "siti: action archive_units, 3 Dec 2026 07:05"
    # A deletion logged before deletions named their round.
    assert "no. 12" in audit_sentence(_row("delete_evaluation", {"evaluation_id": 12}), "id")


def test_times_in_the_readers_zone_and_language():
    assert format_when(AT, "id", "Asia/Jayapura") == "3 Des 2026 16.05"
    assert format_when(AT, "en", None) == "3 Dec 2026 07:05"
    assert format_when(dt.datetime(2026, 5, 1, 23, 59), "id", "Asia/Makassar") == "2 Mei 2026 07.59"
    assert format_when(AT, "id", "Not/AZone") == "3 Des 2026 07.05"  # an unknown zone: UTC
    assert format_when(None, "id") == "–"


@pytest.fixture(scope="module")
def every_action(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A database whose log holds every action code the product writes, each by its real write."""
    tmp = tmp_path_factory.mktemp("audit")
    # migrate: a schema-1 database brought to the current schema
    old = tmp / "v1.duckdb"
    with duckdb.connect(str(old)) as con:
        for statement in MIGRATIONS[0].statements:
            con.execute(statement)
        con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    Store(old).migrate()
    store = ensure_database(tmp / "zi.duckdb")  # create, seed_demo
    frame = store.follow_ups(year=2026)
    row = frame.iloc[0]
    store.update_follow_up(int(row["evaluation_id"]), int(row["question_id"]), {"status": "proses", "pic": "Umum"},
                           actor="siti")
    from zi_metrics.demo_legacy import recognise_demo_rows

    store.upsert_unit(Unit("pemda", "Pemerintah Kota Contoh", "instansi", "pemerintah_daerah",
                           short_name="Kota Contoh"), actor="siti")  # upsert_units
    from zi_metrics.registry import plan_unit, save_plan

    save_plan(store, plan_unit(store, {"id": "pemda-dinas", "name": "Dinas Contoh", "parent_id": "pemda",
                                       "level": "satker"}), actor="siti", action="add_unit")
    units_csv = b"id,name,parent_id,level\npemda-rsud,RSUD Contoh,pemda,satker\n"
    from zi_metrics.registry import plan_units_file

    save_plan(store, plan_units_file(store, units_csv, "unit.csv"), actor="siti")  # import_units
    store.save_prerequisites("pemda", 2026, {"sakip_grade": "BB"}, actor="siti")
    store.award_predicate("pemda", 2026, "WBK", "SK 12/2026", actor="siti")
    store.revoke_predicate("pemda", 2026, "WBK", revoked_on="2026-11-01", reason="temuan", actor="siti")
    save_rounds(store, [{"unit_id": "pemda", "year": 2026, "stage": "tpi", "framework_id": FW, "answers": {1: "Ya"}}],
                actor="siti", action="import_lke", detail={"layout": "lampiran3", "file": "lke.xlsx"},
                file_name="lke.xlsx")
    save_rounds(store, [{"unit_id": "pemda", "year": 2026, "stage": "tpn", "framework_id": FW, "answers": {1: "Ya"}}],
                actor="siti")  # import
    eid = store.save_evaluation("pemda", 2025, "mandiri", FW, answers={1: "Tidak"}, actor="siti")
    store.save_evaluations([{"unit_id": "pemda", "year": 2024, "stage": "mandiri", "framework_id": FW,
                             "answers": {1: "Ya"}}], actor="siti")
    store.delete_evaluation(eid, actor="siti")
    with store.reading() as con:  # an old database's demo rows, recognised again (mark_demo)
        con_units = con.execute("SELECT count(*) FROM units WHERE demo").fetchone()[0]
    assert con_units
    store.remove_demo(actor="siti")
    recognise_demo_rows(store, actor="siti")
    store.mark_demo(units=["pemda-rsud"], actor="siti")
    store.record_refused_sign_in("admin", "password", client="10.0.0.7")
    store.record_refused_sign_in("admin", "locked", client="10.0.0.7", forwarded_for="203.0.113.9")
    sys.path.insert(0, str(REPO / "bench"))
    from national import national_frames

    frames = national_frames(100)
    bulk_load(store, frames["units"], frames["evaluations"], frames["answers"], actor="siti")
    copied = Store(tmp / "copy.duckdb")
    copy_database(store, copied, actor="siti")  # copy_db: the copy's log is the source's and its own row
    backup_database(copied, tmp / "backup.duckdb")
    restore_database(copied, tmp / "backup.duckdb", actor="siti")  # restore: the backup's log and its row
    copied.clear_data(actor="siti")
    return copied


def test_every_action_the_store_writes_reads_as_a_sentence(every_action: Store):
    log = every_action.audit_log(1000)
    seen = set(log["action"])
    missing = set(ACTIONS) - seen - {"migrate"}  # migrate: written into the schema-1 database, checked below
    assert not missing, f"no real write produced {sorted(missing)}"
    units = {"pemda": "Kota Contoh"}  # the units' short names (the copy's data was cleared at the end)
    for lang in ("id", "en"):
        for row, text in zip(log.to_dict("records"), audit_sentences(log, lang, units=units, tz="Asia/Jakarta"),
                             strict=True):
            assert "{" not in text and "}" not in text and '"' not in text, text
            if lang == "id" or "_" in row["action"]:  # no raw code (English words may spell one)
                assert row["action"] not in text, text
            if row["actor"] != "system" and row["action"] != "sign_in_failed":
                assert text.startswith(row["actor"]), text
            assert re.search(r"\d{1,2} \w{3} 20\d\d \d\d[.:]\d\d$", text), text
            detail = json.loads(row["detail"]) if isinstance(row["detail"], str) else {}
            if {"unit_id", "year", "stage"} <= set(detail):
                stage = {"id": {"tpi": "TPI", "tpn": "TPN", "mandiri": "Mandiri"},
                         "en": {"tpi": "TPI", "tpn": "TPN", "mandiri": "Self-assessment"}}[lang].get(detail["stage"])
                assert f"{units.get(detail['unit_id'], detail['unit_id'])} {detail['year']} " in text, text
                if stage:
                    assert stage in text, text
    deletion = log[log["action"] == "delete_evaluation"].iloc[0]
    assert audit_sentence(deletion, "id", units=units).startswith("siti menghapus penilaian Kota Contoh 2025 ")


def test_the_migration_and_the_schema_rows_read_as_sentences(tmp_path):
    old = tmp_path / "v1.duckdb"
    with duckdb.connect(str(old)) as con:
        for statement in MIGRATIONS[0].statements:
            con.execute(statement)
        con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    store = Store(old)
    store.migrate()
    row = store.audit_log(1).iloc[0]
    assert audit_sentence(row, "id").startswith(f"Sistem memperbarui basis data dari skema versi 1 ke versi "
                                                f"{MIGRATIONS[-1].version}, ")


def _action_codes_in_code() -> set[str]:
    """Every literal action code given to a store write in the product's code."""
    codes: set[str] = set()
    patterns = (r"writing\(\s*[\w.]+,\s*\"([a-z_]+)\"", r"\baction=\"([a-z_]+)\"", r"\baction: str = \"([a-z_]+)\"",
                r"AuditEntry\(\s*\"\w+\",\s*\"([a-z_]+)\"", r"\"migrate\" if old else \"(create)\"")
    for path in (REPO / "zi_metrics").rglob("*.py"):
        # argparse's action="store_true" is no audit action
        text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if "add_argument" not in line)
        for pattern in patterns:
            codes.update(re.findall(pattern, text))
    return codes


def test_no_action_code_in_the_code_lacks_a_sentence():
    codes = _action_codes_in_code()
    assert {"import_lke", "delete_evaluation", "seed_demo", "update_follow_up", "create"} <= codes  # the scan works
    assert codes - set(ACTIONS) == set()
