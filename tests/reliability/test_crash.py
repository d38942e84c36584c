"""Crash safety: an import killed with SIGKILL leaves the database as it was, or wholly imported.

A helper process (rel_worker.py ``crash-import``) runs the real ``python -m zi_metrics import``
code with a hook on the write connection's statements, so the kill lands at a known point of the
write transaction: after the first round's rows (``partial``), just before ``COMMIT`` with every
row and the audit row written (``uncommitted``), or a few milliseconds into ``COMMIT`` and the
checkpoint that follows when the connection closes (``commit:SECONDS``). One more import runs
without any hook and is killed as soon as its WAL file appears.

Afterwards the file must open (read-only first, then for writing), hold exactly the tables it held
before (kills before COMMIT), or exactly what an undisturbed import gives (kills during or after
COMMIT may land either way), and accept the same import again.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

Dump = dict[str, list[tuple[Any, ...]]]


def _comparable(dump: Dump) -> Dump:
    """The tables without the audit rows' timestamps (an undisturbed run writes another time)."""
    out = dict(dump)
    out["audit_log"] = [row[:1] + row[2:] for row in dump["audit_log"]]
    return out


@dataclass
class Case:
    db: Path
    ready: Path
    mode: str
    proc: subprocess.Popen[bytes] | None = None


