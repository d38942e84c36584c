"""The DuckDB store: schema, migrations, refusals, locking across processes, transactions, queries."""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from zi_metrics import cli_store
from zi_metrics import store as store_mod
from zi_metrics.database import ensure_database
from zi_metrics.framework import load_framework
from zi_metrics.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    TABLES,
    Store,
    StoreBusyError,
    StoreError,
    StoreFileError,
    StoreMissingError,
    StoreValidationError,
    StoreVersionError,
    Unit,
    UnknownEvaluationError,
    UnknownUnitError,
    default_db_path,
    open_store,
)
from zi_metrics.store import rounds as store_rounds
from zi_metrics.store import schema as store_schema

F90 = "permenpanrb-90-2021"
F52 = "permenpanrb-52-2014"


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "zi.duckdb"
    monkeypatch.setenv("ZI_DB_PATH", str(path))
    return path


def with_units(s: Store) -> Store:
    s.upsert_units(
        [
            Unit("kem", "Kementerian Contoh", "instansi"),
            Unit("kem-itjen", "Inspektorat Jenderal", "eselon1", parent_id="kem", short_name="Itjen"),
            Unit("kem-setjen", "Sekretariat Jenderal", "eselon1", parent_id="kem"),
            Unit("kem-setjen-biro", "Biro Umum", "eselon2", parent_id="kem-setjen"),
        ],
        actor="test",
    )
    return s


@pytest.fixture
def store(db_location: str) -> Store:
    """The test's store with four units, on each backend in turn (DuckDB, PostgreSQL)."""
    return with_units(open_store(db_location, create=True))


@pytest.fixture
def duck_store(db_path: Path) -> Store:
    """The same on DuckDB only (what is about the file: locks between processes, its bytes)."""
    return with_units(open_store(db_path, create=True))


def full_answers(quality: str = "best") -> dict[int, Any]:
    """A complete, valid 90/2021 answer set (best or worst option; coherent counts)."""
    fw = load_framework(F90)
    out: dict[int, Any] = {}
    for q in fw.questions.values():
        if q.kind == "option":
            opts = q.options or {}
            out[q.id] = max(opts, key=opts.get) if quality == "best" else min(opts, key=opts.get)
        elif q.kind == "survey":
            out[q.id] = 3.8 if quality == "best" else 2.1
        else:
            out[q.id] = 10
    return out


