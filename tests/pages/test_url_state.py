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
