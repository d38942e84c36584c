"""Chart builders: structure of the figures (no browser), plus one real PNG render through kaleido."""

from __future__ import annotations

import json
import os
import struct

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from zi_metrics import charts, palette

AREAS = ["MP", "TT", "SDM", "AK", "PW", "PP"]
LABELS = {
    "MP": "Manajemen Perubahan",
    "TT": "Penataan Tatalaksana",
    "SDM": "Penataan Sistem Manajemen SDM Aparatur",
    "AK": "Penguatan Akuntabilitas Kinerja",
    "PW": "Penguatan Pengawasan",
    "PP": "Peningkatan Kualitas Pelayanan Publik",
}
UNIT = {"MP": 80.0, "TT": 55.555, "SDM": 70.0, "AK": 90.0, "PW": 62.0, "PP": 77.0}
PEER = {"MP": 60.0, "TT": 65.0, "SDM": 60.0, "AK": 70.0, "PW": None, "PP": 67.0}


def _role(fig: go.Figure, role: str) -> list:
    return [tr for tr in fig.data if (tr.meta or {}).get("role") == role]


# --------------------------------------------------------------------------- radar


def _radar(**kwargs) -> go.Figure:
    return charts.radar_figure([("Unit A", UNIT), ("Peer", PEER)], LABELS, AREAS, **kwargs)


def test_radar_traces_and_fixed_axis():
    fig = _radar()
    assert all(isinstance(tr, go.Scatterpolar) for tr in fig.data)
    series = _role(fig, "series")
    assert [tr.name for tr in series] == ["Unit A", "Peer"]
    radial = fig.layout.polar.radialaxis
    assert tuple(radial.range) == (0, 100)
    assert radial.autorange is False
    assert fig.layout.polar.angularaxis.rotation == 90
    assert fig.layout.polar.angularaxis.direction == "clockwise"
    # a small template of its own (every colour is set explicitly), not a copy of plotly's
    assert fig.layout.template.layout.hovermode == "closest" and not fig.layout.template.data.scatter


def test_radar_polygons_are_closed_in_area_order():
    fig = _radar()
    unit, peer = _role(fig, "series")
    assert list(unit.r) == [80.0, 55.555, 70.0, 90.0, 62.0, 77.0, 80.0]
    assert unit.r[0] == unit.r[-1] and unit.theta[0] == unit.theta[-1]
    assert len(unit.theta) == len(AREAS) + 1
    # first area at the top: the first theta is the first area of area_order
    assert unit.theta[0].replace("<br>", " ") == LABELS["MP"]
    # a missing area stays a gap (not a zero) and such a polygon is not filled
    assert peer.r[4] is None
    assert peer.fill == "none" and unit.fill == "toself"


def test_radar_rings_at_60_and_75():
    fig = _radar()
    rings = _role(fig, "ring")
    assert [tr.name for tr in rings] == ["Menuju WBK 60%", "Menuju WBBM 75%"]
    for tr, value in zip(rings, (60, 75), strict=True):
        assert set(tr.r) == {value}
        assert len(tr.r) == len(AREAS) + 1 and tr.theta[0] == tr.theta[-1]
        assert tr.line.dash in ("dash", "dot")
    assert rings[0].line.color == palette.WBK_COLOR
    assert rings[1].line.color == palette.WBBM_COLOR
    # custom rings, Indonesian decimal comma in the name
    custom = charts.radar_figure([("A", UNIT)], LABELS, AREAS, rings={"WBK": 62.5})
    assert [tr.name for tr in _role(custom, "ring")] == ["Menuju WBK 62,50%"]


def test_radar_hover_has_two_decimals_in_the_language():
    unit = _role(_radar(), "series")[0]
    assert [c[1] for c in unit.customdata][:2] == ["80,00", "55,56"]
    unit_en = _role(_radar(lang="en"), "series")[0]
    assert unit_en.customdata[1][1] == "55.56"
    assert "%{customdata[1]}" in unit.hovertemplate


def test_radar_text_overrides_and_presentation_variant():
    fig = _radar(text={"chart.radar.title": "Judul sendiri"}, dark=True, large=True)
    assert fig.layout.title.text == "Judul sendiri"
    assert fig.layout.paper_bgcolor == palette.DARK.background
    assert fig.layout.font.color == palette.DARK.text
    assert fig.layout.font.size > _radar().layout.font.size
    assert _radar().layout.paper_bgcolor == palette.LIGHT.background


