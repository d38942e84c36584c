"""AppTest of the Progres page on the demo database: totals by unit and stage with the 75/85 lines,
the predicate timeline and the TPN − TPI drift, checked against zi_metrics."""

from __future__ import annotations

import pytest
from page_helpers import chart_spec as _chart
from page_helpers import open_page

from zi_metrics import analytics
from zi_metrics.demo import KKP_PEER, PILOTS
from zi_metrics.i18n import t
from zi_metrics.store import Store

ITJEN = "kemendesa-itjen"
BBPLM = "kemendesa-balilatfo-bbplm-jakarta"  # WBK 2022, revoked March 2024
SETJEN = "kemendesa-setjen"  # never reaches the TPN





@pytest.fixture(scope="module")
def core(seeded_db):
    """Expected rounds and unit names from the seeded demo database (each test's app runs on a copy),
    scored by zi_metrics once per module and unit."""
    store, cache = Store(seeded_db), {}

    def rounds(units):
        for u in units:
            if u not in cache:
                cache[u] = analytics.unit_rounds(store, u)
        return {u: cache[u] for u in units}

    rounds.short = {u.id: u.short_name or u.name for u in store.list_units()}
    return rounds


def _points(trace: dict) -> dict[int, float]:
    """year -> total of one progress trace (x are positions on the axis, the years are in customdata)."""
    return {c[0]: y for c, y in zip(trace["customdata"], trace["y"], strict=True) if y is not None}


def test_opens_on_the_sidebar_unit_at_each_stage_with_fitted_axis_and_lines(app, core):
    at = _open(app, unit=ITJEN)
    assert at.multiselect(key="progres_units").value == [ITJEN]
    assert at.pills(key="progres_stages").value == list(analytics.STAGES)
    spec = _chart(at, "progress_totals")
    lines = [s for s in spec["layout"]["shapes"] if s["type"] == "line"]
    assert sorted(shape["y0"] for shape in lines) == [75, 85]
    # one trace per stage of the unit that has a round, stages in assessment order
    rounds = core([ITJEN])[ITJEN]
    expected = []
    for stage in analytics.STAGES:
        totals = {r.year: r.scorecard.total for r in rounds if r.stage == stage}
        if totals:
            expected.append((f"{core.short[ITJEN]} · {t(f'stage_short.{stage}')}", totals))
    traces = spec["data"]
    assert [tr["name"] for tr in traces] == [name for name, _ in expected]
    for trace, (_, totals) in zip(traces, expected, strict=True):
        assert _points(trace) == pytest.approx(totals, abs=1e-9)
    # the axis lists the years with a round only (2018, then 2022...), and the y axis fits the data
    years = sorted({r.year for r in rounds})
    assert spec["layout"]["xaxis"]["ticktext"] == [str(y) for y in years]
    assert 2018 in years and 2019 not in years
    all_totals = [v for _, totals in expected for v in totals.values()]
    low, high = spec["layout"]["yaxis"]["range"]
    assert low <= min(all_totals) and high >= max(all_totals) and high - low < 100
    assert low > 0 or min(all_totals) < 10
    # stages differ by colour, dash and marker
    assert len({(tr["line"]["color"], tr["line"]["dash"], tr["marker"]["symbol"]) for tr in traces}) == len(traces)
    assert len({tr["line"]["dash"] for tr in traces}) == len(traces)
    assert any(c.value == t("progress.recap_note") for c in at.caption)


def test_several_units_are_told_apart_by_colour_and_stages_by_dash(app, core):
    chosen = [ITJEN, *PILOTS, KKP_PEER]
    at = _open(app, unit=ITJEN, units=",".join(chosen), tahapan="tpi,tpn")
    assert at.multiselect(key="progres_units").value == chosen
    assert at.pills(key="progres_stages").value == ["tpi", "tpn"]
    traces = _chart(at, "progress_totals")["data"]
    by_unit = core(chosen)
    expected = [f"{core.short[u]} · {t(f'stage_short.{s}')}" for u in chosen for s in ("tpi", "tpn")
                if any(r.stage == s for r in by_unit[u])]
    assert [tr["name"] for tr in traces] == expected
    colour = {}
    for tr in traces:
        unit = tr["name"].split(" · ")[0]
        colour.setdefault(unit, set()).add(tr["line"]["color"])
    assert all(len(c) == 1 for c in colour.values()) and len({next(iter(c)) for c in colour.values()}) == len(chosen)
    assert {tr["line"]["dash"] for tr in traces if tr["name"].endswith("TPN")} == {"solid"}
    assert {tr["line"]["dash"] for tr in traces if tr["name"].endswith("TPI")} == {"longdash"}


