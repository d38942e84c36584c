"""The one fixed, colour-blind-safe palette used by every chart and page.

Based on the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), which
stays distinguishable under the common forms of colour-vision deficiency. Meaning is
never carried by colour alone: pass/fail also carry a symbol (✓ / ✗), the threshold
rings are dashed/dotted lines, and stages differ in marker symbol as well.

Charts are drawn with ``st.plotly_chart(fig, theme=None)`` so these colours are
what the user sees; ``.streamlit/config.toml`` uses :data:`PRIMARY` for widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Okabe-Ito base colours -------------------------------------------------------
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#999999"

OKABE_ITO: tuple[str, ...] = (
    BLACK,
    ORANGE,
    SKY_BLUE,
    BLUISH_GREEN,
    YELLOW,
    BLUE,
    VERMILLION,
    REDDISH_PURPLE,
)

PRIMARY = BLUE

# --- assessor stages (penilaian mandiri -> TPI -> TPN) ------------------------------
# Not the rings' green and purple; sky blue and blue differ in lightness, and every stage also has
# its own marker symbol and line dash.
STAGE_COLORS: dict[str, str] = {
    "mandiri": SKY_BLUE,
    "tpi_eselon1": VERMILLION,
    "tpi": ORANGE,
    "tpn": BLUE,
}
STAGE_SYMBOLS: dict[str, str] = {
    "mandiri": "circle",
    "tpi_eselon1": "triangle-up",
    "tpi": "square",
    "tpn": "diamond",
}
# Plotly line dashes; the rings and predicate lines use "dash" (WBK) and "dot" (WBBM), thinner.
STAGE_DASHES: dict[str, str] = {
    "mandiri": "dashdot",
    "tpi_eselon1": "longdashdot",
    "tpi": "longdash",
    "tpn": "solid",
}

# --- a unit against its peer group ---------------------------------------------------
UNIT_COLOR = BLUE
PEER_COLOR = GREY

# --- predicate threshold rings / lines ----------------------------------------------
WBK_COLOR = BLUISH_GREEN
WBBM_COLOR = REDDISH_PURPLE
WBK_DASH = "dash"
WBBM_DASH = "dot"

# --- pass / fail: colour AND symbol, never red/green alone ---------------------------
PASS_COLOR = BLUE
FAIL_COLOR = VERMILLION
PASS_SYMBOL = "✓"
FAIL_SYMBOL = "✗"

# --- predicate timeline statuses -------------------------------------------------------
STATUS_COLORS: dict[str, str] = {
    "earned": BLUE,
    "kept": SKY_BLUE,
    "revoked": VERMILLION,
}
STATUS_SYMBOLS: dict[str, str] = {
    "earned": "star",
    "kept": "circle",
    "revoked": "x",
}

# Any further series (many units on one chart) cycle through these, unit blue first; the colours of
# the WBK/WBBM rings and lines come last, so the first five series never look like a threshold.
SERIES_COLORS: tuple[str, ...] = (BLUE, ORANGE, SKY_BLUE, VERMILLION, GREY, BLUISH_GREEN, REDDISH_PURPLE)


@dataclass(frozen=True)
class Surface:
    """Background, text and grid colours of one presentation variant."""

    background: str
    plot_background: str
    text: str
    muted_text: str
    grid: str
    zero_line: str


LIGHT = Surface(
    background="#FFFFFF",
    plot_background="#FFFFFF",
    text="#1A1A1A",
    muted_text="#555555",
    grid="#DDDDDD",
    zero_line="#444444",
)

DARK = Surface(
    background="#111418",
    plot_background="#111418",
    text="#F2F2F2",
    muted_text="#BBBBBB",
    grid="#3A3F45",
    zero_line="#CCCCCC",
)


def surface(dark: bool = False) -> Surface:
    """The light (default) or dark (presentation) surface colours."""
    return DARK if dark else LIGHT


def series_color(index: int) -> str:
    """Colour of the index-th generic series (cycles)."""
    return SERIES_COLORS[index % len(SERIES_COLORS)]


def stage_color(stage: str) -> str:
    """Colour for an assessor stage code ('mandiri', 'tpi_eselon1', 'tpi', 'tpn'); grey if unknown."""
    return STAGE_COLORS.get(stage.lower(), GREY)


def pass_fail(passed: bool) -> tuple[str, str]:
    """(colour, symbol) for a rule result."""
    return (PASS_COLOR, PASS_SYMBOL) if passed else (FAIL_COLOR, FAIL_SYMBOL)


# --- sequential colourscale for % of max (heatmaps) -----------------------------------
# Stepped in three bands with hard breaks (a repeated stop position is a hard step) at
# the predicate area minimums, so a cell's band tells at a glance whether the area meets
# neither, the WBK (60 %) or also the WBBM (75 %) minimum. Within a band the colour
# still darkens with the value (sequential); the bands are orange -> light blue -> dark
# blue: no red/green contrast.
BAND_BREAKS: tuple[float, float] = (0.60, 0.75)

# (start, end) colour of each band: below WBK, WBK met, WBBM met
HEATMAP_BANDS: tuple[tuple[str, str], ...] = (
    ("#FBE3CC", "#E69F00"),
    ("#C6E2F5", "#56B4E9"),
    ("#4A90C8", "#08306B"),
)


def heatmap_colorscale(wbk_percent: float = 60, wbbm_percent: float = 75) -> list[list[float | str]]:
    """Plotly colourscale over 0–100 % with hard breaks at the two area minimums."""
    lo, hi = wbk_percent / 100, wbbm_percent / 100
    if not 0 < lo < hi < 1:
        raise ValueError("need 0 < WBK < WBBM < 100")
    (a0, a1), (b0, b1), (c0, c1) = HEATMAP_BANDS
    return [[0.0, a0], [lo, a1], [lo, b0], [hi, b1], [hi, c0], [1.0, c1]]


HEATMAP_COLORSCALE: list[list[float | str]] = heatmap_colorscale(*(b * 100 for b in BAND_BREAKS))


def heatmap_band_color(band: int) -> str:
    """A representative colour of band 0 (below WBK), 1 (WBK met) or 2 (WBBM met) for legends."""
    return HEATMAP_BANDS[band][1]


def heatmap_text_color(percent: float | None) -> str:
    """Readable text colour on top of a heatmap cell with this % of max."""
    if percent is None:
        return LIGHT.text
    return "#FFFFFF" if percent >= 75 else LIGHT.text
