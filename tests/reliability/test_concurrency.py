"""Concurrency: readers never see a half-written import, and imports succeed while people browse.

Three set-ups, because the store has two locking layers (see zi_metrics/store/duckdb_backend.py): an in-process
readers-writer lock between threads, and DuckDB's file lock (with busy retries) between processes.

* 20 dashboard sessions against ONE real ``streamlit run`` server, each a real Streamlit client
  session on the server's websocket (the protocol the browser speaks; 20 Chromium tabs do not fit
  on a small CI machine), browsing the Ringkasan and Profil unit pages, while the ``import`` CLI
  (another process) replaces the unit's rounds again and again;
* a reader process looping over store reads while an importer process writes;
* reader threads and an importing thread in one process (the in-process lock).

20 AppTest instances in threads are not an option: AppTest swaps process-wide globals for every
run (``Runtime._instance``, ``config.get_option``), so concurrent runs break each other
("Runtime hasn't been created!") instead of exercising the app.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

UNIT_NAME = "Inspektorat Jenderal"  # the demo name of rel.UNIT
SESSIONS = 20


# ---------------------------------------------------------------------------------------------
# Two versions of the unit's 2026 LKE (mandiri + tpi in one PortalRB payload)


@dataclass(frozen=True)
class Version:
    name: str
    path: Path
    answers: dict[str, dict[int, Any]]  # stage -> question -> answer


def _versions(rel: Any, db: Path, directory: Path) -> tuple[Version, Version]:
    """A: every option one step lower than the demo's; B: the demo's answers minus 9 questions
    (so B differs from A in the total and in the number of answered questions)."""
    from zi_metrics.store import Store

    store = Store(db)
    base = {stage: store.answer_values(store.evaluation_id(rel.UNIT, rel.YEAR, stage))
            for stage in ("mandiri", "tpi")}
    a = {stage: rel.variant_answers(ans, 1) for stage, ans in base.items()}
    dropped = sorted(base["tpi"])[10:19]
    b = {stage: {q: v for q, v in ans.items() if q not in dropped} for stage, ans in base.items()}
    out = []
    for name, answers in (("A", a), ("B", b)):
        path = directory / f"lke-{name}.json"
        path.write_bytes(rel.payload_bytes(answers["mandiri"], answers["tpi"]))
        out.append(Version(name, path, answers))
    return out[0], out[1]


def _stored_answers(rel: Any, db: Path) -> dict[str, dict[int, Any]]:
    from zi_metrics.store import Store

    store = Store(db)
    return {stage: store.answer_values(store.evaluation_id(rel.UNIT, rel.YEAR, stage))
            for stage in ("mandiri", "tpi")}


# ---------------------------------------------------------------------------------------------
# 20 sessions against one server


@dataclass(frozen=True)
class View:
    """What a session shows of the unit in one state of the database."""

    overview_total: str  # the unit's total as its row in the Ringkasan table shows it (id format)
    overview_average: str  # the "average total" metric
    profile_total: str  # the Profil unit "total" metric
    profile_completeness: str


def _unit_round(rounds: list[Any], year: int, stage: str) -> Any:
    return next(r for r in rounds if r.year == year and r.stage == stage)


def _expected_view(rel: Any, db: Path) -> View:
    from zi_metrics import analytics
    from zi_metrics.formatting import format_number, format_percent
    from zi_metrics.i18n import t
    from zi_metrics.store import Store

    store = Store(db)
    frame = analytics.round_overview(store, rel.YEAR, "tpi")
    row = frame[frame["unit_id"] == rel.UNIT].iloc[0]
    rnd = _unit_round(analytics.unit_rounds(store, rel.UNIT), rel.YEAR, "tpi")
    card = rnd.scorecard
    done = card.completeness
    average = analytics.headline(frame)["average_total"]
    return View(format_number(float(row["total"]), "id"), format_number(average, "id"), format_number(card.total, "id"),
                t("unit.completeness_value", "id", answered=done.answered, total=done.total,
                  percent=format_percent(done.ratio * 100, "id")))


class StreamlitSession:
    """One dashboard session on the server's websocket, as a browser tab opens it: ``run`` asks for
    a script run of a page (with the URL's query string) and collects the elements drawn. A tab
    also sends its widgets' state with every later run; this client does not, so each page load
    uses a new session (as opening a link does)."""

    def __init__(self, base_url: str):
        from websockets.sync.client import connect

        url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=60, legacy=True)

    def close(self) -> None:
        self.ws.close()

    def run(self, page: str, query: str, timeout: float = 120.0) -> list[Any]:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.page_name = page
        msg.rerun_script.query_string = query
        self.ws.send(msg.SerializeToString())
        elements: list[Any] = []
        deadline = time.monotonic() + timeout
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(self.ws.recv(timeout=max(1.0, deadline - time.monotonic())))
            kind = fm.WhichOneof("type")
            if kind == "new_session":  # a (re)run starts: keep only its elements
                elements = []
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                elements.append(fm.delta.new_element)
            elif kind == "script_finished" and fm.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                return elements
            elif kind == "script_finished" and fm.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                raise AssertionError(f"{page or 'main'}: the script did not compile")


def _problems(elements: list[Any]) -> list[str]:
    """Exceptions and error boxes drawn by a run."""
    from streamlit.proto.Alert_pb2 import Alert

    out = []
    for el in elements:
        kind = el.WhichOneof("type")
        if kind == "exception":
            out.append(f"exception {el.exception.type}: {el.exception.message}")
        elif kind == "alert" and el.alert.format == Alert.ERROR:
            out.append(f"error box: {el.alert.body}")
    return out


def _texts(elements: list[Any]) -> list[str]:
    """What a run drew, in short: each element's kind and its first words (for failure messages)."""
    out = []
    for el in elements:
        kind = el.WhichOneof("type")
        body = getattr(el, kind, None)
        text = getattr(body, "body", "") or getattr(body, "label", "") if body is not None else ""
        out.append(f"{kind}: {str(text)[:80]}" if text else str(kind))
    return out


def _metrics(elements: list[Any]) -> dict[str, str]:
    return {el.metric.label: el.metric.body for el in elements if el.WhichOneof("type") == "metric"}


def _table_total(elements: list[Any], unit_name: str) -> str:
    """The unit's total as the Ringkasan table shows it (text in the language's format)."""
    import pyarrow as pa

    for el in elements:
        if el.WhichOneof("type") == "dataframe":
            frame = pa.ipc.open_stream(el.dataframe.arrow_data.data).read_all().to_pandas()
            if "unit" in frame.columns and "total" in frame.columns:
                rows = frame[frame["unit"] == unit_name]
                assert len(rows) == 1, f"{unit_name} appears {len(rows)} times in the overview table"
                return str(rows["total"].iloc[0])
    raise AssertionError("the overview drew no table with unit and total columns")


def _health(url: str) -> str | None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace").strip()
    except (urllib.error.URLError, OSError):
        return None


@pytest.fixture
def server(rel: Any, demo_db: Path, tmp_path: Path, free_port: int) -> Iterator[tuple[str, Path]]:
    """``streamlit run dashboard.py`` on its own port and its own copy of the demo database."""
    log_path = tmp_path / "streamlit.log"
    cmd = [sys.executable, "-m", "streamlit", "run", str(rel.REPO / "dashboard.py"),
           "--server.headless", "true", "--server.port", str(free_port), "--server.address", "127.0.0.1",
           "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    env = rel.cli_env(ZI_DB_PATH=str(demo_db), ZI_I18N_STRICT="1")
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=rel.REPO, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{free_port}"
    try:
        deadline = time.monotonic() + 60
        while _health(f"{base}/_stcore/health") != "ok":
            assert proc.poll() is None, f"streamlit exited early:\n{log_path.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"streamlit not healthy:\n{log_path.read_text()[-3000:]}"
            time.sleep(0.2)
        # A fresh Streamlit server knows the router's pages only once a run of the entry script
        # has finished: sessions that open a deep link before that land on the default page
        # (Streamlit's "Page not found"), as browser tabs do right after a restart. Browsing starts
        # after one finished run, as tests/browser's warm_server does.
        session = StreamlitSession(base)
        try:
            session.run("", "")
        finally:
            session.close()
        yield base, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class SessionLog:
    runs: list[tuple[float, float, str, Any]] = field(default_factory=list)  # start, end, page, seen
    problems: list[str] = field(default_factory=list)


@pytest.mark.slow
def test_twenty_sessions_browse_while_the_cli_imports(rel, demo_db, tmp_path, server):
    """20 workers keep loading Ringkasan and Profil unit (each load a new session) while the CLI
    imports B, then A again, into the server's database. Every page shows either state A or state B
    of the unit's round (the table row, the average, the profile's total and completeness all from
    the same state), no session draws an exception, both imports succeed, both states are seen, and
    after the last import a new page load shows it."""
    base, log_path = server
    # The server opened the file already; build the versions on a scratch copy.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    version_a, version_b = _versions(rel, demo_db, scratch)
    expected: dict[str, View] = {}
    for version in (version_a, version_b):
        copy = scratch / f"state-{version.name}.duckdb"
        copy.write_bytes(demo_db.read_bytes())
        code, _, err = rel.run_cli_inprocess("import", str(version.path), "--unit", rel.UNIT, "--year",
                                             str(rel.YEAR), "--db", str(copy))
        assert code == 0, err
        expected[version.name] = _expected_view(rel, copy)
    assert expected["A"].overview_total != expected["B"].overview_total
    assert expected["A"].profile_completeness != expected["B"].profile_completeness
    # Start in state A (the server is already up: the CLI retries until it gets the file).
    first = rel.run_cli("import", str(version_a.path), "--unit", rel.UNIT, "--year", str(rel.YEAR),
                        "--db", str(demo_db))
    assert first.returncode == 0, first.stderr

    from zi_metrics.i18n import t

    label_average = t("overview.average_total", "id")
    label_total = t("unit.total_official", "id")
    label_completeness = t("unit.completeness", "id")
    overview_query = f"tahun={rel.YEAR}&tahap=tpi"
    profile_query = f"unit={rel.UNIT}&tahun={rel.YEAR}&tahap=tpi"
    logs = [SessionLog() for _ in range(SESSIONS)]
    stop = threading.Event()

    def visit(page: str) -> tuple[float, float, str, Any]:
        """One page load: a new session opened on the page's URL (as a browser tab does)."""
        started = time.monotonic()
        session = StreamlitSession(base)
        try:
            if page == "overview":
                elements = session.run("", overview_query)
                seen: Any = (_table_total(elements, UNIT_NAME), _metrics(elements).get(label_average))
            else:
                elements = session.run("profil", profile_query)
                metrics = _metrics(elements)
                seen = (metrics.get(label_total), metrics.get(label_completeness))
                assert label_total in metrics, f"the profile drew no total: {_texts(elements)}"
        finally:
            session.close()
        problems = _problems(elements)
        assert not problems, f"{page}: {problems}"
        return started, time.monotonic(), page, seen

    def browse(log: SessionLog) -> None:
        try:
            while not stop.is_set():
                for page in ("overview", "profile"):
                    log.runs.append(visit(page))
        except Exception as exc:  # noqa: BLE001 - every failure is reported by the test
            log.problems.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=browse, args=(log,), daemon=True) for log in logs]
    for th in threads:
        th.start()

    def wait_for_a_run_after(moment: float, timeout: float = 120.0) -> None:
        """Until some session has finished a page load that started after ``moment``."""
        deadline = time.monotonic() + timeout
        while not any(r[0] > moment for log in logs for r in list(log.runs)):
            problems = [f"session {n}: {p}" for n, log in enumerate(logs) for p in list(log.problems)]
            assert not problems, "\n".join(problems[:20])
            assert time.monotonic() < deadline, "sessions stopped making progress"
            time.sleep(0.05)

    imports = []
    try:
        wait_for_a_run_after(0.0)  # the sessions are browsing
        for version in (version_b, version_a):
            started = time.monotonic()
            proc = rel.run_cli("import", str(version.path), "--unit", rel.UNIT, "--year", str(rel.YEAR),
                               "--db", str(demo_db))
            imports.append((version.name, proc.returncode, round(time.monotonic() - started, 1)))
            assert proc.returncode == 0, f"import {version.name} failed while sessions browsed: {proc.stderr}"
            if version is version_b:
                wait_for_a_run_after(time.monotonic())  # somebody has seen B
    finally:
        stop.set()
        for th in threads:
            th.join(timeout=180)
    assert not any(th.is_alive() for th in threads), "a session hung"

    problems = [f"session {n}: {p}" for n, log in enumerate(logs) for p in log.problems]
    assert not problems, "\n".join(problems[:20])
    states_seen: set[str] = set()
    for n, log in enumerate(logs):
        for _, _, page, seen in log.runs:
            if page == "overview":
                match = [v for v, view in expected.items()
                         if seen == (view.overview_total, view.overview_average)]
            else:
                match = [v for v, view in expected.items()
                         if seen == (view.profile_total, view.profile_completeness)]
            assert match, f"session {n} saw a mix on {page}: {seen}; states: {expected}"
            states_seen.update(match)
    assert states_seen == {"A", "B"}
    # After the last import, a new page load shows it (the app's caches follow the file).
    final = expected["A"]
    assert visit("overview")[3] == (final.overview_total, final.overview_average)
    assert visit("profile")[3] == (final.profile_total, final.profile_completeness)
    # The import landed whole: both rounds hold exactly version A's answers.
    assert _stored_answers(rel, demo_db) == version_a.answers
    server_log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in server_log, server_log[-3000:]
    runs = sum(len(log.runs) for log in logs)
    print(f"\n{SESSIONS} sessions, {runs} page runs, imports (name, exit code, seconds): {imports}")


