"""Charts of the PDF report drawn as ReportLab vector graphics: the area radar and a bar chart.

They follow the dashboard's charts (zi_metrics.charts): % of each area's maximum on a fixed 0-100
scale, the Menuju WBK and WBBM rings in their colours and dash patterns, stages in their colours
and marker shapes, numbers in the reader's format. No browser is involved: the shapes are PDF
paths, sharp at any zoom and printable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors

from zi_metrics import palette
from zi_metrics.formatting import format_number
from zi_metrics.i18n import t
from zi_metrics.report.document import fonts

_GRID = colors.HexColor("#D0D0D0")
_TEXT = colors.HexColor("#303030")
_DASHES = {"dash": (4, 2), "dot": (1, 1.6), "solid": None}
_SERIES_DASHES = (None, (5, 2), (1.5, 1.5), (6, 2, 1.5, 2))


def _marker(shape: str, x: float, y: float, colour: colors.Color, size: float = 2.6) -> Polygon | Circle:
    if shape == "square":
        return Polygon([x - size, y - size, x + size, y - size, x + size, y + size, x - size, y + size],
                       fillColor=colour, strokeColor=colors.white, strokeWidth=0.4)
    if shape == "diamond":
        s = size * 1.3
        return Polygon([x, y - s, x + s, y, x, y + s, x - s, y], fillColor=colour, strokeColor=colors.white,
                       strokeWidth=0.4)
    return Circle(x, y, size, fillColor=colour, strokeColor=colors.white, strokeWidth=0.4)


def radar_drawing(series: Sequence[tuple[str, Mapping[str, float | None], str, str]], area_order: Sequence[str],
                  rings: Mapping[str, float], *, lang: str = "id", width: float = 250, height: float = 230
                  ) -> Drawing:
    """``series``: (name, {area: percent}, colour, marker shape) in draw order; ``rings``:
    predicate code -> percent. The first area at the top, the others clockwise."""
    f = fonts()
    d = Drawing(width, height)
    legend_h = 12 * math.ceil((len(series) + len(rings)) / 2)
    cx, cy = width / 2, (height + legend_h) / 2
    radius = min(width / 2 - 34, (height - legend_h) / 2 - 20)
    n = len(area_order)

    def point(i: int, pct: float) -> tuple[float, float]:
        angle = math.pi / 2 - 2 * math.pi * i / n
        r = radius * max(0.0, min(pct, 100.0)) / 100.0
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    for level in (20, 40, 60, 80, 100):
        pts = [c for i in range(n) for c in point(i, level)]
        d.add(Polygon(pts, fillColor=None, strokeColor=_GRID, strokeWidth=0.5))
    for i, code in enumerate(area_order):
        x, y = point(i, 100)
        d.add(Line(cx, cy, x, y, strokeColor=_GRID, strokeWidth=0.5))
        angle = math.pi / 2 - 2 * math.pi * i / n
        lx, ly = cx + (radius + 9) * math.cos(angle), cy + (radius + 9) * math.sin(angle)  # clear of 100%
        vertical = abs(lx - cx) < 4
        anchor = "middle" if vertical else ("start" if lx > cx else "end")
        base = ly if vertical and ly > cy else (ly - 8 if vertical else ly - 3)  # text above the top, below the bottom
        d.add(String(lx, base, code, fontName=f.bold, fontSize=8, fillColor=_TEXT, textAnchor=anchor))
    for level in (20, 40, 80):  # the scale beside the first axis (60 and 75 are the labelled rings)
        x, y = point(0, level)
        d.add(String(x + 2.5, y + 1.5, format_number(level, lang, 0), fontName=f.regular, fontSize=5.5,
                     fillColor=colors.grey))
    legend: list[tuple[str, colors.Color, tuple[float, ...] | None, str | None]] = []
    for code, pct in rings.items():
        colour = colors.HexColor(palette.WBK_COLOR if code == "WBK" else palette.WBBM_COLOR)
        dash = _DASHES[palette.WBK_DASH if code == "WBK" else palette.WBBM_DASH]
        pts = [c for i in range(n) for c in point(i, pct)]
        d.add(Polygon(pts, fillColor=None, strokeColor=colour, strokeWidth=1.1, strokeDashArray=dash))
        legend.append((t(f"chart.ring.{code.lower()}", lang, percent=format_number(pct, lang, 0)), colour, dash,
                       None))
    for k, (name, values, colour_hex, shape) in enumerate(series):
        colour = colors.HexColor(colour_hex)
        dash = _SERIES_DASHES[k % len(_SERIES_DASHES)]
        pts = [point(i, values.get(code) or 0.0) for i, code in enumerate(area_order)]
        flat = [c for p in pts + pts[:1] for c in p]
        if k == 0:
            d.add(Polygon(flat[:-2], fillColor=colors.Color(colour.red, colour.green, colour.blue, alpha=0.12),
                          strokeColor=None))
        d.add(PolyLine(flat, strokeColor=colour, strokeWidth=1.6, strokeDashArray=dash))
        for (x, y), code in zip(pts, area_order, strict=True):
            if values.get(code) is not None:
                d.add(_marker(shape, x, y, colour))
        legend.append((name, colour, dash, shape))
    # legend: two columns under the chart
    col_w = width / 2
    for k, (label, colour, dash, shape) in enumerate(legend):
        x = 4 + (k % 2) * col_w
        y = 4 + 12 * (math.ceil(len(legend) / 2) - 1 - k // 2)
        d.add(Line(x, y + 3, x + 16, y + 3, strokeColor=colour, strokeWidth=1.4, strokeDashArray=dash))
        if shape:
            d.add(_marker(shape, x + 8, y + 3, colour, 2.2))
        d.add(String(x + 20, y, label[:44], fontName=f.regular, fontSize=7, fillColor=_TEXT))
    return d


def bar_drawing(rows: Sequence[tuple[str, float]], *, lang: str = "id", width: float = 480, bar_h: float = 13,
                colour: str = palette.FAIL_COLOR, label_width: float = 210, decimals: int = 0) -> Drawing:
    """Horizontal bars, one per (label, value), longest scale first; the value printed at the end."""
    f = fonts()
    height = bar_h * 1.5 * len(rows) + 6
    d = Drawing(width, height)
    top = max((v for _, v in rows), default=0) or 1
    span = width - label_width - 40
    for k, (label, value) in enumerate(rows):
        y = height - (k + 1) * bar_h * 1.5
        d.add(String(label_width - 6, y + 3, label[:60], fontName=f.regular, fontSize=8, fillColor=_TEXT,
                     textAnchor="end"))
        w = span * value / top
        d.add(Rect(label_width, y, max(w, 0.5), bar_h, fillColor=colors.HexColor(colour), strokeColor=None))
        d.add(String(label_width + w + 4, y + 3, format_number(value, lang, decimals), fontName=f.regular,
                     fontSize=8, fillColor=_TEXT))
    return d
