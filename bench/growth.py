"""How cost grows with the number of units (issue #14.6): ``python bench/run.py --growth``.

At 1,000, 10,000 and 100,000 units (each a national database of bench/national.py: 3 stages x 127
answers a unit), two measures, each in a fresh process of its own so that its peak memory is its
own:

* re-score: every evaluation of the database (store.round_data, bulk.score_round_data, every rule
  with bulk.evaluate_frame), the median of a few repetitions after one untimed;
* overview: the overview table of one round (overview.round_overview: the round and the previous
  year's through one connection, scored in bulk, the table built), the same way.

Each process reports its wall-clock time, its CPU time (all threads) and its peak RSS (VmHWM),
with its RSS before it read any data (the imports) so that the data's own memory can be told
apart. The growth exponent is the least-squares slope of log(cost) against log(units) over the
sizes: 1 is linear. Memory is fitted on the peak above the imports' RSS (the imports are the same
at every size and would flatten the fit).

    python bench/growth.py --measure rescore|overview --db DB [--reps 3]   (one measuring process)
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

SIZES = (1_000, 10_000, 100_000)


def _status_kib(key: str) -> int:
    return int(re.search(rf"{key}:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))


def fitted_exponent(sizes: list[int], values: list[float]) -> float:
    """Least-squares slope of log(value) against log(size)."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(v, 1e-9)) for v in values]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def _measure(what: str, db: Path, reps: int) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from zi_metrics import bulk, overview
    from zi_metrics.store import Store, round_data

    sys.path.insert(0, str(HERE))
    from bench.scoring import _all_rules

    imports_kib = _status_kib("VmRSS")

    store = Store(db)
    layouts = bulk.round_layouts()
    evaluations = store.evaluations()
    year = int(evaluations["year"].max())
    stage = "tpn" if "tpn" in set(evaluations["stage"]) else str(evaluations["stage"].iloc[-1])
    awards: dict[str, list[dict[str, Any]]] = {}
    for a in store.awards():
        awards.setdefault(a["unit_id"], []).append(a)
    count = len(evaluations) if what == "rescore" else int(((evaluations["year"] == year)
                                                           & (evaluations["stage"] == stage)).sum())
    del evaluations

    def once() -> None:
        if what == "rescore":
            _all_rules(bulk.score_round_data(round_data(store, layouts)), awards)
        else:
            overview.round_overview(store, year, stage)

    walls, cpus = [], []
    for rep in range(reps + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        once()
        if rep:
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    return {"what": what, "evaluations": count, "wall": walls, "cpu": cpus,
            "imports_kib": imports_kib, "peak_kib": _status_kib("VmHWM")}


def growth_benchmark(database: Callable[[Path, int], dict[str, Any]], reps: int, sizes: tuple[int, ...] = SIZES,
                     log: Callable[[str], None] = print) -> dict[str, Any]:
    """Per size: build (or reuse) its national database with ``database(path, units)``, then one
    measuring process each for the re-score and the overview."""
    out: dict[str, Any] = {"sizes": list(sizes), "rescore": [], "overview": []}
    for units in sizes:
        db = HERE / ("national.duckdb" if units == 10_000 else f"national-{units}.duckdb")
        built = database(db, units)
        out.setdefault("built", []).append(built)
        for what in ("rescore", "overview"):
            proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure", what, "--db", str(db),
                                   "--reps", str(reps)], cwd=REPO, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise RuntimeError(f"growth {what} at {units} units failed: {proc.stderr[-2000:]}")
            got = json.loads(proc.stdout.strip().splitlines()[-1])
            got["units"] = units
            out[what].append(got)
            log(f"  {units:,} units, {what}: {statistics.median(got['wall']):.3f} s "
                f"(CPU {statistics.median(got['cpu']):.3f} s), peak RSS {got['peak_kib'] / 1024:.0f} MiB "
                f"(imports {got['imports_kib'] / 1024:.0f} MiB)")
    for what in ("rescore", "overview"):
        runs = out[what]
        out[f"{what}_time_exponent"] = fitted_exponent(list(sizes), [statistics.median(r["wall"]) for r in runs])
        out[f"{what}_cpu_exponent"] = fitted_exponent(list(sizes), [statistics.median(r["cpu"]) for r in runs])
        out[f"{what}_memory_exponent"] = fitted_exponent(
            list(sizes), [max(1, r["peak_kib"] - r["imports_kib"]) for r in runs])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measure", choices=("rescore", "overview"), required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(_measure(args.measure, args.db, args.reps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
