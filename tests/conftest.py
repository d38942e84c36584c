"""Fixtures shared by the whole suite. Keep this generic: feature-specific fixtures live
beside their tests (tests/pages/conftest.py, tests/browser/conftest.py, ...)."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def find_free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (bind to port 0, read it back, release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, 0))
        return int(s.getsockname()[1])


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
