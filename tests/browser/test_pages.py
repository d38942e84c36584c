"""Pages in Chromium on the live server: the radars drawn, the simulator answering the keyboard, the
overview row opening the profile. (Every page loading without an exception, with its charts and
screenshots of every screen: test_layout_walk.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[2]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PLOT = '[data-testid="stPlotlyChart"] .js-plotly-plot'
# A demo unit with rounds in every year since 2022 that holds Menuju WBK; in 2026 (TPI) only its
# Manajemen Perubahan area (59.39 % of max) keeps it from the WBK rules.
UNIT = "kemendesa-balilatfo-bplm-yogyakarta"

# url path (the default page is served at /), page file
PAGES = [
    ("ringkasan", "", "views/ringkasan.py"),
    ("profil", "profil", "views/profil.py"),
    ("kesenjangan", "kesenjangan", "views/kesenjangan.py"),
    ("progres", "progres", "views/progres.py"),
    ("simulasi", "simulasi", "views/simulasi.py"),
]


# A fresh server's first deep link meets "Page not found" (routes are known after the router's
# first run): the worker's server is loaded at / once first (conftest.warm_server).
pytestmark = pytest.mark.usefixtures("warm_server")


def _require(page_file: str) -> None:
    if not (REPO / page_file).exists():
        pytest.skip(f"{page_file} does not exist yet")


def _open(page: Page, base_url: str, path: str, **params: str) -> None:
    query = "&".join(f"{k}={v}" for k, v in {"unit": UNIT, **params}.items())
    page.goto(f"{base_url}/{path}?{query}")
    expect(page.locator(READY)).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stMainBlockContainer")).not_to_be_empty()


def _no_exception(page: Page) -> None:
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, exceptions.first.inner_text()


@pytest.mark.parametrize(("name", "path", "page_file"), [p for p in PAGES if p[0] in ("profil", "simulasi")],
                         ids=["profil", "simulasi"])
def test_radar_is_drawn(page: Page, streamlit_server: str, name: str, path: str, page_file: str) -> None:
    _require(page_file)
    _open(page, streamlit_server, path)
    # a polar layer with the series' paths: the radar's SVG itself, not only its container
    radar = page.locator(f"{PLOT} .polarlayer").first
    expect(radar).to_be_visible(timeout=20_000)
    assert radar.locator("path").count() > 0
    _no_exception(page)


def test_simulator_follows_the_keyboard(page: Page, streamlit_server: str, artifacts_dir: Path) -> None:
    _require("views/simulasi.py")
    page.set_viewport_size({"width": 1400, "height": 1000})
    _open(page, streamlit_server, "simulasi")
    # the results' metric (the first): while a rerun draws, Streamlit keeps the previous run's
    # elements on the page beside the new ones, so a plain filter can match two
    predicate = page.get_by_test_id("stMetric").filter(has_text="Predikat simulasi").first
    total = page.get_by_test_id("stMetric").filter(has_text="Nilai total simulasi").first.get_by_test_id(
        "stMetricValue")
    expect(predicate).to_contain_text("Belum ada predikat", timeout=20_000)
    before = total.inner_text().strip()

    slider = page.get_by_role("slider", name=re.compile(r"^MP · Manajemen Perubahan"))
    start = float(slider.get_attribute("aria-valuenow") or slider.get_attribute("aria-valuetext"))
    slider.focus()
    for step in range(1, 6):  # 4.75 -> 4.80: MP reaches 60 % of its max of 8
        # one press at a time, each seen in the URL: a press landing while the previous one's
        # rerun is drawing was lost on a loaded machine
        slider.press("ArrowRight")
        page.wait_for_function(
            "v => Math.abs(parseFloat(new URLSearchParams(location.search).get('wi_MP')) - v) < 1e-6",
            arg=round(start + 0.01 * step, 2), timeout=60_000)
        # the address changes when the press is sent; the next press waits for its rerun to have
        # drawn (the typed twin shows the value), or that rerun's slider would replace the next value
        expect(page.locator(".st-key-wi_typed_MP input")).to_have_attribute(
            "placeholder", f"{start + 0.01 * step:.2f}".replace(".", ","), timeout=60_000)
        expect(page.locator(READY)).to_be_visible(timeout=60_000)
    expect(predicate).to_contain_text("Menuju WBK", timeout=20_000)
    expect(total).not_to_have_text(before)
    expect(page).to_have_url(re.compile(r"wi_MP=4\.8"))  # the URL reproduces the view
    at_60 = total.inner_text().strip()
    slider.press("End")
    expect(slider).to_have_value("8")
    expect(total).not_to_have_text(at_60, timeout=20_000)  # the fragment reran with MP at its max
    expect(predicate).to_contain_text("Menuju WBK")
    expect(page.locator(f"{PLOT} .polarlayer").first).to_be_visible()
    _no_exception(page)
    page.screenshot(path=str(artifacts_dir / "page-simulasi-moved.png"), full_page=True)

    # The minimum plan toward WBBM (the unit holds WBK) fills the sliders and reaches it.
    page.get_by_role("button", name="Rencana minimum Menuju WBBM").click()
    expect(predicate).to_contain_text("Menuju WBBM", timeout=60_000)
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Kembalikan").click()
    expect(predicate).to_contain_text("Belum ada predikat", timeout=60_000)
    expect(total).to_have_text(before, timeout=60_000)


def test_a_url_reproduces_the_simulation(page: Page, streamlit_server: str) -> None:
    _require("views/simulasi.py")
    _open(page, streamlit_server, "simulasi", wi_MP="4.8")
    predicate = page.get_by_test_id("stMetric").filter(has_text="Predikat simulasi")
    expect(predicate).to_contain_text("Menuju WBK", timeout=20_000)
    expect(page.get_by_role("slider", name=re.compile(r"^MP · "))).to_have_attribute("aria-valuetext", "4.80")


def test_selecting_an_overview_row_opens_the_profile(page: Page, streamlit_server: str) -> None:
    _require("views/ringkasan.py")
    page.set_viewport_size({"width": 1400, "height": 1000})
    _open(page, streamlit_server, "")
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible(timeout=20_000)
    box = table.bounding_box()
    assert box is not None
    # The grid is a canvas: click the row-marker cell of the first data row (below the header).
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
    profile = "profil" if (REPO / "views/profil.py").exists() else "kesenjangan"
    page.wait_for_url(re.compile(rf"/{profile}\?.*unit="), timeout=20_000)
    expect(page.locator(READY)).to_be_visible(timeout=30_000)
    _no_exception(page)
    assert "tahun=" in page.url and "tahap=" in page.url
