"""AppTest fixtures: one seeded demo database per test session, copied per test so tests never
share a file, and Streamlit caches cleared between tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from zi_metrics.database import ensure_database

    path = tmp_path_factory.mktemp("seed") / "demo.duckdb"
    ensure_database(path)
    return path


@pytest.fixture
def app_db(seeded_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "zi.duckdb"
    shutil.copyfile(seeded_db, path)
    monkeypatch.setenv("ZI_DB_PATH", str(path))
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield path
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app(app_db: Path):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
