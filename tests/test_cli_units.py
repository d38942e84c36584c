"""The unit registry commands (units, import-units, add-unit) and show: what they store and print,
and every kind of bad input refused with its line and column while the database file stays
byte-for-byte the same."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from zi_metrics.__main__ import main
from zi_metrics.store import Store, Unit, open_store

REPO = Path(__file__).resolve().parents[1]

UNITS_CSV = """id,name,parent_id,level,short_name,instansi_kind,year,bpk_opinion,sakip_grade,indeks_rb_grade,spip_level
tangsel,Pemerintah Kota Tangerang Selatan,,instansi,Pemkot Tangsel,pemerintah_daerah,2025,WTP,BB,B,3
tangsel-dukcapil,Dinas Kependudukan dan Pencatatan Sipil,tangsel,,Disdukcapil,,,,,,
tangsel-dpmptsp,Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu,tangsel,eselon2,DPMPTSP,,,,,,
tangsel-dpmptsp-mpp,Mal Pelayanan Publik,tangsel-dpmptsp,satker,MPP,,,,,,
"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def fingerprint(path: Path) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for p in (path, path.with_name(path.name + ".wal")):
        out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
    return out


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "zi.duckdb"
    open_store(path, create=True)
    return path


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Loading and listing


def test_import_units_stores_the_units_and_facts_and_a_second_import_writes_nothing(capsys, tmp_path, db):
    units = write(tmp_path, "unit.csv", UNITS_CSV)
    code, out, err = run(capsys, "import-units", str(units), "--db", str(db), "--actor", "siti")
    assert (code, err) == (0, "")
    assert "4 unit(s) saved (4 new, 0 changed, 0 unchanged)" in out
    store = Store(db)
    assert store.list_units() == [
        Unit("tangsel", "Pemerintah Kota Tangerang Selatan", "instansi", "pemerintah_daerah", None, "Pemkot Tangsel"),
        Unit("tangsel-dpmptsp", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "eselon2",
             "pemerintah_daerah", "tangsel", "DPMPTSP"),
        Unit("tangsel-dpmptsp-mpp", "Mal Pelayanan Publik", "satker", "pemerintah_daerah", "tangsel-dpmptsp", "MPP"),
        # a blank level is the one under the parent's; a blank kind is the parent's
        Unit("tangsel-dukcapil", "Dinas Kependudukan dan Pencatatan Sipil", "eselon1", "pemerintah_daerah",
             "tangsel", "Disdukcapil"),
    ]
    facts = store.prerequisites_for("tangsel", 2025, inherit=False)
    assert (facts["bpk_opinion"], facts["sakip_grade"], facts["indeks_rb_grade"], facts["spip_level"]) == (
        "WTP", "BB", "B", 3.0)
    # the instansi facts reach the sub-units (the prerequisites inherit them)
    assert store.prerequisites_for("tangsel-dpmptsp-mpp", 2025)["bpk_opinion"] == "WTP"
    log = store.audit_log(1).iloc[0]
    assert (log["actor"], log["action"], log["file_name"]) == ("siti", "import_units", "unit.csv")
    assert log["file_sha256"] == hashlib.sha256(units.read_bytes()).hexdigest()

    before = fingerprint(db)
    code, out, err = run(capsys, "import-units", str(units), "--db", str(db))
    assert code == 0 and "nothing written" in out and "4 unchanged" in out
    assert fingerprint(db) == before


