"""Units × areas heatmap coloured by % of each area's max, in the three predicate bands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import plotly.graph_objects as go

from zi_metrics import palette
from zi_metrics.charts._common import (
    FONT_SIZE,
    TICK_SIZE,
    TITLE_SIZE,
    Number,
    Text,
    fmt,
    plain,
    style,
    threshold_number,
    txt,
    wrap_lines,
)

COLUMN_WRAP = 12  # characters per line of an area's column label (six columns fit 100 px each)


def heatmap_figure(
    units: Sequence[str],
    area_order: Sequence[str],
    percents: Sequence[Sequence[Number | None]],
    area_labels: Mapping[str, str],
    *,
    thresholds: tuple[Number, Number] = (60, 75),
    row_height: int | None = None,
    colorbar: bool = False,
    band_legend: Literal["lines", "row"] = "lines",
    dark: bool = False,
    large: bool = False,
    lang: str = "id",
    text: Text = None,
) -> go.Figure:
    """Units × areas coloured by % of the area's max (zmin 0, zmax 100).

    The colourscale has hard breaks at the WBK and WBBM area minimums (default
    60 % and 75 %), so the three bands read at a glance; each cell shows its value
    with two decimals ('–' when missing) and a legend under the chart names the bands.
    Column labels sit above the grid, horizontal and wrapped (never rotated into the title);
    the figure's height follows the number of rows (``row_height`` px each). ``colorbar=True``
    adds a colour bar beside the grid (the band legend says the same). The band legend is three
    lines under the grid, or one row of shorter words with ``band_legend="row"`` (on a slide).
    Text keys: ``chart.heatmap.title``, ``chart.heatmap.band_low``/``_mid``/``_high`` (and their
    ``_short`` forms), ``col.percent_of_max``.
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
    size, tick_size = FONT_SIZE[large], TICK_SIZE[large]
    full_labels = [plain(area_labels.get(code, code)) for code in area_order]
    column_lines = [wrap_lines(label, COLUMN_WRAP) for label in full_labels]
    units = [plain(unit) for unit in units]
    z = [[None if v is None else float(v) for v in row] for row in percents]
    cell_text = [[fmt(v, lang) for v in row] for row in z]
    custom = [
        [[unit, label, cell] for label, cell in zip(full_labels, row, strict=True)]
        for unit, row in zip(units, cell_text, strict=True)
    ]
    wbk_text, wbbm_text = threshold_number(wbk, lang), threshold_number(wbbm, lang)

    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=["<br>".join(lines) for lines in column_lines],
            y=list(units),
            zmin=0,
            zmax=100,
            zauto=False,
            colorscale=palette.heatmap_colorscale(wbk, wbbm),
            text=cell_text,
            texttemplate="%{text}",
            textfont={"size": size},
            customdata=custom,
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}: %{customdata[2]}%<extra></extra>",
            hoverongaps=True,
            xgap=2,
            ygap=2,
            showscale=colorbar,
            colorbar={
                "title": {"text": txt("col.percent_of_max", lang, text), "font": {"color": s.text}},
                "tickvals": [0, wbk, wbbm, 100],
                "ticktext": ["0%", f"{wbk_text}%", f"{wbbm_text}%", "100%"],
                "tickfont": {"color": s.text},
            },
            meta={"role": "heatmap", "band_breaks": [wbk / 100, wbbm / 100]},
        )
    )
    title = txt("chart.heatmap.title", lang, text)
    style(fig, title=title, dark=dark, large=large, lang=lang)

    # Legend for the three bands, a coloured square + words per band, under the grid: an
    # annotation of fixed lines in a margin of its own (a Plotly legend there pushes the margin, and
    # kept its old place over the last row after the window was resized).
    suffix = "_short" if band_legend == "row" else ""
    bands = [
        (palette.heatmap_band_color(i), txt(f"chart.heatmap.band_{band}{suffix}", lang, text, wbk=wbk_text,
                                            wbbm=wbbm_text))
        for i, band in enumerate(("low", "mid", "high"))
    ]
    entries = [f"<span style='color:{color}'>■</span> {words}" for color, words in bands]
    legend_text = ("<br>" if band_legend == "lines" else "     ").join(entries)
    legend_lines = 3 if band_legend == "lines" else 1
    fig.add_annotation(
        text=legend_text,
        xref="paper",
        yref="paper",
        x=0 if band_legend == "lines" else 0.5,
        y=0,
        xanchor="left" if band_legend == "lines" else "center",
        yanchor="top",
        yshift=-8,
        showarrow=False,
        align="left",
        font={"color": s.text, "size": size - 1},
        name="band_legend",
    )
    fig.update_xaxes(side="top", showgrid=False, tickangle=0, ticks="", tickfont={"size": tick_size})
    fig.update_yaxes(autorange="reversed", showgrid=False, ticks="", ticksuffix=" ", tickfont={"size": size})
    rows = max(len(units), 1)
    row_px = row_height or (44 if large else 32)
    label_px = max((len(lines) for lines in column_lines), default=1) * tick_size * 1.25 + 12
    top = (TITLE_SIZE[large] * 1.2 + 20 if title else 8) + label_px
    bottom = legend_lines * (size + 1) * 1.3 + 20
    fig.update_layout(
        height=round(rows * row_px + top + bottom),
        margin={"t": round(top), "b": round(bottom), "l": 10, "r": 10},
        showlegend=False,
    )
    return fig


__all__ = ["heatmap_figure"]
