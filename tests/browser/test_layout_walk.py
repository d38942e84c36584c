"""Issue #12's test of what a reader sees: every page registered in dashboard.py (found in the
sidebar's navigation, so a page added later is walked too) and every slide of the deck, at
1280x720 and 1440x900, in Indonesian and English. On each it checks, in the browser:

* no two chart labels overlap, and none leaves its chart or is cut by the plot area (Plotly's SVG);
* no HTML text is cut by its container or runs past it sideways, and the page is not wider than
  the window;
* the deck fits the window (nothing to scroll) and its smallest text is at least 18 px;
* no emoji in any text, and no request leaves the server (icons are Material Symbols, served by
  the app; the tab's icon is an image it serves: nothing needs an emoji font or the internet).

Screenshots of every screen (a page taller than the window is scrolled one window at a time) go to
test-artifacts/walk/. One server and one browser serve the whole walk; each language is one test.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from layout_probe import CHART_LABELS_JS, CHARTS_DRAWN_JS, HTML_TEXT_JS, SMALLEST_TEXT_JS
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
VIEWPORTS = ({"width": 1280, "height": 720}, {"width": 1440, "height": 900})
# A demo round with every kind of content: a unit failing both predicates (gaps, failing rules),
# stages to compare, thirteen units (the deck's summary needs two slides).
YEAR, STAGE, UNIT = 2025, "tpi", "kemendesa-ditjen-pdt"
FITS_SIDEWAYS_JS = "() => { const m = document.querySelector('[data-testid=stMain]'); " \
    "return !m || m.scrollWidth <= m.clientWidth + 1; }"
MAX_SCREENS = 8  # screenshots per page and window size
# Pages that always draw a chart for the walked unit and round (a page missing here is walked all
# the same; it is only not required to draw one).
CHARTED = {"", "profil", "kesenjangan", "progres", "simulasi", "presentasi"}
DECK_TEXT_MIN_PX = 18


# A fresh server's first deep link meets "Page not found" (routes are known after the router's
# first run): the worker's server is loaded at / once first (conftest.warm_server).
pytestmark = pytest.mark.usefixtures("warm_server")


def _settle(page: Page) -> None:
    expect(page.locator(READY)).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stMainBlockContainer")).not_to_be_empty()
    page.wait_for_function(CHARTS_DRAWN_JS, timeout=30_000)


def _routes(page: Page, base_url: str) -> list[str]:
    """URL paths of the pages in the sidebar's navigation, in its order ('' for the default page)."""
    hrefs = page.get_by_test_id("stSidebarNav").locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs, "the sidebar lists no pages"
    return [urlparse(h).path.strip("/") for h in hrefs]


def _check(page: Page, label: str) -> list[str]:
    found = [*page.evaluate(CHART_LABELS_JS), *page.evaluate(HTML_TEXT_JS)]
    exceptions = page.get_by_test_id("stException")
    if exceptions.count():
        found.append({"where": "page", "problem": "exception", "text": exceptions.first.inner_text()[:200]})
    return [f"{label}: {f['where']}: {f['problem']}: {f['text']!r}" for f in found]


