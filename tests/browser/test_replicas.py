"""Two dashboard replicas behind nginx on one PostgreSQL database (deploy/replicas.py), eight browser
sessions, three importers at once, then one replica killed.

Two importers write different units' rounds and a third re-imports the first one's round with
another workbook, all while the sessions browse. Then the replica holding the most sessions is
killed (SIGKILL). Checked: no error in any session; every import whole or absent, nothing lost
(each stored round equals the same workbook imported alone into a DuckDB file); exactly the killed
replica's sessions lose their websocket and open a new one through nginx, the others keep theirs;
the survivor then holds all eight sessions, every one shows the dashboard without an error, and
the moved ones open the round the importers added.

Sessions are counted by each replica itself (Streamlit's ``active_sessions`` metric): a count of
TCP connections would include nginx's idle upstream keepalive connections. Every wait is on a
condition (page state, server metrics, processes ending), with generous limits.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from deploy import replicas as deploy  # deploy/ is a folder of scripts: a namespace package

REPO = Path(__file__).resolve().parents[2]
FORMS = REPO / "tests" / "fixtures" / "lke-official"
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
NGINX = "/usr/sbin/nginx"
SESSIONS = 8
YEAR, STAGE = 2026, "tpn"  # the demo's 2026 has no TPN round yet: every import adds or replaces
IMPORTS = [  # (unit, workbook): the third re-imports the first one's round
    ("kemendesa-itjen", "unit-complete-saved.xlsx"),
    ("kemendesa-setjen", "unit-partial-saved.xlsx"),
    ("kemendesa-itjen", "unit-discipline-zero-saved.xlsx"),
]

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason=f"needs nginx at {NGINX} (apt-get install nginx)")


def _sessions_on(port: int) -> int:
    """The sessions a replica holds with an open websocket (its own metric, asked directly)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://127.0.0.1:{port}/_stcore/metrics?families=active_sessions", timeout=30) as response:
        text = response.read().decode("utf-8")
    found = re.search(r"^active_sessions(?:\{[^}]*\})? (\d+)", text, re.M)
    assert found, text
    return int(found.group(1))


class Tab:
    """A browser tab and the websockets its current document opened (Playwright marks a socket
    closed when its server or the page closes it, not when the page navigates away)."""

    def __init__(self, page: Any):
        self.page = page
        self.sockets: list[Any] = []
        self.since = 0  # index in sockets of the first one the current document opened
        page.on("websocket", lambda ws: self.sockets.append(ws))

    def navigate(self, url: str | None = None) -> None:
        self.since = len(self.sockets)
        if url is None:
            self.page.reload(wait_until="commit")
        else:
            self.page.goto(url, wait_until="commit")

    def open_sockets(self) -> list[Any]:
        return [ws for ws in self.sockets[self.since:] if not ws.is_closed()]

    def one_open_socket(self, deadline: float) -> Any:
        while len(found := self.open_sockets()) != 1:
            assert time.monotonic() < deadline, f"{len(found)} open websockets in a tab"
            self.page.wait_for_timeout(100)  # lets Playwright deliver the websocket events
        return found[0]


def _problems(page: Any) -> list[str]:
    found = [e.inner_text() for e in page.get_by_test_id("stException").all()]
    found += [e.inner_text() for e in page.get_by_test_id("stAlertContentError").all()]
    return found


def _wait_ready(page: Any, timeout_ms: float = 180_000) -> None:
    page.wait_for_selector(READY, timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=timeout_ms)


def _serial_rounds(tmp_path: Path) -> dict[tuple[str, str], dict[int, dict[str, Any]]]:
    """What each workbook stores when imported alone (a DuckDB file): the oracle of 'whole'."""
    from zi_metrics.lke import import_file
    from zi_metrics.store import Store, Unit, open_store

    out = {}
    for unit, name in IMPORTS:
        store = open_store(tmp_path / f"serial-{unit}-{name}.duckdb", create=True)
        store.upsert_units([Unit("kemendesa", "K", "instansi"), Unit(unit, "U", "eselon1", parent_id="kemendesa")],
                           actor="t")
        result = import_file(store, FORMS / name, actor="t", unit_id=unit, year=YEAR, stage=STAGE)
        assert result.written, [str(p) for p in result.problems]
        out[(unit, name)] = Store(store.source).answers_for(store.evaluation_id(unit, YEAR, STAGE))
    return out


