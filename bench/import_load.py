"""An import while browser sessions use the dashboard, against the same import with none
(issue #15.7).

The dashboard runs on a copy of the national database (10,000 units). Each import is a fresh
``python -m zi_metrics import`` of one filled 127-question Lampiran III workbook into that file,
a new round (year + 1, stage mandiri) of another unit each time, so every import really writes and
moves the data version the sessions' caches are keyed on. Idle: the server runs, no tab is open.
Under load: ``sessions`` Chromium tabs (one browser, one context each, so each is its own
Streamlit session) walk Ringkasan -> Profil -> Simulasi of a unit and back, each page until it is
ready, with ``think`` seconds between pages, for as long as the imports last. The imports run
one after another, alternating idle and loaded batches so that a drift in the machine's load hits
both.

Each import reports, from inside (bench/import_once.py), its wall time, its CPU time, and the
time it spent waiting for the database: at the turnstile (the side file a writer holds while
readers queue behind it) and opening the file (retried while another process has it open). Wall
time minus CPU and waits is time the process was ready to run but had no core: CPU contention.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.cli import run_process
from bench.servers import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, streamlit_server

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

_READY_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelector('h1') !== null;
}"""


async def _session(context_factory: Any, urls: list[str], think: float, stop: threading.Event,
                   counts: list[int], errors: list[str]) -> None:
    context = await context_factory()
    page = await context.new_page()
    try:
        i = 0
        while not stop.is_set():
            try:
                await page.goto(urls[i % len(urls)], wait_until="commit")
                await page.wait_for_function(_READY_JS, polling=50, timeout=TIMEOUT_MS)
                counts.append(1)
            except Exception as exc:  # a navigation cut short by the end of the run is fine
                if not stop.is_set():
                    errors.append(str(exc)[:300])
            i += 1
            await asyncio.sleep(think)
    finally:
        await context.close()


def _browser_load(urls: list[str], sessions: int, think: float, stop: threading.Event, ready: threading.Event,
                  counts: list[int], errors: list[str]) -> None:
    from playwright.async_api import async_playwright

    async def run() -> None:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                async def factory() -> Any:
                    return await browser.new_context(viewport={"width": 1400, "height": 900})

                tasks = [asyncio.create_task(_session(factory, urls[k % len(urls):] + urls[:k % len(urls)], think,
                                                      stop, counts, errors)) for k in range(sessions)]
                while len(counts) < sessions and not stop.is_set():  # every session has drawn a page
                    await asyncio.sleep(0.1)
                ready.set()
                await asyncio.gather(*tasks)
            finally:
                await browser.close()

    asyncio.run(run())


def _import(workbook: Path, db: Path, unit: str, year: int, work: Path) -> dict[str, Any]:
    out = work / f"import-{unit}.json"
    wall, cpu = run_process([sys.executable, str(HERE / "import_once.py"), str(out), "--", "import", str(workbook),
                             "--unit", unit, "--year", str(year), "--stage", "mandiri", "--db", str(db),
                             "--actor", "bench"], REPO)
    inside = json.loads(out.read_text(encoding="utf-8"))
    if inside["code"] != 0:
        raise RuntimeError(f"import of {unit} exited with {inside['code']}")
    return {"process_wall": wall, "process_cpu": cpu, **inside}


def import_load_benchmark(db: Path, work: Path, workbook: Path, sessions: int, imports: int, think: float,
                          log: Callable[[str], None] = print) -> dict[str, Any]:
    copy = work / "import-load.duckdb"
    shutil.copyfile(db, copy)
    sys.path.insert(0, str(REPO))
    from zi_metrics.store import Store

    evaluations = Store(copy).evaluations()
    year = int(evaluations["year"].max())
    stage = "tpn" if "tpn" in set(evaluations["stage"]) else str(evaluations["stage"].iloc[-1])
    units = sorted(set(evaluations["unit_id"]))
    shown = units[0]
    target = iter(units[1:])
    runs: dict[str, list[dict[str, Any]]] = {"idle": [], "load": []}
    pages = 0
    errors: list[str] = []
    with streamlit_server(REPO / "dashboard.py", work, {"ZI_DB_PATH": str(copy)}) as server:
        urls = [f"{server.url}/?tahun={year}&tahap={stage}",
                f"{server.url}/profil?unit={shown}&tahun={year}&tahap={stage}",
                f"{server.url}/simulasi?unit={shown}&tahun={year}&tahap={stage}"]
        _import(workbook, copy, next(target), year + 1, work)  # warms the file cache; not counted
        batches = 2
        for batch in range(batches):
            for _ in range(max(1, imports // batches)):
                runs["idle"].append(_import(workbook, copy, next(target), year + 1, work))
            stop, ready, counts = threading.Event(), threading.Event(), []
            load = threading.Thread(target=_browser_load, args=(urls, sessions, think, stop, ready, counts, errors),
                                    daemon=True)
            load.start()
            if not ready.wait(600):
                stop.set()
                raise RuntimeError(f"the {sessions} sessions did not all draw a page in 600 s: {errors[:3]}")
            started = time.perf_counter()
            for _ in range(max(1, imports // batches)):
                runs["load"].append(_import(workbook, copy, next(target), year + 1, work))
            during = len(counts)
            stop.set()
            load.join(300)
            pages += during
            n = max(1, imports // batches)
            idle_s = [round(r["process_wall"], 2) for r in runs["idle"][-n:]]
            load_s = [round(r["process_wall"], 2) for r in runs["load"][-n:]]
            log(f"  batch {batch + 1}: idle {idle_s} s, with {sessions} sessions {load_s} s "
                f"({during} pages drawn meanwhile in {time.perf_counter() - started:.0f} s)")
    out: dict[str, Any] = {"sessions": sessions, "think": think, "pages": pages, "errors": errors[:5]}
    for k, rs in runs.items():
        fields = ("process_wall", "process_cpu", "wall", "cpu", "turnstile", "open", "imports")
        out[k] = {f: statistics.median(r[f] for r in rs) for f in fields}
        out[k]["walls"] = [r["process_wall"] for r in rs]
        out[k]["opens"] = statistics.median(r["opens"] for r in rs)
    return out
