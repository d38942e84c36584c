"""A damaged database file is detected and named (issue #15.4): cut off, overwritten in the middle,
a table or a column dropped. Every command exits 2 with one line naming the file and telling to
restore a backup (never a traceback), ``init-db`` never calls it up to date and never writes to it,
and the dashboard shows a page saying so in the reader's language.

The damaged copies are built here from the seeded demo database (in tmp): DuckDB keeps a 12 KiB
header, then blocks of 256 KiB, each starting with a checksum of its contents.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from zi_metrics.store import Store, StoreDamagedError

HEADER = 3 * 4096
BLOCK = 256 * 1024


def _garbage(path: Path, offset: int, size: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(bytes((i * 151 + 7) % 256 for i in range(size)))  # no checksum of anything


def _data_offset(path: Path, table: str) -> int:
    """Where in the file a column segment of ``table`` in the middle of its data is stored
    (DuckDB's own storage map: block and offset in it, after the block's 8-byte checksum)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(f"SELECT block_id, block_offset FROM pragma_storage_info('{table}') "
                           "WHERE block_id >= 0 ORDER BY block_id, block_offset").fetchall()
    finally:
        con.close()
    assert rows
    block, offset = rows[len(rows) // 2]
    return HEADER + int(block) * BLOCK + 8 + int(offset)


def truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def answers_overwritten(path: Path) -> None:
    """Garbage over stored answers, in the middle of the file."""
    _garbage(path, _data_offset(path, "answers"), 64)


def table_dropped(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE follow_ups")
    con.close()


def column_dropped(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE units DROP COLUMN short_name")
    con.close()


def meta_dropped(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE meta")
    con.close()


DAMAGES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # name: (how, reason code, words of the English message)
    "truncated": (truncated, "truncated", "cut off"),
    "overwritten": (answers_overwritten, "checksum", "checksum does not match"),
    "table_dropped": (table_dropped, "missing_table", "table follow_ups is missing"),
    "column_dropped": (column_dropped, "missing_column", "column units.short_name is missing"),
    "meta_dropped": (meta_dropped, "missing_table", "table meta is missing"),
}


@pytest.fixture
def damaged(demo_seed: Path, tmp_path: Path) -> Callable[[str], Path]:
    def make(kind: str) -> Path:
        path = tmp_path / f"{kind}.duckdb"
        shutil.copyfile(demo_seed, path)
        DAMAGES[kind][0](path)
        return path

    return make


def _one_clear_line(err: str, path: Path, words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert f"the database file {path} is damaged (" in lines[0], err
    assert words in lines[0] and lines[0].endswith("restore it from a backup"), err
    assert "Traceback" not in err and "Error:" not in err, err


@pytest.mark.parametrize("kind", list(DAMAGES))
def test_init_db_names_the_damage_and_writes_nothing(rel, damaged, kind):
    path = damaged(kind)
    before = rel.file_digest(path)
    code, out, err = rel.run_cli_inprocess("init-db", "--db", str(path))
    assert code == 2 and "already at schema version" not in out, (out, err)
    _one_clear_line(err, path, DAMAGES[kind][2])
    assert rel.file_digest(path) == before  # not written (no WAL either)
    with pytest.raises(StoreDamagedError) as info:
        Store(path).check_integrity()
    assert info.value.reason == DAMAGES[kind][1]


@pytest.mark.parametrize("kind", ["truncated", "overwritten"])
@pytest.mark.parametrize("command", [
    ["units"],
    ["export-recap", "--year", "2026", "--stage", "tpi", "--out", "{tmp}/recap.xlsx"],
    ["remove-demo"],
    ["seed-demo", "--force"],
])
def test_every_command_exits_2_with_one_line(rel, damaged, tmp_path, kind, command):
    path = damaged(kind)
    before = rel.file_digest(path)
    args = [a.format(tmp=tmp_path) for a in command]
    code, _out, err = rel.run_cli_inprocess(*args, "--db", str(path))
    assert code == 2, err
    _one_clear_line(err.split(": ", 1)[1] if err.startswith(command[0]) else err, path, DAMAGES[kind][2])
    assert err.startswith(f"{command[0]}: ")
    assert rel.file_digest(path) == before
    assert not (tmp_path / "recap.xlsx").exists()


def test_a_real_process_prints_no_traceback(rel, damaged):
    path = damaged("overwritten")
    proc = rel.run_cli("export-recap", "--year", "2026", "--stage", "tpi", "--out", str(path.with_suffix(".xlsx")),
                       "--db", str(path))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "is damaged (" in proc.stderr


def test_damage_anywhere_is_named_or_changes_nothing_readable(rel, demo_seed, tmp_path):
    """Garbage in each block of the file in turn: the check names the damage, or every row of
    every table reads back as in the intact file (a free block) and init-db may call it whole."""
    intact = rel.table_dump(demo_seed)
    blocks = (demo_seed.stat().st_size - HEADER) // BLOCK
    named = 0
    for block in range(-1, blocks):  # -1: the header's metadata
        path = tmp_path / f"b{block}.duckdb"
        shutil.copyfile(demo_seed, path)
        _garbage(path, HEADER + block * BLOCK + 4096 + 100 if block >= 0 else 4096 + 100, 64)
        try:
            Store(path).check_integrity()
        except StoreDamagedError:
            named += 1
        else:
            assert rel.table_dump(path) == intact, f"block {block}: damage not named and rows differ"
        path.unlink()
    assert named >= blocks // 2  # most blocks hold data, indexes or metadata


@pytest.mark.parametrize("lang, words", [("id", "rusak"), ("en", "is damaged")])
def test_the_dashboard_shows_a_page_saying_so(damaged, monkeypatch, lang, words):
    from streamlit.testing.v1 import AppTest

    path = damaged("overwritten")
    monkeypatch.setenv("ZI_DB_PATH", str(path))
    import streamlit as st

    st.cache_resource.clear()
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and words in errors[0] and path.name in errors[0], errors
    assert "Traceback" not in errors[0] and "Corrupt" not in errors[0]
    assert any("restore" in i.value or "Pulihkan" in i.value for i in at.info)
    st.cache_resource.clear()
