"""Export safety: no exported spreadsheet cell can run as a formula in the recipient's Excel.

Unit names, short names, notes and evidence that start with ``=``, ``+``, ``-``, ``@`` (and tab /
carriage return, which some spreadsheet programs strip before reading a formula) go into the
recap workbook and the Lampiran III workbook, through the export functions and the CLI. Each file
is read back with openpyxl: no data cell is a formula (``data_type != 'f'``), and no text cell
starts with a formula character unless it is neutralised (a leading apostrophe). The Lampiran III
layout has score formulas of its own (columns L and M): those may be formulas, but must not
contain any of the data. Text a workbook cannot hold (control characters) must not break the
export either. CSV: the only CSV the package writes is the recap template (checked too).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NAMES = {
    "unit-rumus-sama": '=HYPERLINK("https://evil.example","Itjen")',
    "unit-rumus-plus": "+62 811 1234 (Biro Umum)",
    "unit-rumus-minus": "-1+1 Satker",
    "unit-rumus-at": "@SUM(A1:A9) Balai",
    "unit-rumus-tab": "\t=1+1 Direktorat",
    "unit-rumus-cr": "\r=1+1 Pusat",
    "unit-rumus-dde": "=cmd|' /C calc'!A0",
    "unit-kontrol": "Biro\x1bUmum\x07 ",  # NUL is refused on input (test_hostile_input)
}
NOTES = ['=HYPERLINK("https://evil.example","klik")', "+1+1", "-2+3", "@SUM(A1:A2)", "=cmd|' /C calc'!A0",
         "\t=1+1", "catatan biasa"]
MARKERS = ("HYPERLINK", "evil.example", "cmd|", "SUM(A1", "Biro", "Satker", "Balai", "Direktorat", "Pusat",
           "catatan")
CLEAN = {"\x1b", "\x07", "\x00"}  # a workbook cannot hold them: dropped, never an error


@pytest.fixture(scope="module")
def export_seed(rel: Any, demo_seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database with units named like formulas, evaluated in 2026 (mandiri and tpi) with
    formula-like notes and evidence (built once; each test gets a copy)."""
    from zi_metrics.store import Store, Unit

    path = tmp_path_factory.mktemp("export-seed") / "export.duckdb"
    shutil.copyfile(demo_seed, path)
    store = Store(path)
    store.upsert_units([Unit(uid, name, "eselon1", parent_id="kemendesa", short_name=name[:100])
                        for uid, name in NAMES.items()], actor="test")
    for stage in ("mandiri", "tpi"):
        base = store.answer_values(store.evaluation_id(rel.UNIT, rel.YEAR, stage))
        rounds = []
        for n, uid in enumerate(NAMES):
            answers = {q: {"answer": v, "note": NOTES[(q + n) % len(NOTES)],
                           "evidence_ref": NOTES[(q + n + 1) % len(NOTES)]}
                       for q, v in rel.variant_answers(base, n % 3).items()}
            rounds.append({"unit_id": uid, "year": rel.YEAR, "stage": stage, "framework_id": rel.F90,
                           "answers": answers})
        store.save_evaluations(rounds, actor="test")
    return path


@pytest.fixture
def export_db(export_seed: Path, demo_db: Path) -> Path:
    shutil.copyfile(export_seed, demo_db)
    return demo_db


