"""The "Data sintetis (demo)" banner follows the rows a screen shows (issue #10.8): on a database
holding the demo and real data, every screen, export and PDF showing a demo row says so, and those
showing only real rows do not; "Hapus data demo" on Kelola data removes exactly the demo rows and
the banner with them."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from zi_metrics.__main__ import main
from zi_metrics.accounts import hash_password
from zi_metrics.store import Store, Unit, save_rounds

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "lke"))
from lke_builders import full_answers  # noqa: E402

BANNER = "Data sintetis (demo)"
EDITOR, PASSWORD = "siti", "rahasia-ZI-2026"
REAL = "tangsel"
ITJEN = "kemendesa-itjen"


@pytest.fixture
def mixed(app_db: Path) -> Path:
    """The demo database plus one real unit with one real round (2027 TPI, a round of its own)."""
    store = Store(app_db)
    store.upsert_units([Unit(REAL, "Pemerintah Kota Tangerang Selatan", "instansi", "pemerintah_daerah",
                             short_name="Pemkot Tangsel")], actor="ana")
    save_rounds(store, [{"unit_id": REAL, "year": 2027, "stage": "tpi", "framework_id": "permenpanrb-90-2021",
                         "answers": full_answers()}], actor="ana")
    return app_db


def _open(app, page: str, **params: str):
    app.secrets["zi"] = {"accounts": {EDITOR: hash_password(PASSWORD, rounds=4)}}
    for key, value in params.items():
        app.query_params[key] = value
    at = app.run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _banner(at) -> bool:
    return any(BANNER in c.value for c in at.caption)


@pytest.mark.parametrize(("page", "params", "shown"), [
    ("views/ringkasan.py", {"tahun": "2027", "tahap": "tpi"}, False),  # only the real unit's round
    ("views/ringkasan.py", {"tahun": "2025", "tahap": "tpi"}, True),
    ("views/profil.py", {"tahun": "2027", "tahap": "tpi", "unit": REAL}, False),
    ("views/profil.py", {"tahun": "2025", "tahap": "tpi", "unit": ITJEN}, True),
    ("views/kesenjangan.py", {"tahun": "2027", "tahap": "tpi", "unit": REAL}, False),
    ("views/kesenjangan.py", {"tahun": "2025", "tahap": "tpn", "unit": ITJEN}, True),
    ("views/simulasi.py", {"tahun": "2027", "tahap": "tpi", "unit": REAL}, False),
    ("views/simulasi.py", {"tahun": "2025", "tahap": "tpn", "unit": ITJEN}, True),
    ("views/kelola-data.py", {"tahun": "2027", "tahap": "tpi", "unit": REAL}, True),  # it offers the whole database
], ids=lambda v: v if isinstance(v, str) else None)
def test_the_banner_shows_where_demo_rows_are_shown_whatever_else_is_imported(app, mixed, page, params, shown):
    at = _open(app, page, **params)
    assert _banner(at) is shown, [c.value for c in at.caption]


def test_the_deck_says_so_on_a_demo_round(app, mixed):
    at = _open(app, "views/present.py", tahun="2025", tahap="tpi")
    assert any(BANNER in h.proto.body for h in at.get("html"))
    at = _open(_fresh(), "views/present.py", tahun="2027", tahap="tpi")
    assert not any(BANNER in h.proto.body for h in at.get("html"))


def test_pdf_and_workbook_exports_say_so_only_for_demo_rows(mixed, tmp_path, capsys):
    def pdf_text(path: Path) -> str:
        return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)

    for unit, year, stage, shown in ((REAL, "2027", "tpi", False), (ITJEN, "2025", "tpi", True)):
        out = tmp_path / f"{unit}.pdf"
        assert main(["export-report", "--unit", unit, "--year", year, "--stage", stage, "--out", str(out),
                     "--db", str(mixed)]) == 0
        assert (BANNER in pdf_text(out)) is shown
    from openpyxl import load_workbook

    from zi_metrics.lke import export_lke

    store = Store(mixed)
    real = load_workbook(io.BytesIO(export_lke(store, REAL, 2027, "tpi")))
    demo = load_workbook(io.BytesIO(export_lke(store, ITJEN, 2025, "tpi")))

    def cells(wb) -> str:
        return " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows(max_row=6) for c in row
                        if c.value is not None)

    assert "SINTETIS" not in cells(real) and "SINTETIS" in cells(demo)


def test_an_editor_removes_exactly_the_demo_rows_and_the_banner_goes(app, mixed):
    store = Store(mixed)
    at = _open(app, "views/kelola-data.py", tahun="2025", tahap="tpi", unit=ITJEN)
    at.text_input(key="auth_username").input(EDITOR)
    at.text_input(key="auth_password").input(PASSWORD)
    at.button(key="auth_submit").click().run()
    assert any("16 unit demo dan 143 penilaian demo" in c.value for c in at.caption)
    at.button(key="data_remove_demo").click().run()
    assert any("Hapus 16 unit demo dan 143 penilaian demo" in w.value for w in at.warning)
    assert store.dataset_kind() == "mixed"  # nothing removed before the confirmation
    at.button(key="data_remove_demo_confirm").click().run()
    assert not at.exception, at.exception
    assert any("Data demo dihapus: 16 unit, 143 penilaian" in s.value for s in at.success)
    assert store.dataset_kind() == "real" and [u.id for u in store.list_units()] == [REAL]
    assert len(store.evaluations()) == 1
    assert not _banner(at) and "data_remove_demo" not in {b.key for b in at.button}
    at.switch_page("views/ringkasan.py").run()
    assert not at.exception, at.exception
    assert not _banner(at)


def _fresh():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
