"""The LKE commands through ``python -m zi_metrics`` in subprocesses (started together to save time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from lke_builders import build_jawaban, build_lampiran3, full_answers, reference_score, to_bytes
from lke_testlib import REPO, canonical, file_hash, needs_master, tpi_answers
from openpyxl import load_workbook

from zi_metrics.lke import read_file

pytestmark = needs_master
BAD = REPO / "tests" / "fixtures" / "bad"
UNIT = "kemendesa-itjen"


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full = dict(os.environ)
    full["PYTHONPATH"] = str(REPO) + os.pathsep + full.get("PYTHONPATH", "")
    full.update(env or {})
    return subprocess.Popen([sys.executable, "-m", "zi_metrics", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO, env=full)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def test_score_lke_prints_the_evaluate_document_plus_layout_and_problems(tmp_path):
    answers = full_answers()
    answers[1] = "ya "
    lke = tmp_path / "lke.xlsx"
    lke.write_bytes(to_bytes(build_lampiran3(answers)))
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"framework": "permenpanrb-90-2021", "answers": canonical(answers)}))
    jawaban = tmp_path / "jawaban.xlsx"
    jawaban.write_bytes(to_bytes(build_jawaban(full_answers(), tpi_answers())))
    env = {"ZI_DB_PATH": str(tmp_path / "never.duckdb")}
    procs = [start("score-lke", str(lke), env=env), start("evaluate", str(request), env=env),
             start("score-lke", str(jawaban), "--holds-wbk", env=env),
             start("score-lke", str(BAD / "invalid_option.xlsx"), env=env),
             start("score-lke", str(BAD / "encrypted.xlsx"), env=env),
             start("score-lke", str(BAD / "payload_unknown_soal.json"), env=env)]
    (rc, out, err), (rc_ev, out_ev, _), (rc_j, out_j, _), *bad = [finish(p) for p in procs]
    assert (rc, err) == (0, "")
    doc = json.loads(out)
    assert doc.pop("layout") == "lampiran3" and doc.pop("problems") == []
    assert rc_ev == 0 and doc == json.loads(out_ev)
    assert doc["total"] == pytest.approx(reference_score(answers)["total"], abs=1e-9)
    assert rc_j == 0
    jdoc = json.loads(out_j)
    assert jdoc["layout"] == "jawaban" and jdoc["holds_wbk"] is True
    assert jdoc["tpi"]["total"] == pytest.approx(reference_score(tpi_answers())["total"], abs=1e-9)
    for (code, stdout, stderr), fragment in zip(bad, ("'Mungkin' is not an answer option", "password-protected",
                                                      "soal_id 131 is not a question"), strict=True):
        assert code == 2 and stdout == ""
        assert stderr.count("\n") == 1 and stderr.startswith("score-lke: ") and fragment in stderr
    assert "LKE ZI!K" in bad[0][2]
    assert not (tmp_path / "never.duckdb").exists()  # score-lke writes nothing


def test_import_and_exports_through_the_cli(tmp_path, db):
    lke = tmp_path / "lke.xlsx"
    lke.write_bytes(to_bytes(build_lampiran3(full_answers(), {1: "SK tim"}, {1: "https://x.example/sk"})))
    jawaban = tmp_path / "jawaban.xlsx"
    jawaban.write_bytes(to_bytes(build_jawaban(full_answers(), tpi_answers())))
    dbp = str(db.path)
    rc, out, err = finish(start("import", str(lke), "--unit", UNIT, "--year", "2026", "--stage", "tpn",
                                "--db", dbp))
    assert (rc, err) == (0, "") and out.strip() == f"lke.xlsx (lampiran3) imported: {UNIT} 2026 tpn: new"
    before = file_hash(db.path)
    procs = [start("import", str(lke), "--unit", UNIT, "--year", "2026", "--stage", "tpn", "--db", dbp)]
    rc, out, err = finish(procs[0])
    assert rc == 0 and "already up to date, nothing written" in out
    assert file_hash(db.path) == before
    rc, out, err = finish(start("import", str(lke), "--unit", "tidak-ada", "--year", "2026", "--stage", "tpn",
                                "--db", dbp))
    assert rc == 2 and out == "" and err == "import: unknown unit 'tidak-ada': register the unit before " \
                                            "importing its LKE\n"
    rc, out, err = finish(start("import", str(BAD / "duplicate_question.xlsx"), "--unit", UNIT, "--year",
                                "2026", "--stage", "mandiri", "--db", dbp))
    assert rc == 2 and "question 3 answered twice" in err and err.count("\n") == 1
    assert file_hash(db.path) == before
    rc, out, err = finish(start("import", str(jawaban), "--unit", UNIT, "--year", "2026", "--db", dbp))
    assert rc == 0 and out.strip().endswith(f"{UNIT} 2026 mandiri: new; {UNIT} 2026 tpi: new")

    paths = {name: tmp_path / name for name in ("recap.xlsx", "lke-out.xlsx", "payload.json", "tmpl.csv")}
    procs = [start("export-recap", "--year", "2026", "--stage", "tpi", "--out", str(paths["recap.xlsx"]),
                   "--db", dbp),
             start("export-lke", "--unit", UNIT, "--year", "2026", "--stage", "tpn", "--out",
                   str(paths["lke-out.xlsx"]), "--db", dbp),
             start("export-payload", "--unit", UNIT, "--year", "2026", "--out", str(paths["payload.json"]),
                   "--db", dbp),
             start("recap-template", "--out", str(paths["tmpl.csv"])),
             start("export-lke", "--unit", UNIT, "--year", "2025", "--stage", "tpn", "--out",
                   str(tmp_path / "none.xlsx"), "--db", dbp)]
    results = [finish(p) for p in procs]
    for rc, out, err in results[:4]:
        assert (rc, err) == (0, "") and out.startswith("wrote ")
    rc, out, err = results[4]
    assert rc == 2 and err == f"export-lke: no evaluation stored for {UNIT} 2025 tpn\n"
    assert not (tmp_path / "none.xlsx").exists()
    ws = load_workbook(paths["recap.xlsx"])["Rincian poin"]  # the detail sheet names each unit's code
    assert any(cell.value == UNIT for row in ws.iter_rows() for cell in row)
    back = read_file(paths["lke-out.xlsx"])
    assert back.answers == canonical(full_answers()) and back.notes == {1: "SK tim"}
    payload = read_file(paths["payload.json"])
    assert payload.answers == canonical(full_answers()) and payload.tpi_answers == canonical(tpi_answers())
    assert paths["tmpl.csv"].read_text().startswith("unit_id,year,stage,framework,MP,")