def test_radar_is_laid_out_for_reading():
    fig = _radar()
    layout = fig.layout
    margin = layout.margin
    # the polar circle gets at least 420 px of height; the labels and the legend get margins
    assert layout.height - margin.t - margin.b >= 420
    assert margin.l == margin.r and margin.l >= 90  # wrapped area names beside the circle
    assert layout.legend.orientation == "h" and layout.legend.y < 0 and layout.legend.yanchor == "top"
    # the legend starts below the bottom area label: its offset (paper units of the circle's height)
    # leaves at least the three lines of "Penguatan Akuntabilitas Kinerja"
    assert -layout.legend.y * (layout.height - margin.t - margin.b) >= 3 * 14
    assert _role(fig, "series")[0].theta[3] == "Penguatan<br>Akuntabilitas<br>Kinerja"
    # radial ticks: no 0 at the centre, on a horizontal axis between two spokes (six areas: 0 degrees)
    radial = layout.polar.radialaxis
    assert list(radial.tickvals) == [20, 40, 60, 80, 100] and radial.angle == 0
    five = charts.radar_figure([("A", UNIT)], LABELS, AREAS[:5])
    assert five.layout.polar.radialaxis.angle % 36 != 0  # never on a spoke (spokes every 72 degrees from 90)
    # a bigger circle on request, and codes as labels need less room
    assert charts.radar_figure([("A", UNIT)], LABELS, AREAS, diameter=600).layout.height > layout.height
    codes = charts.radar_figure([("A", UNIT)], {c: c for c in AREAS}, AREAS)
    assert codes.layout.margin.l < margin.l


def test_radar_series_differ_by_colour_dash_and_symbol():
    fig = _radar(series_colors=[palette.STAGE_COLORS["tpi"], palette.STAGE_COLORS["tpn"]],
                 series_symbols=[palette.STAGE_SYMBOLS["tpi"], palette.STAGE_SYMBOLS["tpn"]],
                 series_dashes=[palette.STAGE_DASHES["tpi"], palette.STAGE_DASHES["tpn"]])
    unit, peer = _role(fig, "series")
    assert (unit.line.color, unit.line.dash, unit.marker.symbol) == (palette.ORANGE, "longdash", "square")
    assert (peer.line.color, peer.line.dash, peer.marker.symbol) == (palette.BLUE, "solid", "diamond")
    rings = _role(fig, "ring")
    # rings: thinner, unmarked, in colours no stage uses
    assert all(r.mode == "lines" and r.line.width < unit.line.width for r in rings)
    assert not {r.line.color for r in rings} & set(palette.STAGE_COLORS.values())


def test_the_fast_radar_path_gives_the_same_figure():
    names = ["Saat ini", "Simulasi"]
    template = charts.radar_template(LABELS, AREAS, names, {"WBK": 60, "WBBM": 75},
                                     series_colors=[palette.PEER_COLOR, palette.UNIT_COLOR], lang="en")
    before = json.dumps(template, sort_keys=True)
    fast = charts.radar_fill(template, [UNIT, PEER])
    slow = charts.radar_figure(list(zip(names, [UNIT, PEER], strict=True)), LABELS, AREAS, {"WBK": 60, "WBBM": 75},
                               series_colors=[palette.PEER_COLOR, palette.UNIT_COLOR], lang="en")
    assert json.loads(fast.to_json()) == json.loads(slow.to_json())
    # plain data, never changed by a fill; only the series traces are new objects
    assert json.dumps(template, sort_keys=True) == before
    spec = charts.radar.radar_spec(template, [PEER, UNIT])
    assert spec["layout"] is template["layout"]
    assert [a is b for a, b in zip(spec["data"], template["data"], strict=True)] == [True, True, False, False]
    assert spec["data"][2]["r"][0] == PEER["MP"] and spec["data"][2]["fill"] == "none"  # PW is missing
    assert spec["data"][3]["customdata"][1] == ["Penataan Tatalaksana", "55.56"]
    # the template is valid Plotly: validating it raises nothing
    go.Figure(spec)
    with pytest.raises(ValueError, match="2 series"):
        charts.radar_fill(template, [UNIT])


# --------------------------------------------------------------------------- heatmap


