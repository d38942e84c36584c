"""Fixtures shared by the whole suite. Keep this generic: feature-specific fixtures live
beside their tests (tests/pages/conftest.py, tests/browser/conftest.py, ...)."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.ports import find_free_port

REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """The app's bytecode is written once, before the workers start, as a user's first run writes
    it. Where PYTHONDONTWRITEBYTECODE is set (this machine, and so CI), every process the suite
    starts (CLI commands, Streamlit servers, the workers) would otherwise compile zi_metrics/ and
    ui/ from source again: measured here, 20 ms for a CLI command's help, 0.2 s for a process that
    imports all of it."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller has done it
        return
    import compileall

    for folder in ("zi_metrics", "ui"):
        compileall.compile_dir(REPO_ROOT / folder, quiet=1)


# Folders whose files take longest (a browser file: 10-60 s; a reliability file: up to 20 s; most
# other files: under 10 s), in the order they are handed out.
_LONG_FIRST = ("browser", "reliability")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long files first. xdist hands whole files to the workers in collection order
    (``--no-loadscope-reorder`` in pyproject.toml; its default orders them by number of tests):
    started last, a 50 s browser file kept one worker busy while the other had nothing left."""
    def rank(item: pytest.Item) -> int:
        parts = Path(item.path).resolve().relative_to(REPO_ROOT / "tests").parts
        return _LONG_FIRST.index(parts[0]) if len(parts) > 1 and parts[0] in _LONG_FIRST else len(_LONG_FIRST)

    items[:] = sorted(items, key=rank)  # stable: a file's tests keep their order


@pytest.fixture(scope="session", autouse=True)
def _apptest_setup_once() -> Iterator[None]:
    """AppTest compiles the app's scripts again on every ``run()`` (a new ScriptCache each time) and
    scans every installed package for component manifests for every new AppTest: together a fifth
    of the page tests' CPU. Within one test process the packages do not change, and a script is
    compiled again only when its file changes (path, size and modification time), so both are done
    once here. What the scripts do on each run is untouched."""
    from streamlit.components.v2 import manifest_scanner
    from streamlit.runtime.scriptrunner import script_cache
    from streamlit.testing.v1 import app_test, local_script_runner

    scan = manifest_scanner.scan_component_manifests
    found: list = []

    def scan_once(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - Streamlit's signature
        if not found:
            found.append(scan(*args, **kwargs))
        return list(found[0])

    compiled: dict[tuple[str, int, int], object] = {}

    class CompiledOnce(script_cache.ScriptCache):
        def get_bytecode(self, script_path: str):  # noqa: ANN201 - a code object
            path = os.path.abspath(script_path)
            stat = os.stat(path)
            key = (path, stat.st_size, stat.st_mtime_ns)
            if key not in compiled:
                compiled[key] = super().get_bytecode(path)
            return compiled[key]

    saved = (manifest_scanner.scan_component_manifests, app_test.ScriptCache, local_script_runner.ScriptCache)
    manifest_scanner.scan_component_manifests = scan_once
    app_test.ScriptCache = local_script_runner.ScriptCache = CompiledOnce
    try:
        yield
    finally:
        manifest_scanner.scan_component_manifests, app_test.ScriptCache, local_script_runner.ScriptCache = saved


@pytest.fixture(scope="session")
def free_port_factory() -> Callable[[], int]:
    """``free_port_factory()`` -> a free TCP port on 127.0.0.1 (usable from session fixtures)."""
    return find_free_port


@pytest.fixture
def free_port() -> int:
    return find_free_port()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh database file path (not created) exported as ``ZI_DB_PATH`` for this test."""
    path = tmp_path / "zi-test.duckdb"
    monkeypatch.setenv("ZI_DB_PATH", str(path))
    return path


@pytest.fixture(autouse=True)
def _no_database_url_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their database themselves ($ZI_DB_PATH, or db_location's $ZI_DATABASE_URL):
    a ZI_DATABASE_URL of the shell running pytest would take precedence over both."""
    monkeypatch.delenv("ZI_DATABASE_URL", raising=False)


@pytest.fixture(autouse=True)
def _strict_i18n(monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing i18n key raises KeyError in tests (the app itself falls back quietly)."""
    monkeypatch.setenv("ZI_I18N_STRICT", "1")


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> Iterator[None]:
    """Clear st.cache_data / st.cache_resource after each test, if a test imported Streamlit.

    Streamlit is never imported here: tests of zi_metrics stay free of it.
    """
    yield
    st = sys.modules.get("streamlit")
    if st is not None:
        st.cache_data.clear()
        st.cache_resource.clear()


# ---------------------------------------------------------------------------------------------
# Both store backends. A store test that takes ``db_location`` (or ``pg_url``) runs on DuckDB and
# on a real PostgreSQL: one throw-away cluster per test session (Debian's binaries), a fresh schema
# per test. Skipped, with the reason, only where the PostgreSQL binaries are not installed.

BACKENDS = ("duckdb", "postgresql")
_schemas = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of the session's PostgreSQL cluster (started on first use, stopped by its PID)."""
    from zi_metrics import pg_cluster

    if pg_cluster.pg_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries not installed (/usr/lib/postgresql/*/bin; apt-get install postgresql)")
    cluster = pg_cluster.start(durable=False, port=find_free_port())
    try:
        yield cluster.url
    finally:
        from zi_metrics.store.postgres_backend import close_pools

        close_pools()
        cluster.stop()


def new_pg_schema(server: str) -> tuple[str, str]:
    """A new empty schema of the cluster: (its name, a URL whose tables live in it)."""
    import psycopg

    name = f"zi_test_{os.getpid()}_{next(_schemas)}"
    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {name}")
    return name, f"{server}?options=-csearch_path%3D{name}"


def drop_pg_schema(server: str, name: str, url: str) -> None:
    import psycopg

    from zi_metrics.store.postgres_backend import close_pools

    close_pools(url)
    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL of a fresh, empty PostgreSQL schema (dropped after the test)."""
    name, url = new_pg_schema(pg_server)
    yield url
    drop_pg_schema(pg_server, name, url)


def _schema_factory(server: str) -> Iterator[Callable[[], str]]:
    made: list[tuple[str, str]] = []

    def make() -> str:
        made.append(new_pg_schema(server))
        return made[-1][1]

    yield make
    for name, url in made:
        drop_pg_schema(server, name, url)


@pytest.fixture
def pg_schema_factory(pg_server: str) -> Iterator[Callable[[], str]]:
    """``pg_schema_factory()`` -> the URL of one more fresh schema (all dropped after the test)."""
    yield from _schema_factory(pg_server)


@pytest.fixture(scope="session")
def pg_schemas(pg_server: str) -> Iterator[Callable[[], str]]:
    """The same for module- and session-scoped fixtures (dropped at the end of the session)."""
    yield from _schema_factory(pg_server)


@pytest.fixture(params=BACKENDS)
def db_location(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Where a database that does not exist yet lives, once per backend: a DuckDB file path, then a
    PostgreSQL URL. Exported as ``ZI_DATABASE_URL`` (what the app and the CLI read)."""
    if request.param == "duckdb":
        location = str(tmp_path / "zi.duckdb")
    else:
        location = request.getfixturevalue("pg_url")
    monkeypatch.setenv("ZI_DATABASE_URL", location)
    return location
