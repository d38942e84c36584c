"""Fixtures of the LKE tests; puts this folder on sys.path for ``lke_builders`` and ``lke_testlib``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture(scope="session")
def fw():
    from zi_metrics.framework import load_framework

    return load_framework("permenpanrb-90-2021")


@pytest.fixture
def db(tmp_path):
    """A fresh database with one instansi and two units (one named like a formula)."""
    from zi_metrics.store import Unit, open_store

    store = open_store(tmp_path / "zi.duckdb", create=True)
    store.upsert_units([Unit("kemendesa", "Kementerian Desa PDTT", "instansi"),
                        Unit("kemendesa-itjen", "Inspektorat Jenderal", "eselon1", parent_id="kemendesa"),
                        Unit("kemendesa-ditjen-pkt", "=Ditjen PKT", "eselon1", parent_id="kemendesa")],
                       actor="test")
    return store
