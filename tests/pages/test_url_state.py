"""AppTest: view state read from the URL on the profile (the stages laid over the radar) and in the
simulator (sliders bound to ``?wi_<code>=``): known values are applied, unknown ones noticed like any
other bad parameter, never dropped in silence. (Progres's ?units=/?tahapan=: test_progress.py; the
URL written back by the browser and unknown pages: tests/browser/test_permalinks.py.)"""

from __future__ import annotations

import pytest
from page_helpers import chart_spec, open_page

UNIT = "kemendesa-itjen"  # 2024: penilaian mandiri, TPI and TPN rounds


def _warnings(at) -> str:
    return " ".join(w.value for w in at.warning)


def test_the_profile_overlays_the_stages_named_in_the_url(app):
    at = open_page(app, "views/profil.py", unit=UNIT, tahun="2024", tahap="tpi", tahapan="tpn,mandiri")
    assert at.multiselect(key="profil_stages").value == ["tpn", "mandiri"]
    series = [tr for tr in chart_spec(at, "unit_radar")["data"] if tr["meta"]["role"] == "series"]
    # the current stage first, then the overlays in assessment order, each with its own dash
    assert [tr["name"].split(" · ")[1] for tr in series] == ["TPI", "Mandiri", "TPN"]
    assert len({tr["line"]["dash"] for tr in series}) == 3
    assert not _warnings(at)


def test_an_unknown_stage_in_the_url_is_noticed(app):
    at = open_page(app, "views/profil.py", unit=UNIT, tahun="2024", tahap="tpi", tahapan="tpn,final,tpi")
    assert at.multiselect(key="profil_stages").value == ["tpn"]  # tpi is the stage shown, not an overlay
    warnings = _warnings(at)
    assert "'tahapan'" in warnings and "final" in warnings


@pytest.mark.parametrize(("param", "value"), [("wi_MP", "abc"), ("wi_MP", "99"), ("wi_MP", "-1"),
                                               ("wi_NOPE", "3"), ("wi_capaian_kinerja", "Z"),
                                               ("wi_survey_anti_korupsi", "nan")])
def test_a_bad_slider_value_in_the_url_is_noticed(app, param, value):
    at = open_page(app, "views/simulasi.py", unit=UNIT, tahun="2024", tahap="tpi", **{param: value})
    warnings = _warnings(at)
    assert f"'{param}'" in warnings and value in warnings, warnings


def test_good_slider_values_in_the_url_give_no_notice(app):
    at = open_page(app, "views/simulasi.py", unit=UNIT, tahun="2024", tahap="tpi", wi_MP="4.8",
                   wi_capaian_kinerja="B", wi_survey_anti_korupsi="3.7")
    assert "wi_" not in _warnings(at)


def test_a_write_right_after_the_run_pinned_its_data_reruns_the_same_page(app, app_db, monkeypatch):
    """A tab opens the profile while an import commits: the import lands after the run pinned its
    data version and before the sidebar's first read, so that read finds the database changed and
    the run is redone on the new data, on the profile again (a rerun asked for before st.navigation
    had chosen the page ran the default page: the reader landed on Ringkasan, as 1 of the 20
    sessions of tests/reliability/test_concurrency.py did now and then)."""
    from ui import state
    from zi_metrics.i18n import t
    from zi_metrics.store import Store

    at = app.run()
    assert not at.exception, at.exception
    importer = Store(app_db)
    unit = importer.get_unit(UNIT)
    real_begin_run = state.begin_run
    writes = []

    def begin_run_then_an_import_commits(store):
        real_begin_run(store)
        if not writes:
            importer.upsert_unit(unit, actor="importer")
            writes.append(importer.data_version())

    monkeypatch.setattr(state, "begin_run", begin_run_then_an_import_commits)
    # Where the rerun is asked for matters: a browser tab names its page by the address (/profil),
    # which only st.navigation resolves; a rerun asked for before it runs the default page. AppTest
    # opens pages by their hash, so it cannot show that landing itself: record when it is asked.
    import streamlit

    real_rerun = streamlit.rerun
    asked = []

    def recording_rerun(*args, **kwargs):
        key = getattr(state, "_NAVIGATED", "_zi_navigated")
        asked.append(at.session_state[key] if key in at.session_state else "before navigation")
        return real_rerun(*args, **kwargs)

    monkeypatch.setattr(streamlit, "rerun", recording_rerun)
    at.query_params["unit"] = UNIT
    at.switch_page("views/profil.py").run()
    assert not at.exception, at.exception
    assert writes, "the router did not begin a run: the race was not staged"
    assert at.session_state[state._VERSION][1] == writes[0], "the run did not redo itself on the new data"
    assert asked == [True], f"the rerun was asked for before st.navigation chose the page: {asked}"
    headings = " ".join(h.value for h in at.header) + " ".join(h.value for h in at.title)
    metrics = {m.label: m.value for m in at.metric}
    assert t("page.unit") in headings, headings
    assert t("unit.total_official") in metrics, metrics
