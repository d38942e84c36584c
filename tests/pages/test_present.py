"""AppTest of the Presentasi page: the deck from the URL, next/previous, notices for bad URL values.

The URL write-back of a real browser is covered in tests/browser/test_present.py; here the page runs
in-process with the seeded demo database (tests/pages/conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ui.present import SUMMARY_ROWS, deck_size, parse_slide, parse_units, slide_content, summary_slides
from zi_metrics import analytics
from zi_metrics.i18n import t
from zi_metrics.store import Store

PAGE = "views/present.py"
YEAR, STAGE = 2024, "tpi"


def _round(db: Path) -> list[str]:
    """The unit ids of the demo round used here, in rank order."""
    return list(analytics.round_overview(Store(db), YEAR, STAGE)["unit_id"])


def _open(app, **params: str):
    for key, value in {"tahun": str(YEAR), "tahap": STAGE, **params}.items():
        app.query_params[key] = value
    at = app.run()
    assert not at.exception, at.exception
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _bodies(at) -> list[str]:
    return [el.proto.body for el in at.get("html")]


def _counter(at) -> tuple[int, int]:
    for body in _bodies(at):
        match = re.search(r'class="zi-deck zi-slide-counter" data-slide="(\d+)" data-total="(\d+)"', body)
        if match:
            return int(match.group(1)), int(match.group(2))
    raise AssertionError("no slide counter on the page")


def _counter_text(at) -> str:
    for body in _bodies(at):
        match = re.search(r'zi-slide-counter[^>]*>([^<]+)<', body)
        if match:
            return match.group(1)
    raise AssertionError("no slide counter on the page")


def _heading(at) -> str:
    for body in _bodies(at):
        match = re.search(r'<h1 title="([^"]+)"', body)
        if match:
            return match.group(1)
    raise AssertionError("no slide heading")


def _rule_table(at) -> str:
    tables = [b for b in _bodies(at) if 'class="zi-rules"' in b]
    assert len(tables) == 1, "one rule table on a unit slide"
    return tables[0]


# --------------------------------------------------------------------------- the deck


def test_the_deck_has_a_summary_slide_and_one_slide_per_unit(app, app_db):
    units = _round(app_db)[:3]
    at = _open(app, units=",".join(units))
    assert _counter(at) == (1, 1 + 2 * len(units))  # two slides a unit: its standing, its progress
    assert _counter_text(at) == f"Slide 1 dari {1 + 2 * len(units)}"
    assert _heading(at) == f"Zona Integritas {YEAR} · TPI"
    # the summary: units, how many meet WBK / WBBM, and the area heatmap of exactly these units
    frame = analytics.round_overview(Store(app_db), YEAR, STAGE).set_index("unit_id").loc[units]
    tiles = next(b for b in _bodies(at) if "zi-tiles" in b)
    head = analytics.headline(frame.reset_index())
    for value in (head["units"], head["wbk"], head["wbbm"]):
        assert f'<div class="zi-tile-value">{value}</div>' in tiles
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    import json

    heat = json.loads(charts[0].proto.spec)["data"][0]
    assert heat["type"] == "heatmap"
    assert heat["y"] == list(frame["short_name"])
    # the synthetic-data note is on every slide
    assert any("Data sintetis" in b for b in _bodies(at))


def test_next_and_previous_step_through_the_units_in_url_order(app, app_db):
    units = _round(app_db)
    chosen = [units[2], units[0]]  # not rank order: the URL's order is the slide order
    names = analytics.units_by_id(Store(app_db))
    at = _open(app, units=",".join(chosen))
    assert at.button(key="zi_slide_prev").disabled
    at.button(key="zi_slide_next").click().run()
    assert _counter(at) == (2, 5)
    assert _heading(at) in (names[chosen[0]]["name"], names[chosen[0]]["short_name"])
    table = _rule_table(at)
    assert "Menuju WBK" in table and "Menuju WBBM" in table
    assert at.get("plotly_chart"), "the unit slide draws its radar and progress charts"
    at.button(key="zi_slide_next").click().run()  # the first unit's progress
    assert _counter(at) == (3, 5)
    assert _heading(at) in (names[chosen[0]]["name"], names[chosen[0]]["short_name"])
    assert not any('class="zi-rules"' in b for b in _bodies(at))
    at.button(key="zi_slide_next").click().run()
    assert _counter(at) == (4, 5)
    assert _heading(at) in (names[chosen[1]]["name"], names[chosen[1]]["short_name"])
    at.button(key="zi_slide_next").click().run()
    assert _counter(at) == (5, 5)
    assert at.button(key="zi_slide_next").disabled
    at.button(key="zi_slide_prev").click().run()
    assert _counter(at) == (4, 5)
    assert not at.exception


def test_a_unit_slide_shows_radar_rule_table_and_progress(app, app_db):
    store = Store(app_db)
    unit = _round(app_db)[-1]  # the weakest unit of the round fails some rules
    at = _open(app, units=unit, slide="2")
    import json

    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    kinds = sorted(f["data"][0]["type"] for f in figures)
    assert kinds == ["scatterpolar"]
    rnd = analytics.round_for(analytics.unit_rounds(store, unit), YEAR, STAGE)
    radar = next(f for f in figures if f["data"][0]["type"] == "scatterpolar")
    series = [t for t in radar["data"] if t.get("meta", {}).get("role") == "series"]
    percents = analytics.area_percents(rnd)
    assert [round(v, 6) for v in series[0]["r"][:-1]] == [round(percents[c], 6) for c in rnd.framework.area_codes]
    table = _rule_table(at)
    rules = analytics.rule_table(rnd.evaluation)
    assert table.count("<tr data-rule=") == rules["rule"].nunique()
    failing = rules[~rules["passed"]]
    assert table.count("✗") == len(failing)
    assert table.count("✓") == len(rules) - len(failing)
    # a failing cell says by how much, under the "kurang" heading of its predicate
    assert table.count(">kurang</th>") == 2 and table.count(">syarat</th>") == 2
    for gap in failing["gap"].dropna():
        assert f"✗ {gap:.2f}".replace(".", ",") in table


def test_a_progress_slide_shows_every_stage_and_the_predicate_history(app, app_db):
    import json

    store = Store(app_db)
    unit = "kemendesa-itjen"
    at = _open(app, units=unit, slide="3")
    figures = {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    assert set(figures) == {"zi_progress_chart", "zi_timeline_chart"}
    rounds = analytics.unit_rounds(store, unit)
    stages = [s for s in analytics.STAGES if any(r.stage == s for r in rounds)]
    progress = figures["zi_progress_chart"]
    assert [tr["name"] for tr in progress["data"]] == [t(f"stage_short.{s}") for s in stages]
    for trace, stage in zip(progress["data"], stages, strict=True):
        points = {c[0]: y for c, y in zip(trace["customdata"], trace["y"], strict=True) if y is not None}
        assert points == pytest.approx({r.year: r.scorecard.total for r in rounds if r.stage == stage}, abs=1e-9)
    statuses = {tr["meta"]["status"] for tr in figures["zi_timeline_chart"]["data"] if tr["meta"]["role"] == "series"}
    assert "earned" in statuses


def test_the_slide_number_comes_from_the_url(app, app_db):
    units = _round(app_db)[:2]
    names = analytics.units_by_id(Store(app_db))
    at = _open(app, units=",".join(units), slide="4")
    assert _counter(at) == (4, 5)
    assert _heading(at) in (names[units[1]]["name"], names[units[1]]["short_name"])
    assert not at.warning


@pytest.mark.parametrize("bad", ["9", "0", "-1", "abc", "2.5", "99999999999"])
def test_an_invalid_slide_number_in_the_url_is_ignored_with_a_notice(app, app_db, bad):
    units = _round(app_db)[:2]
    at = _open(app, units=",".join(units), slide=bad)
    assert _counter(at) == (1, 5)
    notices = [w.value for w in at.warning]
    assert any(f"'{bad}'" in n and "slide" in n.lower() for n in notices), notices


def test_unknown_units_in_the_url_are_ignored_with_a_notice(app, app_db):
    units = _round(app_db)[:1]
    at = _open(app, units=f"{units[0]},no-such-unit,{units[0]}")
    assert _counter(at) == (1, 3)  # the repeat and the unknown id are dropped
    assert any("no-such-unit" in w.value for w in at.warning)


def test_without_units_in_the_url_the_deck_shows_every_unit_of_the_round(app, app_db):
    at = _open(app)
    units = _round(app_db)
    assert len(units) > SUMMARY_ROWS, "the demo round needs more than one summary slide"
    parts = -(-len(units) // SUMMARY_ROWS)
    assert _counter(at) == (1, parts + 2 * len(units))


def test_many_units_page_the_summary_over_several_slides(app, app_db):
    import json

    units = _round(app_db)
    parts = -(-len(units) // SUMMARY_ROWS)
    at = _open(app)
    shown = []
    for part in range(1, parts + 1):
        assert _counter(at) == (part, parts + 2 * len(units))
        assert f"bagian {part} dari {parts}" in next(b for b in _bodies(at) if "zi-head" in b)
        (heat,) = [json.loads(c.proto.spec)["data"][0] for c in at.get("plotly_chart")]
        assert 0 < len(heat["y"]) <= SUMMARY_ROWS
        shown += heat["y"]
        at.button(key="zi_slide_next").click().run()
    # every unit once, in the deck's order; then the first unit's slide
    names = analytics.round_overview(Store(app_db), YEAR, STAGE).set_index("unit_id")["short_name"]
    assert shown == [names[u] for u in units]
    assert _counter(at) == (parts + 1, parts + 2 * len(units))
    assert any('class="zi-rules"' in b for b in _bodies(at))


def test_first_and_last_buttons(app, app_db):
    units = _round(app_db)[:3]
    at = _open(app, units=",".join(units))
    assert at.button(key="zi_slide_first").disabled
    at.button(key="zi_slide_last").click().run()
    assert _counter(at) == (7, 7)
    assert at.button(key="zi_slide_last").disabled and at.button(key="zi_slide_next").disabled
    at.button(key="zi_slide_first").click().run()
    assert _counter(at) == (1, 7)


def test_an_unknown_theme_is_ignored_with_a_notice_and_gelap_darkens_the_slide(app, app_db):
    units = _round(app_db)[:1]
    at = _open(app, units=units[0], tema="ungu")
    assert any("ungu" in w.value for w in at.warning)
    css = next(b for b in _bodies(at) if "<style>" in b and "zi-rules" in b)
    assert "#111418" not in css  # light
    at = _open(app, units=units[0], tema="gelap")
    css = next(b for b in _bodies(at) if "<style>" in b and "zi-rules" in b)
    assert "#111418" in css  # palette.DARK background
    assert '[data-testid="stSidebar"]' in css and "display: none" in css


def test_the_deck_is_written_back_to_the_url(app, app_db):
    units = _round(app_db)[:2]
    at = _open(app, units=",".join(units))
    at.button(key="zi_slide_next").click().run()
    assert at.query_params["units"] == [",".join(units)] or at.query_params["units"] == ",".join(units)
    slide = at.query_params["slide"]
    assert (slide[0] if isinstance(slide, list) else slide) == "2"


def test_english_from_the_url(app, app_db):
    units = _round(app_db)[:2]
    at = _open(app, units=",".join(units), lang="en")
    assert _counter_text(at) == "Slide 1 of 5"
    assert at.button(key="zi_slide_next").label == "Next"


def test_a_year_without_rounds_at_the_stage_is_not_an_exception(app):
    at = _open(app, tahun="2026", tahap="tpn")  # 2026 has no TPN round: the stage falls back, with a notice
    assert not at.exception


# --------------------------------------------------------------------------- URL parsing


def test_parse_units_keeps_known_ids_in_order_without_repeats():
    assert parse_units("b, a,,b,x,y,x", ["a", "b", "c"]) == (["b", "a"], ["x", "y"])
    assert parse_units("", ["a"]) == ([], [])


def test_slide_content_pages_the_summary():
    assert summary_slides(0) == 1 and summary_slides(SUMMARY_ROWS) == 1 and summary_slides(SUMMARY_ROWS + 1) == 2
    assert slide_content(1, 3) == ("summary", 0)
    assert [slide_content(k, 3) for k in (2, 3, 4, 7)] == [("unit", 0), ("progress", 0), ("unit", 1), ("progress", 2)]
    n = 2 * SUMMARY_ROWS + 1  # three summary slides
    assert deck_size(n) == 3 + 2 * n
    assert [slide_content(k, n) for k in (1, 3, 4, 5, 3 + 2 * n)] == [
        ("summary", 0), ("summary", 2), ("unit", 0), ("progress", 0), ("progress", n - 1)]


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("3", 3), (" 2 ", 2), ("4", None), ("0", None),
                                               ("-1", None), ("x", None), ("1.0", None), ("", None)])
def test_parse_slide(raw, expected):
    assert parse_slide(raw, 3) == expected
