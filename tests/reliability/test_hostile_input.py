"""Hostile and malformed input: refused with a clear message and no change to the database, or
stored verbatim and shown as text.

* every file of the malformed corpus (tests/fixtures/bad/, index.json) through the import path a
  page uses (preview, then commit) and through the ``import`` CLI, on the demo database: a fatal
  problem naming the sheet/cell, the database file byte-for-byte unchanged;
* a handful of hostile ``evaluate`` requests (the full bad-input matrix is tests/test_cli_evaluate.py):
  exit 2 with exactly one line on stderr, whatever line breaks the JSON smuggles in;
* hostile strings (quotes and SQL, HTML/script tags, 10,000 characters, right-to-left override,
  NUL, markdown links) through every input path: Store.upsert_unit, LKE notes and evidence (payload
  and Lampiran III workbook), recap CSV cells, import file names;
* the dashboard pages drawn (AppTest) with such a unit in the demo database: no exception, and no
  data ever reaches an element that renders HTML (st.markdown/st.html with HTML allowed, Plotly
  labels, which render a subset of HTML) unescaped.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"
INDEX = json.loads((BAD / "index.json").read_text(encoding="utf-8"))
DEFAULT_TARGET = {"unit": "kemendesa-itjen", "year": 2026, "stage": "mandiri"}

SQL = "'; DROP TABLE units; --"
SCRIPT = "<script>alert('zi-xss-1')</script>"
IMG = "<img src=x onerror=alert('zi-xss-2')>"
RTL = "\u202eLKE resmi\u202c"
LONG = "x" * 10_000
NUL = "a\x00b"
MARKDOWN = "[klik di sini](https://evil.example/) ![pixel](https://evil.example/p.png)"
HOSTILE = {"sql": SQL, "quotes": "O'Brien \"Biro\" `Umum` \\ ; --", "script": SCRIPT, "img": IMG, "rtl": RTL,
           "long": LONG, "nul": NUL, "markdown": MARKDOWN, "formula": '=HYPERLINK("https://evil.example")'}


def _target(entry: dict[str, Any]) -> dict[str, Any]:
    return entry.get("import", DEFAULT_TARGET)


def _expected_where(entry: dict[str, Any]) -> str:
    """How the CLI's one line starts naming the place: 'Sheet!Cell: ', 'Cell: ', 'Sheet' (any cell of
    that sheet) or nothing (the whole file)."""
    sheet, cell = entry.get("sheet", ""), entry.get("cell", "")
    if cell:
        return f"{sheet}!{cell}: " if sheet else f"{cell}: "
    return sheet


# ---------------------------------------------------------------------------------------------
# The malformed corpus


def test_every_malformed_file_is_refused_by_the_import_path_and_the_cli(rel, demo_db):
    """Preview + commit (what the data page calls) and the CLI in-process, for every corpus file."""
    from zi_metrics.lke import commit_import, prepare_import
    from zi_metrics.store import Store

    assert len(INDEX) >= 20
    store = Store(demo_db)
    before = rel.file_digest(demo_db)
    assert before[1] is None  # no WAL: any write would show in the file or a new WAL
    for entry in INDEX:
        path, target = BAD / entry["file"], _target(entry)
        preview = prepare_import(path, unit_id=target["unit"], year=target["year"], stage=target["stage"],
                                 store=store)
        assert preview.fatal and not preview.rounds, entry["file"]
        hits = [p for p in preview.problems if p.fatal and entry["expect"] in p.message]
        assert hits, (entry["file"], [str(p) for p in preview.problems])
        assert hits[0].sheet == entry.get("sheet", hits[0].sheet)
        assert hits[0].cell == entry.get("cell", hits[0].cell)
        result = commit_import(store, preview, actor="test")
        assert result.fatal and not result.written
        code, out, err = rel.run_cli_inprocess("import", str(path), "--unit", target["unit"], "--year",
                                               str(target["year"]), "--stage", target["stage"], "--db",
                                               str(demo_db))
        assert code == 2 and out == "", (entry["file"], code, out, err)
        lines = err.splitlines()  # one line per blocking problem (issue #10: every one is printed)
        assert len(lines) == sum(p.fatal for p in preview.problems) and "Traceback" not in err, (entry["file"], err)
        assert all(line.startswith("import: ") for line in lines), (entry["file"], err)
        assert lines[0].startswith("import: " + _expected_where(entry)), (entry["file"], lines[0])
        assert entry["expect"] in lines[0], (entry["file"], lines[0])
        assert rel.file_digest(demo_db) == before, f"{entry['file']} changed the database"
    # A file over the size limit (sparse: nothing is written to disk) is refused the same way.
    big = demo_db.parent / "besar.xlsx"
    with open(big, "wb") as fh:
        fh.truncate(20 * 1024 * 1024 + 1)
    code, out, err = rel.run_cli_inprocess("import", str(big), "--unit", "kemendesa-itjen", "--year", "2026",
                                           "--stage", "mandiri", "--db", str(demo_db))
    assert code == 2 and "larger than the 20 MB limit" in err and len(err.splitlines()) == 1
    assert rel.file_digest(demo_db) == before


def test_malformed_files_through_real_cli_processes(rel, demo_db):
    """A few corpus files as real ``python -m zi_metrics import`` processes (started together)."""
    picks = ["truncated.xlsx", "formula_answer.xlsx", "jawaban_bad_tpi.xlsx", "payload_not_json.json",
             "recap_out_of_range.csv", "unknown_unit.xlsx"]
    entries = [e for e in INDEX if e["file"] in picks]
    assert len(entries) == len(picks)
    before = rel.file_digest(demo_db)

    def run(entry: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        t = _target(entry)
        return rel.run_cli("import", str(BAD / entry["file"]), "--unit", t["unit"], "--year", str(t["year"]),
                           "--stage", t["stage"], "--db", str(demo_db))

    with ThreadPoolExecutor(max_workers=3) as pool:
        procs = list(pool.map(run, entries))
    for entry, proc in zip(entries, procs, strict=True):
        assert proc.returncode == 2 and proc.stdout == "", (entry["file"], proc.stdout, proc.stderr)
        assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.startswith("import: " + _expected_where(entry)), proc.stderr
        assert entry["expect"] in proc.stderr
    assert rel.file_digest(demo_db) == before


# ---------------------------------------------------------------------------------------------
# evaluate: hostile JSON (one line on stderr, whatever the request holds)

EVALUATE_CASES = {
    "newline-in-key": '{"framework": "permenpanrb-90-2021", "areas": {}, "a\\nb": 1}',
    "cr-lf-in-area-code": '{"framework": "permenpanrb-90-2021", "areas": {"MP\\r\\nTT": 1}}',
    "line-separator-in-key": '{"x\\u2028y": 1}',
    "nul-in-framework": '{"framework": "permenpanrb-90-2021\\u0000", "areas": {}}',
    "script-in-answer": '{"framework": "permenpanrb-90-2021", "answers": {"1": "<script>alert(1)</script>"}}',
    "sql-in-hasil": json.dumps({"framework": "permenpanrb-90-2021", "areas": {},
                                "hasil": {"capaian_kinerja": "'; DROP TABLE units; --"}}),
    "long-key": json.dumps({"framework": "permenpanrb-90-2021", "areas": {}, "k" * 10_000: 1}),
    "lone-surrogate": '{"framework": "\\ud800", "areas": {}}',
    "number-overflow": '{"framework": "permenpanrb-90-2021", "areas": {"MP": 1e999}}',
}


@pytest.mark.parametrize("case", list(EVALUATE_CASES))
def test_evaluate_hostile_request_gives_one_line(rel, tmp_path, case):
    path = tmp_path / "request.json"
    path.write_text(EVALUATE_CASES[case], encoding="utf-8")
    code, out, err = rel.run_cli_inprocess("evaluate", str(path))
    assert code == 2 and out == "", (code, out, err)
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.endswith("\n"), repr(err)


# ---------------------------------------------------------------------------------------------
# Store.upsert_unit


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_unit_name_is_stored_verbatim_or_refused_cleanly(rel, demo_db, kind):
    from zi_metrics.store import Store, StoreError, StoreValidationError, Unit

    store = Store(demo_db)
    text = HOSTILE[kind]
    before = rel.table_dump(demo_db)
    digest = rel.file_digest(demo_db)
    unit = Unit("unit-uji", text, "eselon1", parent_id="kemendesa", short_name=text[:100])
    try:
        store.upsert_unit(unit, actor=text[:200])
    except StoreError as exc:
        assert kind in ("long", "nul"), f"{kind!r} refused: {exc}"
        reason = "longer than 300 characters" if kind == "long" else "contains a NUL character (U+0000)"
        assert isinstance(exc, StoreValidationError) and reason in str(exc)
        assert rel.file_digest(demo_db) == digest
        return
    stored = store.get_unit("unit-uji")
    assert stored.name == text.strip() and stored.short_name == text[:100].strip()
    after = rel.table_dump(demo_db)
    for table in ("units", "audit_log", "meta"):
        after.pop(table)
        before.pop(table)
    assert after == before  # nothing else touched (and every table still there)
    assert len(store.list_units()) == 17


def test_a_lone_surrogate_is_refused_without_a_trace(rel, demo_db):
    from zi_metrics.store import Store, StoreError, Unit

    digest = rel.file_digest(demo_db)
    with pytest.raises(StoreError, match="not valid Unicode text"):
        Store(demo_db).upsert_unit(Unit("unit-uji", "a\ud800b", "eselon1", parent_id="kemendesa"), actor="t")
    assert rel.file_digest(demo_db) == digest


# ---------------------------------------------------------------------------------------------
# Notes and evidence through the import (payload JSON and Lampiran III workbook)


def _base_answers(rel: Any, db: Path) -> dict[int, Any]:
    from zi_metrics.store import Store

    store = Store(db)
    return store.answer_values(store.evaluation_id(rel.UNIT, rel.YEAR, "mandiri"))


def test_hostile_notes_and_evidence_in_a_payload_round_trip(rel, demo_db):
    from zi_metrics.lke import import_file
    from zi_metrics.store import Store

    answers = _base_answers(rel, demo_db)
    texts = [v for k, v in HOSTILE.items() if k not in ("long", "nul")]  # refused: see the next tests
    notes = {q: texts[n % len(texts)] for n, q in enumerate(sorted(answers)[:40])}
    evidence = {q: texts[(n + 3) % len(texts)] for n, q in enumerate(sorted(answers)[:40])}
    data = rel.payload_bytes(answers, None, notes=notes, evidence=evidence)
    result = import_file(Store(demo_db), data, name=f"{SQL}{SCRIPT}.json", actor=SCRIPT, unit_id=rel.UNIT,
                         year=rel.YEAR, stage="mandiri")
    assert result.written and not result.problems, [str(p) for p in result.problems]
    stored = rel.stored_round(demo_db, rel.UNIT, rel.YEAR, "mandiri")
    for q in notes:
        assert stored[q]["note"] == notes[q].strip()
        assert stored[q]["evidence_ref"] == evidence[q].strip()
    assert len(Store(demo_db).list_units()) == 16  # the units table is alive and whole


def test_an_over_long_note_is_refused_naming_the_question(rel, demo_db):
    from zi_metrics.lke import import_file
    from zi_metrics.store import Store

    answers = _base_answers(rel, demo_db)
    digest = rel.file_digest(demo_db)
    data = rel.payload_bytes(answers, None, notes={1: LONG})
    result = import_file(Store(demo_db), data, actor="test", unit_id=rel.UNIT, year=rel.YEAR, stage="mandiri")
    assert result.fatal and not result.written
    assert any("answers.1.note" in p.message and "4000" in p.message for p in result.problems)
    assert rel.file_digest(demo_db) == digest


def test_a_nul_in_a_note_is_refused_naming_the_question(rel, demo_db):
    """No backend stores NUL as text (PostgreSQL refuses it): refused on input, the same everywhere."""
    from zi_metrics.lke import import_file
    from zi_metrics.store import Store

    answers = _base_answers(rel, demo_db)
    digest = rel.file_digest(demo_db)
    data = rel.payload_bytes(answers, None, notes={2: NUL})
    result = import_file(Store(demo_db), data, actor="test", unit_id=rel.UNIT, year=rel.YEAR, stage="mandiri")
    assert result.fatal and not result.written
    assert any("answers.2.note" in p.message and "NUL character" in p.message for p in result.problems)
    assert rel.file_digest(demo_db) == digest


def test_hostile_notes_in_a_lampiran3_workbook_round_trip(rel, demo_db, tmp_path):
    """Notes and evidence typed into columns N and O of a Lampiran III workbook, as a user would (no
    apostrophe protection, a formula-looking note among them), are stored as the same text."""
    import io

    from zi_metrics.framework import load_framework
    from zi_metrics.lke import build_lampiran3, import_file
    from zi_metrics.store import Store

    fw = load_framework(rel.F90)
    answers = _base_answers(rel, demo_db)
    texts = [v for k, v in HOSTILE.items() if k not in ("long", "nul")]  # a workbook cannot hold NUL
    chosen = sorted(q for q in answers if fw.questions[q].kind == "option")[:len(texts)]
    marks = {q: f"CATATAN-{q}" for q in chosen}
    wb = build_lampiran3(fw, answers, notes=marks, evidence={q: f"BUKTI-{q}" for q in chosen})
    ws = wb.active
    placed = 0
    for row in ws.iter_rows():
        for cell in row:
            for n, q in enumerate(chosen):
                if cell.value in (f"CATATAN-{q}", f"BUKTI-{q}"):
                    cell.value = texts[n] if cell.value.startswith("CATATAN") else texts[-1 - n]
                    cell.data_type = "s"
                    placed += 1
    assert placed == 2 * len(chosen)
    buf = io.BytesIO()
    wb.save(buf)
    result = import_file(Store(demo_db), buf.getvalue(), name="lke.xlsx", actor="test", unit_id=rel.UNIT,
                         year=rel.YEAR, stage="mandiri")
    assert result.written and not [p for p in result.problems if p.fatal], [str(p) for p in result.problems]
    stored = rel.stored_round(demo_db, rel.UNIT, rel.YEAR, "mandiri")
    for n, q in enumerate(chosen):
        for column, text in (("note", texts[n]), ("evidence_ref", texts[-1 - n])):
            if text.startswith("="):
                # The reader never keeps a formula-looking cell (it drops it, without a warning).
                assert stored[q][column] in (None, text), (q, column)
            else:
                assert stored[q][column] == text.strip(), (q, column)


# ---------------------------------------------------------------------------------------------
# Recap CSV cells and file names through the CLI


RECAP_HEADER = ("unit_id,year,stage,framework,MP,TT,SDM,AK,PW,PP,survey_anti_korupsi,capaian_kinerja,"
                "tlhp_percent,survey_pelayanan")


@pytest.mark.parametrize("column", ["unit_id", "year", "stage", "framework", "MP", "capaian_kinerja"])
def test_hostile_recap_cells_are_refused_in_one_line(rel, demo_db, tmp_path, column):
    import csv
    import io

    names = RECAP_HEADER.split(",")
    digest = rel.file_digest(demo_db)
    for kind, text in HOSTILE.items():
        values = ["kemendesa-itjen", "2026", "tpn", "", "6", "5", "8", "8", "12", "8", "3.7", "B", "", "3.5"]
        row = dict(zip(names, values, strict=True))
        row[column] = text
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(names)
        writer.writerow([row[n] for n in names])
        path = tmp_path / f"rekap-{kind}.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        code, out, err = rel.run_cli_inprocess("import", str(path), "--db", str(demo_db))
        assert code == 2 and out == "", (kind, code, out, err)
        assert len(err.splitlines()) == 1 and "Traceback" not in err, (kind, err)
        assert "line 2" in err, (kind, err)  # names the row
    assert rel.file_digest(demo_db) == digest


@pytest.mark.parametrize("kind", ["sql", "script", "rtl", "newline", "carriage-return", "line-separator"])
def test_hostile_file_names_give_one_line(rel, demo_db, tmp_path, kind):
    """A file name is echoed in messages: it must not break the one-line error of the CLI."""
    name = {"newline": "lke\nbaru", "carriage-return": "lke\rbaru", "line-separator": "lke\u2028baru"}.get(
        kind, HOSTILE.get(kind, kind))
    digest = rel.file_digest(demo_db)
    path = tmp_path / f"{name.replace('/', '_')}.xlsx"
    shutil.copyfile(BAD / "truncated.xlsx", path)
    for target in (path, tmp_path / f"missing {name}.xlsx"):
        code, out, err = rel.run_cli_inprocess("import", str(target), "--unit", "kemendesa-itjen", "--year",
                                               "2026", "--stage", "mandiri", "--db", str(demo_db))
        assert code == 2 and out == "", (code, out, err)
        assert len(err.splitlines()) == 1 and "Traceback" not in err, repr(err)
    assert rel.file_digest(demo_db) == digest


# ---------------------------------------------------------------------------------------------
# The pages, drawn with a hostile unit in the demo database


HOSTILE_UNIT = "unit-uji-xss"
HOSTILE_NAME = f"{SCRIPT} {IMG} {SQL} {RTL} {MARKDOWN[:40]}"[:300]
HOSTILE_SHORT = f"{IMG}{RTL}"
MARKER = "zi-xss"  # only the hostile data holds it
RAW = ("<script>alert('zi-xss", "<img src=x onerror=alert('zi-xss")  # the data, unescaped


@pytest.fixture
def hostile_db(rel, demo_db):
    """The demo database plus a unit whose name, short name, notes, evidence, decree reference and
    revocation reason are hostile, evaluated in every 2026 round (so every page lists it)."""
    from zi_metrics.store import Store, Unit

    store = Store(demo_db)
    store.upsert_unit(Unit(HOSTILE_UNIT, HOSTILE_NAME, "eselon1", parent_id="kemendesa",
                           short_name=HOSTILE_SHORT), actor=SCRIPT)
    for stage in ("mandiri", "tpi"):
        base = store.answer_values(store.evaluation_id(rel.UNIT, rel.YEAR, stage))
        worse = rel.variant_answers(base, 1)
        answers = {q: {"answer": v, "note": f"{SCRIPT} catatan {q}", "evidence_ref": f"javascript:alert({q})"}
                   for q, v in worse.items()}
        store.save_evaluation(HOSTILE_UNIT, rel.YEAR, stage, rel.F90, answers=answers, actor=SCRIPT)
    store.award_predicate(HOSTILE_UNIT, 2024, "WBK", f"{SCRIPT} SK 1/2024", actor=SCRIPT)
    store.revoke_predicate(HOSTILE_UNIT, 2024, "WBK", revoked_on="2025-03-01", reason=IMG, actor=SCRIPT)
    return demo_db


def _walk(tree: Any) -> list[Any]:
    return list(iter(tree))


def _strings(value: Any) -> list[str]:
    """Every string inside decoded JSON."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _html_violations(at: Any) -> tuple[list[str], int]:
    """(where hostile data reached an HTML-rendering element unescaped, elements holding the data)."""
    bad: list[str] = []
    holding = 0
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or MARKER not in str(proto):
            continue
        holding += 1
        kind = getattr(node, "type", type(node).__name__)
        if kind == "markdown" and proto.allow_html:
            bad.append(f"markdown with HTML allowed: {proto.body[:200]!r}")
        elif kind == "html" and any(r in proto.body for r in RAW):
            bad.append(f"st.html with raw data: {proto.body[:200]!r}")
        elif kind == "plotly_chart":
            spec = json.loads(proto.spec)
            raw = [s for s in _strings(spec.get("data", [])) + _strings(spec.get("layout", {}))
                   if any(r in s for r in RAW)]
            if raw:
                bad.append(f"plotly chart text rendered as HTML: {raw[0][:200]!r}")
    return bad, holding


