"""Figure of the follow-up progress (Tindak lanjut): a pure builder, as in :mod:`zi_metrics.charts`.

One horizontal bar per unit (or area): the share of its follow-ups that are ``selesai``, on a
fixed 0-100 % axis so that units compare at a glance; the bar reads "62,50 % · 5/8" and the hover
adds how many are in progress, not started and late. Colours come from :mod:`zi_metrics.palette`,
words from the i18n catalogue, numbers from :mod:`zi_metrics.formatting` in the figure's language.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from zi_metrics import palette
from zi_metrics.formatting import format_number, format_percent
from zi_metrics.i18n import t

_SEPARATORS = {"id": ",.", "en": ".,"}
_FONT_SIZE = {False: 14, True: 22}
INSIDE_FROM = 55.0  # % done from which a bar holds its own label


def progress_bar_figure(progress: pd.DataFrame, by: str, labels: Mapping[str, str] | None = None, *,
                        full_names: Mapping[str, str] | None = None, title: str = "", lang: str = "id",
                        large: bool = False) -> go.Figure:
    """Bars of ``percent_done`` per ``by`` value of a :func:`zi_metrics.followups.progress` frame,
    in the frame's order from the top (the furthest behind first). ``labels`` maps a ``by`` value to
    its axis label (unit name, area code); ``full_names`` to the longer name the hover shows."""
    if lang not in _SEPARATORS:
        raise ValueError(f"unsupported language {lang!r}")
    labels = labels or {}
    names = [html.escape(str(labels.get(v, v)), quote=False) for v in progress[by]]
    pct = [float(p) for p in progress["percent_done"]]
    bar_text = [t("followup.chart.bar", lang, percent=format_percent(p, lang), done=int(d), total=int(n))
                for p, d, n in zip(pct, progress["selesai"], progress["total"], strict=True)]
    full = full_names or {}
    hover = [html.escape(str(full.get(key, labels.get(key, key))), quote=False) + "<br>"
             + t("followup.chart.hover", lang, done=int(r.selesai), in_progress=int(r.proses),
                 not_started=int(r.belum), late=int(r.late), total=int(r.total))
             for key, r in zip(progress[by], progress.itertuples(index=False), strict=True)]
    colors = [palette.PASS_COLOR if p >= 100 else palette.ORANGE if p > 0 else palette.FAIL_COLOR for p in pct]
    # the label sits inside a long bar (white on blue, black on orange: both readable) and after a
    # short one, so that no label runs past the chart on a narrow column
    inside = [p >= INSIDE_FROM for p in pct]
    fig = go.Figure(go.Bar(
        x=pct, y=names, orientation="h", marker={"color": colors}, text=bar_text,
        textposition=["inside" if i else "outside" for i in inside], insidetextanchor="end",
        insidetextfont={"color": ["#FFFFFF" if p >= 100 else palette.BLACK for p in pct]},
        outsidetextfont={"color": palette.surface(False).text}, constraintext="none",
        cliponaxis=False, customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        meta={"role": "series"}, showlegend=False))
    s = palette.surface(False)
    axis = {"gridcolor": s.grid, "zerolinecolor": s.zero_line, "linecolor": s.grid, "tickfont": {"color": s.text}}
    fig.update_layout(
        template="plotly_white", paper_bgcolor=s.background, plot_bgcolor=s.plot_background,
        font={"color": s.text, "size": _FONT_SIZE[large]}, separators=_SEPARATORS[lang],
        title={"text": title or None, "x": 0.01, "font": {"size": 18 if not large else 30}},
        margin={"l": 20, "r": 20, "t": 60 if title else 20, "b": 40},
        height=max(220, 90 + (40 if large else 30) * len(names)), bargap=0.35)
    fig.update_xaxes(**axis, range=[0, 102], tickvals=[0, 25, 50, 75, 100],
                     ticktext=[format_number(v, lang, 0) + "%" for v in (0, 25, 50, 75, 100)],
                     title={"text": t("followup.chart.axis", lang)})
    fig.update_yaxes(**axis, autorange="reversed", type="category", automargin=True)
    return fig
