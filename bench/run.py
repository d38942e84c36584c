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


RESULTS_HEAD = """# Benchmark results (issue #7)

Written by `python bench/run.py` (do not edit by hand). Every ratio is measured against its floor
in the same run, alternating the two; times are medians of wall-clock time (CPU time of the
process, all threads, beside it where it is more stable on a shared machine). A page is "ready"
in the recipe's sense (`[data-testid="stApp"][data-test-script-state="notRunning"]`, the page's
title drawn); "drawn" also waits for the table's grid. Each server keeps its first tab
open during the warm navigations, as a dashboard in use has a visitor (Streamlit drops its compiled
scripts when the last tab of a server closes). How each figure is measured: the docstrings of
bench/run.py, bench/scoring.py and bench/servers.py.

"""


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
    results: dict[str, Any] = {"national": national_database(args.db, args.units)}
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


GROWTH_HEAD = """## Growth (issue #14.6): 1,000, 10,000 and 100,000 units

Written by `python bench/run.py --growth` (bench/growth.py). Each size is a national database of
bench/national.py (3 stages x 127 answers a unit); each measure runs in a fresh process of its own
(the median of 3 repetitions after one untimed), so its peak RSS is its own. The growth exponent is
the least-squares slope of log(cost) against log(units); memory is fitted on the peak above the
process's RSS after its imports (the same at every size).

"""


def _growth_notes(r7: dict[str, Any]) -> str:
    lines = ["", "Details:", ""]
    for what in ("rescore", "overview"):
        for run in r7[what]:
            lines.append(f"- {what}, {run['units']:,} units (wall, s): {_list(run['wall'])}")
    return "\n".join(lines) + "\n"


SCALEOUT_HEAD = """## Scale-out (issue #13): PostgreSQL, concurrent importers, replicas behind nginx

Written by `python bench/run.py --only 4` (bench/scaleout.py). A throw-away PostgreSQL cluster
(Debian's binaries, fsync on) receives the national database through `copy-db`; each ratio is
against its floor in the same run.

"""

SCALEOUT_NOTES = """
- 6. The PostgreSQL path fetches the rounds as Arrow (ADBC, one snapshot) into an in-memory DuckDB
  and runs the same SQL and numpy scoring. A round's answers cross the wire as two fields a row
  (key and option code packed in one BIGINT, and the number) instead of five: the driver's CPU
  follows the fields (3.8 million rows: 0.94 s of client CPU for five, 0.50 s for two), and the
  option's text, which the database's CHECK makes the key answer_option numbers, is given back by
  a DuckDB view. Most of what is left is PostgreSQL producing the 3.8 million rows and the driver
  reading them.
- 7. Each importer is a process storing one 127-answer round at a time with `save_rounds` (the
  import's validation, the round's advisory lock, the comparison with what is stored, one
  transaction with its audit row and a durable commit); reading the workbooks is left out (it is
  the same on both backends and runs in parallel anyway). The DuckDB file takes one writer at a
  time, each opening the national-size file. CPU is counted on both sides: the importer processes'
  own, and PostgreSQL's (the postmaster, its live backends and those that ended, autovacuum and
  the WAL writer included). Nothing makes importers of different rounds wait for each other: no
  common lock, and sampled `pg_stat_activity` shows their backends idle in the transaction
  waiting for the client, or flushing the WAL. What limits them is CPU: undisturbed, one importer
  alone keeps more than half a core busy (the ceiling row gives its fastest run), so 2.5 times its
  rate needs about one and a half of the two cores for importing alone. The ceiling row is what
  two cores doing nothing else would allow at the CPU a round four importers take (more than one
  alone takes: four processes contend for the caches and the WAL): about 2.5x at best. On this
  shared machine the other sessions kept both cores busy through every run (the load average is
  beside each row), so four importers got a share of them, not both, and the runs vary as much as
  the listed rates show. Meeting the target takes more cores than two, or two left to the import.
- 8. Both figures navigate the same two replicas (PostgreSQL), alternating, each navigation in a new
  browser context (no cache): through nginx (sticky on the `_streamlit_xsrf` cookie, upstream
  keepalive, unbuffered with 128 KiB reads) and straight to one replica.
"""

