"""Scale-out benchmarks (issue #13): PostgreSQL against DuckDB, replicas behind nginx.

6. the national re-score (round_data + scorecards + every rule, as benchmark 1) on PostgreSQL
   (the round fetched as Arrow into DuckDB) vs on the DuckDB file, alternating;
7. import throughput (rounds stored per second) with 1, 2 and 4 concurrent importer processes on
   PostgreSQL, vs the DuckDB file with 1 and 4 (one writer at a time);
8. the overview page at 10,000 units through nginx in front of 2 replicas vs one replica direct
   (the same replicas, navigations alternating).

A throw-away PostgreSQL cluster (Debian's binaries, fsync on: commits are real) is started for the
run and receives the national database through copy-db; everything is stopped by PID at the end.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

IMPORTERS = (1, 2, 4)


@contextmanager
def national_postgres(db: Path, log: Callable[[str], None]) -> Iterator[dict[str, Any]]:
    """A throw-away cluster holding a copy of the national DuckDB database (copy-db, verified)."""
    from zi_metrics import pg_cluster
    from zi_metrics.store import Store, copy_database
    from zi_metrics.store.postgres_backend import close_pools

    cluster = pg_cluster.start(durable=True)
    try:
        url = cluster.url
        start = time.perf_counter()
        copy_database(Store(db), Store(url), actor="bench")
        seconds = time.perf_counter() - start
        log(f"  copy-db of the national database into PostgreSQL: {seconds:.1f} s (every table verified)")
        yield {"url": url, "copy_seconds": seconds, "pid": cluster.pid}
    finally:
        close_pools()
        cluster.stop()


def rescore(duck_db: Path, pg_url: str, reps: int, log: Callable[[str], None]) -> dict[str, Any]:
    """6: the whole national re-score on each backend, alternating (the first pair not counted)."""
    from bench.scoring import Timing, _all_rules
    from zi_metrics import bulk
    from zi_metrics.store import Store, round_data

    layouts = bulk.round_layouts()
    out: dict[str, Any] = {}
    for name, store in (("duckdb", Store(duck_db)), ("postgres", Store(pg_url))):
        awards: dict[str, list[dict[str, Any]]] = {}
        for a in store.awards():
            awards.setdefault(a["unit_id"], []).append(a)
        out[name] = {"store": store, "awards": awards, "total": Timing(), "fetch": Timing()}
    predicates = {}
    for rep in range(reps + 1):
        for name in ("duckdb", "postgres"):
            entry = out[name]
            wall, cpu = time.perf_counter(), time.process_time()
            data = round_data(entry["store"], layouts)
            fetched = time.perf_counter() - wall
            frames = bulk.score_round_data(data)
            rules = _all_rules(frames, entry["awards"])
            if rep:
                entry["total"].add(time.perf_counter() - wall, time.process_time() - cpu)
                entry["fetch"].add(fetched, 0.0)
            predicates[name] = sorted((str(p), int((r.predicate.astype(str) == p).sum()))
                                      for r in rules for p in set(r.predicate.astype(str).tolist()))
        if rep:
            log(f"  rep {rep}: DuckDB {out['duckdb']['total'].wall[-1]:.3f} s, "
                f"PostgreSQL {out['postgres']['total'].wall[-1]:.3f} s "
                f"(of which the Arrow fetch {out['postgres']['fetch'].wall[-1]:.3f} s)")
    if predicates["duckdb"] != predicates["postgres"]:
        raise AssertionError(f"the backends disagree: {predicates}")
    return {name: {"total": out[name]["total"], "fetch": out[name]["fetch"]} for name in out}


def _stat_fields(pid: int | str) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2:].split()  # from the state field on (the name may hold spaces)


def server_cpu(postmaster: int) -> float:
    """CPU seconds used so far by a PostgreSQL cluster: the postmaster, its children that ended
    (reaped: counted in its cutime/cstime) and those still running (connections' backends)."""
    tick = os.sysconf("SC_CLK_TCK")
    own = _stat_fields(postmaster)
    total = sum(int(v) for v in own[11:15])
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat_fields(entry.name)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        if fields[1] == str(postmaster):
            total += int(fields[11]) + int(fields[12])
    return total / tick


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot, every core (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]  # idle and iowait
    return (sum(values) - idle) / tick, sum(values) / tick


def _import_run(db: str, importers: int, per_importer: int, units: list[str], year: int,
                work: Path, postmaster: int | None = None) -> dict[str, Any]:
    """``importers`` processes, each storing ``per_importer`` new rounds of its own units, started
    together once every one is ready; throughput = rounds / (last end - first start). With the
    PostgreSQL cluster's ``postmaster`` PID, the server's CPU time is measured too; the machine's
    busy time (every process, ours or not) always."""
    run = work / f"imp-{importers}-{year}-{time.monotonic_ns()}"
    run.mkdir()
    go = run / "go"
    procs = []
    for n in range(importers):
        mine = units[n * (per_importer + 1):(n + 1) * (per_importer + 1)]
        procs.append(subprocess.Popen(
            [sys.executable, str(HERE / "import_worker.py"), db, str(year), ",".join(mine),
             str(run / f"ready-{n}"), str(go), str(run / f"out-{n}.json")],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    try:
        deadline = time.monotonic() + 600
        while not all((run / f"ready-{n}").exists() for n in range(importers)):
            for p in procs:
                if p.poll() is not None and p.returncode != 0:
                    raise RuntimeError(f"importer failed: {p.stderr.read() if p.stderr else ''}")
            if time.monotonic() > deadline:
                raise RuntimeError("importers not ready after 600 s")
            time.sleep(0.01)
        load = os.getloadavg()[0]
        server_before = server_cpu(postmaster) if postmaster else 0.0
        machine_before = machine_cpu()
        go.write_text("go")
        for p in procs:
            _, err = p.communicate(timeout=1800)
            if p.returncode != 0:
                raise RuntimeError(f"importer failed: {err[-2000:]}")
        machine_after = machine_cpu()
        server = server_cpu(postmaster) - server_before if postmaster else 0.0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    import json

    results = [json.loads((run / f"out-{n}.json").read_text()) for n in range(importers)]
    span = max(r["ended"] for r in results) - min(r["started"] for r in results)
    rounds = sum(r["imports"] for r in results)
    cpu = sum(r["cpu"] for r in results)
    busy, every = (b - a for a, b in zip(machine_before, machine_after, strict=True))
    return {"importers": importers, "rounds": rounds, "seconds": span, "per_second": rounds / span,
            "cpu_ms_per_round": 1000 * cpu / rounds, "server_ms_per_round": 1000 * server / rounds,
            "machine_busy": busy / every if every else 0.0, "load": load}


def import_throughput(duck_db: Path, pg_url: str, work: Path, per_importer: int, reps: int,
                      log: Callable[[str], None], postmaster: int | None = None) -> dict[str, Any]:
    """7: rounds stored per second by 1, 2, 4 importers on PostgreSQL (``reps`` runs of each,
    alternating; the median run counts), and 1 and 4 on DuckDB (once each, fewer rounds: one write
    at a time on a national-size file takes about half a second)."""
    import statistics

    from zi_metrics.store import Store

    units = [u.id for u in Store(duck_db).list_units() if u.level != "instansi"]
    duck_copy = work / "imports.duckdb"
    shutil.copyfile(duck_db, duck_copy)
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in IMPORTERS}
    year = 2030
    for rep in range(reps):
        for n in IMPORTERS:
            year += 1
            run = _import_run(pg_url, n, per_importer, units, year, work, postmaster)
            runs[n].append(run)
            log(f"  run {rep + 1}, PostgreSQL, {n} importer(s): {run['per_second']:.1f} rounds/s "
                f"({run['rounds']} rounds in {run['seconds']:.2f} s; CPU a round: client "
                f"{run['cpu_ms_per_round']:.1f} ms, server {run['server_ms_per_round']:.1f} ms; machine "
                f"{100 * run['machine_busy']:.0f} % busy, load {run['load']:.1f})")
    out: dict[str, Any] = {"postgres": {}, "duckdb": {}}
    for n, got in runs.items():
        best = statistics.median(r["per_second"] for r in got)
        out["postgres"][n] = min(got, key=lambda r: abs(r["per_second"] - best))
        out["postgres"][n]["runs"] = [round(r["per_second"], 1) for r in got]
        out["postgres"][n]["fastest"] = dict(max(got, key=lambda r: r["per_second"]))  # least disturbed
    for n in (1, 4):
        year += 1
        out["duckdb"][n] = _import_run(str(duck_copy), n, max(3, per_importer // 10), units, year, work)
        log(f"  DuckDB, {n} importer(s): {out['duckdb'][n]['per_second']:.1f} rounds/s "
            f"({out['duckdb'][n]['rounds']} rounds in {out['duckdb'][n]['seconds']:.2f} s)")
    return out


def overview_replicas(pg_url: str, work: Path, nav_reps: int, log: Callable[[str], None]) -> dict[str, Any]:
    """8: the overview through nginx (2 replicas, sticky) vs one replica direct, alternating."""
    from bench.scoring import Timing
    from bench.servers import chromium, navigate
    from zi_metrics.pg_cluster import free_port

    spec = importlib.util.spec_from_file_location("zi_deploy_replicas", REPO / "deploy" / "replicas.py")
    assert spec and spec.loader
    deploy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(deploy)
    state = work / "replicas"
    record = deploy.start(replicas=2, port=free_port(), database_url=pg_url, state=state)
    drawn = ['[data-testid="stDataFrame"] canvas']  # the table (the heatmap is drawn on demand)
    try:
        via_nginx = record["url"]
        direct = [f"http://127.0.0.1:{r['port']}/" for r in record["replicas"]]
        with chromium() as browser:
            keep = []
            for url in (*direct, via_nginx):  # cold: every replica computes the round once
                seconds, _, page = navigate(browser, url, ["h1"], drawn, keep_open=True)
                keep.append(page)
                log(f"  cold {url}: {seconds:.2f} s")
            t = {"nginx": Timing(), "direct": Timing()}
            for _ in range(nav_reps):
                t["nginx"].add(navigate(browser, via_nginx, ["h1"])[0], 0.0)
                t["direct"].add(navigate(browser, direct[0], ["h1"])[0], 0.0)
            log(f"  overview warm: through nginx {t['nginx'].median:.2f} s, one replica direct "
                f"{t['direct'].median:.2f} s (medians)")
            for page in keep:
                page.close()
        return t
    finally:
        deploy.stop(state)


def benchmarks(duck_db: Path, work: Path, reps: int, per_importer: int, nav_reps: int,
               log: Callable[[str], None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with national_postgres(duck_db, log) as pg:
        out["copy_seconds"] = pg["copy_seconds"]
        log("6. national re-score, PostgreSQL vs DuckDB ...")
        out["rescore"] = rescore(duck_db, pg["url"], reps, log)
        log("7. import throughput ...")
        out["imports"] = import_throughput(duck_db, pg["url"], work, per_importer, 5, log, pg["pid"])
        log("8. overview through nginx (2 replicas) vs one replica direct ...")
        out["replicas"] = overview_replicas(pg["url"], work, max(nav_reps, 15), log)
    return out
