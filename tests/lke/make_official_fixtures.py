"""Make the expected scores and the LibreOffice-saved fixtures of the official Lampiran III form.

Run by hand (needs LibreOffice's ``soffice``; CI does not): ``python tests/lke/make_official_fixtures.py``.
It writes ``tests/fixtures/lke-official/``:

* ``expected.json``: for each answer set, the scores LibreOffice computes from a copy of the
  official form whose own formula defects are repaired (``official_form.repair``) and filled with
  those answers: the regulation's figures, obtained without the project's reader or scorer; and,
  for each saved fixture below, the workbook's own total as LibreOffice computes it from the form
  as distributed (defects included);
* ``unit-complete.ods`` and ``unit-complete.xls``: the form filled in, with some of the edits units
  make (title rows, the sheet renamed, answers in lower case and with spaces, a decimal comma),
  saved by LibreOffice as OpenDocument and as Excel 97-2003;
* ``unit-complete-saved.xlsx``, ``unit-partial-saved.xlsx``, ``unit-discipline-zero-saved.xlsx``:
  the filled form as distributed, re-saved by LibreOffice so that it carries the cached results
  of its own formulas (what Excel or LibreOffice leave in a file a unit sends).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import load_workbook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from official_form import (  # noqa: E402
    AREA_ROWS,
    FIXTURES,
    SCORE_ROWS,
    SHEET,
    fill,
    load_form,
    messy_answers,
    partial_answers,
    rename_and_reorder,
    repair,
    rows_after_insert,
    title_rows,
    unit_answers,
)


def answer_sets() -> dict[str, dict[int, object]]:
    complete = unit_answers()
    zero = dict(complete)
    zero.update({102: 0, 103: 3})  # no violation last year, three this year: the form divides by zero
    return {"complete": complete, "partial": partial_answers(), "discipline-zero": zero}


def recalculate(src: Path, out_dir: Path, fmt: str = "xlsx") -> Path:
    """LibreOffice opens the file, recalculates every formula and saves it as ``fmt``."""
    subprocess.run(["soffice", "--headless", "--calc", "--convert-to", fmt, "--outdir", str(out_dir), str(src)],
                   check=True, capture_output=True, timeout=180)
    return out_dir / f"{src.stem}.{fmt}"


def scores(path: Path, sheet: str = SHEET, shift: int = 0) -> dict[str, object]:
    ws = load_workbook(path, data_only=True)[sheet]

    def at(row: int) -> object:
        return ws[f"L{row + shift}"].value

    out: dict[str, object] = {k: at(r) for k, r in SCORE_ROWS.items()}
    out["areas"] = {}
    for code, rows in AREA_ROWS.items():
        values = [at(r) for r in rows]
        out["areas"][code] = sum(values) if all(isinstance(v, (int, float)) for v in values) else values
    return out


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    expected: dict[str, object] = {"answer_sets": {}, "files": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        out = work / "out"
        out.mkdir()
        for name, answers in answer_sets().items():
            wb = load_form()
            repair(wb)
            fill(wb, answers)
            src = work / f"repaired-{name}.xlsx"
            wb.save(src)
            regulation = scores(recalculate(src, out))
            expected["answer_sets"][name] = {"answers": {str(k): v for k, v in sorted(answers.items())},
                                             "regulation": regulation}
            # The same answers in the form as distributed, re-saved by LibreOffice (cached values).
            wb = load_form()
            fill(wb, answers)
            src = work / f"unit-{name}-saved.xlsx"
            wb.save(src)
            saved = recalculate(src, out)
            shutil.copy(saved, FIXTURES / saved.name)
            expected["files"][saved.name] = {"answer_set": name, "workbook": scores(saved)}

        # A unit's edits, kept as OpenDocument and as Excel 97-2003.
        wb = load_form()
        added = title_rows(wb)
        fill(wb, messy_answers(unit_answers()), rows_after_insert(1, added))
        rename_and_reorder(wb)
        src = work / "unit-complete.xlsx"
        wb.save(src)
        for fmt in ("ods", "xls"):
            converted = recalculate(src, out, fmt)
            shutil.copy(converted, FIXTURES / converted.name)
            check = recalculate(converted, work, "xlsx") if fmt == "xls" else None
            total = scores(check, "LKE ZI 2025", added) if check else None
            expected["files"][converted.name] = {"answer_set": "complete", "title_rows": added,
                                                 "workbook": total}
    (FIXTURES / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n",
                                            encoding="utf-8")
    print(json.dumps({k: v["regulation"]["total"] for k, v in expected["answer_sets"].items()}, indent=1))
    print(json.dumps({k: (v["workbook"] or {}).get("total") for k, v in expected["files"].items()}, indent=1))


if __name__ == "__main__":
    main()
