"""Tindak lanjut in Chromium: the page on the demo data at 1280x720 and 1440x900, a filter narrowing
the list and the figures, the profile's link opening the page on its unit, an item opened in
Analisis kesenjangan, and an editor saving a follow-up (on its own server with an editor account)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, run_streamlit
from playwright.sync_api import Page, expect

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PLOT = '[data-testid="stPlotlyChart"] .js-plotly-plot'
UNIT = "kemendesa-itjen"


def _open(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stMainBlockContainer")).not_to_be_empty()


def _no_exception(page: Page) -> None:
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _metric(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def _pick(page: Page, label: str, option: str) -> None:
    """Choose ``option`` in the multiselect or selectbox labelled ``label``."""
    box = page.get_by_test_id("stMultiSelect").filter(has_text=label)
    if box.count() == 0:
        box = page.get_by_test_id("stSelectbox").filter(has_text=label)
    box.first.locator("input").click()
    page.get_by_role("option", name=option, exact=True).first.click()
    page.keyboard.press("Escape")


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)], ids=["1280x720", "1440x900"])
def test_the_page_draws_and_a_filter_narrows_it(page: Page, streamlit_server: str, artifacts_dir: Path,
                                                size: tuple[int, int]) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    _open(page, f"{streamlit_server}/tindak-lanjut?tahun=2026&tahap=tpi")
    expect(page.get_by_role("heading", name="Catatan penilai 2026 · TPI")).to_be_visible(timeout=60_000)
    expect(page.locator(PLOT)).to_have_count(2, timeout=90_000)
    items = _metric(page, "Butir ditindaklanjuti")
    total = int(items.inner_text())
    assert total > 0
    page.screenshot(path=str(artifacts_dir / f"page-tindak-lanjut-{size[0]}.png"))
    _pick(page, "Status", "Selesai")
    expect(_metric(page, "Selesai")).to_have_text("100,00%", timeout=60_000)
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    done = int(items.inner_text())
    assert 0 < done < total
    _no_exception(page)
    main = page.get_by_test_id("stMain")
    main.evaluate("m => m.scrollBy(0, m.clientHeight)")
    page.screenshot(path=str(artifacts_dir / f"page-tindak-lanjut-{size[0]}-table.png"))


def test_profile_link_and_item_link(page: Page, streamlit_server: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 2400})
    _open(page, f"{streamlit_server}/profil?tahun=2026&tahap=tpi&unit={UNIT}")
    link = page.get_by_role("link", name="Lihat tindak lanjut unit ini")
    expect(link).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stProgress")).to_contain_text(re.compile(r"\d+ dari \d+ butir selesai"))
    link.click()
    page.wait_for_url(re.compile(r"/tindak-lanjut\?.*fu_unit="), timeout=60_000)
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stMultiSelect").filter(has_text="Unit kerja")).to_contain_text("Itjen",
                                                                                              timeout=60_000)
    _no_exception(page)
    # an item opened in Analisis kesenjangan: the question, the note, the follow-up
    _open(page, f"{streamlit_server}/kesenjangan?tahun=2026&tahap=tpi&unit={UNIT}&soal=38")
    box = page.locator(".st-key-gap_focus")
    expect(box).to_contain_text("Pertanyaan [38]", timeout=60_000)
    expect(box).to_contain_text("Tindak lanjut: Status:")
    box.get_by_role("link", name=re.compile("Kembali ke Tindak lanjut")).click()
    page.wait_for_url(re.compile(r"/tindak-lanjut\?.*tahun=2026"), timeout=60_000)
    expect(page.get_by_role("heading", name="Catatan penilai 2026 · TPI")).to_be_visible(timeout=60_000)
    _no_exception(page)


@pytest.fixture(scope="module")
def editor_server(tmp_path_factory: pytest.TempPathFactory, free_port_factory: Callable[[], int],
                  artifacts_dir: Path) -> Iterator[tuple[str, Path, tuple[str, str]]]:
    """The demo database and one local editor account, served on its own port."""
    folder = tmp_path_factory.mktemp("followup-editor")
    db, secrets = folder / "zi.duckdb", folder / "secrets.toml"
    account = ("siti", "rahasia-ZI-2026")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args, stdin in ((["seed-demo", "--db", str(db)], None),
                        (["add-editor", account[0], "--secrets", str(secrets), "--password-stdin"], account[1])):
        done = subprocess.run([sys.executable, "-m", "zi_metrics", *args], input=stdin, text=True,
                              capture_output=True, cwd=folder, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
    with run_streamlit(free_port_factory(), db, artifacts_dir / "streamlit-followup-editor.log",
                       secrets=secrets) as base_url:
        yield base_url, db, account


def test_an_editor_saves_a_follow_up(page: Page, editor_server, artifacts_dir: Path) -> None:
    base_url, db, (user, password) = editor_server
    page.set_viewport_size({"width": 1440, "height": 2400})
    _open(page, f"{base_url}/tindak-lanjut?tahun=2026&tahap=tpi")
    page.get_by_test_id("stExpander").filter(has_text="Masuk sebagai editor").locator("summary").click()
    page.get_by_label("Nama pengguna").fill(user)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Butir yang diubah")
    expect(picker).to_be_visible(timeout=60_000)  # signed in: the edit picker replaces the sign-in form
    expect(page.get_by_text(f"Akun editor: {user}")).to_be_visible()
    picker.locator("input").click()
    first = page.get_by_role("option").first
    label = first.inner_text()
    first.click()
    question = int(re.search(r"soal (\d+)", label).group(1))
    pic = page.get_by_label("PIC (penanggung jawab)")
    expect(pic).to_be_visible(timeout=60_000)
    pic.fill("Kepala Subbagian Umum (uji)")
    page.get_by_role("button", name="Simpan tindak lanjut").click()
    expect(page.get_by_text(re.compile(rf"Tindak lanjut soal {question} .* disimpan"))).to_be_visible(timeout=60_000)
    _no_exception(page)
    page.screenshot(path=str(artifacts_dir / "page-tindak-lanjut-edited.png"))
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT pic, edited, updated_by FROM follow_ups WHERE question_id = ? AND pic LIKE '%(uji)'",
                          [question]).fetchall()
        action = con.execute("SELECT action, actor FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert got == [("Kepala Subbagian Umum (uji)", True, user)]
    assert action == ("update_follow_up", user)
