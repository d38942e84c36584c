"""Shared fixtures of the LKE tests; puts this folder on sys.path for ``lke_builders``."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from lke_builders import MASTER_PATH  # noqa: E402

from zi_metrics.framework import load_framework  # noqa: E402

needs_master = pytest.mark.skipif(not MASTER_PATH.is_file(),
                                  reason=f"reference master list not found at {MASTER_PATH}")


@pytest.fixture(scope="session")
def fw():
    return load_framework("permenpanrb-90-2021")


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path):
    """A fresh database with one instansi and two units."""
    from zi_metrics.store import Unit, open_store

    store = open_store(tmp_path / "zi.duckdb", create=True)
    store.upsert_units([Unit("kemendesa", "Kementerian Desa PDTT", "instansi"),
                        Unit("kemendesa-itjen", "Inspektorat Jenderal", "eselon1", parent_id="kemendesa"),
                        Unit("kemendesa-ditjen-pkt", "=Ditjen PKT", "eselon1", parent_id="kemendesa")],
                       actor="test")
    return store


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "zi_metrics", *args], capture_output=True, text=True,
                          cwd=REPO, env=full_env, timeout=120)
