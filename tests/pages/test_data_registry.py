"""AppTest of the Kelola data page's unit registry (a form for one unit, a units file previewed then
saved) and of an installation that starts empty (the first steps, the pointer on every other page,
loading the demo)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from zi_metrics.accounts import hash_password
from zi_metrics.store import Store, Unit, open_store

REPO = Path(__file__).resolve().parents[2]
EDITOR, PASSWORD = "siti", "rahasia-ZI-2026"
CSV = "text/csv"
UNITS = (
    b"id,name,parent_id,level,short_name,instansi_kind,year,bpk_opinion,sakip_grade\n"
    b"tangsel,Pemerintah Kota Tangerang Selatan,,instansi,Pemkot Tangsel,pemerintah_daerah,2025,WTP,BB\n"
    b"tangsel-dukcapil,Dinas Kependudukan dan Pencatatan Sipil,tangsel,,Disdukcapil,,,,\n"
    b"tangsel-dpmptsp,Dinas Penanaman Modal dan PTSP,tangsel,eselon2,DPMPTSP,,,,\n"
)


@pytest.fixture(scope="module")
def editor_hash() -> str:
    return hash_password(PASSWORD, rounds=4)


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database made by init-db: the schema and nothing else."""
    import streamlit as st

    path = tmp_path / "empty.duckdb"
    open_store(path, create=True)
    monkeypatch.setenv("ZI_DB_PATH", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    return path


def _app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)


def _open(app, editor_hash: str | None, page: str = "views/kelola-data.py", **params: str):
    app.secrets["zi"] = {"accounts": {EDITOR: editor_hash}} if editor_hash else {"editors": []}
    for key, value in params.items():
        app.query_params[key] = value
    at = app.run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _sign_in(at):
    at.text_input(key="auth_username").input(EDITOR)
    at.text_input(key="auth_password").input(PASSWORD)
    at.button(key="auth_submit").click().run()
    assert not at.exception, at.exception
    return at


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


def _fingerprint(path: Path) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for p in (path, path.with_name(path.name + ".wal")):
        out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
    return out


def _units_uploader(at):
    return next(u for u in at.file_uploader if str(u.key).startswith("units_upload_"))


def _frame(at, column: str):
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a column {column!r}")


# ---------------------------------------------------------------------------------------------
# The registry on a demo database


def test_an_editor_adds_one_unit_with_the_form(app, app_db, editor_hash):
    store = Store(app_db)
    at = _sign_in(_open(app, editor_hash))
    at.text_input(key="unit_form_name").input("Biro Perencanaan")
    at.text_input(key="unit_form_short_name").input("Biro Perencanaan")
    at.selectbox(key="unit_form_parent_id").set_value("kemendesa-setjen")
    at.button(key="unit_form_submit").click().run()
    assert not at.exception, at.exception
    unit = store.get_unit("kemendesa-setjen-biro-perencanaan")  # id made from the short name and parent
    assert unit == Unit("kemendesa-setjen-biro-perencanaan", "Biro Perencanaan", "eselon2", "kementerian_lembaga",
                        "kemendesa-setjen", "Biro Perencanaan")
    assert any("Biro Perencanaan (kemendesa-setjen-biro-perencanaan) terdaftar" in s for s in _texts(at.success))
    assert at.text_input(key="unit_form_name").value == ""  # the form is cleared after a save
    log = store.audit_log(1).iloc[0]
    assert (log["actor"], log["action"]) == (EDITOR, "add_unit")


@pytest.mark.parametrize(("fill", "expected"), [
    ({"unit_form_short_name": "Itjen", "unit_form_name": "Inspektorat Jenderal"},
     "ID unit: unit 'kemendesa-itjen' (Inspektorat Jenderal) sudah terdaftar"),
    ({"unit_form_id": "unit-baru"}, "Nama unit: nama unit kosong"),
    ({"unit_form_id": "Unit Baru", "unit_form_name": "Unit Baru"},
     "ID unit: id 'Unit Baru' harus terdiri atas huruf kecil"),
], ids=["exists", "empty name", "bad id"])
def test_the_form_refuses_bad_input_in_the_interface_language(app, app_db, editor_hash, fill, expected):
    at = _sign_in(_open(app, editor_hash))
    for key, value in fill.items():
        at.text_input(key=key).input(value)
    if "unit_form_short_name" in fill:
        at.selectbox(key="unit_form_parent_id").set_value("kemendesa")
    before = _fingerprint(app_db)
    at.button(key="unit_form_submit").click().run()
    assert not at.exception, at.exception
    assert any(expected in e for e in _texts(at.error)), _texts(at.error)
    assert _fingerprint(app_db) == before


def test_a_units_file_is_previewed_then_saved_in_one_transaction(app, app_db, editor_hash):
    store = Store(app_db)
    at = _sign_in(_open(app, editor_hash))
    _units_uploader(at).set_value(("daftar-unit.csv", UNITS, CSV)).run()
    assert not at.exception, at.exception
    preview = _frame(at, "line")
    assert list(preview["id"]) == ["tangsel", "tangsel-dukcapil", "tangsel-dpmptsp"]
    assert list(preview["status"]) == ["baru", "baru", "baru"] and list(preview["line"]) == [2, 3, 4]
    assert list(preview["level"]) == ["Instansi", "Eselon I", "Eselon II"]
    assert any("3 unit baru, 0 diubah, 0 tidak berubah; data prasyarat 1 unit-tahun" in c for c in _texts(at.caption))
    assert "tangsel" not in {u.id for u in store.list_units()}  # nothing written by the preview
    assert at.button(key="units_save").label == "Simpan 3 unit"
    at.button(key="units_save").click().run()
    assert not at.exception, at.exception
    assert any("daftar-unit.csv: 3 unit baru" in s for s in _texts(at.success))
    assert store.get_unit("tangsel-dukcapil").instansi_kind == "pemerintah_daerah"
    assert store.prerequisites_for("tangsel", 2025, inherit=False)["sakip_grade"] == "BB"
    log = store.audit_log(1).iloc[0]
    assert (log["actor"], log["action"], log["file_name"]) == (EDITOR, "import_units", "daftar-unit.csv")
    assert _units_uploader(at).value is None  # emptied after the save
    # The units are at once in the import's unit choice and in the list.
    assert "tangsel-dukcapil" in set(_frame(at, "afirmasi")["id"])


