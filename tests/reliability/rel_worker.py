"""Helper processes of the reliability suite (spawned by the tests; also imported for ``observe``).

Run as ``python tests/reliability/rel_worker.py COMMAND ...`` with the repository on PYTHONPATH:

* ``read-loop DB UNIT YEAR OUT STOP``: read the store in a loop until the file STOP exists; every
  observation is one JSON line in OUT (what :func:`observe` returns, or the error);
* ``hammer DB STOP THREADS HOLD``: THREADS threads keep the file open for reading, each holding a
  read connection HOLD seconds at a time (their reads overlap: the file is never free), until STOP
  exists; touches STOP.ready once reading;
* ``import-loop DB OUT FILE...``: import the files in turn through the CLI's ``main`` (the real
  ``import`` command, in this process), one JSON line per import in OUT; with $REL_WAIT_FOR_READS
  (a read-loop's OUT) it waits after each import until that reader has read the new state;
* ``crash-import DB READY MODE -- IMPORT-ARGS...``: run the CLI ``import`` with a hook on the
  write connection's statements that touches READY at a chosen point. MODE ``partial`` then waits
  (to be killed) right after the first round's rows were inserted; ``uncommitted`` waits just
  before ``COMMIT`` (every row and the audit row written); ``commit:SECONDS`` sends itself SIGKILL
  SECONDS after ``COMMIT`` started (inside DuckDB's commit, or the checkpoint when the connection
  closes, or after).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

STAGES = ("mandiri", "tpi")


def observe(db: str | Path, unit_id: str, year: int) -> dict[str, Any]:
    """What a reader sees of one unit's rounds, two ways:

    * ``rounds``: per stage, through the bulk round loader the pages use (``Store.round_inputs``,
      one connection per round): the number of answered questions and the official total;
    * ``together``: both rounds' answer counts and answer checksums read in ONE connection (an
      import writes both rounds in one transaction, so they must change together).
    """
    from zi_metrics.framework import load_framework
    from zi_metrics.scoring import score_answers
    from zi_metrics.store import Store

    store = Store(db, busy_timeout=60)
    rounds: dict[str, Any] = {}
    for stage in STAGES:
        bulk = store.round_inputs(year, stage)
        ids = bulk.evaluations.loc[bulk.evaluations["unit_id"] == unit_id, "id"].tolist()
        if ids:
            eid = int(ids[0])
            fid = bulk.evaluations.loc[bulk.evaluations["id"] == eid, "framework_id"].iloc[0]
            card = score_answers(load_framework(fid), bulk.answers[eid], bulk.hasil[eid])
            rounds[stage] = [len(bulk.answers[eid]), round(card.total, 9)]
    with store.reading() as con:
        rows = con.execute(
            "SELECT e.stage, count(a.question_id), "
            "sum(hash(a.question_id, a.answer_text, a.answer_number, a.note)) "
            "FROM evaluations e LEFT JOIN answers a ON a.evaluation_id = e.id "
            "WHERE e.unit_id = ? AND e.year = ? GROUP BY e.stage ORDER BY e.stage",
            [unit_id, year],
        ).fetchall()
    together = {stage: [int(n), str(h)] for stage, n, h in rows}
    return {"rounds": rounds, "together": together}


def read_loop(db: str, unit_id: str, year: int, out: str, stop: str) -> int:
    with open(out, "w", encoding="utf-8") as fh:
        while not os.path.exists(stop):
            try:
                record = {"t": time.time(), **observe(db, unit_id, year)}
            except Exception as exc:  # reported to the test, which fails on it
                record = {"t": time.time(), "error": f"{type(exc).__name__}: {exc}"}
            fh.write(json.dumps(record) + "\n")
            fh.flush()
    return 0


def hammer(db: str, stop: str, threads: int, hold: float) -> int:
    from zi_metrics.store import Store

    store = Store(db, busy_timeout=60)
    errors: list[str] = []

    def read() -> None:
        while not os.path.exists(stop):
            try:
                with store.reading() as con:
                    con.execute("SELECT count(*) FROM answers").fetchone()
                    time.sleep(hold)
            except Exception as exc:  # reported through the exit code
                errors.append(f"{type(exc).__name__}: {exc}")
                return

    workers = [threading.Thread(target=read) for _ in range(threads)]
    for n, w in enumerate(workers):
        w.start()
        time.sleep(hold / threads)  # staggered: some reader always holds the file
        if n == len(workers) - 1:
            Path(stop + ".ready").write_text("ready", encoding="utf-8")
    for w in workers:
        w.join()
    if errors:
        sys.stderr.write("\n".join(errors) + "\n")
    return 1 if errors else 0


def cli_main(*args: str) -> tuple[int, str, str]:
    from zi_metrics.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _read_after(reads: str, moment: float, timeout: float = 120.0) -> None:
    """Wait until the reader process (read-loop) has recorded a read that started after ``moment``:
    each state an import leaves is then seen at least once, however loaded the machine (writers have
    priority, so back-to-back imports could otherwise keep the reader out of a state)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(reads, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except FileNotFoundError:
            lines = []
        for line in reversed(lines[-5:]):
            try:
                if json.loads(line)["t"] > moment:
                    return
            except (ValueError, KeyError):
                continue  # a line being written
        time.sleep(0.02)


def import_loop(db: str, out: str, files: list[str]) -> int:
    reads = os.environ.get("REL_WAIT_FOR_READS")
    with open(out, "w", encoding="utf-8") as fh:
        for path in files:
            started = time.time()
            code, stdout, stderr = cli_main("import", path, "--unit", os.environ["REL_UNIT"], "--year",
                                            os.environ["REL_YEAR"], "--db", db)
            ended = time.time()
            fh.write(json.dumps({"file": path, "code": code, "stdout": stdout, "stderr": stderr,
                                 "started": started, "ended": ended}) + "\n")
            fh.flush()
            if reads:
                _read_after(reads, ended)
    return 0


class _Proxy:
    """A DuckDB connection whose ``execute`` runs a hook first (DuckDB's own type cannot be patched)."""

    def __init__(self, con: Any, hook: Any):
        self._con = con
        self._hook = hook

    def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self._hook(query)
        return self._con.execute(query, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def crash_import(db: str, ready: str, mode: str, import_args: list[str]) -> int:
    import zi_metrics.store.duckdb_backend as store_module

    def touch() -> None:
        Path(ready).write_text(str(os.getpid()), encoding="utf-8")

    state = {"inserted": False}
    real_open = store_module._HOST.open

    def hang() -> None:
        touch()
        while True:  # the write transaction stays open until the test kills this process
            time.sleep(1)

    def hook(query: str) -> None:
        text = " ".join(query.split()).upper()
        if mode == "partial":
            if text.startswith(("INSERT INTO ANSWERS", "INSERT INTO AREA_POINTS")):
                state["inserted"] = True
            elif state["inserted"]:
                hang()  # one round's rows are written, the next ones not yet
        elif mode == "uncommitted" and text == "COMMIT":
            hang()  # every row and the audit row are written, COMMIT not run
        elif mode.startswith("commit:") and text == "COMMIT":
            delay = float(mode.split(":", 1)[1])
            timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGKILL))
            timer.daemon = True
            touch()
            timer.start()

    def open_file(key: str, path: Path, read_only: bool) -> Any:
        con = real_open(key, path, read_only)
        return con if read_only else _Proxy(con, hook)

    store_module._HOST.open = open_file  # type: ignore[method-assign]
    code, stdout, stderr = cli_main("import", *import_args, "--db", db)
    if mode.startswith("commit:"):
        time.sleep(30)  # the timer kills this process
    sys.stdout.write(json.dumps({"code": code, "stdout": stdout, "stderr": stderr}) + "\n")
    return 3  # never reached in a passing test: the process is killed before


def main(argv: list[str]) -> int:
    command, rest = argv[0], argv[1:]
    if command == "read-loop":
        db, unit_id, year, out, stop = rest
        return read_loop(db, unit_id, int(year), out, stop)
    if command == "hammer":
        db, stop, threads, hold = rest
        return hammer(db, stop, int(threads), float(hold))
    if command == "import-loop":
        db, out, *files = rest
        return import_loop(db, out, files)
    if command == "crash-import":
        db, ready, mode, sep, *import_args = rest
        assert sep == "--", "usage: crash-import DB READY MODE -- IMPORT-ARGS..."
        return crash_import(db, ready, mode, import_args)
    raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
