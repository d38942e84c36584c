"""Browser tests: pytest-playwright driving Debian's Chromium, and a live Streamlit server.

Every test in this folder is marked ``browser`` and is skipped (with the reason) when
/usr/bin/chromium is missing. Playwright's own browser download is never used.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.ports import worker_suffix

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
APP = REPO / "dashboard.py"
HEALTH_TIMEOUT_S = 60.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items: touch only the ones in this folder.
    have_chromium = os.path.exists(CHROMIUM)
    skip = pytest.mark.skip(
        reason=f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install -y chromium)"
    )
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if not have_chromium:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options plus Debian's Chromium and flags that keep it offline."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """<repo>/test-artifacts/ (git-ignored) for screenshots and server logs."""
    path = REPO / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


def _health(url: str) -> str | None:
    # No proxy: an http_proxy in the environment must not swallow a loopback request.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace").strip()
    except (urllib.error.URLError, OSError):
        return None


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def run_streamlit(port: int, db: Path, log_path: Path, *, secrets: Path | None = None,
                  env: dict[str, str] | None = None) -> Iterator[str]:
    """``streamlit run dashboard.py`` on ``port`` with the database ``db`` (and a secrets file);
    yields the base URL once healthy; stopped by its own PID on exit."""
    base_url = f"http://127.0.0.1:{port}"
    full_env = {**os.environ, "ZI_DB_PATH": str(db), "ZI_I18N_STRICT": "1", "PYTHONUNBUFFERED": "1", **(env or {})}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    if secrets is not None:
        cmd += ["--secrets.files", str(secrets)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=full_env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while _health(f"{base_url}/_stcore/health") != "ok":
            if proc.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {proc.returncode} before it was healthy:\n{_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after {HEALTH_TIMEOUT_S:.0f} s:\n{_tail(log_path)}")
            time.sleep(0.2)
        yield base_url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture(scope="session")
def streamlit_server(
    tmp_path_factory: pytest.TempPathFactory, free_port_factory: Callable[[], int], artifacts_dir: Path
) -> Iterator[str]:
    """``streamlit run dashboard.py`` on a free port with its own fresh database; yields the base URL.

    The app creates and seeds the database on first run. The server's output goes to
    test-artifacts/streamlit-server.log. Stopped by its own PID at the end of the session.
    """
    if not APP.exists():
        pytest.skip("dashboard.py does not exist yet: nothing to serve")
    db = tmp_path_factory.mktemp("server-db") / "zi.duckdb"
    with run_streamlit(free_port_factory(), db, artifacts_dir / f"streamlit-server{worker_suffix()}.log") as base_url:
        yield base_url


@pytest.fixture(scope="session")
def warm_server(browser, streamlit_server: str) -> str:
    """The shared server after one load of its default page: on a fresh server process the first
    session that opens a deep link (/simulasi) gets Streamlit's "Page not found" dialog (the routes
    are known only after the router's first run). Yields the base URL."""
    from playwright.sync_api import expect

    page = browser.new_page()
    try:
        page.goto(streamlit_server)
        expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_be_visible(
            timeout=30_000)
    finally:
        page.close()
    return streamlit_server


@pytest.fixture(scope="module")
def empty_installation(
    tmp_path_factory: pytest.TempPathFactory, free_port_factory: Callable[[], int], artifacts_dir: Path
) -> Iterator[tuple[str, Path, tuple[str, str]]]:
    """A fresh installation as a new user makes it: ``init-db`` (an empty database) and one local
    editor account from ``add-editor``, then ``streamlit run``. Yields (base URL, database path,
    (user name, password))."""
    folder = tmp_path_factory.mktemp("empty-installation")
    db, secrets = folder / "zi.duckdb", folder / "secrets.toml"
    account = ("siti", "rahasia-ZI-2026")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args, stdin in ((["init-db", "--db", str(db)], None),
                        (["add-editor", account[0], "--secrets", str(secrets), "--password-stdin"], account[1])):
        done = subprocess.run([sys.executable, "-m", "zi_metrics", *args], input=stdin, text=True,
                              capture_output=True, cwd=folder, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
    with run_streamlit(free_port_factory(), db, artifacts_dir / f"streamlit-empty-installation{worker_suffix()}.log",
                       secrets=secrets) as base_url:
        yield base_url, db, account
