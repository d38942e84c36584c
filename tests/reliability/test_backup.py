"""Backups and restores (issue #15.5): ``backup --out FILE`` writes a copy of every table, taken
from one consistent state even while an import writes; ``restore FILE`` checks the backup, asks
(``--yes`` for scripts, refused without a terminal), replaces the database whole (also a damaged
DuckDB file) and compares every table with the backup. On DuckDB and on PostgreSQL.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from zi_metrics.store import TABLES, Store, StoreDamagedError, copy_database


def _dump(location: str | Path) -> dict[str, list[tuple[Any, ...]]]:
    store = Store(location)
    return {table: store.table_rows(table) for table in TABLES}


def _without_restore_row(dump: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    audit = dump["audit_log"]
    restores = [row for row in audit if row[3] == "restore"]
    assert len(restores) == 1, audit[-3:]
    return {**dump, "audit_log": [row for row in audit if row[3] != "restore"]}


@pytest.fixture
def filled(db_location: str, demo_seed: Path) -> str:
    """The demo data in the backend under test (copied in, then the copy's own audit row is part of
    what a backup holds)."""
    copy_database(Store(demo_seed), Store(db_location), actor="test")
    return db_location


def test_a_restored_backup_equals_the_database_it_was_taken_of(rel, filled, tmp_path):
    before = _dump(filled)
    assert sum(len(before[t]) for t in ("units", "evaluations", "answers", "follow_ups")) > 10_000
    out = tmp_path / "cadangan.duckdb"
    code, stdout, err = rel.run_cli_inprocess("backup", "--out", str(out), "--db", filled)
    assert code == 0, err
    assert f"answers {len(before['answers']):,}" in stdout and "found equal" in stdout
    assert _dump(out) == before  # the backup is itself a database holding exactly those rows
    assert not out.with_name(out.name + ".wal").exists()

    # The data changes after the backup: most of it removed, a unit added.
    code, _, err = rel.run_cli_inprocess("remove-demo", "--db", filled)
    assert code == 0, err
    assert _dump(filled) != before

    code, stdout, err = rel.run_cli_inprocess("restore", str(out), "--yes", "--actor", "operator", "--db", filled)
    assert code == 0, err
    assert "found equal" in stdout
    after = _dump(filled)
    assert _without_restore_row(after) == before
    assert Store(filled).check_integrity() > 0
    # The restored database takes writes (ids and sequences follow the restored rows).
    code, _, err = rel.run_cli_inprocess("remove-demo", "--actor", "operator", "--db", filled)
    assert code == 0, err
    log = Store(filled).audit_log(3)
    assert list(log["action"])[:2] == ["remove_demo", "restore"]


def test_backup_refuses_to_overwrite_and_names_what(rel, demo_db, tmp_path):
    out = tmp_path / "ada.duckdb"
    out.write_bytes(b"keep me")
    code, _, err = rel.run_cli_inprocess("backup", "--out", str(out), "--db", str(demo_db))
    assert code == 2 and "already exists (--force replaces it)" in err and len(err.strip().splitlines()) == 1
    assert out.read_bytes() == b"keep me"
    code, _, err = rel.run_cli_inprocess("backup", "--out", str(demo_db), "--db", str(demo_db))
    assert code == 2 and "is the database itself" in err
    code, _, err = rel.run_cli_inprocess("backup", "--out", str(out), "--force", "--db", str(demo_db))
    assert code == 0, err
    assert _dump(out) == _dump(demo_db)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ada.duckdb", "ada.duckdb.lock", "zi.duckdb",
                                                          "zi.duckdb.lock"]  # no temporary file left


def test_the_page_download_is_a_whole_backup(demo_db, tmp_path):
    """What Kelola data's backup button sends (zi_metrics.store.backup_bytes)."""
    from zi_metrics.store import backup_bytes

    data = backup_bytes(Store(demo_db))
    out = tmp_path / "unduhan.duckdb"
    out.write_bytes(data)
    assert _dump(out) == _dump(demo_db)
    assert Store(out).check_integrity() > 0


