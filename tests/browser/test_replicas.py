"""Two dashboard replicas behind nginx on one PostgreSQL database (deploy/replicas.py), eight browser
sessions, three importers at once, then one replica killed.

Two importers write different units' rounds and a third re-imports the first one's round with
another workbook, all while the sessions browse. Then the replica holding the most sessions is
killed (SIGKILL). Checked: no error in any session; every import whole or absent, nothing lost
(each stored round equals the same workbook imported alone into a DuckDB file); the killed
replica's sessions reconnect through nginx and show the dashboard again, with the new data.

Every wait is on a condition (page state, server health, processes ending), with generous limits.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

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


def _deploy() -> Any:
    spec = importlib.util.spec_from_file_location("zi_deploy_replicas", REPO / "deploy" / "replicas.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sessions_on(port: int) -> int:
    """Established connections into a replica's port: one long-lived websocket per session."""
    out = subprocess.run(["ss", "-tnH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, check=True).stdout
    return len([line for line in out.splitlines() if line.strip()])


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

    expected = _serial_rounds(tmp_path)
    deploy = _deploy()
    state = tmp_path / "run"
    record = deploy.start(replicas=2, port=free_port(), database_url=pg_url, state=state)
    try:
        base = record["url"]
        ports = {r["pid"]: r["port"] for r in record["replicas"]}
        contexts = [browser.new_context(viewport={"width": 1280, "height": 720}) for _ in range(SESSIONS)]
        pages = [c.new_page() for c in contexts]
        for page in pages:
            page.set_default_timeout(180_000)  # a loaded 2-core machine: waits are conditions anyway
            page.goto(f"{base}?tahun={YEAR}&tahap=tpi", wait_until="commit")
        for page in pages:
            _wait_ready(page)
            assert not _problems(page)
        cookies = {c.cookies()[0]["value"] for c in contexts if c.cookies()}
        assert len(cookies) == SESSIONS  # eight sessions of their own, spread by nginx's hash

        # Three importers at once, while every session keeps reloading the overview.
        env = dict(os.environ, ZI_DATABASE_URL=pg_url)
        procs = [subprocess.Popen([sys.executable, "-m", "zi_metrics", "import", str(FORMS / name), "--unit", unit,
                                   "--year", str(YEAR), "--stage", STAGE, "--actor", f"importer {n}"],
                                  cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n, (unit, name) in enumerate(IMPORTS)]
        while any(p.poll() is None for p in procs):
            for page in pages:
                page.reload(wait_until="commit")
                _wait_ready(page)
                assert not _problems(page), _problems(page)
        for proc, (unit, name) in zip(procs, IMPORTS, strict=True):
            out, err = proc.communicate()
            assert proc.returncode == 0, (unit, name, err)

        store = Store(pg_url)
        log = store.audit_log(100)
        imports = log[log["action"] == "import_lke"]
        assert sorted(imports["file_name"]) == sorted(name for _, name in IMPORTS)  # nothing lost
        for unit in {u for u, _ in IMPORTS}:
            stored = store.answers_for(store.evaluation_id(unit, YEAR, STAGE))
            last = imports[imports["detail"].str.contains(unit)].iloc[0]["file_name"]  # newest first
            assert stored == expected[(unit, last)]  # whole: exactly the last import of that round

        # Kill the replica holding the most sessions.
        counts = {pid: _sessions_on(port) for pid, port in ports.items()}
        victim = max(counts, key=counts.get)
        assert counts[victim] >= SESSIONS // 2, counts
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while deploy._alive(victim):
            assert time.monotonic() < deadline
            time.sleep(0.05)

        # The killed replica's sessions reconnect through nginx: every websocket ends up on the other
        # replica, and no session shows an error.
        survivor = next(port for pid, port in ports.items() if pid != victim)
        deadline = time.monotonic() + 180
        while _sessions_on(survivor) < SESSIONS:
            assert time.monotonic() < deadline, f"{_sessions_on(survivor)} sessions reconnected"
            time.sleep(0.2)
        for page in pages:
            _wait_ready(page)
            assert not _problems(page), _problems(page)
        # ... and they work: each shows the new round (TPN 2026 exists only since the imports).
        for page in pages:
            page.goto(f"{base}?tahun={YEAR}&tahap={STAGE}", wait_until="commit")
            _wait_ready(page)
            assert not _problems(page), _problems(page)
            assert page.get_by_text("Tahap TPN").first.is_visible()
    finally:
        deploy.stop(state)
    assert not deploy.status(state)["running"]