def test_heatmap_bands_and_range():
    percents = [[50, 61.234, 75, 80, None, 99], [59.999, 60, 74.995, 75, 100, 0]]
    fig = charts.heatmap_figure(["Itjen", "Ditjen PKTrans"], AREAS, percents, LABELS)
    (hm,) = fig.data
    assert isinstance(hm, go.Heatmap)
    assert (hm.zmin, hm.zmax) == (0, 100)
    stops = [pos for pos, _ in hm.colorscale]
    # hard breaks: each threshold appears twice, with a different colour on each side
    assert stops.count(0.6) == 2 and stops.count(0.75) == 2
    colours = dict(zip(range(len(hm.colorscale)), (c for _, c in hm.colorscale), strict=True))
    i60, i75 = stops.index(0.6), stops.index(0.75)
    assert colours[i60] != colours[i60 + 1] and colours[i75] != colours[i75 + 1]
    assert stops[0] == 0.0 and stops[-1] == 1.0
    assert list(hm.colorbar.tickvals) == [0, 60, 75, 100]
    # cell text: two decimals, missing shown as a dash
    assert list(hm.text[0][:2]) == ["50,00", "61,23"]
    assert hm.text[0][4] == "–"
    assert hm.z[0][4] is None
    # the band legend names both boundaries
    legend = " ".join(a.text for a in fig.layout.annotations)
    assert "60%" in legend and "75%" in legend and "Menuju WBBM" in legend


def test_heatmap_checks_its_shape():
    with pytest.raises(ValueError):
        charts.heatmap_figure(["A", "B"], AREAS, [[1] * 6], LABELS)
    with pytest.raises(ValueError):
        charts.heatmap_figure(["A"], AREAS, [[1] * 5], LABELS)


def test_heatmap_other_thresholds_move_the_breaks():
    fig = charts.heatmap_figure(["A"], AREAS, [[1] * 6], LABELS, thresholds=(50, 80))
    stops = [pos for pos, _ in fig.data[0].colorscale]
    assert stops.count(0.5) == 2 and stops.count(0.8) == 2


# --------------------------------------------------------------------------- progress


def test_progress_lines_years_and_fitted_axis():
    series = [("Itjen", [(2019, 70.0), (2018, 65.5), (2021, 80.0)]), ("Ditjen", [(2018, 60.0), (2021, 88.0)])]
    fig = charts.progress_figure(series)
    lines = list(fig.data)
    assert all(isinstance(tr, go.Scatter) and tr.mode == "lines+markers" for tr in lines)
    # only years with a value are on the axis (2020 is not), in order; a skipped year breaks the
    # line (a None half-way) and is marked by a band
    assert list(fig.layout.xaxis.ticktext) == ["2018", "2019", "2021"]
    assert list(fig.layout.xaxis.tickvals) == [0, 1, 2]
    assert list(lines[0].x) == [0, 1, 1.5, 2] and list(lines[0].y) == [65.5, 70.0, None, 80.0]
    assert [c[0] for c in lines[0].customdata] == [2018, 2019, None, 2021]  # the hover says the year
    assert lines[0].customdata[0][1] == "65,50"
    assert list(lines[1].x) == [0, 1.5, 2] and list(lines[1].y) == [60.0, None, 88.0]
    bands = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [(b.x0, b.x1) for b in bands] == [(1 - 0.12, 1 + 0.12)] or len(bands) == 1
    hlines = sorted(shape.y0 for shape in fig.layout.shapes if shape.type == "line")
    assert hlines == [75, 85]
    # the lines' labels sit in the right margin (paper x = 1, left-anchored), at the lines' heights
    labels = {a.text: a for a in fig.layout.annotations}
    assert set(labels) == {"Menuju WBK 75", "Menuju WBBM 85"}
    assert all(a.xref == "paper" and a.x == 1 and a.xanchor == "left" for a in labels.values())
    assert labels["Menuju WBBM 85"].y == 85 and fig.layout.margin.r >= 100
    # the y axis fits the data and both lines, not 0-100
    assert tuple(fig.layout.yaxis.range) == (55, 95)
    assert tuple(charts.progress_figure(series, y_range=(0, 100)).layout.yaxis.range) == (0, 100)


def test_progress_a_missing_total_breaks_the_line():
    fig = charts.progress_figure([("A", [(2022, 70.0), (2023, None), (2024, 72.0)]), ("B", [(2023, 71.0)])])
    a = fig.data[0]
    assert list(a.y) == [70.0, None, 72.0] and list(a.x) == [0, 1.5, 2]


