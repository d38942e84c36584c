"""A walk of every page of the router, once on each store backend (a DuckDB file, a PostgreSQL
schema), from an empty database: the dashboard's first run creates it with the demo data, then every
page renders without an exception and the overview shows the same table on both."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def router_pages() -> list[str]:
    tree = ast.parse((REPO / "dashboard.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            return [path for path, _title, _url in ast.literal_eval(node.value) if (REPO / path).exists()]
    raise AssertionError("dashboard.py has no PAGES list")


OVERVIEW: dict[str, object] = {}


@pytest.mark.slow
def test_every_page_on_each_backend(db_location: str) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from zi_metrics.store import Store

    st.cache_data.clear()
    st.cache_resource.clear()
    assert not Store(db_location).exists()
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    store = Store(db_location)
    assert store.dataset_kind() == "demo"  # the first run made it
    OVERVIEW[store.dialect_name] = [(m.label, m.value) for m in at.metric]
    assert at.metric, "the overview shows its headline figures"
    for page in router_pages():
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
    if len(OVERVIEW) == 2:
        assert OVERVIEW["duckdb"] == OVERVIEW["postgresql"]
