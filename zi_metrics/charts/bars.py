"""Horizontal bar charts: TPN − TPI drift, points missing per rule, areas holding units back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from zi_metrics import palette
from zi_metrics.charts._common import Number, Text, fmt, plain, style, txt, wrap

# An axis title is centred under the plot area, which long bar labels push to the right: wrapped, it
# stays inside a narrow chart (a third of the page).
AXIS_TITLE_WRAP = 16
LABEL_WRAP = 18


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
    kept = [(plain(u), int(y), tpi, tpn) for u, y, tpi, tpn in rows if tpi is not None and tpn is not None]
    diffs = [float(tpn) - float(tpi) for _, _, tpi, tpn in kept]
    labels = [f"{u} · {y}" for u, y, _, _ in kept]
    bar_text = [("+" if d > 0 else "") + fmt(d, lang) for d in diffs]
    colors = [palette.PASS_COLOR if d >= 0 else palette.FAIL_COLOR for d in diffs]
    custom = [
        [u, y, fmt(tpi, lang), fmt(tpn, lang), txt]
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
    style(fig, title=txt("chart.drift.title", lang, text), dark=dark, large=large, lang=lang)
    s = palette.surface(dark)
    extent = max((abs(d) for d in diffs), default=1.0) or 1.0
    fig.update_xaxes(
        title={"text": wrap(txt("chart.drift.axis", lang, text), AXIS_TITLE_WRAP)},
        range=[-extent * 1.3, extent * 1.3],
        zeroline=True,
        zerolinewidth=2,
        zerolinecolor=s.zero_line,
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=max(300, 120 + (40 if large else 28) * len(kept)))
    return fig




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
    kept = sorted(((plain(label), float(v)) for label, v in items if v is not None and v > 0),
                  key=lambda p: -p[1])
    bar_text = [txt("gap.points", lang, text, gap=fmt(v, lang)) for _, v in kept]
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
    style(fig, title=txt("chart.gap.title", lang, text), dark=dark, large=large, lang=lang)
    top = max((v for _, v in kept), default=1.0)
    fig.update_xaxes(title={"text": wrap(txt("col.gap", lang, text), AXIS_TITLE_WRAP)}, range=[0, top * 1.45],
                     rangemode="tozero")
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
    # wrapped: the chart often stands in a third of the page, where one-line names leave no room
    labels = [wrap(plain((area_labels or {}).get(c, c)), LABEL_WRAP) for c in codes]
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
    style(fig, title=txt("chart.holding_back.title", lang, text), dark=dark, large=large, lang=lang)
    top = max([*values, total_units or 0, 1])
    fig.update_xaxes(
        title={"text": wrap(txt("chart.holding_back.axis", lang, text), AXIS_TITLE_WRAP)},
        range=[0, top * 1.2],
        tickformat="d",
        dtick=1 if top <= 10 else None,
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=max(280, 130 + sum(_row_px(label, large) for label in labels)))
    return fig


def _row_px(label: str, large: bool) -> int:
    """A bar's height: room for every line of its (wrapped) label."""
    lines = label.count("<br>") + 1
    return max(40 if large else 28, lines * (26 if large else 17) + 10)



__all__ = ["areas_holding_back_figure", "drift_figure", "gap_bar_figure"]
