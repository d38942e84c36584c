"""AppTest of the router and the Ringkasan page on the demo database."""

from __future__ import annotations

from zi_metrics import analytics
from zi_metrics.store import Store


def test_overview_lists_the_demo_units_of_the_latest_round(app, app_db):
    at = app.run()
    assert not at.exception, at.exception
    store = Store(app_db)
    year = max(store.years())
    stage = store.stages_for(year)[-1]
    expected = analytics.round_overview(store, year, stage)
    frames = at.dataframe
    assert frames, "the overview shows a table"
    shown = frames[0].value
    assert list(shown["unit"]) == list(expected["unit"])
    assert [round(x, 9) for x in shown["total"]] == [round(x, 9) for x in expected["total"]]
    # The demo banner says the scores are synthetic.
    assert any("sintetis" in c.value.lower() for c in at.caption)


def test_overview_opens_the_year_and_stage_given_in_the_url(app, app_db):
    app.query_params["tahun"] = "2018"
    at = app.run()
    assert not at.exception, at.exception
    store = Store(app_db)
    stage = store.stages_for(2018)[-1]
    expected = analytics.round_overview(store, 2018, stage)
    assert list(at.dataframe[0].value["unit"]) == list(expected["unit"])


def test_an_unknown_unit_in_the_url_is_ignored_with_a_notice(app):
    app.query_params["unit"] = "no-such-unit"
    at = app.run()
    assert not at.exception, at.exception
    assert any("no-such-unit" in w.value for w in at.warning)


# --------------------------------------------------------------------------- heatmap, filters, profile


def _heatmap(at) -> dict:
    import json

    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith("-ov_heatmap")]
    assert charts, "the overview draws the heatmap"
    return json.loads(charts[0].proto.spec)


def _latest_round(app_db):
    store = Store(app_db)
    year = max(store.years())
    return store, year, store.stages_for(year)[-1]


def test_heatmap_units_by_areas_in_percent_with_the_60_75_bands(app, app_db):
    at = app.run()
    assert not at.exception, at.exception
    store, year, stage = _latest_round(app_db)
    expected = analytics.round_overview(store, year, stage)
    trace = _heatmap(at)["data"][0]
    assert trace["type"] == "heatmap"
    assert trace["y"] == list(expected["short_name"])
    assert len(trace["z"]) == len(expected)
    for row, (_, unit) in zip(trace["z"], expected.iterrows(), strict=True):
        assert len(row) == 6
        assert all(0 <= v <= 100 for v in row)
        assert row == [unit[f"pct_{c}"] for c in ("MP", "TT", "SDM", "AK", "PW", "PP")]
    assert (trace["zmin"], trace["zmax"]) == (0, 100)
    # Hard colour breaks at 60 % and 75 % (a repeated stop), and the colour bar names both.
    stops = [s for s, _ in trace["colorscale"]]
    assert stops.count(0.6) == 2 and stops.count(0.75) == 2
    assert trace["colorbar"]["tickvals"] == [0, 60, 75, 100]
    # Each cell shows its value with two decimals, Indonesian style.
    assert all("," in cell for cell in trace["text"][0])


def test_filters_by_level_and_parent_reduce_the_rows(app, app_db):
    at = app.run()
    store, year, stage = _latest_round(app_db)
    full = analytics.round_overview(store, year, stage)
    at.multiselect(key="ov_level").set_value(["satker"]).run()
    assert not at.exception, at.exception
    shown = at.dataframe[0].value
    expected = full[full["level"] == "satker"]
    assert 0 < len(shown) < len(full)
    assert list(shown["unit"]) == list(expected["unit"])
    assert len(_heatmap(at)["data"][0]["y"]) == len(expected)
    assert at.metric[0].value == str(len(expected))  # headline figures follow the filter

    at.multiselect(key="ov_level").set_value([]).run()
    at.multiselect(key="ov_parent").set_value(["kemendesa-balilatfo"]).run()
    shown = at.dataframe[0].value
    under = {"kemendesa-balilatfo", "kemendesa-balilatfo-bbplm-jakarta", "kemendesa-balilatfo-bplm-yogyakarta"}
    assert list(shown["unit"]) == list(full[full["unit_id"].isin(under)]["unit"])
    assert 0 < len(shown) < len(full)


def test_filter_helpers(app_db):
    store, year, stage = _latest_round(app_db)
    full = analytics.round_overview(store, year, stage)
    units = analytics.units_by_id(store)
    parents = analytics.parent_options(units, full["unit_id"])
    assert parents[:2] == ["kemendesa", "kkp"]  # the top of the tree first
    kemendesa = analytics.filter_overview(full, units, ["kemendesa"])
    assert len(kemendesa) == (full["unit_id"] != "kkp-djpb-bbpbap-jepara").sum()
    assert analytics.filter_overview(full, units).equals(full)
    both = analytics.filter_overview(full, units, ["kemendesa"], ["eselon2"])
    assert set(both["level"]) == {"eselon2"}
    assert list(both["rank"]) == sorted(both["rank"])  # ranks of the whole round are kept


def test_a_busy_database_is_a_message_on_every_page_not_a_traceback(app, monkeypatch):
    from zi_metrics import store as store_module

    app.run()

    def busy(self, *args, **kwargs):
        raise store_module.StoreBusyError("database file zi.duckdb is busy: another process (pid 4242) holds it")

    from ui import state

    # The page's first read of the round finds the file held beyond the busy timeout.
    monkeypatch.setattr(state, "round_overview", busy)
    at = app.run()
    assert not at.exception, at.exception
    assert any("pid 4242" in e.value for e in at.error)