def test_a_units_file_with_bad_rows_lists_them_by_line_and_column_and_saves_nothing(app, app_db, editor_hash):
    bad = (b"id,name,parent_id,level\n"
           b"kota-a,Kota A,,instansi\n"
           b"kota-a-x,,kota-a,\n"
           b"kota-a,Kota A lagi,,instansi\n"
           b"kota-a-y,Unit Y,kota-zz,eselon2\n"
           b"kota-a-p,Unit P,kota-a-q,eselon2\n"
           b"kota-a-q,Unit Q,kota-a-p,eselon2\n")
    at = _sign_in(_open(app, editor_hash))
    before = _fingerprint(app_db)
    _units_uploader(at).set_value(("unit.csv", bad, CSV)).run()
    assert not at.exception, at.exception
    assert any("4 masalah menghalangi penyimpanan daftar unit" in e for e in _texts(at.error)), _texts(at.error)
    problems = _frame(at, "column")
    assert list(zip(problems["line"], problems["column"], strict=True)) == [
        (3, "2 (name)"), (4, "1 (id)"), (5, "3 (parent_id)"), (6, "3 (parent_id)")]
    assert list(problems["message"]) == [
        "nama unit kosong",
        "id 'kota-a' sudah dipakai di baris 2",
        "unit induk 'kota-zz' tidak ada di berkas maupun di basis data",
        "induk membentuk lingkaran: kota-a-p → kota-a-q → kota-a-p",
    ]
    assert "units_save" not in {b.key for b in at.button}
    assert _fingerprint(app_db) == before


def test_the_registry_in_english(app, editor_hash):
    at = _sign_in(_open(app, editor_hash, lang="en"))
    _units_uploader(at).set_value(("u.csv", b"id,name\nkem-x,\n", CSV)).run()
    assert any("1 problem(s) block saving the unit list" in e for e in _texts(at.error))
    assert list(_frame(at, "column")["message"]) == ["the unit name is empty"]
    tree = _frame(at, "afirmasi")
    assert tree.iloc[0]["id"] == "kemendesa" and tree.iloc[1]["name"].startswith("\u2003")  # hierarchy order
    assert "dl_units" in {b.key for b in at.download_button}


# ---------------------------------------------------------------------------------------------
# An installation that starts empty


def test_an_empty_database_points_every_page_to_the_first_steps(empty_db, editor_hash):
    at = _open(_app(), editor_hash, page="views/ringkasan.py")
    links = [e for e in at.get("page_link") if "Kelola data" in e.proto.label]
    assert links and "kelola-data" in links[0].proto.page
    assert any("masih kosong" in m.value for m in at.markdown)
    for page in ("views/profil.py", "views/progres.py"):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert any("Kelola data" in e.proto.label for e in at.get("page_link"))


def test_a_viewer_sees_the_first_steps_but_cannot_load_the_demo(empty_db, editor_hash):
    at = _open(_app(), editor_hash)
    markdown = " ".join(m.value for m in at.markdown)
    for step in ("1. Masuk sebagai editor", "2. Daftarkan unit kerja", "3. Impor LKE", "4. Lihat profil unit"):
        assert step in markdown
    assert "data_load_demo" not in {b.key for b in at.button}
    assert any("Masuk sebagai editor untuk memuat data demo" in c for c in _texts(at.caption))
    # Without any editor account, the first step says how to make one.
    at = _open(_app(), None)
    assert any("add-editor" in m.value for m in at.markdown)


def test_an_editor_loads_the_demo_into_an_empty_database(empty_db, editor_hash):
    at = _sign_in(_open(_app(), editor_hash))
    assert Store(empty_db).dataset_kind() == "empty"
    at.button(key="data_load_demo").click().run()
    assert not at.exception, at.exception
    assert any("Data demo dimuat: 16 unit, 143 penilaian" in s for s in _texts(at.success))
    assert Store(empty_db).dataset_kind() == "demo"
    assert "onboarding" not in " ".join(m.value for m in at.markdown)
    assert not any("4. Lihat profil unit" in m.value for m in at.markdown)  # the first steps are done
    assert any("Data sintetis (demo)" in c for c in _texts(at.caption))


def test_registered_units_count_as_the_second_step_and_block_the_demo(empty_db, editor_hash):
    store = Store(empty_db)
    at = _sign_in(_open(_app(), editor_hash))
    _units_uploader(at).set_value(("daftar-unit.csv", UNITS, CSV)).run()
    at.button(key="units_save").click().run()
    assert any("3 unit terdaftar" in m.value for m in at.markdown)
    # The import now offers the registered units; the demo would replace them: refused.
    before = _fingerprint(empty_db)
    at.button(key="data_load_demo").click().run()
    assert not at.exception, at.exception
    assert any("basis data sudah berisi data nyata" in e for e in _texts(at.error))
    assert _fingerprint(empty_db) == before and len(store.list_units()) == 3