def test_units_lists_id_name_parent_level_in_hierarchy_order_and_its_csv_reads_back(capsys, tmp_path, db):
    run(capsys, "import-units", str(write(tmp_path, "u.csv", UNITS_CSV)), "--db", str(db))
    code, out, err = run(capsys, "units", "--db", str(db))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["id", "name", "parent", "level"]
    assert [ln.split()[0] for ln in lines[1:5]] == ["tangsel", "tangsel-dpmptsp", "tangsel-dpmptsp-mpp",
                                                   "tangsel-dukcapil"]
    assert lines[3].split()[-2:] == ["tangsel-dpmptsp", "satker"] and lines[-1] == "4 unit(s)"
    code, out, _ = run(capsys, "units", "--db", str(db), "--format", "json")
    rows = json.loads(out)
    assert rows[1] == {"id": "tangsel-dpmptsp", "name": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
                       "parent_id": "tangsel", "level": "eselon2", "short_name": "DPMPTSP",
                       "instansi_kind": "pemerintah_daerah", "afirmasi": False, "demo": False}
    code, out, _ = run(capsys, "units", "--db", str(db), "--format", "csv")
    again = write(tmp_path, "export.csv", out)
    before = fingerprint(db)
    code, out, err = run(capsys, "import-units", str(again), "--db", str(db))
    assert (code, err) == (0, "") and "4 unchanged" in out and fingerprint(db) == before


def test_an_empty_registry_says_how_to_fill_it(capsys, db):
    code, out, _ = run(capsys, "units", "--db", str(db))
    assert code == 0 and "import-units" in out and "add-unit" in out


def test_a_workbook_with_title_rows_indonesian_headers_and_an_update(capsys, tmp_path, db):
    wb = Workbook()
    ws = wb.active
    ws.title = "Daftar Unit"
    ws.append(["DAFTAR UNIT KERJA PEMBANGUNAN ZONA INTEGRITAS"])
    ws.append([])
    ws.append(["Kode", "Nama", "Induk", "Tingkat", "Nama Singkat", "Jenis Instansi", "Afirmasi", "Catatan"])
    ws.append(["kab-x", "Pemerintah Kabupaten X", None, "Instansi", None, "pemda", None, "kantor bupati"])
    ws.append(["kab-x-rsud", "RSUD Kabupaten X", "kab-x", "Eselon II", "RSUD X", None, "ya", None])
    ws.append([None, None, None, None, None, None, None, None])
    ws.append(["kab-x-rsud-poli", "Instalasi Rawat Jalan", "kab-x-rsud", "satuan kerja", None, None, False, None])
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "unit.xlsx"
    path.write_bytes(buf.getvalue())
    code, out, err = run(capsys, "import-units", str(path), "--db", str(db))
    assert code == 0, err
    assert "line 3, column H (Catatan)" in err and "ignored" in err  # a warning, not a refusal
    store = Store(db)
    assert store.get_unit("kab-x-rsud") == Unit("kab-x-rsud", "RSUD Kabupaten X", "eselon2", "pemerintah_daerah",
                                                 "kab-x", "RSUD X", True)
    assert store.get_unit("kab-x-rsud-poli").level == "satker"
    # a changed name is an update; blank cells keep what is stored
    ws.cell(5, 2).value = "Rumah Sakit Umum Daerah Kabupaten X"
    ws.cell(5, 5).value = None
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    code, out, err = run(capsys, "import-units", str(path), "--db", str(db))
    assert code == 0 and "(0 new, 1 changed, 2 unchanged)" in out
    assert store.get_unit("kab-x-rsud") == Unit("kab-x-rsud", "Rumah Sakit Umum Daerah Kabupaten X", "eselon2",
                                                 "pemerintah_daerah", "kab-x", "RSUD X", True)


def test_a_semicolon_csv_from_excel_with_a_bom_and_a_year_option(capsys, tmp_path, db):
    text = "\ufeffid;nama;induk;tingkat;jenis_instansi;bpk_opinion;tl_percent\n" \
           "kota-y;Pemerintah Kota Y;;instansi;pemerintah_daerah;wtp;\n" \
           "kota-y-dpmptsp;DPMPTSP Kota Y;kota-y;eselon2;;;\"97,5\"\n"
    path = tmp_path / "unit.csv"
    path.write_bytes(text.encode("utf-8"))
    code, out, err = run(capsys, "import-units", str(path), "--db", str(db), "--year", "2024")
    assert (code, err) == (0, ""), err
    store = Store(db)
    assert store.prerequisites_for("kota-y", 2024, inherit=False)["bpk_opinion"] == "WTP"
    assert store.prerequisites_for("kota-y-dpmptsp", 2024, inherit=False)["tl_percent"] == 97.5


