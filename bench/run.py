"""National-scale benchmarks (issue #7): every figure as a ratio against its floor in the same run.

    python bench/run.py [--units 10000] [--reps 9] [--skip-loop] [--skip-legacy] [--only 1,3,cli]
    python bench/run.py --growth
    python bench/run.py --only slider --no-write   # the what-if slider (4) alone

1. re-scoring every unit and round (30,000 evaluations: DuckDB pass, scorecards, rules) vs one raw
   aggregation pass over the answers table (store.answers_floor), and vs a row-by-row Python loop;
2. scoring one 127-question workbook (score-lke: read + map + recompute) vs openpyxl's bare
   load_workbook of the file;
3. the overview page at 10,000 units vs an empty Streamlit page, in Chromium (cold, then the
   median of warm navigations);
4. a what-if slider move until the radar redraws vs a bare one-slider app;
5. the server's peak RSS after visiting the overview vs the stack floor (a Streamlit page that
   imports pandas, pyarrow, duckdb and plotly and draws one chart), and its RSS at start vs an
   empty Streamlit server's;
6-8. (``--only 4``, issue #13) the national re-score on PostgreSQL vs on DuckDB, import throughput
   with 1, 2 and 4 concurrent importers on PostgreSQL vs DuckDB's one writer at a time, and the
   overview through nginx in front of 2 replicas vs one replica direct (bench/scaleout.py);
9. (``cli``) ``score-lke`` of one workbook as a whole process vs LibreOffice's
   ``soffice --headless --convert-to xlsx`` of it, and ``evaluate`` as a whole process
   (bench/cli.py);
10. (``load``) one ``import`` with 10 browser sessions on the dashboard vs the idle dashboard, its
   time split into CPU, waiting for the database and the rest (bench/import_load.py);
11. (``--growth``) re-score and overview at 1,000, 10,000 and 100,000 units: time, peak memory and
   the fitted growth exponent (bench/growth.py).

The national database (bench/national.py) is generated, or reused when its stamp says it was
built by the same generator, framework, schema and unit count and the file is unchanged since.
The page benchmarks run against a copy of it. Results are printed and written to
bench/RESULTS.md with the machine they ran on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from bench.machine import load_average, machine_info  # noqa: E402
from bench.notes import (  # noqa: E402
    GROWTH_HEAD,
    RESULTS_HEAD,
    SCALEOUT_HEAD,
    SCALEOUT_NOTES,
    WHERE_THE_TIME_GOES,
)
from bench.scoring import Timing, lke_workbook, rescore_benchmark, workbook_benchmark  # noqa: E402

TARGETS = {"rescore": 1.5, "loop": 20.0, "workbook": 3.0, "overview": 1.5, "overview_cold": 2.0, "slider": 1.5,
           "memory_stack": 1.3, "memory_start": 2.0, "cli_soffice": 0.2, "evaluate_s": 0.15, "import_load": 2.0,
           "growth_100k_s": 3.0, "growth_exponent": 1.0, "pg_rescore": 10.0, "importers": 2.5, "replicas": 1.2}
BUDGET_S = 15 * 60
FRAMEWORK_FILE = REPO / "zi_metrics" / "frameworks" / "permenpanrb-90-2021.json"


def log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------------------------
# The national database


def _stamp_key(units: int) -> str:
    from zi_metrics.store import SCHEMA_VERSION

    digest = hashlib.sha256()
    for path in (HERE / "national.py", FRAMEWORK_FILE, REPO / "zi_metrics" / "store" / "schema.py"):
        digest.update(path.read_bytes())
    digest.update(f"schema={SCHEMA_VERSION};units={units}".encode())
    return digest.hexdigest()


def national_database(db: Path, units: int) -> dict[str, Any]:
    """Build ``db`` unless its stamp shows an identical, unchanged build; returns what happened."""
    stamp_path = db.with_name(db.name + ".stamp.json")
    key = _stamp_key(units)
    if db.exists() and stamp_path.exists():
        stamp = json.loads(stamp_path.read_text())
        st = db.stat()
        if stamp.get("key") == key and stamp.get("size") == st.st_size and stamp.get("mtime_ns") == st.st_mtime_ns:
            log(f"national database: reusing {db} (built {stamp.get('built')}, {units} units)")
            return {"reused": True, "seconds": stamp.get("seconds")}
    log(f"national database: generating {db} ({units} units x 3 stages) ...")
    start = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / "national.py"), "--units", str(units), "--db", str(db)],
                   cwd=REPO, check=True)
    seconds = time.perf_counter() - start
    st = db.stat()
    stamp_path.write_text(json.dumps({"key": key, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "units": units,
                                      "seconds": round(seconds, 1),
                                      "built": time.strftime("%Y-%m-%d %H:%M:%S")}, indent=2) + "\n")
    return {"reused": False, "seconds": seconds}


def app_bytecode() -> str:
    """Writes the app's bytecode (__pycache__) as its first run on a user's machine does. Python
    writes it on import unless PYTHONDONTWRITEBYTECODE is set, as it is on this machine: then every
    whole process measured here (rows 9 and 10, the servers) would compile the app's modules from
    source at each start (43 ms of score-lke's 160 ms). Returns what the Machine section says."""
    import compileall

    folders = ("zi_metrics", "ui")
    ok = all(compileall.compile_dir(REPO / folder, quiet=1) for folder in folders)
    env = " (PYTHONDONTWRITEBYTECODE is set here)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""
    state = "compiled" if ok else "compiled with errors"
    names = ", ".join(f + "/" for f in folders)
    return f"the app's modules ({names}) {state} before the run, as after a first run{env}"


# ---------------------------------------------------------------------------------------------
# 3-5. Pages in Chromium


def page_benchmarks(db: Path, work: Path, nav_reps: int, moves: int, unit_id: str, year: int,
                    stage: str) -> dict[str, Any]:
    """3-5: overview navigations, slider moves and memory, each against its bare app.

    Each server's first (cold) tab stays open while the warm navigations open and close their own
    tabs: a dashboard in use has a visitor, and Streamlit drops its compiled scripts whenever the
    last tab of a server closes. The same holds for the bare apps."""
    from bench.servers import chromium, navigate, streamlit_server

    copy = work / "national-copy.duckdb"
    shutil.copyfile(db, copy)
    # the table of the first page; the heatmap of its units is drawn when its section is opened
    # (views/ringkasan.py), which a first view does not do
    overview_drawn = ['[data-testid="stDataFrame"] canvas']
    chart_drawn = ['[data-testid="stPlotlyChart"] .js-plotly-plot']
    out: dict[str, Any] = {"imports_kib": _imports_rss()}
    with streamlit_server(REPO / "dashboard.py", work, {"ZI_DB_PATH": str(copy)}) as server, \
            streamlit_server(HERE / "apps" / "empty.py", work) as empty, \
            streamlit_server(HERE / "apps" / "one_chart.py", work) as chart, \
            streamlit_server(HERE / "apps" / "stack_floor.py", work) as stack, chromium() as browser:
        out["memory_start"] = {"app": server.memory_kib(), "empty": empty.memory_kib(), "stack": stack.memory_kib()}
        log("  overview: cold navigation (empty caches) ...")
        ready, drawn, _keep_app = navigate(browser, f"{server.url}/", ["h1"], overview_drawn, keep_open=True)
        out["overview_cold"], out["overview_cold_drawn"] = ready, drawn
        out["empty_cold"], _, _keep_empty = navigate(browser, f"{empty.url}/", ["h1"], keep_open=True)
        _, out["chart_cold_drawn"], _keep_chart = navigate(browser, f"{chart.url}/", ["h1"], chart_drawn,
                                                           keep_open=True)
        _, _, _keep_stack = navigate(browser, f"{stack.url}/", ["h1"], chart_drawn, keep_open=True)
        out["memory_cold"] = {"app": server.memory_kib(), "empty": empty.memory_kib(), "stack": stack.memory_kib()}
        log(f"  overview cold {out['overview_cold']:.2f} s (drawn {drawn:.2f} s), empty page cold "
            f"{out['empty_cold']:.2f} s")
        t = {k: Timing() for k in ("overview", "overview_drawn", "empty", "chart", "chart_drawn")}
        for _ in range(nav_reps):
            ready, drawn, _ = navigate(browser, f"{server.url}/", ["h1"], overview_drawn)
            t["overview"].add(ready, 0.0)
            t["overview_drawn"].add(drawn, 0.0)
            t["empty"].add(navigate(browser, f"{empty.url}/", ["h1"])[0], 0.0)
            ready, drawn, _ = navigate(browser, f"{chart.url}/", ["h1"], chart_drawn)
            t["chart"].add(ready, 0.0)
            t["chart_drawn"].add(drawn, 0.0)
        out.update(t)
        log(f"  overview warm {t['overview'].median:.2f} s (drawn {t['overview_drawn'].median:.2f} s), empty page "
            f"{t['empty'].median:.2f} s, one-chart page drawn {t['chart_drawn'].median:.2f} s (medians)")
        out["memory"] = {"app": server.memory_kib(), "empty": empty.memory_kib(), "stack": stack.memory_kib()}
        peak = {k: v["VmHWM"] // 1024 for k, v in out["memory"].items()}
        log(f"  peak RSS: app {peak['app']} MiB, empty {peak['empty']} MiB, stack floor {peak['stack']} MiB")
        out.update(slider_benchmark(browser, server.url, work, moves, unit_id, year, stage))
    return out


def slider_benchmark(browser: Any, app_url: str, work: Path, moves: int, unit_id: str, year: int,
                     stage: str) -> dict[str, Timing]:
    """4: key presses on the Simulasi page's first slider until the radar's data change vs the bare
    one-slider app until its text changes, in alternating batches (the same browser)."""
    from bench.servers import slider_moves, streamlit_server

    whatif_ready = ['[data-testid="stPlotlyChart"] .js-plotly-plot', '[data-testid="stSlider"] input[type="range"]']
    slider_ready = ['[data-testid="stSlider"] input[type="range"]', '[data-testid="stMarkdown"]']
    with streamlit_server(HERE / "apps" / "one_slider.py", work) as bare:
        whatif_url = f"{app_url}/simulasi?unit={unit_id}&tahun={year}&tahap={stage}"
        sim: list[float] = []
        one: list[float] = []
        batches = 3
        for _ in range(batches):
            sim += slider_moves(browser, whatif_url, whatif_ready, "charts", max(1, moves // batches))
            one += slider_moves(browser, f"{bare.url}/", slider_ready, "text", max(1, moves // batches))
    out = {"slider": Timing(sim, [0.0] * len(sim)), "one_slider": Timing(one, [0.0] * len(one))}
    log(f"  what-if slider {out['slider'].median:.3f} s, one-slider app {out['one_slider'].median:.3f} s")
    return out


def slider_only(db: Path, work: Path, moves: int, unit_id: str, year: int, stage: str) -> dict[str, Timing]:
    """``--only slider``: benchmark 4 alone, on its own dashboard server (a copy of the database)
    with a first tab kept open on the overview, as in the pages group."""
    from bench.servers import chromium, navigate, streamlit_server

    copy = work / "national-copy.duckdb"
    shutil.copyfile(db, copy)
    with streamlit_server(REPO / "dashboard.py", work, {"ZI_DB_PATH": str(copy)}) as server, chromium() as browser:
        _, _, _keep_app = navigate(browser, f"{server.url}/", ["h1"], keep_open=True)
        return slider_benchmark(browser, server.url, work, moves, unit_id, year, stage)


_IMPORTS = """
import re, sys
sys.path.insert(0, sys.argv[1])
import streamlit, pandas, pyarrow, duckdb, plotly.graph_objects, openpyxl
import zi_metrics.analytics, zi_metrics.bulk, zi_metrics.charts, ui.state
print(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
"""


def _imports_rss() -> int:
    """RSS (KiB) of a fresh Python process that imports what the app imports, before any data."""
    out = subprocess.run([sys.executable, "-c", _IMPORTS, str(REPO)], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Report


def _fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _row(rows: list[list[str]], what: str, value: float, floor: float, floor_name: str, target: str,
         ok: bool | None, note: str = "") -> float:
    ratio = value / floor if floor else float("nan")
    rows.append([what, _fmt_s(value), f"{floor_name}: {_fmt_s(floor)}", f"{ratio:.2f}x", target,
                 "-" if ok is None else ("yes" if ok else "**no**"), note])
    return ratio


def report(info: dict[str, Any], results: dict[str, Any], elapsed: float) -> tuple[str, str, str, list[str]]:
    rows: list[list[str]] = []
    missed: list[str] = []
    r1 = results.get("rescore")
    if r1:
        t = r1["timings"]
        ratio = t["total"].median / t["floor"].median
        ok = ratio <= TARGETS["rescore"]
        _row(rows, f"1. re-score all {r1['evaluations']:,} evaluations (DuckDB + scorecards + rules)",
             t["total"].median, t["floor"].median, "answers_floor", "<= 1.5x floor", ok,
             f"CPU time {t['total'].cpu_median * 1000:.0f} ms vs {t['floor'].cpu_median * 1000:.0f} ms = "
             f"{t['total'].cpu_median / t['floor'].cpu_median:.2f}x")
        if not ok:
            missed.append("1. re-score vs floor")
        for part, name in (("duckdb", "DuckDB pass (round_data)"), ("scorecards", "scorecards (score_round_data)"),
                           ("rules", "every rule (evaluate_frame)")):
            _row(rows, f"   part: {name}", t[part].median, t["floor"].median, "answers_floor", "", None,
                 f"CPU {t[part].cpu_median * 1000:.0f} ms")
        if "loop" in r1:
            speedup = r1["loop"]["total"] / t["total"].median
            ok = speedup >= TARGETS["loop"]
            rows.append(["1. row-by-row Python loop + reference scorer + evaluate()", _fmt_s(r1["loop"]["total"]),
                         f"bulk: {_fmt_s(t['total'].median)}", f"bulk is {speedup:.0f}x faster", ">= 20x faster",
                         "yes" if ok else "**no**",
                         f"fetch + loop {_fmt_s(r1['loop']['fetch_and_loop'])}, "
                         f"score + evaluate {_fmt_s(r1['loop']['score_and_evaluate'])}"])
            if not ok:
                missed.append("1. speed-up vs the loop")
        if "legacy" in r1:
            lg = r1["legacy"]
            _row(rows, "   before: SQL roll-up + a Scorecard and evaluate() per evaluation", lg["total"],
                 t["floor"].median, "answers_floor", "", None,
                 f"SQL {_fmt_s(lg['sql'])}, Scorecards {_fmt_s(lg['scorecards'])}, evaluate() {_fmt_s(lg['rules'])}")
    r2 = results.get("workbook")
    if r2:
        t = r2["timings"]
        ratio = t["score_lke"].median / t["floor"].median
        ok = ratio <= TARGETS["workbook"]
        _row(rows, "2. score-lke of one 127-question workbook (read + map + recompute)", t["score_lke"].median,
             t["floor"].median, "load_workbook", "<= 3x", ok,
             f"CPU {t['score_lke'].cpu_median * 1000:.0f} vs {t['floor'].cpu_median * 1000:.0f} ms; "
             f"{r2['bytes'] / 1024:.0f} KiB file")
        if not ok:
            missed.append("2. workbook")
    r3 = results.get("pages")
    if r3:
        ratio = r3["overview"].median / r3["empty"].median
        ok = ratio <= TARGETS["overview"]
        _row(rows, "3. overview page at 10,000 units, warm (median navigation until ready)", r3["overview"].median,
             r3["empty"].median, "empty page", "<= 1.5x", ok,
             f"{len(r3['overview'].wall)} navigations each")
        if not ok:
            missed.append("3. overview page")
        ratio = r3["overview_cold"] / r3["empty_cold"]
        ok = ratio <= TARGETS["overview_cold"]
        _row(rows, "3. overview page at 10,000 units, cold (first navigation, empty caches)", r3["overview_cold"],
             r3["empty_cold"], "empty page cold", "<= 2x", ok)
        if not ok:
            missed.append("3. overview page cold")
        _row(rows, "   a page with one small plotly chart (ready)", r3["chart"].median,
             r3["empty"].median, "empty page", "", None, "plotly.js loads after its run; the overview loads "
             "it only when its heatmap's section is opened")
        _row(rows, "   until the table is drawn (warm)", r3["overview_drawn"].median, r3["empty"].median,
             "empty page", "", None, "the heatmap of the table's units is drawn when its section is opened; "
             f"plotly.js alone: one-chart page drawn in {_fmt_s(r3['chart_drawn'].median)}")
        missed += _slider_rows(rows, r3)
        mem, start = r3["memory"], r3["memory_start"]
        app_kib, empty_kib, stack_kib = mem["app"]["VmHWM"], mem["empty"]["VmHWM"], mem["stack"]["VmHWM"]
        ratio = app_kib / stack_kib
        ok = ratio <= TARGETS["memory_stack"]
        rows.append(["5. server peak RSS at 10,000 units after the overview vs the stack floor",
                     f"{app_kib / 1024:.0f} MiB", f"stack floor: {stack_kib / 1024:.0f} MiB", f"{ratio:.2f}x",
                     "<= 1.3x", "yes" if ok else "**no**",
                     f"stack floor: a Streamlit page importing pandas, pyarrow, duckdb and plotly, drawing one chart; "
                     f"RSS now {mem['app']['VmRSS'] / 1024:.0f} vs {mem['stack']['VmRSS'] / 1024:.0f} MiB; after the "
                     f"cold navigation {r3['memory_cold']['app']['VmRSS'] / 1024:.0f} vs "
                     f"{r3['memory_cold']['stack']['VmRSS'] / 1024:.0f} MiB"])
        if not ok:
            missed.append("5. memory vs the stack floor")
        ratio = start["app"]["VmRSS"] / start["empty"]["VmRSS"]
        ok = ratio <= TARGETS["memory_start"]
        rows.append(["5. server RSS at start (up and healthy, before the first visit) vs the empty server's",
                     f"{start['app']['VmRSS'] / 1024:.0f} MiB",
                     f"empty server: {start['empty']['VmRSS'] / 1024:.0f} MiB", f"{ratio:.2f}x", "<= 2x",
                     "yes" if ok else "**no**",
                     f"stack floor at start {start['stack']['VmRSS'] / 1024:.0f} MiB"])
        if not ok:
            missed.append("5. memory at start")
        _row_mib(rows, "   peak RSS after the overview vs the empty server (the earlier target, <= 2x)", app_kib,
                 empty_kib, "empty server", f"stack floor vs empty: {stack_kib / empty_kib:.2f}x")
        if "imports_kib" in r3:
            imports = r3["imports_kib"]
            rows.append(["   imports alone (a Python process importing what the app imports)",
                         f"{imports / 1024:.0f} MiB", f"empty server: {empty_kib / 1024:.0f} MiB",
                         f"{imports / empty_kib:.2f}x", "", "-", "streamlit, pandas, pyarrow, duckdb, plotly, "
                         "openpyxl and the app's modules, no data"])
    if results.get("slider"):
        missed += _slider_rows(rows, results["slider"])
    r5 = results.get("cli")
    if r5:
        missed += _cli_rows(rows, r5)
    r6 = results.get("import_load")
    if r6:
        missed += _import_load_rows(rows, r6)
    growth_rows: list[list[str]] = []
    r7 = results.get("growth")
    if r7:
        missed += _growth_rows(growth_rows, r7)
    scale_rows: list[list[str]] = []
    r4 = results.get("scaleout")
    if r4:
        missed += _scaleout_rows(scale_rows, r4)
    load_end = load_average()
    machine = [
        f"- Date: {info['date']}; commit {info['commit']}",
        f"- CPU: {info['cpu']}, {info['cores']} cores; RAM {info['ram_gib']:.1f} GiB; {info['os']}",
        f"- Load average (1/5/15 min): {'/'.join(f'{x:.2f}' for x in info['load_start'])} at the start, "
        f"{'/'.join(f'{x:.2f}' for x in load_end)} at the end",
        f"- Python {info['python']}, DuckDB {info['duckdb']}, Streamlit {info['streamlit']}, numpy {info['numpy']}, "
        f"pandas {info['pandas']}, pyarrow {info['pyarrow']}, openpyxl {info['openpyxl']}, "
        f"Playwright {info['playwright']}, {info['chromium']}",
        f"- Whole run: {elapsed:.0f} s (budget {BUDGET_S // 60} min); national database "
        f"{'reused' if results.get('national', {}).get('reused') else 'generated'}",
    ]
    if results.get("bytecode"):
        machine.append(f"- Bytecode: {results['bytecode']}")
    machine_text = "\n\nMachine:\n\n" + "\n".join(machine) + "\n"
    main = _table(rows) + machine_text if rows else ""
    growth = _table(growth_rows) + machine_text if growth_rows else ""
    scale = _table(scale_rows) + machine_text if scale_rows else ""
    return main, growth, scale, missed


def _slider_rows(rows: list[list[str]], r: dict[str, Any]) -> list[str]:
    ratio = r["slider"].median / r["one_slider"].median
    ok = ratio <= TARGETS["slider"]
    _row(rows, "4. what-if slider move until the radar redraws", r["slider"].median, r["one_slider"].median,
         "one-slider app", "<= 1.5x", ok, f"{len(r['slider'].wall)} moves each")
    return [] if ok else ["4. what-if slider"]


def _cli_rows(rows: list[list[str]], r5: dict[str, Any]) -> list[str]:
    missed = []
    t = r5["timings"]
    score = t["score_lke"]
    if r5["soffice"]:
        office = t["soffice"]
        ratio = score.median / office.median
        ok = ratio <= TARGETS["cli_soffice"]
        _row(rows, "9. score-lke of one 127-question workbook, whole process", score.median, office.median,
             "soffice --convert-to xlsx", "<= 0.2x", ok,
             f"CPU {score.cpu_median * 1000:.0f} vs {office.cpu_median * 1000:.0f} ms; {len(score.wall)} runs each, "
             f"alternating; {r5['bytes'] / 1024:.0f} KiB file")
        if not ok:
            missed.append("9. score-lke vs soffice")
    else:
        rows.append(["9. score-lke of one 127-question workbook, whole process", _fmt_s(score.median),
                     "soffice --convert-to xlsx: skipped: no soffice", "-", "<= 0.2x", "-",
                     f"CPU {score.cpu_median * 1000:.0f} ms"])
    ev = t["evaluate"]
    ok = ev.median <= TARGETS["evaluate_s"]
    rows.append(["9. evaluate of the README's recap request, whole process", _fmt_s(ev.median), "-", "-", "<= 0.15 s",
                 "yes" if ok else "**no**", f"CPU {ev.cpu_median * 1000:.0f} ms; {len(ev.wall)} runs"])
    if not ok:
        missed.append("9. evaluate")
    return missed


def _import_load_rows(rows: list[list[str]], r6: dict[str, Any]) -> list[str]:
    idle, load = r6["idle"], r6["load"]
    ratio = load["process_wall"] / idle["process_wall"]
    ok = ratio <= TARGETS["import_load"]

    def parts(r: dict[str, Any]) -> str:
        waiting = r["turnstile"] + r["open"]
        return (f"CPU {r['process_cpu']:.2f} s, waiting for the database {waiting:.2f} s (turnstile "
                f"{r['turnstile']:.2f}, opening {r['open']:.2f} over {r['opens']:.0f} opens), Python imports "
                f"{r['imports']:.2f} s")

    _row(rows, f"10. import of one workbook (whole process) with {r6['sessions']} browser sessions on the dashboard",
         load["process_wall"], idle["process_wall"], "idle dashboard", "<= 2x", ok,
         f"loaded: {parts(load)}; idle: {parts(idle)}; {len(load['walls'])} imports each, alternating batches; "
         f"{r6['pages']} pages drawn by the sessions meanwhile ({r6['think']:.0f} s between pages)")
    return [] if ok else ["10. import under load"]


def _growth_rows(rows: list[list[str]], r7: dict[str, Any]) -> list[str]:
    missed = []
    for what, name in (("rescore", "re-score every evaluation"), ("overview", "overview table of one round")):
        for run in r7[what]:
            wall, cpu = statistics.median(run["wall"]), statistics.median(run["cpu"])
            ok = None
            target = ""
            if what == "rescore" and run["units"] == max(r7["sizes"]):
                ok = wall <= TARGETS["growth_100k_s"]
                target = f"<= {TARGETS['growth_100k_s']:.0f} s"
                if not ok:
                    missed.append("11. re-score at 100,000 units")
            rows.append([f"11. {name}, {run['units']:,} units ({run['evaluations']:,} evaluations)", _fmt_s(wall),
                         "-", "-", target, "-" if ok is None else ("yes" if ok else "**no**"),
                         f"CPU {_fmt_s(cpu)}; peak RSS {run['peak_kib'] / 1024:.0f} MiB (imports "
                         f"{run['imports_kib'] / 1024:.0f} MiB)"])
        for kind, name2 in (("time", "time"), ("memory", "peak memory above the imports")):
            exponent = r7[f"{what}_{kind}_exponent"]
            ok = exponent <= TARGETS["growth_exponent"]
            note = f"CPU time: {r7[f'{what}_cpu_exponent']:.2f}" if kind == "time" else ""
            rows.append([f"11. {name}: growth exponent of {name2}", f"{exponent:.2f}", "units", "-",
                         "<= 1 (linear or better)", "yes" if ok else "**no**", note])
            if not ok:
                missed.append(f"11. {what} {kind} growth")
    return missed


def _row_mib(rows: list[list[str]], what: str, kib: float, floor_kib: float, floor_name: str, note: str) -> None:
    rows.append([what, f"{kib / 1024:.0f} MiB", f"{floor_name}: {floor_kib / 1024:.0f} MiB", f"{kib / floor_kib:.2f}x",
                 "", "-", note])


def _table(rows: list[list[str]]) -> str:
    header = ["Measure", "Result", "Floor (same run)", "Ratio", "Target", "Met", "Notes"]
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(table)


def _scaleout_rows(rows: list[list[str]], r4: dict[str, Any]) -> list[str]:
    missed = []
    pg, duck = r4["rescore"]["postgres"], r4["rescore"]["duckdb"]
    ratio = pg["total"].median / duck["total"].median
    ok = ratio <= TARGETS["pg_rescore"]
    _row(rows, "6. national re-score on PostgreSQL (Arrow fetch + the same DuckDB/numpy scoring)",
         pg["total"].median, duck["total"].median, "on DuckDB", "<= 10x", ok,
         f"of which the Arrow fetch {_fmt_s(pg['fetch'].median)}; copy-db of the national database "
         f"{r4['copy_seconds']:.0f} s")
    if not ok:
        missed.append("6. PostgreSQL re-score")
    imports = r4["imports"]
    one = imports["postgres"][1]["per_second"]

    def cpu(run: dict[str, Any]) -> float:  # ms of CPU a round, the importer's and PostgreSQL's
        return run["cpu_ms_per_round"] + run["server_ms_per_round"]

    for n in (1, 2, 4):
        run = imports["postgres"][n]
        speedup = run["per_second"] / one
        ok = speedup >= TARGETS["importers"] if n == 4 else None
        rows.append([f"7. import throughput, {n} concurrent importer(s) on PostgreSQL",
                     f"{run['per_second']:.1f} rounds/s", f"1 importer: {one:.1f} rounds/s",
                     f"{speedup:.2f}x", ">= 2.5x" if n == 4 else "", "-" if ok is None else ("yes" if ok else "**no**"),
                     f"{run['rounds']} rounds of 127 answers in {run['seconds']:.2f} s (runs: "
                     f"{', '.join(map(str, run['runs']))} rounds/s, the median counts); CPU a round: importer "
                     f"{run['cpu_ms_per_round']:.1f} ms + PostgreSQL {run['server_ms_per_round']:.1f} ms, so the "
                     f"import kept {run['per_second'] * cpu(run) / 1000:.2f} of a core busy; the machine was "
                     f"{100 * run['machine_busy']:.0f} % busy (every process; load average {run['load']:.1f})"])
        if ok is False:
            missed.append("7. four importers")
    # What two cores allow at best: every core busy with importers and their PostgreSQL backends.
    four = imports["postgres"][4]
    best = imports["postgres"][1].get("fastest", imports["postgres"][1])
    cores = os.cpu_count() or 1
    ceiling = 1000 * cores / cpu(four)
    needed = TARGETS["importers"] * one * cpu(four) / 1000
    rows.append([f"   ceiling: {cores} cores busy only with importers", f"{ceiling:.0f} rounds/s",
                 f"1 importer: {one:.1f} rounds/s", f"{ceiling / one:.2f}x", "", "-",
                 f"{cores} x 1000 ms / {cpu(four):.1f} ms of CPU a round (4 importers); {TARGETS['importers']}x "
                 f"one importer needs {needed:.2f} of a core for importing, the 4 importers had "
                 f"{four['per_second'] * cpu(four) / 1000:.2f}; against the fastest run of one importer (the "
                 f"least disturbed: {best['per_second']:.0f} rounds/s keeping "
                 f"{best['per_second'] * cpu(best) / 1000:.2f} of a core busy) the ceiling is "
                 f"{ceiling / best['per_second']:.2f}x"])
    for n in (1, 4):
        run = imports["duckdb"][n]
        rows.append([f"   {n} importer(s) on the DuckDB file (one writer at a time)",
                     f"{run['per_second']:.1f} rounds/s", f"PostgreSQL, 1 importer: {one:.1f} rounds/s",
                     f"{run['per_second'] / one:.2f}x", "", "-", f"{run['rounds']} rounds in {run['seconds']:.2f} s"])
    t = r4["replicas"]
    ratio = t["nginx"].median / t["direct"].median
    ok = ratio <= TARGETS["replicas"]
    _row(rows, "8. overview at 10,000 units through nginx, 2 replicas (warm, ready)", t["nginx"].median,
         t["direct"].median, "one replica direct", "<= 1.2x", ok, f"{len(t['nginx'].wall)} navigations each, "
         "alternating; PostgreSQL")
    if not ok:
        missed.append("8. replicas behind nginx")
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=HERE / "national.duckdb")
    parser.add_argument("--reps", type=int, default=15, help="timed repetitions of benchmark 1")
    parser.add_argument("--workbook-reps", type=int, default=21, help="timed repetitions of benchmark 2")
    parser.add_argument("--nav-reps", type=int, default=9, help="warm navigations of each page")
    parser.add_argument("--moves", type=int, default=18, help="slider moves of each app")
    parser.add_argument("--skip-loop", action="store_true", help="skip the (slow) row-by-row Python loop")
    parser.add_argument("--skip-legacy", action="store_true", help="skip the previous scoring path")
    parser.add_argument("--only", default=None,
                        help="benchmarks to run (default: all but the growth): 1, 2, 3 (pages: 3, 4, 5), slider (4 "
                             "alone; within 3 when 3 runs), 4 (scale-out: 6, 7, 8), cli (9: whole processes), "
                             "load (10: an import under browser load)")
    parser.add_argument("--growth", action="store_true",
                        help="11: re-score and overview at 1,000, 10,000 and 100,000 units (alone unless --only)")
    parser.add_argument("--sessions", type=int, default=10, help="browser sessions of benchmark 10")
    parser.add_argument("--load-imports", type=int, default=6, help="imports of each kind in benchmark 10")
    parser.add_argument("--imports", type=int, default=100, help="rounds each importer stores (benchmark 7)")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    only = {s.strip() for s in (args.only or ("" if args.growth else "1,2,3,4,cli,load")).split(",") if s.strip()}
    started = time.perf_counter()
    info = machine_info()
    log(f"{info['cpu']}, {info['cores']} cores, load {info['load_start'][0]:.2f}; Python {info['python']}, "
        f"DuckDB {info['duckdb']}, Streamlit {info['streamlit']}")
    results: dict[str, Any] = {"national": national_database(args.db, args.units), "bytecode": app_bytecode()}
    from zi_metrics.store import Store

    store = Store(args.db)
    evaluations = store.evaluations()
    year = int(evaluations["year"].max())
    stage = str(evaluations.loc[evaluations["year"] == year, "stage"].iloc[-1])
    unit_id = str(evaluations["unit_id"].iloc[0])
    with tempfile.TemporaryDirectory(prefix="zi-bench-") as tmp:
        work = Path(tmp)
        if "1" in only:
            log("1. re-scoring every unit and round ...")
            results["rescore"] = rescore_benchmark(args.db, args.reps, loop=not args.skip_loop,
                                                   legacy=not args.skip_legacy, log=log)
        if "2" in only:
            log("2. one 127-question workbook ...")
            path = work / "lke-127.xlsx"
            lke_workbook(path)
            results["workbook"] = workbook_benchmark(path, args.workbook_reps, log=log)
        if "3" in only:
            log("3-5. pages in Chromium ...")
            results["pages"] = page_benchmarks(args.db, work, args.nav_reps, args.moves, unit_id, year,
                                               "tpn" if "tpn" in set(evaluations["stage"]) else stage)
        elif "slider" in only:
            log("4. the what-if slider alone ...")
            results["slider"] = slider_only(args.db, work, args.moves, unit_id, year,
                                            "tpn" if "tpn" in set(evaluations["stage"]) else stage)
        if "cli" in only:
            from bench.cli import cli_benchmark

            log("9. the command line as whole processes: score-lke vs soffice, evaluate ...")
            path = work / "lke-127.xlsx"
            lke_workbook(path)
            results["cli"] = cli_benchmark(path, work, max(5, args.reps // 3), log=log)
        if "load" in only:
            from bench.import_load import import_load_benchmark

            log(f"10. an import with {args.sessions} browser sessions on the dashboard vs idle ...")
            path = work / "lke-127.xlsx"
            lke_workbook(path)
            results["import_load"] = import_load_benchmark(args.db, work, path, args.sessions, args.load_imports,
                                                           think=1.0, log=log)
        if args.growth:
            from bench.growth import growth_benchmark

            log("11. growth: 1,000, 10,000 and 100,000 units ...")
            results["growth"] = growth_benchmark(national_database, reps=3, log=log)
        if "4" in only:
            from bench.scaleout import benchmarks as scaleout

            log("6-8. scale-out: PostgreSQL, importers, replicas behind nginx ...")
            results["scaleout"] = scaleout(args.db, work, max(3, args.reps // 3), args.imports, args.nav_reps, log)
    elapsed = time.perf_counter() - started
    main_text, growth_text, scale_text, missed = report(info, results, elapsed)
    log("\n" + main_text + "\n" + growth_text + "\n" + scale_text)
    log("missed: " + (", ".join(missed) if missed else "none"))
    if not args.no_write:
        # A run of some benchmarks keeps the other section of the file as it was.
        old = args.results.read_text() if args.results.exists() else ""
        old_main, _, old_scale = old.partition(SCALEOUT_HEAD)
        old_main, _, old_growth = old_main.partition(GROWTH_HEAD)
        main = RESULTS_HEAD + main_text + _notes(results) if main_text else old_main
        growth = GROWTH_HEAD + growth_text + _growth_notes(results["growth"]) if growth_text else (
            GROWTH_HEAD + old_growth if old_growth else "")
        scale = SCALEOUT_HEAD + scale_text + SCALEOUT_NOTES if scale_text else (
            SCALEOUT_HEAD + old_scale if old_scale else "")
        text = main.rstrip("\n") + "\n"
        for section in (growth, scale):
            text += "\n" + section.rstrip("\n") + "\n" if section else ""
        args.results.write_text(text)
        log(f"written to {args.results}")
    if elapsed > BUDGET_S:
        log(f"WARNING: the run took {elapsed:.0f} s, over the {BUDGET_S} s budget")
    return 0


def _growth_notes(r7: dict[str, Any]) -> str:
    lines = ["", "Details:", ""]
    for what in ("rescore", "overview"):
        for run in r7[what]:
            lines.append(f"- {what}, {run['units']:,} units (wall, s): {_list(run['wall'])}")
    return "\n".join(lines) + "\n"


def _notes(results: dict[str, Any]) -> str:
    lines = [WHERE_THE_TIME_GOES, "Details:", ""]
    r1 = results.get("rescore")
    if r1:
        t = r1["timings"]
        lines.append(f"- Benchmark 1 repetitions (wall, s): floor {_list(t['floor'].wall)}; "
                     f"bulk {_list(t['total'].wall)}")
        lines.append(f"- Predicates of the national round: {r1['predicates']} (the loop agrees)"
                     if "loop" in r1 else f"- Predicates: {r1['predicates']}")
    r2 = results.get("workbook")
    if r2:
        lines.append(f"- Benchmark 2 repetitions (wall, s): load_workbook {_list(r2['timings']['floor'].wall)}; "
                     f"score-lke {_list(r2['timings']['score_lke'].wall)}")
    r3 = results.get("pages")
    if r3:
        lines.append(f"- Overview navigations (s): {_list(r3['overview'].wall)}; empty page {_list(r3['empty'].wall)}")
    r4 = r3 or results.get("slider")
    if r4:
        lines.append(f"- Slider moves (s): what-if {_list(r4['slider'].wall)}; "
                     f"one-slider {_list(r4['one_slider'].wall)}")
    return "\n".join(lines) + "\n"


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values) + f" (median {statistics.median(values):.3f})"


if __name__ == "__main__":
    sys.exit(main())
