"""``python -m zi_metrics evaluate``: output document and bad-input handling.

The main cases run as real subprocesses (launched together, since every start pays the package's
import time); the full bad-input matrix also runs in-process through ``zi_metrics.__main__.main``,
which exercises the same code path (an uncaught exception there fails the test like a traceback).
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from zi_metrics.__main__ import main

REPO = Path(__file__).resolve().parents[1]
F90 = "permenpanrb-90-2021"
F52 = "permenpanrb-52-2014"
AREAS = ["MP", "TT", "SDM", "AK", "PW", "PP"]

RECAP_EXAMPLE = {
    "framework": F90,
    "areas": {"MP": 6.5, "TT": 5.6, "SDM": 8.0, "AK": 8.2, "PW": 12.0, "PP": 8.4},
    "hasil": {"survey_anti_korupsi": 3.62, "capaian_kinerja": "B", "survey_pelayanan": 3.41},
    "holds_wbk": False,
}


def approx(x):
    return pytest.approx(x, abs=1e-9)


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_subprocess(*args: str, stdin: str | None = None) -> Run:
    proc = subprocess.run(
        [sys.executable, "-m", "zi_metrics", "evaluate", *args],
        cwd=REPO, input=stdin, capture_output=True, text=True, timeout=120,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def run_inprocess(*args: str, stdin: str | None = None) -> Run:
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["evaluate", *args])
    finally:
        sys.stdin = old_stdin
    return Run(code, out.getvalue(), err.getvalue())


def write_request(directory: Path, request: Any, name: str = "request.json") -> Path:
    path = directory / name
    path.write_text(request if isinstance(request, str) else json.dumps(request), encoding="utf-8")
    return path


def doc_of(run: Run) -> dict[str, Any]:
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    return json.loads(run.stdout)


def evaluate_ok(tmp_path: Path, request: Any) -> dict[str, Any]:
    return doc_of(run_inprocess(str(write_request(tmp_path, request))))


def rules_of(doc: dict[str, Any], predicate: str) -> dict[str, dict[str, Any]]:
    out = {r["rule"]: r for r in doc["rules"] if r["predicate"] == predicate}
    assert len(out) == len([r for r in doc["rules"] if r["predicate"] == predicate]), "a rule is listed twice"
    return out


RULES_90 = ["total", "pengungkit", *(f"area:{a}" for a in AREAS), "bersih", "survey_anti_korupsi",
            "capaian_kinerja", "pelayanan"]
RULES_52 = ["total", "bersih", "survey_anti_korupsi", "tlhp"]


# ---------------------------------------------------------------------------------------------
# Good input


def test_recap_example_from_a_file(procs):
    doc = doc_of(procs["recap-file"])
    assert doc["framework"] == F90
    assert doc["source"] == "recap"
    assert sorted(doc["areas"]) == sorted(AREAS)
    assert {c: doc["areas"][c]["score"] for c in AREAS} == {
        "MP": approx(6.5), "TT": approx(5.6), "SDM": approx(8.0), "AK": approx(8.2), "PW": approx(12.0),
        "PP": approx(8.4)}
    assert doc["areas"]["MP"]["max"] == 8
    assert doc["areas"]["MP"]["percent"] == approx(81.25)  # 6.5 / 8
    assert doc["pengungkit"] == approx(48.7)  # 6.5 + 5.6 + 8 + 8.2 + 12 + 8.4
    # 3.62 / 4 * 17.5 = 15.8375; B: 0.75 * 5 = 3.75; 3.41 / 4 * 17.5 = 14.91875
    assert doc["hasil_items"]["survey_anti_korupsi"]["points"] == approx(15.8375)
    assert doc["hasil_items"]["capaian_kinerja"]["points"] == approx(3.75)
    assert doc["hasil_items"]["capaian_kinerja"]["input"] == "B"
    assert doc["hasil_items"]["survey_pelayanan"]["points"] == approx(14.91875)
    assert doc["hasil_components"] == {"bersih": approx(19.5875), "pelayanan": approx(14.91875)}
    assert doc["hasil"] == approx(34.50625)
    assert doc["total"] == approx(83.20625)  # 48.7 + 34.50625
    assert doc["predicate"] == "WBK"
    assert doc["holds_wbk"] is False
    assert doc["completeness"] == {"answered": 9, "total": 9}
    assert doc["provisional"] is False

    wbk, wbbm = rules_of(doc, "WBK"), rules_of(doc, "WBBM")
    assert sorted(wbk) == sorted(RULES_90)
    assert sorted(wbbm) == sorted([*RULES_90, "holds_wbk"])
    for r in doc["rules"]:
        assert {"predicate", "rule", "value", "threshold", "passed", "gap"} <= set(r)
    assert all(r["passed"] for r in wbk.values())
    assert sorted(k for k, r in wbbm.items() if not r["passed"]) == ["holds_wbk", "pelayanan", "total"]
    assert wbbm["total"]["value"] == approx(83.20625)
    assert wbbm["total"]["threshold"] == 85
    assert wbbm["total"]["gap"] == approx(1.79375)  # 85 - 83.20625
    assert wbbm["pelayanan"]["gap"] == approx(0.83125)  # 15.75 - 14.91875
    assert wbbm["pengungkit"]["threshold"] == 48 and wbbm["pengungkit"]["gap"] == 0
    assert wbbm["capaian_kinerja"]["passed"] is True  # 3.75 >= 3.75
    assert wbk["area:PW"]["value"] == approx(80.0) and wbk["area:PW"]["threshold"] == 60
    assert wbbm["area:PW"]["threshold"] == 75
    assert wbk["bersih"]["threshold"] == 18.25 and wbbm["bersih"]["threshold"] == 19.5
    assert wbk["pelayanan"]["threshold"] == 14.0
    assert wbk["survey_anti_korupsi"]["threshold"] == 15.75
    assert wbbm["holds_wbk"]["value"] is False and wbbm["holds_wbk"]["passed"] is False


def test_recap_from_stdin_equals_file(procs):
    assert doc_of(procs["recap-stdin"]) == doc_of(procs["recap-file"])


def test_inprocess_run_equals_subprocess(tmp_path, procs):
    assert evaluate_ok(tmp_path, RECAP_EXAMPLE) == doc_of(procs["recap-file"])


def test_holding_wbk_and_meeting_wbbm_gives_wbbm(tmp_path):
    # 7 + 6 + 9 + 9 + 13 + 9 = 53; 3.8 -> 16.625, A -> 5, 3.8 -> 16.625; total 91.25
    req = {"framework": F90, "areas": {"MP": 7, "TT": 6, "SDM": 9, "AK": 9, "PW": 13, "PP": 9},
           "hasil": {"survey_anti_korupsi": 3.8, "capaian_kinerja": "A", "survey_pelayanan": 3.8}}
    doc = evaluate_ok(tmp_path, req)
    assert doc["total"] == approx(91.25)
    assert doc["predicate"] == "WBK"  # holds_wbk defaults to false
    assert evaluate_ok(tmp_path, {**req, "holds_wbk": True})["predicate"] == "WBBM"


def test_no_predicate_is_null(tmp_path):
    doc = evaluate_ok(tmp_path, {"framework": F90, "areas": {"MP": 1}, "hasil": {}})
    assert doc["predicate"] is None
    assert doc["completeness"] == {"answered": 1, "total": 9}
    assert doc["provisional"] is True


# An answers-form request (a partly filled LKE with the hasil as answers 125-127):
# MP.P1 (w0.5): Ya 1, B 0.5 -> 0.75 * 0.5 = 0.375
# MP.P2 (w1): only Q3 Ya -> official 1 * 1 = 1; conservative (1 + 0 + 0) / 3 = 0.333333333333
# MP.R1 (w2): mean(min(1, 8/10), min(1, 6/4)) = 0.9 -> 1.8
# MP official 0.375 + 1 + 1.8 = 3.175 (pemenuhan 1.375, reform 1.8); conservative 2.508333333333
# hasil 3.62 -> 15.8375, B -> 3.75, 3.41 -> 14.91875 = 34.50625; total 3.175 + 34.50625 = 37.68125
ANSWERS_90 = {"framework": F90,
              "answers": {"1": "Ya ", "2": "b", "3": "ya", "88": 10, "89": 8, "90": 4, "91": 6,
                          "125": 3.62, "126": "B", "127": 3.41}}


def test_answers_form_file(procs):
    doc = doc_of(procs["answers-file"])
    assert doc["source"] == "answers"
    assert sorted(doc["areas"]) == sorted(AREAS)
    assert doc["areas"]["MP"]["score"] == approx(3.175)
    assert doc["areas"]["MP"]["halves"] == {"pemenuhan": approx(1.375), "reform": approx(1.8)}
    assert doc["areas"]["PW"]["score"] == 0
    assert doc["pengungkit"] == approx(3.175)
    assert doc["hasil"] == approx(34.50625)
    assert doc["total"] == approx(37.68125)
    assert doc["halves"] == {"pemenuhan": approx(1.375), "reform": approx(1.8)}
    assert doc["completeness"] == {"answered": 10, "total": 127}
    assert doc["provisional"] is True
    assert doc["predicate"] is None
    assert doc["conservative"]["areas"]["MP"]["score"] == approx(2.508333333333)
    assert doc["conservative"]["total"] == approx(37.014583333333)  # 2.508333333333 + 34.50625
    assert doc["conservative"]["predicate"] is None
    subs = {s["code"]: s for s in doc["sub_areas"]}
    assert subs["MP.P2"]["score"] == approx(1.0)
    assert (subs["MP.P2"]["answered_items"], subs["MP.P2"]["total_items"]) == (1, 3)
    assert (subs["PW.R3"]["score"], subs["PW.R3"]["answered_items"]) == (0, 0)
    assert sorted(rules_of(doc, "WBK")) == sorted(RULES_90)


def test_answers_form_hasil_under_hasil_equal_to_answers(tmp_path):
    base = {"framework": F90, "answers": {"93": "B", "125": 3.6}}
    doc = evaluate_ok(tmp_path, {**base, "hasil": {"survey_anti_korupsi": 3.6, "survey_pelayanan": 3.2}})
    # 0.67 (MP.R3, w1) + 15.75 + 14.0
    assert doc["total"] == approx(30.42)
    assert doc["completeness"] == {"answered": 3, "total": 127}


# areas 4 + 4 + 12 + 8 + 12 + 8 = 48; hasil 3.6 / 4 * 15 = 13.5, 90 / 100 * 5 = 4.5, 3.2 / 4 * 20 = 16
# total 48 + 34 = 82 -> WBK (WBBM needs 85)
RECAP_52 = {"framework": F52, "areas": {"MP": 4, "TT": 4, "SDM": 12, "AK": 8, "PW": 12, "PP": 8},
            "hasil": {"survey_anti_korupsi": 3.6, "tlhp_percent": 90, "survey_pelayanan": 3.2},
            "holds_wbk": True}


def test_52_2014_recap(tmp_path):
    doc = evaluate_ok(tmp_path, RECAP_52)
    assert sorted(doc["areas"]) == sorted(AREAS)
    assert doc["hasil_components"] == {"bersih": approx(18.0), "pelayanan": approx(16.0)}
    assert doc["total"] == approx(82.0)
    assert doc["predicate"] == "WBK"
    assert "halves" not in doc
    wbk, wbbm = rules_of(doc, "WBK"), rules_of(doc, "WBBM")
    assert sorted(wbk) == sorted(RULES_52)
    assert sorted(wbbm) == sorted([*RULES_52, "pelayanan", "holds_wbk"])
    assert wbk["tlhp"]["value"] == approx(4.5) and wbk["tlhp"]["threshold"] == 3.5
    assert wbbm["pelayanan"]["threshold"] == 16 and wbbm["pelayanan"]["passed"] is True
    assert sorted(k for k, r in wbbm.items() if not r["passed"]) == ["total"]
    assert wbbm["total"]["gap"] == approx(3.0)


def test_52_2014_answers_form(tmp_path):
    # AK.1 (w5, Ya/Tidak x3): Ya, Ya, Tidak -> 2/3 * 5 = 3.333333333333; AK.2 unanswered
    req = {"framework": F52, "answers": {"40": "Ya", "41": "ya", "42": "Tidak"},
           "hasil": {"tlhp_percent": 100}}
    doc = evaluate_ok(tmp_path, req)
    assert doc["areas"]["AK"]["score"] == approx(3.333333333333)
    assert doc["hasil"] == approx(5.0)
    assert doc["completeness"] == {"answered": 4, "total": 84}  # 81 items + 3 hasil inputs
    assert doc["conservative"]["areas"]["AK"]["score"] == approx(3.333333333333)


# ---------------------------------------------------------------------------------------------
# Bad input: exit 2, exactly one stderr line naming the field, no traceback, nothing on stdout


def _recap(**changes: Any) -> dict[str, Any]:
    req = json.loads(json.dumps(RECAP_EXAMPLE))
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if name:
            req[section][name] = value
        else:
            req[section] = value
    return req


BAD = [
    ("unknown-framework", json.dumps(_recap(framework="permenpanrb-10-2019")), "framework"),
    ("framework-missing", json.dumps({"areas": {"MP": 1}}), "framework"),
    ("framework-number", json.dumps(_recap(framework=90)), "framework"),
    ("unknown-area", json.dumps(_recap(areas__XX=1.0)), "areas.XX"),
    ("52-area-lowercase", json.dumps({"framework": F52, "areas": {"mp": 1}}), "areas.mp"),
    ("area-below-0", json.dumps(_recap(areas__MP=-0.5)), "areas.MP"),
    ("area-above-max", json.dumps(_recap(areas__TT=7.01)), "areas.TT"),
    ("52-area-above-max", json.dumps({"framework": F52, "areas": {"MP": 6}}), "areas.MP"),
    ("unknown-question", json.dumps({"framework": F90, "answers": {"128": "A"}}), "answers.128"),
    ("52-unknown-question", json.dumps({"framework": F52, "answers": {"82": "A"}}), "answers.82"),
    ("non-numeric-question", json.dumps({"framework": F90, "answers": {"Q1": "Ya"}}), "answers.Q1"),
    ("survey-above-4", json.dumps(_recap(hasil__survey_anti_korupsi=4.01)), "hasil.survey_anti_korupsi"),
    ("survey-below-0", json.dumps(_recap(hasil__survey_pelayanan=-0.1)), "hasil.survey_pelayanan"),
    ("survey-answer-above-4", json.dumps({"framework": F90, "answers": {"125": 4.5}}), "answers.125"),
    ("unknown-capaian", json.dumps(_recap(hasil__capaian_kinerja="F")), "hasil.capaian_kinerja"),
    ("capaian-number", json.dumps(_recap(hasil__capaian_kinerja=0.75)), "hasil.capaian_kinerja"),
    ("capaian-in-52", json.dumps({"framework": F52, "areas": {}, "hasil": {"capaian_kinerja": "A"}}),
     "hasil.capaian_kinerja"),
    ("tlhp-above-100", json.dumps({"framework": F52, "areas": {}, "hasil": {"tlhp_percent": 101}}),
     "hasil.tlhp_percent"),
    ("unknown-hasil-item", json.dumps(_recap(hasil__ipak=3.6)), "hasil.ipak"),
    ("unknown-letter", json.dumps({"framework": F90, "answers": {"2": "D"}}), "answers.2"),
    ("mungkin", json.dumps({"framework": F90, "answers": {"1": "Mungkin"}}), "answers.1"),
    ("nan-area", '{"framework": "permenpanrb-90-2021", "areas": {"MP": NaN}}', "areas.MP"),
    ("nan-survey", '{"framework": "permenpanrb-90-2021", "areas": {}, "hasil": {"survey_pelayanan": NaN}}',
     "hasil.survey_pelayanan"),
    ("infinity-count", '{"framework": "permenpanrb-90-2021", "answers": {"88": Infinity}}', "answers.88"),
    ("minus-infinity-area", '{"framework": "permenpanrb-52-2014", "areas": {"PW": -Infinity}}', "areas.PW"),
    ("string-area", json.dumps(_recap(areas__MP="6.5")), "areas.MP"),
    ("string-survey", json.dumps(_recap(hasil__survey_anti_korupsi="3.62")), "hasil.survey_anti_korupsi"),
    ("string-count", json.dumps({"framework": F90, "answers": {"88": "10"}}), "answers.88"),
    ("negative-count", json.dumps({"framework": F90, "answers": {"110": -1}}), "answers.110"),
    ("fractional-count", json.dumps({"framework": F90, "answers": {"110": 2.5}}), "answers.110"),
    ("bool-area", json.dumps(_recap(areas__AK=True)), "areas.AK"),
    ("conflicting-hasil", json.dumps({"framework": F90, "answers": {"125": 3.62},
                                      "hasil": {"survey_anti_korupsi": 3.6}}), "hasil.survey_anti_korupsi"),
    ("holds-wbk-string", json.dumps(_recap(holds_wbk="yes")), "holds_wbk"),
    ("areas-not-object", json.dumps(_recap(areas=[6.5, 5.6])), "areas"),
    ("hasil-not-object", json.dumps(_recap(hasil=3.6)), "hasil"),
    ("answers-not-object", json.dumps({"framework": F90, "answers": ["Ya"]}), "answers"),
    ("areas-and-answers", json.dumps({**RECAP_EXAMPLE, "answers": {}}), "areas"),
    ("unknown-key", json.dumps({**RECAP_EXAMPLE, "unit": "Itjen"}), "unit"),
    ("malformed-json", '{"framework": "permenpanrb-90-2021", "areas": {"MP": 6.5,}}', "json"),
    ("truncated-json", '{"framework": ', "json"),
    ("empty-input", "", "json"),
    ("non-object-list", json.dumps([RECAP_EXAMPLE]), "json"),
    ("non-object-string", json.dumps("permenpanrb-90-2021"), "json"),
    ("non-object-number", "42", "json"),
    ("non-object-null", "null", "json"),
    ("deeply-nested", "[" * 100_000 + "]" * 100_000, "json"),
    ("deeply-nested-field",
     '{"framework": "permenpanrb-90-2021", "areas": {"MP": ' + "[" * 5000 + "]" * 5000 + "}}", "json"),
    # Numbers no float holds: refused with their field (Python itself refuses to read > 4300 digits).
    ("100001-digit-area", '{"framework": "permenpanrb-90-2021", "areas": {"MP": ' + "9" * 100_001 + "}}",
     "areas.MP"),
    ("4000-digit-count", '{"framework": "permenpanrb-90-2021", "answers": {"88": ' + "1" * 4000 + "}}",
     "answers.88"),
    ("negative-huge-survey", '{"framework": "permenpanrb-90-2021", "areas": {}, "hasil": {"survey_pelayanan": -'
     + "7" * 5000 + "}}", "hasil.survey_pelayanan"),
    ("huge-exponent", '{"framework": "permenpanrb-90-2021", "areas": {"MP": 1e999999999}}', "areas.MP"),
    ("310-digit-integer", '{"framework": "permenpanrb-90-2021", "areas": {"TT": 1' + "0" * 309 + "}}", "areas.TT"),
    ("huge-question-key", '{"framework": "permenpanrb-90-2021", "answers": {"' + "9" * 100_001 + '": "A"}}',
     "answers." + "9" * 71 + "\u2026"),  # the field is quoted too: 80 characters
    ("huge-digits-in-list", '{"framework": "permenpanrb-90-2021", "areas": [' + "1" * 5000 + "]}", "areas.0"),
]


def _assert_one_line_error(proc: Run, field: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert proc.stderr.endswith("\n")
    assert lines[0].startswith(f"{field}: "), lines[0]
    assert len(lines[0]) > len(field) + 4  # says what is wrong, not just where


BAD_FIELD = {i: f for i, _, f in BAD}
# A few bad inputs as real subprocesses (each start costs ~0.5 s of imports); all of them in-process.
SUBPROCESS_BAD = ["unknown-framework", "nan-area", "malformed-json", "100001-digit-area"]
SUBPROCESS_BAD_STDIN = ["string-count", "non-object-number"]


@pytest.fixture(scope="module")
def procs(tmp_path_factory) -> dict[str, Run]:
    """Every subprocess case, started together."""
    d = tmp_path_factory.mktemp("cli")
    bad = {i: t for i, t, _ in BAD}
    jobs: dict[str, tuple[tuple[str, ...], str | None]] = {
        "recap-file": ((str(write_request(d, RECAP_EXAMPLE, "recap.json")),), None),
        "recap-stdin": (("-",), json.dumps(RECAP_EXAMPLE)),
        "answers-file": ((str(write_request(d, ANSWERS_90, "answers.json")),), None),
    }
    for i in SUBPROCESS_BAD:
        jobs[f"bad-file:{i}"] = ((str(write_request(d, bad[i], f"bad-{i}.json")),), None)
    for i in SUBPROCESS_BAD_STDIN:
        jobs[f"bad-stdin:{i}"] = (("-",), bad[i])
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {k: pool.submit(run_subprocess, *args, stdin=stdin) for k, (args, stdin) in jobs.items()}
        return {k: f.result() for k, f in futures.items()}


@pytest.mark.parametrize("case", SUBPROCESS_BAD)
def test_bad_input_subprocess_file(procs, case):
    _assert_one_line_error(procs[f"bad-file:{case}"], BAD_FIELD[case])


@pytest.mark.parametrize("case", SUBPROCESS_BAD_STDIN)
def test_bad_input_subprocess_stdin(procs, case):
    _assert_one_line_error(procs[f"bad-stdin:{case}"], BAD_FIELD[case])


def test_missing_file(tmp_path):
    _assert_one_line_error(run_inprocess(str(tmp_path / "nope.json")), "file")


@pytest.mark.parametrize(("text", "field"), [pytest.param(t, f, id=i) for i, t, f in BAD])
def test_bad_input_from_a_file(tmp_path, text, field):
    _assert_one_line_error(run_inprocess(str(write_request(tmp_path, text))), field)


@pytest.mark.parametrize(("text", "field"), [pytest.param(t, f, id=i) for i, t, f in BAD])
def test_bad_input_from_stdin(text, field):
    _assert_one_line_error(run_inprocess("-", stdin=text), field)


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"framework": "permenpanrb-90-2021", "areas": {"MP": 1}, "x": "é"}'.encode("latin-1"))
    _assert_one_line_error(run_inprocess(str(path)), "file")


# ---------------------------------------------------------------------------------------------
# Messages quote at most ~80 characters of a value, control characters escaped (issue #15.3/#15.5)

HUGE = "y" * 5_000_000 + "\\u0000z"  # a 5 MB value (JSON escape of NUL at its end)
ECHOING = [
    ("framework", '{"framework": "FW", "areas": {}}', "framework"),
    ("area-code", '{"framework": "permenpanrb-90-2021", "areas": {"FW": 1}}', "areas."),
    ("area-value", '{"framework": "permenpanrb-90-2021", "areas": {"MP": "FW"}}', "areas.MP"),
    ("holds-wbk", '{"framework": "permenpanrb-90-2021", "areas": {}, "holds_wbk": "FW"}', "holds_wbk"),
    ("answer-key", '{"framework": "permenpanrb-90-2021", "answers": {"FW": "A"}}', "answers."),
    ("answer-value", '{"framework": "permenpanrb-90-2021", "answers": {"1": "FW"}}', "answers.1"),
    ("hasil-key", '{"framework": "permenpanrb-90-2021", "areas": {}, "hasil": {"FW": 1}}', "hasil."),
    ("hasil-value", '{"framework": "permenpanrb-90-2021", "areas": {}, "hasil": {"capaian_kinerja": "FW"}}',
     "hasil.capaian_kinerja"),
    ("top-key", '{"FW": 1}', ""),
]


@pytest.mark.parametrize(("template", "field"), [pytest.param(t, f, id=i) for i, t, f in ECHOING])
def test_a_huge_value_is_quoted_short_and_a_nul_never_printed_raw(template, field):
    for value in (HUGE, "a\\u0000b\\u202ec\\nd"):
        run = run_inprocess("-", stdin=template.replace("FW", value))
        assert run.returncode == 2 and run.stdout == "" and "Traceback" not in run.stderr
        assert len(run.stderr.splitlines()) == 1 and run.stderr.startswith(field), run.stderr[:300]
        assert len(run.stderr) < 400, len(run.stderr)  # the message, not the value
        assert "\x00" not in run.stderr and "\u202e" not in run.stderr
    assert "a\\x00b\\u202ec\\nd" in run.stderr  # the control characters shown escaped


def test_a_50_mb_value_through_a_real_process(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text('{"framework": "' + "x" * 50_000_000 + '\\u0000", "areas": {}}', encoding="utf-8")
    proc = run_subprocess(str(path))
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr) < 400 and len(proc.stderr.splitlines()) == 1, len(proc.stderr)
    assert proc.stderr.startswith("framework: unknown framework 'xxxx") and "\x00" not in proc.stderr