def test_facts_merge_with_the_stored_ones(capsys, tmp_path, db):
    store = Store(db)
    store.upsert_units([Unit("kem", "Kementerian Contoh", "instansi")], actor="test")
    store.save_prerequisites("kem", 2025, {"bpk_opinion": "WDP", "spip_level": 3.0}, actor="test")
    path = write(tmp_path, "u.csv", "id,name,year,bpk_opinion,sakip_grade\nkem,Kementerian Contoh,2025,WTP,A\n")
    code, out, err = run(capsys, "import-units", str(path), "--db", str(db))
    assert code == 0, err
    facts = store.prerequisites_for("kem", 2025, inherit=False)
    assert (facts["bpk_opinion"], facts["sakip_grade"], facts["spip_level"]) == ("WTP", "A", 3.0)


# ---------------------------------------------------------------------------------------------
# Bad rows: refused with line and column, nothing written

HEADER = "id,name,parent_id,level,instansi_kind,year,bpk_opinion\n"
GOOD = "kem,Kementerian Contoh,,instansi,kementerian_lembaga,,\nkem-itjen,Inspektorat Jenderal,kem,eselon1,,,\n"

BAD_ROWS = {
    "duplicate id": (GOOD + "kem-itjen,Itjen lagi,kem,eselon1,,,\n",
                     "line 4, column 1 (id): id 'kem-itjen' is already used on line 3"),
    "unknown parent": (GOOD + "kem-x,Unit X,kem-tidak-ada,eselon2,,,\n",
                       "line 4, column 3 (parent_id): parent unit 'kem-tidak-ada' is neither in the file nor"),
    "cycle": (GOOD + "kem-a,Unit A,kem-b,eselon2,,,\nkem-b,Unit B,kem-a,eselon2,,,\n",
              "line 4, column 3 (parent_id): the parents form a cycle: kem-a → kem-b → kem-a"),
    "own parent": (GOOD + "kem-a,Unit A,kem-a,eselon2,,,\n",
                   "line 4, column 3 (parent_id): the parents form a cycle: kem-a → kem-a"),
    "empty name": (GOOD + "kem-a,  ,kem,eselon1,,,\n", "line 4, column 2 (name): the unit name is empty"),
    "empty id": (GOOD + ",Unit A,kem,eselon1,,,\n", "line 4, column 1 (id): the unit id is empty"),
    "bad id": (GOOD + "Kem A,Unit A,kem,eselon1,,,\n",
               "line 4, column 1 (id): id 'Kem A' must be lowercase letters, digits and single hyphens (e.g. 'kem-a')"),
    "bad level": (GOOD + "kem-a,Unit A,kem,direktorat,,,\n",
                  "line 4, column 4 (level): level 'direktorat' is not one of instansi, eselon1, eselon2, satker"),
    "level under": (GOOD + "kem-a,Unit A,kem-itjen,eselon1,,,\n",
                    "line 4, column 4 (level): a unit of level eselon1 cannot sit under 'kem-itjen'"),
    "instansi with parent": (GOOD + "kem-a,Unit A,kem,instansi,,,\n",
                             "line 4, column 3 (parent_id): an instansi has no parent unit"),
    "no parent": (GOOD + "kem-a,Unit A,,satker,,,\n",
                  "line 4, column 3 (parent_id): a unit of level satker needs a parent unit"),
    "kind differs": (GOOD + "kem-a,Unit A,kem,eselon1,pemda,,\n",
                     "line 4, column 5 (instansi_kind): instansi kind pemerintah_daerah differs from that of its"),
    "bad kind": (GOOD + "kem-a,Unit A,kem,eselon1,swasta,,\n",
                 "line 4, column 5 (instansi_kind): instansi kind 'swasta' is not one of"),
    "bad fact": (GOOD.replace("lembaga,,\n", "lembaga,2025,WTX\n", 1),
                 "line 2, column 7 (bpk_opinion): bpk_opinion 'WTX' is not valid (accepted: WTP, WDP, TW, TMP)"),
    "fact without year": (GOOD.replace("lembaga,,\n", "lembaga,,WTP\n", 1),
                          "line 2, column 6 (year): prerequisite facts need a year"),
    "bad year": (GOOD.replace("lembaga,,\n", "lembaga,1999,WTP\n", 1),
                 "line 2, column 6 (year): year '1999' is outside 2000-2100"),
    "under a satker": (GOOD + "kem-a,Unit A,kem-itjen,satker,,,\nkem-b,Unit B,kem-a,,,,\n",
                       "line 5, column 3 (parent_id): parent unit 'kem-a' is a satuan kerja, the lowest level"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS), ids=list(BAD_ROWS))