@pytest.mark.slow
@pytest.mark.timeout(900)  # two servers, nginx, eight tabs and three importers on a shared 2-core machine
def test_two_replicas_behind_nginx(browser: Any, pg_url: str, tmp_path: Path) -> None:
    from zi_metrics.pg_cluster import free_port
    from zi_metrics.store import Store

    started = time.monotonic()

    def phase(what: str) -> None:  # shown with a failure: where a slow run spent its time
        print(f"{time.monotonic() - started:6.1f} s  {what}", flush=True)

    expected = _serial_rounds(tmp_path)
    phase("serial imports (the oracle)")
    state = tmp_path / "run"
    record = deploy.start(replicas=2, port=free_port(), database_url=pg_url, state=state)
    contexts: list[Any] = []
    try:
        base = record["url"]
        phase("PostgreSQL schema, 2 replicas and nginx started")
        ports = {r["pid"]: r["port"] for r in record["replicas"]}
        contexts += [browser.new_context(viewport={"width": 1280, "height": 720}) for _ in range(SESSIONS)]
        tabs = [Tab(c.new_page()) for c in contexts]
        for tab in tabs:
            tab.page.set_default_timeout(180_000)  # a loaded 2-core machine: waits are conditions anyway
            tab.navigate(f"{base}?tahun={YEAR}&tahap=tpi")
        for tab in tabs:
            _wait_ready(tab.page)
            assert not _problems(tab.page)
        cookies = {c.cookies()[0]["value"] for c in contexts if c.cookies()}
        assert len(cookies) == SESSIONS  # eight sessions of their own, spread by nginx's hash
        phase("8 tabs ready")

        # Three importers at once, while every session keeps reloading the overview (all tabs at
        # once, then each waited for: the replicas serve them concurrently).
        env = dict(os.environ, ZI_DATABASE_URL=pg_url)
        procs = [subprocess.Popen([sys.executable, "-m", "zi_metrics", "import", str(FORMS / name), "--unit", unit,
                                   "--year", str(YEAR), "--stage", STAGE, "--actor", f"importer {n}"],
                                  cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n, (unit, name) in enumerate(IMPORTS)]
        while any(p.poll() is None for p in procs):
            for tab in tabs:
                tab.navigate()
            for tab in tabs:
                _wait_ready(tab.page)
                assert not _problems(tab.page), _problems(tab.page)
        for proc, (unit, name) in zip(procs, IMPORTS, strict=True):
            out, err = proc.communicate()
            assert proc.returncode == 0, (unit, name, err)
        phase("3 importers done while the tabs reloaded")

        store = Store(pg_url)
        log = store.audit_log(100)
        imports = log[log["action"] == "import_lke"]
        assert sorted(imports["file_name"]) == sorted(name for _, name in IMPORTS)  # nothing lost
        for unit in {u for u, _ in IMPORTS}:
            stored = store.answers_for(store.evaluation_id(unit, YEAR, STAGE))
            last = imports[imports["detail"].str.contains(unit)].iloc[0]["file_name"]  # newest first
            assert stored == expected[(unit, last)]  # whole: exactly the last import of that round

        # Every tab has one open websocket; the replicas hold the eight sessions between them.
        deadline = time.monotonic() + 180
        before = [tab.one_open_socket(deadline) for tab in tabs]
        while sum((counts := {pid: _sessions_on(port) for pid, port in ports.items()}).values()) != SESSIONS:
            assert time.monotonic() < deadline, counts  # the sessions of the reloaded documents still counted
            time.sleep(0.1)

        phase(f"sessions on the replicas: {counts}")
        # Kill the replica holding the most sessions.
        victim = max(counts, key=counts.get)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while deploy._alive(victim):
            assert time.monotonic() < deadline
            time.sleep(0.05)

        # Exactly the killed replica's tabs lose their websocket and open a new one through nginx
        # (which can only reach the survivor); the other tabs keep theirs. Then the survivor holds
        # all eight sessions.
        survivor = next(port for pid, port in ports.items() if pid != victim)
        deadline = time.monotonic() + 180
        while sum(ws.is_closed() for ws in before) < counts[victim]:
            assert time.monotonic() < deadline, f"{sum(ws.is_closed() for ws in before)} websockets closed"
            tabs[0].page.wait_for_timeout(100)
        moved = [n for n, ws in enumerate(before) if ws.is_closed()]
        assert len(moved) == counts[victim]
        for n in moved:
            again = tabs[n].one_open_socket(deadline)
            assert again is not before[n] and again.url.startswith(base.replace("http://", "ws://"))
        while _sessions_on(survivor) < SESSIONS:
            assert time.monotonic() < deadline, f"{_sessions_on(survivor)} sessions on the survivor"
            time.sleep(0.1)
        assert all(not ws.is_closed() for n, ws in enumerate(before) if n not in moved)
        phase(f"{len(moved)} tabs reconnected")
        for tab in tabs:
            _wait_ready(tab.page)
            assert not _problems(tab.page), _problems(tab.page)
        # ... and the moved ones work: each opens the new round (TPN 2026 exists only since the
        # imports) from the survivor.
        for n in moved:
            tabs[n].navigate(f"{base}?tahun={YEAR}&tahap={STAGE}")
        for n in moved:
            _wait_ready(tabs[n].page)
            assert not _problems(tabs[n].page), _problems(tabs[n].page)
            assert tabs[n].page.get_by_text("Tahap TPN").first.is_visible()
        phase("done")
    except AssertionError as exc:
        # what nginx saw (upstream errors, 502s): CI keeps only pytest's output
        logs = [(state / name) for name in ("nginx-error.log", "nginx-access.log")]
        tails = [f"--- {p.name} (last 30 lines) ---\n" + "\n".join(p.read_text(errors="replace").splitlines()[-30:])
                 for p in logs if p.exists()]
        raise AssertionError(f"{exc}\n" + "\n".join(tails)) from exc
    finally:
        for context in contexts:
            context.close()
        deploy.stop(state)
    assert not deploy.status(state)["running"]
