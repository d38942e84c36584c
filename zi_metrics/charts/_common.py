"""What every chart builder shares: sizes, words, number formats, escaping and the common layout."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from zi_metrics import palette
from zi_metrics.formatting import format_number
from zi_metrics.i18n import t

TEMPLATE = "plotly_white"

DEFAULT_RINGS: dict[str, float] = {"WBK": 60, "WBBM": 75}
DEFAULT_PROGRESS_LINES: dict[str, float] = {"Menuju WBK": 75, "Menuju WBBM": 85}

# Sizes of the screen (False) and projector (large=True) variants, in px.
FONT_SIZE = {False: 14, True: 22}
TICK_SIZE = {False: 13, True: 20}
TITLE_SIZE = {False: 18, True: 30}
MARKER_SIZE = {False: 8, True: 14}
LINE_WIDTH = {False: 2, True: 4}
# layout.separators: decimal mark first, then the thousands separator
SEPARATORS = {"id": ",.", "en": ".,"}

Text = Mapping[str, str] | None
Number = int | float


def txt(key: str, lang: str, text: Text, **kwargs: Any) -> str:
    """Catalogue text for ``key``, unless the caller overrode it in ``text``."""
    if text is not None and key in text:
        template = text[key]
        return template.format(**kwargs) if kwargs else template
    return t(key, lang, **kwargs)


def fmt(x: Number | None, lang: str, decimals: int = 2) -> str:
    return format_number(x, lang, decimals)


def threshold_number(x: Number, lang: str) -> str:
    """60 -> '60', 18.25 -> '18,25' (no trailing ',00' on whole thresholds)."""
    return fmt(x, lang, 0) if float(x).is_integer() else fmt(x, lang, 2)


def plain(label: Any) -> str:
    """A label from data (unit names, framework texts) as plain text: Plotly renders a subset of
    HTML in every label, legend and hover text (<b>, <a href>, <br>, ...), so '&', '<' and '>' are
    written as entities (Plotly shows them as the characters)."""
    return html.escape(str(label), quote=False)


def wrap(label: str, width: int = 18) -> str:
    """Break a long label at spaces with <br> (Plotly never wraps text by itself)."""
    return "<br>".join(wrap_lines(label, width))


def wrap_lines(label: str, width: int) -> list[str]:
    if len(label) <= width:
        return [label]
    lines: list[str] = []
    current = ""
    for word in label.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return lines


def text_width(label: str, size: float) -> float:
    """A generous estimate of a one-line label's width in px (Plotly's sans-serif: ~0.6 em a
    character), for margins that must hold labels Plotly draws outside the plot area."""
    return 0.6 * size * len(label)


def threshold_color(name: str) -> str:
    upper = name.upper()
    if "WBBM" in upper:
        return palette.WBBM_COLOR
    if "WBK" in upper:
        return palette.WBK_COLOR
    return palette.GREY


def threshold_dash(name: str) -> str:
    return palette.WBBM_DASH if "WBBM" in name.upper() else palette.WBK_DASH


def series_colors(n: int, given: Sequence[str | None] | None) -> list[str]:
    """The i-th given colour (None or missing -> the palette's i-th series colour) for ``n`` series."""
    return [(given[i] if given is not None and i < len(given) else None) or palette.series_color(i)
            for i in range(n)]


def per_series(n: int, given: Sequence[str | None] | None, default: str | None) -> list[str | None]:
    """The i-th entry of ``given`` (None or missing -> ``default``) for each of ``n`` series."""
    return [(given[i] if given is not None and i < len(given) else None) or default for i in range(n)]


def with_alpha(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def check_lang(lang: str) -> None:
    if lang not in SEPARATORS:
        raise ValueError(f"unsupported language {lang!r}")


def style(fig: go.Figure, *, title: str, dark: bool, large: bool, lang: str) -> go.Figure:
    """The layout every builder shares: template, surface colours, fonts, separators.

    The title pushes the margin (``automargin`` against the container), so labels Plotly draws
    above the plot (a heatmap's top axis, a legend) never run into it."""
    check_lang(lang)
    s = palette.surface(dark)
    fig.update_layout(
        template=TEMPLATE,
        paper_bgcolor=s.background,
        plot_bgcolor=s.plot_background,
        font={"color": s.text, "size": FONT_SIZE[large]},
        title={"text": title or None, "font": {"size": TITLE_SIZE[large], "color": s.text}, "x": 0.01,
               "xanchor": "left", "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 10},
               "automargin": bool(title)},
        separators=SEPARATORS[lang],
        hoverlabel={"font": {"size": FONT_SIZE[large]}},
        legend={"font": {"color": s.text}, "bgcolor": "rgba(0,0,0,0)"},
        margin={"l": 20, "r": 20, "t": 30, "b": 40},
    )
    axis_style = {
        "gridcolor": s.grid,
        "zerolinecolor": s.zero_line,
        "linecolor": s.grid,
        "tickfont": {"color": s.text, "size": TICK_SIZE[large]},
        "title": {"font": {"color": s.text}},
        "automargin": True,
    }
    fig.update_xaxes(**axis_style)
    fig.update_yaxes(**axis_style)
    return fig
