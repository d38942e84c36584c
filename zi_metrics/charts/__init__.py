"""Plotly figure builders: pure functions from plain dicts/lists to ``go.Figure``.

No store, no Streamlit: pages compute the numbers with ``scoring``/``rules``/``analytics`` and
pass them here; the same figures serve the pages, the presentation mode and the exports.

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
* labels Plotly draws outside the plot (titles, area names, legends, threshold labels) get
  margins of their own, so nothing is clipped or drawn over another label (checked in the
  browser by tests/browser/test_layout_walk.py);
* every figure but the radar uses ``template="plotly_white"`` with the palette's surface colours
  (the radar sets every colour itself: see :mod:`zi_metrics.charts.radar`).

Each trace carries ``meta={"role": ...}`` ("series", "ring", "band", ...) so callers
and tests can find traces without depending on translated names.

Modules: ``radar`` (also the cached-template fast path), ``heatmap``, ``lines`` (progress,
timeline), ``bars`` (drift, gaps, areas holding back), ``images`` (PNG/PDF/SVG via kaleido).
"""

from zi_metrics.charts import radar
from zi_metrics.charts._common import DEFAULT_PROGRESS_LINES, DEFAULT_RINGS, TEMPLATE
from zi_metrics.charts.bars import areas_holding_back_figure, drift_figure, gap_bar_figure
from zi_metrics.charts.heatmap import heatmap_figure
from zi_metrics.charts.images import figure_to_image, find_chromium, stop_image_server
from zi_metrics.charts.lines import TIMELINE_STATUSES, fitted_range, progress_figure, timeline_figure
from zi_metrics.charts.radar import radar_figure, radar_fill, radar_spec, radar_template

__all__ = [
    "DEFAULT_PROGRESS_LINES",
    "DEFAULT_RINGS",
    "TEMPLATE",
    "TIMELINE_STATUSES",
    "areas_holding_back_figure",
    "drift_figure",
    "figure_to_image",
    "find_chromium",
    "fitted_range",
    "gap_bar_figure",
    "heatmap_figure",
    "progress_figure",
    "radar_figure",
    "radar",
    "radar_fill",
    "radar_spec",
    "radar_template",
    "stop_image_server",
    "timeline_figure",
]
