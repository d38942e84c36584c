"""Opening the configured database for the dashboard: created with the synthetic demo data on the
first run. Kept outside the store so that the store never imports the demo generator (which writes
through the store's public interface)."""

from __future__ import annotations

import os

from zi_metrics.demo import seed_demo
from zi_metrics.demo_legacy import recognise_demo_rows
from zi_metrics.store import Store


def ensure_database(path: str | os.PathLike[str] | None = None, busy_timeout: float = 10.0) -> Store:
    """The app's entry point: open the database, creating it with the synthetic demo data on first
    run (a database that does not exist yet). An existing database is only migrated."""
    store = Store(path, busy_timeout=busy_timeout)
    if not store.create_database(fill=seed_demo):
        recognise_demo_rows(store)  # a database from before demo rows were marked one by one
    return store
