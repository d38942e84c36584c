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


# Playwright's defaults for a new context and page: a reused tab is set back to them.
DEFAULT_VIEWPORT = {"width": 1280, "height": 720}
DEFAULT_TIMEOUT_MS = 30_000


class SharedTab:
    """One browser tab a worker keeps for all its tests, handed to each reset as a new tab would be.

    Why: a new tab costs Chromium about 2 s more CPU than a new document in a tab it already has
    (measured on this 2-core machine, a chart page: 3.0 s against 0.9 s of CPU per load, 2.0 s
    against 0.8 s until drawn), because a fresh renderer compiles and starts Streamlit's and
    plotly.js's bundles from nothing. The tests open a few hundred pages, so the suite spent minutes
    on that. What a test sees is still a new visitor: the tab is taken off the app (about:blank, so
    the last test's Streamlit session ends) with its local and session storage cleared, and gets
    no cookies, permissions or routes, Playwright's default window size and timeouts; its first
    ``goto`` opens a new document and so a new Streamlit session.
    """

    def __init__(self, browser, context_args: dict) -> None:  # noqa: ANN001 - Playwright's Browser
        self._browser = browser
        self._context_args = context_args
        self._context = None
        self._page = None
        self.console: list[str] = []  # this visit's console errors and warnings, and page errors

    def take(self):  # noqa: ANN201 - Playwright's Page
        if self._context is None:
            self._context = self._browser.new_context(**self._context_args)
        if self._page is None or self._page.is_closed():
            self._page = self._context.new_page()
            self._page.on("console", self._on_console)
            self._page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))
        self.console = []
        context, page = self._context, self._page
        context.unroute_all(behavior="ignoreErrors")
        page.unroute_all(behavior="ignoreErrors")
        context.clear_cookies()
        context.clear_permissions()
        for target in (context, page):
            target.set_default_timeout(DEFAULT_TIMEOUT_MS)
            target.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        page.set_viewport_size(DEFAULT_VIEWPORT)
        return page

    def _on_console(self, message) -> None:  # noqa: ANN001 - Playwright's ConsoleMessage
        if message.type in ("error", "warning"):
            where = (message.location or {}).get("url", "")
            self.console.append(f"{message.type}: {message.text} ({where})"[:500])

    def leave(self) -> None:
        """Ends the tab's visit: storage cleared, then about:blank. A tab that fails this (crashed,
        closed) is dropped and the next test gets a new one."""
        page = self._page
        if page is None or page.is_closed():
            return
        try:
            for extra in page.context.pages:
                if extra is not page:
                    extra.close()  # a second tab a test opened in the shared context
            if page.url.startswith("http"):
                page.evaluate("() => { try { localStorage.clear(); sessionStorage.clear(); } catch (e) {} }")
            page.goto("about:blank", timeout=DEFAULT_TIMEOUT_MS)
        except Exception:  # noqa: BLE001 - any failure here means: do not reuse this tab
            with contextlib.suppress(Exception):
                page.close()
            self._page = None

    def close(self) -> None:
        if self._context is not None:
            with contextlib.suppress(Exception):
                self._context.close()
        self._context = self._page = None


@pytest.fixture(scope="session")
def shared_tab(browser, browser_context_args: dict) -> Iterator[SharedTab]:
    """The worker's one reused tab (see SharedTab); module fixtures take and leave it themselves."""
    tab = SharedTab(browser, browser_context_args)
    yield tab
    tab.close()


@pytest.fixture
def page(shared_tab: SharedTab) -> Iterator:
    """pytest-playwright's ``page``, but the worker's reused tab, reset as a new one (SharedTab)."""
    page = shared_tab.take()
    try:
        yield page
    finally:
        shared_tab.leave()


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


_LIVE_LOGS: list[Path] = []  # the logs of this process's running Streamlit servers


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed browser test's report ends with the last lines of every server it could have been
    talking to: CI keeps only pytest's output, and a page that stopped answering is explained (or
    not) by its server's log."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.when == "call":
        for path in _LIVE_LOGS:
            report.sections.append((f"server log {path.name} (last 40 lines)", _tail(path)))
        tab = item.funcargs.get("shared_tab")
        if tab is not None and tab.console:
            report.sections.append(("browser console (errors and warnings)", "\n".join(tab.console[-40:])))


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
    _LIVE_LOGS.append(log_path)
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
        _LIVE_LOGS.remove(log_path)
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
def warm_server(shared_tab: SharedTab, streamlit_server: str) -> str:
    """The shared server after one load of its default page: on a fresh server process the first
    session that opens a deep link (/simulasi) gets Streamlit's "Page not found" dialog (the routes
    are known only after the router's first run). Yields the base URL."""
    from playwright.sync_api import expect

    page = shared_tab.take()
    try:
        page.goto(streamlit_server)
        expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_be_visible(
            timeout=30_000)
    finally:
        shared_tab.leave()
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
