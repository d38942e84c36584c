"""Plotly figure builders: pure functions from plain dicts/lists to ``go.Figure``.

No store, no Streamlit: pages compute the numbers with ``scoring``/``rules`` and pass
them here; the same figures serve the pages, the presentation mode and the exports.

Conventions shared by every builder:

* colours come from :mod:`zi_metrics.palette` only (draw with ``theme=None``);
* words come from the i18n catalogue of ``lang``; ``text`` overrides any of the
  catalogue keys a chart uses (``text={"chart.radar.title": ""}`` hides the title);
  domain terms (Menuju WBK, TPI, ...) are the regulation's in every language;
* numbers shown as text are formatted with :mod:`zi_metrics.formatting` (two
  decimals, half-up, the language's separators) so charts agree with tables;
  ``layout.separators`` follows the language for axis ticks;
* ``dark=True`` is the presentation variant, ``large=True`` enlarges fonts and
  markers for a projector;
* every figure uses ``template="plotly_white"`` with the palette's surface colours.

Each trace carries ``meta={"role": ...}`` ("series", "ring", "band", ...) so callers
and tests can find traces without depending on translated names.

:func:`figure_to_image` renders PNG/PDF/SVG through kaleido 1.x with the system
Chromium (never a downloaded one), keeping one warm kaleido server per process.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import plotly.graph_objects as go

from zi_metrics import palette
from zi_metrics.formatting import format_number
from zi_metrics.i18n import t

TEMPLATE = "plotly_white"

DEFAULT_RINGS: dict[str, float] = {"WBK": 60, "WBBM": 75}
DEFAULT_PROGRESS_LINES: dict[str, float] = {"Menuju WBK": 75, "Menuju WBBM": 85}
TIMELINE_STATUSES: tuple[str, ...] = ("earned", "kept", "revoked")

_FONT_SIZE = {False: 14, True: 22}
_TITLE_SIZE = {False: 18, True: 30}
_MARKER_SIZE = {False: 8, True: 14}
_LINE_WIDTH = {False: 2, True: 4}
# layout.separators: decimal mark first, then the thousands separator
_SEPARATORS = {"id": ",.", "en": ".,"}

_log = logging.getLogger(__name__)

Text = Mapping[str, str] | None
Number = int | float


# --------------------------------------------------------------------------- helpers


def _txt(key: str, lang: str, text: Text, **kwargs: Any) -> str:
    """Catalogue text for ``key``, unless the caller overrode it in ``text``."""
    if text is not None and key in text:
        template = text[key]
        return template.format(**kwargs) if kwargs else template
    return t(key, lang, **kwargs)


def _fmt(x: Number | None, lang: str, decimals: int = 2) -> str:
    return format_number(x, lang, decimals)


def _threshold_number(x: Number, lang: str) -> str:
    """60 -> '60', 18.25 -> '18,25' (no trailing ',00' on whole thresholds)."""
    return _fmt(x, lang, 0) if float(x).is_integer() else _fmt(x, lang, 2)


def _plain(label: Any) -> str:
    """A label from data (unit names, framework texts) as plain text: Plotly renders a subset of
    HTML in every label, legend and hover text (<b>, <a href>, <br>, ...), so '&', '<' and '>' are
    written as entities (Plotly shows them as the characters)."""
    return html.escape(str(label), quote=False)


def _wrap(label: str, width: int = 18) -> str:
    """Break a long axis label at spaces with <br> so radar/heatmap labels stay readable."""
    if len(label) <= width:
        return label
    lines: list[str] = []
    current = ""
    for word in label.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return "<br>".join(lines)


def _threshold_color(name: str) -> str:
    upper = name.upper()
    if "WBBM" in upper:
        return palette.WBBM_COLOR
    if "WBK" in upper:
        return palette.WBK_COLOR
    return palette.GREY


def _threshold_dash(name: str) -> str:
    return palette.WBBM_DASH if "WBBM" in name.upper() else palette.WBK_DASH


def _series_colors(n: int, series_colors: Sequence[str | None] | None) -> list[str]:
    colors = []
    for i in range(n):
        given = series_colors[i] if series_colors is not None and i < len(series_colors) else None
        colors.append(given or palette.series_color(i))
    return colors


def _per_series(n: int, given: Sequence[str | None] | None, default: str | None) -> list[str | None]:
    """The i-th entry of ``given`` (None or missing -> ``default``) for each of ``n`` series."""
    return [(given[i] if given is not None and i < len(given) else None) or default for i in range(n)]


def _style(fig: go.Figure, *, title: str, dark: bool, large: bool, lang: str) -> go.Figure:
    """The layout every builder shares: template, surface colours, fonts, separators."""
    if lang not in _SEPARATORS:
        raise ValueError(f"unsupported language {lang!r}")
    s = palette.surface(dark)
    fig.update_layout(
        template=TEMPLATE,
        paper_bgcolor=s.background,
        plot_bgcolor=s.plot_background,
        font={"color": s.text, "size": _FONT_SIZE[large]},
        title={"text": title or None, "font": {"size": _TITLE_SIZE[large], "color": s.text}, "x": 0.01},
        separators=_SEPARATORS[lang],
        hoverlabel={"font": {"size": _FONT_SIZE[large]}},
        legend={"font": {"color": s.text}, "bgcolor": "rgba(0,0,0,0)"},
        margin={"l": 20, "r": 20, "t": 70 if title else 30, "b": 40},
    )
    axis_style = {
        "gridcolor": s.grid,
        "zerolinecolor": s.zero_line,
        "linecolor": s.grid,
        "tickfont": {"color": s.text},
        "title": {"font": {"color": s.text}},
    }
    fig.update_xaxes(**axis_style)
    fig.update_yaxes(**axis_style)
    return fig


# --------------------------------------------------------------------------- radar


def radar_figure(
    series: Sequence[tuple[str, Mapping[str, Number | None]]],
    area_labels: Mapping[str, str],
    area_order: Sequence[str],
    rings: Mapping[str, Number] | None = None,
    *,
    series_colors: Sequence[str | None] | None = None,
    series_symbols: Sequence[str | None] | None = None,
    dark: bool = False,
    large: bool = False,
    lang: str = "id",
    text: Text = None,
) -> go.Figure:
    """Area scores as % of each area's max on a fixed 0–100 radar, with the predicate rings.

    ``series``: ``(name, {area_code: percent})`` in draw order (a missing or None
    area leaves a gap). ``rings``: ring key -> percent, default ``{"WBK": 60,
    "WBBM": 75}``; keys WBK/WBBM are named 'Menuju WBK 60%' / 'Menuju WBBM 75%'.
    The first area sits at the top and areas follow clockwise; every polygon is
    closed (its first point repeated at the end). ``series_colors`` overrides the
    palette's default cycle (e.g. ``palette.STAGE_COLORS["tpi"]``); ``series_symbols``
    sets each series' marker symbol (e.g. ``palette.STAGE_SYMBOLS["tpi"]``, default circle),
    so overlaid stages differ by more than colour.
    Text keys: ``chart.radar.title``, ``chart.ring.wbk``, ``chart.ring.wbbm``.
    """
    if not area_order:
        raise ValueError("area_order is empty")
    rings = DEFAULT_RINGS if rings is None else rings
    s = palette.surface(dark)
    full_labels = [_plain(area_labels.get(code, code)) for code in area_order]
    theta = [_wrap(label) for label in full_labels]
    theta_closed = [*theta, theta[0]]
    labels_closed = [*full_labels, full_labels[0]]

    fig = go.Figure()
    for key, value in rings.items():
        catalogue_key = {"WBK": "chart.ring.wbk", "WBBM": "chart.ring.wbbm"}.get(key.upper())
        percent_text = _threshold_number(value, lang)
        name = (
            _txt(catalogue_key, lang, text, percent=percent_text)
            if catalogue_key
            else f"{key} {percent_text}%"
        )
        fig.add_trace(
            go.Scatterpolar(
                r=[value] * len(theta_closed),
                theta=theta_closed,
                mode="lines",
                name=name,
                line={
                    "color": _threshold_color(key),
                    "dash": _threshold_dash(key),
                    "width": _LINE_WIDTH[large],
                },
                hovertemplate=f"{name}<extra></extra>",
                meta={"role": "ring", "ring": key, "value": value},
            )
        )

    colors = _series_colors(len(series), series_colors)
    symbols = _per_series(len(series), series_symbols, "circle")
    for (name, values), color, symbol in zip(series, colors, symbols, strict=True):
        name = _plain(name)
        r = [values.get(code) for code in area_order]
        r_closed = [*r, r[0]]
        fig.add_trace(
            go.Scatterpolar(
                r=r_closed,
                theta=theta_closed,
                mode="lines+markers",
                name=name,
                line={"color": color, "width": _LINE_WIDTH[large]},
                marker={"color": color, "size": _MARKER_SIZE[large], "symbol": symbol},
                # a polygon with a missing area cannot be filled honestly: outline only
                fill="toself" if None not in r else "none",
                fillcolor=_with_alpha(color, 0.08),
                connectgaps=False,
                customdata=[[label, _fmt(v, lang)] for label, v in zip(labels_closed, r_closed, strict=True)],
                hovertemplate="<b>%{fullData.name}</b><br>%{customdata[0]}: %{customdata[1]}%<extra></extra>",
                meta={"role": "series"},
            )
        )

    _style(fig, title=_txt("chart.radar.title", lang, text), dark=dark, large=large, lang=lang)
    fig.update_layout(
        polar={
            "bgcolor": s.plot_background,
            "radialaxis": {
                "range": [0, 100],
                "autorange": False,
                "tickvals": [0, 20, 40, 60, 80, 100],
                "ticktext": ["0", "20%", "40%", "60%", "80%", "100%"],
                "gridcolor": s.grid,
                "linecolor": s.grid,
                "tickfont": {"color": s.muted_text, "size": _FONT_SIZE[large] - 2},
                # between the first two spokes, so tick labels do not sit on an area's spoke
                "angle": 90 - 180 / len(area_order),
                "tickangle": 0,
            },
            "angularaxis": {
                "rotation": 90,
                "direction": "clockwise",
                "gridcolor": s.grid,
                "linecolor": s.grid,
                "tickfont": {"color": s.text},
            },
        },
        legend={"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0.5, "xanchor": "center"},
        margin={"b": 110 if large else 90},
    )
    return fig


def _with_alpha(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


# --------------------------------------------------------------------------- heatmap


def heatmap_figure(
    units: Sequence[str],
    area_order: Sequence[str],
    percents: Sequence[Sequence[Number | None]],
    area_labels: Mapping[str, str],
    *,
    thresholds: tuple[Number, Number] = (60, 75),
    dark: bool = False,
    large: bool = False,
    lang: str = "id",
    text: Text = None,
) -> go.Figure:
    """Units × areas coloured by % of the area's max (zmin 0, zmax 100).

    The colourscale has hard breaks at the WBK and WBBM area minimums (default
    60 % and 75 %), so the three bands read at a glance; each cell shows its value
    with two decimals ('–' when missing) and a legend under the chart names the bands.
    Text keys: ``chart.heatmap.title``, ``chart.heatmap.band_low``/``_mid``/``_high``,
    ``col.percent_of_max``.
    """
    if len(percents) != len(units):
        raise ValueError(f"percents has {len(percents)} rows for {len(units)} units")
    for row in percents:
        if len(row) != len(area_order):
            raise ValueError(f"a percents row has {len(row)} values for {len(area_order)} areas")
    wbk, wbbm = thresholds
    if not 0 < wbk < wbbm < 100:
        raise ValueError("thresholds must satisfy 0 < WBK < WBBM < 100")
    s = palette.surface(dark)
    full_labels = [_plain(area_labels.get(code, code)) for code in area_order]
    units = [_plain(unit) for unit in units]
    z = [[None if v is None else float(v) for v in row] for row in percents]
    cell_text = [[_fmt(v, lang) for v in row] for row in z]
    custom = [
        [[unit, label, cell] for label, cell in zip(full_labels, row, strict=True)]
        for unit, row in zip(units, cell_text, strict=True)
    ]
    wbk_text, wbbm_text = _threshold_number(wbk, lang), _threshold_number(wbbm, lang)

    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[_wrap(label, 16) for label in full_labels],
            y=list(units),
            zmin=0,
            zmax=100,
            zauto=False,
            colorscale=palette.heatmap_colorscale(wbk, wbbm),
            text=cell_text,
            texttemplate="%{text}",
            textfont={"size": _FONT_SIZE[large]},
            customdata=custom,
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}: %{customdata[2]}%<extra></extra>",
            hoverongaps=True,
            xgap=2,
            ygap=2,
            colorbar={
                "title": {"text": _txt("col.percent_of_max", lang, text), "font": {"color": s.text}},
                "tickvals": [0, wbk, wbbm, 100],
                "ticktext": ["0%", f"{wbk_text}%", f"{wbbm_text}%", "100%"],
                "tickfont": {"color": s.text},
            },
            meta={"role": "heatmap", "band_breaks": [wbk / 100, wbbm / 100]},
        )
    )
    _style(fig, title=_txt("chart.heatmap.title", lang, text), dark=dark, large=large, lang=lang)

    # Legend for the three bands, one coloured square + words per band, under the plot.
    bands = [
        (
            palette.heatmap_band_color(0),
            _txt("chart.heatmap.band_low", lang, text, wbk=wbk_text, wbbm=wbbm_text),
        ),
        (
            palette.heatmap_band_color(1),
            _txt("chart.heatmap.band_mid", lang, text, wbk=wbk_text, wbbm=wbbm_text),
        ),
        (
            palette.heatmap_band_color(2),
            _txt("chart.heatmap.band_high", lang, text, wbk=wbk_text, wbbm=wbbm_text),
        ),
    ]
    legend_text = "   ".join(f"<span style='color:{color}'>■</span> {words}" for color, words in bands)
    fig.add_annotation(
        text=legend_text,
        xref="paper",
        yref="paper",
        x=0,
        y=-0.02,
        xanchor="left",
        yanchor="top",
        yshift=-10,
        showarrow=False,
        align="left",
        font={"color": s.text, "size": _FONT_SIZE[large] - 1},
        name="band_legend",
    )
    fig.update_xaxes(side="top", showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    row_height = 44 if large else 32
    fig.update_layout(
        height=max(320, 180 + row_height * len(units)),
        margin={"b": 70, "t": 130 if fig.layout.title.text else 100},
    )
    return fig


# --------------------------------------------------------------------------- progress


def progress_figure(
    series: Sequence[tuple[str, Sequence[tuple[int, Number | None]]]],
    lines: Mapping[str, Number] | None = None,
    *,
    series_colors: Sequence[str | None] | None = None,
    series_symbols: Sequence[str | None] | None = None,
    series_dashes: Sequence[str | None] | None = None,
    y_range: tuple[Number, Number] = (0, 100),
    dark: bool = False,
    large: bool = False,
    lang: str = "id",
    text: Text = None,
) -> go.Figure:
    """Total score per year, one line per series, with horizontal predicate lines.

    ``series``: ``(name, [(year, total), ...])``; points are sorted by year, a None
    total leaves a gap. ``lines``: label -> value, default
    ``{"Menuju WBK": 75, "Menuju WBBM": 85}`` (drawn as dashed/dotted shapes with the
    label and value). The y axis is fixed (default 0–100) so charts compare; the
    x axis shows whole years only. ``series_symbols`` / ``series_dashes`` set each
    series' marker symbol and line dash (default circle / solid), e.g. from
    ``palette.STAGE_SYMBOLS`` so that stages differ by more than colour.
    Text keys: ``chart.progress.title``, ``col.year``, ``col.total``.
    """
    lines = DEFAULT_PROGRESS_LINES if lines is None else lines
    fig = go.Figure()
    colors = _series_colors(len(series), series_colors)
    symbols = _per_series(len(series), series_symbols, "circle")
    dashes = _per_series(len(series), series_dashes, "solid")
    years: set[int] = set()
    for (name, points), color, symbol, dash in zip(series, colors, symbols, dashes, strict=True):
        name = _plain(name)
        pts = sorted(((int(year), total) for year, total in points), key=lambda p: p[0])
        years.update(p[0] for p in pts)
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in pts],
                y=[p[1] for p in pts],
                mode="lines+markers",
                name=name,
                line={"color": color, "width": _LINE_WIDTH[large], "dash": dash},
                marker={"color": color, "size": _MARKER_SIZE[large], "symbol": symbol},
                connectgaps=False,
                customdata=[_fmt(p[1], lang) for p in pts],
                hovertemplate="<b>%{fullData.name}</b><br>%{x}: %{customdata}<extra></extra>",
                meta={"role": "series"},
            )
        )
    s = palette.surface(dark)
    for label, value in lines.items():
        fig.add_hline(
            y=value,
            line={
                "color": _threshold_color(label),
                "dash": _threshold_dash(label),
                "width": _LINE_WIDTH[large],
            },
            annotation_text=f"{label} {_threshold_number(value, lang)}",
            annotation_position="top left",
            annotation_font={"color": s.text, "size": _FONT_SIZE[large] - 2},
            name=label,
        )
    _style(fig, title=_txt("chart.progress.title", lang, text), dark=dark, large=large, lang=lang)
    xaxis: dict[str, Any] = {"title": {"text": _txt("col.year", lang, text)}, "tickformat": "d"}
    if years:
        xaxis.update(tickmode="linear", tick0=min(years), dtick=1, range=[min(years) - 0.5, max(years) + 0.5])
    fig.update_xaxes(**xaxis)
    fig.update_yaxes(title={"text": _txt("col.total", lang, text)}, range=list(y_range), autorange=False)
    return fig


# --------------------------------------------------------------------------- drift


def drift_figure(
    rows: Sequence[tuple[str, int, Number | None, Number | None]],
    *,
    dark: bool = False,
    large: bool = False,
    lang: str = "id",
    text: Text = None,
) -> go.Figure:
    """TPN total minus TPI total per (unit, year) as diverging horizontal bars around zero.

    ``rows``: ``(unit_label, year, tpi_total, tpn_total)`` in display order (top
    first); rows missing either total are left out. Positive bars (TPN higher) are
    blue, negative vermillion, and every bar also carries its signed value as text.
    Text keys: ``chart.drift.title``, ``chart.drift.axis``.
    """
    kept = [(_plain(u), int(y), tpi, tpn) for u, y, tpi, tpn in rows if tpi is not None and tpn is not None]
    diffs = [float(tpn) - float(tpi) for _, _, tpi, tpn in kept]
    labels = [f"{u} · {y}" for u, y, _, _ in kept]
    bar_text = [("+" if d > 0 else "") + _fmt(d, lang) for d in diffs]
    colors = [palette.PASS_COLOR if d >= 0 else palette.FAIL_COLOR for d in diffs]
    custom = [
        [u, y, _fmt(tpi, lang), _fmt(tpn, lang), txt]
        for (u, y, tpi, tpn), txt in zip(kept, bar_text, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=diffs,
            y=labels,
            orientation="h",
            marker={"color": colors},
            text=bar_text,
            textposition="outside",
            cliponaxis=False,
            customdata=custom,
            hovertemplate=(
                "<b>%{customdata[0]}</b> %{customdata[1]}<br>TPI %{customdata[2]} · TPN %{customdata[3]}"
                "<br>TPN − TPI: %{customdata[4]}<extra></extra>"
            ),
            meta={"role": "series"},
            showlegend=False,
        )
    )
    _style(fig, title=_txt("chart.drift.title", lang, text), dark=dark, large=large, lang=lang)
    s = palette.surface(dark)
    extent = max((abs(d) for d in diffs), default=1.0) or 1.0
    fig.update_xaxes(
        title={"text": _txt("chart.drift.axis", lang, text)},
        range=[-extent * 1.3, extent * 1.3],
        zeroline=True,
        zerolinewidth=2,
        zerolinecolor=s.zero_line,
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=max(300, 120 + (40 if large else 28) * len(kept)))
    return fig


# --------------------------------------------------------------------------- gaps


def gap_bar_figure(
    items: Sequence[tuple[str, Number | None]],
    *,
    dark: bool = False,
    large: bool = False,
    lang: str = "id",
    text: Text = None,
) -> go.Figure:
    """Points missing per rule/area as horizontal bars, largest gap at the top.

    Items with no gap (None, zero or negative) are left out: the chart shows what
    is still missing. Each bar reads 'kurang 2,35 poin' / '2.35 points short'.
    Text keys: ``chart.gap.title``, ``gap.points``, ``col.gap``.
    """
    kept = sorted(((_plain(label), float(v)) for label, v in items if v is not None and v > 0),
                  key=lambda p: -p[1])
    bar_text = [_txt("gap.points", lang, text, gap=_fmt(v, lang)) for _, v in kept]
    fig = go.Figure(
        go.Bar(
            x=[v for _, v in kept],
            y=[label for label, _ in kept],
            orientation="h",
            marker={"color": palette.FAIL_COLOR},
            text=bar_text,
            textposition="outside",
            cliponaxis=False,
            customdata=bar_text,
            hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>",
            meta={"role": "series"},
            showlegend=False,
        )
    )
    _style(fig, title=_txt("chart.gap.title", lang, text), dark=dark, large=large, lang=lang)
    top = max((v for _, v in kept), default=1.0)
    fig.update_xaxes(title={"text": _txt("col.gap", lang, text)}, range=[0, top * 1.45], rangemode="tozero")
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=max(280, 120 + (40 if large else 28) * len(kept)))
    return fig


def areas_holding_back_figure(
    counts: Mapping[str, int],
    *,
    area_labels: Mapping[str, str] | None = None,
    area_order: Sequence[str] | None = None,
    total_units: int | None = None,
    dark: bool = False,
    large: bool = False,
    lang: str = "id",
    text: Text = None,
) -> go.Figure:
    """How many units fail each area's minimum, as horizontal bars, most at the top.

    ``counts``: area code -> number of units below the area minimum. Ties keep
    ``area_order`` (default: the order of ``counts``). Labels come from
    ``area_labels`` (default: the code). With ``total_units`` each bar also says
    'n / N'. Text keys: ``chart.holding_back.title``, ``chart.holding_back.axis``.
    """
    order = list(area_order) if area_order is not None else list(counts)
    order += [code for code in counts if code not in order]
    position = {code: i for i, code in enumerate(order)}
    codes = sorted((c for c in order if c in counts), key=lambda c: (-counts[c], position[c]))
    labels = [_plain((area_labels or {}).get(c, c)) for c in codes]
    values = [int(counts[c]) for c in codes]
    bar_text = [f"{v} / {total_units}" if total_units else str(v) for v in values]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker={"color": palette.FAIL_COLOR},
            text=bar_text,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="<b>%{y}</b>: %{text}<extra></extra>",
            meta={"role": "series", "codes": codes},
            showlegend=False,
        )
    )
    _style(fig, title=_txt("chart.holding_back.title", lang, text), dark=dark, large=large, lang=lang)
    top = max([*values, total_units or 0, 1])
    fig.update_xaxes(
        title={"text": _txt("chart.holding_back.axis", lang, text)},
        range=[0, top * 1.2],
        tickformat="d",
        dtick=1 if top <= 10 else None,
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=max(280, 120 + (40 if large else 28) * len(codes)))
    return fig


# --------------------------------------------------------------------------- timeline


def timeline_figure(
    events: Sequence[Mapping[str, Any]],
    *,
    dark: bool = False,
    large: bool = False,
    lang: str = "id",
    text: Text = None,
) -> go.Figure:
    """Predicate history: one row per unit, one marker per (year, predicate, status).

    ``events``: dicts with ``unit``, ``year``, ``predicate`` (e.g. 'Menuju WBK') and
    ``status`` in {'earned', 'kept', 'revoked'}. Status is shown by colour AND marker
    symbol (star / circle / x), the predicate as text beside the marker, and a thin
    line links each unit's years. Units appear top to bottom in order of first event.
    Text keys: ``chart.timeline.title``, ``status.earned``/``kept``/``revoked``, ``col.year``.
    """
    for e in events:
        if e.get("status") not in TIMELINE_STATUSES:
            raise ValueError(f"unknown status {e.get('status')!r}; expected one of {TIMELINE_STATUSES}")
    events = [{**e, "unit": _plain(e["unit"]), "predicate": _plain(e["predicate"])} for e in events]
    units: list[str] = []
    for e in events:
        if e["unit"] not in units:
            units.append(e["unit"])
    s = palette.surface(dark)
    fig = go.Figure()
    for unit in units:
        years = sorted(int(e["year"]) for e in events if e["unit"] == unit)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=[unit] * len(years),
                mode="lines",
                line={"color": s.grid, "width": _LINE_WIDTH[large]},
                hoverinfo="skip",
                showlegend=False,
                meta={"role": "track"},
            )
        )
    for status in TIMELINE_STATUSES:
        selected = sorted(
            (e for e in events if e["status"] == status), key=lambda e: (units.index(e["unit"]), e["year"])
        )
        if not selected:
            continue
        word = _txt(f"status.{status}", lang, text)
        fig.add_trace(
            go.Scatter(
                x=[int(e["year"]) for e in selected],
                y=[e["unit"] for e in selected],
                mode="markers+text",
                name=word,
                text=[str(e["predicate"]) for e in selected],
                textposition="top center",
                textfont={"color": s.text, "size": _FONT_SIZE[large] - 2},
                marker={
                    "color": palette.STATUS_COLORS[status],
                    "symbol": palette.STATUS_SYMBOLS[status],
                    "size": _MARKER_SIZE[large] + 6,
                    "line": {"color": s.background, "width": 1},
                },
                customdata=[[e["unit"], e["predicate"], word] for e in selected],
                hovertemplate=(
                    "<b>%{customdata[0]}</b> %{x}<br>%{customdata[1]} (%{customdata[2]})<extra></extra>"
                ),
                meta={"role": "series", "status": status},
            )
        )
    _style(fig, title=_txt("chart.timeline.title", lang, text), dark=dark, large=large, lang=lang)
    all_years = [int(e["year"]) for e in events]
    xaxis: dict[str, Any] = {"title": {"text": _txt("col.year", lang, text)}, "tickformat": "d"}
    if all_years:
        xaxis.update(
            tickmode="linear",
            tick0=min(all_years),
            dtick=1,
            range=[min(all_years) - 0.5, max(all_years) + 0.5],
        )
    fig.update_xaxes(**xaxis)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=units, autorange="reversed")
    fig.update_layout(
        height=max(260, 140 + (60 if large else 44) * len(units)),
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 1, "xanchor": "right"},
    )
    return fig


# --------------------------------------------------------------------------- static export

ImageFormat = Literal["png", "pdf", "svg"]

_IMAGE_TIMEOUT_S = 90.0  # outer guard; kaleido's own per-image timeout is set below it
_kaleido_lock = threading.Lock()
_kaleido_started = False


def find_chromium() -> str:
    """Path of the system Chromium kaleido will drive; RuntimeError with the fix if absent.

    ``BROWSER_PATH`` (kaleido's own override) wins; then ``chromium`` etc. on PATH;
    then ``/usr/bin/chromium``. Kaleido's Chrome download is never used.
    """
    override = os.environ.get("BROWSER_PATH")
    if override:
        if os.path.isfile(override) and os.access(override, os.X_OK):
            return override
        raise RuntimeError(f"BROWSER_PATH={override!r} is not an executable browser")
    candidates = [
        shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    ]
    for path in [*candidates, "/usr/bin/chromium"]:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise RuntimeError(
        "Image export needs Chromium, which is not installed: run `apt-get install -y chromium` "
        "(expected at /usr/bin/chromium) or set BROWSER_PATH to a Chromium/Chrome executable."
    )


def _ensure_server() -> None:
    global _kaleido_started
    if _kaleido_started:
        return
    import kaleido

    browser = find_chromium()
    # mathjax=False: no CDN fetch (offline machines); plotly.js comes from the plotly package.
    kaleido.start_sync_server(
        path=browser, timeout=_IMAGE_TIMEOUT_S - 30, mathjax=False, silence_warnings=True
    )
    _kaleido_started = True


def stop_image_server() -> None:
    """Stop the warm kaleido server (and its Chromium) if this module started it. Safe to call twice."""
    global _kaleido_started
    with _kaleido_lock:
        if not _kaleido_started:
            return
        import kaleido

        _kaleido_started = False
        stopper = threading.Thread(
            target=kaleido.stop_sync_server, kwargs={"silence_warnings": True}, daemon=True
        )
        stopper.start()
        stopper.join(15)
        if stopper.is_alive():
            _log.warning("kaleido server did not stop within 15 s")


def figure_to_image(
    fig: go.Figure,
    fmt: ImageFormat = "png",
    width: int = 1200,
    height: int = 700,
    scale: float = 1,
) -> bytes:
    """Render ``fig`` to PNG, PDF or SVG bytes through kaleido and the system Chromium.

    The first call starts one kaleido server (about 2.5 s); later calls reuse it
    (about 0.2 s each). Calls are serialised: kaleido's sync server is not safe for
    concurrent callers. Raises RuntimeError when Chromium is missing or rendering fails
    or hangs for more than 90 s; call :func:`stop_image_server` to release the browser.
    """
    if fmt not in ("png", "pdf", "svg"):
        raise ValueError(f"unsupported image format {fmt!r}; use png, pdf or svg")
    spec = fig.to_dict()
    opts = {"format": fmt, "width": int(width), "height": int(height), "scale": scale}
    with _kaleido_lock:
        _ensure_server()
        import kaleido

        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["data"] = kaleido.calc_fig_sync(spec, opts=opts)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                outcome["error"] = exc

        worker = threading.Thread(target=work, name="zi-figure-to-image", daemon=True)
        worker.start()
        deadline = time.monotonic() + _IMAGE_TIMEOUT_S
        server_died = False
        while worker.is_alive() and time.monotonic() < deadline:
            worker.join(0.1)
            # kaleido's server thread exits if Chromium cannot start; its queue then never answers.
            server_thread = getattr(getattr(kaleido, "_global_server", None), "_thread", None)
            if worker.is_alive() and server_thread is not None and not server_thread.is_alive():
                server_died = True
                break
    if worker.is_alive():
        stop_image_server()
        if server_died:
            raise RuntimeError("image export failed: the kaleido server stopped (could Chromium not start?)")
        raise RuntimeError(
            f"image export did not finish within {_IMAGE_TIMEOUT_S:.0f} s (kaleido/Chromium hung)"
        )
    if "error" in outcome:
        raise RuntimeError(f"image export failed: {outcome['error']}") from outcome["error"]
    data = outcome.get("data")
    if not isinstance(data, bytes | bytearray) or not data:
        raise RuntimeError("image export returned no data")
    return bytes(data)


__all__ = [
    "DEFAULT_PROGRESS_LINES",
    "DEFAULT_RINGS",
    "TEMPLATE",
    "areas_holding_back_figure",
    "drift_figure",
    "figure_to_image",
    "find_chromium",
    "gap_bar_figure",
    "heatmap_figure",
    "progress_figure",
    "radar_figure",
    "stop_image_server",
    "timeline_figure",
]