def test_unknown_units_and_stages_in_the_url_are_noticed(app):
    at = _open(app, unit=ITJEN, units=f"{SETJEN},nobody", tahapan="tpn,final")
    assert at.multiselect(key="progres_units").value == [SETJEN]
    assert at.pills(key="progres_stages").value == ["tpn"]
    warnings = " ".join(w.value for w in at.warning)
    assert "nobody" in warnings and "'units'" in warnings
    assert "final" in warnings and "'tahapan'" in warnings


def test_drift_is_tpn_minus_tpi_from_the_stored_rounds(app, core):
    chosen = [ITJEN, *PILOTS, KKP_PEER]
    at = _open(app, unit=ITJEN, units=",".join(chosen))
    expected_labels, expected_values = [], []
    for unit, rounds in core(chosen).items():
        for year in sorted({r.year for r in rounds}):
            tpi = analytics.round_for(rounds, year, "tpi")
            tpn = analytics.round_for(rounds, year, "tpn")
            if tpi is not None and tpn is not None:
                expected_labels.append(f"{core.short[unit]} · {year}")
                expected_values.append(tpn.scorecard.total - tpi.scorecard.total)
    assert expected_values, "the demo has TPI and TPN rounds in the same year"
    (bars,) = _chart(at, "progress_drift")["data"]
    assert bars["y"] == expected_labels
    assert bars["x"] == pytest.approx(expected_values, abs=1e-9)


def test_timeline_earned_kept_revoked_and_a_stage_filter(app, core):
    at = _open(app, unit=ITJEN)
    at.multiselect(key="progres_units").set_value([ITJEN, BBPLM, SETJEN])
    at.pills(key="progres_stages").set_value(["tpn"])
    at.run()
    assert not at.exception, at.exception
    # only the TPN lines of the units that reached it (Setjen never did)
    traces = _chart(at, "progress_totals")["data"]
    assert [tr["name"] for tr in traces] == ["Itjen · TPN", "BBPLM Jakarta · TPN"]
    timeline = _chart(at, "progress_timeline")
    marks = {
        (y, x, tr["meta"]["status"])
        for tr in timeline["data"]
        if tr["meta"]["role"] == "series"
        for x, y in zip(tr["x"], tr["y"], strict=True)
    }
    assert ("BBPLM Jakarta", 2022, "earned") in marks
    assert ("BBPLM Jakarta", 2024, "revoked") in marks
    assert ("Itjen", 2022, "earned") in marks and ("Itjen", 2025, "earned") in marks
    assert ("Itjen", 2023, "kept") in marks
    assert not any(unit == "Setjen" for unit, _, _ in marks)


def test_the_comparison_follows_the_sidebar_unit(app):
    at = _open(app, unit=ITJEN)
    # compared alone, the sidebar's unit is replaced by the next one chosen there
    at.selectbox(key="unit").set_value(BBPLM)
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="progres_units").value == [BBPLM]
    # a comparison the user made keeps its units, and the new sidebar unit joins it
    at.multiselect(key="progres_units").set_value([BBPLM, SETJEN])
    at.run()
    at.selectbox(key="unit").set_value(ITJEN)
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="progres_units").value == [ITJEN, BBPLM, SETJEN]


def test_no_unit_chosen_says_what_to_do(app):
    at = _open(app, unit=ITJEN)
    at.multiselect(key="progres_units").set_value([])
    at.run()
    assert not at.exception, at.exception
    assert any(i.value == t("progress.no_units") for i in at.info)
    assert not at.get("plotly_chart")


@pytest.fixture
def language_between_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """See tests/pages/test_unit.py: AppTest re-formats selectbox values between runs, outside the
    script, where ui.state.lang() answers "id"; answer with the last run's language instead."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from ui import state

    original = state.lang
    last = {"lang": "id"}

    def lang() -> str:
        if get_script_run_ctx() is None:
            return last["lang"]
        last["lang"] = original()
        return last["lang"]

    monkeypatch.setattr(state, "lang", lang)


def test_english_from_the_url(app, language_between_runs):
    at = _open(app, unit=ITJEN, lang="en")
    assert at.title[0].value == "Progress"
    assert at.multiselect(key="progres_units").label == "Work units compared"
    assert "Positive: the TPN scored higher than the TPI; negative: lower." in [c.value for c in at.caption]


def _open(app, **params: str):
    return open_page(app, "views/progres.py", **params)