def test_a_bad_row_is_refused_with_line_and_column_and_nothing_is_written(capsys, tmp_path, db, case):
    body, expected = BAD_ROWS[case]
    path = write(tmp_path, "unit.csv", HEADER + body)
    before = fingerprint(db)
    code, out, err = run(capsys, "import-units", str(path), "--db", str(db))
    assert code == 2 and out == ""
    assert f"import-units: {expected}" in err, err
    assert err.rstrip().endswith("import-units: nothing was written")
    assert fingerprint(db) == before
    assert Store(db).list_units() == []


def test_every_bad_row_is_reported_in_file_order(capsys, tmp_path, db):
    body = ("kem,Kementerian,,instansi,,,\nkem-a,,kem,eselon1,,,\nkem,Lagi,,instansi,,,\n"
            "kem-b,Unit B,kem-zz,eselon1,,,\nkem-c,Unit C,kem,dirjen,,,\n")
    code, _, err = run(capsys, "import-units", str(write(tmp_path, "u.csv", HEADER + body)), "--db", str(db))
    lines = [ln for ln in err.splitlines() if "line " in ln and "warning" not in ln]
    assert code == 2 and [ln.split(",")[0] for ln in lines] == [
        "import-units: line 3", "import-units: line 4", "import-units: line 5", "import-units: line 6"]


def test_a_stored_sub_unit_must_still_fit_under_its_changed_parent(capsys, tmp_path, db):
    store = Store(db)
    store.upsert_units([Unit("kem", "Kementerian", "instansi"), Unit("kem-a", "Unit A", "eselon1", parent_id="kem"),
                        Unit("kem-a-b", "Unit B", "eselon2", parent_id="kem-a")], actor="test")
    before = fingerprint(db)
    path = write(tmp_path, "u.csv", "id,name,parent_id,level\nkem-a,Unit A,kem,satker\n")
    code, _, err = run(capsys, "import-units", str(path), "--db", str(db))
    assert code == 2 and "line 2, column 4 (level): stored unit 'kem-a-b' (level eselon2) sits under" in err
    assert fingerprint(db) == before


def test_a_workbook_names_the_column_letter(capsys, tmp_path, db):
    wb = Workbook()
    ws = wb.active
    ws.append(["Unit kerja ZI 2025"])
    ws.append(["id", "name", "parent_id", "level"])
    ws.append(["kem", "Kementerian", None, "instansi"])
    ws.append(["kem-a", "Unit A", "kem-q", None])
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "u.xlsx"
    path.write_bytes(buf.getvalue())
    code, _, err = run(capsys, "import-units", str(path), "--db", str(db))
    assert code == 2 and "line 4, column C (parent_id): parent unit 'kem-q'" in err


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "the file is empty"),
    (b"nama,tingkat\nKementerian,instansi\n", "line 1: no header row naming the columns id and name"),
    (b"id,name\n", "the file holds no unit row"),
    (b"id,name,nama\nkem,K,K\n", "line 1, column 3 (nama): column 'nama' repeats the column name"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "is neither a CSV nor an .xlsx file"),
    (b"PK\x03\x04 damaged", "not a readable .xlsx workbook"),
], ids=["empty", "no header", "no rows", "repeated column", "binary", "damaged xlsx"])
def test_a_bad_file_is_refused_whole(capsys, tmp_path, db, content, expected):
    path = tmp_path / "units.csv"
    path.write_bytes(content)
    before = fingerprint(db)
    code, _, err = run(capsys, "import-units", str(path), "--db", str(db))
    assert code == 2 and expected in err, err
    assert fingerprint(db) == before


