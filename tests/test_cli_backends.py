"""The command line on both store backends (a DuckDB file, then a PostgreSQL schema): create, seed,
import the official form as a unit fills it, import a recap, re-import (nothing changes), register a
unit, show and export, then copy the whole database to the other backend and back.

Expected scores come from LibreOffice's recalculation of the repaired form (expected.json beside the
fixture), not from the code under test."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import openpyxl
from pytest import approx

from zi_metrics.__main__ import main
from zi_metrics.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lke-official"
UNIT = "kemendesa-itjen"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def ok(*args: str) -> str:
    code, out, err = cli(*args)
    assert code == 0, (args, err)
    assert "Traceback" not in err
    return out


def test_the_cli_on_each_backend(db_location: str, tmp_path: Path, pg_schema_factory) -> None:
    db = ("--db", db_location)
    assert "created database" in ok("init-db", *db)
    assert "already at schema version" in ok("init-db", *db)
    assert "wrote synthetic demo data" in ok("seed-demo", *db)
    store = Store(db_location)
    assert store.dataset_kind() == "demo"

    # The official form as a unit fills it, scored as the regulation scores it (LibreOffice on the
    # repaired form: the form as distributed has a formula error).
    expected = json.loads((FIXTURES / "expected.json").read_text())["answer_sets"]["complete"]["regulation"]
    form = str(FIXTURES / "unit-complete-saved.xlsx")
    ok("import", form, "--unit", UNIT, "--year", "2026", "--stage", "tpn", "--actor", "Tim ZI", *db)
    shown = json.loads(ok("show", "--unit", UNIT, "--year", "2026", "--stage", "tpn", *db))
    assert shown["total"] == approx(expected["total"], abs=1e-9)
    audit = len(store.audit_log(1000))
    ok("import", form, "--unit", UNIT, "--year", "2026", "--stage", "tpn", "--actor", "Tim ZI", *db)
    assert len(store.audit_log(1000)) == audit  # the same file again writes nothing

    # A recap of two units in one transaction; a bad row refuses the whole file, naming the line.
    header = "unit_id,year,stage,framework,MP,TT,SDM,AK,PW,PP,survey_anti_korupsi,capaian_kinerja,tlhp_percent," \
             "survey_pelayanan"
    rows = [f"{UNIT},2026,tpi,,6.5,5.6,8,8.2,12,8.4,3.62,B,,3.41",
            "kemendesa-setjen,2026,tpi,,4,3.5,6,5,9,6,3.1,C,,3.0"]
    bad = tmp_path / "rekap-bad.csv"
    bad.write_text("\n".join([header, *rows, "unit-lain,2026,tpi,,4,3.5,6,5,9,6,3.1,C,,3.0"]) + "\n")
    code, _, err = cli("import", str(bad), *db)
    assert code == 2 and "line 4" in err and "unit-lain" in err
    good = tmp_path / "rekap.csv"
    good.write_text("\n".join([header, *rows]) + "\n")
    ok("import", str(good), *db)
    assert store.area_points_for(store.evaluation_id(UNIT, 2026, "tpi"))["MP"] == 6.5

    ok("add-unit", "--id", "kemendesa-itjen-baru", "--name", "Unit Baru", "--parent", "kemendesa", "--actor", "t", *db)
    assert store.get_unit("kemendesa-itjen-baru").level == "eselon1"

    recap = tmp_path / "rekap-2026-tpi.xlsx"
    ok("export-recap", "--year", "2026", "--stage", "tpi", "--out", str(recap), *db)
    assert openpyxl.load_workbook(recap).sheetnames

    # The whole database to the other backend and back: every table equal (copy-db compares them).
    other = pg_schema_factory() if store.dialect_name == "duckdb" else str(tmp_path / "copy.duckdb")
    back = str(tmp_path / "back.duckdb")
    assert "found every table equal" in ok("copy-db", "--from", db_location, "--to", other)
    code, _, err = cli("copy-db", "--from", db_location, "--to", other)
    assert code == 2 and "already holds data" in err
    assert "found every table equal" in ok("copy-db", "--from", other, "--to", back)
    copied = Store(back)
    assert copied.table_rows("answers") == store.table_rows("answers")
    assert copied.list_units() == store.list_units()
    assert json.loads(ok("show", "--unit", UNIT, "--year", "2026", "--stage", "tpn", "--db", other)) == shown


def test_an_unreachable_server_is_one_clear_line() -> None:
    from zi_metrics.pg_cluster import free_port

    url = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    code, out, err = cli("init-db", "--db", url)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "cannot connect to PostgreSQL at" in err and "Traceback" not in err


def test_a_password_in_the_url_is_never_shown() -> None:
    from zi_metrics.pg_cluster import free_port

    secret = "s3cr3t-pass"
    url = f"postgresql://zi:{secret}@127.0.0.1:{free_port()}/zi"
    code, _, err = cli("init-db", "--db", url)
    assert code == 2 and secret not in err and "zi:***@" in err
    assert secret not in repr(Store(url)) and secret not in Store(url).location
