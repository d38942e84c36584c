"""Small display helpers: numbers in the UI language, predicate labels, pass/fail marks."""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from ui.state import lang, tr
from zi_metrics import names
from zi_metrics.formatting import MISSING, format_number
from zi_metrics.quoting import markdown_literal


def fmt(value: Any, decimals: int = 2) -> str:
    return format_number(value, lang(), decimals)


def area_names(fw: Any) -> dict[str, str]:
    """Area code -> the framework's name of the area in the UI language (for charts and tables)."""
    return names.area_names(fw, lang())


def measure(fw: Any, code: str) -> str:
    """The framework's one name of a measure (area, hasil component or item, total...) in the UI
    language: every label of a measure comes from here (zi_metrics.names)."""
    return names.measure_name(fw, code, lang())


def number_formats(frame: Any, columns: dict[str, int | str], *, lang_code: str | None = None) -> Any:
    """``frame`` as a pandas Styler whose number columns show in the UI language's format (1.234,56
    in Indonesian) while the grid still sorts them as numbers; a missing value in any column shows
    as "–", never "None". ``columns``: column -> decimals, or "+2" (signed, two decimals), or
    "%0" / "%2" (a value already in percent, with a % sign). Pair it with NumberColumn(label)
    without a ``format``: a column format would win over these display values."""
    code = lang_code or lang()

    def formatter(spec: int | str) -> Any:
        text = str(spec)
        signed, percent = text.startswith("+"), text.startswith("%")
        decimals = int(text.lstrip("+%"))

        def show(value: Any) -> str:
            shown = format_number(value, code, decimals)
            if shown == MISSING:
                return shown
            if signed and not shown.startswith("-") and shown.strip("0,.") != "":
                shown = "+" + shown
            return shown + ("%" if percent else "")
        return show

    present = {c: formatter(spec) for c, spec in columns.items() if c in frame.columns}
    styler = frame.style.format(present, na_rep=MISSING)
    others = [c for c in frame.columns if c not in present]
    return styler.format(na_rep=MISSING, subset=others) if others else styler


def predicate_label(code: Any) -> str:
    # pandas turns a missing predicate into NaN; anything but a predicate code means "none".
    return tr(f"predicate.{code.lower()}") if isinstance(code, str) and code else tr("predicate.none")


def rules_text(framework_id: str, rules: Any) -> str:
    """Failing rules as short readable names for a table cell ("MP, PW, Nilai total")."""
    from zi_metrics.framework import load_framework

    if not isinstance(rules, (list, tuple)) or not rules:
        return ""
    # area rules by their code, hasil rules by the framework's short names: a table cell is narrow
    return names.rules_list(load_framework(framework_id), rules, lang())


def md_escape(value: Any, *, multiline: bool = False) -> str:
    """Stored text (a unit's name, a note, a file name) as literal Markdown for every element that
    renders Markdown (st.markdown, captions, alerts, headings, widget labels, metrics, tabs,
    expanders): never a link, an image, an emoji or icon, colour, math or HTML; bare web addresses
    are not linked either (zi_metrics.quoting.markdown_literal)."""
    return markdown_literal(value, multiline=multiline)


# The look of html_table's tables; a page that draws them puts this in one style-only st.html
# (outside any fragment: it is sent once per page run). Borders follow the text colour.
TABLE_CSS = (
    ".zi-table{border-collapse:collapse;font-size:0.875rem;margin:0 0 1rem}"
    ".zi-table th,.zi-table td{border:1px solid color-mix(in srgb,currentColor 14%,transparent);"
    "padding:0.375rem 0.75rem;text-align:left;vertical-align:top}"
    ".zi-table th{font-weight:600}"
    ".zi-table .zi-num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
)


def html_table(header: Sequence[str], rows: Iterable[Sequence[Any]], *, right: Collection[int] = ()) -> str:
    """A plain HTML table (class ``zi-table``, see TABLE_CSS) for st.html: every cell is escaped
    text, the columns numbered in ``right`` (numbers) aligned right. For a few rows redrawn on
    every rerun: the browser inserts it as it is, where a data grid or a Markdown table costs it
    a component per cell."""
    def cells(tag: str, values: Iterable[Any]) -> str:
        scope = ' scope="col"' if tag == "th" else ""
        number = ' class="zi-num"'
        return "".join(f"<{tag}{scope}{number if i in right else ''}>{html.escape(str(v))}</{tag}>"
                       for i, v in enumerate(values))

    body = "".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
    return f'<table class="zi-table"><thead><tr>{cells("th", header)}</tr></thead><tbody>{body}</tbody></table>'


def tr_md(key: str, **values: Any) -> str:
    """``tr`` for an element that renders Markdown (alerts, captions, labels, headings): every text
    value is made literal first (md_escape), so a unit's name or a message quoting a file's cell
    shows as typed; numbers pass through. The catalogue's own Markdown (bold) stays."""
    return tr(key, **{k: md_escape(v) if isinstance(v, str) else v for k, v in values.items()})
