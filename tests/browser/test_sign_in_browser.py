"""A local editor in Chromium: a wrong password is refused and leaves an audit row (a sentence in
the log editors see); the right one signs in, and the sign-in survives a reload and a new tab
(the signed cookie); a tampered cookie is ignored; signing out ends it for the next reload too.
Screenshots of the signed-in page and of the log at 1280x720 and 1440x900."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, run_streamlit
from playwright.sync_api import BrowserContext, Page, expect

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
USER, PASSWORD = "siti", "rahasia-ZI-2026"


@pytest.fixture(scope="module")
def sign_in_server(tmp_path_factory: pytest.TempPathFactory, free_port_factory: Callable[[], int],
                   artifacts_dir: Path) -> Iterator[tuple[str, Path, Path]]:
    """The demo database and one local editor account, served on its own port."""
    folder = tmp_path_factory.mktemp("sign-in")
    db, secrets = folder / "zi.duckdb", folder / "secrets.toml"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args, stdin in ((["seed-demo", "--db", str(db)], None),
                        (["add-editor", USER, "--secrets", str(secrets), "--password-stdin"], PASSWORD)):
        done = subprocess.run([sys.executable, "-m", "zi_metrics", *args], input=stdin, text=True,
                              capture_output=True, cwd=folder, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
    with run_streamlit(free_port_factory(), db, artifacts_dir / "streamlit-sign-in.log", secrets=secrets) as url:
        yield url, db, secrets


def _open(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name="Log impor dan perubahan")).to_be_visible(timeout=60_000)


def _signed_in(page: Page) -> None:
    expect(page.get_by_text(f"Masuk sebagai editor: {USER}")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    expect(page.get_by_text("Tetap masuk di peramban ini sampai ")).to_be_visible()


def _viewer(page: Page) -> None:
    expect(page.get_by_label("Nama pengguna")).to_be_visible(timeout=60_000)
    expect(page.get_by_text(f"Masuk sebagai editor: {USER}")).to_have_count(0)


def _sign_in(page: Page, password: str) -> None:
    page.get_by_label("Nama pengguna").fill(USER)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()


def _editor_cookie(context: BrowserContext) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == "zi_editor"), None)


def test_a_sign_in_survives_a_reload_and_a_new_tab(page: Page, sign_in_server, artifacts_dir: Path) -> None:
    base_url, db, _ = sign_in_server
    url = f"{base_url}/kelola-data"
    page.set_viewport_size({"width": 1440, "height": 900})
    _open(page, url)
    _viewer(page)

    # A wrong password: refused, counted, and in the log as a sentence (never the password).
    _sign_in(page, "salah-sekali")
    expect(page.get_by_text("Sisa percobaan: 4")).to_be_visible(timeout=60_000)
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT actor, detail FROM audit_log WHERE action = 'sign_in_failed'").fetchall()
        attempts = con.execute("SELECT count(*) FROM sign_in_attempts WHERE user_key = ?", [USER]).fetchone()[0]
    assert len(rows) == 1 and '"user_name": "siti"' in rows[0][1] and "salah" not in rows[0][1]
    assert attempts == 1

    # The right password: signed in, and the signed cookie is in the browser. The log an editor
    # sees names the refused attempt (a viewer's leaves refused sign-ins out).
    _sign_in(page, PASSWORD)
    _signed_in(page)
    # The signed-in run draws the editor's sections above the log, the units table among them in
    # a tab not shown: taken while that run was drawing, "the last table" was that hidden one, and
    # scroll_into_view_if_needed waits on the element it took (30 s, failed in CI). So: the run
    # ended, the log (the page's last table) seen, then scrolled to.
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    log = page.get_by_test_id("stDataFrame").last
    expect(log).to_be_visible(timeout=60_000)
    log.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "page-kelola-data-log-1440.png"))
    page.wait_for_function("document.cookie.includes('zi_editor=v1:siti:')", timeout=60_000)
    cookie = _editor_cookie(page.context)
    assert cookie is not None and cookie["sameSite"] == "Strict" and cookie["expires"] > 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM sign_in_attempts").fetchone()[0] == 0  # the count cleared
    for width, height in ((1280, 720), (1440, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.get_by_test_id("stMain").evaluate("m => m.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts_dir / f"page-kelola-data-signed-in-{width}.png"))

    # A reload is a new session: still signed in.
    page.reload()
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    _signed_in(page)
    expect(page.get_by_test_id("stFileUploader").first).to_be_visible()

    # So is a new tab of the same browser.
    other = page.context.new_page()
    other.set_viewport_size({"width": 1280, "height": 720})
    _open(other, url)
    _signed_in(other)
    other.close()

    # A tampered cookie (another expiry) is ignored, and deleted.
    parts = cookie["value"].split(":")
    parts[2] = str(int(parts[2]) + 3600)
    page.context.add_cookies([{**cookie, "value": ":".join(parts)}])
    page.reload()
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    _viewer(page)
    page.wait_for_function("!document.cookie.includes('zi_editor=')", timeout=60_000)

    # Sign in again, then out: the next reload is a viewer's.
    _sign_in(page, PASSWORD)
    _signed_in(page)
    page.wait_for_function("document.cookie.includes('zi_editor=v1:siti:')", timeout=60_000)
    page.get_by_role("button", name="Keluar").click()
    _viewer(page)
    page.wait_for_function("!document.cookie.includes('zi_editor=')", timeout=60_000)
    page.reload()
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    _viewer(page)
    assert page.get_by_test_id("stException").count() == 0


def test_a_sign_in_on_tindak_lanjut_lasts_too(page: Page, sign_in_server) -> None:
    """The other page with a sign-in form (in an expander) writes the cookie as well."""
    base_url, _, _ = sign_in_server
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{base_url}/tindak-lanjut?tahun=2026&tahap=tpi")
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    page.get_by_test_id("stExpander").filter(has_text="Masuk sebagai editor").locator("summary").click()
    _sign_in(page, PASSWORD)
    expect(page.get_by_text(f"Akun editor: {USER}")).to_be_visible(timeout=60_000)
    page.wait_for_function("document.cookie.includes('zi_editor=v1:siti:')", timeout=60_000)
    page.goto(f"{base_url}/kelola-data")
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    _signed_in(page)


def test_an_editor_downloads_the_recap_in_the_page_language(page: Page, sign_in_server, tmp_path: Path) -> None:
    """Kelola data's recap is built when clicked, off the script thread: it must still be in the
    language of the page it was clicked on (it once read the language there, where no session is)."""
    from openpyxl import load_workbook

    base_url, _, _ = sign_in_server
    page.set_viewport_size({"width": 1440, "height": 900})
    _open(page, f"{base_url}/kelola-data?tahun=2025&tahap=tpi")
    _sign_in(page, PASSWORD)
    _signed_in(page)
    page.goto(f"{base_url}/kelola-data?lang=en&tahun=2025&tahap=tpi")
    expect(page.locator(READY)).to_be_visible(timeout=60_000)
    button = page.get_by_role("button", name="Recap 2025, TPI (internal assessment team) (XLSX)")
    expect(button).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=180_000) as info:
        button.click()
    target = tmp_path / "recap.xlsx"
    info.value.save_as(target)
    assert info.value.suggested_filename == "rekap-zi-2025-tpi.xlsx"
    book = load_workbook(target, read_only=True)
    cells = {str(v) for ws in book.worksheets for row in ws.iter_rows(max_row=12, values_only=True)
             for v in row if v is not None}
    assert "Zona Integritas scores 2025 · TPI (internal assessment team)" in cells, sorted(cells)[:40]
    assert any(c.startswith("Synthetic data (demo)") for c in cells), sorted(cells)[:40]
    assert not any(c.startswith(("Rekap nilai", "Data sintetis")) for c in cells)


def test_two_replicas_share_the_attempt_limit_and_the_sign_in(page: Page, sign_in_server, artifacts_dir: Path,
                                                              free_port_factory: Callable[[], int]) -> None:
    """A second server on the same database and secrets (a replica): wrong passwords counted on
    one count on the other, and a sign-in on one is a sign-in on the other (cookies of a host are
    sent to every port, as a load balancer's one address would get them)."""
    first, db, secrets = sign_in_server
    page.set_viewport_size({"width": 1280, "height": 720})
    with run_streamlit(free_port_factory(), db, artifacts_dir / "streamlit-sign-in-replica.log",
                       secrets=secrets) as second:
        _open(page, f"{first}/kelola-data")
        for left in (4, 3, 2):
            _sign_in(page, f"salah-{left}")
            expect(page.get_by_text(f"Sisa percobaan: {left}.")).to_be_visible(timeout=60_000)
            expect(page.locator(READY)).to_be_visible(timeout=60_000)
        _open(page, f"{second}/kelola-data")
        _sign_in(page, "salah-1")
        expect(page.get_by_text("Sisa percobaan: 1.")).to_be_visible(timeout=60_000)  # counted on both
        expect(page.locator(READY)).to_be_visible(timeout=60_000)
        _sign_in(page, PASSWORD)
        _signed_in(page)
        page.wait_for_function("document.cookie.includes('zi_editor=v1:siti:')", timeout=60_000)
        _open(page, f"{first}/kelola-data")  # the other replica accepts the sign-in
        _signed_in(page)
        assert page.get_by_test_id("stException").count() == 0