WHERE_THE_TIME_GOES = """
Where the time goes, and what stands in the way of each missed target (figures measured on this
machine while other work shared its 2 cores; the rows above are this run's):

- 1. Re-score. store.round_data hands each answer over as one 32-bit cell (place and option code,
  answers.answer_option since migration 6: no text is cast) and, from a second scan run at the same
  time on another cursor of the connection, the numbers with their cells, both evaluation-major;
  numpy transposes the codes (and a complete round's numbers, as one block), then scores a
  complete round leaf by leaf while the leaf is in cache, items decoded with take() and added in
  the reference scorer's order, the two halves of the evaluations on two threads
  (zi_metrics/bulk/rounds.py); the rules are whole-column comparisons written straight into their
  rows. Every figure is equal to the bit to the earlier path's. The two scans cost about the
  floor's own aggregation (CPU 1.1-1.3x: both read the same 3.8 million rows), the numpy scoring
  about 0.4x and the rules 0.1x: the scans alone leave 0.3x for the rest, and that is what stands
  in the way of 1.5x. Opening the file: a read now attaches it to the process's one DuckDB
  instance (about 2 ms of CPU; duckdb.connect built a new instance each time, 13 ms), which made
  both sides faster (quiet machine: re-score 96 -> 57 ms, floor 45 -> 21 ms, so the ratio grew to
  2.7x); after a national scan the instance is closed, because its allocator kept the scans' freed
  pages (the overview's peak, row 5, was 30 MiB higher), so the next read builds a new one: 85 vs
  36 ms in this run. Tried: reading the numbers in a second
  scan matched to the cells by position (DuckDB keeps a plain scan's order) instead of with their
  cells: 13 ms less DuckDB CPU, as much more numpy work (CPU 177 vs 171 ms over 20 alternating
  runs), and an order the store could only check by its count: discarded. Rolling items up inside
  DuckDB (GROUP BY evaluation x sub-area: 390,000 groups) costs about three floor passes (see
  zi_metrics/store/national.py). Numbers in the codes' scan (a second column, or packed into a
  64-bit cell): 45 and 53 ms of CPU against 37 ms for the two scans. Shifts instead of products in
  the cell arithmetic: slower in DuckDB. Left to try: scoring one block of evaluations while DuckDB
  reads the next (round_data and score_round_data as one call), so that the numpy work overlaps the
  scans instead of following them.
- 3. Overview. A warm run costs the server about 0.05 s of CPU (AppTest); a cold one 2.3-3 s, of
  which about 1 s is importing pandas, pyarrow and plotly on the first visit (the empty page imports
  none of them), 0.47 s scoring the national round, 0.54 s the sidebar's lists, 0.24 s the first
  plotly figure (the heatmap), 0.24 s the roll-up, 0.17 s the demo-row check and 0.23 s opening
  DuckDB eleven times; the damage check of #15.4 then added a read of every stored value for each
  new Store (214 ms of CPU here; the dashboard makes one per cache miss): a Store now skips it for a
  database this process found whole at the same data version (25 ms), and the sidebar's reads share
  one connection, a cold run 2.55 -> 2.3 s of CPU. The rest is the browser (plotly.js, the table).
  Importing the libraries when the server starts would take the import second out of the cold
  navigation, but then the server would start at the stack floor's memory (2.4x the empty server),
  against row 5's at-start target.
- 4. Slider. `--only slider` runs this row alone. The fragment held two data grids (the rules of
  WBK and WBBM) and each slider sat with its typed twin in three column blocks: the rules are now
  plain HTML tables (ui.display.html_table, one element each, no Arrow, no grid), each pair one flex
  row, the metrics one row, and the fragment's texts use the run's language without a session and
  URL read per text. Server CPU per move (/proc of the server, 24 moves each, alternating, load
  10.7): 27.9 -> 15.8 ms; wall in that run 344 -> 273 ms; 49 messages a move instead of 69. What
  is left: 9 sliders and 8 typed twins (every widget of a fragment is sent and redrawn on each of
  its reruns; a slider outside the fragment would rerun the whole page), and the radar, which the
  browser builds anew on every move: st.plotly_chart's element id includes its spec and the
  frontend keys the chart by that id, so each move unmounts the plot and runs Plotly.newPlot
  instead of Plotly.react (about a third of the browser's script time per move). Tried: a key-only
  id for the radar (patching the id computation): the chart then keeps its first figure and never
  redraws, so not a way. The bare app redraws one line of text.
- 5. Memory. Against the stack floor (/proc/PID/smaps of both servers after their pages): the
  floor imports duckdb but never opens a database; the dashboard opens the file, checks it (#15.4)
  and runs the overview's queries, which page in 40 MiB of DuckDB's shared library against the
  floor's 9 (+31 MiB of code, the same for any process that reads a DuckDB file); other libraries'
  code +8 MiB (Arrow compute, numpy, pandas' string kernels); anonymous memory +35 MiB: the cached
  data as Python objects (about 20 MiB traced at 10,000 units: the overview table 8.5, of which
  the failing rules' tuples about 6; the unit fields and Unit objects 5; the round's evaluated ids
  1.2; the demo rows 1), Streamlit's state for the page, and what the scans and the scoring leave
  behind. The peak itself comes while the round is read, about 9 MiB above what stays: DuckDB's
  buffer pool holds the scanned blocks and the results (+40 MiB over the caches for 0.2-0.3 s,
  freed when the connection closes; 4-5 MiB of it from running the codes and numbers scans at once
  on a side cursor, which saves about 60 ms). Done: the demo rows as one set of unit ids per round,
  equal sets shared, instead of a tuple per round and two indexes (-16 MiB); Arrow's system pool
  and a fixed 64 KiB glibc mmap threshold in the server (ui/memory.py, -23 MiB: Arrow's mimalloc
  and glibc's raised threshold kept what the scans freed); the national reads fetched as numpy
  instead of through an Arrow table (-4 MiB); one object per repeated unit value and Unit with
  slots (-2 MiB); with the heatmap drawn on demand: 300 -> 256 MiB at load 10-15 (1.76x -> 1.50x).
  Tried without a change of the peak: a DuckDB memory_limit of 16 or 64 MB and one thread for the
  reads, malloc_trim after each run (RSS -4 MiB, the peak unchanged), building the table in rank
  order instead of sorting a copy, earlier MALLOC_ARENA_MAX=1 and 2 and DuckDB's
  allocator_flush_threshold. What stands in the way of 1.3x (221 MiB): the floor plus DuckDB's code
  is already 201 MiB, leaving 20 MiB for the app's data, its modules, Streamlit's session and the
  read of a round, whose scans alone take 40 MiB for a moment; it would take the round read in
  pieces small enough for DuckDB's buffers (each piece its own connection, which the one-snapshot
  read rules out today) and the cached tables kept as columns (no Python object per unit or
  failing rule, the rule texts built only for the rows shown).
- 9. score-lke as a process needs about 200 ms of CPU against LibreOffice's 1.1-1.3 s (0.18x); in
  wall time the ratio follows how the load treats the two processes (0.12x at load 18-30, 0.26x at
  20-37). evaluate: importing the package took 76 ms because zi_metrics/__init__ imported gaps and
  what-if as well; its names are now imported on first use (22 ms), and the whole process needs
  about 90 ms of CPU. Its wall time follows the machine's load.
- 10. Import under load. An import needs 1.0-1.4 s of CPU, about half of it Python imports (pandas
  through the store package, pyarrow, DuckDB, openpyxl, calamine), the same loaded or idle. The
  turnstile never waited. Opening the file took 75 ms a time idle (7 opens an import, now 4: the
  import's checks read through one connection, Store.reads_together); under load the write's open
  waits for the server's reads already running (each session's first run after an import reloads
  the round), and its retry step grew to 0.5 s: 1.69 s of opening in one loaded run. A writer now
  looks again every 50 ms at most (it holds the turnstile, so no new reader comes in): 0.37 s in
  the next loaded run. The rest of the loaded import's time is waiting for a core while Chromium and
  the server draw the sessions' pages (CPU contention); the idle figure itself moved between 1.5
  and 5 s with the other work on the machine, so the ratio ran 1.17x, 1.86x and 3.43x in three runs.
"""


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