def test_the_copy_check_finds_one_changed_value_and_ignores_row_order(demo_seed):
    """The comparison backup and restore rely on (zi_metrics.store.backup._mismatches)."""
    import pyarrow as pa

    from zi_metrics.store.backup import _mismatches
    from zi_metrics.store.transfer import _read_tables

    tables = _read_tables(Store(demo_seed))
    shuffled = {t: tables[t].take(pa.array(list(reversed(range(tables[t].num_rows))), type=pa.int64())) for t in TABLES}
    assert _mismatches(tables, shuffled) == []
    answers = tables["answers"]
    texts = answers.column("answer_text").to_pylist()
    i = next(k for k, v in enumerate(texts) if v == "A")
    texts[i] = "B"
    changed = {**tables, "answers": answers.set_column(answers.schema.get_field_index("answer_text"), "answer_text",
                                                       pa.array(texts, type=answers.schema.field("answer_text").type))}
    assert _mismatches(tables, changed) == ["answers: 1 row(s) of the source missing, 1 row(s) not in the source"]
    fewer = {**tables, "units": tables["units"].slice(1)}
    assert _mismatches(tables, fewer) == ["units: 1 row(s) of the source missing, 0 row(s) not in the source"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_restore_asks_and_refuses_without_a_terminal(rel, demo_db, tmp_path, monkeypatch):
    out = tmp_path / "b.duckdb"
    assert rel.run_cli_inprocess("backup", "--out", str(out), "--db", str(demo_db))[0] == 0
    assert rel.run_cli_inprocess("remove-demo", "--db", str(demo_db))[0] == 0
    changed = rel.file_digest(demo_db)

    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # not a terminal: never asked, refused
    code, out_text, err = rel.run_cli_inprocess("restore", str(out), "--db", str(demo_db))
    assert code == 2 and "needs a confirmation" in err and "--yes" in err and "nothing was changed" in err
    assert rel.file_digest(demo_db) == changed

    monkeypatch.setattr("sys.stdin", _Terminal("no\n"))
    code, out_text, err = rel.run_cli_inprocess("restore", str(out), "--db", str(demo_db))
    assert code == 1 and "Type yes to restore" in out_text and "not confirmed" in err
    assert f"answers {len(_dump(out)['answers']):,}" in out_text  # the question says what comes back
    assert rel.file_digest(demo_db) == changed

    monkeypatch.setattr("sys.stdin", _Terminal("yes\n"))
    code, out_text, err = rel.run_cli_inprocess("restore", str(out), "--db", str(demo_db))
    assert code == 0, err
    assert _without_restore_row(_dump(demo_db)) == _dump(out)


def test_a_damaged_database_is_restored_and_a_damaged_backup_refused(rel, demo_db, demo_seed, tmp_path):
    out = tmp_path / "b.duckdb"
    assert rel.run_cli_inprocess("backup", "--out", str(out), "--db", str(demo_db))[0] == 0
    os.truncate(demo_db, demo_db.stat().st_size // 2)
    with pytest.raises(StoreDamagedError):
        Store(demo_db).check_integrity()
    code, stdout, err = rel.run_cli_inprocess("restore", str(out), "--yes", "--db", str(demo_db))
    assert code == 0, err
    assert "replacing an unreadable database" in stdout
    assert _without_restore_row(_dump(demo_db)) == _dump(demo_seed)

    bad = tmp_path / "rusak.duckdb"
    shutil.copyfile(out, bad)
    os.truncate(bad, bad.stat().st_size // 2)
    before = rel.file_digest(demo_db)
    code, _, err = rel.run_cli_inprocess("restore", str(bad), "--yes", "--db", str(demo_db))
    assert code == 2 and f"the backup file {bad} is damaged" in err and "use another backup" in err
    assert rel.file_digest(demo_db) == before
    assert sorted(p.name for p in tmp_path.iterdir() if ".restoring" in p.name) == []


def test_backups_while_an_import_writes_are_each_one_committed_state(rel, demo_db, tmp_path):
    """A real importer process imports versions A and B of a unit's LKE in turn while this process
    takes backups. Every backup holds the round exactly as one import left it (never a mix), and
    the import rows of its audit log say which: the data and its audit row are of one state. Every
    import succeeds (the importer waits for a backup's read, as for any reader)."""
    from zi_metrics.store import Store as S

    store = S(demo_db)
    base = {stage: store.answer_values(store.evaluation_id(rel.UNIT, rel.YEAR, stage)) for stage in ("mandiri", "tpi")}
    versions = []
    for name, shift in (("A", 1), ("B", 2)):
        answers = {stage: rel.variant_answers(values, shift) for stage, values in base.items()}
        path = tmp_path / f"lke-{name}.json"
        path.write_bytes(rel.payload_bytes(answers["mandiri"], answers["tpi"]))
        versions.append((path, answers["tpi"]))
    assert versions[0][1] != versions[1][1] != base["tpi"]
    imports_before = int((store.audit_log(1000)["action"] == "import_lke").sum())

    results: list[tuple[int, str]] = []

    def importer() -> None:
        for i in range(6):
            path = versions[i % 2][0]
            proc = rel.run_cli("import", str(path), "--unit", rel.UNIT, "--year", str(rel.YEAR), "--db", str(demo_db))
            results.append((proc.returncode, proc.stderr))

    thread = threading.Thread(target=importer)
    thread.start()
    backups = []
    try:
        while thread.is_alive() or len(backups) < 3:
            out = tmp_path / f"b{len(backups)}.duckdb"
            code, _, err = rel.run_cli_inprocess("backup", "--out", str(out), "--db", str(demo_db))
            assert code == 0, err
            backups.append(out)
    finally:
        thread.join()
    assert [code for code, _ in results] == [0] * 6, results
    seen = set()
    for out in backups:
        copy = S(out)
        imports = int((copy.audit_log(1000)["action"] == "import_lke").sum()) - imports_before
        tpi = copy.answer_values(copy.evaluation_id(rel.UNIT, rel.YEAR, "tpi"))
        expected = base["tpi"] if imports == 0 else versions[(imports - 1) % 2][1]
        assert tpi == expected, f"{out.name}: {imports} imports in its log, answers of another state"
        seen.add(imports)
    assert len(backups) >= 3 and seen <= set(range(7))
    final = tmp_path / "final.duckdb"
    assert rel.run_cli_inprocess("backup", "--out", str(final), "--db", str(demo_db))[0] == 0
    assert _dump(final) == _dump(demo_db)