def _check_workbook(data: bytes, *, formula_columns: frozenset[str] = frozenset()) -> dict[str, int]:
    """Every cell of every sheet: formulas only in ``formula_columns`` and without data; text never
    starting like a formula unless neutralised. Returns counts for the caller's sanity checks."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), data_only=False)
    seen = {"text": 0, "neutralised": 0, "formulas": 0, "data": 0}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                where = f"{ws.title}!{cell.coordinate}"
                if cell.data_type == "f" or type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
                    seen["formulas"] += 1
                    assert cell.column_letter in formula_columns, f"{where} is a formula: {value!r}"
                    assert not any(m in str(value) for m in MARKERS), f"{where}: data in a formula {value!r}"
                    continue
                if not isinstance(value, str):
                    continue
                seen["text"] += 1
                seen["data"] += any(m in value for m in MARKERS)
                assert not CLEAN & set(value), f"{where}: control character kept in {value!r}"
                if value.startswith("'") and value[1:2] in FORMULA_START:
                    seen["neutralised"] += 1
                    continue
                starts = value != "-" and value.startswith(FORMULA_START)
                assert not starts, f"{where} starts a formula: {value!r}"
    return seen


def test_recap_workbook_never_holds_a_formula(rel, export_db, tmp_path):
    from zi_metrics.lke import export_recap
    from zi_metrics.store import Store

    for stage in ("mandiri", "tpi"):
        data = export_recap(Store(export_db), rel.YEAR, stage)
        seen = _check_workbook(data)
        assert seen["formulas"] == 0
        assert seen["neutralised"] >= 6, seen  # the formula-like unit names were there, neutralised
    out = tmp_path / "rekap.xlsx"
    code, stdout, err = rel.run_cli_inprocess("export-recap", "--year", str(rel.YEAR), "--stage", "tpi",
                                              "--out", str(out), "--db", str(export_db))
    assert code == 0, err
    assert _check_workbook(out.read_bytes())["neutralised"] >= 6


@pytest.mark.parametrize("uid", list(NAMES))
def test_lampiran3_export_keeps_data_out_of_formulas(rel, export_db, tmp_path, uid):
    """Unit name (title), notes (N) and evidence (O) are text; only the score columns L and M hold
    formulas, and none of them carries data. Importing the file back gives the same notes."""
    from zi_metrics.lke import export_lke, import_file
    from zi_metrics.store import Store

    store = Store(export_db)
    data = export_lke(store, uid, rel.YEAR, "tpi")
    seen = _check_workbook(data, formula_columns=frozenset("LM"))
    assert seen["formulas"] > 100 and seen["neutralised"] > 50, seen
    before = rel.stored_round(export_db, uid, rel.YEAR, "tpi")
    # Round trip: the neutralised texts come back as they were (another stage of the same unit).
    result = import_file(store, data, name="lke.xlsx", actor="test", unit_id=uid, year=rel.YEAR,
                         stage="mandiri")
    assert not result.fatal, [str(p) for p in result.problems]
    after = rel.stored_round(export_db, uid, rel.YEAR, "mandiri")
    for q, row in before.items():
        for column in ("note", "evidence_ref"):
            expected = row[column] if row[column] is None else row[column].strip()
            assert after[q][column] == expected, (q, column, row[column], after[q][column])


def test_lampiran3_export_through_the_cli(rel, export_db, tmp_path):
    out = tmp_path / "lke.xlsx"
    code, _, err = rel.run_cli_inprocess("export-lke", "--unit", "unit-rumus-sama", "--year", str(rel.YEAR),
                                         "--stage", "tpi", "--out", str(out), "--db", str(export_db))
    assert code == 0, err
    assert _check_workbook(out.read_bytes(), formula_columns=frozenset("LM"))["neutralised"] > 50


def test_control_characters_in_a_name_do_not_break_an_export(rel, export_db):
    """A unit name holding ESC, BEL and NUL (the store accepts them) still exports; the characters a
    workbook cannot hold are dropped."""
    from openpyxl import load_workbook

    from zi_metrics.lke import export_lke, export_recap
    from zi_metrics.store import Store

    store = Store(export_db)
    for data in (export_recap(store, rel.YEAR, "tpi"), export_lke(store, "unit-kontrol", rel.YEAR, "tpi")):
        texts = [c.value for ws in load_workbook(io.BytesIO(data)).worksheets for row in ws.iter_rows()
                 for c in row if isinstance(c.value, str)]
        assert any("BiroUmum" in t for t in texts)


def test_recap_templates_hold_no_formula(rel):
    from zi_metrics.lke import recap_template

    assert _check_workbook(recap_template("xlsx"))["formulas"] == 0
    rows = list(csv.reader(io.StringIO(recap_template("csv").decode("utf-8"))))
    assert rows and all(not cell.startswith(FORMULA_START) for row in rows for cell in row)