def test_a_missing_file_or_database_is_one_line(capsys, tmp_path, db):
    code, _, err = run(capsys, "import-units", str(tmp_path / "nope.csv"), "--db", str(db))
    assert code == 2 and "cannot read" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, "units", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and "does not exist; create it with init-db" in err
    assert not (tmp_path / "none.duckdb").exists()


# ---------------------------------------------------------------------------------------------
# add-unit


def test_add_unit_registers_one_unit_with_the_level_under_its_parent(capsys, db):
    code, out, err = run(capsys, "add-unit", "--id", "kota-z", "--name", "Pemerintah Kota Z",
                         "--instansi-kind", "pemerintah_daerah", "--db", str(db), "--actor", "budi")
    assert (code, err) == (0, "") and "1 new" in out
    code, out, err = run(capsys, "add-unit", "--id", "kota-z-dukcapil", "--name", "Disdukcapil Kota Z",
                         "--parent", "kota-z", "--short-name", "Dukcapil", "--afirmasi", "ya", "--db", str(db))
    assert (code, err) == (0, "")
    assert Store(db).get_unit("kota-z-dukcapil") == Unit("kota-z-dukcapil", "Disdukcapil Kota Z", "eselon1",
                                                         "pemerintah_daerah", "kota-z", "Dukcapil", True)
    log = Store(db).audit_log(2)
    assert list(log["action"]) == ["add_unit", "add_unit"] and log["actor"].iloc[1] == "budi"


def test_an_instansi_without_its_kind_is_saved_with_a_warning(capsys, db):
    code, out, err = run(capsys, "add-unit", "--id", "kem", "--name", "Kementerian", "--db", str(db))
    assert code == 0 and "warning: --id: instansi kind not given; kementerian_lembaga assumed" in err


@pytest.mark.parametrize(("args", "expected"), [
    (["--id", "kem", "--name", "Lagi"], "add-unit: --id: unit 'kem' (Kementerian Contoh) is already registered"),
    (["--id", "kem-a", "--name", " "], "add-unit: --name: the unit name is empty"),
    (["--id", "kem-a", "--name", "A", "--parent", "kem-zz"], "add-unit: --parent: parent unit 'kem-zz' is not "
                                                             "registered"),
    (["--id", "kem_a", "--name", "A", "--parent", "kem"], "add-unit: --id: id 'kem_a' must be lowercase"),
    (["--id", "kem-a", "--name", "A", "--parent", "kem", "--level", "instansi"],
     "add-unit: --parent: an instansi has no parent unit"),
    (["--id", "kem-a", "--name", "A", "--level", "eselon2"], "add-unit: --level: a unit of level eselon2 needs a "
                                                             "parent unit"),
    (["--id", "kem-a", "--name", "A", "--parent", "kem", "--afirmasi", "mungkin"],
     "add-unit: --afirmasi: afirmasi 'mungkin' must be yes or no"),
], ids=["exists", "empty name", "unknown parent", "bad id", "instansi with parent", "no parent", "bad afirmasi"])
def test_add_unit_refusals_name_the_option_and_write_nothing(capsys, db, args, expected):
    Store(db).upsert_units([Unit("kem", "Kementerian Contoh", "instansi")], actor="test")
    before = fingerprint(db)
    code, out, err = run(capsys, "add-unit", *args, "--db", str(db))
    assert code == 2 and out == "" and expected in err, err
    assert fingerprint(db) == before


