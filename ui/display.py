"""Small display helpers: numbers in the UI language, predicate labels, pass/fail marks."""

from __future__ import annotations

from typing import Any

from ui.state import lang, tr
from zi_metrics.formatting import format_number


def fmt(value: Any, decimals: int = 2) -> str:
    return format_number(value, lang(), decimals)


def predicate_label(code: Any) -> str:
    # pandas turns a missing predicate into NaN; anything but a predicate code means "none".
    return tr(f"predicate.{code.lower()}") if isinstance(code, str) and code else tr("predicate.none")
