"""Presentasi in Chromium at the projector's 1280x720: a unit slide shows its radar and rule table
without scrolling (light and dark, screenshots in test-artifacts/), the arrow keys, Page Up/Down and
Home/End step the slides, the deck opens from its URL, English changes the slide text, and the dark
theme reaches the settings popover. (Every slide's fit and text size: test_layout_walk.py.)

Not named test_present.py: pytest's default (prepend) import mode cannot collect two test modules
with one basename, and tests/pages/test_present.py is the AppTest of the same page."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
VIEWPORT = {"width": 1280, "height": 720}
# Demo units of 2024: Itjen meets Menuju WBBM at TPI; at the penilaian mandiri stage Ditjen PDT fails
# 23 of its 25 rules (the tallest rule table of the demo data, every failing cell two lines high).
STRONG = "kemendesa-itjen"
WEAK = "kemendesa-ditjen-pdt"
OTHER = "kemendesa-ditjen-pdp"  # evaluated at 2024 TPI, fails some Menuju WBBM rules
COUNTER = ".zi-slide-counter"
RADAR = '.st-key-zi_radar [data-testid="stPlotlyChart"] .js-plotly-plot'
RULES = "table.zi-rules"


# A fresh server's first deep link meets "Page not found" (routes are known after the router's
# first run): the worker's server is loaded at / once first (conftest.warm_server).
pytestmark = pytest.mark.usefixtures("warm_server")


def _deck(page: Page, base_url: str, **params: str) -> None:
    page.set_viewport_size(VIEWPORT)
    query = "&".join(f"{k}={v}" for k, v in {"tahun": "2024", "tahap": "tpi", **params}.items())
    page.goto(f"{base_url}/presentasi?{query}")
    _settled(page)
    # the arrow-key handler is installed by a script in the page: a key pressed before it is lost
    page.wait_for_function("() => window.__ziDeckKeys === true", timeout=15_000)


def _settled(page: Page) -> None:
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    expect(page.locator(COUNTER)).to_be_visible(timeout=60_000)
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _within_viewport(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not drawn"
    assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= VIEWPORT["width"] + 0.5, (selector, box)
    assert box["y"] + box["height"] <= VIEWPORT["height"] + 0.5, (selector, box)
    return box


def _param(page: Page, key: str) -> str | None:
    values = parse_qs(urlparse(page.url).query).get(key)
    return values[-1] if values else None


@pytest.mark.parametrize("theme", ["terang", "gelap"])
def test_a_unit_slide_fits_a_1280x720_projector(page: Page, streamlit_server: str, artifacts_dir: Path,
                                                 theme: str) -> None:
    _deck(page, streamlit_server, tahap="mandiri", units=f"{WEAK},{STRONG}", slide="2", tema=theme)
    expect(page.locator(COUNTER)).to_have_text("Slide 2 dari 5")  # summary, then two slides a unit
    expect(page.locator(RADAR)).to_be_visible(timeout=60_000)
    expect(page.locator(RULES)).to_be_visible()
    # the sidebar and Streamlit's header are hidden; nothing needs scrolling
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_test_id("stHeader")).to_be_hidden()
    assert page.evaluate("() => window.scrollY") == 0
    _within_viewport(page, RADAR)
    _within_viewport(page, RULES)
    # the circle itself (Plotly's polar radius, in px)
    diameter = page.locator(RADAR).first.evaluate("gd => 2 * gd._fullLayout.polar._subplot.radius")
    assert diameter >= 400, diameter
    rules = page.locator(RULES)
    assert rules.locator("tr[data-rule]").count() == 13  # PermenPANRB 90/2021: 12 rules + holds_wbk
    expect(rules).to_contain_text("✗")
    expect(rules).to_contain_text("kurang")
    # the type is large enough for the back of a room
    size = float(rules.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert size >= 18, size
    background = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
    assert (background == "rgb(17, 20, 24)") == (theme == "gelap"), background
    page.screenshot(path=str(artifacts_dir / f"present-unit-{theme}.png"))


def test_the_summary_slide_in_the_dark(page: Page, streamlit_server: str, artifacts_dir: Path) -> None:
    theme = "gelap"  # the light one is walked by test_layout_walk.py
    _deck(page, streamlit_server, units=f"{STRONG},{OTHER},kkp-djpb-bbpbap-jepara", tema=theme)
    expect(page.locator(COUNTER)).to_have_text("Slide 1 dari 7")
    heatmap = '.st-key-zi_heatmap [data-testid="stPlotlyChart"] .js-plotly-plot'
    expect(page.locator(heatmap)).to_be_visible(timeout=15_000)
    _within_viewport(page, heatmap)
    expect(page.locator(".zi-tiles")).to_contain_text("Unit dinilai")
    expect(page.locator(".st-key-zi_slide_prev button")).to_be_disabled()
    page.screenshot(path=str(artifacts_dir / f"present-summary-{theme}.png"))


def test_arrow_keys_step_through_the_slides(page: Page, streamlit_server: str) -> None:
    _deck(page, streamlit_server, units=f"{STRONG},{OTHER}")
    counter = page.locator(COUNTER)
    expect(counter).to_have_text("Slide 1 dari 5")
    page.keyboard.press("ArrowRight")
    expect(counter).to_have_text("Slide 2 dari 5", timeout=60_000)
    _settled(page)
    expect(page.locator(RADAR)).to_be_visible(timeout=60_000)
    page.wait_for_function("() => new URLSearchParams(location.search).get('slide') === '2'")
    page.keyboard.press("PageDown")  # what presentation clickers send
    expect(counter).to_have_text("Slide 3 dari 5", timeout=60_000)
    _settled(page)
    page.keyboard.press("ArrowLeft")
    expect(counter).to_have_text("Slide 2 dari 5", timeout=60_000)
    _settled(page)
    page.keyboard.press("PageUp")
    expect(counter).to_have_text("Slide 1 dari 5", timeout=60_000)
    _settled(page)
    page.wait_for_function("() => new URLSearchParams(location.search).get('slide') === '1'")
    page.keyboard.press("ArrowLeft")  # the first slide: nothing happens
    page.keyboard.press("End")
    expect(counter).to_have_text("Slide 5 dari 5", timeout=60_000)
    _settled(page)
    page.wait_for_function("() => new URLSearchParams(location.search).get('slide') === '5'")
    page.keyboard.press("ArrowRight")  # the last slide: nothing happens
    page.keyboard.press("Home")
    expect(counter).to_have_text("Slide 1 dari 5", timeout=60_000)
    _settled(page)
    page.wait_for_function("() => new URLSearchParams(location.search).get('slide') === '1'")


def test_a_key_pressed_before_the_buttons_are_drawn_still_turns_the_slide(page: Page, streamlit_server: str) -> None:
    """On a page's first load Streamlit draws a button's place with the run and the button once it
    has loaded the button's code: a key pressed in between (the deck is on screen, its keys are
    listened to) turns the slide when the button arrives instead of being lost. The button's code
    is held back here until the key is pressed."""
    held = []
    page.route(re.compile(r"/static/js/Button\.[^/]*\.js$"), lambda route: held.append(route))
    _deck(page, streamlit_server, units=f"{STRONG},{OTHER}")
    counter = page.locator(COUNTER)
    expect(counter).to_have_text("Slide 1 dari 5")
    assert held, "the button's code was not requested"
    expect(page.locator(".st-key-zi_slide_next")).to_have_count(1)
    expect(page.locator(".st-key-zi_slide_next button")).to_have_count(0)  # its place only
    page.keyboard.press("ArrowRight")
    for route in held:
        route.continue_()
    expect(counter).to_have_text("Slide 2 dari 5", timeout=60_000)
    _settled(page)
    page.wait_for_function("() => new URLSearchParams(location.search).get('slide') === '2'")


def test_the_buttons_step_through_the_slides(page: Page, streamlit_server: str) -> None:
    _deck(page, streamlit_server, units=STRONG)
    page.get_by_role("button", name="Berikutnya").click()
    expect(page.locator(COUNTER)).to_have_text("Slide 2 dari 3", timeout=60_000)
    _settled(page)
    page.locator(".st-key-zi_slide_last button").first.click()
    expect(page.locator(COUNTER)).to_have_text("Slide 3 dari 3", timeout=60_000)
    _settled(page)
    expect(page.get_by_role("button", name="Berikutnya")).to_be_disabled()
    page.get_by_role("button", name="Sebelumnya").click()
    expect(page.locator(COUNTER)).to_have_text("Slide 2 dari 3", timeout=60_000)
    _settled(page)
    page.locator(".st-key-zi_slide_first button").first.click()
    expect(page.locator(COUNTER)).to_have_text("Slide 1 dari 3", timeout=60_000)


def test_the_deck_url_reopens_the_same_slide(browser: Browser, page: Page, streamlit_server: str) -> None:
    _deck(page, streamlit_server, units=f"{STRONG},{OTHER}", tema="gelap")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => new URLSearchParams(location.search).get('slide') === '2'", timeout=15_000)
    _settled(page)
    assert _param(page, "units") == f"{STRONG},{OTHER}" and _param(page, "tema") == "gelap"
    other = browser.new_page()
    try:
        other.set_viewport_size(VIEWPORT)
        other.goto(page.url)
        _settled(other)
        expect(other.locator(COUNTER)).to_have_text("Slide 2 dari 5")
        expect(other.locator(".zi-head h1")).to_have_text("Inspektorat Jenderal")
    finally:
        other.close()


def test_an_invalid_slide_in_the_url_gives_a_notice(page: Page, streamlit_server: str) -> None:
    _deck(page, streamlit_server, units=STRONG, slide="7")
    expect(page.locator(COUNTER)).to_have_text("Slide 1 dari 3")
    expect(page.get_by_test_id("stAlert").filter(has_text="'7'")).to_be_visible()
    assert _param(page, "slide") == "1"


def test_english_changes_the_slide_text(page: Page, streamlit_server: str) -> None:
    _deck(page, streamlit_server, units=STRONG, slide="2")
    expect(page.locator(COUNTER)).to_have_text("Slide 2 dari 3")
    expect(page.locator(RULES)).to_contain_text("Aturan")
    indonesian = page.locator(RULES).inner_text()
    _deck(page, streamlit_server, units=STRONG, slide="2", lang="en")
    expect(page.locator(COUNTER)).to_have_text("Slide 2 of 3")
    expect(page.get_by_role("button", name="Previous")).to_be_visible()
    expect(page.locator(RULES)).to_contain_text("Total score")
    assert page.locator(RULES).inner_text() != indonesian
    expect(page.locator(RULES)).to_contain_text("Menuju WBK")  # domain terms stay Indonesian


def test_the_settings_switch_the_theme_and_the_popover_turns_dark_too(page: Page, streamlit_server: str,
                                                                      artifacts_dir: Path) -> None:
    _deck(page, streamlit_server, units=STRONG)
    page.get_by_role("button", name="Pengaturan").click()
    page.get_by_role("radio", name="Gelap").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('tema') === 'gelap'", timeout=15_000)
    _settled(page)
    background = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
    assert background == "rgb(17, 20, 24)"
    # the popover (drawn outside the main area) and the units menu are dark as well
    body = page.get_by_test_id("stPopoverBody")
    if not body.is_visible():
        page.get_by_role("button", name="Pengaturan").click()
    expect(body).to_be_visible()
    colours = body.evaluate("""b => {
      let e = b; let bg = 'rgba(0, 0, 0, 0)';
      while (e && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
        bg = getComputedStyle(e).backgroundColor; e = e.parentElement;
      }
      const label = b.querySelector('label p, label');
      return [bg, getComputedStyle(label).color];
    }""")
    assert colours == ["rgb(17, 20, 24)", "rgb(242, 242, 242)"], colours
    body.get_by_role("combobox").first.click()
    menu = page.get_by_test_id("stMultiSelectDropdown")
    expect(menu).to_be_visible()
    menu_bg = menu.evaluate("m => getComputedStyle(m).backgroundColor")
    assert menu_bg == "rgb(17, 20, 24)", menu_bg
    page.screenshot(path=str(artifacts_dir / "present-settings-gelap.png"))
