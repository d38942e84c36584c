"""The area radar: % of each area's max on a fixed 0–100 polar axis with the predicate rings.

Two ways to the same chart:

* :func:`radar_figure` builds a validated ``go.Figure`` from names and values in one call (pages
  drawn once per run, the PDF report, the deck);
* :func:`radar_template` builds everything but the values once, as plain data (cache it), and
  :func:`radar_fill` puts values into it on every rerun: only the series' radii and hover texts
  are new, nothing is validated and no Plotly template is copied (about 0.2 ms against 30 ms).
  The what-if simulator redraws its radar this way on every slider move.

Both give the same figure (a test compares them). The spec carries its own small template
(``layout.template``) instead of Plotly's ``plotly_white``: every colour is set explicitly from
the palette, and an explicit template keeps Plotly from copying its default one into each figure.

Layout: the figure's height is chosen so that the polar circle is at least ``diameter`` px
(default 440) when the container is wide enough; margins hold the area labels (wrapped), and the
legend sits under the bottom label, so neither touches the other. Series differ by colour, line
dash and marker symbol; the rings are thin, unmarked lines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from zi_metrics import palette
from zi_metrics.charts._common import (
    DEFAULT_RINGS,
    FONT_SIZE,
    LINE_WIDTH,
    MARKER_SIZE,
    SEPARATORS,
    TICK_SIZE,
    TITLE_SIZE,
    Number,
    Text,
    check_lang,
    fmt,
    per_series,
    plain,
    text_width,
    threshold_color,
    threshold_dash,
    threshold_number,
    txt,
    with_alpha,
    wrap_lines,
)
from zi_metrics.charts._common import series_colors as default_colors

DIAMETER = 440  # px of the polar circle when the container allows it (#12.1: at least 420)
LABEL_WRAP = 14  # characters per line of an area label
RADIAL_TICKS = (20, 40, 60, 80, 100)


def _label_block(label: str, size: float) -> tuple[list[str], float, float]:
    lines = wrap_lines(label, LABEL_WRAP)
    width = max(text_width(line, size) for line in lines)
    return lines, width, len(lines) * size * 1.25


def radar_template(
    area_labels: Mapping[str, str],
    area_order: Sequence[str],
    series_names: Sequence[str],
    rings: Mapping[str, Number] | None = None,
    *,
    series_colors: Sequence[str | None] | None = None,
    series_symbols: Sequence[str | None] | None = None,
    series_dashes: Sequence[str | None] | None = None,
    diameter: int = DIAMETER,
    legend: bool = True,
    dark: bool = False,
    large: bool = False,
    lang: str = "id",
    text: Text = None,
) -> dict[str, Any]:
    """Everything of a radar but its values, as a plain dict (``{"data": [...], "layout": {...}}``).

    Pure and cheap to keep: cache it per (labels, names, colours, language, theme) and pass it to
    :func:`radar_fill` with the values; never mutate it. Arguments as in :func:`radar_figure`, with
    ``series_names`` instead of the series. ``diameter``: the polar circle's size in px, which sets
    the figure's height (the circle is smaller only when the container is narrower); ``legend=False``
    leaves out the legend and its room (a slide that explains the rings itself).
    """
    if not area_order:
        raise ValueError("area_order is empty")
    check_lang(lang)
    rings = DEFAULT_RINGS if rings is None else rings
    s = palette.surface(dark)
    n = len(area_order)
    size, tick_size = FONT_SIZE[large], TICK_SIZE[large]
    full_labels = [plain(area_labels.get(code, code)) for code in area_order]
    blocks = [_label_block(label, size) for label in full_labels]
    theta = ["<br>".join(lines) for lines, _, _ in blocks]
    theta_closed = [*theta, theta[0]]

    # Room for the labels outside the circle: the first area is at the top, then clockwise.
    side = top = bottom = 0.0
    for i, (_, width, height) in enumerate(blocks):
        angle = 2 * math.pi * i / n
        if abs(math.sin(angle)) > 0.3:
            side = max(side, width)
        if math.cos(angle) > 0.7:
            top = max(top, height)
        if math.cos(angle) < -0.7:
            bottom = max(bottom, height)
    pad = 14
    title = txt("chart.radar.title", lang, text)
    title_height = TITLE_SIZE[large] * 1.2 + 16 if title else 0.0

    data: list[dict[str, Any]] = []
    for key, value in rings.items():
        catalogue_key = {"WBK": "chart.ring.wbk", "WBBM": "chart.ring.wbbm"}.get(key.upper())
        percent_text = threshold_number(value, lang)
        name = txt(catalogue_key, lang, text, percent=percent_text) if catalogue_key else f"{key} {percent_text}%"
        data.append({
            "type": "scatterpolar",
            "r": [value] * (n + 1),
            "theta": theta_closed,
            "mode": "lines",
            "name": name,
            "line": {"color": threshold_color(key), "dash": threshold_dash(key), "width": LINE_WIDTH[large] - 0.5},
            "hovertemplate": f"{name}<extra></extra>",
            "meta": {"role": "ring", "ring": key, "value": value},
        })

    count = len(series_names)
    colors = default_colors(count, series_colors)
    symbols = per_series(count, series_symbols, "circle")
    dashes = per_series(count, series_dashes, "solid")
    for name, color, symbol, dash in zip(series_names, colors, symbols, dashes, strict=True):
        data.append({
            "type": "scatterpolar",
            "r": [None] * (n + 1),
            "theta": theta_closed,
            "mode": "lines+markers",
            "name": plain(name),
            "line": {"color": color, "width": LINE_WIDTH[large] + 0.5, "dash": dash},
            "marker": {"color": color, "size": MARKER_SIZE[large], "symbol": symbol},
            "fill": "toself",
            "fillcolor": with_alpha(color, 0.07),
            "connectgaps": False,
            "customdata": None,
            "hovertemplate": "<b>%{fullData.name}</b><br>%{customdata[0]}: %{customdata[1]}%<extra></extra>",
            "meta": {"role": "series"},
        })

    # Legend rows under the chart. Plotly puts the entries on one line when they all fit the plot
    # area's width (at least the circle's), else in a grid of columns as wide as the widest entry;
    # reserve that many rows, so the legend does not push the margin and shrink the circle.
    widths = [text_width(str(d["name"]), size) + 50 for d in data]
    if not legend:
        rows = 0
    elif sum(widths) <= diameter:
        rows = 1
    else:
        rows = math.ceil(len(widths) / max(1, int(diameter // max(widths))))
    legend_height = rows * (size * 1.3 + 8)

    margin = {
        "l": round(side + pad),
        "r": round(side + pad),
        "t": round(title_height + top + pad),
        "b": round(bottom + pad + legend_height + 8),
    }
    # The radial axis between two spokes (tick labels never sit on an area's spoke), on the one
    # closest to horizontal, so the horizontal tick labels follow each other without overlapping.
    radial_angle = min((90 - 360 * i / n - 180 / n for i in range(n)), key=lambda a: abs(((a + 180) % 360) - 180))
    layout: dict[str, Any] = {
        # a template of its own (non-empty: Plotly replaces an empty one by its default, 10 kB)
        "template": {"layout": {"hovermode": "closest"}},
        "height": round(diameter + margin["t"] + margin["b"]),
        "margin": margin,
        "paper_bgcolor": s.background,
        "plot_bgcolor": s.plot_background,
        "font": {"color": s.text, "size": size},
        "separators": SEPARATORS[lang],
        "hoverlabel": {"font": {"size": size}},
        "hovermode": "closest",
        "showlegend": legend,
        "legend": {
            "orientation": "h",
            "x": 0.5,
            "xanchor": "center",
            "y": -(bottom + pad) / diameter,
            "yanchor": "top",
            "font": {"color": s.text, "size": size},
            "bgcolor": "rgba(0,0,0,0)",
            "itemwidth": 40,
        },
        "polar": {
            "bgcolor": s.plot_background,
            "radialaxis": {
                "range": [0, 100],
                "autorange": False,
                "tickmode": "array",
                "tickvals": list(RADIAL_TICKS),
                # plain numbers (the title says "% of max"): "100%" ran into "80" on a small circle
                "ticktext": [str(v) for v in RADIAL_TICKS],
                "ticks": "",
                "showline": False,
                "gridcolor": s.grid,
                "tickfont": {"color": s.muted_text, "size": tick_size - 1},
                "angle": radial_angle,
                "tickangle": 0,
            },
            "angularaxis": {
                "rotation": 90,
                "direction": "clockwise",
                "ticks": "",
                "gridcolor": s.grid,
                "linecolor": s.grid,
                "tickfont": {"color": s.text, "size": size},
            },
        },
        "meta": {"chart": "radar", "areas": list(area_order), "labels": full_labels, "lang": lang},
    }
    if title:
        layout["title"] = {"text": title, "font": {"size": TITLE_SIZE[large], "color": s.text},
                           "x": 0.01, "xanchor": "left", "y": 1, "yref": "container", "yanchor": "top",
                           "pad": {"t": 10}}
    return {"data": data, "layout": layout}


def radar_spec(template: Mapping[str, Any], values: Sequence[Mapping[str, Number | None]]) -> dict[str, Any]:
    """``template`` with the series' values, as plain data: new dicts only for the series traces
    (everything else is the template's own objects, shared)."""
    layout = template["layout"]
    areas, labels, lang = layout["meta"]["areas"], layout["meta"]["labels"], layout["meta"]["lang"]
    series = [i for i, d in enumerate(template["data"]) if d["meta"]["role"] == "series"]
    if len(values) != len(series):
        raise ValueError(f"{len(values)} value sets for {len(series)} series")
    data = list(template["data"])
    labels_closed = [*labels, labels[0]]
    for index, given in zip(series, values, strict=True):
        r = [given.get(code) for code in areas]
        r = [None if v is None else float(v) for v in r]
        r.append(r[0])
        data[index] = {
            **data[index],
            "r": r,
            # a polygon with a missing area cannot be filled honestly: outline only
            "fill": "toself" if None not in r else "none",
            "customdata": [[label, fmt(v, lang)] for label, v in zip(labels_closed, r, strict=True)],
        }
    return {"data": data, "layout": layout}


def radar_fill(template: Mapping[str, Any], values: Sequence[Mapping[str, Number | None]]) -> go.Figure:
    """The radar of :func:`radar_template` with ``values`` (one ``{area_code: percent}`` per series,
    in the template's series order; a missing or None area leaves a gap).

    The fast path: the figure wraps the plain data without validating it (the template was built
    by this module), and shares the template's unchanged parts; do not mutate the result."""
    return go.Figure(radar_spec(template, values), _validate=False)


def radar_figure(
    series: Sequence[tuple[str, Mapping[str, Number | None]]],
    area_labels: Mapping[str, str],
    area_order: Sequence[str],
    rings: Mapping[str, Number] | None = None,
    *,
    series_colors: Sequence[str | None] | None = None,
    series_symbols: Sequence[str | None] | None = None,
    series_dashes: Sequence[str | None] | None = None,
    diameter: int = DIAMETER,
    legend: bool = True,
    dark: bool = False,
    large: bool = False,
    lang: str = "id",
    text: Text = None,
) -> go.Figure:
    """Area scores as % of each area's max on a fixed 0–100 radar, with the predicate rings.

    ``series``: ``(name, {area_code: percent})`` in draw order (a missing or None
    area leaves a gap, and such a polygon is not filled). ``rings``: ring key -> percent, default
    ``{"WBK": 60, "WBBM": 75}``; keys WBK/WBBM are named 'Menuju WBK 60%' / 'Menuju WBBM 75%'.
    The first area sits at the top and areas follow clockwise; every polygon is
    closed (its first point repeated at the end). ``series_colors`` overrides the
    palette's default cycle (e.g. ``palette.STAGE_COLORS["tpi"]``); ``series_symbols`` and
    ``series_dashes`` set each series' marker symbol (default circle) and line dash (default
    solid), e.g. from ``palette.STAGE_SYMBOLS`` / ``palette.STAGE_DASHES``, so overlaid stages and
    units differ by more than colour. Area labels are wrapped; pass codes (``{"MP": "MP"}``)
    where space is short.
    Text keys: ``chart.radar.title``, ``chart.ring.wbk``, ``chart.ring.wbbm``.
    """
    template = radar_template(
        area_labels, area_order, [name for name, _ in series], rings,
        series_colors=series_colors, series_symbols=series_symbols, series_dashes=series_dashes,
        diameter=diameter, legend=legend, dark=dark, large=large, lang=lang, text=text,
    )
    return go.Figure(radar_spec(template, [values for _, values in series]))


__all__ = ["DIAMETER", "radar_figure", "radar_fill", "radar_spec", "radar_template"]