# ---------------------------------------------------------------------------------------------
# show


def test_show_prints_a_stored_recap_round_as_evaluate_does(capsys, tmp_path):
    from zi_metrics.demo import seed_demo

    path = tmp_path / "demo.duckdb"
    store = open_store(path, create=True)
    seed_demo(store)
    # The 2018 rounds are area recaps: show == evaluate of the same areas and hasil.
    eid = store.evaluation_id("kkp-djpb-bbpbap-jepara", 2018, "tpn")
    request = {"framework": "permenpanrb-52-2014", "areas": store.area_points_for(eid),
               "hasil": store.hasil_for(eid), "holds_wbk": False}
    req = write(tmp_path, "req.json", json.dumps(request))
    code, out_eval, _ = run(capsys, "evaluate", str(req))
    code, out, err = run(capsys, "show", "--unit", "kkp-djpb-bbpbap-jepara", "--year", "2018", "--stage", "tpn",
                         "--db", str(path))
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert (doc.pop("layout"), doc.pop("problems"), doc.pop("unit_id"), doc.pop("year"), doc.pop("stage")) == (
        "stored", [], "kkp-djpb-bbpbap-jepara", 2018, "tpn")
    assert doc == json.loads(out_eval)
    assert doc["predicate"] == "WBK"  # the demo's best-practice peer earns WBK in 2018
    # A unit holding WBK is shown with holds_wbk from its stored awards (WBBM becomes reachable).
    code, out, _ = run(capsys, "show", "--unit", "kemendesa-itjen", "--year", "2025", "--stage", "tpn", "--db",
                       str(path))
    assert json.loads(out)["holds_wbk"] is True


def test_show_refuses_an_unknown_unit_or_round_in_one_line(capsys, tmp_path):
    path = tmp_path / "zi.duckdb"
    store = open_store(path, create=True)
    store.upsert_units([Unit("kem", "Kementerian Contoh", "instansi")], actor="test")
    code, out, err = run(capsys, "show", "--unit", "kem", "--year", "2025", "--stage", "tpi", "--db", str(path))
    assert (code, out) == (2, "") and err == "show: kem has no tpi round in 2025 (stored rounds: none)\n"
    code, out, err = run(capsys, "show", "--unit", "nope", "--year", "2025", "--stage", "tpi", "--db", str(path))
    assert code == 2 and err == "show: unknown unit 'nope'\n"


def test_the_commands_run_as_python_dash_m(tmp_path):
    """The real entry point: init-db, import-units, add-unit, units and show in subprocesses."""
    db = tmp_path / "zi.duckdb"
    units = write(tmp_path, "u.csv", UNITS_CSV)
    env = {**os.environ, "PYTHONPATH": str(REPO), "ZI_DB_PATH": str(db)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "zi_metrics", *args], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=120)

    assert cli("init-db").returncode == 0
    assert cli("import-units", str(units)).returncode == 0
    added = cli("add-unit", "--id", "tangsel-rsud", "--name", "RSUD Tangsel", "--parent", "tangsel")
    assert added.returncode == 0, added.stderr
    listed = cli("units")
    assert listed.returncode == 0 and "tangsel-rsud" in listed.stdout and "5 unit(s)" in listed.stdout
    shown = cli("show", "--unit", "tangsel-rsud", "--year", "2025", "--stage", "tpi")
    assert shown.returncode == 2 and shown.stderr.startswith("show: tangsel-rsud has no tpi round in 2025")