# ---------------------------------------------------------------------------------------------
# A reader process and an importer process


def _observation_of(rel: Any, db: Path) -> dict[str, Any]:
    sys.path.insert(0, str(rel.HERE))
    import rel_worker

    return rel_worker.observe(db, rel.UNIT, rel.YEAR)


def test_reader_process_never_sees_a_partial_round(rel, demo_db, tmp_path):
    """A reader process loops over store reads (the pages' bulk round loader and one combined query)
    while an importer process imports A and B alternately through the CLI code path. Each round the
    reader sees has the old or the new number of answers and total, never another, and the two
    rounds written by one import always change together."""
    version_a, version_b = _versions(rel, demo_db, tmp_path)
    states: dict[str, dict[str, Any]] = {}
    for version in (version_a, version_b):
        copy = tmp_path / f"state-{version.name}.duckdb"
        copy.write_bytes(demo_db.read_bytes())
        code, _, err = rel.run_cli_inprocess("import", str(version.path), "--unit", rel.UNIT, "--year",
                                             str(rel.YEAR), "--db", str(copy))
        assert code == 0, err
        states[version.name] = _observation_of(rel, copy)
    states["demo"] = _observation_of(rel, demo_db)
    assert len({json.dumps(s, sort_keys=True) for s in states.values()}) == 3

    worker = str(rel.HERE / "rel_worker.py")
    env = rel.cli_env(REL_UNIT=rel.UNIT, REL_YEAR=str(rel.YEAR))
    stop, reads, imports = tmp_path / "stop", tmp_path / "reads.jsonl", tmp_path / "imports.jsonl"
    reader = subprocess.Popen([sys.executable, worker, "read-loop", str(demo_db), rel.UNIT, str(rel.YEAR),
                               str(reads), str(stop)], env=env, cwd=rel.REPO, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (reads.exists() and reads.read_text().count("\n") >= 2):
            assert reader.poll() is None and time.monotonic() < deadline, "the reader did not start"
            time.sleep(0.05)
        files = [str(v.path) for v in (version_a, version_b) * 3]
        # the importer waits for a read after each import (a condition, not a delay): every state is seen
        importer = subprocess.run([sys.executable, worker, "import-loop", str(demo_db), str(imports), *files],
                                  env={**env, "REL_WAIT_FOR_READS": str(reads)}, cwd=rel.REPO,
                                  stdin=subprocess.DEVNULL, timeout=600)
        assert importer.returncode == 0
    finally:
        stop.write_text("stop")
        reader.wait(timeout=60)
    assert reader.returncode == 0

    results = [json.loads(line) for line in imports.read_text().splitlines()]
    assert len(results) == 6
    for r in results:
        assert r["code"] == 0 and "imported" in r["stdout"], r
    observations = [json.loads(line) for line in reads.read_text().splitlines()]
    errors = [o["error"] for o in observations if "error" in o]
    assert not errors, errors[:5]
    during = [o for o in observations if results[0]["started"] <= o["t"] <= results[-1]["ended"]]
    assert len(during) >= 5, f"the reader read only {len(during)} times during the imports"
    seen = set()
    for o in observations:
        for stage in ("mandiri", "tpi"):
            match = {name for name, s in states.items() if o["rounds"][stage] == s["rounds"][stage]}
            assert match, f"partial {stage} round seen: {o['rounds'][stage]}; states {states}"
        match = {name for name, s in states.items() if o["together"] == s["together"]}
        assert match, f"the two rounds of one import seen in different states: {o['together']}"
        seen |= match
    assert seen >= {"A", "B"}, f"the reader never saw a state written during the loop ({seen})"
    assert _stored_answers(rel, demo_db) == version_b.answers  # the last import, whole


def test_a_writer_gets_in_while_another_process_reads_all_the_time(rel, demo_db, tmp_path):
    """Another process keeps the file open for reading without a gap (4 threads, overlapping 50 ms
    reads, as a busy dashboard does): a write from this process still gets in, well within its busy
    timeout, and the reads go on afterwards (writer priority between processes)."""
    from zi_metrics.store import Store, Unit

    stop = tmp_path / "stop"
    cmd = [sys.executable, str(rel.HERE / "rel_worker.py"), "hammer", str(demo_db), str(stop), "4", "0.05"]
    reader = subprocess.Popen(cmd, env=rel.cli_env(), cwd=rel.REPO, stdin=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not Path(f"{stop}.ready").exists():
            assert reader.poll() is None and time.monotonic() < deadline, "the reader process did not start"
            time.sleep(0.02)
        store = Store(demo_db, busy_timeout=5)
        took = []
        for n in range(3):
            started = time.monotonic()
            store.upsert_unit(Unit(f"unit-baru-{n}", f"Unit baru {n}", "eselon1", parent_id="kemendesa"),
                              actor="test")
            took.append(time.monotonic() - started)
    finally:
        stop.write_text("stop")
        _, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err.decode()
    assert max(took) < 5, took
    assert {f"unit-baru-{n}" for n in range(3)} <= {u.id for u in Store(demo_db).list_units()}


# ---------------------------------------------------------------------------------------------
# Threads of one process


def test_reader_threads_and_an_import_thread_in_one_process(rel, demo_db, tmp_path):
    """3 threads score the round as the pages do while another thread imports A and B alternately
    through the import function: no error, and every read shows the demo, A or B, never a mix."""
    from zi_metrics import analytics
    from zi_metrics.lke import import_file
    from zi_metrics.store import Store

    version_a, version_b = _versions(rel, demo_db, tmp_path)
    expected: dict[str, tuple[float, int]] = {}

    def view(store: Store) -> tuple[float, int]:
        """The unit's tpi total and answered count as the pages' bulk scorer sees them."""
        found = [s for s in analytics.score_round(store, rel.YEAR, "tpi") if s.unit_id == rel.UNIT]
        card = found[0].scorecard
        return round(card.total, 9), card.completeness.answered

    for version in (version_a, version_b):
        copy = tmp_path / f"state-{version.name}.duckdb"
        copy.write_bytes(demo_db.read_bytes())
        result = import_file(Store(copy), version.path, actor="test", unit_id=rel.UNIT, year=rel.YEAR)
        assert result.written, result.problems
        expected[version.name] = view(Store(copy))
    expected["demo"] = view(Store(demo_db))

    store = Store(demo_db, busy_timeout=60)
    stop = threading.Event()
    seen: list[tuple[float, int]] = []
    errors: list[str] = []

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append(view(store))
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{type(exc).__name__}: {exc}")

    readers = [threading.Thread(target=read, daemon=True) for _ in range(3)]
    for th in readers:
        th.start()
    results = []
    try:
        for version in (version_a, version_b) * 2:
            time.sleep(0.05)
            results.append(import_file(store, version.path, actor="test", unit_id=rel.UNIT, year=rel.YEAR))
    finally:
        stop.set()
        for th in readers:
            th.join(timeout=60)
    assert not errors, errors[:5]
    assert all(r.written and not r.problems for r in results), [r.problems for r in results]
    assert seen
    assert set(seen) <= set(expected.values()), set(seen) - set(expected.values())
    assert view(store) == expected["B"]
    assert _stored_answers(rel, demo_db) == version_b.answers