def test_fitted_range():
    assert charts.fitted_range([80, 82]) == (75, 85)  # at least 10 wide, ends on multiples of 5
    assert charts.fitted_range([2, 99]) == (0, 100)  # never beyond 0-100
    assert charts.fitted_range([]) == (0, 100)


def test_progress_and_radar_series_symbols_and_dashes_tell_stages_apart():
    stages = ["mandiri", "tpi", "tpn"]
    series = [(s, [(2024, 70.0 + i), (2025, 75.0 + i)]) for i, s in enumerate(stages)]
    fig = charts.progress_figure(
        series,
        series_colors=[palette.STAGE_COLORS[s] for s in stages],
        series_symbols=[palette.STAGE_SYMBOLS[s] for s in stages],
        series_dashes=["dot", None, "solid"],
    )
    assert [tr.marker.symbol for tr in fig.data] == ["circle", "square", "diamond"]
    assert [tr.line.dash for tr in fig.data] == ["dot", "solid", "solid"]  # None -> solid
    assert [tr.line.color for tr in fig.data] == [palette.STAGE_COLORS[s] for s in stages]
    plain = charts.progress_figure(series[:1])
    assert plain.data[0].marker.symbol == "circle" and plain.data[0].line.dash == "solid"

    radar = charts.radar_figure(
        [("TPI", {"MP": 70}), ("TPN", {"MP": 65})], {"MP": "Manajemen Perubahan"}, ["MP"],
        series_symbols=[palette.STAGE_SYMBOLS["tpi"]],
    )
    series_traces = [tr for tr in radar.data if tr.meta["role"] == "series"]
    assert [tr.marker.symbol for tr in series_traces] == ["square", "circle"]  # missing entry -> circle


# --------------------------------------------------------------------------- drift


def test_drift_is_tpn_minus_tpi_around_zero():
    rows = [("Itjen", 2021, 80.0, 77.5), ("Ditjen", 2021, 70.0, 72.25), ("X", 2022, None, 3.0)]
    (bar,) = charts.drift_figure(rows).data
    assert list(bar.x) == [-2.5, 2.25]  # the row without a TPI total is left out
    assert list(bar.text) == ["-2,50", "+2,25"]
    assert list(bar.marker.color) == [palette.FAIL_COLOR, palette.PASS_COLOR]
    fig = charts.drift_figure(rows)
    lo, hi = fig.layout.xaxis.range
    assert lo == -hi and hi > 2.5  # symmetric around the zero line
    assert fig.layout.xaxis.zeroline is True


# --------------------------------------------------------------------------- gaps


def test_gap_bars_sorted_descending():
    items = [("total", 2.5), ("pengungkit", 0.0), ("Area PW", 5.25), ("Hasil", 1.1), ("x", None)]
    fig = charts.gap_bar_figure(items)
    (bar,) = fig.data
    assert bar.orientation == "h"
    assert list(bar.y) == ["Area PW", "total", "Hasil"]  # no gap -> not drawn
    assert list(bar.x) == sorted(bar.x, reverse=True)
    assert fig.layout.yaxis.autorange == "reversed"  # first (largest) at the top
    assert bar.text[0] == "kurang 5,25 poin"
    assert charts.gap_bar_figure(items, lang="en").data[0].text[0] == "5.25 points short"


def test_areas_holding_back_sorted_with_area_order_for_ties():
    fig = charts.areas_holding_back_figure(
        {"PW": 5, "SDM": 2, "MP": 2, "PP": 0}, area_labels=LABELS, area_order=AREAS, total_units=8
    )
    (bar,) = fig.data
    assert list(bar.meta["codes"]) == ["PW", "MP", "SDM", "PP"]
    assert list(bar.y)[0].replace("<br>", " ") == LABELS["PW"]  # wrapped for narrow columns
    assert "<br>" in list(bar.y)[0]
    assert list(bar.text) == ["5 / 8", "2 / 8", "2 / 8", "0 / 8"]


# --------------------------------------------------------------------------- timeline