def test_show_prints_an_imported_workbook_exactly_as_score_lke_did(capsys, tmp_path, db):
    sys.path.insert(0, str(REPO / "tests" / "lke"))
    from lke_builders import MASTER_PATH, build_lampiran3, full_answers, reference_score, to_bytes

    if not MASTER_PATH.is_file():
        pytest.skip(f"reference master list missing: {MASTER_PATH}")
    answers = full_answers()
    del answers[1]  # one unanswered item: provisional, with a conservative figure
    lke = tmp_path / "lke.xlsx"
    lke.write_bytes(to_bytes(build_lampiran3(answers)))
    run(capsys, "add-unit", "--id", "kem", "--name", "Kementerian Contoh", "--instansi-kind",
        "kementerian_lembaga", "--db", str(db))
    run(capsys, "add-unit", "--id", "kem-itjen", "--name", "Inspektorat Jenderal", "--parent", "kem", "--db", str(db))
    code, scored, err = run(capsys, "score-lke", str(lke))
    assert code == 0, err
    code, _, err = run(capsys, "import", str(lke), "--unit", "kem-itjen", "--year", "2025", "--stage", "tpi",
                       "--db", str(db))
    assert code == 0, err
    code, out, err = run(capsys, "show", "--unit", "kem-itjen", "--year", "2025", "--stage", "tpi", "--db", str(db))
    assert (code, err) == (0, "")
    doc, expected = json.loads(out), json.loads(scored)
    assert (doc.pop("unit_id"), doc.pop("year"), doc.pop("stage"), doc.pop("layout")) == (
        "kem-itjen", 2025, "tpi", "stored")
    expected.pop("layout")
    assert doc == expected
    assert doc["total"] == pytest.approx(reference_score(answers)["total"], abs=1e-9)
    assert doc["provisional"] is True and doc["completeness"] == {"answered": 126, "total": 127}


def test_show_carries_the_imported_workbooks_own_total_as_score_lke_printed_it(capsys, tmp_path, db):
    saved = REPO / "tests" / "fixtures" / "lke-official" / "unit-complete-saved.xlsx"  # saved by LibreOffice
    if not saved.is_file():
        pytest.skip(f"fixture missing: {saved}")
    run(capsys, "add-unit", "--id", "kem", "--name", "Kementerian Contoh", "--instansi-kind",
        "kementerian_lembaga", "--db", str(db))
    run(capsys, "add-unit", "--id", "kem-itjen", "--name", "Inspektorat Jenderal", "--parent", "kem", "--db", str(db))
    code, scored, err = run(capsys, "score-lke", str(saved))
    assert code == 0, err
    code, _, err = run(capsys, "import", str(saved), "--unit", "kem-itjen", "--year", "2025", "--stage", "tpi",
                       "--db", str(db))
    assert code == 0, err
    code, out, err = run(capsys, "show", "--unit", "kem-itjen", "--year", "2025", "--stage", "tpi", "--db", str(db))
    assert (code, err) == (0, "")
    doc, expected = json.loads(out), json.loads(scored)
    assert "workbook" in expected and doc["workbook"] == expected["workbook"]
    assert doc["workbook"]["total"] != pytest.approx(doc["total"])  # the form's own defects, explained by row
    for key in ("layout", "problems", "unit_id", "year", "stage"):
        doc.pop(key, None)
        expected.pop(key, None)
    assert doc == expected


def test_units_marks_the_demo_units(capsys, tmp_path):
    from zi_metrics.demo import seed_demo

    path = tmp_path / "demo.duckdb"
    store = open_store(path, create=True)
    seed_demo(store)
    store.upsert_units([Unit("kota-q", "Pemerintah Kota Q", "instansi", "pemerintah_daerah")], actor="ana")
    code, out, _ = run(capsys, "units", "--db", str(path))
    lines = out.splitlines()
    assert code == 0 and lines[-1] == "17 unit(s), 16 of them synthetic demo units"
    assert next(ln for ln in lines if ln.startswith("kota-q ")).count("(demo)") == 0
    assert "Inspektorat Jenderal (demo)" in next(ln for ln in lines if ln.startswith("kemendesa-itjen "))
    rows = json.loads(run(capsys, "units", "--db", str(path), "--format", "json")[1])
    assert sum(r["demo"] for r in rows) == 16
