"""AppTest of the router and the Ringkasan page on the demo database."""

from __future__ import annotations

import pytest

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


# --------------------------------------------------------------------------- context travels with the link


def _open_row(at, unit_id: str):
    """What selecting a row does: its callback hands the unit to the next run, which opens the
    profile (the grid's own click is driven in tests/browser/test_pages.py)."""
    at.session_state["_ov_open"] = unit_id
    return at.run()


def test_a_row_opens_the_profile_on_the_same_year_and_stage(app):
    # The reported case: BBPLM Jakarta in Ringkasan 2025 TPI opened its 2026 TPI profile (84,45,
    # Menuju WBK) because switching pages cleared the sidebar's year; 2025 TPI is 80,40, no predicate.
    app.query_params["tahun"] = "2025"
    app.query_params["tahap"] = "tpi"
    at = app.run()
    at = _open_row(at, "kemendesa-balilatfo-bbplm-jakarta")
    assert not at.exception, at.exception
    assert at.title[0].value == "Profil unit"
    assert at.markdown[0].value == "### **Balai Besar Pelatihan Masyarakat Jakarta** · Tahun 2025 · Tahap TPI"
    assert at.metric[0].value == "80,40"
    assert "Belum ada predikat" in next(m.value for m in at.markdown if "Predikat tahap ini" in m.value)
    assert (at.session_state["tahun"], at.session_state["tahap"]) == (2025, "tpi")
    assert (at.query_params["tahun"], at.query_params["unit"]) == ("2025", "kemendesa-balilatfo-bbplm-jakarta")


def test_the_link_keeps_the_language_and_a_stage_that_is_not_the_latest(app):
    app.query_params["tahun"] = "2024"
    app.query_params["tahap"] = "mandiri"
    app.query_params["lang"] = "en"
    at = _open_row(app.run(), "kemendesa-itjen")
    assert not at.exception, at.exception
    assert at.title[0].value == "Unit profile"
    assert at.markdown[0].value.endswith("· Year 2024 · Stage: Self-assessment (penilaian mandiri)")
    assert (at.session_state["tahun"], at.session_state["tahap"], at.session_state["lang"]) == (2024, "mandiri", "en")


def test_the_overview_heading_names_year_and_stage(app):
    app.query_params["tahun"] = "2025"
    app.query_params["tahap"] = "tpn"
    at = app.run()
    assert at.title[0].value == "Ringkasan"
    assert at.markdown[0].value == "### Tahun 2025 · Tahap TPN"


@pytest.mark.parametrize(("page", "title"), [("views/profil.py", "Profil unit"),
                                             ("views/kesenjangan.py", "Analisis kesenjangan"),
                                             ("views/simulasi.py", "Simulasi")])
def test_every_unit_page_heading_names_unit_year_and_stage(app, page, title):
    from tests.pages.page_helpers import open_page

    at = open_page(app, page, unit="kemendesa-itjen", tahun="2024", tahap="mandiri")
    assert at.title[0].value == title
    assert at.markdown[0].value == "### **Inspektorat Jenderal** · Tahun 2024 · Tahap Penilaian mandiri"


def test_the_simulation_heading_names_the_round_it_starts_from(app):
    # Setjen's Biro Humas has no 2018 round: the simulation starts from its latest round, and says so.
    from tests.pages.page_helpers import open_page

    at = open_page(app, "views/simulasi.py", unit="kemendesa-setjen-biro-humas", tahun="2018", tahap="tpn")
    assert not at.exception, at.exception
    assert at.markdown[0].value == "### **Biro Hubungan Masyarakat dan Kerja Sama** · Tahun 2026 · Tahap TPI"
