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


def test_totals_by_unit_and_stage_with_the_75_and_85_lines(app, core):
    at = _open(app, unit=ITJEN)
    chosen = [ITJEN, *PILOTS, KKP_PEER]
    assert at.multiselect(key="progres_units").value == chosen
    spec = _chart(at, "progress_totals")
    assert sorted(shape["y0"] for shape in spec["layout"]["shapes"]) == [75, 85]
    # one trace per chosen unit x stage that has a round, unit by unit, stages in assessment order
    by_unit = core(chosen)
    expected = []
    for unit in chosen:
        for stage in analytics.STAGES:
            totals = {r.year: r.scorecard.total for r in by_unit[unit] if r.stage == stage}
            if totals:
                expected.append((f"{core.short[unit]} · {t(f'stage_short.{stage}')}", totals))
    traces = spec["data"]
    assert [tr["name"] for tr in traces] == [name for name, _ in expected]
    for trace, (_, totals) in zip(traces, expected, strict=True):
        points = {x: y for x, y in zip(trace["x"], trace["y"], strict=True) if y is not None}
        assert points == pytest.approx(totals, abs=1e-9)
        # the line breaks in the years without a round (2019-2021 between the 2018 recap and 2022)
        assert all(y is None for x, y in zip(trace["x"], trace["y"], strict=True) if x not in totals)
    assert any(2018 in totals for _, totals in expected), "the 52/2014 recaps of 2018 appear too"
    assert any(c.value == t("progress.recap_note") for c in at.caption)


def test_drift_is_tpn_minus_tpi_from_the_stored_rounds(app, core):
    at = _open(app, unit=ITJEN)
    chosen = [ITJEN, *PILOTS, KKP_PEER]
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
    at.multiselect(key="progres_stages").set_value(["tpn"])
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


def test_the_comparison_follows_the_sidebar_unit_and_the_profile_peer(app):
    at = _open(app, unit=ITJEN, peer=SETJEN)
    assert at.multiselect(key="progres_units").value == [ITJEN, *PILOTS, KKP_PEER, SETJEN]
    at.multiselect(key="progres_units").set_value([ITJEN])
    at.run()
    at.selectbox(key="unit").set_value(BBPLM)
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="progres_units").value == [BBPLM, ITJEN]


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
