"""The PDF reports as a user gets them in Chromium: Ringkasan's leadership report of the units its
filters show, and Profil unit's report of the selected unit, each read back with pypdf."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


# A fresh server's first deep link meets "Page not found" (routes are known after the router's
# first run): the worker's server is loaded at / once first (conftest.warm_server).
pytestmark = pytest.mark.usefixtures("warm_server")


def _settled(page: Page) -> None:
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _download(page: Page, label: re.Pattern[str], target: Path) -> str:
    button = page.get_by_role("button", name=label)
    expect(button).to_be_visible(timeout=30_000)
    with page.expect_download(timeout=180_000) as info:
        button.click()
    info.value.save_as(target)
    return info.value.suggested_filename


def _text(path: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(path).pages))


def test_ringkasan_offers_the_leadership_report_of_the_units_shown(page: Page, streamlit_server: str,
                                                                   tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{streamlit_server}/?tahun=2025&tahap=tpi")
    _settled(page)
    name = _download(page, re.compile(r"Unduh laporan pimpinan \(\d+ unit, PDF\)"), tmp_path / "pimpinan.pdf")
    assert name == "laporan-pimpinan-zi-2025-tpi.pdf"
    reader = PdfReader(tmp_path / "pimpinan.pdf")
    assert reader.metadata.title == "Laporan pimpinan Zona Integritas 2025 · TPI"
    text = _text(tmp_path / "pimpinan.pdf")
    # the reported bug's unit, with the rules it fails, and the demo warning
    assert "Direktorat Jenderal Pembangunan Daerah Tertinggal" in text
    assert "Area Peningkatan Kualitas Pelayanan Publik (% dari maksimum): 59,61%, batas 60,00%" in text
    assert "Survei Persepsi Anti Korupsi (IPAK/SPAK)" in text and "Data sintetis (demo)" in text


def test_profil_offers_the_unit_report_in_english(page: Page, streamlit_server: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{streamlit_server}/profil?lang=en&unit=kemendesa-ditjen-pdt&tahun=2025&tahap=tpi")
    _settled(page)
    _download(page, re.compile(r"Download the unit report"), tmp_path / "unit.pdf")
    reader = PdfReader(tmp_path / "unit.pdf")
    assert reader.metadata.title == ("Zona Integritas report: Direktorat Jenderal Pembangunan Daerah Tertinggal "
                                     "(2025, TPI (internal assessment team))")
    text = _text(tmp_path / "unit.pdf")
    assert "Area Public service quality (% of max): 59.61%, threshold 60.00%" in text
    assert "Synthetic data (demo)" in text
