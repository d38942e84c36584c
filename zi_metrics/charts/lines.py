"""Charts over the years: total score per year with the predicate lines, and the predicate timeline."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from zi_metrics import palette
from zi_metrics.charts._common import (
    DEFAULT_PROGRESS_LINES,
    FONT_SIZE,
    LINE_WIDTH,
    MARKER_SIZE,
    TICK_SIZE,
    Number,
    Text,
    fmt,
    per_series,
    plain,
    style,
    text_width,
    threshold_color,
    threshold_dash,
    threshold_number,
    txt,
)
from zi_metrics.charts._common import series_colors as default_colors

TIMELINE_STATUSES: tuple[str, ...] = ("earned", "kept", "revoked")


def fitted_range(values: Sequence[Number], *, floor: Number = 0, ceiling: Number = 100,
                 minimum_span: Number = 10) -> tuple[float, float]:
    """A y range around ``values`` with some air (never below ``floor`` or above ``ceiling``), at
    least ``minimum_span`` wide, with ends on whole multiples of 5."""
    if not values:
        return float(floor), float(ceiling)
    lo, hi = min(values), max(values)
    span = max(hi - lo, minimum_span)
    pad = 0.08 * span + 1
    lo, hi = math.floor((lo - pad) / 5) * 5, math.ceil((hi + pad) / 5) * 5
    return float(max(lo, floor)), float(min(hi, ceiling))


def progress_figure(
    series: Sequence[tuple[str, Sequence[tuple[int, Number | None]]]],
    lines: Mapping[str, Number] | None = None,
    *,
    series_colors: Sequence[str | None] | None = None,
    series_symbols: Sequence[str | None] | None = None,
    series_dashes: Sequence[str | None] | None = None,
    y_range: tuple[Number, Number] | None = None,
    height: int | None = None,
    legend: bool = True,
    dark: bool = False,
    large: bool = False,
    lang: str = "id",
    text: Text = None,
) -> go.Figure:
    """Total score per year, one line per series, with horizontal predicate lines.

    ``series``: ``(name, [(year, total), ...])``; points are sorted by year, a None total leaves a
    gap. ``lines``: label -> value, default ``{"Menuju WBK": 75, "Menuju WBBM": 85}``, drawn as
    dashed/dotted lines whose labels sit in the right margin, off the data. The y axis is fitted
    to the data and the lines (``y_range`` fixes it instead). The x axis lists only the years
    that have a value: a run of years without any round (2019–2021 between a 2018 recap and
    2022) is left out and marked by a grey band, and a line does not bridge it.
    ``series_symbols`` / ``series_dashes`` set each series' marker symbol and line dash (default
    circle / solid), e.g. from ``palette.STAGE_SYMBOLS`` so that stages differ by more than colour.
    Each trace's ``customdata`` holds its years; ``layout.meta`` the years shown.
    Text keys: ``chart.progress.title``, ``col.year``, ``col.total``.
    """
    lines = DEFAULT_PROGRESS_LINES if lines is None else lines
    size, tick_size = FONT_SIZE[large], TICK_SIZE[large]
    cleaned = [(plain(name), sorted(((int(y), v) for y, v in points), key=lambda p: p[0]))
               for name, points in series]
    years = sorted({y for _, pts in cleaned for y, v in pts if v is not None})
    position = {y: i for i, y in enumerate(years)}

    fig = go.Figure()
    colors = default_colors(len(series), series_colors)
    symbols = per_series(len(series), series_symbols, "circle")
    dashes = per_series(len(series), series_dashes, "solid")
    values: list[float] = []
    for (name, pts), color, symbol, dash in zip(cleaned, colors, symbols, dashes, strict=True):
        xs: list[float | None] = []
        ys: list[float | None] = []
        custom: list[list[Any]] = []
        previous: int | None = None
        for year, total in pts:
            if total is None:
                continue
            if previous is not None and year != previous + 1:
                # years without a value in between: break the line
                xs.append(position[year] - 0.5)
                ys.append(None)
                custom.append([None, None])
            xs.append(position[year])
            ys.append(float(total))
            custom.append([year, fmt(total, lang)])
            values.append(float(total))
            previous = year
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=name,
                line={"color": color, "width": LINE_WIDTH[large], "dash": dash},
                marker={"color": color, "size": MARKER_SIZE[large], "symbol": symbol},
                connectgaps=False,
                customdata=custom,
                hovertemplate="<b>%{fullData.name}</b><br>%{customdata[0]}: %{customdata[1]}<extra></extra>",
                meta={"role": "series"},
            )
        )
    s = palette.surface(dark)
    style(fig, title=txt("chart.progress.title", lang, text), dark=dark, large=large, lang=lang)

    # Skipped years: a light band between the two years around them.
    for i in range(1, len(years)):
        if years[i] - years[i - 1] > 1:
            fig.add_vrect(x0=i - 0.62, x1=i - 0.38, fillcolor=s.grid, opacity=0.6, line_width=0, layer="below",
                          name=f"skipped {years[i - 1] + 1}-{years[i] - 1}")

    if y_range is None:
        y_range = fitted_range([*values, *lines.values()])
    # The lines' labels go in the right margin at their lines' heights; two lines closer than a label
    # is tall have their labels pushed apart (estimated from the plot's height in px).
    x_title = txt("col.year", lang, text)
    plot_px = (height or 450) - (60 if txt("chart.progress.title", lang, text) else 20) - 20 \
        - tick_size * 1.6 - (size * 1.6 if x_title else 0)
    px_per_point = max(plot_px, 40) / max(y_range[1] - y_range[0], 1e-9)
    shift = {label: 0.0 for label in lines}
    ordered = sorted(lines.items(), key=lambda item: item[1])
    for (low_label, low), (high_label, high) in zip(ordered, ordered[1:], strict=False):
        room = (high - low) * px_per_point
        need = tick_size * 1.3
        if room < need:
            shift[low_label] -= (need - room) / 2
            shift[high_label] += (need - room) / 2
    label_width = 0.0
    for label, value in lines.items():
        words = f"{label} {threshold_number(value, lang)}"
        label_width = max(label_width, text_width(words, tick_size))
        fig.add_hline(
            y=value,
            line={"color": threshold_color(label), "dash": threshold_dash(label), "width": LINE_WIDTH[large]},
            name=label,
        )
        # the label in the right margin, at the line's height: never on top of the data
        fig.add_annotation(
            text=words, xref="paper", x=1, xanchor="left", xshift=8, yref="y", y=value, yanchor="middle",
            yshift=round(shift[label]), showarrow=False, font={"color": s.text, "size": tick_size},
            name=f"line:{label}",
        )
    xaxis: dict[str, Any] = {
        "title": {"text": txt("col.year", lang, text)},
        "tickmode": "array",
        "tickvals": list(range(len(years))),
        "ticktext": [str(y) for y in years],
        "range": [-0.5, max(len(years), 1) - 0.5],
        "showgrid": False,
        "zeroline": False,
    }
    fig.update_xaxes(**xaxis)
    fig.update_yaxes(title={"text": txt("col.total", lang, text)}, range=list(y_range), autorange=False,
                     zeroline=False)
    layout: dict[str, Any] = {
        "margin": {"r": round(label_width + 20), "t": 60 if fig.layout.title.text else 20, "b": 20},
        "meta": {"years": years},
        "showlegend": legend,
    }
    if legend:
        layout["legend"] = {"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yref": "container",
                            "yanchor": "bottom", "font": {"size": size}}
        rows = max(1, math.ceil(sum(text_width(n, size) + 60 for n, _ in cleaned) / 900))
        layout["margin"]["b"] = round(rows * (size * 1.4 + 6) + 20)
    if height is not None:
        layout["height"] = height
    fig.update_layout(**layout)
    return fig


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
    symbol (star / circle / x), the predicate as text above the earned and revoked markers (never
    clipped: the rows leave room for it; a kept year says it on hover), and a thin line links each
    unit's years. Units appear top to
    bottom in order of first event; the legend sits under the year axis.
    Text keys: ``chart.timeline.title``, ``status.earned``/``kept``/``revoked``, ``col.year``.
    """
    for e in events:
        if e.get("status") not in TIMELINE_STATUSES:
            raise ValueError(f"unknown status {e.get('status')!r}; expected one of {TIMELINE_STATUSES}")
    events = [{**e, "unit": plain(e["unit"]), "predicate": plain(e["predicate"])} for e in events]
    units: list[str] = []
    for e in events:
        if e["unit"] not in units:
            units.append(e["unit"])
    s = palette.surface(dark)
    size, tick_size = FONT_SIZE[large], TICK_SIZE[large]
    fig = go.Figure()
    for unit in units:
        years = sorted(int(e["year"]) for e in events if e["unit"] == unit)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=[unit] * len(years),
                mode="lines",
                line={"color": s.grid, "width": LINE_WIDTH[large]},
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
        word = txt(f"status.{status}", lang, text)
        fig.add_trace(
            go.Scatter(
                x=[int(e["year"]) for e in selected],
                y=[e["unit"] for e in selected],
                mode="markers+text",
                name=word,
                # the predicate is written where it changes (earned, revoked); a kept year repeats it
                text=[str(e["predicate"]) if status != "kept" else "" for e in selected],
                textposition="top center",
                textfont={"color": s.text, "size": tick_size - 1},
                cliponaxis=False,
                marker={
                    "color": palette.STATUS_COLORS[status],
                    "symbol": palette.STATUS_SYMBOLS[status],
                    "size": MARKER_SIZE[large] + 6,
                    "line": {"color": s.background, "width": 1},
                },
                customdata=[[e["unit"], e["predicate"], word] for e in selected],
                hovertemplate=(
                    "<b>%{customdata[0]}</b> %{x}<br>%{customdata[1]} (%{customdata[2]})<extra></extra>"
                ),
                meta={"role": "series", "status": status},
            )
        )
    style(fig, title=txt("chart.timeline.title", lang, text), dark=dark, large=large, lang=lang)
    all_years = [int(e["year"]) for e in events]
    xaxis: dict[str, Any] = {"title": {"text": txt("col.year", lang, text)}, "tickformat": "d"}
    if all_years:
        lo, hi = min(all_years), max(all_years)
        # a predicate's name is wider than a year: leave room so the first and last are not cut
        xaxis.update(tickmode="linear", tick0=lo, dtick=1 if hi - lo <= 12 else 2, range=[lo - 0.8, hi + 0.8])
    fig.update_xaxes(**xaxis)
    # Each row is tall enough for the predicate above its markers; the top row's text goes into
    # the half row of air above it (the range reaches past the first category).
    row_px = (76 if large else 58)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=units,
                     range=[len(units) - 0.5, -0.9] if units else None, autorange=False if units else True,
                     showgrid=False)
    fig.update_layout(
        height=round(max(2, len(units)) * row_px + 150 + (40 if fig.layout.title.text else 0)),
        margin={"t": 60 if fig.layout.title.text else 20, "b": 20},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yref": "container", "yanchor": "bottom",
                "font": {"size": size}},
    )
    return fig


__all__ = ["TIMELINE_STATUSES", "fitted_range", "progress_figure", "timeline_figure"]
