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
