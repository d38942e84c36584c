"""Helpers shared by the page AppTests: open a page with URL parameters, read a Plotly chart."""

from __future__ import annotations

import json
import re


def open_page(app, page: str, **params: str):
    """Run the dashboard with ``params`` in the URL, then switch to ``page`` (a views/ path)."""
    for key, value in params.items():
        app.query_params[key] = value
    at = app.run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def chart_spec(at, key: str) -> dict:
    """The Plotly figure (as JSON) of the chart drawn with ``key``."""
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert found, f"no chart {key!r}"
    return json.loads(found[0].proto.spec)


def as_read(markdown: str) -> str:
    """Markdown source as a reader sees the text: backslash escapes resolved and the invisible word
    joiners (U+2060) that zi_metrics.quoting.markdown_literal puts into addresses removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")
