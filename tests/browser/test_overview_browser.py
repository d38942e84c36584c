"""Ringkasan in Chromium: a row opens the profile of the same year and stage (issue #10.9: the
profile of another year used to open), screenshots of the page at a projector's 1280x720 and at
1440x900."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
JAKARTA = "kemendesa-balilatfo-bbplm-jakarta"


# A fresh server's first deep link meets "Page not found" (routes are known after the router's
# first run): the worker's server is loaded at / once first (conftest.warm_server).
pytestmark = pytest.mark.usefixtures("warm_server")


# The first data grid spans most of the main column (its canvas is laid out), not the narrow frame
# Streamlit shows while the grid loads.
TABLE_DRAWN_JS = """() => {
  const grid = document.querySelector('[data-testid="stDataFrame"]');
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  return !!grid && !!main && grid.querySelector('canvas') !== null
    && grid.getBoundingClientRect().width > 0.5 * main.getBoundingClientRect().width;
}"""


def _settled(page: Page) -> None:
    expect(page.locator(READY)).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stMainBlockContainer")).not_to_be_empty()
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _params(page: Page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_a_row_of_ringkasan_2025_tpi_opens_the_2025_tpi_profile(page: Page, streamlit_server: str,
                                                                artifacts_dir: Path) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    # The unit search (in the URL like every filter) leaves BBPLM Jakarta alone in the table.
    page.goto(f"{streamlit_server}/?tahun=2025&tahap=tpi&cari=bbplm-jakarta")
    _settled(page)
    expect(page.get_by_label("Cari unit")).to_have_value("bbplm-jakarta", timeout=30_000)
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible(timeout=60_000)
    box = table.bounding_box()
    assert box is not None
    # The grid is a canvas: click the row-marker cell of its first (only) row, below the header.
    page.mouse.click(box["x"] + 14, box["y"] + 38 + 20)
    page.wait_for_url(re.compile(r"/profil\?"), timeout=60_000)
    _settled(page)
    assert {k: _params(page)[k] for k in ("unit", "tahun", "tahap")} == {"unit": JAKARTA, "tahun": "2025",
                                                                          "tahap": "tpi"}
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Balai Besar Pelatihan Masyarakat Jakarta · Tahun 2025 · Tahap TPI"))\
        .to_be_visible(timeout=30_000)
    total = page.get_by_test_id("stMetric").filter(has_text="Nilai total (resmi)").get_by_test_id("stMetricValue")
    expect(total).to_have_text("80,40", timeout=30_000)  # 2025 TPI; its 2026 TPI round is 84,45
    expect(main.get_by_text("Predikat tahap ini: Belum ada predikat")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts_dir / "overview-row-opened-profile.png"))
    # Back: Ringkasan as it was left, its filter restored from the address
    page.go_back()
    page.wait_for_function("() => new URLSearchParams(location.search).get('cari') === 'bbplm-jakarta'")
    _settled(page)
    expect(page.get_by_label("Cari unit")).to_have_value("bbplm-jakarta", timeout=30_000)


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)], ids=["1280x720", "1440x900"])
def test_ringkasan_screenshots(page: Page, streamlit_server: str, artifacts_dir: Path, size: tuple[int, int]) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{streamlit_server}/?tahun=2025&tahap=tpi")
    _settled(page)
    metric = page.get_by_test_id("stMetric").filter(has_text="Memenuhi Menuju WBK").first
    expect(metric).to_contain_text("termasuk 2 yang memenuhi WBBM", timeout=30_000)
    # The table's grid takes its width a moment after the run ends: the screenshot shows it drawn
    page.wait_for_function(TABLE_DRAWN_JS, timeout=30_000)
    page.screenshot(path=str(artifacts_dir / f"overview-{size[0]}x{size[1]}.png"))
    # The heatmap is drawn when its section is opened, and the address keeps it open.
    heatmap = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    assert heatmap.count() == 0
    page.get_by_text("Peta capaian area: unit di halaman tabel ini").click(timeout=30_000)
    page.wait_for_function("() => new URLSearchParams(location.search).get('peta') === '1'", timeout=60_000)
    _settled(page)
    # drawn (plotly.js loaded, its figure laid out) before the page above it is used: a chart that
    # draws while the status list is open scrolls the page and closes the list
    expect(heatmap.locator(".main-svg").first).to_be_attached(timeout=60_000)
    # the units not meeting Menuju WBK, and why: the heatmap stays open and follows the table
    status = page.get_by_role("combobox", name="Status tahap ini")
    status.scroll_into_view_if_needed(timeout=30_000)
    status.click(timeout=30_000)
    page.get_by_role("option", name="Belum memenuhi Menuju WBK").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('status') === 'belum-wbk'")
    _settled(page)
    shown = page.get_by_test_id("stMetric").filter(has_text="Unit dinilai").get_by_test_id("stMetricValue")
    expect(shown).to_have_text("8", timeout=30_000)
    expect(heatmap.first).to_be_attached(timeout=60_000)
    page.wait_for_function("() => { const el = document.querySelector('[data-testid=\"stPlotlyChart\"] "
                           ".js-plotly-plot'); return el && el.data && el.data[0].y.length === 8; }", timeout=60_000)
    assert _params(page)["peta"] == "1"
    page.get_by_test_id("stDataFrame").first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / f"overview-belum-wbk-{size[0]}x{size[1]}.png"))
    heatmap.first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / f"overview-heatmap-{size[0]}x{size[1]}.png"))


def test_a_roll_up_row_focuses_ringkasan_on_that_parent(page: Page, streamlit_server: str,
                                                        artifacts_dir: Path) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{streamlit_server}/?tahun=2025&tahap=tpi")
    _settled(page)
    rolled = page.get_by_test_id("stDataFrame").nth(1)  # the table of units, then the roll-up
    rolled.scroll_into_view_if_needed(timeout=60_000)
    expect(page.get_by_role("heading", name="Rekap per unit induk")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts_dir / "overview-rollup-1440x900.png"))
    box = rolled.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 14, box["y"] + 38 + 36)  # the first row: Kemendesa PDTT
    page.wait_for_function("() => new URLSearchParams(location.search).get('induk') === 'kemendesa'",
                           timeout=60_000)
    _settled(page)
    expect(page.get_by_text("Menampilkan 12 dari 13 unit.")).to_be_visible(timeout=30_000)
