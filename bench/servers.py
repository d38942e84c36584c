"""Streamlit servers and Chromium for the page benchmarks.

Each server runs ``python -m streamlit run APP`` on a free port with its own environment (the
database in ``ZI_DB_PATH``), is polled on ``/_stcore/health`` and is stopped by its own PID. The
browser is Debian's Chromium driven by Playwright (never ``playwright install``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
TIMEOUT_MS = 180_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health(url: str) -> str | None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    try:
        with opener.open(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace").strip()
    except (urllib.error.URLError, OSError):
        return None


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def memory_kib(self) -> dict[str, int]:
        """VmRSS (now) and VmHWM (peak RSS so far) of the server process, from /proc."""
        out: dict[str, int] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0])
        return out


@contextmanager
def streamlit_server(app: Path, log_dir: Path, env: Mapping[str, str] | None = None,
                     timeout: float = 120.0) -> Iterator[Server]:
    """``streamlit run app`` on a free port; yields the running Server, stops it by PID."""
    port = free_port()
    log = log_dir / f"{app.stem}-{port}.log"
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, stdin=subprocess.DEVNULL, stdout=fh,
                                stderr=subprocess.STDOUT)
    server = Server(proc, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + timeout
        while _health(f"{server.url}/_stcore/health") != "ok":
            if proc.poll() is not None:
                raise RuntimeError(f"{app.name} exited with {proc.returncode}: {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{app.name} not healthy after {timeout:.0f} s: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield server
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


@contextmanager
def chromium() -> Iterator[Any]:
    """A Playwright browser context on Debian's Chromium (1400 x 900)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            yield context
        finally:
            browser.close()


# The page is ready when the script is not running and the page's own elements are drawn.
_READY_JS = """(selectors) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stException"]')) return 'exception';
  return selectors.every((s) => document.querySelector(s) !== null);
}"""


def navigate(context: Any, url: str, ready: list[str], drawn: list[str] | None = None,
             keep_open: bool = False) -> tuple[float, float | None, Any]:
    """A new tab navigates to ``url``: (seconds until the app is ready, seconds until the ``drawn``
    selectors are drawn too, the page if ``keep_open`` else None).

    Ready is the recipe's state: the script has finished (``data-test-script-state="notRunning"``,
    which the page only reaches after its run) and the ``ready`` selectors exist; charts may still
    be drawing then (plotly.js loads after the run), hence the second figure."""
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        handle = page.wait_for_function(_READY_JS, arg=ready, polling=10)
        elapsed = time.perf_counter() - start
        if handle.json_value() == "exception":
            text = page.get_by_test_id("stException").first.inner_text()
            raise RuntimeError(f"{url} raised: {text[:1000]}")
        drawn_at = None
        if drawn:
            page.wait_for_function(_READY_JS, arg=drawn, polling=10)
            drawn_at = time.perf_counter() - start
        return elapsed, drawn_at, page if keep_open else None
    finally:
        if not keep_open:
            page.close()


# What a redraw changes: the plotly charts' data (the radar), or the page's markdown text.
_CHARTS_JS = """() => JSON.stringify(Array.from(document.querySelectorAll(
  '[data-testid="stPlotlyChart"] .js-plotly-plot')).map((el) => (el.data || []).map((t) => t.r || t.y || null)))"""
_TEXT_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMarkdown"]'))
  .map((e) => e.innerText).join('|')"""
_CHANGED_JS = """([probe, before]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const now = probe === 'charts'
    ? JSON.stringify(Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot'))
        .map((el) => (el.data || []).map((t) => t.r || t.y || null)))
    : Array.from(document.querySelectorAll('[data-testid="stMarkdown"]')).map((e) => e.innerText).join('|');
  return now !== before;
}"""


def slider_moves(context: Any, url: str, selectors: list[str], probe: str, moves: int) -> list[float]:
    """Open ``url``, focus its first slider, and time ``moves`` key presses (right, left, ...), each
    until what ``probe`` watches ("charts": the plotly data; "text": the markdown) has changed."""
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_function(_READY_JS, arg=selectors, polling=10)
        slider = page.get_by_role("slider").first
        slider.focus()
        out = []
        for i in range(moves):
            before = page.evaluate(_CHARTS_JS if probe == "charts" else _TEXT_JS)
            start = time.perf_counter()
            slider.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            page.wait_for_function(_CHANGED_JS, arg=[probe, before], polling=10)
            out.append(time.perf_counter() - start)
        if page.query_selector('[data-testid="stException"]'):
            raise RuntimeError(f"{url} raised: {page.get_by_test_id('stException').first.inner_text()[:1000]}")
        return out
    finally:
        page.close()
