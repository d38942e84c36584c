"""A new installation walked in Chromium: ``init-db`` and ``add-editor``, then the dashboard on the
empty database points to Kelola data, whose first steps lead through signing in, registering the
units from a CSV, importing the official Lampiran III form filled in by a unit (its title rows
suggest the unit and year, its file name the stage) and opening the imported unit's profile.
The expected total is LibreOffice's recalculation of the repaired form with the same answers
(tests/fixtures/lke-official/expected.json), not the project's. Screenshots at 1280x720 and
1440x900 go to test-artifacts/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "lke"))
from official_form import FIXTURES, FORM_PATH, fill, load_form, title_rows, to_bytes, unit_answers  # noqa: E402

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PLOT = '[data-testid="stPlotlyChart"] .js-plotly-plot'
UNITS_CSV = (
    "id,name,parent_id,level,short_name,instansi_kind,year,bpk_opinion,sakip_grade,indeks_rb_grade,spip_level\n"
    "tangsel,Pemerintah Kota Tangerang Selatan,,instansi,Pemkot Tangsel,pemerintah_daerah,2025,WTP,BB,B,3\n"
    "tangsel-dukcapil,Dinas Kependudukan dan Pencatatan Sipil,tangsel,,Disdukcapil,,,,,,\n"
    "tangsel-dpmptsp,Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu,tangsel,eselon2,DPMPTSP,,,,,,\n"
)
SIZES = ((1280, 720), (1440, 900))


def _ready(page: Page) -> None:
    expect(page.locator(READY)).to_be_visible(timeout=60_000)


def _no_exception(page: Page) -> None:
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _shots(page: Page, artifacts: Path, name: str, focus=None) -> None:
    _ready(page)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        _ready(page)
        if focus is not None:
            focus.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"empty-installation-{name}-{width}x{height}.png"))


@pytest.mark.skipif(not FORM_PATH.is_file(), reason=f"official form missing: {FORM_PATH}")
def test_an_empty_installation_walks_to_the_first_profile(page: Page, empty_installation, artifacts_dir: Path,
                                                         tmp_path: Path) -> None:
    base_url, db, (user, password) = empty_installation
    units_csv = tmp_path / "daftar-unit.csv"
    units_csv.write_text(UNITS_CSV, encoding="utf-8")
    wb = load_form()
    fill(wb, unit_answers())
    title_rows(wb, ["LEMBAR KERJA EVALUASI ZONA INTEGRITAS",
                    "Unit kerja: Dinas Kependudukan dan Pencatatan Sipil Kota Tangerang Selatan", "Tahun 2025"])
    lke = tmp_path / "LKE ZI penilaian TPI.xlsx"
    lke.write_bytes(to_bytes(wb))
    expected = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    expected_total = expected["answer_sets"]["complete"]["regulation"]["total"]
    page.set_viewport_size({"width": 1440, "height": 900})

    # The landing page of an empty database says where to start.
    page.goto(base_url)
    _ready(page)
    expect(page.get_by_text("Basis data ini masih kosong")).to_be_visible()
    _shots(page, artifacts_dir, "1-landing")
    page.get_by_role("link", name="Ke halaman Kelola data").click()
    _ready(page)
    expect(page.get_by_text("1. Masuk sebagai editor")).to_be_visible(timeout=30_000)
    _shots(page, artifacts_dir, "2-first-steps")

    # 1. Sign in with the account add-editor made.
    page.get_by_label("Nama pengguna").fill(user)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_text(f"Masuk sebagai editor: {user}")).to_be_visible(timeout=30_000)

    # 2. Register the units from a CSV: preview, then save.
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Daftar unit (CSV/XLSX)")
    uploader.locator('input[type="file"]').set_input_files(str(units_csv))
    save = page.get_by_role("button", name="Simpan 3 unit")
    expect(save).to_be_visible(timeout=60_000)
    _shots(page, artifacts_dir, "3-units-preview", save)
    save.click()
    expect(page.get_by_text("daftar-unit.csv: 3 unit baru")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("3 unit terdaftar (bagian Unit kerja di bawah).")).to_be_visible()

    # 3. Import the unit's LKE: unit and year suggested by its title rows, the stage by its name.
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Berkas LKE")
    uploader.locator('input[type="file"]').set_input_files(str(lke))
    expect(page.get_by_text("Unit dan tahun disarankan dari isi berkas")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Tahap disarankan dari nama berkas")).to_be_visible()
    confirm = page.get_by_role("button", name="Impor 1 berkas")
    expect(confirm).to_be_enabled(timeout=60_000)
    total = f"{expected_total:.2f}".replace(".", ",")
    expect(page.get_by_text(f"Disdukcapil 2025 tahap TPI: total {total}")).to_be_visible()
    _shots(page, artifacts_dir, "4-lke-preview", confirm)
    confirm.click()

    # 4. The profile of the imported round, one click away.
    link = page.get_by_role("link", name="Lihat profil Disdukcapil 2025 tahap TPI")
    expect(link).to_be_visible(timeout=60_000)
    _no_exception(page)
    _shots(page, artifacts_dir, "5-imported", link)
    link.click()
    _ready(page)
    expect(page.get_by_role("heading", name="Dinas Kependudukan dan Pencatatan Sipil")).to_be_visible(timeout=60_000)
    expect(page.locator(PLOT).first).to_be_visible(timeout=60_000)
    expect(page.get_by_text(total, exact=True).first).to_be_visible()
    _no_exception(page)
    _shots(page, artifacts_dir, "6-profile")
    # Real data only: no synthetic-data banner anywhere on the way.
    expect(page.get_by_text("Data sintetis (demo)")).to_have_count(0)
