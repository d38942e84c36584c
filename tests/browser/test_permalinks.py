"""Permalinks in Chromium: the address bar reproduces page, unit, year, stage, peer, language and the
what-if sliders; invalid values are ignored with a notice; "salin tautan" copies the address.

The URL carries ids and codes (?unit=<id>&tahun=2024&tahap=tpi&lang=en&peer=<id>&wi_MP=5.5), never
display labels or serialised objects (ui/state.py explains why the id-valued pickers are not bound
with bind="query-params")."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from zi_metrics.analytics import STAGES

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
UNIT, UNIT_SHORT, UNIT_NAME = "kemendesa-itjen", "Itjen", "Inspektorat Jenderal"
PEER, PEER_SHORT = "kkp", "KKP"
OTHER, OTHER_SHORT = "kemendesa-setjen", "Setjen"


# A fresh server's first deep link meets "Page not found" (routes are known after the router's
# first run): the worker's server is loaded at / once first (conftest.warm_server).
pytestmark = pytest.mark.usefixtures("warm_server")


def _open(page: Page, url: str) -> None:
    page.goto(url)
    _settled(page)


def _settled(page: Page) -> None:
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stMainBlockContainer")).not_to_be_empty(timeout=30_000)
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _picked(page: Page, label: str) -> str:
    """The text a selectbox shows (its combobox input's value)."""
    return page.get_by_role("combobox", name=label, exact=True).input_value()


def _params(page: Page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def _path(page: Page) -> str:
    return urlparse(page.url).path


def _slider(page: Page, name: str) -> float:
    slider = page.get_by_role("slider", name=name)
    value = slider.get_attribute("aria-valuenow") or slider.input_value()
    return float(value)


def test_a_profile_permalink_reproduces_unit_year_and_stage(page: Page, streamlit_server: str) -> None:
    _open(page, f"{streamlit_server}/profil?unit={UNIT}&tahun=2024&tahap=tpi")
    assert _path(page) == "/profil"
    assert _picked(page, "Tahun") == "2024"
    assert _picked(page, "Tahap penilaian") == "TPI"
    assert _picked(page, "Unit kerja") == UNIT_SHORT
    expect(page.get_by_test_id("stMain").get_by_text(UNIT_NAME).first).to_be_visible()
    # the address keeps ids and codes (and says the language), nothing else
    assert {k: v for k, v in _params(page).items() if k != "lang"} == {"unit": UNIT, "tahun": "2024", "tahap": "tpi"}
    assert _params(page)["lang"] == "id"


def test_a_profile_permalink_reproduces_the_compared_peer(page: Page, streamlit_server: str) -> None:
    _open(page, f"{streamlit_server}/profil?unit={UNIT}&tahun=2024&tahap=tpi&peer={PEER}")
    assert _picked(page, "Unit pembanding") == PEER_SHORT
    assert _params(page)["peer"] == PEER


def test_a_simulation_permalink_reproduces_the_slider_values(page: Page, streamlit_server: str) -> None:
    _open(page, f"{streamlit_server}/simulasi?unit={UNIT}&tahun=2024&tahap=tpi&wi_MP=5.5"
                f"&wi_survey_anti_korupsi=3.7&wi_capaian_kinerja=B")
    assert _path(page) == "/simulasi"
    assert (_picked(page, "Tahun"), _picked(page, "Tahap penilaian"), _picked(page, "Unit kerja")) == (
        "2024", "TPI", UNIT_SHORT)
    assert _slider(page, "MP · Manajemen Perubahan (maks. 8,00)") == pytest.approx(5.5)
    assert _slider(page, "Survei Persepsi Anti Korupsi (IPAK/SPAK)") == pytest.approx(3.7)
    assert page.get_by_role("slider", name="Capaian Kinerja lebih baik dari sebelumnya").get_attribute(
        "aria-valuetext") == "B"


def test_the_address_bar_after_using_the_controls_reproduces_the_view(browser: Browser, page: Page,
                                                                      streamlit_server: str) -> None:
    _open(page, f"{streamlit_server}/simulasi?unit={UNIT}&tahun=2024&tahap=tpi")
    # pick another unit and year in the sidebar, then nudge a slider with the keyboard
    page.get_by_role("combobox", name="Unit kerja", exact=True).click()
    page.get_by_role("option", name=OTHER_SHORT, exact=True).click()
    # the run that draws the new unit writes it into the URL; wait for that run, then for it to end
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('unit') === '{OTHER}'")
    _settled(page)
    page.get_by_role("combobox", name="Tahun", exact=True).click()
    page.get_by_role("option", name="2023", exact=True).click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('tahun') === '2023'")
    _settled(page)
    slider = page.get_by_role("slider", name="MP · Manajemen Perubahan (maks. 8,00)")
    before = _slider(page, "MP · Manajemen Perubahan (maks. 8,00)")
    slider.focus()
    for step in range(1, 6):
        # one press at a time, each waited for in the URL (a burst of presses without waits:
        # test_a_burst_of_key_presses_on_a_slider_counts_every_press_and_its_twin_agrees)
        slider.press("ArrowRight")
        page.wait_for_function(
            "target => Math.abs(parseFloat(new URLSearchParams(location.search).get('wi_MP')) - target) < 1e-6",
            arg=round(before + 0.01 * step, 2), timeout=60_000)
        # the address changes when the press is sent; wait for its rerun to draw (the typed twin
        # shows the value), or that rerun's slider would replace the next press's value
        expect(page.locator(".st-key-wi_typed_MP input")).to_have_attribute(
            "placeholder", f"{before + 0.01 * step:.2f}".replace(".", ","), timeout=60_000)
        _settled(page)
    moved = _slider(page, "MP · Manajemen Perubahan (maks. 8,00)")
    assert moved == pytest.approx(before + 0.05)
    copied = page.url
    assert _params(page)["unit"] == OTHER and _params(page)["tahun"] == "2023"

    # a new browser session opening the copied address sees the same view
    other = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        _open(other, copied)
        assert _path(other) == "/simulasi"
        assert (_picked(other, "Tahun"), _picked(other, "Unit kerja")) == ("2023", OTHER_SHORT)
        assert _slider(other, "MP · Manajemen Perubahan (maks. 8,00)") == pytest.approx(moved)
    finally:
        other.close()


def test_switching_to_english_changes_the_text_and_stays_in_the_url(page: Page, streamlit_server: str) -> None:
    _open(page, f"{streamlit_server}/profil?unit={UNIT}&tahun=2024&tahap=tpi")
    expect(page.get_by_role("combobox", name="Tahun", exact=True)).to_be_visible()
    page.get_by_test_id("stSidebar").get_by_role("radio", name="English").click()
    _settled(page)
    expect(page.get_by_role("combobox", name="Year", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Unit profile")).to_be_visible(timeout=30_000)
    assert _picked(page, "Assessment stage").startswith("TPI")
    assert _params(page)["lang"] == "en"
    assert _params(page)["tahap"] == "tpi"  # a code, whatever the language shows
    # the English address opens in English
    _open(page, page.url)
    expect(page.get_by_role("combobox", name="Year", exact=True)).to_be_visible()
    assert _picked(page, "Work unit") == UNIT_SHORT


def test_back_restores_the_previous_unit(page: Page, streamlit_server: str) -> None:
    _open(page, f"{streamlit_server}/profil?unit={UNIT}&tahun=2024&tahap=tpi")
    page.get_by_role("combobox", name="Unit kerja", exact=True).click()
    page.get_by_role("option", name=OTHER_SHORT, exact=True).click()
    _settled(page)
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('unit') === '{OTHER}'")
    page.go_back()
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('unit') === '{UNIT}'")
    _settled(page)
    expect(page.get_by_role("combobox", name="Unit kerja", exact=True)).to_have_value(UNIT_SHORT)


def test_invalid_url_values_are_ignored_with_a_notice(page: Page, streamlit_server: str) -> None:
    _open(page, f"{streamlit_server}/profil?unit=no-such-unit&tahun=1999&tahap=xyz&lang=fr")
    alerts = " ".join(page.get_by_test_id("stAlert").all_inner_texts())
    for value in ("no-such-unit", "1999", "xyz", "fr"):
        assert f"'{value}'" in alerts, (value, alerts)
    # the view falls back to valid choices, in Indonesian, and the address is corrected
    params = _params(page)
    assert params["lang"] == "id" and params["tahun"] != "1999" and params["tahap"] != "xyz"
    assert params["unit"] != "no-such-unit"


def test_an_unknown_peer_is_ignored_with_a_notice(page: Page, streamlit_server: str) -> None:
    _open(page, f"{streamlit_server}/profil?unit={UNIT}&tahun=2024&tahap=tpi&peer=nobody")
    expect(page.get_by_test_id("stAlert").filter(has_text="'nobody'")).to_be_visible()
    assert _picked(page, "Unit pembanding") != "nobody"
    assert _params(page).get("peer") != "nobody"


def test_salin_tautan_copies_the_address(page: Page, streamlit_server: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=streamlit_server)
    _open(page, f"{streamlit_server}/profil?unit={UNIT}&tahun=2024&tahap=tpi&peer={PEER}")
    page.get_by_test_id("stSidebar").get_by_role("button", name="Salin tautan").click()
    status = page.get_by_test_id("stSidebar").locator(".zi-copy-link-status")
    expect(status).to_contain_text("Tautan disalin:")
    assert status.get_attribute("data-href") == page.url
    assert page.evaluate("() => navigator.clipboard.readText()") == page.url


def test_copied_links_carry_no_serialised_objects(page: Page, streamlit_server: str,
                                                  artifacts_dir: Path) -> None:
    _open(page, f"{streamlit_server}/profil?unit={UNIT}&tahun=2024&tahap=tpi&peer={PEER}")
    query = urlparse(page.url).query
    for marker in ("%7B", "{", "%5B", "[", "Selection", "object", "%27", "'"):
        assert marker not in query, (marker, query)
    page.screenshot(path=str(artifacts_dir / "permalink-profil.png"))


def test_the_profile_stage_overlay_is_in_the_url(browser: Browser, page: Page, streamlit_server: str) -> None:
    _open(page, f"{streamlit_server}/profil?unit={UNIT}&tahun=2024&tahap=tpi")
    assert "tahapan" not in _params(page)
    page.get_by_role("combobox", name="Bandingkan dengan tahap lain tahun ini").click()
    page.get_by_role("option", name="TPN").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('tahapan') === 'tpn'", timeout=15_000)
    _settled(page)
    other = browser.new_page()
    try:
        _open(other, page.url)
        assert _params(other)["tahapan"] == "tpn"
        expect(other.locator(".st-key-unit_radar .legendtext").filter(has_text=f"{UNIT_SHORT} · TPN")).to_have_count(
            1, timeout=60_000)
    finally:
        other.close()


def test_progres_units_and_stages_are_in_the_url(browser: Browser, page: Page, streamlit_server: str) -> None:
    _open(page, f"{streamlit_server}/progres?unit={UNIT}&tahun=2024&tahap=tpi")
    # it opens on the sidebar's unit at every stage, and says so in the address
    assert _params(page)["units"] == UNIT and _params(page)["tahapan"] == ",".join(STAGES)
    page.get_by_test_id("stMain").get_by_role("button", name="Mandiri").click()  # a stage toggled off
    page.wait_for_function("v => new URLSearchParams(location.search).get('tahapan') === v",
                           arg=",".join(s for s in STAGES if s != "mandiri"), timeout=15_000)
    _settled(page)
    picker = page.get_by_role("combobox", name="Unit kerja yang dibandingkan")
    picker.click()
    picker.fill(OTHER_SHORT)  # the option list is virtual: filter it rather than scroll it
    page.get_by_role("option", name=OTHER_SHORT, exact=True).click()
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('units') === '{UNIT},{OTHER}'",
                           timeout=15_000)
    _settled(page)
    other = browser.new_page()
    try:
        _open(other, page.url)
        legend = other.locator(".st-key-progress_totals .legendtext")
        expect(legend.filter(has_text=f"{OTHER_SHORT} · ").first).to_be_visible(timeout=60_000)
        names = legend.evaluate_all("ts => ts.map(t => t.textContent)")
        assert not any(name.endswith("Mandiri") for name in names), names
        assert any(name.startswith(f"{UNIT_SHORT} · ") for name in names), names
    finally:
        other.close()


def test_an_unknown_page_is_answered_with_a_notice(page: Page, streamlit_server: str) -> None:
    _open(page, f"{streamlit_server}/halaman-lama?unit={UNIT}")
    notice = page.get_by_test_id("stAlert").filter(has_text="halaman-lama")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Ringkasan")  # where the reader landed, in the reader's language


def test_the_tab_icon_is_served_by_the_app(page: Page, streamlit_server: str) -> None:
    _open(page, f"{streamlit_server}/?unit={UNIT}")
    icons = page.evaluate("() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
    assert icons and all(href.startswith(streamlit_server) for href in icons), icons
    response = page.request.get(icons[0])
    assert response.ok and response.headers["content-type"].startswith("image/png")


# The slider, its typed twin and the address, read at once (None until the slider is drawn).
_WI_MP_NOW = """() => {
    const thumb = document.querySelector('.st-key-wi_MP input[type="range"]');
    const typed = document.querySelector('.st-key-wi_typed_MP input');
    if (!thumb || !typed) return null;
    // the twin shows the slider's value as its placeholder; a text of its own would be typed
    return {slider: thumb.value, typed: typed.value === '' ? typed.placeholder : 'typed: ' + typed.value,
            url: new URLSearchParams(location.search).get('wi_MP'),
            idle: !!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')};
}"""


def _wait_for_mp(page: Page, target: float, timeout: int) -> None:
    """Until the app is idle with MP's slider, its typed twin and the address all at ``target``;
    on a timeout it returns, and the caller's assertions say what shows."""
    try:
        page.wait_for_function(
            f"""target => {{ const now = ({_WI_MP_NOW})();
                return now && now.idle && [now.slider, now.url].every(v => v !== null
                    && Math.abs(parseFloat(v) - target) < 1e-6)
                    && now.typed === target.toFixed(2).replace('.', ','); }}""",
            arg=target, timeout=timeout, polling=100)
    except PlaywrightTimeout:
        pass


def test_a_burst_of_key_presses_on_a_slider_counts_every_press_and_its_twin_agrees(
        page: Page, streamlit_server: str) -> None:
    """Presses sent faster than the reruns draw (a user holding or tapping ArrowRight): every press
    counts, the slider never jumps back, and at the end the slider, its typed twin and the address
    say the same value. (A rerun queued behind the previous one used to bring the twin's old text
    back as a typed change, which set the slider back to it.)"""
    presses = 7
    _open(page, f"{streamlit_server}/simulasi?unit={UNIT}&tahun=2024&tahap=tpi")
    name = "MP · Manajemen Perubahan (maks. 8,00)"
    before = _slider(page, name)
    target = round(before + 0.01 * presses, 2)
    # every value the slider shows from now on, in order (its thumb may be redrawn: watch the block)
    page.evaluate("""() => {
        window.__wiSeen = [];
        const block = document.querySelector('.st-key-wi_MP');
        const note = () => {
            const v = block.querySelector('input[type="range"]')?.value;
            if (v !== undefined && v !== null && window.__wiSeen.at(-1) !== v) window.__wiSeen.push(v);
        };
        note();
        new MutationObserver(note).observe(block, {subtree: true, childList: true, attributes: true,
                                                   attributeFilter: ['value', 'aria-valuetext']});
    }""")
    page.get_by_role("slider", name=name).focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")  # no wait between presses
    _wait_for_mp(page, target, 60_000)
    _settled(page)
    now = page.evaluate(_WI_MP_NOW)
    seen = [float(v) for v in page.evaluate("() => window.__wiSeen")]
    shown = (now["slider"], now["typed"], now["url"])
    # one value in all three places, after every press, reached without ever going back
    assert float(now["slider"]) == pytest.approx(target), (before, shown, seen)
    assert now["typed"] == f"{target:.2f}".replace(".", ","), (before, shown, seen)
    assert now["url"] is not None and float(now["url"]) == pytest.approx(target), (before, shown, seen)
    assert seen == sorted(seen), f"the slider went back: {seen}"


def test_bursts_of_key_presses_there_and_back_end_where_the_last_press_put_the_slider(
        page: Page, streamlit_server: str) -> None:
    """A user holding ArrowRight, then ArrowLeft: presses in both directions faster than the reruns
    draw. After each burst the slider, its typed twin and the address show where the presses
    lead. (Requests queued behind a run are merged, so a burst that goes there and back can reach
    the server as no move at all, carrying the twin's text from before the burst: while the
    server wrote the value into the twin, that old text counted as typed and set the slider back,
    3 bursts in 12 here.)"""
    _open(page, f"{streamlit_server}/simulasi?unit={UNIT}&tahun=2024&tahap=tpi")
    name = "MP · Manajemen Perubahan (maks. 8,00)"
    value = _slider(page, name)
    page.get_by_role("slider", name=name).focus()
    for burst, (right, left) in enumerate([(2, 2), (3, 2), (2, 1), (3, 2), (2, 2), (3, 1)]):
        for key in ["ArrowRight"] * right + ["ArrowLeft"] * left:
            page.keyboard.press(key)  # no wait between presses
        value = round(value + 0.01 * (right - left), 2)
        _wait_for_mp(page, value, 15_000)
        # settled for a moment longer: a late rerun must not move it afterwards
        page.wait_for_timeout(300)
        _settled(page)
        now = page.evaluate(_WI_MP_NOW)
        shown = (now["slider"], now["typed"], now["url"])
        assert now["slider"] is not None and float(now["slider"]) == pytest.approx(value), (burst, value, shown)
        assert now["url"] is not None and float(now["url"]) == pytest.approx(value), (burst, value, shown)
        assert now["typed"] == f"{value:.2f}".replace(".", ","), (burst, value, shown)