def _open(rel: Any, role: str, **query: str) -> Any:
    """AppTest of the dashboard on the page of ``role`` with these URL parameters."""
    from streamlit.testing.v1 import AppTest

    page_file = rel.page_file(role)
    if page_file is None:
        pytest.skip(f"no {role} page yet")
    at = AppTest.from_file(str(rel.REPO / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if role != "overview":
        at.switch_page(page_file).run()
    return at


@pytest.mark.parametrize("role", ["overview", "profile", "gaps"])
def test_pages_show_hostile_data_only_as_text(rel, hostile_db, role):
    at = _open(rel, role, unit=HOSTILE_UNIT, tahun=str(rel.YEAR), tahap="tpi")
    assert not at.exception, [e.value for e in at.exception]
    bad, holding = _html_violations(at)
    assert holding, f"the {role} page never showed the hostile unit: the test would prove nothing"
    assert not bad, "\n".join(bad)


def test_every_chart_builder_shows_data_labels_as_text():
    """Plotly renders <b>, <a href>, <br>... in labels: a label from data must reach the figure escaped
    (Plotly shows '&lt;' as '<'), on every chart, including pages not drawn above."""
    from zi_metrics import charts

    name = f"{SCRIPT}{IMG}<a href='https://evil.example'>x</a>"
    areas = {"MP": name, "TT": "Tata & laksana"}
    figures = {
        "radar": charts.radar_figure([(name, {"MP": 50, "TT": 70})], areas, ["MP", "TT"]),
        "heatmap": charts.heatmap_figure([name], ["MP", "TT"], [[50, 70]], areas),
        "progress": charts.progress_figure([(name, [(2025, 70.0), (2026, 80.0)])]),
        "drift": charts.drift_figure([(name, 2025, 70.0, 72.0)]),
        "gap": charts.gap_bar_figure([(name, 2.5)]),
        "holding_back": charts.areas_holding_back_figure({"MP": 3}, area_labels=areas),
        "timeline": charts.timeline_figure([{"unit": name, "year": 2024, "predicate": name,
                                             "status": "earned"}]),
    }
    for chart, fig in figures.items():
        texts = _strings(json.loads(fig.to_json()))
        assert not [t for t in texts if any(r in t for r in (*RAW, "<a href"))], chart
        assert any("&lt;script&gt;alert('zi-xss-1')" in t for t in texts), chart


# A crafted link (?unit=...) is echoed in a notice: Markdown there must stay text, not a link/image.
URL_VALUE = "[klik](https://evil.example/) ![p](https://evil.example/p.png) www.evil.example"
LIVE_MARKDOWN = re.compile(r"(?<!\\)(\]\(|!\[|https?://|www\.)")
CODE_SPAN = re.compile(r"(`+).*?\1")  # inline code: shown literally, never a link


def _markdown_bodies(at: Any) -> list[str]:
    """Bodies of the elements Streamlit renders as Markdown (markdown, caption, headings, alerts)."""
    out = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if type(proto).__name__ in ("Markdown", "Heading", "Alert") and proto.body:
            out.append(proto.body)
    return out


URL_CASES = [("overview", "unit"), ("overview", "tahun"), ("profile", "peer"), ("present", "units")]


@pytest.mark.parametrize(("role", "param"), URL_CASES)
def test_url_values_echoed_in_notices_stay_text(rel, demo_db, role, param):
    at = _open(rel, role, unit=rel.UNIT)
    at.query_params[param] = URL_VALUE  # a new value in the same session, as a pasted link
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    notices = [w.value for w in at.warning if "evil" in w.value]
    assert notices, f"no notice echoed the bad {param} value"
    live = [b for b in _markdown_bodies(at) if LIVE_MARKDOWN.search(CODE_SPAN.sub("", b))]
    assert not live, live