def dump(s: Store, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    return {t: s.table_rows(t) for t in TABLES if t not in skip}


def file_bytes(path: Path) -> bytes:
    return path.read_bytes()


HOLDER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("SELECT 1").fetchall()
    print("ready", flush=True)
    time.sleep(float(sys.argv[2]))
    con.close()
    print("released", flush=True)
    """
)


def start_holder(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line == "ready", f"holder did not start: {line!r}"
    return proc


# ---------------------------------------------------------------------------------------------
# Schema, paths


def test_default_db_path_reads_env_at_call_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ZI_DB_PATH", str(tmp_path / "a.duckdb"))
    assert default_db_path() == tmp_path / "a.duckdb"
    monkeypatch.setenv("ZI_DB_PATH", str(tmp_path / "b.duckdb"))
    assert default_db_path() == tmp_path / "b.duckdb"
    monkeypatch.delenv("ZI_DB_PATH")
    assert default_db_path() == Path(store_mod.__file__).resolve().parents[2] / "data" / "zi.duckdb"
    assert Store().path == default_db_path()


def test_create_schema(db_path: Path) -> None:
    s = open_store(create=True)  # default path = $ZI_DB_PATH
    assert s.path == db_path and db_path.is_file()
    assert s.schema_version() == SCHEMA_VERSION == MIGRATIONS[-1].version
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        cols = {r[0] for r in con.execute("DESCRIBE predicate_awards").fetchall()}
    assert tables == set(TABLES)
    assert "revoked_reason" in cols
    assert s.dataset_kind() == "empty"
    assert s.meta() == {"schema_version": str(SCHEMA_VERSION)}
    log = s.audit_log()
    assert list(log["action"]) == ["create"]


def test_missing_file_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope.duckdb"
    with pytest.raises(StoreMissingError, match="does not exist"):
        open_store(path)
    with pytest.raises(StoreMissingError):
        Store(path).list_units()
    with pytest.raises(StoreMissingError):
        Store(path).upsert_unit(Unit("a", "A", "instansi"), actor="t")
    assert not path.exists()


def test_migration_from_version_1(db_path: Path) -> None:
    with duckdb.connect(str(db_path)) as con:
        for statement in MIGRATIONS[0].statements:
            con.execute(statement)
        con.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('dataset', 'real')")
        con.execute(
            "INSERT INTO units VALUES ('u', 'Unit U', NULL, NULL, 'instansi', 'kementerian_lembaga', false)"
        )
        con.execute(
            "INSERT INTO predicate_awards VALUES ('u', 2020, 'WBK', 'Kepmen 1/2020', true, DATE '2021-02-03')"
        )
        cols = {r[0] for r in con.execute("DESCRIBE predicate_awards").fetchall()}
    assert "revoked_reason" not in cols
    s = Store(db_path)
    assert s.schema_version() == 1
    # Any use of the store upgrades it first.
    assert [u.id for u in s.list_units()] == ["u"]
    assert s.schema_version() == SCHEMA_VERSION
    awards = s.awards()
    assert awards == [
        {
            "unit_id": "u",
            "year": 2020,
            "predicate": "WBK",
            "decree_ref": "Kepmen 1/2020",
            "revoked": True,
            "revoked_on": dt.date(2021, 2, 3),
            "revoked_reason": None,
        }
    ]
    log = s.audit_log()
    assert list(log["action"]) == ["migrate"]
    assert '"from_version": 1' in log["detail"].iloc[0]
    # The new column is usable.
    s.revoke_predicate("u", 2020, "WBK", revoked_on="2021-02-03", reason="sintetis", actor="t")
    assert s.awards()[0]["revoked_reason"] == "sintetis"
    assert dataset_of(s) == "real"


def dataset_of(s: Store) -> str:
    return s.dataset_kind()


def test_failed_migration_changes_nothing(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_store(db_path, create=True)
    current = SCHEMA_VERSION
    broken = store_mod.Migration(
        current + 1,
        "broken",
        ("CREATE TABLE added_by_v3 (x INTEGER)", "ALTER TABLE no_such_table ADD COLUMN y INTEGER"),
    )
    monkeypatch.setattr(store_schema, "MIGRATIONS", (*MIGRATIONS, broken))
    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", current + 1)
    with pytest.raises(StoreError, match=f"upgrading .* from schema version {current} to {current + 1} failed"):
        open_store(db_path)
    monkeypatch.undo()
    s = Store(db_path)
    assert s.schema_version() == current
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "added_by_v3" not in tables
    assert len(s.audit_log()) == 1


def test_newer_version_is_refused_unchanged(db_path: Path) -> None:
    open_store(db_path, create=True)
    with duckdb.connect(str(db_path)) as con:
        con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    before = file_bytes(db_path)
    mtime = db_path.stat().st_mtime_ns
    with pytest.raises(StoreVersionError) as err:
        open_store(db_path)
    assert (
        "999" in str(err.value)
        and f"({SCHEMA_VERSION})" in str(err.value)
        and "not changed" in str(err.value)
    )
    with pytest.raises(StoreVersionError):
        Store(db_path).list_units()
    with pytest.raises(StoreVersionError):
        Store(db_path).upsert_unit(Unit("a", "A", "instansi"), actor="t")
    assert file_bytes(db_path) == before
    assert db_path.stat().st_mtime_ns == mtime
    assert not Path(str(db_path) + ".wal").exists()


@pytest.mark.parametrize(
    "content", [b"", b"PK\x03\x04 this is a zip, not a database" * 100, b"unit,year\n" * 50]
)
def test_non_duckdb_file_is_refused_unchanged(db_path: Path, content: bytes) -> None:
    db_path.write_bytes(content)
    with pytest.raises(StoreFileError, match="not a DuckDB database"):
        open_store(db_path)
    with pytest.raises(StoreFileError):
        Store(db_path).list_units()
    with pytest.raises(StoreFileError):
        ensure_database(db_path)
    assert file_bytes(db_path) == content
    assert not Path(str(db_path) + ".wal").exists()


def test_duckdb_file_of_another_application_is_refused(db_path: Path) -> None:
    with duckdb.connect(str(db_path)) as con:
        con.execute("CREATE TABLE other (x INTEGER)")
    before = file_bytes(db_path)
    with pytest.raises(StoreFileError, match="not a Zona Integritas database"):
        open_store(db_path)
    assert file_bytes(db_path) == before


# ---------------------------------------------------------------------------------------------
# Locking across processes and threads


def test_busy_across_processes(duck_store: Store) -> None:
    store = duck_store
    proc = start_holder(store.path, 30)
    try:
        s = Store(store.path, busy_timeout=1.0)
        started = time.monotonic()
        with pytest.raises(StoreBusyError) as err:
            s.upsert_unit(Unit("kem-x", "X", "eselon1", parent_id="kem"), actor="t")
        elapsed = time.monotonic() - started
        message = str(err.value)
        assert f"database file {store.path} is busy" in message
        assert f"pid {proc.pid}" in message
        assert "try again later" in message
        assert 1.0 <= elapsed < 5.0
        # Readers retry too, and give up the same way.
        with pytest.raises(StoreBusyError, match=f"pid {proc.pid}"):
            Store(store.path, busy_timeout=0.3).list_units()
    finally:
        proc.kill()
        proc.wait()
    assert "kem-x" not in [u.id for u in store.list_units()]


def test_busy_then_released_within_timeout(duck_store: Store) -> None:
    store = duck_store
    proc = start_holder(store.path, 1.0)
    try:
        s = Store(store.path, busy_timeout=10.0)
        started = time.monotonic()
        s.upsert_unit(Unit("kem-x", "X", "eselon1", parent_id="kem"), actor="t")
        elapsed = time.monotonic() - started
    finally:
        proc.wait(timeout=10)
    assert 0.5 < elapsed < 8.0  # it waited for the holder, then wrote
    assert "kem-x" in [u.id for u in store.list_units()]


def test_threads_read_and_write_concurrently(store: Store) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        s = Store(store.source)
        try:
            while not stop.is_set():
                assert len(s.list_units()) >= 4
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    def writer() -> None:
        s = Store(store.source)
        try:
            for i in range(8):
                s.upsert_unit(Unit(f"kem-w{i}", f"W{i}", "eselon1", parent_id="kem"), actor="t")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for t in readers:
        t.start()
    w = threading.Thread(target=writer)
    w.start()
    w.join(timeout=60)
    stop.set()
    for t in readers:
        t.join(timeout=60)
    assert errors == []
    assert {f"kem-w{i}" for i in range(8)} <= {u.id for u in store.list_units()}


def test_nested_write_is_refused_and_reads_inside_a_write_see_it(store: Store) -> None:
    with store.writing("t", "test") as con:
        con.execute("INSERT INTO meta VALUES ('k', 'v')")
        assert store.meta()["k"] == "v"  # reading() inside writing() reuses the transaction
        with pytest.raises(StoreError, match="nested"):
            with store.writing("t", "inner"):
                pass
    with store.reading():
        with pytest.raises(StoreError, match="while this thread is reading"):
            with store.writing("t", "inside read"):
                pass


# ---------------------------------------------------------------------------------------------
# Transactions, idempotency, audit


def test_exception_halfway_through_save_leaves_database_unchanged(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = full_answers("best")
    store.save_evaluation("kem-itjen", 2023, "tpi", F90, "2023-05-02", answers=first, actor="t")
    before = dump(store)

    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full (simulated)")

    # The failure comes after the old answers were deleted and the new ones inserted.
    monkeypatch.setattr(store_rounds, "_insert_hasil_rows", explode)
    with pytest.raises(RuntimeError, match="simulated"):
        store.save_evaluation(
            "kem-itjen", 2023, "tpi", F90, "2023-06-01", answers=full_answers("worst"), actor="t"
        )
    with pytest.raises(RuntimeError):
        store.save_evaluation("kem-setjen", 2023, "tpi", F90, answers=first, actor="t")
    assert dump(store) == before


def test_failed_statement_swallowed_inside_write_is_not_committed(store: Store) -> None:
    before = dump(store)
    with pytest.raises(StoreError, match="rolled back"):
        with store.writing("t", "test") as con:
            con.execute("INSERT INTO meta VALUES ('half', 'done')")
            try:
                con.execute("INSERT INTO meta VALUES ('schema_version', 'duplicate key')")
            except store.backend.dialect.errors:
                pass  # a careless caller; DuckDB would COMMIT as a silent rollback
    assert dump(store) == before


def test_resave_is_idempotent_and_replaces_wholly(store: Store) -> None:
    answers = full_answers("best")
    answers[1] = {"answer": "Ya", "note": "SK Tim ZI No. 12/2023", "evidence_ref": "https://contoh.go.id/sk"}
    eid = store.save_evaluation(
        "kem-itjen", 2024, "mandiri", F90, dt.date(2024, 3, 1), answers=answers, actor="t"
    )
    state = dump(store, skip=("audit_log",))
    audit = len(store.audit_log(1000))
    eid2 = store.save_evaluation(
        "kem-itjen", 2024, "mandiri", F90, dt.date(2024, 3, 1), answers=answers, actor="t"
    )
    assert eid2 == eid
    assert dump(store, skip=("audit_log",)) == state
    assert len(store.audit_log(1000)) == audit + 1
    # A second save with fewer answers replaces the round's rows: nothing of the old set stays.
    store.save_evaluation("kem-itjen", 2024, "mandiri", F90, answers={1: "Tidak", 2: "B"}, actor="t")
    assert store.answers_for(eid) == {
        1: {"answer_text": "Tidak", "answer_number": None, "note": None, "evidence_ref": None},
        2: {"answer_text": "B", "answer_number": None, "note": None, "evidence_ref": None},
    }
    assert store.get_evaluation(eid)["evaluated_on"] is None


def test_every_write_adds_one_audit_row(store: Store) -> None:
    sha = "ab" * 32
    n0 = len(store.audit_log(1000))
    eid = store.save_evaluation(
        "kem-itjen",
        2023,
        "tpi",
        F90,
        answers=full_answers(),
        actor="ana",
        file_name="lke.xlsx",
        file_sha256=sha,
    )
    store.save_prerequisites("kem-itjen", 2023, {"tl_percent": 100}, actor="ana")
    store.award_predicate("kem-itjen", 2023, "WBK", "Kepmen PANRB No. 1/2023", actor="budi")
    store.revoke_predicate("kem-itjen", 2023, "WBK", revoked_on="2024-01-05", reason="x", actor="budi")
    store.delete_evaluation(eid, actor="ana")
    store.upsert_unit(Unit("kem-y", "Y", "eselon1", parent_id="kem"), actor="cici")
    log = store.audit_log(1000)
    assert len(log) == n0 + 6
    newest = log.iloc[:6]
    assert list(newest["action"]) == [
        "upsert_units",
        "delete_evaluation",
        "revoke_predicate",
        "award_predicate",
        "save_prerequisites",
        "save_evaluation",
    ]
    assert list(newest["actor"]) == ["cici", "ana", "budi", "budi", "ana", "ana"]
    save = newest.iloc[5]
    assert save["file_name"] == "lke.xlsx" and save["file_sha256"] == sha
    assert '"unit_id": "kem-itjen"' in save["detail"] and '"stage": "tpi"' in save["detail"]
    # A refused write leaves no audit row.
    with pytest.raises(UnknownUnitError):
        store.save_prerequisites("nope", 2023, {}, actor="ana")
    assert len(store.audit_log(1000)) == n0 + 6


# ---------------------------------------------------------------------------------------------
# Validation


def test_validation_messages_say_what_and_where(store: Store) -> None:
    before = dump(store)
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"unit_id": "kem-nope"}, UnknownUnitError, "unknown unit 'kem-nope'"),
        ({"stage": "final"}, StoreValidationError, "kem-itjen 2023 final: stage 'final' is not one of"),
        ({"framework_id": "permenpanrb-10-2019"}, StoreValidationError, "unknown framework"),
        ({"framework_id": F52}, StoreValidationError, "applies to evaluations of 2015-2019, not 2023"),
        (
            {"answers": {5: "E"}},
            StoreValidationError,
            "kem-itjen 2023 tpi: answers.5: 'E' is not an answer option",
        ),
        ({"answers": {999: "A"}}, StoreValidationError, "999 is not a question id"),
        ({"answers": {88: 2.5}}, StoreValidationError, "answers.88: a count must be a whole number"),
        ({"answers": {125: 4.2}}, StoreValidationError, "answers.125: survey value must be between 0 and 4"),
        ({"answers": {1: {"answer": "Ya", "evidence_ref": b"%PDF"}}}, StoreValidationError, "never the file"),
        ({"answers": None}, StoreValidationError, "either answers"),
        ({"area_points": {"MP": 1}}, StoreValidationError, "not both"),
        ({"hasil": {"tlhp_percent": 50}}, StoreValidationError, "unknown item 'tlhp_percent'"),
        ({"year": 1850}, StoreValidationError, "outside"),
        ({"evaluated_on": "31/12/2023"}, StoreValidationError, "not a date"),
    ]
    for override, exc_type, fragment in cases:
        kwargs: dict[str, Any] = {
            "unit_id": "kem-itjen",
            "year": 2023,
            "stage": "tpi",
            "framework_id": F90,
            "answers": {1: "Ya"},
            "actor": "t",
        }
        kwargs.update(override)
        with pytest.raises(exc_type) as err:
            store.save_evaluation(**kwargs)
        assert fragment in str(err.value), (override, str(err.value))
    with pytest.raises(StoreValidationError, match=r"TT points must be between 0 and 5"):
        store.save_evaluation("kem-itjen", 2018, "tpi", F52, area_points={"TT": 6}, actor="t")
    with pytest.raises(StoreValidationError, match="bpk_opinion 'good' is not one of WTP"):
        store.save_prerequisites("kem", 2023, {"bpk_opinion": "good"}, actor="t")
    with pytest.raises(StoreValidationError, match="zi_started_year 2025 is after"):
        store.save_prerequisites("kem-itjen", 2023, {"zi_started_year": 2025}, actor="t")
    with pytest.raises(StoreValidationError, match="unknown field"):
        store.save_prerequisites("kem-itjen", 2023, {"opini": "WTP"}, actor="t")
    with pytest.raises(StoreValidationError, match="no such award"):
        store.revoke_predicate("kem-itjen", 2023, "WBK", revoked_on="2024-01-01", actor="t")
    with pytest.raises(StoreValidationError, match="predicate 'WBB' is not one of"):
        store.award_predicate("kem-itjen", 2023, "WBB", actor="t")
    with pytest.raises(StoreValidationError, match="actor is required"):
        store.award_predicate("kem-itjen", 2023, "WBK", actor="")
    assert dump(store) == before


def test_unit_hierarchy_is_checked(store: Store) -> None:
    with pytest.raises(UnknownUnitError, match="parent_id: unknown unit 'kem-ghost'"):
        store.upsert_unit(Unit("kem-a", "A", "eselon2", parent_id="kem-ghost"), actor="t")
    with pytest.raises(StoreValidationError, match="a eselon1 cannot sit under kem-setjen-biro"):
        store.upsert_unit(Unit("kem-b", "B", "eselon1", parent_id="kem-setjen-biro"), actor="t")
    with pytest.raises(StoreValidationError, match="an instansi has no parent"):
        store.upsert_unit(Unit("kem-c", "C", "instansi", parent_id="kem"), actor="t")
    with pytest.raises(StoreValidationError, match="must be a slug"):
        store.upsert_unit({"id": "Kem C", "name": "C", "level": "instansi"}, actor="t")
    # Demoting a unit below its own children is refused.
    with pytest.raises(StoreValidationError, match="kem-setjen-biro: a eselon2 cannot sit under kem-setjen"):
        store.upsert_unit(Unit("kem-setjen", "Setjen", "satker", parent_id="kem"), actor="t")
    # A batch may bring parents and children together; an upsert updates in place.
    store.upsert_units(
        [
            {
                "id": "pemda",
                "name": "Pemerintah Kota Contoh",
                "level": "instansi",
                "instansi_kind": "pemerintah_daerah",
            },
            {
                "id": "pemda-rsud",
                "name": "RSUD Contoh",
                "level": "satker",
                "parent_id": "pemda",
                "instansi_kind": "pemerintah_daerah",
                "afirmasi": True,
            },
        ],
        actor="t",
    )
    store.upsert_unit(Unit("kem-itjen", "Inspektorat Jenderal (baru)", "eselon1", parent_id="kem"), actor="t")
    assert store.get_unit("kem-itjen").name == "Inspektorat Jenderal (baru)"
    assert store.get_unit("pemda-rsud").afirmasi is True
    with pytest.raises(UnknownUnitError, match="'ghost'"):
        store.get_unit("ghost")


# ---------------------------------------------------------------------------------------------
# Queries


def test_queries(store: Store) -> None:
    a1 = full_answers("best")
    a2 = full_answers("worst")
    del a2[50]  # one unanswered question
    e1 = store.save_evaluation("kem-itjen", 2023, "tpi", F90, "2023-05-02", answers=a1, actor="t")
    e2 = store.save_evaluation("kem-setjen", 2023, "tpi", F90, "2023-05-03", answers=a2, actor="t")
    e3 = store.save_evaluation("kem-itjen", 2023, "tpn", F90, answers=a1, actor="t")
    e4 = store.save_evaluation(
        "kem-itjen",
        2018,
        "tpn",
        F52,
        area_points={"MP": 4.5, "TT": 4, "SDM": 12, "AK": 8, "PW": 12, "PP": 8},
        hasil={"survey_anti_korupsi": 3.61, "tlhp_percent": 90, "survey_pelayanan": 3.4},
        actor="t",
    )
    assert store.years() == [2018, 2023]
    assert store.stages_for(2023) == ["tpi", "tpn"]
    assert store.stages_for(2019) == []
    ev = store.evaluations(year=2023, stage="tpi")
    assert list(ev["id"]) == [e1, e2]
    assert list(ev["answered"]) == [127, 126]
    assert ev["unit_short_name"].iloc[0] == "Itjen" and ev["unit_name"].iloc[1] == "Sekretariat Jenderal"
    assert list(store.evaluations(unit_id="kem-itjen")["id"]) == [e4, e1, e3]
    assert len(store.evaluations()) == 4
    rnd = store.round_inputs(2023, "tpi")
    assert set(rnd.answers) == {e1, e2}
    assert rnd.answers[e1] == {q: v for q, v in a1.items()}
    assert rnd.answers[e2] == {q: (float(v) if not isinstance(v, str) else v) for q, v in a2.items()}
    assert rnd.area_points == {e1: {}, e2: {}} and rnd.hasil == {e1: {}, e2: {}}
    old = store.round_inputs(2018, "tpn")
    assert old.area_points[e4]["SDM"] == 12 and old.hasil[e4] == {
        "survey_anti_korupsi": 3.61,
        "tlhp_percent": 90.0,
        "survey_pelayanan": 3.4,
    }
    assert store.area_points_for(e4)["MP"] == 4.5
    assert store.hasil_for(e4)["survey_pelayanan"] == 3.4
    assert store.answer_values(e1) == a1
    with pytest.raises(UnknownEvaluationError):
        store.answers_for(9999)
    assert store.evaluation_id("kem-itjen", 2023, "tpn") == e3
    store.delete_evaluation(e3, actor="t")
    assert store.evaluation_id("kem-itjen", 2023, "tpn") is None
    assert store.stages_for(2023) == ["tpi"]
    with pytest.raises(UnknownEvaluationError):
        store.delete_evaluation(e3, actor="t")


def test_round_inputs_score_like_single_loads(store: Store) -> None:
    from zi_metrics.scoring import score_answers

    fw = load_framework(F90)
    mixed = full_answers("best")
    for q in list(mixed)[::3]:
        mixed[q] = full_answers("worst")[q]
    store.save_evaluation("kem-itjen", 2025, "tpi", F90, answers=mixed, actor="t")
    store.save_evaluation("kem-setjen", 2025, "tpi", F90, answers=full_answers("worst"), actor="t")
    rnd = store.round_inputs(2025, "tpi")
    for eid in rnd.evaluations["id"]:
        bulk = score_answers(fw, rnd.answers[eid], rnd.hasil[eid]).total
        single = score_answers(fw, store.answer_values(eid), store.hasil_for(eid)).total
        assert bulk == single
    totals = sorted(score_answers(fw, rnd.answers[e]).total for e in rnd.evaluations["id"])
    assert totals[0] < totals[1]


def test_prerequisites_inherit_instansi_facts(store: Store) -> None:
    store.save_prerequisites(
        "kem",
        2024,
        {"bpk_opinion": "WTP", "sakip_grade": "bb", "indeks_rb_grade": "B", "spip_level": 3},
        actor="t",
    )
    store.save_prerequisites(
        "kem-setjen-biro", 2024, {"tl_percent": 100, "core_service": True, "sakip_grade": "A"}, actor="t"
    )
    facts = store.prerequisites_for("kem-setjen-biro", 2024)
    assert facts is not None
    assert facts["bpk_opinion"] == "WTP" and facts["spip_level"] == 3.0
    assert facts["sakip_grade"] == "A"  # the unit's own value wins
    assert facts["tl_percent"] == 100.0 and facts["core_service"] is True
    own = store.prerequisites_for("kem-setjen-biro", 2024, inherit=False)
    assert own is not None and own["bpk_opinion"] is None
    assert store.prerequisites_for("kem-itjen", 2024)["indeks_rb_grade"] == "B"  # inherited only
    assert store.prerequisites_for("kem-itjen", 2024, inherit=False) is None
    assert store.prerequisites_for("kem-itjen", 2023) is None
    # Saving replaces the row wholly.
    store.save_prerequisites("kem-setjen-biro", 2024, {"lhkpn_percent": 95.5}, actor="t")
    own = store.prerequisites_for("kem-setjen-biro", 2024, inherit=False)
    assert own is not None and own["tl_percent"] is None and own["lhkpn_percent"] == 95.5


def test_awards_and_history(store: Store) -> None:
    store.award_predicate("kem-itjen", 2022, "WBK", "Kepmen 1/2022", actor="t")
    store.award_predicate("kem-itjen", 2025, "WBBM", "Kepmen 2/2025", actor="t")
    store.award_predicate("kem-setjen", 2022, "WBK", actor="t")
    store.revoke_predicate(
        "kem-setjen", 2022, "WBK", revoked_on=dt.date(2024, 3, 15), reason="kasus", actor="t"
    )
    with pytest.raises(StoreValidationError, match="was revoked on 2024-03-15"):
        store.award_predicate("kem-setjen", 2022, "WBK", actor="t")
    hist = store.predicate_history()
    assert list(zip(hist["unit_id"], hist["year"], hist["predicate"], strict=True)) == [
        ("kem-itjen", 2022, "WBK"),
        ("kem-itjen", 2025, "WBBM"),
        ("kem-setjen", 2022, "WBK"),
    ]
    assert list(store.predicate_history("kem-setjen")["revoked_reason"]) == ["kasus"]
    from zi_metrics.rules import held_predicate

    assert held_predicate(store.awards("kem-itjen"), 2026) == "WBBM"
    assert held_predicate(store.awards("kem-setjen"), 2023) == "WBK"
    assert held_predicate(store.awards("kem-setjen"), 2025) is None


def test_dataset_kind_and_clear(store: Store) -> None:
    assert store.dataset_kind() == "real"  # units were written by a user
    store.clear_data(actor="t")
    assert store.dataset_kind() == "empty"
    assert store.list_units() == []
    assert store.audit_log(1)["action"].iloc[0] == "clear_data"


def test_data_version_changes_on_write_only(store: Store) -> None:
    v0 = store.data_version()
    store.list_units()
    store.evaluations()
    assert store.data_version() == v0
    store.upsert_unit(Unit("kem-z", "Z", "eselon1", parent_id="kem"), actor="t")
    v1 = store.data_version()
    assert v1 != v0
    assert Store(store.source).data_version() == v1


# ---------------------------------------------------------------------------------------------
# CLI


def test_cli_init_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sub" / "cli.duckdb"
    assert cli_store.cmd_init_db(argparse.Namespace(db=str(path))) == 0
    assert f"created database {path}" in capsys.readouterr().out
    assert cli_store.cmd_init_db(argparse.Namespace(db=str(path))) == 0
    assert f"already at schema version {SCHEMA_VERSION}" in capsys.readouterr().out
    monkeypatch.setenv("ZI_DB_PATH", str(tmp_path / "env.duckdb"))
    assert cli_store.cmd_init_db(argparse.Namespace(db=None)) == 0
    assert (tmp_path / "env.duckdb").is_file()
    capsys.readouterr()
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a database")
    assert cli_store.cmd_init_db(argparse.Namespace(db=str(bad))) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "not a DuckDB database" in captured.err
    assert "Traceback" not in captured.err


def test_cli_init_db_upgrades_and_refuses_newer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "v1.duckdb"
    with duckdb.connect(str(path)) as con:
        for statement in MIGRATIONS[0].statements:
            con.execute(statement)
        con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    assert cli_store.cmd_init_db(argparse.Namespace(db=str(path))) == 0
    assert "upgraded database" in capsys.readouterr().out
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    assert cli_store.cmd_init_db(argparse.Namespace(db=str(path))) == 2
    err = capsys.readouterr().err
    assert f"schema version {SCHEMA_VERSION + 1}" in err and err.count("\n") == 1


def test_save_evaluations_is_one_transaction(store: Store) -> None:
    good = {
        "unit_id": "kem-itjen",
        "year": 2023,
        "stage": "mandiri",
        "framework_id": F90,
        "answers": full_answers(),
    }
    before = dump(store)
    bad = dict(good, unit_id="kem-setjen", answers={1: "Mungkin"})
    with pytest.raises(StoreValidationError, match="kem-setjen 2023 mandiri: answers.1: 'Mungkin'"):
        store.save_evaluations([good, bad], actor="t")
    with pytest.raises(StoreValidationError, match="given twice in one batch"):
        store.save_evaluations([good, good], actor="t")
    assert dump(store) == before
    recap = {
        "unit_id": "kem-setjen",
        "year": 2018,
        "stage": "tpi",
        "framework_id": F52,
        "area_points": {"MP": 3, "TT": 3, "SDM": 9, "AK": 6, "PW": 9, "PP": 6},
        "hasil": {"survey_anti_korupsi": 3.2, "tlhp_percent": 80, "survey_pelayanan": 3.1},
    }
    ids = store.save_evaluations([good, recap], actor="t", file_name="batch.xlsx")
    assert len(ids) == 2 and store.audit_log(1)["action"].iloc[0] == "save_evaluations"
    assert store.answer_values(ids[0]) == full_answers()
    assert store.area_points_for(ids[1])["SDM"] == 9
    # Saving the batch again keeps the ids and replaces the rows (bulk path of the upsert).
    again = dict(good, answers={1: "Tidak"})
    assert store.save_evaluations([again, recap], actor="t") == ids
    assert store.answer_values(ids[0]) == {1: "Tidak"}


def test_unit_inputs_and_numpy_ids(store: Store) -> None:
    e1 = store.save_evaluation("kem-itjen", 2023, "tpi", F90, answers=full_answers(), actor="t")
    e2 = store.save_evaluation(
        "kem-itjen", 2018, "tpi", F52, area_points={"MP": 2.5}, hasil={"tlhp_percent": 75}, actor="t"
    )
    store.save_evaluation("kem-setjen", 2023, "tpi", F90, answers={1: "Ya"}, actor="t")
    inputs = store.unit_inputs("kem-itjen")
    assert list(inputs.evaluations["id"]) == [e2, e1]
    assert inputs.answers == {e2: {}, e1: full_answers()}
    assert inputs.area_points == {e2: {"MP": 2.5}, e1: {}}
    assert inputs.hasil == {e2: {"tlhp_percent": 75.0}, e1: {}}
    with pytest.raises(UnknownUnitError, match="'kem-ghost'"):
        store.unit_inputs("kem-ghost")
    # Ids and years straight out of a DataFrame (numpy integers) are accepted.
    frame = store.evaluations(unit_id="kem-itjen")
    np_id, np_year = frame["id"].iloc[1], frame["year"].iloc[1]
    assert type(np_id).__module__ == "numpy"
    assert store.answers_for(np_id)[1]["answer_text"] == "Ya"
    assert store.stages_for(np_year) == ["tpi"]
    assert len(store.round_inputs(np_year, "tpi").answers) == 2
    with pytest.raises(StoreValidationError, match="evaluation_id must be a whole number"):
        store.answers_for("7")


def test_bookkeeping_writes_leave_the_audit_log_and_the_data_version_alone(store: Store) -> None:
    """State that is not data (sign-in attempts) is written without an audit row: on PostgreSQL the
    data version (the audit log's) stays, so no replica drops its caches over it."""
    audit, version = len(store.audit_log(1000)), store.data_version()
    with store.bookkeeping("sign_in_attempt") as con:
        con.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ["attempts:siti", "1"])
    assert store.meta()["attempts:siti"] == "1"
    assert len(store.audit_log(1000)) == audit
    if store.dialect_name == "postgresql":
        assert store.data_version() == version
    with pytest.raises(StoreError, match="rolled back"):
        with store.bookkeeping("sign_in_attempt") as con:
            con.execute("INSERT INTO meta VALUES ('half', 'done')")
            try:
                con.execute("INSERT INTO meta VALUES ('schema_version', 'duplicate key')")
            except store.backend.dialect.errors:
                pass  # swallowed: DuckDB would COMMIT as a silent rollback
    assert "half" not in store.meta()