def test_timeline_status_colour_and_symbol():
    events = [
        {"unit": "Itjen", "year": 2019, "predicate": "Menuju WBK", "status": "earned"},
        {"unit": "Itjen", "year": 2021, "predicate": "Menuju WBK", "status": "kept"},
        {"unit": "Ditjen", "year": 2020, "predicate": "Menuju WBK", "status": "earned"},
        {"unit": "Ditjen", "year": 2022, "predicate": "Menuju WBK", "status": "revoked"},
    ]
    fig = charts.timeline_figure(events, lang="en")
    by_status = {tr.meta["status"]: tr for tr in _role(fig, "series")}
    assert set(by_status) == {"earned", "kept", "revoked"}
    assert by_status["revoked"].marker.symbol == palette.STATUS_SYMBOLS["revoked"]
    assert by_status["revoked"].marker.color == palette.VERMILLION
    assert by_status["earned"].name == "earned"
    assert charts.timeline_figure(events).data[-1].name == "dicabut"
    assert list(by_status["earned"].x) == [2019, 2020]
    assert list(fig.layout.yaxis.categoryarray) == ["Itjen", "Ditjen"]
    with pytest.raises(ValueError, match="status"):
        charts.timeline_figure([{"unit": "A", "year": 2020, "predicate": "Menuju WBK", "status": "won"}])


# --------------------------------------------------------------------------- shared


@pytest.mark.parametrize(
    "build",
    [
        lambda **kw: charts.radar_figure([("A", UNIT)], LABELS, AREAS, **kw),
        lambda **kw: charts.heatmap_figure(["A"], AREAS, [[1] * 6], LABELS, **kw),
        lambda **kw: charts.progress_figure([("A", [(2020, 70)])], **kw),
        lambda **kw: charts.drift_figure([("A", 2020, 70, 71)], **kw),
        lambda **kw: charts.gap_bar_figure([("total", 1)], **kw),
        lambda **kw: charts.areas_holding_back_figure({"MP": 1}, **kw),
        lambda **kw: charts.timeline_figure(
            [{"unit": "A", "year": 2020, "predicate": "Menuju WBK", "status": "earned"}], **kw
        ),
    ],
)
def test_every_builder_shares_template_language_and_variants(build):
    light = build()
    assert light.layout.separators == ",."
    assert build(lang="en").layout.separators == ".,"
    assert light.layout.paper_bgcolor == palette.LIGHT.background
    dark = build(dark=True, large=True)
    assert dark.layout.paper_bgcolor == palette.DARK.background
    assert dark.layout.font.size > light.layout.font.size
    if (light.layout.meta or {}).get("chart") == "radar":
        assert light.layout.template.layout.hovermode == "closest"  # its own small template
    else:
        assert light.layout.template == pio.templates["plotly_white"]
    light.to_json()  # serialisable for st.plotly_chart


def test_empty_inputs_still_give_a_figure():
    assert len(charts.gap_bar_figure([]).data[0].x) == 0
    assert len(charts.drift_figure([]).data[0].x) == 0
    assert charts.timeline_figure([]).data == ()
    assert charts.progress_figure([]).layout.shapes
    assert charts.heatmap_figure([], AREAS, [], LABELS).layout.height > 0


# --------------------------------------------------------------------------- static export


def test_export_without_a_browser_is_a_clear_error(monkeypatch, tmp_path):
    charts.stop_image_server()
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "nope"))
    with pytest.raises(RuntimeError, match="BROWSER_PATH"):
        charts.find_chromium()
    with pytest.raises(RuntimeError, match="BROWSER_PATH"):
        charts.figure_to_image(go.Figure(), "png")
    monkeypatch.delenv("BROWSER_PATH")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(charts.images.os.path, "isfile", lambda p: False)
    with pytest.raises(RuntimeError, match="apt-get install -y chromium"):
        charts.find_chromium()


def test_figure_to_image_rejects_unknown_formats():
    with pytest.raises(ValueError, match="png, pdf or svg"):
        charts.figure_to_image(go.Figure(), fmt="gif")  # type: ignore[arg-type]


@pytest.mark.browser
@pytest.mark.skipif(
    not os.path.exists("/usr/bin/chromium"), reason="needs Debian's Chromium at /usr/bin/chromium"
)
def test_png_render_through_kaleido():
    fig = charts.radar_figure([("Unit A", UNIT)], LABELS, AREAS)
    try:
        png = charts.figure_to_image(fig, "png", width=640, height=480)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])  # IHDR
        assert (width, height) == (640, 480)
        pdf = charts.figure_to_image(fig, "pdf", width=640, height=480)
        assert pdf.startswith(b"%PDF-")
    finally:
        charts.stop_image_server()
