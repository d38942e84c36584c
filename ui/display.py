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


def rules_text(framework_id: str, rules: Any) -> str:
    """Failing rules as short readable names for a table cell ("MP, PW, Nilai total")."""
    from zi_metrics.analytics import rule_label
    from zi_metrics.framework import load_framework

    if not isinstance(rules, (list, tuple)) or not rules:
        return ""
    fw = load_framework(framework_id)
    # area rules by their code: the column would otherwise repeat "(% dari maksimum)" six times
    return ", ".join(r.split(":", 1)[1] if r.startswith("area:") else rule_label(fw, r, lang()) for r in rules)


_MD_SPECIAL = "\\`*_{}[]()<>#+-.!|~"


def md_escape(value: Any) -> str:
    """Stored text (a unit's name) as literal Markdown: headings and captions render Markdown, so
    a name such as ``[klik](https://...)`` must not become a link or an image."""
    text = str(value)
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)