def _spawn(rel: Any, case: Case, import_args: list[str]) -> None:
    cmd = [sys.executable, str(rel.HERE / "rel_worker.py"), "crash-import", str(case.db), str(case.ready),
           case.mode, "--", *import_args]
    case.proc = subprocess.Popen(cmd, cwd=rel.REPO, env=rel.cli_env(), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_ready(case: Case, timeout: float = 120.0) -> None:
    assert case.proc is not None
    deadline = time.monotonic() + timeout
    while not case.ready.exists():
        if case.proc.poll() is not None:
            out, err = case.proc.communicate()
            pytest.fail(f"{case.mode}: the import ended ({case.proc.returncode}) before its hook fired:\n"
                        f"{out.decode()[-2000:]}\n{err.decode()[-2000:]}")
        assert time.monotonic() < deadline, f"{case.mode}: the hook never fired"
        time.sleep(0.01)


def _finish(case: Case, kill: bool) -> None:
    assert case.proc is not None
    if kill:
        os.kill(case.proc.pid, signal.SIGKILL)
    case.proc.communicate(timeout=120)
    assert case.proc.returncode == -signal.SIGKILL, f"{case.mode}: exit code {case.proc.returncode}"


def _state_after_crash(rel: Any, db: Path, before: Dump, after: Dump) -> str:
    """'old' or 'new'; fails on anything else. Opens the file read-only first (WAL replay without a
    writer), then checks it still takes writes."""
    from zi_metrics.store import SCHEMA_VERSION, Store

    assert Store(db).schema_version() == SCHEMA_VERSION
    dump = rel.table_dump(db)
    if dump == before:
        state = "old"
    else:
        assert _comparable(dump) == after, "the database holds neither the old data nor the whole import"
        state = "new"
    Store(db).migrate()  # a read-write open (checkpoints any WAL left behind)
    assert rel.table_dump(db) == dump
    return state


@pytest.fixture
def payload_case(rel: Any, demo_db: Path, tmp_path: Path) -> dict[str, Any]:
    """A PortalRB payload replacing the unit's 2026 mandiri and tpi rounds (254 answers), the tables
    before, and the tables an undisturbed import gives."""
    from zi_metrics.store import Store

    store = Store(demo_db)
    answers = {}
    for stage in ("mandiri", "tpi"):
        stored = store.answer_values(store.evaluation_id(rel.UNIT, rel.YEAR, stage))
        answers[stage] = rel.variant_answers(stored, 1)
    notes = {q: f"catatan {q}" for q in answers["mandiri"]}
    path = tmp_path / "lke.json"
    path.write_bytes(rel.payload_bytes(answers["mandiri"], answers["tpi"], notes=notes))
    args = [str(path), "--unit", rel.UNIT, "--year", str(rel.YEAR)]
    reference = tmp_path / "reference.duckdb"
    shutil.copyfile(demo_db, reference)
    code, out, err = rel.run_cli_inprocess("import", *args, "--db", str(reference))
    assert code == 0, err
    return {"db": demo_db, "args": args, "before": rel.table_dump(demo_db),
            "after": _comparable(rel.table_dump(reference))}


def _copies(base: Path, tmp_path: Path, modes: list[str]) -> list[Case]:
    cases = []
    for n, mode in enumerate(modes):
        db = tmp_path / f"crash-{n}.duckdb"
        shutil.copyfile(base, db)
        cases.append(Case(db, tmp_path / f"ready-{n}", mode))
    return cases


def test_import_killed_before_commit_leaves_every_table_as_it_was(rel, payload_case, tmp_path):
    cases = _copies(payload_case["db"], tmp_path, ["partial", "uncommitted"])
    digests = {c.mode: rel.file_digest(c.db) for c in cases}
    for case in cases:
        _spawn(rel, case, payload_case["args"])
    for case in cases:
        _wait_ready(case)
        _finish(case, kill=True)
    for case in cases:
        state = _state_after_crash(rel, case.db, payload_case["before"], payload_case["after"])
        assert state == "old", f"{case.mode}: a killed, uncommitted import left data behind"
        assert rel.file_digest(case.db)[0] == digests[case.mode][0], f"{case.mode}: file bytes changed"
        # The same import afterwards goes through and lands whole.
        code, out, err = rel.run_cli_inprocess("import", *payload_case["args"], "--db", str(case.db))
        assert code == 0, err
        assert _comparable(rel.table_dump(case.db)) == payload_case["after"]


def test_import_killed_during_commit_is_all_or_nothing(rel, payload_case, tmp_path):
    """SIGKILL 0-50 ms after COMMIT starts (the commit writes the WAL, closing the connection then
    checkpoints it into the file), and an unhooked import killed as soon as its WAL appears."""
    modes = ["commit:0", "commit:0.005", "commit:0.05"]
    cases = _copies(payload_case["db"], tmp_path, modes)
    for case in cases:
        _spawn(rel, case, payload_case["args"])
    # The unhooked import: the real CLI, killed when the WAL shows up (or found finished).
    (tmp_path / "plain").mkdir()
    plain = _copies(payload_case["db"], tmp_path / "plain", ["wal"])[0]
    wal = plain.db.with_name(plain.db.name + ".wal")
    proc = subprocess.Popen([sys.executable, "-m", "zi_metrics", "import", *payload_case["args"], "--db",
                             str(plain.db)], cwd=rel.REPO, env=rel.cli_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while proc.poll() is None and not (wal.exists() and wal.stat().st_size > 0):
        time.sleep(0.0005)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    for case in cases:
        _wait_ready(case)
        _finish(case, kill=False)
    states = {}
    for case in [*cases, plain]:
        states[case.mode] = _state_after_crash(rel, case.db, payload_case["before"], payload_case["after"])
    print(f"\nstate after the kill: {states}")
    for case in [*cases, plain]:
        if states[case.mode] == "old":
            code, _, err = rel.run_cli_inprocess("import", *payload_case["args"], "--db", str(case.db))
            assert code == 0, err
        assert _comparable(rel.table_dump(case.db)) == payload_case["after"]


def test_many_rounds_in_one_transaction_killed_midway(rel, demo_db, tmp_path):
    """A recap of 96 rounds (every demo unit, 2030-2031, three stages) imported in one transaction,
    killed after its first rounds were written and just before COMMIT: nothing of it remains."""
    from zi_metrics.store import Store

    units = [u.id for u in Store(demo_db).list_units()]
    header = ("unit_id,year,stage,framework,MP,TT,SDM,AK,PW,PP,survey_anti_korupsi,capaian_kinerja,"
              "tlhp_percent,survey_pelayanan\n")
    rows = [f"{u},{y},{s},,6.5,5.5,8,8.5,12,8,3.7,B,,3.5\n" for y in (2030, 2031) for u in units
            for s in ("mandiri", "tpi", "tpn")]
    recap = tmp_path / "recap.csv"
    recap.write_text(header + "".join(rows), encoding="utf-8")
    before = rel.table_dump(demo_db)
    cases = _copies(demo_db, tmp_path, ["partial", "uncommitted"])
    for case in cases:
        _spawn(rel, case, [str(recap)])
    for case in cases:
        _wait_ready(case)
        _finish(case, kill=True)
    for case in cases:
        assert rel.table_dump(case.db) == before, f"{case.mode}: rows of the killed import remain"
        store = Store(case.db)
        assert store.evaluations(year=2030).empty
        code, out, err = rel.run_cli_inprocess("import", str(recap), "--db", str(case.db))
        assert code == 0, err
        assert len(store.evaluations(year=2030)) + len(store.evaluations(year=2031)) == len(rows)