def _screens(page: Page, folder: Path, name: str) -> None:
    """One screenshot per window of the main area, scrolling it down between them."""
    main = page.get_by_test_id("stMain")
    height, view = main.evaluate("m => [m.scrollHeight, m.clientHeight]")
    count = min(MAX_SCREENS, max(1, -(-height // max(view, 1))))
    for i in range(count):
        main.evaluate("(m, y) => m.scrollTo(0, y)", i * view)
        page.screenshot(path=str(folder / f"{name}-{i + 1}.png"))
    main.evaluate("m => m.scrollTo(0, 0)")


def _resize(page: Page, viewport: dict[str, int]) -> None:
    page.set_viewport_size(viewport)
    page.wait_for_function(CHARTS_DRAWN_JS, timeout=30_000)
    try:  # tables and charts follow the new width a moment later: give them that moment
        page.wait_for_function(FITS_SIDEWAYS_JS, timeout=5_000)
    except PlaywrightTimeoutError:
        pass  # still too wide: the check reports it


def _size(viewport: dict[str, int]) -> str:
    return f"{viewport['width']}x{viewport['height']}"


def _walk_deck(page: Page, folder: Path, lang: str, order: tuple[dict[str, int], ...]) -> list[str]:
    counter = page.locator(".zi-slide-counter")
    page.wait_for_function("() => window.__ziDeckKeys === true", timeout=15_000)
    total = int(counter.get_attribute("data-total"))
    found: list[str] = []
    for slide in range(1, total + 1):
        if slide > 1:
            page.keyboard.press("ArrowRight")
            expect(counter).to_have_attribute("data-slide", str(slide), timeout=30_000)
            _settle(page)
        for viewport in order if slide % 2 else tuple(reversed(order)):
            _resize(page, viewport)
            label = f"{lang} {_size(viewport)} presentasi slide {slide}/{total}"
            found += _check(page, label)
            main = page.get_by_test_id("stMain")
            scroll, view = main.evaluate("m => [m.scrollHeight, m.clientHeight]")
            if scroll > view + 1:
                found.append(f"{label}: the slide needs scrolling ({scroll} px in a {view} px window)")
            smallest = page.evaluate(SMALLEST_TEXT_JS, '[data-testid="stMain"]')
            if smallest and smallest["px"] < DECK_TEXT_MIN_PX:
                found.append(f"{label}: text of {smallest['px']} px: {smallest['text']!r}")
            page.screenshot(path=str(folder / f"{lang}-{_size(viewport)}-presentasi-slide{slide}.png"))
        order = (viewport, *[v for v in order if v != viewport])
    return found


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_page_and_slide_reads_cleanly(page: Page, streamlit_server: str, artifacts_dir: Path,
                                            lang: str) -> None:
    folder = artifacts_dir / "walk"
    folder.mkdir(exist_ok=True)
    for old in folder.glob(f"{lang}-*.png"):
        old.unlink()
    page.set_viewport_size(VIEWPORTS[0])
    outside: list[str] = []

    def note_outside(request) -> None:  # noqa: ANN001 - Playwright's Request
        if not request.url.startswith(streamlit_server):
            outside.append(request.url)

    page.on("request", note_outside)
    query = f"lang={lang}&tahun={YEAR}&tahap={STAGE}&unit={UNIT}"
    found: list[str] = []
    try:
        page.goto(f"{streamlit_server}/?{query}")
        _settle(page)
        routes = _routes(page, streamlit_server)
        order = VIEWPORTS
        for route in routes:
            # Ringkasan with its heatmap's section open (?peta=1): the chart is walked too
            page.goto(f"{streamlit_server}/{route}?{query}{'&peta=1' if route == '' else ''}")
            _settle(page)
            name = route or "home"
            if page.locator(".zi-deck").count():
                found += _walk_deck(page, folder, lang, order)
                continue
            if route in CHARTED:
                try:  # a chart is drawn after the run ends, once plotly.js has loaded
                    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=60_000)
                    _settle(page)
                except PlaywrightTimeoutError:
                    found.append(f"{lang} /{route}: no chart drawn")
            for viewport in order:
                _resize(page, viewport)
                label = f"{lang} {_size(viewport)} /{route}"
                found += _check(page, label)
                _screens(page, folder, f"{lang}-{_size(viewport)}-{name}")
            order = tuple(reversed(order))  # the next page starts at the size this one ended on
    finally:
        page.remove_listener("request", note_outside)
    found += [f"{lang}: a request left the server: {url}" for url in dict.fromkeys(outside)]
    assert not found, f"{len(found)} problems (screenshots in {folder}):\n" + "\n".join(found)


def test_the_walk_finds_every_registered_page(page: Page, streamlit_server: str) -> None:
    """The navigation the walk follows lists every page file dashboard.py registers."""
    source = (Path(__file__).resolve().parents[2] / "dashboard.py").read_text(encoding="utf-8")
    registered = set(re.findall(r'"views/([\w-]+)\.py"', source))
    assert registered, "no views/*.py pages found in dashboard.py"
    page.goto(streamlit_server)
    expect(page.locator(READY)).to_be_visible(timeout=30_000)
    routes = set(_routes(page, streamlit_server))
    assert len(routes) == len(registered), (routes, registered)
