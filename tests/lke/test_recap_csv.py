"""``export-recap --out X.csv`` writes CSV (the recap import's columns first, so it reads back as the
same rounds), ``.xlsx`` the report workbook, and any other extension is refused (issue #15.6)."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import shutil
from pathlib import Path

import pytest

YEAR, STAGE = 2025, "tpi"


@pytest.fixture(scope="module")
def demo_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from zi_metrics.database import ensure_database

    path = tmp_path_factory.mktemp("recap-csv") / "demo.duckdb"
    ensure_database(path)
    return path


@pytest.fixture
def demo_db(demo_seed: Path, tmp_path: Path) -> Path:
    path = tmp_path / "zi.duckdb"
    shutil.copyfile(demo_seed, path)
    return path


def _cli(*args: str) -> tuple[int, str, str]:
    from zi_metrics.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _rows(path: Path, delimiter: str) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the names as UTF-8
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


@pytest.mark.parametrize(("lang", "delimiter", "decimal"), [("id", ";", ","), ("en", ",", ".")])
def test_csv_recap_holds_every_round_ranked_with_the_scores(demo_db, tmp_path, lang, delimiter, decimal):
    from zi_metrics.analytics import score_round
    from zi_metrics.store import Store

    out = tmp_path / "rekap.CSV"  # the extension in any case
    code, stdout, err = _cli("export-recap", "--year", str(YEAR), "--stage", STAGE, "--lang", lang, "--out",
                             str(out), "--db", str(demo_db))
    assert (code, err) == (0, "") and stdout == f"wrote {out}\n"
    assert not out.read_bytes().startswith(b"PK")  # not a zip (an XLSX) under a .csv name
    rows = _rows(out, delimiter)
    store = Store(demo_db)
    scored = {s.unit_id: s for s in score_round(store, YEAR, STAGE)}
    assert sorted(r["unit_id"] for r in rows) == sorted(scored) and len(rows) == len(scored) > 3
    totals = [float(r["total"].replace(decimal, ".")) for r in rows]
    assert totals == sorted(totals, reverse=True)  # ranked
    assert [r["rank"] for r in rows] == [str(n) for n in range(1, len(rows) + 1)]
    names = {u.id: u.name for u in store.list_units()}
    for r in rows:
        s = scored[r["unit_id"]]
        assert r["unit_name"] == names[r["unit_id"]] and (r["year"], r["stage"]) == (str(YEAR), STAGE)
        assert float(r["total"].replace(decimal, ".")) == pytest.approx(s.scorecard.total, abs=1e-9)
        assert float(r["MP"].replace(decimal, ".")) == pytest.approx(s.scorecard.areas["MP"].score, abs=1e-9)
        assert r["predicate"] == (s.evaluation.predicate or "")
        assert r["synthetic"] == "1"  # the demo's rows say so
        other = "." if decimal == "," else ","
        assert other not in r["total"]


def test_csv_recap_imports_back_as_the_same_rounds(demo_db, tmp_path):
    """The CSV is data: `import` reads it as the same rounds (area points and hasil inputs), its
    score columns ignored with a warning."""
    from zi_metrics.lke.recap import read_recap

    out = tmp_path / "rekap.csv"
    assert _cli("export-recap", "--year", str(YEAR), "--stage", STAGE, "--out", str(out), "--db",
                str(demo_db))[0] == 0
    parsed = read_recap(out)
    assert not parsed.fatal, [str(p) for p in parsed.problems]
    assert [p.code for p in parsed.problems] == ["recap.ignored_columns"]
    from zi_metrics.analytics import score_round
    from zi_metrics.store import Store

    scored = {s.unit_id: s for s in score_round(Store(demo_db), YEAR, STAGE)}
    assert {r.unit_id for r in parsed.rows} == set(scored)
    for row in parsed.rows:
        card = scored[row.unit_id].scorecard
        assert row.areas == pytest.approx({c: a.score for c, a in card.areas.items()}, abs=1e-9)
        for code, item in card.hasil_items.items():
            expected = item.input if isinstance(item.input, str) else pytest.approx(item.input)
            assert row.hasil.get(code) == expected, (row.unit_id, code)


def test_csv_cells_never_start_a_formula(demo_db, tmp_path):
    from zi_metrics.store import Store

    store = Store(demo_db)
    unit = store.get_unit("kemendesa-itjen")
    store.upsert_unit(dataclasses.replace(unit, name='=HYPERLINK("https://evil.example","x")'),
                      actor="test")
    out = tmp_path / "rekap.csv"
    assert _cli("export-recap", "--year", str(YEAR), "--stage", STAGE, "--out", str(out), "--db",
                str(demo_db))[0] == 0
    rows = _rows(out, ";")
    assert any(r["unit_name"] == "'=HYPERLINK(\"https://evil.example\",\"x\")" for r in rows)
    assert not [v for r in rows for v in r.values() if v and v[0] in "=+@"]


@pytest.mark.parametrize("name", ["rekap.pdf", "rekap.txt", "rekap", "rekap.xlsx.csv.bak", "rekap.ods"])
def test_an_extension_export_recap_does_not_write_is_refused(demo_db, tmp_path, name):
    out = tmp_path / name
    code, stdout, err = _cli("export-recap", "--year", str(YEAR), "--stage", STAGE, "--out", str(out), "--db",
                             str(demo_db))
    assert code == 2 and stdout == "" and len(err.splitlines()) == 1
    assert err.startswith("export-recap: cannot write ") and "export-recap writes .xlsx or .csv" in err
    assert not out.exists()


def test_the_other_exports_refuse_a_wrong_extension(demo_db, tmp_path):
    for command, extra, name, allowed in (
            ("export-lke", ["--unit", "kemendesa-itjen", "--stage", STAGE], "lke.csv", ".xlsx"),
            ("export-payload", ["--unit", "kemendesa-itjen"], "payload.xlsx", ".json")):
        out = tmp_path / name
        code, _, err = _cli(command, "--year", str(YEAR), *extra, "--out", str(out), "--db", str(demo_db))
        assert code == 2 and err.endswith(f"{command} writes {allowed}\n") and not out.exists(), err


def test_xlsx_is_still_the_report_workbook(demo_db, tmp_path):
    out = tmp_path / "rekap.xlsx"
    assert _cli("export-recap", "--year", str(YEAR), "--stage", STAGE, "--out", str(out), "--db",
                str(demo_db))[0] == 0
    assert out.read_bytes()[:2] == b"PK"
